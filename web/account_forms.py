"""Forms of the account pages: they shape input; accounts and sessions_app decide.

Fields are plain text and choice widgets without their own rules where a
service checks the value (lengths, the time zone, the theme), so the page
says what the API would say for the same input.
"""

from __future__ import annotations

import functools
import zoneinfo

from django import forms

from accounts.models import UserSettings


class _FirstFieldFocused(forms.Form):
    """The first field has the focus on a fresh page; after a refusal, none does:
    the errors are what the reader meets first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            for field in self.fields.values():
                field.widget.attrs.pop("autofocus", None)


class SignUpForm(_FirstFieldFocused):
    username = forms.CharField(
        label="Username",
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    email = forms.CharField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    display_name = forms.CharField(
        label="Display name",
        required=False,
        help_text="Optional: the name others see; your username otherwise.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class SignInForm(_FirstFieldFocused):
    identifier = forms.CharField(
        label="Username or email",
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones())
    return [(name, name.replace("_", " ")) for name in names]


class TimeZoneSelect(forms.Select):
    """The zones of the tz database; a value it does not list still shows, selected,
    so that a refused one stays on the page with its error."""

    def get_context(self, name, value, attrs):
        known = {choice for choice, _ in self.choices}
        if value and value not in known:
            self.choices = [(value, value), *self.choices]
        return super().get_context(name, value, attrs)


class ProfileForm(forms.Form):
    display_name = forms.CharField(label="Display name", required=False)
    status_text = forms.CharField(
        label="Status", required=False, help_text="A short line shown next to your name."
    )
    bio = forms.CharField(
        label="Bio", required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Checked by accounts.services (a name of the tz database), not by the form.
    timezone = forms.CharField(label="Time zone", widget=TimeZoneSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].widget.choices = time_zone_choices()


class AvatarForm(forms.Form):
    avatar = forms.FileField(
        label="New picture",
        help_text="PNG, JPEG, WebP or GIF, at most 2 MB.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
    )


THEME_CHOICES = [
    (UserSettings.Theme.SYSTEM, "Follow the system"),
    (UserSettings.Theme.LIGHT, "Light"),
    (UserSettings.Theme.DARK, "Dark"),
]


class PreferencesForm(forms.Form):
    # Radio widgets on text fields: accounts.services.update_settings checks the choice.
    theme = forms.CharField(label="Theme", widget=forms.RadioSelect(choices=THEME_CHOICES))
    notify = forms.CharField(
        label="Notify me of",
        widget=forms.RadioSelect(choices=UserSettings.Notify.choices),
    )
    show_presence = forms.BooleanField(label="Show others when I am online", required=False)
    enter_to_send = forms.BooleanField(
        label="Enter sends a message (Shift+Enter starts a new line)", required=False
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="New password",
        strip=False,
        help_text="Your other sessions are signed out; this browser stays signed in.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
