"""manage.py seed_demo: demo users, rooms and a conversation for a first run."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lair.errors import DomainError
from operators import demo


class Command(BaseCommand):
    help = (
        "Fill an empty server with demo data: a site admin, a moderator and three users "
        f"(password {demo.DEMO_PASSWORD!r}), public and private rooms, a direct conversation, "
        "messages with a reply thread and reactions, all through the services (events and "
        "rules apply). Running it again adds nothing. Refused when DEBUG is off unless "
        "--force: known passwords on a production server are an open door."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off (a staging server, say).",
        )

    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a production server, and the demo accounts "
                "have a published password. Pass --force to seed anyway."
            )
        people = None
        try:
            for step in tqdm(
                demo.steps(),
                total=demo.STEP_COUNT,
                desc="seed_demo",
                disable=None,
                file=self.stderr,
            ):
                people = step()
        except DomainError as exc:
            raise CommandError(f"Could not seed the demo: {exc.message}") from exc
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in as:"))
        for user in demo.USERS:
            self.stdout.write(f"  {user.username:<8}{user.role:<11}{people[user.username].email}")
        self.stdout.write(f"Password for each: {demo.DEMO_PASSWORD}")
        self.stdout.write(
            "Sign in to the chat at /login/; the operator console is at /admin/ (ada, moe); "
            "the API docs are at /api/v1/docs/ (POST /api/v1/auth/login)."
        )
