"""Sign-in forms for cookie logins: thin adapters over sessions_app.services."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm

from lair.admin_access import may_enter_console
from lair.client_ip import client_ip
from lair.errors import AuthenticationFailed, RateLimited
from sessions_app import services


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's sign-in form, with the API login's limits and failure records.

    A limited attempt is a form error on the page, not an error page: the
    operator sees when to try again.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "rate_limited": "Too many sign-in attempts. Try again in %(seconds)s seconds.",
    }

    def confirm_login_allowed(self, user):
        # The site role opens the console (lair.admin_access), not is_staff.
        if not (user.is_active and may_enter_console(user)):
            raise self.get_invalid_login_error()

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.check_credentials(
                    request=self.request, identifier=username, password=password, via="admin"
                )
            except RateLimited as exc:
                raise forms.ValidationError(
                    self.error_messages["rate_limited"],
                    code="rate_limited",
                    params={"seconds": exc.retry_after},
                ) from exc
            except AuthenticationFailed as exc:
                raise self.get_invalid_login_error() from exc
            try:
                # Site admins and moderators only; anyone else gets the wrong password's answer.
                self.confirm_login_allowed(self.user_cache)
            except forms.ValidationError:
                services.record_login_failure(
                    user_id=self.user_cache.pk, ip=client_ip(self.request), via="admin"
                )
                raise
        return self.cleaned_data
