"""The suite's one plot convention: bars of seconds (or a throughput) per peer, ratio on each bar.

A benchmark declares which of its result columns is the variant (the engine
or a peer: one bar each), which the value (the bar's length) and which the
ratio (written on the bar), and optionally the columns that split its rows
into panels (one per task or data set). Every benchmark's picture is drawn
from its rows by :func:`bar_chart`, so they all read the same way.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

ENGINE_COLOUR = "#1f77b4"
PEER_COLOUR = "#a0a0a0"
BAR_INCHES = 0.32  # height per bar
PANEL_INCHES = 0.75  # title and axis of a panel
DPI = 100


@dataclass(frozen=True)
class Plot:
    """Which result columns make the bar chart of a benchmark.

    Parameters
    ----------
    variant : str
        The column naming the implementation or peer; one bar per row.
    value : str
        The column with the bar's length: seconds, or a throughput.
    ratio : str or None
        The column with the ratio written on each bar; its name says what
        the ratio is relative to (e.g. ``"x scikit-learn"``).
    group : sequence of str
        Columns whose values split the rows into panels (a task, a data set).
    unit : str
        The value's unit, shown on the axis and on each bar.
    larger_is_better : bool
        True for throughputs (GB/s); False for times.
    ours : str
        Variants whose name starts with this are the engine's (coloured);
        ``""`` when every variant is the engine's (a scaling study).
    """

    variant: str
    value: str = "seconds"
    ratio: str | None = None
    group: Sequence[str] = ()
    unit: str = "s"
    larger_is_better: bool = False
    ours: str = "engine"

    def is_ours(self, variant: object) -> bool:
        return str(variant).lower().startswith(self.ours.lower())


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def short(value: float) -> str:
    """A number rounded for reading: 3 significant digits; an exponent only below 0.001."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) < 1e-3:
        return f"{value:.2e}"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{digits}f}"


def panels(rows: Sequence[dict], plot: Plot) -> list[tuple[str, list[dict]]]:
    """Rows with a numeric value, split by the group columns (first-seen order)."""
    out: dict[str, list[dict]] = {}
    for row in rows:
        if _number(row.get(plot.value)) is None or row.get(plot.variant) is None:
            continue
        label = " · ".join(str(row.get(c, "")) for c in plot.group)
        out.setdefault(label, []).append(row)
    return list(out.items())


def bar_chart(rows: Sequence[dict], plot: Plot, *, title: str, caption: str) -> bytes:
    """The benchmark's bar chart as PNG bytes (one panel per group, ratio on each bar)."""
    groups = panels(rows, plot)
    if not groups:
        raise ValueError(f"no row has a numeric {plot.value!r} and a {plot.variant!r} to plot")
    columns = 1 if len(groups) <= 3 else 2
    grid_rows = [groups[i : i + columns] for i in range(0, len(groups), columns)]
    heights = [max(len(r) for _, r in line) * BAR_INCHES + PANEL_INCHES for line in grid_rows]
    width = 7.5 if columns == 1 else 13.0
    fig = Figure(figsize=(width, sum(heights) + 1.3), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    spec = fig.add_gridspec(len(grid_rows), columns, height_ratios=heights)
    for line_index, line in enumerate(grid_rows):
        slots = max(len(r) for _, r in line)  # same bar thickness side by side
        for column_index, (label, group_rows) in enumerate(line):
            ax = fig.add_subplot(spec[line_index, column_index])
            _panel(ax, label, group_rows, plot, slots)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    lines = [textwrap.fill(part, width=int(width * 15)) for part in caption.split("\n")]
    fig.supxlabel("\n".join(lines), fontsize=8.5, color="#555555")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _panel(ax, label: str, rows: list[dict], plot: Plot, slots: int) -> None:
    values = [float(r[plot.value]) for r in rows]
    names = [str(r[plot.variant]) for r in rows]
    positions = [slots - 1 - i for i in range(len(rows))]  # first row on top
    ax.set_ylim(-0.6, slots - 0.4)
    colours = [ENGINE_COLOUR if plot.is_ours(n) else PEER_COLOUR for n in names]
    ax.barh(positions, values, color=colours, height=0.7)
    ax.set_yticks(positions, names, fontsize=8.5)
    top = max(values)
    ax.set_xlim(0, top * 1.45 if top > 0 else 1)
    for position, row, value in zip(positions, rows, values, strict=True):
        text = f"{short(value)} {plot.unit}"
        ratio = _number(row.get(plot.ratio)) if plot.ratio else None
        if ratio is not None:
            text += f"   {short(ratio)}x"
        ax.text(value + top * 0.02, position, text, va="center", fontsize=8)
    if label:
        ax.set_title(label, fontsize=9.5, loc="left")
    unit = "seconds" if plot.unit == "s" else plot.unit
    ax.set_xlabel(unit + (" (longer is better)" if plot.larger_is_better else ""), fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
