from django.urls import path


def both(route: str, view, name: str | None = None) -> list:
    """Route ``route`` with and without a trailing slash (no redirects, POST-safe)."""
    route = route.rstrip("/")
    return [path(route, view, name=name), path(route + "/", view)]
