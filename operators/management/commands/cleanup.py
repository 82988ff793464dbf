"""manage.py cleanup: one housekeeping pass of the background worker, now."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from operators import housekeeping


class Command(BaseCommand):
    help = (
        "Run one pass of the background worker's housekeeping, now: delete expired device "
        "sessions (closing their sockets) and sessions revoked more than "
        f"{housekeeping.REVOKED_SESSIONS_KEPT_DAYS} days ago, prune the event log past "
        "EVENT_LOG_RETENTION_DAYS, clear presence left by a dead server process. "
        "Running it twice removes nothing the second time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be removed, remove nothing.",
        )

    def handle(self, *args, dry_run: bool, **options):
        # The bar shows on a terminal only: a cron log gets the summary alone.
        with tqdm(total=3, desc="cleanup", unit="step", disable=None, file=self.stderr) as bar:
            result = housekeeping.run_pass(
                dry_run=dry_run, step=lambda name: (bar.set_postfix_str(name), bar.update())
            )
        verb = "Would delete" if dry_run else "Deleted"
        lines = [
            f"{verb} {result.sessions_deleted} ended device session(s), "
            f"{result.sockets_closed} of them expired with sockets open.",
            f"{verb} {result.events_pruned} event(s) past the event log's retention.",
            f"{'Would mark' if dry_run else 'Marked'} {result.presence_cleared} user(s) "
            "offline whose server process had died.",
        ]
        for line in lines:
            self.stdout.write(line if dry_run else self.style.SUCCESS(line))
