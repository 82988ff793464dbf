from django.core.management.base import BaseCommand

from sessions_app.services import delete_ended_sessions


class Command(BaseCommand):
    help = "Delete expired device sessions and sessions revoked more than --days days ago."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=30,
            help="Keep revoked sessions this many days (they explain sign-outs). Default 30.",
        )

    def handle(self, *args, days: int, **options):
        deleted = delete_ended_sessions(revoked_older_than_days=days)
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} ended session(s)."))
