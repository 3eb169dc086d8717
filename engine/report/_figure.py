"""Figures without pyplot: every plot owns its ``matplotlib.figure.Figure`` (Agg canvas).

pyplot keeps global state (a current figure, an open-figure registry that
leaks memory in long sessions); the engine's plots never touch it, so they are
safe in threads, on Dask workers and in batch jobs without a display.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 100


def new_figure(width: float = 6.0, height: float = 4.5) -> Figure:
    """A fresh figure with its own Agg canvas (``width`` x ``height`` inches at 100 dpi)."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def figure_for(ax: Axes | None, width: float = 6.0, height: float = 4.5) -> tuple[Figure, Axes]:
    """``ax``'s figure and ``ax``, or a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(width, height)
    return fig, fig.add_subplot(1, 1, 1)


def png_bytes(fig: Figure) -> bytes:
    """The figure rendered as PNG bytes (at the figure's own size and dpi)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    return buffer.getvalue()


def save_png(fig: Figure, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``fig`` to ``path`` as a PNG; refuse to replace an existing file.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure returned by one of the ``plot_*`` functions.
    path : str or path-like
        Destination file (its folder must exist).
    overwrite : bool, default False
        Replace ``path`` if it exists; otherwise an existing file raises
        ``FileExistsError`` naming it.

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from engine.report.plots import plot_roc_curve, save_png
    >>> fig = plot_roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> out = save_png(fig, pathlib.Path(tempfile.mkdtemp()) / "roc.png")
    >>> out.read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    target = Path(path)
    data = png_bytes(fig)
    mode = "wb" if overwrite else "xb"
    try:
        with open(target, mode) as handle:
            handle.write(data)
    except FileExistsError:
        raise FileExistsError(
            f"{str(target)!r} already exists; pass overwrite=True to replace it"
        ) from None
    return target
