"""Plotly figure builders for the pages and the HTML report.

Every builder takes plain DataFrames and returns a ``plotly.graph_objects.Figure``
with labels readable at 1280×800 (13 px and up, long names shortened with the
full name in the hover). Colours: the colour-blind-safe Okabe-Ito palette for
categories, ``cividis`` (perceptually uniform, colour-blind-safe) for scales.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

import pandas as pd
import plotly.graph_objects as go

from ui.theme import BLUE, GREY, ORANGE, SKY, STATUS_COLOURS, STATUS_ORDER, STATUS_WORDS

FONT = {"size": 13}
MAX_LABEL = 28


def _shorten(text: str, limit: int = MAX_LABEL) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _layout(fig: go.Figure, *, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 16}},
        font=FONT,
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        template="plotly_white",
    )
    return fig


def status_bar(counts: Mapping[str, int], *, title: str = "Badges by status") -> go.Figure:
    """Horizontal bars of verified / failed / couldn't-verify counts, with symbols in the labels."""
    labels = [f"{STATUS_WORDS[s]}" for s in STATUS_ORDER]
    values = [int(counts.get(s, 0)) for s in STATUS_ORDER]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker={"color": [STATUS_COLOURS[s] for s in STATUS_ORDER], "pattern": {"shape": ["", "/", "."]}},
            text=values,
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, max([*values, 1]) * 1.15])
    return _layout(fig, title=title, height=220)


# One hue, light to dark (Okabe-Ito blue): reads the same to colour-blind viewers and in greyscale.
COVERAGE_SCALE = [[0.0, "#F2F2F2"], [0.5, "#9CC9E6"], [1.0, BLUE]]


def coverage_heatmap(matrix: pd.DataFrame, *, hover: pd.DataFrame | None = None, title: str = "") -> go.Figure:
    """Candidates (rows) × requirements (columns), cell = verified coverage 0..1.

    ``hover`` (same shape) holds the evidence text shown on hover. Rows keep
    the given order (the ranking); at most 60 rows are drawn to stay legible.
    A met cell shows ✔ (a partly trusted one its percentage); an unmet one is left blank.
    """
    shown = matrix.head(60)
    z = shown.to_numpy(dtype=float)
    text = [["✔" if v >= 0.999 else (f"{v:.0%}" if v > 0 else "") for v in row] for row in z]
    custom = hover.loc[shown.index, shown.columns].to_numpy() if hover is not None else None
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_shorten(c, 24) for c in shown.columns],
            y=[_shorten(i) for i in shown.index],
            zmin=0,
            zmax=1,
            colorscale=COVERAGE_SCALE,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 14, "color": "white"},
            customdata=custom,
            hovertemplate="<b>%{y}</b><br>%{x}: %{z:.0%}"
            + ("<br>%{customdata}" if custom is not None else "")
            + "<extra></extra>",
            colorbar={"title": {"text": "verified"}, "tickformat": ".0%", "len": 0.6, "thickness": 14},
            xgap=2,
            ygap=2,
        )
    )
    fig.update_yaxes(autorange="reversed", tickfont={"size": 13})
    fig.update_xaxes(side="top", tickangle=-35, tickfont={"size": 13})
    _layout(fig, title="", height=max(340, 170 + 28 * len(shown)))
    # the requirement names stand above the grid: leave them room instead of a plot title
    fig.update_layout(margin={"l": 10, "r": 10, "t": 150, "b": 10}, title=None)
    if title:
        fig.add_annotation(
            text=f"<b>{title}</b>", xref="paper", yref="paper", x=0, y=1, yshift=140, showarrow=False,
            xanchor="left", yanchor="top", font={"size": 15},
        )  # fmt: skip
    return fig


def profile_bars(profile: pd.DataFrame, *, title: str) -> go.Figure:
    """One candidate against a role: per requirement, the coverage (bars) and must-haves marked.

    ``profile`` columns: ``requirement``, ``coverage`` (0..1), ``must_have`` (bool).
    """
    labels = [
        ("★ " if m else "") + _shorten(r, 30) for r, m in zip(profile["requirement"], profile["must_have"], strict=True)
    ]
    cov = profile["coverage"].astype(float).fillna(0.0)
    colours = [BLUE if c >= 0.999 else (SKY if c > 0 else GREY) for c in cov]
    fig = go.Figure(
        go.Bar(
            x=cov,
            y=labels,
            orientation="h",
            marker={"color": colours},
            text=[f"{c:.0%}" if c > 0 else "no verified badge" for c in cov],
            textposition=["inside" if c > 0.3 else "outside" for c in cov],
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.0%}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title="verified coverage")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title=title + "  (★ = must-have)", height=max(260, 90 + 30 * len(profile)))


def gaps_bar(gaps: pd.DataFrame, *, title: str = "Where the pool is thin") -> go.Figure:
    """Per requirement, how many candidates have verified evidence (fewest first).

    ``gaps`` columns: ``requirement``, ``covered`` (count), ``total`` (count), ``must_have`` (bool).
    """
    frame = gaps.sort_values("covered")
    labels = [
        ("★ " if m else "") + _shorten(r, 30) for r, m in zip(frame["requirement"], frame["must_have"], strict=True)
    ]
    fig = go.Figure(
        [
            go.Bar(x=frame["covered"], y=labels, orientation="h", name="with verified evidence", marker_color=BLUE),
            go.Bar(
                x=frame["total"] - frame["covered"],
                y=labels,
                orientation="h",
                name="without",
                marker={"color": ORANGE, "pattern": {"shape": "/"}},
            ),
        ]
    )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.15})
    fig.update_xaxes(title="candidates")
    return _layout(fig, title=title + "  (★ = must-have)", height=max(280, 110 + 30 * len(frame)))


def compare_bars(frame: pd.DataFrame, *, title: str) -> go.Figure:
    """Grouped bars: requirement (y) × candidate (colour), value = coverage 0..1.

    ``frame``: index = requirements, columns = candidates.
    """
    palette = [BLUE, ORANGE, "#009E73", "#CC79A7"]
    fig = go.Figure(
        [
            go.Bar(
                x=frame[c].astype(float).fillna(0.0),
                y=[_shorten(r, 30) for r in frame.index],
                orientation="h",
                name=_shorten(str(c)),
                marker_color=palette[i % len(palette)],
                hovertemplate=f"{c}<br>%{{y}}: %{{x:.0%}}<extra></extra>",
            )
            for i, c in enumerate(frame.columns)
        ]
    )
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.12})
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title=title, height=max(300, 100 + 24 * len(frame) * max(1, len(frame.columns)) // 2))


ReportItem: TypeAlias = go.Figure | pd.DataFrame | str | tuple[go.Figure, str, pd.DataFrame]


def html_report(title: str, sections: Sequence[tuple[str, ReportItem]]) -> str:
    """A self-contained HTML page: plotly.js embedded once, tables as HTML, no external requests.

    A section's item is a figure, a table, a text, or ``(figure, summary, table)``: a chart
    followed by its summary in words and its data as a table (for screen readers and print)."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_esc(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}"
        "table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
        "h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
    ]
    first_figure = True
    for heading, item in sections:
        parts.append(f"<h2>{_esc(heading)}</h2>")
        if isinstance(item, tuple):
            fig, summary, table = item
            parts.append(fig.to_html(full_html=False, include_plotlyjs=first_figure))
            first_figure = False
            parts.append(f"<p>{_esc(summary)}</p>")
            parts.append("<details><summary>The data as a table</summary>")
            parts.append(table.to_html(index=False, escape=True, na_rep=""))
            parts.append("</details>")
        elif isinstance(item, go.Figure):
            parts.append(item.to_html(full_html=False, include_plotlyjs=first_figure))
            first_figure = False
        elif isinstance(item, pd.DataFrame):
            parts.append(item.to_html(index=False, escape=True, na_rep=""))
        else:
            parts.append(f"<p>{_esc(item)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = [
    "GREY",
    "compare_bars",
    "coverage_heatmap",
    "gaps_bar",
    "html_report",
    "profile_bars",
    "status_bar",
]
