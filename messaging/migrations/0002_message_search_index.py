"""Full-text index of message text: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.

Both follow every insert, edit and soft delete in the same transaction, so a
message is searchable as soon as it is stored. See messaging/search.py.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE messaging_message_fts USING fts5("
    "content, content='messaging_message', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER messaging_message_fts_insert AFTER INSERT ON messaging_message BEGIN "
    "INSERT INTO messaging_message_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER messaging_message_fts_delete AFTER DELETE ON messaging_message BEGIN "
    "INSERT INTO messaging_message_fts(messaging_message_fts, rowid, content) "
    "VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER messaging_message_fts_update AFTER UPDATE OF content ON messaging_message "
    "BEGIN "
    "INSERT INTO messaging_message_fts(messaging_message_fts, rowid, content) "
    "VALUES ('delete', old.id, old.content); "
    "INSERT INTO messaging_message_fts(rowid, content) VALUES (new.id, new.content); END",
    "INSERT INTO messaging_message_fts(messaging_message_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS messaging_message_fts_update",
    "DROP TRIGGER IF EXISTS messaging_message_fts_delete",
    "DROP TRIGGER IF EXISTS messaging_message_fts_insert",
    "DROP TABLE IF EXISTS messaging_message_fts",
]
POSTGRES_FORWARD = [
    "ALTER TABLE messaging_message ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content)) STORED",
    "CREATE INDEX messaging_message_search_idx ON messaging_message USING GIN (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS messaging_message_search_idx",
    "ALTER TABLE messaging_message DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
