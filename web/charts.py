"""Tiny inline-SVG charts (bars and a line): no script, no CDN, every label escaped."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 360, 200, 34, 34, 12


def _frame(body: list[str], title: str, y_max: float, y_fmt) -> Markup:
    plot_h = HEIGHT - BOTTOM - TOP
    grid = []
    for i in range(5):
        value = y_max * i / 4
        y = TOP + plot_h - plot_h * i / 4
        grid.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 6}" y2="{y:.1f}" stroke="#e3e8ef"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(y_fmt(value))}</text>'
        )
    return Markup(
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(grid)}{''.join(body)}</svg>"
    )


def bar_chart(
    items: list[tuple[str, float]],
    title: str,
    y_max: float | None = None,
    y_fmt=lambda v: f"{v:g}",
    color: str = "#0f7b6c",
    value_fmt=None,
) -> Markup:
    """Vertical bars, one per ``(label, value)``."""
    if not items:
        return Markup('<p class="muted">暂无数据</p>')
    y_max = y_max or max(v for _, v in items) or 1
    plot_w, plot_h = WIDTH - LEFT - 6, HEIGHT - BOTTOM - TOP
    step = plot_w / len(items)
    bar_w = max(4.0, step * 0.7)
    body = []
    for i, (label, value) in enumerate(items):
        h = plot_h * min(value, y_max) / y_max
        x = LEFT + i * step + (step - bar_w) / 2
        shown = escape(value_fmt(value) if value_fmt else f"{value:g}")
        body.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}"'
            f' fill="{color}" rx="2"><title>{escape(label)}: {shown}</title></rect>'
        )
        if len(items) <= 12:
            body.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">'
                f"{escape(label[:8])}</text>"
            )
    return _frame(body, title, y_max, y_fmt)


def line_chart(
    points: list[tuple[str, float]], title: str, y_max: float = 100, color: str = "#1f618d"
) -> Markup:
    """A line through ``(label, value)`` points, in order."""
    if not points:
        return Markup('<p class="muted">暂无数据</p>')
    plot_w, plot_h = WIDTH - LEFT - 16, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(points) - 1, 1)
    coords = [
        (LEFT + 8 + i * step, TOP + plot_h - plot_h * min(v, y_max) / y_max)
        for i, (_, v) in enumerate(points)
    ]
    body = [
        f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        + '"/>'
    ]
    for (x, y), (label, value) in zip(coords, points, strict=True):
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"><title>{escape(label)}: {value:g}'
            "</title></circle>"
        )
    every = max(1, len(points) // 6)
    for i, ((x, _), (label, _)) in enumerate(zip(coords, points, strict=True)):
        if i % every == 0:
            body.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">'
                f"{escape(label[:10])}</text>"
            )
    return _frame(body, title, y_max, lambda v: f"{v:g}")
