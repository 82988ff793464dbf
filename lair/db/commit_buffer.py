"""Writes a transaction buffers and hands over in one call, right before its COMMIT.

Why a database backend and not an atomic wrapper every service calls: the
rule "the event is the last write of its transaction" then holds for every
path that writes, whatever opened the transaction (a service's
``transaction.atomic``, a caller's wider one, a management command, a test),
and nobody can forget it. An atomic wrapper guards only the services that
remember to use it, and a plain ``transaction.atomic`` around one of them
would commit after a flush that was not last. Here ``commit()`` itself
flushes first, so nothing can run between the flush and COMMIT.

Buffered items follow savepoints the way ``on_commit`` callbacks do: a
rolled-back savepoint drops what was buffered inside it, a rollback drops
everything. Under Django's TestCase the outermost transaction is the test's
and never commits; there the block that would be outermost in production
(the first one not opened by the test case) flushes when its savepoint is
released, so tests see the same rows and statements as production. (A test
whose outermost block of its own is ``atomic(savepoint=False)`` has no
release to flush at: its events are appended by the next block that has one.)

The backend knows nothing about what is buffered: the layer that owns the
writes passes its flush function (realtime/log.py, the event log).
"""

from __future__ import annotations

from collections.abc import Callable

Flush = Callable[[object, list], None]


class CommitBufferMixin:
    """Mixed into a DatabaseWrapper: ``buffer_until_commit`` and the flush before COMMIT."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # flush function -> [(savepoint ids open when buffered, item)], in order.
        self.commit_buffers: dict[Flush, list[tuple[set, object]]] = {}

    def in_app_transaction(self) -> bool:
        """Whether an atomic block other than a test case's is open."""
        return any(not block._from_testcase for block in self.atomic_blocks)

    def buffer_until_commit(self, flush: Flush, item) -> bool:
        """Keep ``item`` for ``flush(connection, items)`` right before COMMIT.

        Returns False when no transaction is open: the caller writes at once.
        """
        if not self.in_app_transaction():
            return False
        self.commit_buffers.setdefault(flush, []).append((set(self.savepoint_ids), item))
        return True

    def buffered(self, flush: Flush) -> list:
        """The items waiting for ``flush`` in the open transaction, oldest first."""
        return [item for _, item in self.commit_buffers.get(flush, ())]

    def flush_commit_buffers(self) -> None:
        # Taken before flushing: a flush that fails is not retried on the
        # rollback path, and one that buffers more gets another round.
        while self.commit_buffers:
            buffers, self.commit_buffers = self.commit_buffers, {}
            for flush, entries in buffers.items():
                flush(self, [item for _, item in entries])

    def commit(self):
        try:
            self.flush_commit_buffers()
        except Exception:
            # Atomic rolls back only on DatabaseError: never leave the
            # transaction open behind another error.
            self.rollback()
            raise
        super().commit()

    def rollback(self):
        self.commit_buffers = {}
        super().rollback()

    def close(self):
        self.commit_buffers = {}
        super().close()

    def savepoint_rollback(self, sid):
        super().savepoint_rollback(sid)
        for flush, entries in list(self.commit_buffers.items()):
            kept = [(sids, item) for sids, item in entries if sid not in sids]
            if kept:
                self.commit_buffers[flush] = kept
            else:
                del self.commit_buffers[flush]

    def savepoint_commit(self, sid):
        # Only under a test case: the released block was the outermost of the
        # application's, the one whose exit is COMMIT in production.
        if self.commit_buffers and not self.in_app_transaction():
            self.flush_commit_buffers()
        super().savepoint_commit(sid)
