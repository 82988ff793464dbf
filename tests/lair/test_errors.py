"""Every error under /api/ answers the envelope of API.md, never a 500 page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import assert_error

pytestmark = pytest.mark.django_db


assert_envelope = assert_error


def test_malformed_json_is_a_parse_error():
    response = Client().post(
        "/api/v1/auth/login", data='{"username": "a", ', content_type="application/json"
    )
    assert_envelope(response, 400, "parse_error")


def test_json_that_is_not_an_object_is_a_validation_error():
    response = Client().post("/api/v1/auth/login", data="[1, 2]", content_type="application/json")
    assert_envelope(response, 400, "validation_error")


def test_wrong_content_type_is_415():
    response = Client().post("/api/v1/auth/login", data="username=a", content_type="text/plain")
    assert_envelope(response, 415, "unsupported_media_type")


def test_wrong_method_is_405():
    response = Client().delete("/api/v1/auth/login")
    assert_envelope(response, 405, "method_not_allowed")


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing", "/api/v1/sessions/999999x", "/api/v2/health", "/api/"]
)
def test_unknown_api_urls_are_404_in_the_envelope(path):
    assert_envelope(Client().get(path), 404, "not_found")


def test_unknown_api_url_is_404_envelope_even_in_debug(settings):
    settings.DEBUG = True
    assert_envelope(Client().get("/api/v1/nope"), 404, "not_found")


def test_oversized_json_body_is_413_before_it_is_read(settings):
    settings.MAX_JSON_BODY_BYTES = 1024
    body = '{"username": "' + "a" * 2000 + '", "password": "x"}'
    response = Client().post("/api/v1/auth/login", data=body, content_type="application/json")
    error = assert_envelope(response, 413, "payload_too_large")
    assert error["details"] == {"limit": 1024}


def test_missing_fields_name_each_field():
    response = Client().post("/api/v1/auth/login", data={}, content_type="application/json")
    error = assert_envelope(response, 400, "validation_error")
    assert set(error["details"]) == {"username", "password"}


def test_no_credentials_is_401_not_authenticated():
    response = Client().get("/api/v1/users/profile")
    assert_envelope(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer not-a-jwt", "Bearer a.b.c", "Bearer one two", "Bearer \u00e9t\u00e9"],
)
def test_malformed_bearer_tokens_are_401_token_invalid(header):
    response = Client().get("/api/v1/users/profile", HTTP_AUTHORIZATION=header)
    assert_envelope(response, 401, "token_invalid")


def test_a_crash_under_api_answers_the_server_error_envelope(settings):
    settings.ROOT_URLCONF = "tests.lair.boom_urls"
    response = Client(raise_request_exception=False).get("/api/v1/boom")
    assert_envelope(response, 500, "server_error")


def test_trailing_slash_and_none_both_work_without_redirect():
    for path in ("/api/v1/health", "/api/v1/health/"):
        assert Client().get(path).status_code == 200
    for path in ("/api/v1/auth/login", "/api/v1/auth/login/"):
        response = Client().post(path, data={}, content_type="application/json")
        assert response.status_code == 400


@pytest.mark.parametrize(
    "path", ["/api/v1/users?q=a%00b", "/api/v1/rooms/search?q=%00", "/api/v1/health%00"]
)
def test_nul_characters_in_urls_are_a_validation_error(path):
    assert_envelope(Client().get(path), 400, "validation_error")
