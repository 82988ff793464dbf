"""Who may do what in the Django admin (the operator console): the site role decides.

Site admins (role ``admin``, or superusers) see every model and run every
action; site moderators read the models whose admin says
``moderators_may_view`` and run the actions marked ``permissions=["moderate"]``
(deleting messages); nobody else enters. Django's ``is_staff`` flag and its
permission tables play no part, so a user made a moderator over the API uses
the console at once, and a demoted one loses it at once.

It lives in lair, below every app, so that each app's admin (users, rooms,
messages, the event log) applies the one rule without importing an app above it.
The rules of the acts themselves stay in the services the actions call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import messages
from django.http import HttpResponseRedirect

from lair.errors import DomainError


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_console_admin(user) -> bool:
    """A site admin: every page and every action of the console."""
    return _active(user) and bool(getattr(user, "is_site_admin", False))


def is_console_moderator(user) -> bool:
    """A site moderator: the read-only pages and message moderation."""
    return _active(user) and bool(getattr(user, "is_site_moderator", False))


def may_enter_console(user) -> bool:
    """May sign in to the admin at all: site admins and site moderators."""
    return is_console_admin(user) or is_console_moderator(user)


class RoleAccess:
    """ModelAdmin (and inline) permissions from the site role.

    Site admins may add, change and delete what the model admin allows (a
    subclass still refuses what would bypass a service); moderators only view,
    and only where ``moderators_may_view``. Actions name ``"operate"`` (site
    admins) or ``"moderate"`` (admins and moderators) as their permission.
    """

    moderators_may_view = False

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        user = request.user
        return is_console_admin(user) or (self.moderators_may_view and is_console_moderator(user))

    def has_add_permission(self, request, *args) -> bool:
        return is_console_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_operate_permission(self, request) -> bool:
        return is_console_admin(request.user)

    def has_moderate_permission(self, request) -> bool:
        return may_enter_console(request.user)

    def for_each(
        self,
        request,
        items: Iterable,
        act: Callable,
        *,
        done: str,
        refused: str,
    ) -> int:
        """Run the service ``act(item)`` on every item; report successes and refusals.

        A refusal (a domain error: suspending oneself, a room one may not
        delete) is an error message naming the item, never an error page, and
        does not stop the other items. ``done`` and ``refused`` are verbs for
        the messages: "Suspended", "suspend". Returns how many succeeded.
        """
        succeeded = 0
        for item in items:
            try:
                act(item)
            except DomainError as exc:
                self.message_user(
                    request, f"Could not {refused} {item}: {exc.message}", messages.ERROR
                )
            else:
                succeeded += 1
        if succeeded:
            self.message_user(
                request, f"{done} {succeeded} {self._noun(succeeded)}.", messages.SUCCESS
            )
        return succeeded

    def _noun(self, count: int) -> str:
        meta = self.model._meta
        return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The change form saves through a service (save_model); a refusal rolls
        # the whole save back and comes back as a message on the same page.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnly(RoleAccess):
    """A record nobody edits in the console: the services (or nobody) write it."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
