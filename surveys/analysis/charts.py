"""A question's chart: horizontal bars drawn by matplotlib (Agg, no pyplot, loaded on first use by
crm.core.display.charts), as SVG with its text kept as text, a <title> and a <desc> saying the same numbers as
the data table the page shows beside it."""

from __future__ import annotations

import io
import textwrap
import warnings
from xml.sax.saxutils import escape

from crm.core.display import points, whole
from crm.core.display.charts import matplotlib_parts
from surveys.analysis.questions import QuestionChart

COLORS = {"bar": "#2f6690", "text": "#212529"}
RC = {"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "vinculo"}
LABEL_WIDTH = 28  # characters per line of an option's label


def _label(text: str) -> str:
    lines = textwrap.wrap(text, LABEL_WIDTH) or [""]
    return "\n".join(lines[:2]) + ("…" if len(lines) > 2 else "")


def render(chart: QuestionChart, fmt: str = "svg") -> bytes:
    """The chart as SVG (or PNG) bytes."""
    parts = matplotlib_parts()
    bars = chart.bars
    height = 1.0 + 0.42 * max(len(bars), 1)
    # SVG keeps labels as text (the browser draws any character); a glyph the font lacks only skews the layout
    with parts.rc_context(RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        figure = parts.Figure(figsize=(6.4, height), dpi=100)
        axes = figure.add_subplot()
        positions = list(range(len(bars)))
        counts = [bar.count for bar in bars]
        drawn = axes.barh(positions, counts, color=COLORS["bar"], height=0.6)
        for bar, shown in zip(drawn, bars, strict=True):
            text = whole(shown.count) + (f" ({points(shown.percent)})" if shown.percent is not None else "")
            axes.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                          textcoords="offset points", va="center", fontsize=8, color=COLORS["text"])
        axes.set_yticks(positions, [_label(bar.label) for bar in bars])
        axes.invert_yaxis()
        axes.set_xlim(0, max([1, *counts]) * 1.3)
        axes.xaxis.set_major_locator(parts.MaxNLocator(integer=True))
        axes.set_xlabel(chart.count_header)
        axes.spines[["top", "right"]].set_visible(False)
        if not bars:
            axes.text(0.5, 0.5, "Sin respuestas", transform=axes.transAxes, ha="center", va="center")
        figure.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None, "Title": chart.title} if fmt == "svg" else {}
        figure.savefig(buffer, format=fmt, metadata=metadata)
    body = buffer.getvalue()
    if fmt == "svg":  # matplotlib writes <title> from the metadata; the description goes right after it
        body = body.replace(b"</title>", b"</title>\n <desc>" + escape(chart.description()).encode() + b"</desc>", 1)
    return body
