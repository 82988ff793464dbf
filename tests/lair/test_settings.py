"""The settings as an operator meets them: from the environment, safe in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Drop what the test settings put in the environment: the child reads the real defaults.
    ours = ("DJANGO_", "DEBUG", "SECRET_KEY", "SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="a-production-secret-that-is-long-and-random-9f8e7d6c5b4a39281706",
        ALLOWED_HOSTS="chat.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_server_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite tuning")
def test_sqlite_is_tuned_for_concurrent_writers():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_manage_py_in_an_unconfigured_checkout_runs_in_development_mode():
    if (ROOT / ".env").exists():
        pytest.skip("this checkout has a .env")
    result = run_manage("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_server_process_runs_with_the_configured_collector_thresholds():
    code = "import gc, lair.asgi; print(gc.get_threshold(), gc.get_freeze_count() > 10000)"
    ours = ("DJANGO_", "DEBUG", "SECRET_KEY")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(DEBUG="true", GC_THRESHOLDS="9000,40,30")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["(9000,", "40,", "30)", "True"], result.stdout + result.stderr


@pytest.mark.parametrize("value", ["10000,50", "a,b,c", "0,10,10"])
def test_bad_collector_thresholds_are_refused_with_a_clear_message(value):
    result = run_manage("check", DEBUG="true", GC_THRESHOLDS=value)
    assert result.returncode != 0
    assert "GC_THRESHOLDS is three positive integers" in result.stderr
