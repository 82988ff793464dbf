"""lair's pages of the Django admin: the audit log (to read and search, never to
change) and the runtime config (constance's page, saved through lair.config)."""

from constance.admin import Config, ConstanceAdmin
from constance.forms import ConstanceForm
from django.contrib import admin

from lair import config
from lair.admin_access import RoleAccess
from lair.client_ip import client_ip
from lair.errors import ValidationError
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


# --- Runtime config: constance's page, saving through lair.config ---------------


class RuntimeConfigForm(ConstanceForm):
    """constance's form, but the values are checked by lair.config's rules and saved by
    its service: validated, audited (``config.changed``) and in effect at once."""

    def __init__(self, initial, request=None, *args, **kwargs):
        super().__init__(initial, request, *args, **kwargs)
        self._request = request
        self._changes: dict = {}

    def clean(self):
        cleaned = super().clean()
        changes = {
            name: cleaned[name]
            for name in config.RULES
            if name in cleaned and cleaned[name] != self.initial.get(name)
        }
        try:
            self._changes = config.validate(changes)
        except ValidationError as refused:
            for name, problems in refused.details.items():
                self.add_error(name if name in self.fields else None, problems)
        return cleaned

    def save(self) -> list[str]:
        if not self._changes:
            return []
        config.change(actor=self._request.user, changes=self._changes, ip=client_ip(self._request))
        return list(self._changes)


admin.site.unregister([Config])


@admin.register(Config)
class RuntimeConfigAdmin(RoleAccess, ConstanceAdmin):
    """Site admins only (API.md: the config is not for moderators)."""

    change_list_form = RuntimeConfigForm

    # One set of values: nothing to add or delete (RoleAccess would allow admins).
    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _log_config_change(self, request, changed_fields) -> None:
        # The audit log (config.changed, written by lair.config.change) is the
        # record, with old and new values; no second one in Django's admin log.
        return None
