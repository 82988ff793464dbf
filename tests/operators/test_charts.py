"""The dashboard's server-side SVG charts."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

from operators.charts import bar_chart

DAYS = [(date(2026, 11, 3) + timedelta(days=n), n % 5) for n in range(30)]


def day_labels(svg: str) -> list[tuple[float, str]]:
    days = re.search(r'<g class="days"[^>]*>(.*?)</g>', svg, re.S)[1]
    return [
        (float(x), text) for x, text in re.findall(r'<text x="([\d.]+)"[^>]*>([^<]+)</text>', days)
    ]


def test_day_labels_never_overlap_and_the_last_day_is_named():
    labels = day_labels(
        str(bar_chart(DAYS, title="Messages per day", chart_id="m", unit="messages"))
    )
    positions = [x for x, _ in labels]
    assert labels[-1][1] == "Dec 2"
    assert min(b - a for a, b in itertools.pairwise(positions)) > 60  # "Nov 24" is ~35 px wide
