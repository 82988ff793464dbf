"""The event log names the message a message.* event embeds.

An edit or a delete rewrites the earlier payloads of that message (see
``redact_message``, now in realtime/log.py) and finds them through this column's
index, never by scanning the log. lair_append_event (migration 0004) now fills
the column too, in the same INSERT: posting costs no extra statement.
"""

from django.db import migrations, models

_WITHOUT_MESSAGE = "lair_append_event(bigint, bigint, bigint, varchar, text, timestamptz)"
_WITH_MESSAGE = "lair_append_event(bigint, bigint, bigint, varchar, text, timestamptz, bigint)"

_BODY = """
    CREATE OR REPLACE FUNCTION lair_append_event(
        lock_key bigint, p_room_id bigint, p_target_user_id bigint,
        p_type varchar, p_payload text, p_created_at timestamptz,{message_param}
        OUT event_id bigint, OUT previous_id bigint
    ) LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock(lock_key);
        SELECT max(id) INTO previous_id FROM messaging_event;
        INSERT INTO messaging_event (room_id, target_user_id, type, payload, created_at{column})
        VALUES (p_room_id, p_target_user_id, p_type, p_payload, p_created_at{value})
        RETURNING id INTO event_id;
    END
    $$
"""

FORWARD = [
    f"DROP FUNCTION IF EXISTS {_WITHOUT_MESSAGE}",
    _BODY.format(
        message_param=" p_message_id bigint,", column=", message_id", value=", p_message_id"
    ),
]
BACKWARD = [
    f"DROP FUNCTION IF EXISTS {_WITH_MESSAGE}",
    _BODY.format(message_param="", column="", value=""),
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("messaging", "0005_search_index_pending_list")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="message_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("message_id__isnull", False)),
                fields=["message_id"],
                name="event_message_idx",
            ),
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
