"""Two real server processes sharing one PROMETHEUS_MULTIPROC_DIR: a scrape of either
adds up the requests both served."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "two-process-scraper-token-0123456789"
REQUESTS_EACH = 7

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_server(env: dict, log) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "lair.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--lifespan", "off", "--no-access-log"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process, url: str, log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    log.seek(0)
    raise RuntimeError(f"server did not start:\n{log.read().decode()[-3000:]}")


def health_requests(url: str) -> float:
    """lair_http_requests_total of GET /api/v1/health with 200, from one scrape of ``url``."""
    answer = httpx.get(
        url + "/api/v1/admin/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "lair_http_requests_total" and sample.labels == {
                "method": "GET",
                "route": "api/v1/health",
                "status": "200",
            }:
                return sample.value
    return 0.0


@pytest.fixture
def two_servers(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "lair.settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    (tmp_path / "metrics").mkdir()
    logs = [open(tmp_path / f"server-{i}.log", "w+b") for i in range(2)]  # noqa: SIM115
    servers = [start_server(env, log) for log in logs]
    try:
        for (process, url), log in zip(servers, logs, strict=True):
            wait_ready(process, url, log)
        yield [url for _, url in servers]
    finally:
        for process, _ in servers:
            process.terminate()
        for process, _ in servers:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        for log in logs:
            log.close()


def test_a_scrape_of_one_process_adds_up_the_requests_of_both(two_servers):
    first, second = two_servers
    before = health_requests(first)
    for url in (first, second):
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(REQUESTS_EACH):
                assert client.get("/api/v1/health").status_code == 200
    assert health_requests(first) == before + 2 * REQUESTS_EACH
    assert health_requests(second) == before + 2 * REQUESTS_EACH
