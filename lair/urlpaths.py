from django.urls import path, register_converter
from rest_framework.routers import SimpleRouter

# The largest id a database integer column holds (signed 64 bits). A larger
# number in a URL named nothing and overflowed SQLite's parameter binding: a 500.
MAX_ID = 2**63 - 1


class IdConverter:
    """``<id:name>``: a positive database id of at most 19 digits and MAX_ID.

    A larger number does not match, so the URL answers 404 like any unknown path.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("id out of range")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


def slash_optional(route: str, view, name: str | None = None) -> list:
    """Route ``route`` with and without a trailing slash (no redirects, POST-safe)."""
    route = route.rstrip("/")
    return [path(route, view, name=name), path(route + "/", view)]


class SlashOptionalRouter(SimpleRouter):
    """A DRF router whose every route answers with and without a trailing slash.

    Routes are ``path()`` patterns, so a viewset's ``lookup_value_converter =
    "id"`` bounds its ids as ``<id:...>`` does elsewhere (and the schema says so).
    """

    def __init__(self):
        super().__init__(trailing_slash=False, use_regex_path=False)

    def get_urls(self):
        urls = []
        for pattern in super().get_urls():
            urls += [pattern, path(f"{pattern.pattern}/", pattern.callback)]
        return urls
