"""matplotlib on demand, for the charts drawn on the server (Agg backend: no display, no pyplot).

matplotlib and what it brings (Pillow, fontTools, kiwisolver...) take about 30 MB: loaded at start-up they would
sit in every web worker and every export or import process that never draws a chart. Chart modules call
`matplotlib_parts()` inside their drawing functions instead of importing matplotlib at module level.
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace


@cache
def matplotlib_parts() -> SimpleNamespace:
    """`rc_context`, `Figure` and `MaxNLocator`, imported on first use with the Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    return SimpleNamespace(rc_context=rc_context, Figure=Figure, MaxNLocator=MaxNLocator)
