"""Which characters people's names and texts may hold: one rule for every entry point.

Names (display names, room names, topics, status texts, device names) are
shown inline beside other people's text: a bidirectional override can make
"alice" read as someone else's name or flip the text after it, zero-width
characters make two names that look the same, and terminal control
characters (ESC ...) reach the logs and consoles operators read. Names
refuse all three. Multi-line texts (a bio, a room description) refuse the
same but keep newlines and tabs.

Message content is what people write, in any script: Arabic and Hebrew
writers use the directional marks, emoji sequences use the zero-width
joiner. It refuses only the C0 and C1 control characters (NUL included)
other than newline, carriage return and tab.

The services call the ``check_*`` functions, so the API, forms and admin
actions get the same 400; serializers carry the same rule as a validator so
the OpenAPI schema shows it as a ``pattern``.
"""

from __future__ import annotations

import re

from django.core.validators import RegexValidator

from lair.errors import ValidationError

# Written as escapes so that the pattern reads the same in Python and in the
# ECMA regular expressions of JSON Schema.
_CONTROLS = r"\x00-\x1f\x7f-\x9f"  # Unicode category Cc: C0, DEL and C1
_CONTROLS_BUT_NEWLINE_TAB = r"\x00-\x08\x0b-\x1f\x7f-\x9f"
_CONTROLS_BUT_NEWLINES_TAB = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BIDI = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ZERO_WIDTH = r"\u200b-\u200d\u2060\ufeff"

# "+", not "*": an empty text is allowed where blank is (the checks below let
# it through), and drf-spectacular documents such fields as oneOf this pattern
# or maxLength 0, which must not both match "".
NAME_PATTERN = rf"^[^{_CONTROLS}{_BIDI}{_ZERO_WIDTH}]+$"
MULTILINE_PATTERN = rf"^[^{_CONTROLS_BUT_NEWLINE_TAB}{_BIDI}{_ZERO_WIDTH}]+$"
MESSAGE_PATTERN = rf"^[^{_CONTROLS_BUT_NEWLINES_TAB}]+$"

# The same, with at least one character that is not whitespace: a required
# name or a message is never blank.
_NAME_CHARS = f"{_CONTROLS}{_BIDI}{_ZERO_WIDTH}"
NONBLANK_NAME_PATTERN = rf"^[^{_NAME_CHARS}]*[^{_NAME_CHARS}\s][^{_NAME_CHARS}]*$"
_MESSAGE_CHARS = _CONTROLS_BUT_NEWLINES_TAB
NONBLANK_MESSAGE_PATTERN = rf"^[^{_MESSAGE_CHARS}]*[^{_MESSAGE_CHARS}\s][^{_MESSAGE_CHARS}]*$"

_NAME = re.compile(NAME_PATTERN)
_REFUSED_IN_NAME = re.compile(rf"[{_CONTROLS}{_BIDI}{_ZERO_WIDTH}]")
_MULTILINE = re.compile(MULTILINE_PATTERN)
_MESSAGE = re.compile(MESSAGE_PATTERN)


def _name_message(label: str) -> str:
    return (
        f"{label} cannot contain control characters, zero-width characters "
        "or bidirectional formatting characters."
    )


def _multiline_message(label: str) -> str:
    return (
        f"{label} cannot contain control characters other than newlines and tabs, "
        "zero-width characters or bidirectional formatting characters."
    )


def _message_message(label: str) -> str:
    return f"{label} cannot contain control characters other than newlines and tabs."


def _check(value: str, pattern: re.Pattern, field: str, message: str) -> str:
    # fullmatch: "$" alone would also match before a final newline.
    if not isinstance(value, str) or (value and pattern.fullmatch(value) is None):
        raise ValidationError(message, details={field: [message]})
    return value


def check_name(value: str, *, field: str, label: str) -> str:
    """Return ``value`` if it is a one-line name; else raise ValidationError on ``field``."""
    return _check(value, _NAME, field, _name_message(label))


def without_refused_name_characters(value: str) -> str:
    """``value`` with the characters a name refuses removed, for names nobody typed.

    A device name taken from a User-Agent header cannot be refused (the
    sign-in would fail for a header), so it loses those characters instead.
    """
    return _REFUSED_IN_NAME.sub("", value)


def check_multiline(value: str, *, field: str, label: str) -> str:
    """Return ``value`` if it is a valid multi-line text; else raise ValidationError on ``field``.

    Line ends are LF: a form that receives a browser's CRLF converts it first.
    """
    return _check(value, _MULTILINE, field, _multiline_message(label))


def check_message(value: str, *, field: str = "content", label: str = "A message") -> str:
    """Return message text ``value`` unchanged unless it holds refused control characters."""
    return _check(value, _MESSAGE, field, _message_message(label))


class _Rule(RegexValidator):
    """A serializer validator that drf-spectacular documents as ``pattern``."""

    def __init__(self, pattern: str, message: str, blank_message: str | None = None):
        super().__init__(regex=pattern, message=message)
        self.blank_message = blank_message

    def __call__(self, value):
        from django.core.exceptions import ValidationError as DjangoValidationError

        if self.blank_message and isinstance(value, str) and not value.strip():
            raise DjangoValidationError(self.blank_message, code="blank")
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise DjangoValidationError(self.message, code=self.code)


def name_rule(label: str, *, required: bool = False) -> RegexValidator:
    """The rule of :func:`check_name` as a serializer validator (``required``: not blank)."""
    if required:
        return _Rule(NONBLANK_NAME_PATTERN, _name_message(label), f"{label} cannot be blank.")
    return _Rule(NAME_PATTERN, _name_message(label))


def multiline_rule(label: str) -> RegexValidator:
    """The rule of :func:`check_multiline` as a serializer validator."""
    return _Rule(MULTILINE_PATTERN, _multiline_message(label))


def message_rule(label: str = "A message") -> RegexValidator:
    """The rule of :func:`check_message` (and not blank) as a serializer validator."""
    return _Rule(NONBLANK_MESSAGE_PATTERN, _message_message(label), f"{label} cannot be empty.")
