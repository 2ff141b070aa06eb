"""Quarterly trend charts, rendered on the server with matplotlib (Agg, no pyplot, no CDN).

SVG keeps its text as text (svg.fonttype 'none') so it stays readable, searchable and sharp;
PNG is for the spreadsheet. Neither contains scripts.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from crm.core.display import number
from crm.core.display.charts import matplotlib_parts
from crm.program.models import DEFAULT_GREEN, DEFAULT_YELLOW

if TYPE_CHECKING:
    from matplotlib.figure import Figure

QUARTER_NAMES = ["T1", "T2", "T3", "T4"]
COLORS = {"bar": "#2f6690", "empty": "#adb5bd", "green": "#146c43", "yellow": "#8a6100", "text": "#212529"}
RC = {"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "vinculo"}


def _figure(summary: dict, upto: int = 4) -> Figure:
    rows = summary["quarters"][:upto]
    values = [r["value"] for r in rows]
    heights = [v or 0 for v in values]
    figure = matplotlib_parts().Figure(figsize=(4.2, 2.9), dpi=100)
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    bars = axes.bar(positions, heights, color=[COLORS["bar"] if v is not None else COLORS["empty"] for v in values],
                    width=0.6)
    top = max([100.0, *heights])
    green, yellow = summary.get("thresholds", (DEFAULT_GREEN, DEFAULT_YELLOW))  # the program year's
    if summary["kind"] == "satisfaction":
        lows = [r.get("ci_low") for r in rows]
        highs = [r.get("ci_high") for r in rows]
        with_ci = [i for i, v in enumerate(values) if v is not None and lows[i] is not None]
        if with_ci:
            axes.errorbar([positions[i] for i in with_ci], [values[i] for i in with_ci],
                          yerr=[[values[i] - lows[i] for i in with_ci], [highs[i] - values[i] for i in with_ci]],
                          fmt="none", ecolor=COLORS["text"], capsize=3, linewidth=1)
        axes.axhline(green, color=COLORS["green"], linestyle="--", linewidth=1, label=f"{green:.0f} % (verde)")
        axes.axhline(yellow, color=COLORS["yellow"], linestyle=":", linewidth=1, label=f"{yellow:.0f} % (amarillo)")
        title = f"{summary['label']}: satisfacción por trimestre (%)"
    else:
        axes.axhline(100, color=COLORS["green"], linestyle="--", linewidth=1, label="100 % de lo programado")
        axes.axhline(green, color=COLORS["yellow"], linestyle=":", linewidth=1, label=f"{green:.0f} % (verde)")
        title = f"{summary['label']}: cumplimiento por trimestre (%)"
    for index, (bar, value) in enumerate(zip(bars, values, strict=True)):
        text = "sin datos" if value is None else number(value)
        above = rows[index].get("ci_high") if summary["kind"] == "satisfaction" else None
        y = max(bar.get_height(), above or 0)
        axes.annotate(text, (bar.get_x() + bar.get_width() / 2, y), xytext=(0, 3),
                      textcoords="offset points", ha="center", va="bottom", fontsize=8, color=COLORS["text"])
    axes.set_xticks(positions, QUARTER_NAMES[:len(rows)])
    axes.set_ylim(0, top * 1.18)
    axes.set_title(title, fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=7, frameon=False)
    figure.tight_layout()
    return figure


def render(summary: dict, fmt: str = "svg", *, upto: int = 4) -> bytes:
    """The level's quarterly trend (the quarters up to `upto`) as SVG or PNG bytes."""
    with matplotlib_parts().rc_context(RC):
        figure = _figure(summary, upto)
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {}
        figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()
