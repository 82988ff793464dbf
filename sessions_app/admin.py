import functools

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote

from accounts.admin import UserAdmin
from accounts.models import User
from lair.client_ip import client_ip
from sessions_app import services
from sessions_app.authentication import current_session_id
from sessions_app.models import DeviceSession


@admin.register(DeviceSession)
class DeviceSessionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "device_name",
        "ip",
        "created_at",
        "last_seen_at",
        "expires_at",
        "revoked_at",
        "revoke_reason",
    )
    list_filter = ("revoke_reason",)
    search_fields = ("user__username", "device_name", "ip")
    raw_id_fields = ("user",)
    readonly_fields = ("refresh_jti", "created_at", "last_seen_at", "revoked_at", "revoke_reason")
    actions = ["revoke"]

    @admin.action(description="Revoke the selected sessions")
    def revoke(self, request, queryset):
        revoked = sum(
            services.revoke_session(
                session=session,
                reason=DeviceSession.RevokeReason.ADMIN,
                actor=request.user,
                ip=client_ip(request),
            )
            for session in queryset
        )
        self.message_user(request, f"Revoked {revoked} session(s).", messages.SUCCESS)


def _end_sessions_if_password_changed(request, user, old_hash: str | None) -> None:
    """After an admin password form: a changed password ends the user's other sessions.

    The operator's own browser stays signed in when it was their own password.
    """
    if user is None or request.method != "POST":
        return
    own = request.user.is_authenticated and request.user.pk == user.pk
    services.end_sessions_if_password_changed(
        user=user,
        old_hash=old_hash,
        except_session_id=current_session_id(request) if own else None,
        actor=request.user if request.user.is_authenticated else None,
        ip=client_ip(request),
    )


def ending_other_sessions(password_change):
    """Wrap the admin site's own password change (lair/urls.py) like the API's."""

    @functools.wraps(password_change)
    def view(request, extra_context=None):
        user = request.user if request.user.is_authenticated else None
        old_hash = user.password if user is not None else None
        response = password_change(request, extra_context)
        _end_sessions_if_password_changed(request, user, old_hash)
        return response

    return view


# The user admin, with suspension that ends every session. It lives here, not
# in accounts/admin.py, because sessions sit above accounts: accounts may not
# reach the sessions services.
admin.site.unregister(User)


@admin.register(User)
class SessionAwareUserAdmin(UserAdmin):
    actions = ["suspend_users", "unsuspend_users"]

    @admin.action(
        description="Suspend the selected users (signs them out everywhere)",
        permissions=["change"],
    )
    def suspend_users(self, request, queryset):
        users = list(queryset)
        for user in users:
            services.suspend_user(actor=request.user, user=user, ip=client_ip(request))
        self.message_user(request, f"Suspended {len(users)} user(s).", messages.SUCCESS)

    @admin.action(description="Lift the suspension of the selected users", permissions=["change"])
    def unsuspend_users(self, request, queryset):
        users = list(queryset)
        for user in users:
            services.unsuspend_user(actor=request.user, user=user, ip=client_ip(request))
        self.message_user(request, f"Unsuspended {len(users)} user(s).", messages.SUCCESS)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        old_hash = user.password if user is not None else None
        response = super().user_change_password(request, id, form_url)
        _end_sessions_if_password_changed(request, user, old_hash)
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            return
        # Through the services, so the flag never changes without the revocations.
        if "is_suspended" in form.changed_data:
            if obj.is_suspended:
                services.suspend_user(actor=request.user, user=obj, ip=client_ip(request))
            else:
                services.unsuspend_user(actor=request.user, user=obj, ip=client_ip(request))
        if "is_active" in form.changed_data and not obj.is_active:
            services.end_sessions_of_disabled_user(user=obj)
