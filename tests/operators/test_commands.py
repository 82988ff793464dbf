"""The operators' management commands, as an operator runs them at a shell.

Each runs twice with the same result; refusals are a clear message and a
non-zero exit code (checked in a real process where the code matters).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import User
from lair.models import AuditEntry
from messaging.models import Message, Reaction
from operators import demo
from operators.selectors import site_stats
from realtime.models import Event
from rooms.models import Membership, Room
from sessions_app.models import DeviceSession
from tests.factories import DeviceSessionFactory
from tests.helpers import API
from tests.realtime.conftest import connect_as, server_loop, sockets  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ["run_worker", "seed_demo", "cleanup", "broadcast", "create_admin", "stats"]
STRONG = "a-long-and-unusual-passphrase-42"


def run(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """``manage.py <args>`` in a process of its own, on a throwaway SQLite database."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
            "DJANGO_SETTINGS_MODULE": "lair.settings",
            "DEBUG": "true",
            **env,
        },
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def output_of(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def demo_figures() -> tuple:
    return (
        User.objects.count(),
        Room.objects.count(),
        Membership.objects.count(),
        Message.objects.count(),
        Reaction.objects.count(),
        Event.objects.count(),
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself_with_help(command):
    result = run(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: manage.py " + command in result.stdout
    assert len(result.stdout.split("\n\n")[1]) > 60  # a real description, not a name


def test_seed_demo_fills_the_server_and_prints_the_sign_ins(db, settings):
    settings.DEBUG = True
    printed = output_of("seed_demo")

    for user in demo.USERS:
        assert user.username in printed
        assert User.objects.get(username=user.username).check_password(demo.DEMO_PASSWORD)
    assert demo.DEMO_PASSWORD in printed
    assert "/admin/" in printed
    assert User.objects.get(username="ada").is_site_admin
    assert User.objects.get(username="moe").is_site_moderator
    general = Room.objects.get(name="general")
    assert general.messages.filter(parent__isnull=False).exists()  # a thread
    assert Reaction.objects.filter(message__room=general).exists()
    assert Room.objects.filter(type=Room.Type.PRIVATE).exists()
    assert Room.objects.filter(type=Room.Type.DIRECT).exists()
    # Made through the services: the events a client resumes from are there.
    assert Event.objects.filter(type="message.created").count() == Message.objects.count()


def test_seed_demo_works_with_registration_closed(db, settings, runtime_config):
    # Closing sign-ups keeps strangers out; an operator's own command still creates accounts.
    settings.DEBUG = True
    runtime_config(registration_open=False)
    printed = output_of("seed_demo")
    assert "Demo data is ready" in printed
    assert User.objects.filter(username__in=[u.username for u in demo.USERS]).count() == len(
        demo.USERS
    )


def test_seed_demo_twice_adds_nothing(db, settings):
    settings.DEBUG = True
    output_of("seed_demo")
    first = demo_figures()
    output_of("seed_demo")
    assert demo_figures() == first


def test_the_demo_users_can_sign_in_over_the_api(db, settings, client):
    settings.DEBUG = True
    output_of("seed_demo")
    response = client.post(
        f"{API}/auth/login",
        {"username": "alice", "password": demo.DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200


def test_seed_demo_refuses_a_production_server_without_force(tmp_path):
    result = run(
        "seed_demo",
        DEBUG="false",
        SECRET_KEY="a-production-secret-key-that-is-long-enough-0123456789",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        ALLOWED_HOSTS="chat.example.org",
    )
    assert result.returncode == 1
    assert "DEBUG is off" in result.stderr
    assert "--force" in result.stderr


def test_cleanup_dry_run_counts_and_removes_nothing_then_cleanup_removes_once(db, bob):
    expired = DeviceSessionFactory(user=bob, expires_at=timezone.now() - timedelta(minutes=1))
    live = DeviceSessionFactory(user=bob)
    old = Event.objects.create(
        room_id=1,
        type="message.created",
        payload="{}",
        created_at=timezone.now() - timedelta(days=400),
    )

    dry = output_of("cleanup", "--dry-run")
    assert "Would delete 1 ended device session(s)" in dry
    assert "Would delete 1 event(s)" in dry
    assert DeviceSession.objects.filter(pk=expired.pk).exists()
    assert Event.objects.filter(pk=old.pk).exists()

    done = output_of("cleanup")
    assert "Deleted 1 ended device session(s)" in done
    assert not DeviceSession.objects.filter(pk=expired.pk).exists()
    assert not Event.objects.filter(pk=old.pk).exists()
    assert DeviceSession.objects.filter(pk=live.pk).exists()

    again = output_of("cleanup")
    assert "Deleted 0 ended device session(s)" in again
    assert "Deleted 0 event(s)" in again


@pytest.mark.django_db(transaction=True)
def test_broadcast_reaches_every_socket_and_is_audited(connect_as, alice, bob):  # noqa: F811
    first, _ = connect_as(alice)
    second, _ = connect_as(bob)

    printed = output_of("broadcast", "Restart at 22:00 UTC")

    assert "Sent" in printed
    for socket in (first, second):
        frame = socket.receive_until("system")
        assert frame["content"] == "Restart at 22:00 UTC"
        assert frame["sent_by"] is None
    entry = AuditEntry.objects.get(action="broadcast.sent")
    assert entry.actor is None
    assert entry.details["content"] == "Restart at 22:00 UTC"


def test_an_empty_broadcast_is_refused_and_sends_nothing(db):
    with pytest.raises(CommandError):
        output_of("broadcast", "   ")
    assert not AuditEntry.objects.filter(action="broadcast.sent").exists()


def test_create_admin_takes_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("LAIR_ADMIN_PASSWORD", STRONG)
    printed = output_of("create_admin", "--username", "root", "--email", "root@example.org")
    admin = User.objects.get(username="root")
    assert "Created site admin root" in printed
    assert admin.is_site_admin
    assert admin.role == User.Role.ADMIN
    assert admin.check_password(STRONG)


def test_create_admin_reads_the_password_from_stdin(db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(STRONG + "\n"))
    output_of("create_admin", "--username", "root", "--password-stdin")
    assert User.objects.get(username="root").check_password(STRONG)


def test_create_admin_refuses_an_existing_user_unless_update(db, monkeypatch, bob):
    monkeypatch.setenv("LAIR_ADMIN_PASSWORD", STRONG)
    with pytest.raises(CommandError, match="--update"):
        output_of("create_admin", "--username", bob.username)
    bob.refresh_from_db()
    assert bob.role == User.Role.USER

    output_of("create_admin", "--username", bob.username, "--update")
    bob.refresh_from_db()
    assert bob.is_site_admin
    assert bob.check_password(STRONG)
    assert AuditEntry.objects.filter(action="user.role_changed", target_id=str(bob.pk)).exists()


def test_create_admin_refuses_a_weak_or_missing_password(db, monkeypatch):
    monkeypatch.setenv("LAIR_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError):
        output_of("create_admin", "--username", "root")
    monkeypatch.delenv("LAIR_ADMIN_PASSWORD")
    with pytest.raises(CommandError, match="LAIR_ADMIN_PASSWORD"):
        output_of("create_admin", "--username", "root")
    assert not User.objects.filter(username="root").exists()


def test_create_admin_twice_in_a_real_process_says_so_with_exit_code_1(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "LAIR_ADMIN_PASSWORD": STRONG}
    assert run("migrate", "--noinput", **env).returncode == 0
    first = run("create_admin", "--username", "root", **env)
    second = run("create_admin", "--username", "root", **env)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 1
    assert "exists already" in second.stderr


def test_createsuperuser_makes_a_site_admin(db):
    User.objects.create_superuser("boss", "boss@example.org", STRONG)
    assert User.objects.get(username="boss").is_site_admin
    assert User.objects.get(username="boss").role == User.Role.ADMIN


def test_stats_prints_the_admin_api_figures(db, alice, bob):
    figures = json.loads(output_of("stats", "--json"))
    assert figures == json.loads(json.dumps(site_stats()))
    assert figures["users"]["total"] == 2

    text = output_of("stats")
    assert text.splitlines()[0].startswith("Users:")
    assert "total 2" in text
    assert "connections 0" in text
