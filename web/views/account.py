"""Sign up, sign in, sign out, settings and device sessions: the account pages.

Thin adapters over accounts.services and sessions_app.services, with the
rules of the API's /auth and /users/profile: the same limits, the same
refusals, the same audit entries. A cookie sign-in is Django's ``login()``,
which opens a device session (sessions_app.signals); ``logout()`` ends it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as account_services
from accounts.selectors import settings_of
from lair import config
from lair.client_ip import client_ip
from lair.errors import AuthenticationFailed, DomainError, RateLimited
from sessions_app import selectors as session_selectors
from sessions_app import services as session_services
from sessions_app.models import DeviceSession
from web.account_forms import (
    AvatarForm,
    PasswordChangeForm,
    PreferencesForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
)
from web.forms import add_domain_error
from web.views.common import page, with_shell

SIGNED_OUT = "You have signed out."


def _next_url(request) -> str:
    """The local page ``?next=`` names (also posted back by the forms), else ``/``.

    Only paths of this site: another host, a scheme-relative ``//host`` and
    a backslash path that browsers read as one all land on ``/``.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:home")


def _sign_in(request, user) -> None:
    # Django's login(): a new session key, and a device session (sessions_app.signals).
    django_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])


def _refuse(form, exc: DomainError, *, field: str | None = None) -> None:
    """Put a service's refusal on ``form`` and remember the page's status for it.

    Bad input is a 400, a rate limit 429 (with when to retry), a closed door
    (registration) 403. ``field``: where a refusal that names no field goes.
    """
    if field is not None and not isinstance(exc, RateLimited):
        form.add_error(field, exc.message)
    else:
        add_domain_error(form, exc)
    form.status_code = {429: 429, 403: 403}.get(exc.status_code, 400)


def _status_of(form) -> int:
    return getattr(form, "status_code", 400) if form.errors else 200


def _auth_page(request, template: str, form, *, status: int | None = None, **context):
    status = status or _status_of(form)
    next_param = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, template, {"form": form, "next": next_param, **context}, status=status)


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        try:
            # Counted before the form is read, as the API counts before the body.
            session_services.count_registration(request=request)
        except RateLimited as exc:
            _refuse(form, exc)
            return _signup_page(request, form)
        if form.is_valid():
            try:
                user = account_services.register_user(**form.cleaned_data)
            except DomainError as exc:
                _refuse(form, exc)
            else:
                _sign_in(request, user)
                return redirect(_next_url(request))
    return _signup_page(request, form)


def _signup_page(request, form):
    # Closed registration hides the form: the page says so instead.
    registration_open = config.get("registration_open")
    return _auth_page(request, "web/account/signup.html", form, registration_open=registration_open)


@require_http_methods(["GET", "POST"])
def login(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = session_services.check_credentials(
                request=request,
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                via="web",
            )
        except (RateLimited, AuthenticationFailed) as exc:
            # AuthenticationFailed: the API's one answer for unknown users,
            # wrong passwords and suspended accounts alike.
            _refuse(form, exc)
        else:
            _sign_in(request, user)
            return redirect(_next_url(request))
    return _auth_page(request, "web/account/login.html", form)


@require_http_methods(["GET", "POST"])
def logout(request):
    """POST signs out (the device session ends, its sockets close); GET only asks."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    if request.method == "GET":
        return render(
            request, "web/account/logout.html", {"theme": settings_of(request.user).theme}
        )
    # logout() ends the device session (sessions_app.signals: end_cookie_session)
    # and flushes the Django session; the notice goes in the new one.
    django_logout(request)
    messages.info(request, SIGNED_OUT)
    return redirect("web:login")


# --- Settings -------------------------------------------------------------------

# The forms post to their own section's anchor, so that a refusal shows where it
# was typed; a success goes back to the top, where the notice is.
SETTINGS_TOP = "#main"
SECTIONS = ("profile", "avatar", "remove_avatar", "preferences", "password")


def _profile_initial(user) -> dict:
    return {
        "display_name": user.display_name,
        "status_text": user.status_text,
        "bio": user.bio,
        "timezone": user.timezone,
    }


def _preferences_initial(user) -> dict:
    prefs = settings_of(user)
    return {
        "theme": prefs.theme,
        "notify": prefs.notify,
        "show_presence": prefs.show_presence,
        "enter_to_send": prefs.enter_to_send,
    }


def _settings_forms(user) -> dict:
    return {
        "profile_form": ProfileForm(initial=_profile_initial(user), prefix="profile"),
        "avatar_form": AvatarForm(prefix="avatar"),
        "preferences_form": PreferencesForm(
            initial=_preferences_initial(user), prefix="preferences"
        ),
        "password_form": PasswordChangeForm(prefix="password"),
    }


def _run_form(form, action, *, refused_field: str | None = None):
    """Validate ``form`` and run ``action(cleaned_data)``, which returns the success notice.

    Returns ``(form, None)`` when the form or the service refused (the refusal
    is on the form), else ``(None, notice)``.
    """
    if not form.is_valid():
        return form, None
    try:
        return None, action(form.cleaned_data)
    except DomainError as exc:
        _refuse(form, exc, field=refused_field)
        return form, None


def _save_section(request, section: str):
    """Run one section's form; returns the bound form when it was refused, else None."""
    user = request.user
    if section == "remove_avatar":
        account_services.remove_avatar(user=user)
        messages.success(request, "Your picture was removed.")
        return None

    def save_profile(data):
        account_services.update_profile(user=user, **data)
        return "Your profile was saved."

    def save_avatar(data):
        account_services.set_avatar(user=user, upload=data["avatar"])
        return "Your picture was updated."

    def save_preferences(data):
        account_services.update_settings(user=user, **data)
        return "Your preferences were saved."

    def change_password(data):
        revoked = session_services.change_password(
            user=user,
            old_password=data["old_password"],
            new_password=data["new_password"],
            current_session_id=_current_session_id(request),
            ip=client_ip(request),
            via="web",
        )
        # The new hash would end this browser's Django session too: keep it.
        update_session_auth_hash(request, user)
        ended = f" {revoked} other session{'s' if revoked != 1 else ''} signed out."
        return f"Your password was changed.{ended if revoked else ''}"

    if section == "profile":
        form, notice = _run_form(ProfileForm(request.POST, prefix="profile"), save_profile)
    elif section == "avatar":
        # A refused size, type or pixel count is said on the file field.
        avatar_form = AvatarForm(request.POST, request.FILES, prefix="avatar")
        form, notice = _run_form(avatar_form, save_avatar, refused_field="avatar")
    elif section == "preferences":
        preferences = PreferencesForm(request.POST, prefix="preferences")
        form, notice = _run_form(preferences, save_preferences)
    else:
        password = PasswordChangeForm(request.POST, prefix="password")
        form, notice = _run_form(password, change_password)
    if notice:
        messages.success(request, notice)
    return form


@page
@require_http_methods(["GET", "POST"])
def settings_page(request):
    forms_ = _settings_forms(request.user)
    status = 200
    if request.method == "POST":
        section = request.POST.get("section", "")
        if section not in SECTIONS:
            messages.error(request, "That form is not one of this page's.")
            return redirect(reverse("web:settings") + SETTINGS_TOP)
        refused = _save_section(request, section)
        if refused is None:
            return redirect(reverse("web:settings") + SETTINGS_TOP)
        forms_[f"{section}_form"] = refused
        status = _status_of(refused)
    context = {**forms_, "avatar_url": request.user.avatar.url if request.user.avatar else ""}
    return render(request, "web/account/settings.html", with_shell(request, context), status=status)


# --- Device sessions --------------------------------------------------------------

_BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("Safari", re.compile(r"Safari/")),
    ("curl", re.compile(r"^curl/")),
    ("Python", re.compile(r"python-requests|aiohttp|httpx|Python")),
)
_SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux|X11")),
)


def readable_user_agent(user_agent: str) -> str:
    """ "Firefox on Linux" from a User-Agent header; the header itself when unknown."""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or user_agent or "Unknown device"


def _device_label(session: DeviceSession) -> str:
    # A sign-in without a device name (every cookie one) is named after its
    # User-Agent (sessions_app.services._device_name): shown readably. A name
    # the user gave an API sign-in is shown as given.
    name, agent = session.device_name, session.user_agent
    if name and not agent.startswith(name):
        return name
    return readable_user_agent(agent or name)


def _ago(when, now) -> str:
    # Sessions are touched at most every SESSION_TOUCH_INTERVAL: "0 minutes ago" reads oddly.
    if now - when < timedelta(minutes=1):
        return "just now"
    return f"{timesince(when, now)} ago"


def _current_session_id(request) -> int | None:
    value = request.session.get(session_services.DEVICE_SESSION_KEY)
    return value if type(value) is int else None


@page
@require_http_methods(["GET", "HEAD"])
def sessions_page(request):
    current = _current_session_id(request)
    now = timezone.now()
    sessions = [
        {
            "session": s,
            "label": _device_label(s),
            "current": s.pk == current,
            "last_seen": _ago(s.last_seen_at, now),
        }
        for s in session_selectors.active_sessions_of(request.user)
    ]
    # This browser first, then the most recently used.
    sessions.sort(key=lambda row: not row["current"])
    context = {
        "sessions": sessions,
        "others": sum(1 for row in sessions if not row["current"]),
    }
    return render(request, "web/account/sessions.html", with_shell(request, context))


@page
@require_POST
def revoke_session(request, session_id: int):
    if session_id == _current_session_id(request):
        # Revoking this browser's own session is signing out.
        django_logout(request)
        messages.info(request, SIGNED_OUT)
        return redirect("web:login")
    revoked = session_services.revoke_own_session(
        user=request.user, session_id=session_id, ip=client_ip(request)
    )
    messages.success(request, f"Signed out {_device_label(revoked)}.")
    return redirect("web:settings-sessions")


@page
@require_POST
def revoke_other_sessions(request):
    revoked = session_services.revoke_user_sessions(
        user=request.user,
        reason=DeviceSession.RevokeReason.REVOKED,
        except_session_id=_current_session_id(request),
        actor=request.user,
        ip=client_ip(request),
    )
    if revoked:
        messages.success(
            request, f"Signed out {revoked} other session{'s' if revoked != 1 else ''}."
        )
    else:
        messages.info(request, "There were no other sessions.")
    return redirect("web:settings-sessions")
