"""``--database-url``: the database of the server under test, which the seeding writes to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lib.loopback import require_loopback


@dataclass(frozen=True)
class Database:
    """``vendor`` is "sqlite" (``target`` a file path) or "postgresql" (a conninfo URL)."""

    vendor: str
    target: str
    name: str | None = None  # PostgreSQL's database name: its backends carry it in ps

    @property
    def placeholder(self) -> str:
        return "?" if self.vendor == "sqlite" else "%s"


def parse_database_url(url: str, *, must_exist: bool = False) -> Database:
    """``sqlite:////abs/path`` or ``postgres(ql)://...`` on loopback; exit on anything else.

    Test databases (``test``, ``test_*``) are refused: the test suite creates and drops
    them, and a benchmark seeding one would corrupt a run in progress.
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if path.startswith("//"):
            path = path[1:]
        elif path.startswith("/"):
            path = path[1:] or path
        if not path or path == ":memory:":
            raise SystemExit(
                "--database-url sqlite needs a file path: sqlite:////path/to/bench.sqlite3"
            )
        if must_exist and not Path(path).exists():
            raise SystemExit(f"--database-url: SQLite file {path!r} missing (migrate it first)")
        return Database("sqlite", path)
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        host = parts.hostname or "localhost"
        if not host.startswith("/"):
            require_loopback(host, parts.port or 5432, "database")
        dbname = parts.path.lstrip("/")
        if dbname == "test" or dbname.startswith("test_"):
            raise SystemExit(f"refusing database {dbname!r}: test databases belong to the tests")
        return Database("postgresql", "postgresql://" + url.split("://", 1)[1], dbname or None)
    raise SystemExit(f"unsupported --database-url scheme {parts.scheme!r}")


def connect(db: Database, *, autocommit: bool = True):
    """A DB-API connection: sqlite3 in autocommit mode (transactions by explicit BEGIN), or
    psycopg."""
    if db.vendor == "sqlite":
        import sqlite3

        return sqlite3.connect(db.target, isolation_level=None, timeout=60)
    import psycopg

    return psycopg.connect(db.target, autocommit=autocommit)
