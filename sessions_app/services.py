"""Device sessions: opening one per sign-in, rotating its tokens, revoking it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from lair import audit, metrics, ratelimit, text
from lair.client_ip import client_ip
from lair.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    TokenInvalid,
    ValidationError,
)
from realtime.publish import close_user_sockets
from sessions_app.models import DeviceSession
from sessions_app.tokens import TokenPair, decode_refresh, mint_pair

# Security events (failed sign-ins, lockouts): one logger that operators can
# route apart; the audit log (lair.audit) keeps the same acts in the database.
security_log = logging.getLogger("lair.security")

INVALID_LOGIN = "Invalid username or password."

DEVICE_NAME_MAX_LENGTH = DeviceSession._meta.get_field("device_name").max_length

# Where a Django session (a cookie sign-in) keeps the id of its device session.
DEVICE_SESSION_KEY = "device_session_id"


def why_session_ended(session: DeviceSession | None) -> str | None:
    """Why ``session`` (loaded with its user) may no longer sign anything in, or None while
    it lives: the one live-session check of access tokens, cookies and refresh tokens.

    Revoked, expired (DeviceSession.is_active) or a user who cannot sign in
    (suspended, deactivated).
    """
    if session is None or session.revoked_at is not None:
        return "This session has been signed out."
    if not session.is_active:
        return "This session has expired."
    if not session.user.can_sign_in:
        return "This account is suspended or disabled."
    return None


@dataclass(frozen=True)
class SignIn:
    user: User
    session: DeviceSession
    tokens: TokenPair


def _device_name(device_name: str, user_agent: str) -> str:
    """The name a user gave the device (checked as any name), else its User-Agent, cleaned."""
    name = (device_name or "").strip()
    if name:
        if len(name) > DEVICE_NAME_MAX_LENGTH:
            message = f"Ensure this field has no more than {DEVICE_NAME_MAX_LENGTH} characters."
            raise ValidationError(f"device_name: {message}", details={"device_name": [message]})
        return text.check_name(name, field="device_name", label="A device name")
    fallback = text.without_refused_name_characters(user_agent or "").strip()
    return (fallback or "Unknown device")[:DEVICE_NAME_MAX_LENGTH]


def _new_session(
    *, user: User, device_name: str, ip: str | None, user_agent: str, lifetime: timedelta
) -> DeviceSession:
    """The device session row of one sign-in, API or cookie alike."""
    now = timezone.now()
    return DeviceSession.objects.create(
        user=user,
        device_name=_device_name(device_name, user_agent),
        ip=ip or None,
        user_agent=(user_agent or "")[:512],
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )


@transaction.atomic
def open_session(
    *, user: User, device_name: str = "", ip: str | None = None, user_agent: str = ""
) -> SignIn:
    """Open a device session for ``user`` and mint its first token pair."""
    session = _new_session(
        user=user,
        device_name=device_name,
        ip=ip,
        user_agent=user_agent,
        lifetime=settings.REFRESH_TOKEN_LIFETIME,
    )
    tokens = mint_pair(user_id=user.pk, session_id=session.pk)
    session.refresh_jti = tokens.refresh_jti
    session.save(update_fields=["refresh_jti"])
    return SignIn(user=user, session=session, tokens=tokens)


@transaction.atomic
def open_cookie_session(*, request, user: User) -> DeviceSession:
    """Open the device session of a cookie sign-in (Django's ``login()``) and keep its id.

    Every cookie login (the admin, browser pages, the test client) becomes a
    device session like an API login, so suspension, revocation and expiry end
    it the same way. Its id goes in the Django session, where the cookie check
    (sessions_app.middleware) and the socket (``scope["session"]``) find it. A
    device session this browser held before (a second sign-in without signing
    out) is revoked: one browser, one session. It expires with the cookie.
    """
    previous = request.session.get(DEVICE_SESSION_KEY)
    if type(previous) is int:
        old = DeviceSession.objects.filter(pk=previous, user=user).first()
        if old is not None:
            revoke_session(session=old, reason=DeviceSession.RevokeReason.LOGOUT)
    session = _new_session(
        user=user,
        device_name="",
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        lifetime=timedelta(seconds=settings.SESSION_COOKIE_AGE),
    )
    request.session[DEVICE_SESSION_KEY] = session.pk
    return session


def end_cookie_session(*, request) -> bool:
    """Revoke the device session of a cookie sign-in that signs out (Django's ``logout()``).

    Its sockets close (4003). Returns False when there was none alive.
    """
    session_id = getattr(request, "session", {}).get(DEVICE_SESSION_KEY)
    if type(session_id) is not int:
        return False
    session = DeviceSession.objects.filter(pk=session_id).first()
    if session is None:
        return False
    return revoke_session(session=session, reason=DeviceSession.RevokeReason.LOGOUT)


def count_registration(*, request) -> None:
    """Count one registration attempt from the request's client IP (``register_ip``).

    Raises RateLimited past the limit. Every sign-up form (the API, the page)
    calls this before it reads the form, so an attempt counts whether or not
    its fields pass: probing usernames costs attempts too.
    """
    ratelimit.enforce_ip(request, "register_ip")


def register(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    device_name: str = "",
    ip: str | None = None,
    user_agent: str = "",
) -> SignIn:
    """Create an account and sign it in on this device."""
    with transaction.atomic():
        user = account_services.register_user(
            username=username, email=email, password=password, display_name=display_name
        )
        return open_session(user=user, device_name=device_name, ip=ip, user_agent=user_agent)


def record_login_failure(
    *, user_id: int | None, ip: str | None, locked_out_by: str = "", via: str = "api"
) -> None:
    """Record a refused sign-in as a security event: ``login.failed`` or ``login.locked_out``.

    ``locked_out_by`` names the rate-limit scope that refused the attempt
    (``login_ip``, ``login_username``); empty for wrong credentials. ``via``
    says which sign-in form was used (``api``, ``admin``). The typed identifier
    is not recorded: people type their password into it by mistake.
    """
    action = "login.locked_out" if locked_out_by else "login.failed"
    metrics.login_attempt("locked_out" if locked_out_by else "failure")
    details = {"via": via, **({"scope": locked_out_by} if locked_out_by else {})}
    audit.record(
        action, target=("user", user_id) if user_id is not None else None, ip=ip, **details
    )
    security_log.warning(
        "%s user_id=%s ip=%s via=%s%s",
        action,
        user_id,
        ip,
        via,
        f" scope={locked_out_by}" if locked_out_by else "",
        extra={
            "action": action,
            "user_id": user_id,
            "ip": ip,
            "via": via,
            "scope": locked_out_by,
        },
    )


def _account_key(identifier: str) -> tuple[int | None, str]:
    """The account a login names, and its key for the per-account limit.

    A username and an email of one account share one bucket (the user id);
    an identifier of no account is keyed on itself, lowercased.
    """
    user_id = User.objects.by_login(identifier).values_list("pk", flat=True).first()
    if user_id is not None:
        return user_id, f"user:{user_id}"
    return None, f"name:{identifier.strip().lower()}"


def check_credentials(*, request, identifier: str, password: str, via: str = "api") -> User:
    """The user a username-or-email and password sign in, or AuthenticationFailed.

    Every sign-in form goes through here (the API and the admin): limited per
    client IP (``login_ip``) and per account (``login_username``), raising
    RateLimited past either. Unknown users, wrong passwords and suspended or
    deactivated accounts fail alike, with one password hash each: the same
    status, message and cost whether or not the password was right. Failures
    and lockouts are recorded (:func:`record_login_failure`).
    """
    ip = client_ip(request)
    user_id, account_key = _account_key(identifier)
    for scope, key in (("login_ip", ip), ("login_username", account_key)):
        try:
            ratelimit.enforce(request, scope, key)
        except RateLimited:
            record_login_failure(user_id=user_id, ip=ip, locked_out_by=scope, via=via)
            raise
    # The backend refuses suspended and inactive users after checking the
    # password (accounts/backends.py), so their answer is the wrong password's.
    user = authenticate(
        getattr(request, "_request", request), username=identifier, password=password
    )
    if user is None:
        record_login_failure(user_id=user_id, ip=ip, via=via)
        raise AuthenticationFailed(INVALID_LOGIN)
    metrics.login_attempt("success")
    return user


def login(
    *,
    identifier: str,
    password: str,
    request,
    device_name: str = "",
    user_agent: str = "",
) -> SignIn:
    """Check a username-or-email and password and open a device session.

    The checks, limits and failures are :func:`check_credentials`'s.
    """
    user = check_credentials(request=request, identifier=identifier, password=password)
    return open_session(
        user=user, device_name=device_name, ip=client_ip(request), user_agent=user_agent
    )


def rotate_refresh_token(*, raw_refresh: str, ip: str | None = None) -> TokenPair:
    """Exchange a refresh token for a new pair; the old one stops working.

    The swap is one conditional UPDATE on the session's current jti, so of
    several concurrent refreshes of one token exactly one wins. A token that is
    validly signed but no longer current was already rotated: presenting it
    again is treated as theft and revokes the whole session.
    """
    token = decode_refresh(raw_refresh)
    session_id, user_id, jti = token["sid"], token["user_id"], token["jti"]
    session = (
        DeviceSession.objects.select_related("user").filter(pk=session_id, user_id=user_id).first()
    )
    if why_session_ended(session) is not None:
        raise TokenInvalid("The session of this token has ended.")
    now = timezone.now()
    new = mint_pair(user_id=user_id, session_id=session_id)
    # Only the session's own columns in the WHERE clause: PostgreSQL re-checks
    # them on the row a concurrent winner just updated, so losers match nothing.
    with transaction.atomic():
        swapped = (
            DeviceSession.objects.active()
            .filter(pk=session_id, refresh_jti=jti)
            .update(
                refresh_jti=new.refresh_jti,
                last_seen_at=now,
                expires_at=now + settings.REFRESH_TOKEN_LIFETIME,
                **({"ip": ip} if ip else {}),
            )
        )
    if swapped == 1:
        return new
    # Signed by us for a live session, but no longer its current token: a replay.
    revoke_session(session=session, reason=DeviceSession.RevokeReason.REFRESH_REUSE, ip=ip)
    raise TokenInvalid("This refresh token was already used; the session is revoked.")


def _revoke(session_ids: list[int], *, user_id: int, reason: str) -> int:
    """Revoke the live ones of the sessions ``session_ids`` (of one user) and close their
    sockets: the one revoke statement, so every path ends a session alike. Returns how many."""
    if not session_ids:
        return 0
    revoked = DeviceSession.objects.filter(pk__in=session_ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason, refresh_jti=""
    )
    if revoked:
        for session_id in session_ids:
            close_user_sockets(user_id, session_id=session_id, reason="session revoked")
    return revoked


@transaction.atomic
def revoke_session(
    *, session: DeviceSession, reason: str, actor: User | None = None, ip: str | None = None
) -> bool:
    """Revoke one session: its access and refresh tokens fail from now on.

    Returns False when it was already revoked. Recorded as ``session.revoked``
    unless it is a sign-out: ending one's own sign-in is not an act to audit.
    """
    revoked = _revoke([session.pk], user_id=session.user_id, reason=reason) == 1
    if revoked and reason != DeviceSession.RevokeReason.LOGOUT:
        audit.record(
            "session.revoked",
            actor=actor,
            target=("user", session.user_id),
            ip=ip,
            reason=reason,
            count=1,
            session_ids=[session.pk],
        )
    return revoked


def _revoke_all_of(user: User, *, reason: str, except_session_id: int | None = None) -> int:
    """Revoke every active session of ``user`` but ``except_session_id``, unaudited: the
    callers (password change, suspension) record their own act."""
    sessions = DeviceSession.objects.filter(user=user, revoked_at__isnull=True)
    if except_session_id is not None:
        sessions = sessions.exclude(pk=except_session_id)
    return _revoke(list(sessions.values_list("pk", flat=True)), user_id=user.pk, reason=reason)


@transaction.atomic
def revoke_user_sessions(
    *,
    user: User,
    reason: str,
    except_session_id: int | None = None,
    actor: User | None = None,
    ip: str | None = None,
) -> int:
    """Revoke every active session of ``user`` but ``except_session_id``; return how many.

    One ``session.revoked`` entry for the call, with the count in its details.
    """
    revoked = _revoke_all_of(user, reason=reason, except_session_id=except_session_id)
    audit.record(
        "session.revoked",
        actor=actor,
        target=("user", user.pk),
        ip=ip,
        reason=reason,
        count=revoked,
    )
    return revoked


@transaction.atomic
def revoke_own_session(*, user: User, session_id: int, ip: str | None = None) -> DeviceSession:
    """Revoke one of the user's own sessions; other users' sessions are 404."""
    session = DeviceSession.objects.filter(pk=session_id, user=user).active().first()
    if session is None:
        raise NotFound("Session not found.")
    revoke_session(session=session, reason=DeviceSession.RevokeReason.REVOKED, actor=user, ip=ip)
    return session


# Counted in the service: a browser form or an admin page changing a password
# meets the same limit as the API.
@ratelimit.limited_per_user("password_user", actor="user")
@transaction.atomic
def change_password(
    *,
    user: User,
    old_password: str,
    new_password: str,
    current_session_id: int | None,
    ip: str | None = None,
    via: str = "api",
) -> int:
    """Set a new password and revoke every other session of the user.

    Returns how many sessions were revoked; recorded as ``password.changed``
    with the form used (``via``: ``api``, ``web``).
    """
    account_services.check_password_change(
        user=user, old_password=old_password, new_password=new_password
    )
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoked = _revoke_all_of(
        user,
        reason=DeviceSession.RevokeReason.PASSWORD_CHANGED,
        except_session_id=current_session_id,
    )
    audit.record(
        "password.changed", actor=user, target=user, ip=ip, via=via, sessions_revoked=revoked
    )
    return revoked


@transaction.atomic
def end_sessions_if_password_changed(
    *,
    user: User,
    old_hash: str | None,
    except_session_id: int | None = None,
    actor: User | None = None,
    ip: str | None = None,
) -> int:
    """After a password form outside the API (the admin's): if the stored password is no
    longer ``old_hash``, every session but ``except_session_id`` ends, as with
    :func:`change_password`, and ``password.changed`` is recorded with ``actor`` (the
    operator). Returns how many sessions were revoked."""
    new_hash = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
    if new_hash == old_hash:
        return 0
    revoked = _revoke_all_of(
        user,
        reason=DeviceSession.RevokeReason.PASSWORD_CHANGED,
        except_session_id=except_session_id,
    )
    audit.record(
        "password.changed", actor=actor, target=user, ip=ip, via="admin", sessions_revoked=revoked
    )
    return revoked


def end_sessions_of_disabled_user(*, user: User) -> int:
    """An operator deactivated ``user``: every session is revoked and every socket closes,
    also sockets that no device session names. Returns how many sessions were revoked."""
    revoked = _revoke_all_of(user, reason=DeviceSession.RevokeReason.ADMIN)
    close_user_sockets(user.pk, reason="account disabled")
    return revoked


def _require_operator(actor: User | None, user: User, *, what: str) -> None:
    """Operator acts on accounts are for site admins (``actor`` None: a command or the
    system), and never on one's own account: an admin cannot lock themself out."""
    if actor is None:
        return
    if not actor.is_site_admin:
        raise PermissionDenied(f"Only site admins can {what}.")
    if actor.pk == user.pk:
        raise PermissionDenied(f"You cannot {what} your own account.")


@transaction.atomic
def change_site_role(*, actor: User | None, user: User, role, ip: str | None = None) -> User:
    """Give ``user`` the site role ``role`` (admin, moderator, user, guest); ``user.role_changed``.

    Unchanged roles write nothing. Refused for one's own account.
    """
    if not isinstance(role, str) or role not in User.Role.values:
        raise ValidationError(
            "Unknown role.", details={"role": [f"Must be one of: {', '.join(User.Role.values)}."]}
        )
    _require_operator(actor, user, what="change the role of")
    old = User.objects.select_for_update().values_list("role", flat=True).get(pk=user.pk)
    if old == role:
        user.role = role
        return user
    User.objects.filter(pk=user.pk).update(role=role)
    user.role = role
    _record_account_event("user.role_changed", actor=actor, user=user, ip=ip, old=old, new=role)
    return user


def _site_admin_refusal(exc: DjangoValidationError, *, field: str | None = None) -> ValidationError:
    details = {field: list(exc.messages)} if field else exc.message_dict
    first = next(iter(details.values()))[0]
    return ValidationError(first, details=details)


@transaction.atomic
def create_site_admin(
    *, username: str, email: str, password: str, update: bool = False
) -> tuple[User, bool]:
    """Make the site admin an operator names at a shell (role admin, staff, superuser).

    Returns ``(user, created)``. Registration may be closed: this is not a
    sign-up. The username and email follow the model's rules (pattern,
    case-insensitive uniqueness) and the password Django's validators. A taken
    username is a Conflict unless ``update``: then that account becomes a site
    admin with this password (``user.role_changed`` when the role changes)
    and its sessions end (``password.changed``), as after any password change.
    A deactivated account stays deactivated: that is for good. A new admin is
    recorded as ``user.created``.
    """
    username = (username or "").strip()
    email = User.objects.normalize_email((email or "").strip())
    existing = User.objects.by_username(username).first() if username else None
    if existing is not None and not update:
        raise Conflict(
            f"A user named {existing.username} exists already.",
            details={"username": ["That username is taken."]},
        )
    if existing is not None and not existing.is_active:
        raise Conflict(f"{existing.username} is deactivated; a deactivated account stays so.")
    user = existing or User(username=username, email=email)
    if existing is None:
        try:
            user.full_clean(exclude=["password"])
        except DjangoValidationError as exc:
            raise _site_admin_refusal(exc) from exc
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise _site_admin_refusal(exc, field="password") from exc
    user.set_password(password)
    user.is_staff = user.is_superuser = True
    if existing is None:
        user.role = User.Role.ADMIN
        user.save()
        account_services.update_settings(user=user)
        audit.record("user.created", target=user, via="command", role=User.Role.ADMIN)
        return user, True
    user.save(update_fields=["password", "is_staff", "is_superuser"])
    change_site_role(actor=None, user=user, role=User.Role.ADMIN)
    revoked = _revoke_all_of(user, reason=DeviceSession.RevokeReason.PASSWORD_CHANGED)
    audit.record("password.changed", target=user, via="command", sessions_revoked=revoked)
    return user, False


DEACTIVATED_DISPLAY_NAME = "Deactivated user"


@transaction.atomic
def deactivate_user(*, actor: User | None, user: User, ip: str | None = None) -> int:
    """Deactivate ``user`` for good: ``user.deactivated``. Returns how many sessions ended.

    Every session is revoked and every socket closes (4003); the profile is
    erased (email, bio, avatar, status) and the display name says the account
    is gone; the password becomes unusable. The username stays taken, so nobody
    can pose as them, and their messages stay, shown with that name.
    Deactivating again changes nothing.
    """
    _require_operator(actor, user, what="deactivate")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return 0
    if user.avatar:
        user.avatar.delete(save=False)
    user.is_active = False
    user.email = ""
    user.display_name = DEACTIVATED_DISPLAY_NAME
    user.bio = ""
    user.status_text = ""
    user.avatar = ""
    user.set_unusable_password()
    user.save(
        update_fields=[
            "is_active",
            "email",
            "display_name",
            "bio",
            "status_text",
            "avatar",
            "password",
        ]
    )
    revoked = _revoke_all_of(user, reason=DeviceSession.RevokeReason.ADMIN)
    close_user_sockets(user.pk, reason="account deactivated")
    _record_account_event(
        "user.deactivated", actor=actor, user=user, ip=ip, username=user.username, revoked=revoked
    )
    return revoked


@transaction.atomic
def suspend_user(*, actor: User | None, user: User, ip: str | None = None) -> int:
    """Suspend ``user``: they cannot sign in, and every session of theirs ends now.

    Every device session (API or cookie) is revoked with reason ``suspended``
    and every open socket of theirs closes (4003), in every server process.
    Returns how many sessions were revoked. The admin and the admin API both
    come here, so the flag never changes without the revocations.
    """
    _require_operator(actor, user, what="suspend")
    User.objects.filter(pk=user.pk).update(is_suspended=True)
    user.is_suspended = True
    revoked = _revoke_all_of(user, reason=DeviceSession.RevokeReason.SUSPENDED)
    # Also sockets that no device session names (opened before sessions were tracked).
    close_user_sockets(user.pk, reason="account suspended")
    _record_account_event("user.suspended", actor=actor, user=user, ip=ip, revoked=revoked)
    return revoked


@transaction.atomic
def unsuspend_user(*, actor: User | None, user: User, ip: str | None = None) -> None:
    """Lift the suspension of ``user``: they may sign in again (old sessions stay ended)."""
    _require_operator(actor, user, what="unsuspend")
    User.objects.filter(pk=user.pk).update(is_suspended=False)
    user.is_suspended = False
    _record_account_event("user.unsuspended", actor=actor, user=user, ip=ip)


@transaction.atomic
def change_account(
    *,
    actor: User | None,
    user: User,
    ip: str | None = None,
    role: str | None = None,
    is_suspended: bool | None = None,
) -> User:
    """An operator's change of ``user``'s site role and suspension, together or alone.

    One transaction: either both changes are made or neither. A suspension
    that is already in place (or lifted) writes nothing and is not recorded
    again; the role works the same way (change_site_role).
    """
    if is_suspended is not None and not isinstance(is_suspended, bool):
        raise ValidationError(
            "is_suspended is true or false.", details={"is_suspended": ["Must be true or false."]}
        )
    _require_operator(actor, user, what="change")
    if role is not None:
        change_site_role(actor=actor, user=user, role=role, ip=ip)
    if is_suspended is not None:
        suspended = User.objects.select_for_update().values_list("is_suspended", flat=True)
        if suspended.get(pk=user.pk) != is_suspended:
            if is_suspended:
                suspend_user(actor=actor, user=user, ip=ip)
            else:
                unsuspend_user(actor=actor, user=user, ip=ip)
        user.is_suspended = is_suspended
    return user


def _record_account_event(
    action: str, *, actor: User | None, user: User, ip: str | None = None, **details
) -> None:
    """An operator's act on an account: in the audit log and on the security logger."""
    audit.record(action, actor=actor, target=user, ip=ip, **details)
    actor_id = getattr(actor, "pk", None)
    security_log.warning(
        "%s user_id=%s actor_id=%s",
        action,
        user.pk,
        actor_id,
        extra={"action": action, "user_id": user.pk, "actor_id": actor_id, **details},
    )


def touch_session(*, session: DeviceSession, ip: str | None = None) -> None:
    """Record that the session was used; written at most once per SESSION_TOUCH_INTERVAL."""
    now = timezone.now()
    if now - session.last_seen_at < settings.SESSION_TOUCH_INTERVAL:
        return
    fields = {"last_seen_at": now}
    if ip and ip != session.ip:
        fields["ip"] = ip
    DeviceSession.objects.filter(pk=session.pk).update(**fields)
    for name, value in fields.items():
        setattr(session, name, value)


def _ended_sessions(revoked_older_than_days: int):
    now = timezone.now()
    cutoff = now - timedelta(days=revoked_older_than_days)
    return DeviceSession.objects.filter(Q(expires_at__lte=now) | Q(revoked_at__lte=cutoff))


@dataclass(frozen=True)
class EndedSessions:
    """What a clean-up of device sessions removed (or would remove)."""

    deleted: int
    expired_open: int


def count_ended_sessions(*, revoked_older_than_days: int = 30) -> EndedSessions:
    """What :func:`delete_ended_sessions` would remove now, without removing it."""
    ended = _ended_sessions(revoked_older_than_days)
    return EndedSessions(
        deleted=ended.count(), expired_open=ended.filter(revoked_at__isnull=True).count()
    )


def delete_ended_sessions(*, revoked_older_than_days: int = 30) -> int:
    """Delete expired sessions and sessions revoked more than N days ago; returns how many.

    A session that expired while never revoked may still hold open sockets
    (a socket is checked when it signs in, not at every frame): they close
    (4003) once the rows are gone, so an expired sign-in stops receiving
    events. Deleting by condition makes a second run, or a run of another
    worker at the same time, a no-op rather than an error.
    """
    return delete_ended_sessions_counted(revoked_older_than_days=revoked_older_than_days).deleted


@transaction.atomic
def delete_ended_sessions_counted(*, revoked_older_than_days: int = 30) -> EndedSessions:
    """:func:`delete_ended_sessions`, also saying how many were expired but still open."""
    ended = _ended_sessions(revoked_older_than_days)
    expired_open = list(ended.filter(revoked_at__isnull=True).values_list("pk", "user_id"))
    deleted = ended.delete()[1].get(DeviceSession._meta.label, 0)
    for session_id, user_id in expired_open:
        close_user_sockets(user_id, session_id=session_id, reason="session expired")
    return EndedSessions(deleted=deleted, expired_open=len(expired_open))
