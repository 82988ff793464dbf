"""The background worker (manage.py run_worker) and its housekeeping pass.

The worker runs as a real process on the test database, as it does beside
the servers; the pass's effects on sockets and presence are checked
in-process with the real ASGI application.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from operators import housekeeping
from realtime import presence
from realtime.models import Event
from sessions_app.models import DeviceSession
from tests.factories import DeviceSessionFactory
from tests.realtime.conftest import connect_as, server_loop, sockets  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PASS_LINE = re.compile(
    r"lair\.worker pass done: sessions_deleted=\d+ sockets_closed=\d+ events_pruned=\d+ "
    r"presence_cleared=\d+ in [\d.]+ ms$"
)
SKIPPED_LINE = re.compile(r"lair\.worker pass skipped: another worker is running one$")


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def worker_env() -> dict:
    """The environment of a worker beside the servers: the test's database and cache."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "lair.settings",
        "DEBUG": "true",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(),
        "LOG_LEVEL": "INFO",
    }


class Worker:
    def __init__(self, *extra: str):
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.2", *extra],
            cwd=ROOT,
            env=worker_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def stop(self) -> tuple[int, list[str]]:
        """SIGTERM, then its exit code and its log lines (time stamps cut off)."""
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=30)
        lines = [line.split(" ", 3)[-1] for line in (out + err).splitlines() if line.strip()]
        return self.process.returncode, lines

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate(timeout=10)


@pytest.fixture
def workers():
    started: list[Worker] = []

    def start(*extra):
        worker = Worker(*extra)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def eventually(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not do its work in time")


def old_event(days: int) -> Event:
    return Event.objects.create(
        room_id=1,
        type="message.created",
        payload="{}",
        created_at=timezone.now() - timedelta(days=days),
    )


def expired_session(user=None) -> DeviceSession:
    return DeviceSessionFactory(
        **({"user": user} if user else {}), expires_at=timezone.now() - timedelta(minutes=1)
    )


def assert_one_line_per_pass(lines: list[str], *, skipped_allowed: bool = False) -> int:
    """Every line is the start, the stop, or one pass's; returns how many passes ran."""
    assert lines[0].endswith("lair.worker worker started: a pass every 0.2 s"), lines
    assert lines[-1].endswith("lair.worker worker stopped"), lines
    passes = 0
    for line in lines[1:-1]:
        if PASS_LINE.search(line):
            passes += 1
        else:
            assert skipped_allowed, line
            assert SKIPPED_LINE.search(line), line
    assert not any("Traceback" in line for line in lines)
    return passes


@pytest.mark.django_db(transaction=True)
def test_worker_ends_expired_sessions_and_prunes_old_events_then_stops_cleanly_on_sigterm(
    workers, bob
):
    expired = expired_session(bob)
    live = DeviceSessionFactory(user=bob)
    stale = old_event(days=settings.EVENT_LOG_RETENTION_DAYS + 1)
    recent = old_event(days=1)

    worker = workers()
    eventually(
        lambda: (
            not DeviceSession.objects.filter(pk=expired.pk).exists()
            and not Event.objects.filter(pk=stale.pk).exists()
        )
    )
    code, lines = worker.stop()

    assert code == 0
    assert DeviceSession.objects.filter(pk=live.pk).exists()
    assert Event.objects.filter(pk=recent.pk).exists()
    assert assert_one_line_per_pass(lines) >= 1
    assert any("sessions_deleted=1 sockets_closed=1 events_pruned=1" in line for line in lines)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_both_do_the_work_once_and_stop_cleanly(workers, bob):
    sessions = [expired_session(bob) for _ in range(5)]
    events = [old_event(days=settings.EVENT_LOG_RETENTION_DAYS + 2) for _ in range(5)]

    first, second = workers(), workers()
    eventually(
        lambda: (
            not DeviceSession.objects.filter(pk__in=[s.pk for s in sessions]).exists()
            and not Event.objects.filter(pk__in=[e.pk for e in events]).exists()
        )
    )
    time.sleep(0.5)  # a few more passes of each, over nothing left to do
    results = [first.stop(), second.stop()]

    deleted = pruned = 0
    for code, lines in results:
        assert code == 0, lines
        assert_one_line_per_pass(lines, skipped_allowed=True)
        for line in lines:
            if match := re.search(r"sessions_deleted=(\d+) .* events_pruned=(\d+)", line):
                deleted, pruned = deleted + int(match[1]), pruned + int(match[2])
    # Each row removed once in all: the second worker found nothing to redo.
    assert (deleted, pruned) == (5, 5)


def test_sigint_also_ends_the_worker_after_its_pass(workers, transactional_db, bob):
    expired = expired_session(bob)
    worker = workers()
    # Its first pass has run: the signal handlers are in place.
    eventually(lambda: not DeviceSession.objects.filter(pk=expired.pk).exists())
    worker.process.send_signal(signal.SIGINT)
    out, err = worker.process.communicate(timeout=30)
    assert worker.process.returncode == 0
    assert "worker stopped" in err
    assert "Traceback" not in err + out


def test_once_runs_one_pass_and_exits(bob, caplog):
    expired_session(bob)
    with caplog.at_level("INFO", logger="lair.worker"):
        call_command("run_worker", "--once")
    assert not DeviceSession.objects.filter(user=bob).exists()
    passes = [r for r in caplog.records if r.getMessage().startswith("pass done")]
    assert len(passes) == 1
    assert "sessions_deleted=1 sockets_closed=1" in passes[0].getMessage()


def test_a_worker_skips_its_pass_while_another_worker_holds_the_lock(bob, caplog):
    session = expired_session(bob)
    with housekeeping.worker_lock(60) as held, caplog.at_level("INFO", logger="lair.worker"):
        assert held
        call_command("run_worker", "--once")
    assert any(r.getMessage().startswith("pass skipped") for r in caplog.records)
    assert DeviceSession.objects.filter(pk=session.pk).exists()

    call_command("run_worker", "--once")  # the lock is free again
    assert not DeviceSession.objects.filter(pk=session.pk).exists()


def test_a_second_pass_finds_nothing_left_to_do(bob):
    expired_session(bob)
    DeviceSessionFactory(
        user=bob,
        revoked_at=timezone.now() - timedelta(days=housekeeping.REVOKED_SESSIONS_KEPT_DAYS + 1),
        revoke_reason="logout",
    )
    old_event(days=settings.EVENT_LOG_RETENTION_DAYS + 1)
    first = housekeeping.run_pass()
    second = housekeeping.run_pass()
    assert (first.sessions_deleted, first.sockets_closed, first.events_pruned) == (2, 1, 1)
    assert (second.sessions_deleted, second.sockets_closed, second.events_pruned) == (0, 0, 0)


def test_recently_revoked_sessions_are_kept_to_explain_sign_outs(bob):
    kept = DeviceSessionFactory(
        user=bob, revoked_at=timezone.now() - timedelta(days=1), revoke_reason="logout"
    )
    housekeeping.run_pass()
    assert DeviceSession.objects.filter(pk=kept.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_socket_of_a_session_that_expired_closes_with_4003_at_the_next_pass(
    connect_as,  # noqa: F811
    bob,
):
    socket, _ = connect_as(bob)
    other, _ = connect_as(bob)
    DeviceSession.objects.filter(pk=socket.session_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    housekeeping.run_pass()
    assert socket.closed_with() == 4003
    other.send({"type": "ping"})
    assert other.receive()["type"] == "pong"  # the live session's socket stays


def wait_until_gone(user_id: int) -> None:
    eventually(
        lambda: (
            presence.open_sockets(user_id) == 0 and user_id not in presence.connected_user_ids()
        ),
        timeout=10,
    )


@pytest.mark.django_db(transaction=True)
def test_presence_left_by_a_dead_server_process_is_cleared_and_the_rooms_told(
    settings, bob, alice, capture_events
):
    from tests.helpers import create_room, join

    room_id = create_room(alice)
    join(bob, room_id)
    # A server process holds bob's socket, then dies: its counts stop being
    # refreshed and expire, its grace-period task never runs.
    settings.PRESENCE_SOCKETS_TTL_SECONDS = 1
    settings.PRESENCE_GRACE_SECONDS = 0
    presence.socket_opened(bob.pk)
    presence.publish_totals("a-server-process", None, [bob.pk], 1, fresh=False)
    assert housekeeping.clear_stale_presence() == 0  # still connected
    wait_until_gone(bob.pk)

    assert housekeeping.clear_stale_presence(dry_run=True) == 1
    with capture_events() as events:
        assert housekeeping.clear_stale_presence() == 1
    bob.refresh_from_db()
    assert bob.last_seen is not None
    offline = [e.frame for e in events if e.frame["type"] == "presence"]
    assert [(f["user_id"], f["status"]) for f in offline][:1] == [(bob.pk, "offline")]
    assert presence.shown_connected_without_sockets([bob.pk]) == []
    assert housekeeping.clear_stale_presence() == 0  # once


@pytest.mark.django_db(transaction=True)
def test_a_user_within_the_grace_period_is_not_marked_offline_early(settings, bob):
    settings.PRESENCE_SOCKETS_TTL_SECONDS = 1
    settings.PRESENCE_GRACE_SECONDS = 3600
    presence.socket_opened(bob.pk)
    presence.publish_totals("a-server-process", None, [bob.pk], 1, fresh=False)
    housekeeping.clear_stale_presence()
    wait_until_gone(bob.pk)
    assert housekeeping.clear_stale_presence() == 0
    bob.refresh_from_db()
    assert bob.last_seen is None


def test_a_non_positive_interval_is_refused(capsys):
    result = subprocess.run(
        [sys.executable, "manage.py", "run_worker", "--interval", "0"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "--interval must be a positive number" in result.stderr
