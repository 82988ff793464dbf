"""PostgreSQL: keep the full-text index's pending list short.

New rows enter a GIN index through its pending list, which every search
scans in full until it is merged. At the default limit (4 MB) a busy room
piles up ~40,000 messages there, and a search for a rare word went from
~1 ms to ~5 ms of database CPU (docs/PERFORMANCE.md). 256 kB merges every
~3,000 messages, in smaller steps.
"""

from django.db import migrations


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_append_event_function")]

    operations = [
        migrations.RunPython(
            _run("ALTER INDEX messaging_message_search_idx SET (gin_pending_list_limit = 256)"),
            _run("ALTER INDEX messaging_message_search_idx RESET (gin_pending_list_limit)"),
        )
    ]
