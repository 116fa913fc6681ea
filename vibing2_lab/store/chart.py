"""A small hand-drawn SVG chart of tokens (bars) and cost (line) per day; no plotting library."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any, Mapping, Sequence

from ..errors import InputError

_INPUT, _OUTPUT, _COST, _INK, _GRID = "#4c78a8", "#9ecae9", "#e45756", "#444", "#ddd"
_FONT = "font-family='system-ui, sans-serif' font-size='11'"


@dataclass
class StatsChart:
    """An SVG chart that notebooks display inline (`_repr_svg_`, `_repr_html_`)."""

    svg: str

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return f"<div class='vibing2-lab-stats-chart'>{self.svg}</div>"


def stats_chart(rows: Sequence[Mapping[str, Any]], *, width: int = 560, height: int = 220) -> StatsChart:
    """Tokens (input and output, stacked bars) and cost (line) per day from `stats_by_day` rows."""
    if any("day" not in row for row in rows):
        raise InputError("The chart needs rows per day.", hint="Pass stats_by_day(store) (or stats_rows(store, by=('day',))).")
    left, right, top, bottom = 56, 56, 28, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
             f"viewBox='0 0 {width} {height}' role='img' aria-label='Tokens and cost per day'>",
             f"<text x='{left}' y='16' {_FONT} font-weight='600' fill='{_INK}'>Tokens and cost per day</text>"]
    if not rows:
        parts.append(f"<text x='{width / 2}' y='{height / 2}' text-anchor='middle' {_FONT} fill='#888'>No runs yet</text>")
        return StatsChart("".join(parts) + "</svg>")
    days = sorted(rows, key=lambda r: str(r["day"]))
    max_tokens = max(int(r.get("input_tokens") or 0) + int(r.get("output_tokens") or 0) for r in days) or 1
    max_cost = max(float(r.get("cost_usd") or 0) for r in days) or 1.0
    step = plot_w / len(days)
    bar = max(2.0, min(36.0, step * 0.6))
    base = top + plot_h
    parts += _axes(left, top, plot_w, plot_h, max_tokens, max_cost)
    points = []
    for i, r in enumerate(days):
        x = left + step * i + step / 2
        inp, out = int(r.get("input_tokens") or 0), int(r.get("output_tokens") or 0)
        h_in, h_out = plot_h * inp / max_tokens, plot_h * out / max_tokens
        title = escape(f"{r['day']}: {inp} in, {out} out, ${float(r.get('cost_usd') or 0):.4f}")
        parts.append(f"<g><title>{title}</title>"
                     f"<rect x='{x - bar / 2:.1f}' y='{base - h_in:.1f}' width='{bar:.1f}' height='{h_in:.1f}' fill='{_INPUT}'/>"
                     f"<rect x='{x - bar / 2:.1f}' y='{base - h_in - h_out:.1f}' width='{bar:.1f}' "
                     f"height='{h_out:.1f}' fill='{_OUTPUT}'/></g>")
        points.append((x, base - plot_h * float(r.get("cost_usd") or 0) / max_cost))
        if len(days) <= 8 or i % -(-len(days) // 8) == 0:  # at most ~8 date labels
            parts.append(f"<text x='{x:.1f}' y='{base + 14}' text-anchor='middle' {_FONT} fill='{_INK}'>"
                         f"{escape(str(r['day'])[5:])}</text>")
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts.append(f"<polyline points='{line}' fill='none' stroke='{_COST}' stroke-width='2'/>")
    parts += [f"<circle cx='{x:.1f}' cy='{y:.1f}' r='2.5' fill='{_COST}'/>" for x, y in points]
    parts += _legend(left, height - 6)
    return StatsChart("".join(parts) + "</svg>")


def _axes(left: int, top: int, w: float, h: float, max_tokens: int, max_cost: float) -> list[str]:
    out = []
    for frac in (0, 0.5, 1):
        y = top + h - h * frac
        out.append(f"<line x1='{left}' y1='{y:.1f}' x2='{left + w}' y2='{y:.1f}' stroke='{_GRID}'/>")
        out.append(f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end' {_FONT} fill='{_INPUT}'>"
                   f"{_short(max_tokens * frac)}</text>")
        out.append(f"<text x='{left + w + 6}' y='{y + 4:.1f}' {_FONT} fill='{_COST}'>${max_cost * frac:.2g}</text>")
    return out


def _legend(x: int, y: int) -> list[str]:
    items = [(_INPUT, "input tokens"), (_OUTPUT, "output tokens"), (_COST, "cost (USD)")]
    out = []
    for i, (colour, label) in enumerate(items):
        at = x + i * 120
        out.append(f"<rect x='{at}' y='{y - 9}' width='10' height='10' fill='{colour}'/>"
                   f"<text x='{at + 14}' y='{y}' {_FONT} fill='{_INK}'>{label}</text>")
    return out


def _short(n: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:.3g}{suffix}"
    return f"{n:.0f}"
