"""manage.py broadcast: an operator announcement to every connected user."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lair.errors import DomainError
from messaging.services import broadcast_system_message


class Command(BaseCommand):
    help = (
        "Send an announcement to every connected user (a `system` event on every socket) "
        "and record it in the audit log (broadcast.sent). Needs the channel layer the "
        "servers use (REDIS_URL): the default in-memory layer reaches no other process."
    )

    def add_arguments(self, parser):
        parser.add_argument("content", help='The announcement, e.g. "Restart at 22:00 UTC".')

    def handle(self, *args, content: str, **options):
        try:
            broadcast_system_message(actor=None, content=content)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS("Sent to every connected user."))
