"""Error answers of the pages are pages: a browser user gets words, not the API's JSON."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.helpers import browser_of

pytestmark = pytest.mark.django_db


def test_an_oversized_upload_on_a_page_is_an_html_page_that_says_what_to_do(alice):
    too_big = settings.MAX_UPLOAD_BODY_BYTES + 1
    response = browser_of(alice).generic(
        "POST",
        "/settings/",
        b"x" * too_big,
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "too large" in response.text.lower()


def test_an_oversized_api_body_keeps_the_error_envelope(alice):
    response = browser_of(alice).generic(
        "POST",
        "/api/v1/users/avatar",
        b"x" * (settings.MAX_UPLOAD_BODY_BYTES + 1),
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_unknown_page_is_an_html_404(alice):
    response = browser_of(alice).get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_early_refusals_of_pages_carry_the_security_headers(alice):
    browser = browser_of(alice)
    too_big = browser.generic(
        "POST",
        "/settings/",
        b"x" * (settings.MAX_UPLOAD_BODY_BYTES + 1),
        content_type="multipart/form-data; boundary=xyz",
    )
    nul = browser.get("/rooms/1/?q=%00")
    for response in (too_big, nul):
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
    assert nul.status_code == 400
    assert nul["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
def test_pages_answer_only_their_methods(alice, bob, method):
    browser = browser_of(alice)
    pages = ("/", "/rooms/browse/", f"/direct/{bob.username}/", "/search/?q=a", "/invitations/")
    for path in (*pages, "/rooms/new/", "/settings/sessions/"):
        assert browser.generic(method, path).status_code == 405, (method, path)
    # OPTIONS on the direct page must not have created the direct room.
    assert not alice.memberships.exists()
