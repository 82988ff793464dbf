"""Rooms, memberships, invitations and bans in the operator console.

Rooms change only through rooms.services (the room.updated event, the audit
entries): the change form saves with update_room, and archiving, unarchiving
and deleting are actions calling the services. Memberships, invitations and
bans are read here; members change them over the API, whose rules they need.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from lair.admin_access import ReadOnly, RoleAccess
from lair.client_ip import client_ip
from rooms import services
from rooms.models import Invitation, Membership, Room, RoomBan


class ArchivedFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return (("yes", "Archived"), ("no", "Not archived"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        return queryset


@admin.register(Room)
class RoomAdmin(RoleAccess, admin.ModelAdmin):
    moderators_may_view = True
    list_display = ("name", "type", "member_count", "created_by", "created_at", "is_archived")
    list_filter = ("type", ArchivedFilter, "created_at")
    search_fields = ("name", "topic", "=id")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "name",
        "topic",
        "description",
        "type",
        "created_by",
        "created_at",
        "updated_at",
        "archived_at",
    )
    readonly_fields = ("type", "created_by", "created_at", "updated_at", "archived_at")
    actions = ["archive_rooms", "unarchive_rooms", "delete_rooms"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, room: Room) -> int:
        return room.member_count

    @admin.display(description="archived", boolean=True, ordering="archived_at")
    def is_archived(self, room: Room) -> bool:
        return room.is_archived

    # Rooms are made by their owners (create_room makes the owner's membership).
    def has_add_permission(self, request):
        return False

    # Deleting goes through delete_room (the members' room.deleted event): an action.
    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            services.update_room(
                actor=request.user, room_id=obj.pk, ip=client_ip(request), **changes
            )

    @admin.action(description="Archive the selected rooms (read-only)", permissions=["operate"])
    def archive_rooms(self, request, queryset):
        self._update_each(request, queryset, archived=True, done="Archived", refused="archive")

    @admin.action(description="Unarchive the selected rooms", permissions=["operate"])
    def unarchive_rooms(self, request, queryset):
        self._update_each(request, queryset, archived=False, done="Unarchived", refused="unarchive")

    @admin.action(
        description="Delete the selected rooms with their messages", permissions=["operate"]
    )
    def delete_rooms(self, request, queryset):
        ip = client_ip(request)
        self.for_each(
            request,
            queryset,
            lambda room: services.delete_room(actor=request.user, room_id=room.pk, ip=ip),
            done="Deleted",
            refused="delete",
        )

    def _update_each(self, request, queryset, *, done: str, refused: str, **changes) -> None:
        ip = client_ip(request)
        self.for_each(
            request,
            queryset,
            lambda room: services.update_room(
                actor=request.user, room_id=room.pk, ip=ip, **changes
            ),
            done=done,
            refused=refused,
        )


@admin.register(Membership)
class MembershipAdmin(ReadOnly, admin.ModelAdmin):
    moderators_may_view = True
    list_display = ("user", "room", "role", "joined_at")
    list_filter = ("role", "joined_at")
    search_fields = ("user__username", "room__name")
    list_select_related = ("user", "room")
    date_hierarchy = "joined_at"
    ordering = ("-joined_at", "-id")


@admin.register(Invitation)
class InvitationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("invitee", "room", "inviter", "status", "created_at", "responded_at")
    list_filter = ("status", "created_at")
    search_fields = ("invitee__username", "inviter__username", "room__name")
    list_select_related = ("invitee", "inviter", "room")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")


@admin.register(RoomBan)
class RoomBanAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("user", "room", "banned_by", "created_at")
    search_fields = ("user__username", "room__name")
    list_select_related = ("user", "room", "banned_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
