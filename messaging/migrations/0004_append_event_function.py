"""PostgreSQL: append to the event log in one round trip under the ordering lock.

The event log (now realtime/log.py) serializes event-id assignment with a transaction-scoped
advisory lock, held until COMMIT. Taking the lock, reading the predecessor's
id and inserting were three round trips with the lock held (each also waiting
for the Python process's GIL under load); as one function call they are one.
In a VOLATILE PL/pgSQL function every statement takes a fresh snapshot, so
``max(id)`` read after the lock sees every predecessor that committed while
this transaction waited for it.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION lair_append_event(
        lock_key bigint, p_room_id bigint, p_target_user_id bigint,
        p_type varchar, p_payload text, p_created_at timestamptz,
        OUT event_id bigint, OUT previous_id bigint
    ) LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock(lock_key);
        SELECT max(id) INTO previous_id FROM messaging_event;
        INSERT INTO messaging_event (room_id, target_user_id, type, payload, created_at)
        VALUES (p_room_id, p_target_user_id, p_type, p_payload, p_created_at)
        RETURNING id INTO event_id;
    END
    $$
    """
]
POSTGRES_BACKWARD = [
    "DROP FUNCTION IF EXISTS lair_append_event(bigint, bigint, bigint, varchar, text, timestamptz)"
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_event_log")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
