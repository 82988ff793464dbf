"""The cross-cutting records every app writes to: the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AppendOnly(Exception):
    """An audit entry was about to be changed or removed: the log only grows."""


class AuditEntryQuerySet(models.QuerySet):
    # Bulk writes would go around the model's own refusals below. The one
    # exception is Django's SET_NULL when an actor's account is deleted: the
    # entry stays, without the link to a user who no longer exists.
    def update(self, **kwargs):
        if kwargs.keys() == {"actor"} and kwargs["actor"] is None:
            return super().update(**kwargs)
        raise AppendOnly("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnly("Audit entries cannot be deleted.")

    # Django's update_or_create and bulk_update reach rows through these too.
    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnly("Audit entries cannot be changed.")


class AuditEntry(models.Model):
    """Who did what to what, from where: one row per operator-relevant act, never changed."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # SET_NULL: an actor who is deleted later must not take their record with them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=32, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=("target_type", "target_id"), name="lair_audit_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit entries cannot be deleted.")

    @property
    def target(self) -> str:
        """The target as one label, ``room 7``; empty when the act had none."""
        return f"{self.target_type} {self.target_id}".strip()
