"""Messages, reactions and mentions in the operator console: read, and moderated.

Nothing here is edited: a message changes only through messaging.services
(its event, the redaction of the event log, the audit entry). Moderators
delete through the "delete" action, which calls delete_message with their
rights: a site moderator in public rooms, a site admin in every room but other
people's direct rooms. An operator sees the messages of the rooms they may
read (Room.objects.readable_by), as over the API: the console is no way
around a private room's privacy.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.text import Truncator

from lair.admin_access import ReadOnly
from lair.client_ip import client_ip
from messaging import services
from messaging.models import Mention, Message, Reaction
from rooms.models import Room


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return (("yes", "Deleted"), ("no", "Not deleted"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(Message)
class MessageAdmin(ReadOnly, admin.ModelAdmin):
    moderators_may_view = True
    list_display = ("id", "room", "author", "excerpt", "created_at", "edited_at", "is_deleted")
    list_filter = (DeletedFilter, "created_at")
    search_fields = ("=id", "author__username", "room__name")
    list_select_related = ("room", "author")
    # No date_hierarchy: its year and bounds queries read every row (6 s of a
    # 9 s page at 1,000,000 messages, docs/PERFORMANCE.md); the date filter
    # of list_filter narrows by time without them.
    ordering = ("-id",)
    # A million rows: no COUNT(*) of the whole table on every page.
    show_full_result_count = False
    fields = (
        "room",
        "author",
        "content",
        "created_at",
        "edited_at",
        "deleted_at",
        "parent",
        "reply_count",
    )
    readonly_fields = fields
    actions = ["delete_messages"]

    def get_queryset(self, request):
        # The rooms the operator may not read, left out: NOT IN a short list
        # lets the page walk the newest ids and stop at 100 (19 ms at 1,000,000
        # messages), where IN the readable rooms sorted every match (3 s).
        readable = Room.objects.readable_by(request.user).values("pk")
        unreadable = Room.objects.exclude(pk__in=readable).values("pk")
        return super().get_queryset(request).exclude(room__in=unreadable)

    @admin.display(description="content")
    def excerpt(self, message: Message) -> str:
        return Truncator(message.content).chars(80)

    @admin.display(description="deleted", boolean=True, ordering="deleted_at")
    def is_deleted(self, message: Message) -> bool:
        return message.is_deleted

    @admin.action(
        description="Delete the selected messages (as a moderator)", permissions=["moderate"]
    )
    def delete_messages(self, request, queryset):
        ip = client_ip(request)
        self.for_each(
            request,
            queryset,
            lambda message: services.delete_message(
                actor=request.user, message_id=message.pk, ip=ip
            ),
            done="Deleted",
            refused="delete message",
        )


@admin.register(Reaction)
class ReactionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("emoji", "user", "message", "created_at")
    search_fields = ("user__username", "=emoji", "=message__id")
    list_select_related = ("user", "message")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    show_full_result_count = False


@admin.register(Mention)
class MentionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("user", "message", "room")
    search_fields = ("user__username", "=message__id", "room__name")
    list_select_related = ("user", "message", "room")
    ordering = ("-id",)
    show_full_result_count = False
