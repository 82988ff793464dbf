"""A message's ``html``: its ``content`` as a Markdown subset, sanitised by an allow-list.

Rendered once, when the text is written (messaging.services), and stored:
history pages, socket frames and pages all carry the same string, and no
read renders. Two steps, each enough on its own for the part it owns:

- markdown-it-py with raw HTML off (``<b>`` shows as text) and only the
  rules a chat needs; headings, images, tables and rules stay text. Links
  other than absolute http, https and mailto lose their link (the text stays).
- nh3 (ammonia) re-parses the result and keeps only the allow-listed tags
  and attributes, whatever the first step let through; every link gets
  ``rel="noopener noreferrer nofollow"``.

``@username`` of a mentioned member (the message's ``mentions``) becomes
``<span class="mention" data-user-id="N">``: an inline rule, so never in code
or inside a link.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

# The one definition of a mention: messaging.services finds whom to notify
# with it, the inline rule below marks the same names.
MENTION_PATTERN = re.compile(r"(?<![\w@.-])@([A-Za-z0-9_.-]{3,32})")

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")

TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "span",
}
LINK_REL = "noopener noreferrer nofollow"


def _mention(state: StateInline, silent: bool) -> bool:
    """``@name`` of a mentioned member -> a ``mention`` token (not in link text)."""
    pos = state.pos
    if state.src[pos] != "@" or state.linkLevel > 0:
        return False
    mentions = state.env.get("mentions")
    if not mentions:
        return False
    # The lookbehind sees the characters before pos: the same rule as on the raw text.
    match = MENTION_PATTERN.match(state.src, pos, state.posMax)
    if match is None:
        return False
    name = match.group(1)
    user_id = mentions.get(name.lower())
    if user_id is None:
        # "@alice." ends a sentence: the name is without the dots.
        name = name.rstrip(".")
        user_id = mentions.get(name.lower()) if len(name) >= 3 else None
        if user_id is None:
            return False
    if not silent:
        token = state.push("mention", "span", 0)
        token.content = "@" + name
        token.meta = {"user_id": user_id}
    state.pos = pos + 1 + len(name)
    return True


def _render_mention(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    return (
        f'<span class="mention" data-user-id="{int(token.meta["user_id"])}">'
        f"{html.escape(token.content)}</span>"
    )


def _is_allowed_link(href: str) -> bool:
    match = _SCHEME.match(href)
    return match is not None and match.group(1).lower() in ALLOWED_SCHEMES


def _drop_unsafe_links(state: StateCore) -> None:
    """Links to anything but http, https and mailto become their text alone.

    Relative links go too: a message is shown on pages and in clients whose
    base the author does not know.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        kept = []
        dropped_levels = []
        for token in block.children:
            if token.type == "link_open" and not _is_allowed_link(token.attrGet("href") or ""):
                dropped_levels.append(token.level)
                continue
            if token.type == "link_close" and dropped_levels and dropped_levels[-1] == token.level:
                dropped_levels.pop()
                continue
            kept.append(token)
        if len(kept) != len(block.children):
            block.children = kept


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": True})
    md.enable(["strikethrough", "linkify"])
    # Headings, setext headings, rules and images show as the text typed;
    # link reference definitions ("[1]: ...") would swallow a chat line.
    md.disable(["heading", "lheading", "hr", "image", "reference"])
    # Every scheme parses as a link here; _drop_unsafe_links decides which stay,
    # so a refused one keeps its text rather than showing the Markdown source.
    md.validateLink = lambda url: True
    md.inline.ruler.after("text", "mention", _mention)
    md.core.ruler.push("drop_unsafe_links", _drop_unsafe_links)
    md.add_render_rule("mention", _render_mention)
    return md


_MARKDOWN = _build_markdown()
_CLEANER = nh3.Cleaner(
    tags=TAGS,
    attributes={"a": {"href", "title"}, "ol": {"start"}, "span": {"data-user-id"}},
    allowed_classes={"span": {"mention"}},
    link_rel=LINK_REL,
    url_schemes=set(ALLOWED_SCHEMES),
)


# What makes a text more than one paragraph of itself: a character other
# than word characters, spaces, a few punctuation marks and emoji (so none of
# Markdown's or linkify's, no "&<>" to escape, no newline or other space);
# "_"; a "." inside a word (a domain); a leading or trailing space; a leading
# "1." or "1)" (a list). tests/messaging/test_rendering.py pins that text
# without them renders as the full path does. Separate simple scans: one
# pattern with alternatives costs as much as the parser on long text.
_OUTSIDE_PLAIN = re.compile(r"[^\w .,;?!'\"()\u200d\ufe0f\u2600-\u27bf\U0001f000-\U0001faff]")
_DOT_IN_WORD = re.compile(r"\.(?! |$)")
_LIST_START = re.compile(r"\d+[.)]")


def _is_plain(content: str) -> bool:
    return (
        content[0] != " "
        and content[-1] != " "
        and "_" not in content
        and _OUTSIDE_PLAIN.search(content) is None
        and ("." not in content or _DOT_IN_WORD.search(content) is None)
        and _LIST_START.match(content) is None
    )


def render_markdown(content: str, *, mentions: dict[str, int]) -> str:
    """The full path of :func:`render_content`: Markdown, then the sanitiser."""
    rendered = _MARKDOWN.render(content, {"mentions": mentions})
    return _CLEANER.clean(rendered).rstrip("\n")


def render_content(content: str, *, mentions: dict[str, int]) -> str:
    """The ``html`` of a message's ``content`` ("" for none).

    ``mentions`` maps each lower-cased username that is to show as a mention
    to that user's id: the members the message mentions. Most chat lines
    are plain words: those skip the parser (~70 µs, docs/PERFORMANCE.md)
    for the paragraph they would become.
    """
    if not content:
        return ""
    if _is_plain(content):
        return f"<p>{content}</p>"
    return render_markdown(content, mentions=mentions)
