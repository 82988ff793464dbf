"""What rendering a message's html costs (messaging/rendering.py), per message.

    .venv/bin/python benchmarks/render.py [--rounds 7] [--number 2000]

Renders typical chat messages, each case ``--number`` times per round, and prints the
best of ``--rounds`` rounds in µs per message: ``render_content`` as posting and editing
call it, and ``render_markdown``, the full path (markdown-it-py, then nh3) that plain text
skips. One process, one thread, no database: the cost a write adds to its request.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from messaging.rendering import render_content, render_markdown

MENTIONS = {"alice": 2, "bob": 3}
WORDS = (
    "the deploy went fine but the cache was cold for a while so latency was high. "
    "we should warm it before the next release, what do you think? "
)
MARKDOWN_WORDS = (
    "the **deploy** went fine but `cache.warm()` was cold, see https://example.org/run/42 "
    "and ask @bob about the _next_ release.\n"
)
CASES = [
    ("plain short text", "ok, see you at the standup tomorrow!"),
    ("a link", "the failing run: https://ci.example.org/builds/4812?tab=logs"),
    ("a mention", "@alice can you review the migration before lunch?"),
    ("a code block", "try this:\n```python\nfor row in rows:\n    print(row['id'])\n```"),
    ("1000 chars, plain words", (WORDS * 10)[:1000].strip()),
    ("1000 chars, with Markdown", (MARKDOWN_WORDS * 10)[:1000].strip()),
]


def per_message_us(content: str, number: int, rounds: int) -> tuple[float, float]:
    """(render_content, render_markdown) µs per message: the best round of each, the two
    alternating so that a busy moment of the machine falls on both."""
    times: dict = {render_content: [], render_markdown: []}
    for _ in range(rounds):
        for render, runs in times.items():
            start = time.perf_counter()
            for _ in range(number):
                render(content, mentions=MENTIONS)
            runs.append((time.perf_counter() - start) / number * 1e6)
    return min(times[render_content]), min(times[render_markdown])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args()
    print(f"{'message':<28} {'chars':>5} {'render_content µs':>18} {'full path µs':>13}")
    for name, content in CASES:
        used, full = per_message_us(content, args.number, args.rounds)
        print(f"{name:<28} {len(content):>5} {used:>18.1f} {full:>13.1f}")


if __name__ == "__main__":
    main()
