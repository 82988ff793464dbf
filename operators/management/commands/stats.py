"""manage.py stats: the figures of GET /api/v1/admin/stats, at a shell."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from operators.selectors import site_stats

LABELS = {
    "users": ("Users", ["total", "active_24h", "online", "suspended"]),
    "rooms": ("Rooms", ["total", "public", "private", "direct", "archived"]),
    "messages": ("Messages", ["total", "last_24h"]),
    "sessions": ("Sessions", ["active"]),
    "websocket": ("WebSocket", ["connections"]),
}


class Command(BaseCommand):
    help = (
        "Print the site's figures: users, rooms, messages, active device sessions and open "
        "WebSocket connections (those of every server process sharing the cache). "
        "--json prints the object GET /api/v1/admin/stats answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print JSON, for scripts.")

    def handle(self, *args, json: bool, **options):
        figures = site_stats()
        if json:
            self.stdout.write(_dumps(figures))
            return
        for group, (label, keys) in LABELS.items():
            values = figures[group]
            names = [*keys, *(key for key in values if key not in keys)]
            shown = ", ".join(f"{name.replace('_', ' ')} {values[name]}" for name in names)
            self.stdout.write(f"{label + ':':<11}{shown}")


def _dumps(figures: dict) -> str:
    return json.dumps(figures, indent=2, sort_keys=True)
