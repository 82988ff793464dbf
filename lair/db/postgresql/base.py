"""Django's PostgreSQL backend, flushing the transaction's buffered writes before COMMIT."""

from django.db.backends.postgresql import base

from lair.db.commit_buffer import CommitBufferMixin


class DatabaseWrapper(CommitBufferMixin, base.DatabaseWrapper):
    pass
