"""Small formatting helpers for the dashboard: ages, instants in shop time, the per-day chart as SVG."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from amzorders.app.views import DayCount


def age(seconds: float | None) -> str:
    """'3d 4h', '2h 5m', '45s': an age a human reads at a glance."""
    if seconds is None:
        return "–"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h}h {m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d {h}h"


def local(value: datetime | None, tz: str, seconds: bool = False) -> str:
    if value is None:
        return "–"
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def day_chart(days: Sequence[DayCount], width: int = 720, height: int = 200) -> Markup:
    """Grouped bars per day: orders on Amazon (for the shop) vs orders in the shop; a gap is visible."""
    pad_l, pad_b, pad_t = 34, 28, 12
    peak = max([1, *(max(d.on_amazon, d.in_shop) for d in days)])
    plot_w, plot_h = width - pad_l - 8, height - pad_b - pad_t
    slot = plot_w / max(1, len(days))
    bar = max(2.0, slot * 0.36)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Orders per day: on Amazon vs in the shop" xmlns="http://www.w3.org/2000/svg">'
    ]
    for frac in (0, 0.5, 1):
        y = pad_t + plot_h * (1 - frac)
        parts.append(f'<line x1="{pad_l}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(
            f'<text x="{pad_l - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{round(peak * frac)}</text>"
        )
    for i, d in enumerate(days):
        x = pad_l + i * slot + slot * 0.12
        for j, (value, cls) in enumerate(((d.on_amazon, "amazon"), (d.in_shop, "shop"))):
            h = plot_h * value / peak
            gap = " gap" if cls == "shop" and d.in_shop < d.on_amazon else ""
            parts.append(
                f'<rect class="{cls}{gap}" x="{x + j * bar:.1f}" y="{pad_t + plot_h - h:.1f}" '
                f'width="{bar - 1:.1f}" height="{h:.1f}"><title>{escape(d.day.isoformat())}: '
                f"{value} {'on Amazon' if cls == 'amazon' else 'in the shop'}</title></rect>"
            )
        if len(days) <= 16 or i % 2 == 0:
            parts.append(
                f'<text x="{x + bar:.1f}" y="{height - 10}" class="axis" text-anchor="middle">'
                f"{d.day.strftime('%d/%m')}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
