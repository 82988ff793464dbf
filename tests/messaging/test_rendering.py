"""A message's ``html``: its content rendered once, on the server, for every reader.

Through the API as a client sees it: what Markdown becomes, what never gets
through (raw HTML, script links), who shows as a mention, and that edits,
deletes and the migration of older messages keep ``html`` in step with
``content``.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.models import Message
from messaging.rendering import render_content, render_markdown
from tests.helpers import API, client_for, get_message, history, my_rooms, posted

pytestmark = pytest.mark.django_db

REL = 'rel="noopener noreferrer nofollow"'


def html_of(user, room, content: str) -> str:
    return posted(user, room, content)["html"]


def test_emphasis_strong_strikethrough_and_inline_code_render(alice, room):
    assert html_of(alice, room, "*so* **very** ~~not~~ `x < y`") == (
        "<p><em>so</em> <strong>very</strong> <s>not</s> <code>x &lt; y</code></p>"
    )


def test_a_fenced_code_block_keeps_its_text_and_escapes_it(alice, room):
    assert html_of(alice, room, "```python\nif a < b:\n    print('<b>')\n```") == (
        "<pre><code>if a &lt; b:\n    print('&lt;b&gt;')\n</code></pre>"
    )


def test_quotes_lists_and_newlines_render(alice, room):
    assert html_of(alice, room, "> she said\n> twice\n\n- one\n- two\n\n1. first") == (
        "<blockquote>\n<p>she said<br>\ntwice</p>\n</blockquote>\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol>\n<li>first</li>\n</ol>"
    )


def test_headings_images_and_rules_stay_text(alice, room):
    assert html_of(alice, room, "# not a heading\n\n---") == "<p># not a heading</p>\n<p>---</p>"
    assert "<img" not in html_of(alice, room, "![cat](https://example.org/cat.png)")


def test_a_url_in_the_text_becomes_a_link_with_rel(alice, room):
    assert html_of(alice, room, "see https://example.org/a?b=1&c=2 now") == (
        f'<p>see <a href="https://example.org/a?b=1&amp;c=2" {REL}>'
        "https://example.org/a?b=1&amp;c=2</a> now</p>"
    )


def test_a_markdown_link_keeps_its_text_and_gets_rel(alice, room):
    assert html_of(alice, room, "[the docs](https://example.org/docs)") == (
        f'<p><a href="https://example.org/docs" {REL}>the docs</a></p>'
    )


def test_raw_html_shows_as_text(alice, room):
    assert html_of(alice, room, "<img src=x onerror=alert(1)>") == (
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>"
    )
    assert html_of(alice, room, "<script>alert(1)</script>") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        "[click](JavaScript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
        "[click](/relative/path)",
    ],
)
def test_links_other_than_http_https_and_mailto_lose_the_link_but_keep_the_text(alice, room, link):
    assert html_of(alice, room, link) == "<p>click</p>"


def test_autolinks_of_other_schemes_are_not_links(alice, room):
    html = html_of(alice, room, "<javascript:alert(1)> and <data:text/html,x>")
    assert "<a" not in html
    assert "href" not in html


def test_mailto_links_stay(alice, room):
    assert html_of(alice, room, "write to ops@example.org") == (
        f'<p>write to <a href="mailto:ops@example.org" {REL}>ops@example.org</a></p>'
    )


def test_a_member_mention_becomes_a_mention_element(alice, bob, room):
    message = posted(alice, room, "thanks @Bob.")

    assert message["html"] == (
        f'<p>thanks <span class="mention" data-user-id="{bob.pk}">@Bob</span>.</p>'
    )
    assert message["mentions"] == [bob.pk]


def test_a_non_member_mention_stays_text(alice, outsider, room):
    assert html_of(alice, room, f"hi @{outsider.username}") == f"<p>hi @{outsider.username}</p>"


def test_no_mention_element_inside_code_or_link_text(alice, bob, room):
    html = html_of(alice, room, "`@bob` and\n```\n@bob\n```\n[@bob](https://example.org)")

    assert 'class="mention"' not in html
    assert "<code>@bob</code>" in html


def test_an_edit_renders_the_new_text(alice, bob, carol, room):
    message = posted(alice, room, "hello @bob")
    url = f"{API}/messages/{message['id']}"

    response = client_for(alice).patch(url, {"content": "**bye** @carol"}, format="json")

    assert response.status_code == 200, response.content
    expected = (
        f'<p><strong>bye</strong> <span class="mention" data-user-id="{carol.pk}">@carol</span></p>'
    )
    assert response.json()["html"] == expected
    assert get_message(bob, message["id"])["html"] == expected
    assert history(bob, room)["results"][0]["html"] == expected


def test_a_deleted_message_has_no_html(alice, bob, room):
    message = posted(alice, room, "**secret**")

    assert client_for(alice).delete(f"{API}/messages/{message['id']}").status_code == 204

    assert get_message(bob, message["id"])["html"] == ""
    assert history(bob, room)["results"][0]["html"] == ""


def test_history_thread_search_and_room_list_carry_the_same_html(alice, bob, room):
    root = posted(alice, room, "root *one*")
    reply = posted(bob, room, "reply `two`", parent_id=root["id"])

    thread = client_for(alice).get(f"{API}/messages/{root['id']}/thread").json()
    found = client_for(alice).get(f"{API}/messages/search", {"q": "root"}).json()

    assert [m["html"] for m in history(alice, room)["results"]] == [reply["html"], root["html"]]
    assert [m["html"] for m in thread["results"]] == ["<p>reply <code>two</code></p>"]
    assert [r["message"]["html"] for r in found["results"]] == ["<p>root <em>one</em></p>"]
    assert my_rooms(alice)[room]["last_message"]["html"] == reply["html"]


def test_the_migration_renders_messages_stored_before_html(alice, bob, room):
    message = posted(alice, room, "old **news** for @bob")
    Message.objects.filter(pk=message["id"]).update(html="")
    assert get_message(bob, message["id"])["html"] == ""

    migration = importlib.import_module("messaging.migrations.0008_message_html")
    migration.render_existing(django_apps, connection.schema_editor())

    assert get_message(bob, message["id"])["html"] == (
        f'<p>old <strong>news</strong> for <span class="mention" data-user-id="{bob.pk}">'
        "@bob</span></p>"
    )


# The plain-text fast path skips the parser: it must give what the parser gives.
PLAIN_BITS = [
    "a",
    "Z",
    "é",
    "1",
    "10",
    " ",
    "  ",
    ".",
    ". ",
    "...",
    ",",
    "?",
    "!",
    "'",
    '"',
    "(",
    ")",
    ":)",
    "👍",
    "\u200d",
    "\ufe0f",
    "_",
    "*",
    "-",
    "+",
    "#",
    ">",
    "<",
    "&",
    "@",
    "`",
    "~",
    "[",
    "]",
    "\n",
    "\t",
    "\u00a0",
    "\u3000",
    "example.org",
    "www.",
    "http://",
    "1. ",
    "2) ",
    "    ",
    "&amp;",
]


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(
    content=st.one_of(
        st.lists(st.sampled_from(PLAIN_BITS), max_size=12).map("".join),
        st.text(max_size=30),
    )
)
def test_the_plain_text_fast_path_renders_as_the_parser_does(content):
    assert render_content(content, mentions={}) == (
        render_markdown(content, mentions={}) if content else ""
    )
