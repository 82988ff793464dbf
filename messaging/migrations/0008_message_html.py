"""Message.html: content rendered at write time; existing messages rendered here once.

The backfill renders with today's renderer (messaging.rendering) and each
message's stored mentions, as a new message is rendered, in batches by id
so that memory stays flat on a large table. Deleted messages keep "".

On SQLite the column is added by ALTER TABLE: Django rebuilds the table to add
a NOT NULL column there, which would drop the full-text triggers of 0002 (and
copy every row).
"""

from django.db import migrations, models

BATCH = 1000
SQLITE_ADD = "ALTER TABLE messaging_message ADD COLUMN html text NOT NULL DEFAULT ''"
SQLITE_DROP = "ALTER TABLE messaging_message DROP COLUMN html"


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_ADD)
        return
    Message = apps.get_model("messaging", "Message")
    schema_editor.add_field(Message, Message._meta.get_field("html"))


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
        return
    Message = apps.get_model("messaging", "Message")
    schema_editor.remove_field(Message, Message._meta.get_field("html"))


def render_existing(apps, schema_editor):
    from messaging.rendering import render_content

    Message = apps.get_model("messaging", "Message")
    Mention = apps.get_model("messaging", "Mention")
    db = schema_editor.connection.alias
    last_id = 0
    while True:
        batch = list(
            Message.objects.using(db)
            .filter(pk__gt=last_id, deleted_at__isnull=True, html="")
            .exclude(content="")
            .order_by("pk")
            .only("pk", "content")[:BATCH]
        )
        if not batch:
            return
        last_id = batch[-1].pk
        mentions = {}
        for message_id, user_id, username in (
            Mention.objects.using(db)
            .filter(message_id__in=[m.pk for m in batch])
            .values_list("message_id", "user_id", "user__username")
        ):
            mentions.setdefault(message_id, {})[username.lower()] = user_id
        for message in batch:
            message.html = render_content(message.content, mentions=mentions.get(message.pk, {}))
        Message.objects.using(db).bulk_update(batch, ["html"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0007_event_moves_to_realtime"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="message",
                    name="html",
                    field=models.TextField(blank=True, default=""),
                ),
            ],
        ),
        migrations.RunPython(add_column, drop_column),
        migrations.RunPython(render_existing, migrations.RunPython.noop),
    ]
