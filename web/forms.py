"""Forms of the room pages: they shape input; the services decide what is allowed."""

from __future__ import annotations

from django import forms

from lair.errors import DomainError, RateLimited


class MessageForm(forms.Form):
    content = forms.CharField(
        label="Message",
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 1, "placeholder": "Write a message…", "autocomplete": "off"}
        ),
    )
    # The same idempotency key as the API's: a resubmitted form posts once.
    client_id = forms.CharField(required=False, widget=forms.HiddenInput)


class RoomForm(forms.Form):
    name = forms.CharField(label="Name", strip=False)
    description = forms.CharField(
        label="Description", required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    type = forms.ChoiceField(
        label="Visibility",
        choices=[("public", "Public"), ("private", "Private")],
        initial="public",
        widget=forms.RadioSelect,
    )


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service's refusal on the form: per field where it names one, else on the form."""
    if isinstance(exc, RateLimited):
        form.add_error(None, f"{exc.message} Try again in {exc.retry_after} seconds.")
        return
    placed = False
    for field, problems in (exc.details or {}).items():
        if field in form.fields:
            for problem in problems if isinstance(problems, list) else [problems]:
                form.add_error(field, str(problem))
            placed = True
    if not placed:
        form.add_error(None, exc.message)
