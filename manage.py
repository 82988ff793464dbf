#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lair.settings")
    # A developer's checkout with no configuration at all (no SECRET_KEY, no
    # DEBUG, no .env) runs commands in development mode, like `make run`.
    # Anything configured, production included, is left as it is.
    configured = {"SECRET_KEY", "DEBUG"} & set(os.environ)
    if not configured and not (Path(__file__).resolve().parent / ".env").exists():
        os.environ["DEBUG"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
