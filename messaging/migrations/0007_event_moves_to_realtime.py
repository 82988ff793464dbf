"""The event log's model now lives in realtime (its migration 0001); the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_event_message_id"),
        ("realtime", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Event")],
            database_operations=[],
        ),
    ]
