"""manage.py run_worker: the background worker, a loop of housekeeping passes."""

from __future__ import annotations

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from operators import housekeeping

logger = logging.getLogger("lair.worker")


class Command(BaseCommand):
    help = (
        "Run the background worker: every --interval seconds, one housekeeping pass "
        "(delete ended device sessions and close the sockets of expired ones, prune the "
        "event log past EVENT_LOG_RETENTION_DAYS, clear presence left by a dead server "
        "process), one log line each. SIGTERM or SIGINT ends it after the current pass "
        "(exit 0). Several workers may run at once, on one machine or several: with a "
        "shared cache (REDIS_URL) one pass runs at a time; the passes are idempotent anyway."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="Seconds between the start of two passes (default 60).",
        )
        parser.add_argument(
            "--once", action="store_true", help="Run one pass and exit (as `cleanup` does)."
        )

    def handle(self, *args, interval: float, once: bool, **options):
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds.")
        stopping = threading.Event()

        def stop(signum, frame):
            # Only a flag: the pass under way finishes, then the loop ends.
            stopping.set()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        logger.info("worker started: a pass every %g s", interval)
        failed = 0
        try:
            while not stopping.is_set():
                if not self.run_one_pass(lock_ttl=max(interval * 2, 300)):
                    failed += 1
                if once:
                    break
                stopping.wait(interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        logger.info("worker stopped")
        if once and failed:
            raise CommandError("The pass failed (see the log above).")

    def run_one_pass(self, *, lock_ttl: float) -> bool:
        """One pass under the shared lock, logged on one line; False if it failed."""
        # A worker lives for weeks: drop connections the database closed meanwhile
        # (never one inside a transaction: a caller's, as call_command in a test).
        fresh = not connection.in_atomic_block
        if fresh:
            close_old_connections()
        try:
            with housekeeping.worker_lock(lock_ttl) as held:
                if not held:
                    logger.info("pass skipped: another worker is running one")
                    return True
                result = housekeeping.run_pass()
        except Exception as exc:  # the database or the cache is down: try again next time
            logger.error("pass failed: %s: %s", type(exc).__name__, exc)
            logger.debug("the failed pass", exc_info=True)  # LOG_LEVEL=DEBUG shows where
            return False
        finally:
            if fresh:
                close_old_connections()
        logger.info("pass done: %s", result.summary())
        return True
