"""Runtime config: the settings operators change while the server runs.

The values live in django-constance's database backend (one row per changed
field; a field never changed has its default, from the environment: see
CONSTANCE_CONFIG in lair/settings.py). This module is the one way code reads
and changes them:

- :func:`get` reads a per-process snapshot of every field, loaded with one
  query and reloaded once it is older than ``CONFIG_REFRESH_SECONDS``. A read
  costs no query in the steady state (posting a message reads three fields),
  and another process's change is seen within that time, without a restart.
- :func:`change` is the service: site admins only, every field validated,
  written in one transaction, audited once per call (``config.changed``, with
  the old and new values of the fields that changed). The process that makes
  a change sees it at once.

A stored value that no longer passes its rule (written by hand) is read as its
default, with a warning, rather than breaking every request that reads it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from lair import audit
from lair.errors import PermissionDenied, ValidationError

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH_CAP = 20_000
RATE_MAX_COUNT = 1_000_000
RATE_MAX_SECONDS = 30 * 86400
RATE_PATTERN = re.compile(r"(\d{1,7})/(\d{1,8})")


@dataclass(frozen=True)
class Rule:
    """What one field accepts: a bool, an int within bounds, or a "count/seconds" rate."""

    kind: str
    minimum: int | None = None
    maximum: int | None = None

    def describe(self) -> str:
        if self.kind == "bool":
            return "Must be true or false."
        if self.kind == "int":
            return f"Must be an integer from {self.minimum} to {self.maximum}."
        return (
            f'Must be "count/seconds", e.g. "20/10": a count from 1 to {RATE_MAX_COUNT} '
            f"in a period of 1 to {RATE_MAX_SECONDS} seconds."
        )

    def clean(self, value):
        """``value`` in its stored form, or ValueError with the rule's description."""
        # bool is an int to Python; neither passes for the other here.
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
        elif self.kind == "int":
            if (
                isinstance(value, int)
                and not isinstance(value, bool)
                and self.minimum <= value <= self.maximum
            ):
                return value
        elif isinstance(value, str):
            match = RATE_PATTERN.fullmatch(value.strip())
            if match:
                count, seconds = (int(part) for part in match.groups())
                if 1 <= count <= RATE_MAX_COUNT and 1 <= seconds <= RATE_MAX_SECONDS:
                    return f"{count}/{seconds}"
        raise ValueError(self.describe())


RATE = Rule("rate")
RULES: dict[str, Rule] = {
    "registration_open": Rule("bool"),
    "max_message_length": Rule("int", 1, MAX_MESSAGE_LENGTH_CAP),
    "edit_window_seconds": Rule("int", 0, 365 * 86400),
    "guests_can_post": Rule("bool"),
    "event_log_retention_days": Rule("int", 1, 3650),
    "message_rate_limit": RATE,
    "edit_rate_limit": RATE,
    "reaction_rate_limit": RATE,
    "room_create_rate_limit": RATE,
    "invitation_rate_limit": RATE,
    "member_add_rate_limit": RATE,
    "avatar_rate_limit": RATE,
    "login_rate_limit_ip": RATE,
    "login_rate_limit_username": RATE,
}


def defaults() -> dict:
    """Every field's default (from the environment), in the order of CONSTANCE_CONFIG."""
    return {name: options[0] for name, options in settings.CONSTANCE_CONFIG.items()}


_backend = None
_backend_lock = threading.Lock()


def _store():
    """constance's configured backend, made once per process."""
    global _backend
    if _backend is None:
        with _backend_lock:
            if _backend is None:
                _backend = import_string(settings.CONSTANCE_BACKEND)()
    return _backend


@dataclass(frozen=True)
class _Snapshot:
    values: dict
    loaded_at: float


# Replaced whole, never changed in place: threads read it without a lock.
_snapshot = _Snapshot(values={}, loaded_at=float("-inf"))


def _load() -> dict:
    """Every field's value: the stored ones (one query) over the defaults."""
    values = defaults()
    for name, stored in _store().mget(list(values)).items():
        try:
            values[name] = RULES[name].clean(stored)
        except (KeyError, ValueError):
            logger.warning(
                "Runtime config %s holds %r, not a valid value: using the default", name, stored
            )
    return values


def _current() -> dict:
    global _snapshot
    snapshot = _snapshot
    if time.monotonic() - snapshot.loaded_at >= settings.CONFIG_REFRESH_SECONDS:
        snapshot = _Snapshot(values=_load(), loaded_at=time.monotonic())
        _snapshot = snapshot
    return snapshot.values


def get(name: str):
    """One field's value as this process last loaded it (at most CONFIG_REFRESH_SECONDS old)."""
    return _current()[name]


def values() -> dict:
    """Every field and its value (a copy)."""
    return dict(_current())


def reset_snapshot(values: dict | None = None) -> None:
    """Replace this process's snapshot without a query: with the defaults, or ``values`` over them.

    For the test suite, whose database rows roll back between tests; the
    snapshot then counts as freshly loaded.
    """
    global _snapshot
    _snapshot = _Snapshot(values={**defaults(), **(values or {})}, loaded_at=time.monotonic())


def _is_site_admin(actor) -> bool:
    # lair knows no user model: the accounts app's User answers is_site_admin.
    return bool(getattr(actor, "is_site_admin", False))


def require_site_admin(actor) -> None:
    """Runtime config is for site admins (API.md): everyone else is refused."""
    if not _is_site_admin(actor):
        raise PermissionDenied("Only site admins may see and change the runtime config.")


def view(*, actor) -> dict:
    """Every field and its value, for a site admin (the admin API and page)."""
    require_site_admin(actor)
    return values()


def validate(changes) -> dict:
    """``changes`` cleaned field by field, or ValidationError naming every bad field."""
    if not isinstance(changes, dict):
        raise ValidationError("The runtime config changes are an object of fields and values.")
    cleaned, errors = {}, {}
    for name, value in changes.items():
        rule = RULES.get(name)
        if rule is None:
            errors[str(name)] = ["Unknown setting."]
            continue
        try:
            cleaned[name] = rule.clean(value)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ValidationError("Some runtime config values are not valid.", details=errors)
    return cleaned


def change(*, actor, changes: dict, ip: str | None = None) -> dict:
    """Change some runtime config fields; returns every field's new value.

    Site admins only (``actor`` None: a management command). Every field is
    checked first (unknown names, wrong types and out-of-range values are one
    ValidationError with details per field), then the fields whose value
    differs are written in one transaction with one ``config.changed`` audit
    entry holding their old and new values. This process sees the change at
    once; the others at their next refresh (CONFIG_REFRESH_SECONDS).
    """
    global _snapshot
    if actor is not None:
        require_site_admin(actor)
    cleaned = validate(changes)
    store = _store()
    with transaction.atomic():
        # The stored values, not this process's snapshot: the audit entry's
        # "old" is what was in effect, even if another process just changed it.
        stored = _load() if cleaned else values()
        changed = {name: value for name, value in cleaned.items() if stored[name] != value}
        for name, value in changed.items():
            store.set(name, value)
        if changed:
            audit.record(
                "config.changed",
                actor=actor,
                target=("config", None),
                ip=ip,
                old={name: stored[name] for name in changed},
                new=changed,
            )
    new_values = {**stored, **changed}
    # A refresh is due at the usual time: an outer transaction that rolls this
    # back is undone in this process's snapshot then.
    _snapshot = _Snapshot(values=new_values, loaded_at=_snapshot.loaded_at)
    return dict(new_values)


def ratelimit_rate(name: str) -> str:
    """A rate field in django-ratelimit's syntax: "20/10" -> "20/10s"."""
    return f"{get(name)}s"
