"""One shape per view of a user: the selectors build it, every answer carries it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts import selectors
from accounts.models import UserSettings
from accounts.serializers import MeSerializer, PublicUserSerializer
from tests.factories import UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users"

OWN_FIELDS = [
    "id",
    "username",
    "email",
    "display_name",
    "bio",
    "avatar_url",
    "role",
    "presence",
    "status_text",
    "timezone",
    "date_joined",
]
PUBLIC_FIELDS = [
    "id",
    "username",
    "display_name",
    "bio",
    "avatar_url",
    "role",
    "presence",
    "status_text",
    "last_seen",
]


@pytest.fixture
def seen_user(db):
    return UserFactory(
        username="carol",
        bio="hi",
        status_text="here",
        last_seen=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    )


def test_the_own_profile_shape_is_pinned_and_shared_by_every_answer(seen_user):
    client = client_for(seen_user)

    read = client.get(f"{USERS}/profile").json()
    written = client.patch(f"{USERS}/profile", {}, format="json").json()

    assert list(read) == OWN_FIELDS
    assert read == written == MeSerializer(seen_user).data == selectors.profile_of(seen_user)
    assert read["date_joined"].endswith("Z")


def test_the_public_shape_is_pinned_and_shared_by_every_answer(seen_user):
    viewer = client_for(UserFactory())

    one = viewer.get(f"{USERS}/{seen_user.pk}").json()
    listed = viewer.get(USERS, {"q": "carol"}).json()["results"]

    assert list(one) == PUBLIC_FIELDS
    assert listed == [one]
    assert one == PublicUserSerializer(seen_user).data == selectors.public_profile_of(seen_user)
    assert one["last_seen"] == "2026-12-01T09:30:00.000000Z"
    assert "email" not in one


def test_a_user_hiding_presence_is_offline_without_last_seen_to_others(seen_user):
    UserSettings.objects.filter(user=seen_user).update(show_presence=False)
    seen_user.refresh_from_db()

    public = client_for(UserFactory()).get(f"{USERS}/{seen_user.pk}").json()

    assert public["presence"] == "offline"
    assert public["last_seen"] is None


# Query pins: the directory reads its page (users with their settings) in one query,
# however many users it shows; presence comes from the cache in two round trips.


@pytest.mark.parametrize(
    ("params", "shown"), [({}, 26), ({"q": "member"}, 25)], ids=["plain", "search"]
)
def test_the_user_directory_takes_one_query_for_a_page_of_25(
    params, shown, django_assert_num_queries
):
    viewer = UserFactory(username="viewer")
    for number in range(25):
        UserFactory(username=f"member{number:02d}")
    client = client_for(viewer)

    with django_assert_num_queries(1):
        response = client.get(USERS, params)

    assert response.status_code == 200
    assert len(response.json()["results"]) == shown
