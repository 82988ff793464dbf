from datetime import timedelta

from django.core.management.base import BaseCommand

from realtime.log import prune_event_log, retention


class Command(BaseCommand):
    help = (
        "Delete real-time events older than the retention period (EVENT_LOG_RETENTION_DAYS); "
        "clients that were away longer refetch over REST."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="Retention in days (default: the setting)."
        )

    def handle(self, *args, days=None, **options):
        older_than = timedelta(days=days) if days is not None else retention()
        deleted = prune_event_log(older_than=older_than)
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} event(s)."))
