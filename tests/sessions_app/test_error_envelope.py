"""Errors of the auth and session endpoints always come in the envelope."""

from __future__ import annotations

import pytest

from tests.helpers import assert_error

AUTH = "/api/v1/auth"


@pytest.mark.django_db
def test_malformed_json_is_a_parse_error(api):
    response = api.post(AUTH + "/login", b'{"username": ', content_type="application/json")

    assert_error(response, 400, "parse_error")


@pytest.mark.django_db
@pytest.mark.parametrize("body", [[], "just a string", 42, None])
def test_a_body_that_is_not_an_object_is_a_validation_error(api, body):
    response = api.post(AUTH + "/login", body, format="json")

    assert_error(response, 400, "validation_error")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login", "/register", "/refresh"])
def test_get_on_a_post_only_endpoint_is_method_not_allowed(api, path):
    assert_error(api.get(AUTH + path), 405, "method_not_allowed")


@pytest.mark.django_db
def test_an_unknown_auth_path_is_not_found(api):
    assert_error(api.post(AUTH + "/nope", {}, format="json"), 404, "not_found")


@pytest.mark.django_db
def test_a_non_json_content_type_is_unsupported(api):
    response = api.post(AUTH + "/login", "username=a&password=b", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/sessions"),
        ("get", "/api/v1/sessions/current"),
        ("delete", "/api/v1/sessions/1"),
        ("post", "/api/v1/sessions/cleanup"),
        ("post", "/api/v1/auth/logout"),
        ("post", "/api/v1/auth/password"),
    ],
)
def test_endpoints_that_need_a_user_answer_401_not_authenticated(api, method, path):
    response = getattr(api, method)(path)

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
