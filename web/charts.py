"""Charts as standalone SVG images, drawn by pygal; imported only when a chart is asked for.

A chart is served as its own ``image/svg+xml`` response and shown with ``<img>``: an image runs
no script, and the page around it keeps its strict policy. pygal writes its styles into the SVG
(``<style>`` and ``style`` attributes), so the image's own response allows inline styles and
nothing else. Every chart stands beside a table of the same numbers for screen readers.

Drawing one takes tens of milliseconds (more when pygal is first imported), so the pages call these
functions in a thread: in the bot process the same event loop answers Discord.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from aiohttp import web

from bot import i18n

SVG_POLICY: Final = "default-src 'none'; style-src 'unsafe-inline'"
WIDTH: Final = 760
HEIGHT: Final = 360


def _style() -> Any:
    from pygal.style import Style

    # Dark enough on white to pass contrast checks; the site's own blue first.
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1f2328",
        foreground_strong="#1f2328",
        foreground_subtle="#57606a",
        colors=("#0b5cad", "#b3261e", "#1a7f37", "#8250df", "#9a6700", "#0a7d8c", "#bf3989"),
        font_family="system-ui, sans-serif",
        label_font_size=12,
        major_label_font_size=12,
        value_font_size=12,
        legend_font_size=12,
        title_font_size=15,
    )


def _config(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "style": _style(),
        "width": WIDTH,
        "height": HEIGHT,
        "js": [],  # no script: an image could not run it, and the site runs none
        "explicit_size": False,
        "show_legend": extra.pop("show_legend", False),
        "legend_at_bottom": True,
        "truncate_label": 18,
        "x_label_rotation": extra.pop("x_label_rotation", 0),
        "margin": 12,
        "no_data_text": i18n._("No data"),
        **extra,
    }


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    percent: bool = False,
) -> bytes:
    import pygal

    extra: dict[str, Any] = {"show_legend": len(series) > 1, "x_label_rotation": 30}
    if percent:
        extra |= {"range": (0, 1), "value_formatter": i18n.percent}
    chart = pygal.Line(**_config(title, show_dots=len(x_labels) <= 60, **extra))
    chart.x_labels = list(x_labels)
    if len(x_labels) > 12:
        chart.x_labels_major_every = max(1, len(x_labels) // 8)
        chart.show_minor_x_labels = False
    for name, values in series:
        chart.add(name, list(values))
    svg: bytes = chart.render()
    return svg


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> bytes:
    import pygal

    chart = pygal.HorizontalBar(**_config(title, height=max(HEIGHT, 28 * len(labels) + 80)))
    chart.x_labels = list(labels)
    chart.add("", list(values))
    svg: bytes = chart.render()
    return svg


def svg_response(svg: bytes) -> web.Response:
    response = web.Response(body=svg, content_type="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


__all__ = ["bar_chart", "line_chart", "svg_response"]
