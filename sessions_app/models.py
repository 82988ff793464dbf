from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class DeviceSessionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class DeviceSession(models.Model):
    """One signed-in device: every login or registration opens one.

    Both JWTs carry its id (``sid``). ``refresh_jti`` is the id of the only
    refresh token that may still be used; rotation swaps it atomically, and a
    token with an older jti is a replay.
    """

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", "Signed out"
        REVOKED = "revoked", "Revoked by the user"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        REFRESH_REUSE = "refresh_reuse", "Rotated refresh token presented again"
        SUSPENDED = "suspended", "User suspended"
        ADMIN = "admin", "Revoked by an operator"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_sessions"
    )
    device_name = models.CharField(max_length=128, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=32, choices=RevokeReason.choices, blank=True)
    refresh_jti = models.CharField(max_length=64, blank=True)

    objects = DeviceSessionQuerySet.as_manager()

    class Meta:
        ordering = ("-last_seen_at", "-id")
        indexes = [
            models.Index(
                fields=["user", "-last_seen_at"],
                name="session_user_active_idx",
                condition=Q(revoked_at__isnull=True),
            ),
            models.Index(fields=["expires_at"], name="session_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.device_name or 'device'} ({self.pk})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
