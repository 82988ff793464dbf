"""The audit log: the one way any app records an operator-relevant act.

Entries are written inside the caller's transaction, so an act that rolls
back leaves no entry, and an entry never outlives the change it describes.
lair knows no app: a target is given as a model instance (its model name
and pk) or as a ``(type, id)`` pair.
"""

from __future__ import annotations

from django.db import models

from lair.models import AuditEntry

Target = models.Model | tuple[str, object] | None


def _target_of(target: Target) -> tuple[str, str]:
    """The (type, id) pair of a target: ``("room", "7")``; empty strings for none."""
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.model_name, str(target.pk)
    kind, target_id = target
    return str(kind), "" if target_id is None else str(target_id)


def record(
    action: str, *, actor=None, target: Target = None, ip: str | None = None, **details
) -> AuditEntry:
    """Append one entry: ``action`` (dotted past tense, ``user.suspended``) done by
    ``actor`` (a user, or None for the system or an anonymous client) to ``target``
    from ``ip``; the remaining keywords are its details (JSON values)."""
    target_type, target_id = _target_of(target)
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    return AuditEntry.objects.create(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        ip=ip or None,
        details=details,
    )
