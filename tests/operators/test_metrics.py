"""GET /api/v1/admin/metrics: Prometheus text that counts what really happened."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import UserFactory
from tests.helpers import API, assert_error, client_for, create_room, posted

TOKEN = "scraper-token-0123456789-abcdefghij"
METRICS = f"{API}/admin/metrics"


@pytest.fixture(autouse=True)
def _metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape() -> dict:
    """Every sample of one scrape by the metrics token: {(name, sorted labels): value}."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    response = client.get(METRICS)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_rooms_list_is_counted_under_its_route_pattern(alice):
    before = scrape()
    assert client_for(alice).get(f"{API}/rooms").status_code == 200
    after = scrape()
    labels = {"method": "GET", "route": "api/v1/rooms", "status": "200"}
    assert value(after, "lair_http_requests_total", **labels) == (
        value(before, "lair_http_requests_total", **labels) + 1
    )
    timed = {"method": "GET", "route": "api/v1/rooms"}
    assert value(after, "lair_http_request_duration_seconds_count", **timed) == (
        value(before, "lair_http_request_duration_seconds_count", **timed) + 1
    )
    assert value(after, "lair_db_query_duration_seconds_count") > value(
        before, "lair_db_query_duration_seconds_count"
    )


def test_ids_in_a_path_never_become_labels(alice):
    room_id = create_room(alice)
    client_for(alice).get(f"{API}/rooms/{room_id}/messages")
    routes = {dict(labels).get("route") for _, labels in scrape()}
    assert "api/v1/rooms/<id:room_id>/messages" in routes
    assert not any(route and f"rooms/{room_id}/" in route for route in routes)


def test_login_failures_and_successes_are_counted(user, password):
    before = scrape()
    anonymous = APIClient()
    wrong = {"username": user.username, "password": "not the password"}
    assert anonymous.post(f"{API}/auth/login", wrong, format="json").status_code == 401
    right = {"username": user.username, "password": password}
    assert anonymous.post(f"{API}/auth/login", right, format="json").status_code == 200
    after = scrape()
    for result in ("failure", "success"):
        assert value(after, "lair_logins_total", result=result) == (
            value(before, "lair_logins_total", result=result) + 1
        )


def test_a_posted_message_is_counted(alice):
    room_id = create_room(alice)
    before = scrape()
    posted(alice, room_id, "counted")
    after = scrape()
    assert value(after, "lair_messages_posted_total") == (
        value(before, "lair_messages_posted_total") + 1
    )


def test_a_refused_write_is_counted_under_its_rate_limit_scope(alice, runtime_config):
    runtime_config(message_rate_limit="1/60")
    room_id = create_room(alice)
    before = scrape()
    posted(alice, room_id, "first")
    assert (
        client_for(alice)
        .post(f"{API}/rooms/{room_id}/messages", {"content": "second"}, format="json")
        .status_code
        == 429
    )
    after = scrape()
    assert value(after, "lair_rate_limited_total", scope="message_user") == (
        value(before, "lair_rate_limited_total", scope="message_user") + 1
    )


def test_a_site_admin_reads_the_metrics(site_admin):
    response = client_for(site_admin).get(METRICS)
    assert response.status_code == 200
    assert b"lair_http_requests_total" in response.content


@pytest.mark.parametrize("role", [User.Role.USER, User.Role.MODERATOR, User.Role.GUEST])
def test_everyone_but_a_site_admin_is_refused(db, role):
    assert_error(client_for(UserFactory(role=role)).get(METRICS), 403, "permission_denied")


def test_a_wrong_metrics_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-the-scraper-token-0123456789")
    assert_error(client.get(METRICS), 403, "permission_denied")


def test_without_a_configured_token_a_token_opens_nothing(settings):
    settings.METRICS_TOKEN = ""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert_error(client.get(METRICS), 403, "permission_denied")


def test_anonymous_scrapes_are_asked_to_authenticate(db):
    assert_error(APIClient().get(METRICS), 401, "not_authenticated")


def test_the_metrics_endpoint_is_in_the_schema_as_text(site_admin):
    schema = client_for(site_admin).get(f"{API}/schema/?format=json").json()
    answers = schema["paths"]["/api/v1/admin/metrics"]["get"]["responses"]
    assert "text/plain" in answers["200"]["content"]
    assert {"401", "403"} <= set(answers)
