"""The event log in the operator console: site admins read it, nobody writes it.

The log is what reconnecting clients resume from; an edited or deleted row
would replay something that did not happen. The frame itself (``payload``)
is not shown: it can carry the text of a private or direct message.
"""

from __future__ import annotations

from django.contrib import admin

from lair.admin_access import ReadOnly
from realtime.models import Event


@admin.register(Event)
class EventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("id", "type", "room_id", "target_user_id", "message_id", "created_at")
    list_filter = ("type",)
    search_fields = ("=room_id", "=target_user_id", "=message_id", "=type")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    # Millions of rows: no COUNT(*) of the whole table on every page.
    show_full_result_count = False
    fields = ("type", "room_id", "target_user_id", "message_id", "created_at")
    readonly_fields = fields
