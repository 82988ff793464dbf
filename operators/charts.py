"""Charts of the admin dashboard, drawn on the server as SVG.

Server-side SVG needs no JavaScript library (nothing to vendor, nothing the
Content-Security-Policy must allow) and reads in any browser, also with a
screen reader: each chart carries a title and a description, and each bar a
tooltip with its day and value.
"""

from __future__ import annotations

from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 28


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (axis top)."""
    if value <= 0:
        return 1
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def bar_chart(
    points: list[tuple[date, int]], *, title: str, chart_id: str, unit: str
) -> SafeString:
    """An accessible SVG bar chart of one value per day, oldest day on the left.

    ``chart_id`` makes the ids of its title and description unique on the page;
    ``unit`` names what a bar counts ("messages") in its tooltip.
    """
    top = _nice_ceiling(max((value for _, value in points), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1)
    total = sum(value for _, value in points)
    first = points[0][0].isoformat() if points else ""
    last = points[-1][0].isoformat() if points else ""

    bars = []
    for index, (day, value) in enumerate(points):
        height = plot_h * value / top
        bars.append(
            (
                f"{LEFT + index * slot + (slot - bar_w) / 2:.1f}",
                f"{TOP + plot_h - height:.1f}",
                f"{bar_w:.1f}",
                f"{height:.1f}",
                f"{day.isoformat()}: {value} {unit}",
            )
        )
    labels = [
        (f"{LEFT + index * slot + slot / 2:.1f}", day.strftime("%b %-d"))
        for index, (day, _) in enumerate(points)
        # Weekly from the newest day back: today is always named, and no two
        # labels are closer than a week (the first and last would collide).
        if (len(points) - 1 - index) % 7 == 0
    ]
    return format_html(
        '<svg class="lair-chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{total} {unit} from {first} to {last}, one bar per day.</desc>'
        '<g class="axis" stroke="currentColor" stroke-opacity="0.3">'
        '<line x1="{left}" y1="{base}" x2="{right}" y2="{base}"/>'
        '<line x1="{left}" y1="{top}" x2="{right}" y2="{top}" stroke-dasharray="3 3"/>'
        "</g>"
        '<g class="ticks" fill="currentColor" font-size="11" text-anchor="end">'
        '<text x="{tick_x}" y="{base}" dy="4">0</text>'
        '<text x="{tick_x}" y="{top}" dy="4">{top_value}</text>'
        "</g>"
        '<g class="bars" fill="#417690">{bars}</g>'
        '<g class="days" fill="currentColor" font-size="11" text-anchor="middle">{labels}</g>'
        "</svg>",
        w=WIDTH,
        h=HEIGHT,
        id=chart_id,
        title=title,
        total=total,
        unit=unit,
        first=first,
        last=last,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        base=TOP + plot_h,
        tick_x=LEFT - 6,
        top_value=top,
        bars=format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            bars,
        ),
        labels=format_html_join("", '<text x="{}" y="' + str(HEIGHT - 8) + '">{}</text>', labels),
    )
