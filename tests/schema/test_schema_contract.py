"""The OpenAPI schema says what the API really does: list shapes, media types, statuses."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/users",
    "/api/v1/rooms",
    "/api/v1/rooms/search",
    "/api/v1/rooms/{room_id}/members",
    "/api/v1/invitations",
    "/api/v1/sessions",
]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


@pytest.mark.parametrize("path", LISTS)
def test_every_list_is_documented_as_a_page_of_results(schema, path):
    answer = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    page = resolve(schema, answer["schema"])

    assert page["type"] == "object"
    assert set(page["required"]) == {"results", "next", "previous"}
    assert page["properties"]["results"]["type"] == "array"


def test_only_the_avatar_upload_advertises_multipart(schema):
    multipart = {
        (path, method)
        for path, method, operation in operations(schema)
        for media in operation.get("requestBody", {}).get("content", {})
        if media != "application/json"
    }

    assert multipart == {("/api/v1/users/avatar", "post")}


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/api/v1/users/avatar", "post", "400"),
        ("/api/v1/users/avatar", "post", "413"),
        ("/api/v1/auth/register", "post", "409"),
        ("/api/v1/rooms/{room_id}/invitations", "post", "409"),
        ("/api/v1/rooms/{room_id}/messages", "post", "409"),
        ("/api/v1/rooms", "post", "415"),
    ],
)
def test_statuses_the_operation_answers_are_documented(schema, path, method, status):
    assert status in schema["paths"][path][method]["responses"]


def test_a_full_patch_body_keeps_its_required_fields(schema):
    def required(path):
        body = schema["paths"][path]["patch"]["requestBody"]["content"]["application/json"]
        return set(resolve(schema, body["schema"]).get("required", []))

    assert required("/api/v1/rooms/{room_id}/members/{user_id}") == {"role"}
    assert required("/api/v1/messages/{message_id}") == {"content"}
    assert required("/api/v1/users/profile") == set()


def test_path_ids_are_documented_with_their_bounds(schema):
    parameters = schema["paths"]["/api/v1/rooms/{room_id}/members/{user_id}"]["delete"][
        "parameters"
    ]
    for parameter in parameters:
        if parameter["in"] == "path":
            assert parameter["schema"]["maximum"] == 2**63 - 1


def test_message_content_documents_its_character_rule(schema):
    body = resolve(schema, {"$ref": "#/components/schemas/MessagePostRequest"})
    content = body["properties"]["content"]

    # The default a client can count on; operators change it at runtime (max_message_length).
    assert content["maxLength"] == 4000
    assert "pattern" in content
    assert "Control characters" in content["description"]
