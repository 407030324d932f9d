"""Charts drawn on the server as SVG: no script, no build step. Each is an image with a title and a text
description (role="img", aria-labelledby), and every page shows the same numbers as a table beside it.
Series differ by line style as well as colour, and the colours keep 3:1 against white (WCAG 1.4.11)."""
import itertools
import math

from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 36
STYLES = (("#1f5fbf", ""), ("#0f7a55", "6 4"), ("#8a5a00", "2 3"), ("#b42318", "10 3 2 3"))
_ids = itertools.count(1)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _integer_top(value: float) -> int:
    """A top for counts whose four ticks are whole numbers: 2 -> 4, 7 -> 8, 130 -> 200."""
    step = max(1, math.ceil(value / 4))
    magnitude = 10 ** (len(str(step)) - 1)
    for nice in (1, 2, 5, 10):
        if step <= nice * magnitude:
            return 4 * nice * magnitude
    return 4 * step


def _frame(title: str, desc: str, body: list[str], height: int = HEIGHT) -> Markup:
    number = next(_ids)
    return Markup(
        f'<svg class="report-chart" role="img" viewBox="0 0 {WIDTH} {height}" aria-labelledby="chart{number}-t '
        f'chart{number}-d" xmlns="http://www.w3.org/2000/svg"><title id="chart{number}-t">{escape(title)}</title>'
        f'<desc id="chart{number}-d">{escape(desc)}</desc>{"".join(body)}</svg>')


def describe(labels, series) -> str:
    """One sentence per series: its first and last value, and its highest point."""
    parts = []
    for name, values, fmt in series:
        known = [(label, v) for label, v in zip(labels, values) if v is not None]
        if not known:
            parts.append(_("%(series)s: no data.", series=name))
            continue
        top = max(known, key=lambda item: item[1])
        parts.append(_("%(series)s: %(first)s at the start, %(last)s at the end, highest %(top)s (%(when)s).",
                       series=name, first=fmt(known[0][1]), last=fmt(known[-1][1]), top=fmt(top[1]), when=top[0]))
    return " ".join(parts)


def _tick(value: float) -> str:
    return f"{value:g}"


def line_chart(labels: list[str], series: list[tuple], *, title: str, axis=_tick, integers: bool = False
               ) -> Markup:
    """`series`: [(name, values, format)] over the same `labels`; `axis` formats the y-axis ticks;
    `integers`: counts, whose ticks stay whole numbers."""
    values = [v for _n, vs, _f in series for v in vs if v is not None]
    highest = max(values) if values else 0
    top = _integer_top(highest) if integers else _nice_max(highest)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(labels), 1)

    def x(i):
        return LEFT + (plot_w * (i + 0.5) / count)

    def y(v):
        return TOP + plot_h - plot_h * v / top

    body = _axes(labels, top, x, y, axis)
    for (_name, vals, _fmt), (colour, dash) in zip(series, itertools.cycle(STYLES)):
        body.extend(_lines([None if v is None else (x(i), y(v)) for i, v in enumerate(vals)], colour, dash))
    return _frame(title, describe(labels, series), body)


def _axes(labels, top, x, y, axis) -> list[str]:
    """Five horizontal grid lines with their values, and the first, middle and last labels below."""
    body, count = [], max(len(labels), 1)
    for step in range(5):
        tick = top * step / 4
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                    f'stroke="#d6dbe3" stroke-width="1"/>'
                    f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="#4b5565">{escape(axis(tick))}</text>')
    for i in sorted({0, count // 2, count - 1}) if labels else ():
        anchor = "start" if i == 0 and count > 1 else "end" if i == count - 1 and count > 1 else "middle"
        body.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}" font-size="11" '
                    f'fill="#4b5565">{escape(labels[i])}</text>')
    return body


def _lines(points, colour: str, dash: str) -> list[str]:
    """A polyline per run of known points (a gap where a value is missing; a lone point as a dot)."""
    body, segment = [], []
    for point in [*points, None]:
        if point is not None:
            segment.append(f"{point[0]:.1f},{point[1]:.1f}")
            continue
        if len(segment) == 1:
            cx, cy = segment[0].split(",")
            body.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
        elif segment:
            body.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
                        f'stroke-width="2.5" stroke-dasharray="{dash}" stroke-linejoin="round"/>')
        segment = []
    return body


def bar_chart(items: list[tuple], *, title: str, fmt=str) -> Markup:
    """Horizontal bars: [(label, value)], largest first as given."""
    row, label_w = 26, 180
    height = TOP + row * max(len(items), 1) + 8
    top = max([v for _l, v in items] + [0]) or 1
    body = []
    for i, (label, value) in enumerate(items):
        y = TOP + i * row
        width = (WIDTH - label_w - 70) * value / top
        text = str(label) if len(str(label)) <= 26 else str(label)[:25] + "…"
        body.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="12" fill="#1d2330">'
                    f'{escape(text)}</text><rect x="{label_w}" y="{y + 4}" width="{width:.1f}" height="16" '
                    f'fill="#1f5fbf"/><text x="{label_w + width + 6:.1f}" y="{y + 16}" font-size="12" '
                    f'fill="#1d2330">{escape(fmt(value))}</text>')
    top_item = max(items, key=lambda item: item[1]) if items else None
    desc = (_("%(count)d bars; the largest is %(label)s with %(value)s.", count=len(items), label=top_item[0],
              value=fmt(top_item[1])) if top_item else _("No data."))
    return _frame(title, desc, body, height)


def legend(series: list[tuple]) -> Markup:
    """The key of a line chart, as an HTML list (line style shown in a small inline SVG)."""
    entries = []
    for (name, *_rest), (colour, dash) in zip(series, itertools.cycle(STYLES)):
        entries.append(f'<li><svg width="28" height="10" aria-hidden="true" focusable="false"><line x1="0" x2="28" '
                       f'y1="5" y2="5" stroke="{colour}" stroke-width="3" stroke-dasharray="{dash}"/></svg> '
                       f'{escape(name)}</li>')
    return Markup(f'<ul class="report-legend">{"".join(entries)}</ul>')
