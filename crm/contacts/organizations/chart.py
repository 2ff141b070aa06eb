"""The organizations related on a date, by type, as a bar chart drawn on the server with matplotlib (Agg, no
pyplot, no script), the way crm.indicators.charts draws: SVG text kept as text, a fixed hash salt and no date,
so the same counts give the same bytes. The page shows the same figures as a table beside it."""

from __future__ import annotations

import io

from crm.contacts.catalogs import ORG_TYPES
from crm.core.display.charts import matplotlib_parts

RC = {"svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "vinculo"}
BAR, INTERNAL, TEXT = "#2f6690", "#6c757d", "#212529"


def alt_text(data: dict) -> str:
    """The chart in words (the image's alt): every type with its count."""
    parts = [f"{ORG_TYPES[code]}: {count}" for code, count in data["by_type"].items()]
    return f"Organizaciones vinculadas al {data['as_of']} por tipo (total {data['total']}). " + "; ".join(parts) + "."


def render_svg(data: dict) -> bytes:
    """Horizontal bars, one per type (the internal areas in grey: they are not part of the total)."""
    codes = list(data["by_type"])
    counts = [data["by_type"][code] for code in codes]
    plt = matplotlib_parts()
    with plt.rc_context(RC):
        figure = plt.Figure(figsize=(6.4, 3.6), dpi=100)
        axes = figure.add_subplot()
        positions = list(range(len(codes)))[::-1]
        bars = axes.barh(positions, counts, color=[INTERNAL if c == "area_interna" else BAR for c in codes], height=0.6)
        for bar, count in zip(bars, counts, strict=True):
            axes.annotate(str(count), (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                          textcoords="offset points", va="center", fontsize=8, color=TEXT)
        axes.set_yticks(positions, [ORG_TYPES[code] for code in codes])
        axes.set_xlim(0, max([1, *counts]) * 1.15)
        axes.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        axes.set_title(f"Organizaciones vinculadas al {data['as_of']} (total {data['total']})", fontsize=9)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
