"""The event log moves from messaging to realtime, the bottom layer, as it is.

State only: the table keeps its name (messaging_event), its rows, its indexes
and the append function of messaging's migrations 0004 and 0006; messaging's
migration 0007 drops the model from messaging's state in the same step.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("messaging", "0006_event_message_id"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Event",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("room_id", models.BigIntegerField()),
                        ("target_user_id", models.BigIntegerField(blank=True, null=True)),
                        ("type", models.CharField(max_length=32)),
                        ("message_id", models.BigIntegerField(blank=True, null=True)),
                        ("payload", models.TextField()),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "db_table": "messaging_event",
                        "indexes": [
                            models.Index(fields=["room_id", "id"], name="event_room_idx"),
                            models.Index(
                                condition=models.Q(("target_user_id__isnull", False)),
                                fields=["target_user_id", "id"],
                                name="event_target_idx",
                            ),
                            models.Index(fields=["created_at"], name="event_created_idx"),
                            models.Index(
                                condition=models.Q(("message_id__isnull", False)),
                                fields=["message_id"],
                                name="event_message_idx",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
