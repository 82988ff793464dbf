"""PostgreSQL: append every event of a transaction in one call, under the ordering lock.

record() buffers a transaction's events and the database backend appends
them right before COMMIT (lair/db/commit_buffer.py): one call, whatever the
number of events (a direct room logs two joins), so the advisory lock is held
for that call and COMMIT only. The events are inserted one after another in
the order given, each naming the one before it, so ids follow log order.
In a VOLATILE PL/pgSQL function every statement takes a fresh snapshot, so
``max(id)`` read after the lock sees every predecessor that committed while
this transaction waited for it.

messaging's lair_append_event (one event a call) stays for processes still
running the previous release during a rolling update.
"""

from django.db import migrations

_SIGNATURE = "lair_append_events(bigint, bigint[], bigint[], varchar[], text[], bigint[], timestamptz)"

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION lair_append_events(
        lock_key bigint, p_room_ids bigint[], p_target_user_ids bigint[],
        p_types varchar[], p_payloads text[], p_message_ids bigint[],
        p_created_at timestamptz
    ) RETURNS TABLE (event_id bigint, previous_id bigint)
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        predecessor bigint;
    BEGIN
        PERFORM pg_advisory_xact_lock(lock_key);
        SELECT max(id) INTO predecessor FROM messaging_event;
        FOR i IN 1 .. coalesce(array_length(p_types, 1), 0) LOOP
            INSERT INTO messaging_event
                (room_id, target_user_id, type, payload, created_at, message_id)
            VALUES
                (p_room_ids[i], p_target_user_ids[i], p_types[i], p_payloads[i],
                 p_created_at, p_message_ids[i])
            RETURNING id INTO event_id;
            previous_id := predecessor;
            RETURN NEXT;
            predecessor := event_id;
        END LOOP;
    END
    $$
    """
]
BACKWARD = [f"DROP FUNCTION IF EXISTS {_SIGNATURE}"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("realtime", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
