"""The coverage chart: members per 10,000 of the reference, one horizontal bar per country or alcaldía that
has a reference figure. Server-rendered SVG with its text as text (crm.indicators.charts' settings)."""

from __future__ import annotations

import io

from crm.core.display.charts import matplotlib_parts
from crm.indicators.charts import COLORS, RC
from crm.indicators.coverage.compute import Table


def alt_text(table: Table) -> str:
    """What the chart shows, in one sentence (the table below it holds every figure)."""
    rows = table.with_reference
    if not rows:
        return f"{table.title}: sin cifras de referencia para comparar."
    top = rows[0]
    return (f"{table.title}: integrantes por cada 10,000 de la cifra de referencia. Mayor cobertura: "
            f"{top.name}, {top.rate:.2f}. Los valores de cada fila están en la tabla siguiente.")


def render(table: Table) -> bytes:
    rows = table.with_reference
    height = 1.2 + 0.28 * max(len(rows), 1)
    plt = matplotlib_parts()
    with plt.rc_context(RC):
        figure = plt.Figure(figsize=(5.6, height), dpi=100)
        axes = figure.add_subplot()
        names = [r.name for r in reversed(rows)]
        rates = [r.rate or 0 for r in reversed(rows)]
        bars = axes.barh(range(len(rows)), rates, color=COLORS["bar"], height=0.6)
        for bar, row in zip(bars, reversed(rows), strict=True):
            axes.annotate(f"{row.rate:.2f} ({row.members})", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                          xytext=(3, 0), textcoords="offset points", va="center", fontsize=7, color=COLORS["text"])
        axes.set_yticks(range(len(rows)), names, fontsize=7)
        axes.set_xlim(0, max([*rates, 0.01]) * 1.3)
        axes.set_xlabel("Integrantes por cada 10,000 (entre paréntesis, integrantes)", fontsize=7)
        axes.set_title(table.title, fontsize=9)
        axes.spines[["top", "right"]].set_visible(False)
        if not rows:
            axes.text(0.5, 0.5, "Sin cifras de referencia", ha="center", va="center", transform=axes.transAxes)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
