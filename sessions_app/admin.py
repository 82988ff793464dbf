from django.contrib import admin, messages

from accounts.admin import UserAdmin
from accounts.models import User
from lair.realtime import close_user_sockets
from sessions_app import services
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
            services.revoke_session(session=session, reason=DeviceSession.RevokeReason.ADMIN)
            for session in queryset
        )
        self.message_user(request, f"Revoked {revoked} session(s).", messages.SUCCESS)


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
            services.suspend_user(actor=request.user, user=user)
        self.message_user(request, f"Suspended {len(users)} user(s).", messages.SUCCESS)

    @admin.action(description="Lift the suspension of the selected users", permissions=["change"])
    def unsuspend_users(self, request, queryset):
        users = list(queryset)
        for user in users:
            services.unsuspend_user(actor=request.user, user=user)
        self.message_user(request, f"Unsuspended {len(users)} user(s).", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            return
        # Through the services, so the flag never changes without the revocations.
        if "is_suspended" in form.changed_data:
            if obj.is_suspended:
                services.suspend_user(actor=request.user, user=obj)
            else:
                services.unsuspend_user(actor=request.user, user=obj)
        if "is_active" in form.changed_data and not obj.is_active:
            services.revoke_user_sessions(user=obj, reason=DeviceSession.RevokeReason.ADMIN)
            close_user_sockets(obj.pk, reason="account disabled")
