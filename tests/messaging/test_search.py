"""GET /messages/search: full-text search with the same tests on SQLite FTS5 and PostgreSQL.

Dates in filters are Slack-like and exclusive: ``after=2026-01-01`` starts on
January 2nd, ``before=2026-01-03`` ends when January 3rd begins.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lair.errors import ValidationError
from messaging.models import Message
from messaging.search import search_messages, search_query
from tests.helpers import (
    API,
    MESSAGE_KEYS,
    assert_error,
    client_for,
    create_room,
    found_ids,
    posted,
    search,
)


def results_of(user, **params) -> list[dict]:
    response = search(user, **params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def dated(user, room_id: int, content: str, when: datetime) -> int:
    message_id = posted(user, room_id, content)["id"]
    Message.objects.filter(pk=message_id).update(created_at=when)
    return message_id


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}], ids=["missing", "empty", "blank"])
def test_query_is_required(alice, room, params):
    error = assert_error(search(alice, **params), 400, "validation_error")

    assert "q" in error["details"]


def test_query_without_any_word_is_a_validation_error(alice, room):
    error = assert_error(search(alice, q="!!! ???"), 400, "validation_error")

    assert "q" in error["details"]


def test_query_longer_than_200_characters_is_a_validation_error(alice, room):
    assert_error(search(alice, q="word " * 41), 400, "validation_error")


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "Give 1-200 characters to search for."),
        ("   ", "Give 1-200 characters to search for."),
        ("word " * 41, "Give 1-200 characters to search for."),
        ("!!! ???", "The query has no words to search for."),
    ],
)
def test_the_search_selector_refuses_what_the_api_refuses(alice, room, q, message):
    """A page or a command that searches gets the API's answer: the rule is read once."""
    with pytest.raises(ValidationError) as refused:
        search_query(alice, {"q": q})

    assert refused.value.message == message
    assert "q" in refused.value.details
    assert search(alice, q=q).json()["error"]["message"] == message


def test_the_search_selector_finds_nothing_by_an_unknown_author(alice, room):
    posted(alice, room, "status update")

    query = search_query(alice, {"q": "status", "from": "@nobody"})

    assert search_messages(viewer=alice, query=query) == ([], False)


def test_message_is_found_by_a_word_as_soon_as_it_is_posted(alice, bob, room):
    message = posted(alice, room, "the quarterly budget is ready")
    posted(alice, room, "lunch anyone?")

    results = results_of(bob, q="budget")

    assert [r["message"]["id"] for r in results] == [message["id"]]
    assert set(results[0]) == {"message", "snippet"}
    assert set(results[0]["message"]) == MESSAGE_KEYS
    assert results[0]["message"]["content"] == "the quarterly budget is ready"


def test_search_is_case_insensitive(alice, room):
    message = posted(alice, room, "Deploy on FRIDAY")

    assert found_ids(alice, q="friday") == [message["id"]]
    assert found_ids(alice, q="DEPLOY") == [message["id"]]


def test_words_are_stemmed(alice, room):
    ran = posted(alice, room, "we run every morning")

    assert found_ids(alice, q="running") == [ran["id"]]
    assert found_ids(alice, q="runs") == [ran["id"]]


def test_every_word_of_the_query_must_match(alice, room):
    both = posted(alice, room, "red apples and green pears")
    posted(alice, room, "red cars")

    assert found_ids(alice, q="red pears") == [both["id"]]


def test_no_match_is_an_empty_page(alice, room):
    posted(alice, room, "nothing to see")

    assert search(alice, q="zebra").json() == {"results": [], "next": None, "previous": None}


def test_query_syntax_characters_are_plain_text(alice, room):
    message = posted(alice, room, "budget near deadline or not and more")

    for query in [
        'budget"',
        "budget*",
        "(budget)",
        "budget:",
        "-budget",
        "NEAR(budget)",
        "budget OR",
        "budget AND",
        "budget NOT",
        "budget & !",
    ]:
        assert found_ids(alice, q=query) == [message["id"]], query


def test_more_relevant_messages_rank_first(alice, room):
    strong = posted(alice, room, "deadline deadline deadline: the deadline moved")
    weak = posted(alice, room, "lunch is at noon, after the deadline meeting with everyone")

    assert found_ids(alice, q="deadline") == [strong["id"], weak["id"]]


def test_snippet_wraps_matches_in_mark(alice, room):
    posted(alice, room, "I was running late this morning")

    snippet = results_of(alice, q="run")[0]["snippet"]

    assert "<mark>running</mark>" in snippet
    assert "late" in snippet


def test_snippet_escapes_html_special_characters(alice, room):
    posted(alice, room, 'hello "fish" & chips')

    snippet = results_of(alice, q="hello")[0]["snippet"]

    assert "<mark>hello</mark>" in snippet
    assert "&amp;" in snippet
    assert "&quot;fish&quot;" in snippet


def test_snippet_shows_html_tags_of_the_content_escaped(alice, room):
    posted(alice, room, "<script>x</script> hello")

    snippet = results_of(alice, q="hello")[0]["snippet"]

    assert "<mark>hello</mark>" in snippet
    assert "&lt;script&gt;" in snippet
    assert "<script>" not in snippet


def test_message_content_in_results_is_the_raw_text(alice, room):
    posted(alice, room, "<i>hello</i>")

    assert results_of(alice, q="hello")[0]["message"]["content"] == "<i>hello</i>"


def test_public_room_messages_are_found_by_non_members(alice, room, outsider):
    message = posted(alice, room, "public announcement")

    assert found_ids(outsider, q="announcement") == [message["id"]]


def test_private_room_messages_are_never_found_by_outsiders(alice, bob, private_room, outsider):
    secret = posted(alice, private_room, "the secret password")

    assert found_ids(outsider, q="secret") == []
    assert found_ids(outsider, q="password") == []
    assert found_ids(bob, q="secret") == [secret["id"]]


def test_deleted_messages_are_never_found(alice, room):
    message = posted(alice, room, "embarrassing typo")
    assert found_ids(alice, q="embarrassing") == [message["id"]]

    assert client_for(alice).delete(f"{API}/messages/{message['id']}").status_code == 204

    assert found_ids(alice, q="embarrassing") == []
    assert found_ids(alice, q="typo") == []


def test_edited_message_is_found_by_its_new_words_only(alice, room):
    message = posted(alice, room, "original wording")

    client_for(alice).patch(
        f"{API}/messages/{message['id']}", {"content": "revised phrasing"}, format="json"
    )

    assert found_ids(alice, q="original") == []
    assert found_ids(alice, q="revised") == [message["id"]]


def test_room_filter_limits_results_to_that_room(alice, room):
    other = create_room(alice, name="other")
    here = posted(alice, room, "release notes")
    posted(alice, other, "release party")

    assert found_ids(alice, q="release", room=room) == [here["id"]]


def test_room_filter_with_an_unknown_room_is_404(alice, room):
    assert_error(search(alice, q="x", room=room + 999), 404, "not_found")


def test_room_filter_with_an_invisible_private_room_is_404(alice, private_room, outsider):
    posted(alice, private_room, "secret plans")

    assert_error(search(outsider, q="secret", room=private_room), 404, "not_found")


def test_room_filter_that_is_not_a_number_is_a_validation_error(alice, room):
    error = assert_error(search(alice, q="x", room="abc"), 400, "validation_error")

    assert "room" in error["details"]


def test_from_filter_limits_results_to_one_author(alice, bob, room):
    posted(alice, room, "status update from alice")
    bobs = posted(bob, room, "status update from bob")

    assert found_ids(alice, q="status", **{"from": "bob"}) == [bobs["id"]]
    assert found_ids(alice, q="status", **{"from": "@BOB"}) == [bobs["id"]]


def test_from_filter_matches_usernames_not_email_addresses(alice, bob, room):
    """Emails are private: searching by one must not reveal whose address it is."""
    posted(bob, room, "status update from bob")

    assert found_ids(alice, q="status", **{"from": bob.email}) == []


def test_from_filter_with_an_unknown_username_finds_nothing(alice, room):
    posted(alice, room, "status update")

    assert found_ids(alice, q="status", **{"from": "nobody"}) == []


def test_from_filter_with_a_nul_character_is_a_validation_error(alice, room):
    posted(alice, room, "status update")

    response = search(alice, q="status", **{"from": "al\x00ice"})

    error = assert_error(response, 400, "validation_error")
    assert error["message"] == "NUL characters are not allowed in URLs."


@pytest.fixture
def three_days(alice, room):
    """One 'standup' message at noon UTC on Jan 1st, 2nd and 3rd 2026: their ids."""
    return [
        dated(alice, room, f"standup notes {day}", datetime(2026, 1, day, 12, tzinfo=UTC))
        for day in (1, 2, 3)
    ]


def test_after_a_date_starts_the_next_day(alice, three_days):
    _jan1, jan2, jan3 = three_days

    assert sorted(found_ids(alice, q="standup", after="2026-01-01")) == [jan2, jan3]
    assert found_ids(alice, q="standup", after="2026-01-02") == [jan3]
    assert found_ids(alice, q="standup", after="2026-01-03") == []


def test_before_a_date_ends_when_that_day_begins(alice, three_days):
    jan1, jan2, _jan3 = three_days

    assert sorted(found_ids(alice, q="standup", before="2026-01-03")) == [jan1, jan2]
    assert found_ids(alice, q="standup", before="2026-01-02") == [jan1]
    assert found_ids(alice, q="standup", before="2026-01-01") == []


def test_after_and_before_together_give_the_days_between(alice, three_days):
    _jan1, jan2, _jan3 = three_days

    assert found_ids(alice, q="standup", after="2026-01-01", before="2026-01-03") == [jan2]


def test_iso_times_filter_from_that_instant(alice, three_days):
    jan1, jan2, jan3 = three_days

    assert sorted(found_ids(alice, q="standup", after="2026-01-02T12:00:00Z")) == [jan2, jan3]
    assert found_ids(alice, q="standup", before="2026-01-01T12:00:01Z") == [jan1]
    assert found_ids(alice, q="standup", before="2026-01-01T12:00:00Z") == []


def test_iso_times_with_an_offset_are_compared_as_instants(alice, three_days):
    jan1, jan2, jan3 = three_days

    # 13:00 at +02:00 is 11:00 UTC: before the noon (UTC) message of Jan 2nd.
    assert sorted(found_ids(alice, q="standup", after="2026-01-02T13:00:00+02:00")) == [
        jan2,
        jan3,
    ]
    # 11:00 at -02:00 is 13:00 UTC: after the noon (UTC) message of Jan 1st.
    assert found_ids(alice, q="standup", before="2026-01-01T11:00:00-02:00") == [jan1]


def test_a_message_at_midnight_belongs_to_the_day_it_starts(alice, room):
    midnight = dated(alice, room, "midnight release", datetime(2026, 1, 2, tzinfo=UTC))

    assert found_ids(alice, q="release", before="2026-01-02") == []
    assert found_ids(alice, q="release", before="2026-01-03") == [midnight]
    assert found_ids(alice, q="release", after="2026-01-01") == [midnight]
    assert found_ids(alice, q="release", after="2026-01-02") == []


@pytest.mark.parametrize("param", ["before", "after"])
@pytest.mark.parametrize("value", ["yesterday", "2026-13-45", "2026/01/01"])
def test_bad_dates_are_validation_errors(alice, room, param, value):
    error = assert_error(search(alice, q="x", **{param: value}), 400, "validation_error")

    assert param in error["details"]


def test_results_page_with_next_links_without_gaps_or_duplicates(alice, room, many_posts):
    ids = {posted(alice, room, f"weekly report {i}")["id"] for i in range(25)}
    client = client_for(alice)

    seen, url, pages = [], f"{API}/messages/search?q=report&limit=10", 0
    while url:
        page = client.get(url).json()
        seen += [r["message"]["id"] for r in page["results"]]
        url, pages = page["next"], pages + 1

    assert pages == 3
    assert len(seen) == 25
    assert set(seen) == ids


def test_first_result_page_links_to_the_next_offset(alice, room):
    for i in range(3):
        posted(alice, room, f"report {i}")

    page = search(alice, q="report", limit=2).json()

    assert len(page["results"]) == 2
    assert "offset=2" in page["next"]
    assert page["previous"] is None
    second = client_for(alice).get(page["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] is not None


def test_default_search_page_holds_20_results(alice, room, many_posts):
    for i in range(21):
        posted(alice, room, f"digest {i}")

    page = search(alice, q="digest").json()

    assert len(page["results"]) == 20
    assert page["next"] is not None


def test_huge_offset_is_a_validation_error(alice, room):
    posted(alice, room, "report")

    response = search(alice, q="report", offset="99999999999999999999999")

    error = assert_error(response, 400, "validation_error")
    assert "offset" in error["details"], error
