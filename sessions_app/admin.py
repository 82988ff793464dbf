from django.contrib import admin, messages

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
