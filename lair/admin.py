"""The audit log in the Django admin: to read and search, never to change."""

from django.contrib import admin

from lair.admin_access import RoleAccess
from lair.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(RoleAccess, admin.ModelAdmin):
    moderators_may_view = True
    list_display = ("at", "actor", "action", "target", "ip")
    list_filter = ("action", "target_type")
    search_fields = ("actor__username", "action", "target_id")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    ordering = ("-at", "-id")
    # It only grows: no COUNT(*) of the whole log on every page.
    show_full_result_count = False
    # The detail page shows every field as text: nothing there can be edited.
    readonly_fields = ("at", "actor", "action", "target_type", "target_id", "ip", "details")

    # Append-only for everyone, superusers included: the log is the record of
    # what operators did, so no operator may rewrite it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="target", ordering="target_type")
    def target(self, entry: AuditEntry) -> str:
        return entry.target
