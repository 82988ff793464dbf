"""Users, rooms, memberships and messages written straight into a migrated database.

The ORM would cost minutes for 1,000,000 messages and would tie the seeding to the code
of one commit; bulk SQL does neither. What keeps the SQL honest is ``check_schema``: every
table the seeding writes is compared, when a ``Seeder`` opens, with the columns the
migrations created (id and generated columns aside). A column added, renamed or dropped
stops the benchmark at once with the column named, instead of seeding rows that the server
then reads differently. Each table's columns are listed once, in TABLES below.

A column computed from another one of its row (a message's ``html`` from its ``content``)
is ``derived``: written where the table has it, and left out for an older commit that
does not (compare_commits.py seeds both sides with this code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lib.dburl import Database, connect

# SQLite's limit on host parameters is 999 on old builds: stay under it.
CHUNK = 500


@dataclass(frozen=True)
class Table:
    """A table the seeding writes: the columns given per row, in order, then the columns
    every seeded row shares with their value."""

    name: str
    varied: tuple[str, ...]
    shared: dict
    # column -> (the varied column it is computed from, how), for tables that have it.
    derived: dict[str, tuple[str, Callable]] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.varied, *self.shared)


def plain_html(text: str) -> str:
    """The ``html`` the server renders (messaging/rendering.py) for one line of plain words:
    one paragraph, escaped. Only for the seeded texts (tests/benchmarks/test_seed.py pins
    them against the renderer); no project code is imported here."""
    return "<p>" + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</p>"


USERS = Table(
    "accounts_user",
    ("username", "email", "display_name", "password", "date_joined"),
    {
        "last_login": None,
        "is_superuser": False,
        "first_name": "",
        "last_name": "",
        "is_staff": False,
        "is_active": True,
        "role": "user",
        "bio": "",
        "avatar": "",
        "status_text": "",
        "timezone": "UTC",
        "is_suspended": False,
        "last_seen": None,
    },
)
USER_SETTINGS = Table(
    "accounts_usersettings",
    ("user_id",),
    {
        "theme": "system",
        "notify": "all",
        "language": "en",
        "show_presence": True,
        "enter_to_send": True,
    },
)
ROOMS = Table(
    "rooms_room",
    ("name", "description", "created_at", "updated_at", "created_by_id"),
    {"topic": "", "type": "public", "archived_at": None, "direct_key": None},
)
MEMBERSHIPS = Table(
    "rooms_membership",
    ("room_id", "user_id", "role", "joined_at"),
    {"last_read_message_id": 0},
)
MESSAGES = Table(
    "messaging_message",
    ("content", "created_at", "author_id", "room_id"),
    {
        "edited_at": None,
        "deleted_at": None,
        "reply_count": 0,
        "client_id": None,
        "parent_id": None,
    },
    # Since issue 11: content rendered at write time.
    {"html": ("content", plain_html)},
)
# The chat tables: what every benchmark seeds, and what a Seeder checks by default (an
# older commit measured by compare_commits.py may lack the operator tables below).
TABLES = (USERS, USER_SETTINGS, ROOMS, MEMBERSHIPS, MESSAGES)

# The operator side at scale (benchmarks/operators_scale.py): rooms of every type, device
# sessions, the audit log and the event log, every column given per row.
ANY_ROOMS = Table(
    "rooms_room",
    (
        "name",
        "description",
        "topic",
        "type",
        "created_at",
        "updated_at",
        "archived_at",
        "direct_key",
        "created_by_id",
    ),
    {},
)
DEVICE_SESSIONS = Table(
    "sessions_app_devicesession",
    (
        "user_id",
        "device_name",
        "ip",
        "user_agent",
        "created_at",
        "last_seen_at",
        "expires_at",
        "revoked_at",
        "revoke_reason",
        "refresh_jti",
    ),
    {},
)
AUDIT_ENTRIES = Table(
    "lair_auditentry",
    ("at", "actor_id", "action", "target_type", "target_id", "ip", "details"),
    {},
)
EVENTS = Table(
    "messaging_event",
    ("room_id", "target_user_id", "type", "message_id", "payload", "created_at"),
    {},
)
OPERATOR_TABLES = (ANY_ROOMS, DEVICE_SESSIONS, AUDIT_ENTRIES, EVENTS)
ALL_TABLES = (*TABLES, *OPERATOR_TABLES)


def table_columns(conn, vendor: str, table: str) -> set[str]:
    """The columns of ``table`` a row insert has to fill: not the id, not a generated one."""
    if vendor == "sqlite":
        # table_xinfo's 7th field ("hidden") is 2 or 3 for generated columns.
        rows = conn.execute(f"PRAGMA table_xinfo({table})").fetchall()
        return {row[1] for row in rows if row[1] != "id" and row[6] == 0}
    rows = conn.execute(
        "SELECT column_name, is_generated FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s",
        [table],
    ).fetchall()
    return {name for name, generated in rows if name != "id" and generated == "NEVER"}


def check_schema(conn, vendor: str, tables: Iterable[Table] = ALL_TABLES) -> dict[str, set[str]]:
    """Exit, naming the columns, if a seeded table's columns differ from ``tables``' lists
    (a derived column may be missing); otherwise {table name: its columns}."""
    problems = []
    found = {}
    for table in tables:
        actual = found[table.name] = table_columns(conn, vendor, table.name)
        if not actual:
            problems.append(f"{table.name}: table missing (run manage.py migrate first)")
            continue
        expected = set(table.columns)
        if actual - expected - set(table.derived):
            not_seeded = actual - expected - set(table.derived)
            problems.append(f"{table.name}: not seeded: {', '.join(sorted(not_seeded))}")
        if expected - actual:
            problems.append(f"{table.name}: no such column: {', '.join(sorted(expected - actual))}")
    if problems:
        raise SystemExit(
            "the database schema differs from what benchmarks/lib/seed.py writes "
            "(update TABLES there):\n  " + "\n  ".join(problems)
        )
    return found


def sqlite_timestamp(value: datetime) -> str:
    """Django's SQLite format: naive UTC, "YYYY-MM-DD HH:MM:SS.ffffff"."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _copy_field(value) -> str:
    """One field of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


class Seeder:
    """One connection to the database under test, its schema checked on opening."""

    def __init__(self, db: Database, conn=None, tables: Iterable[Table] = TABLES):
        """``conn``: an open DB-API connection to use (and leave open) instead of a new one;
        ``tables``: the tables this seeding writes, checked against the schema."""
        self.db = db
        self.vendor = db.vendor
        self.ph = db.placeholder
        self.owns_connection = conn is None
        self.conn = connect(db, autocommit=True) if conn is None else conn
        try:
            found = check_schema(self.conn, self.vendor, tables)
        except BaseException:
            self.close()
            raise
        # {table name: [(derived column, index of its source in varied, compute)]}: the
        # derived columns this database has.
        self.derived = {
            table.name: [
                (column, table.varied.index(source), compute)
                for column, (source, compute) in table.derived.items()
                if column in found[table.name]
            ]
            for table in tables
        }

    def close(self) -> None:
        if self.owns_connection:
            self.conn.close()

    def __enter__(self) -> Seeder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- plumbing

    def execute(self, sql: str, params: Iterable = ()):
        return self.conn.execute(sql, list(params))

    def _param(self, value):
        if self.vendor == "sqlite" and isinstance(value, datetime):
            return sqlite_timestamp(value)
        return value

    def _derived(self, table: Table) -> list[tuple[str, int, Callable]]:
        return self.derived.get(table.name, [])

    def _columns(self, table: Table) -> tuple[str, ...]:
        derived = tuple(column for column, _, _ in self._derived(table))
        return (*table.varied, *derived, *table.shared)

    def _full_row(self, table: Table, varied: tuple) -> tuple:
        derived = tuple(compute(varied[source]) for _, source, compute in self._derived(table))
        return (*varied, *derived, *table.shared.values())

    def _row(self, table: Table, varied: tuple) -> tuple:
        return tuple(self._param(v) for v in self._full_row(table, varied))

    def insert(self, table: Table, rows: Iterable[tuple]) -> None:
        """Insert rows of ``table.varied`` values (derived and shared columns are added here)."""
        columns = self._columns(table)
        placeholders = ", ".join([self.ph] * len(columns))
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
        params = (self._row(table, row) for row in rows)
        if self.vendor == "sqlite":
            self.conn.executemany(sql, params)
        else:
            with self.conn.cursor() as cur:
                cur.executemany(sql, list(params))

    def copy(self, table: Table, rows: Iterable[tuple], batch: int = 20_000) -> None:
        """Bulk-load rows of ``table.varied`` values: COPY on PostgreSQL, executemany on
        SQLite (one statement prepared once)."""
        if self.vendor == "sqlite":
            self.insert(table, rows)
            return
        with self.conn.cursor().copy(
            f"COPY {table.name} ({', '.join(self._columns(table))}) FROM STDIN"
        ) as copy:
            chunk: list[str] = []
            for row in rows:
                fields = self._full_row(table, row)
                chunk.append("\t".join(_copy_field(v) for v in fields) + "\n")
                if len(chunk) >= batch:
                    copy.write("".join(chunk))
                    chunk.clear()
            if chunk:
                copy.write("".join(chunk))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; SQLite takes the write lock at BEGIN so that a running server's
        writes wait instead of failing half-way."""
        if self.vendor != "sqlite":
            with self.conn.transaction():
                yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def ids_of(self, table: str, column: str, values: list[str]) -> dict[str, int]:
        """{value: id} of the rows whose ``column`` is one of ``values`` (the newest row
        when several share one)."""
        found: dict[str, int] = {}
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            marks = ",".join([self.ph] * len(chunk))
            for value, row_id in self.execute(
                f"SELECT {column}, id FROM {table} WHERE {column} IN ({marks}) ORDER BY id", chunk
            ).fetchall():
                found[value] = row_id
        return found

    def ids_like(self, table: str, column: str, prefixes: Iterable[str]) -> dict[str, int]:
        """{value: id} of the rows whose ``column`` starts with one of ``prefixes``."""
        found: dict[str, int] = {}
        for prefix in prefixes:
            for value, row_id in self.execute(
                f"SELECT {column}, id FROM {table} WHERE {column} LIKE {self.ph} ORDER BY id",
                [prefix + "%"],
            ).fetchall():
                found[value] = row_id
        return found

    # -- the chat domain

    def add_users(
        self, usernames: list[str], password_hash: str, display_names: list[str], now: datetime
    ) -> dict[str, int]:
        """Active users with the role "user", each with default settings; {username: id}."""
        self.insert(
            USERS,
            (
                (name, f"{name}@example.test", display, password_hash, now)
                for name, display in zip(usernames, display_names, strict=True)
            ),
        )
        ids = self.ids_of(USERS.name, "username", usernames)
        self.insert(USER_SETTINGS, ((ids[name],) for name in usernames))
        return ids

    def add_rooms(
        self,
        names: list[str],
        *,
        owner_id: int,
        description: str,
        created_at: datetime,
        now: datetime,
    ) -> dict[str, int]:
        """Public rooms created by ``owner_id``; {name: id}."""
        self.insert(ROOMS, ((name, description, created_at, now, owner_id) for name in names))
        return self.ids_of(ROOMS.name, "name", names)

    def add_memberships(self, rows: Iterable[tuple[int, int, str]], joined_at: datetime) -> None:
        """Memberships from (room id, user id, role) rows."""
        self.insert(MEMBERSHIPS, ((room, user, role, joined_at) for room, user, role in rows))

    def add_messages(self, room_id: int, rows: Iterable[tuple[str, datetime, int]]) -> None:
        """Top-level messages from (content, created_at, author id) rows, in bulk."""
        self.copy(MESSAGES, ((text, at, author, room_id) for text, at, author in rows))

    # -- the operator side at scale

    def add_any_rooms(self, rows: Iterable[tuple]) -> None:
        """Rooms of any type from rows in ``ANY_ROOMS.varied`` order."""
        self.insert(ANY_ROOMS, rows)

    def add_messages_in_rooms(self, rows: Iterable[tuple[str, datetime, int, int]]) -> None:
        """Top-level messages from (content, created_at, author id, room id) rows, in bulk:
        one stream over many rooms, so that ids increase with created_at across them."""
        self.copy(MESSAGES, rows)

    def add_device_sessions(self, rows: Iterable[tuple]) -> None:
        """Device sessions from rows in ``DEVICE_SESSIONS.varied`` order."""
        self.copy(DEVICE_SESSIONS, rows)

    def add_audit_entries(self, rows: Iterable[tuple]) -> None:
        """Audit entries from rows in ``AUDIT_ENTRIES.varied`` order (details as JSON text)."""
        self.copy(AUDIT_ENTRIES, rows)

    def add_events(self, rows: Iterable[tuple]) -> None:
        """Event-log rows in ``EVENTS.varied`` order (payload as JSON text)."""
        self.copy(EVENTS, rows)

    def make_site_admin(self, user_id: int) -> None:
        """Give a seeded user every operator right: the admin site role, and Django's staff
        and superuser flags that the Django admin itself asks for."""
        ph = self.ph
        self.execute(
            f"UPDATE accounts_user SET role = {ph}, is_staff = {ph}, is_superuser = {ph} "
            f"WHERE id = {ph}",
            ["admin", True, True, user_id],
        )

    def set_user_states(self, rows: Iterable[tuple]) -> None:
        """Give seeded users a history: (id, date_joined, last_seen, role, is_suspended,
        is_active) rows; ``add_users`` makes them all active users who joined now."""
        ph = self.ph
        sql = (
            f"UPDATE accounts_user SET date_joined = {ph}, last_seen = {ph}, role = {ph}, "
            f"is_suspended = {ph}, is_active = {ph} WHERE id = {ph}"
        )
        params = [tuple(self._param(v) for v in (*rest, user_id)) for user_id, *rest in rows]
        if self.vendor == "sqlite":
            self.conn.executemany(sql, params)
        else:
            with self.conn.cursor() as cur:
                cur.executemany(sql, params)
