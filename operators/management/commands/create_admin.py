"""manage.py create_admin: a site admin, without prompts (for scripts and containers)."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError

from lair.errors import DomainError
from sessions_app.services import create_site_admin

PASSWORD_VARIABLE = "LAIR_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a site admin (role admin, staff and superuser: the admin console at /admin/ "
        "and the admin API). The password comes from the environment variable "
        f"{PASSWORD_VARIABLE} or, with --password-stdin, from the first line of standard "
        "input; never from an argument, which every user of the machine can read in the "
        "process list. Django's password validators apply. An existing username is an error "
        "unless --update, which makes that account a site admin with this password and "
        "signs it out everywhere."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="The admin's username.")
        parser.add_argument("--email", default="", help="The admin's email address.")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help=f"Read the password from standard input instead of {PASSWORD_VARIABLE}.",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="If the user exists, make them a site admin with this password.",
        )

    def handle(self, *args, username, email, password_stdin, update, **options):
        password = self.password(from_stdin=password_stdin)
        try:
            user, created = create_site_admin(
                username=username, email=email, password=password, update=update
            )
        except DomainError as exc:
            hint = "; pass --update to change it" if exc.code == "conflict" and not update else ""
            raise CommandError(f"{exc.message.rstrip('.')}{hint}.") from exc
        what = "Created site admin" if created else "Updated site admin"
        self.stdout.write(self.style.SUCCESS(f"{what} {user.username} (id {user.pk})."))

    def password(self, *, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            source = "standard input"
        else:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            source = PASSWORD_VARIABLE
        if not password:
            raise CommandError(
                f"No password: set {PASSWORD_VARIABLE} or pass --password-stdin "
                f"(read from {source})."
            )
        return password
