"""One self-contained HTML file: title, sections of figures, tables and text, timings."""

from __future__ import annotations

import base64
import datetime as _dt
import html
import numbers
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from engine.report._figure import png_bytes

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { border-bottom: 2px solid #1f77b4; padding-bottom: .3em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: right; }
th { background: #f3f6fa; }
img { max-width: 100%; height: auto; display: block; margin: 1em 0; }
.meta { color: #666; font-size: .9em; }
nav ol { columns: 2; }
pre { background: #f7f7f7; padding: .6em; overflow-x: auto; }
"""


def write_report(
    path: str | os.PathLike,
    sections: Mapping[str, Any] | Sequence[tuple[str, Any]],
    *,
    title: str = "engine report",
    timings: Mapping[str, float] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write one self-contained HTML report (figures embedded as base64 PNG).

    Parameters
    ----------
    path : str or path-like
        Destination ``.html`` file (its folder must exist).
    sections : mapping or sequence of (title, content) pairs
        In order; ``content`` is one item or a list of items. An item is a
        :class:`matplotlib.figure.Figure` (embedded as a PNG), PNG bytes, a
        pandas DataFrame or Series (``to_html``), a 1-D or 2-D NumPy array
        (a table), an object with
        ``_repr_html_`` (e.g. a drift report), a mapping of names to scalars
        (a two-column table), or text (a paragraph, HTML-escaped).
    title : str
        The page's title and heading.
    timings : mapping of str to float, optional
        Named durations in seconds, shown in a final "Timings" table.
    overwrite : bool, default False
        Replace an existing file; otherwise ``FileExistsError`` naming it.

    Returns
    -------
    pathlib.Path
        The written file. Nothing is fetched from the network when opened.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from engine.report import plot_roc_curve, write_report
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> fig = plot_roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> table = pd.DataFrame({"metric": ["accuracy"], "value": [0.75]})
    >>> _ = write_report(out, {"Metrics": [table, fig]}, timings={"fit": 1.5})
    >>> "data:image/png;base64," in out.read_text()
    True
    """
    started = time.perf_counter()
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{str(target)!r} already exists; pass overwrite=True to replace it")
    pairs = list(sections.items()) if isinstance(sections, Mapping) else list(sections)
    body = []
    for index, pair in enumerate(pairs):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise TypeError(f"section {index} must be a (title, content) pair, got {pair!r}")
        section_title, content = pair
        items = content if isinstance(content, list | tuple) else [content]
        rendered = "\n".join(
            _render(item, f"{section_title!s}[{i}]") for i, item in enumerate(items)
        )
        body.append(
            f'<section id="s{index}"><h2>{html.escape(str(section_title))}</h2>\n{rendered}</section>'
        )
    toc = "".join(
        f'<li><a href="#s{i}">{html.escape(str(pair[0]))}</a></li>' for i, pair in enumerate(pairs)
    )
    timing_rows = dict(timings or {})
    timing_rows["report rendering"] = time.perf_counter() - started
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<h1>{html.escape(title)}</h1>\n<p class="meta">Generated {stamp}</p>\n'
        f"<nav><ol>{toc}</ol></nav>\n" + "\n".join(body) + "\n"
        f'<section id="timings"><h2>Timings</h2>\n{_timings_table(timing_rows)}</section>\n'
        "</body>\n</html>\n"
    )
    mode = "w" if overwrite else "x"
    try:
        with open(target, mode, encoding="utf-8") as handle:
            handle.write(page)
    except FileExistsError:
        raise FileExistsError(
            f"{str(target)!r} already exists; pass overwrite=True to replace it"
        ) from None
    return target


def _image(data: bytes, alt: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def _render(item: Any, where: str) -> str:
    if isinstance(item, Figure):
        return _image(png_bytes(item), where)
    if isinstance(item, bytes | bytearray):
        if bytes(item[:8]) != _PNG_SIGNATURE:
            raise ValueError(f"{where}: bytes content must be a PNG image")
        return _image(bytes(item), where)
    if isinstance(item, np.ndarray) and item.ndim in (1, 2):
        item = pd.DataFrame(item)
    if isinstance(item, pd.Series):
        item = item.to_frame()
    if isinstance(item, pd.DataFrame):
        return item.to_html(border=0, float_format=lambda v: f"{v:.6g}")
    if hasattr(item, "_repr_html_"):
        return str(item._repr_html_())
    if isinstance(item, Mapping):
        frame = pd.DataFrame({"name": [str(k) for k in item], "value": list(item.values())})
        return frame.to_html(index=False, border=0, float_format=lambda v: f"{v:.6g}")
    if isinstance(item, str | numbers.Number):
        text = html.escape(str(item))
        return f"<pre>{text}</pre>" if "\n" in text else f"<p>{text}</p>"
    raise TypeError(
        f"{where}: cannot put a {type(item).__name__} in a report (expected a Figure, PNG "
        "bytes, DataFrame, Series, NumPy array, mapping, text or an object with _repr_html_)"
    )


def _timings_table(timings: Mapping[str, float]) -> str:
    frame = pd.DataFrame({"step": list(timings), "seconds": [float(v) for v in timings.values()]})
    return frame.to_html(index=False, border=0, float_format=lambda v: f"{v:.3f}")
