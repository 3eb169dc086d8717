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
from engine.report._table import cell, frame_table, mapping_table

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { border-bottom: 2px solid #1f77b4; padding-bottom: .3em; margin-bottom: .2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .88em; }
th, td { border: 1px solid #d6d6d6; padding: .3em .65em; }
thead th { background: #f3f6fa; }
tbody th { background: #fafbfc; font-weight: 600; }
tbody tr:nth-child(even) td { background: #fcfcfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.text { text-align: left; }
.missing { text-align: center; color: #999; }
.flag { text-align: left; color: #b00020; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; margin: 1em 0; }
img { max-width: 100%; height: auto; display: block; }
.meta { color: #666; font-size: .9em; margin-top: 0; }
.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr));
           gap: .8em; margin: 1.2em 0 1.5em; padding: 0; }
.summary div { border: 1px solid #d6d6d6; border-left: 5px solid #1f77b4; border-radius: 4px;
               padding: .5em .8em; background: #fafbfc; }
.summary div.ok { border-left-color: #2e7d32; }
.summary div.alert { border-left-color: #c62828; background: #fff6f6; }
.summary dt { font-size: .8em; text-transform: uppercase; letter-spacing: .04em; color: #555; }
.summary dd { margin: .15em 0 0; font-size: 1.05em; overflow-wrap: anywhere; }
nav ol { columns: 2; margin-top: 0; }
pre { background: #f7f7f7; padding: .6em; overflow-x: auto; }
"""

#: Statuses a summary item may carry: ``ok`` (green) or ``alert`` (red).
STATUSES = ("ok", "alert")


def write_report(
    path: str | os.PathLike,
    sections: Mapping[str, Any] | Sequence[tuple[str, Any]],
    *,
    title: str = "engine report",
    summary: Mapping[str, Any] | None = None,
    timings: Mapping[str, float] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write one self-contained HTML report (figures embedded as base64 PNG).

    The page has the title, an optional summary block (the verdicts a reader
    wants first), a table of contents, the sections in order and the timings.
    Tables show numbers rounded for reading (4 significant digits, thousands
    separated, missing values as a dash) and leave out a meaningless 0..n-1
    index; consecutive figures of a section sit side by side when they fit.

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
    summary : mapping of str to value, optional
        Shown at the top as labelled boxes, in order. A value is text or a
        number, or a ``(value, status)`` pair with status ``"ok"`` (green) or
        ``"alert"`` (red), e.g. ``{"Drift": ("3 of 8 columns drifted", "alert")}``.
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
    >>> _ = write_report(out, {"Metrics": [table, fig]}, summary={"AUC": (0.91, "ok")},
    ...                  timings={"fit": 1.5})
    >>> "data:image/png;base64," in out.read_text()
    True
    """
    started = time.perf_counter()
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{str(target)!r} already exists; pass overwrite=True to replace it")
    pairs = list(sections.items()) if isinstance(sections, Mapping) else list(sections)
    head = _summary(summary or {})
    body = []
    for index, pair in enumerate(pairs):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise TypeError(f"section {index} must be a (title, content) pair, got {pair!r}")
        section_title, content = pair
        items = content if isinstance(content, list | tuple) else [content]
        rendered = _section_body(items, str(section_title))
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
        f"{head}<nav><ol>{toc}</ol></nav>\n" + "\n".join(body) + "\n"
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


def _summary(summary: Mapping[str, Any]) -> str:
    """The summary block: one labelled box per item, coloured by its status."""
    if not isinstance(summary, Mapping):
        raise TypeError(
            f"summary must be a mapping of labels to values, got {type(summary).__name__}"
        )
    boxes = []
    for label, value in summary.items():
        status = ""
        if isinstance(value, tuple):
            if len(value) != 2 or value[1] not in STATUSES:
                raise ValueError(
                    f"summary[{label!r}]: a tuple must be (value, status) with status one of "
                    f"{STATUSES}, got {value!r}"
                )
            value, status = value
        text = cell(value)[0] if not isinstance(value, str) else html.escape(value)
        boxes.append(
            f'<div class="{status}"><dt>{html.escape(str(label))}</dt><dd>{text}</dd></div>'
        )
    return f'<dl class="summary">{"".join(boxes)}</dl>\n' if boxes else ""


def _section_body(items: Sequence[Any], title: str) -> str:
    """The section's items in order; runs of consecutive figures share one row."""
    parts: list[str] = []
    figures: list[str] = []
    for i, item in enumerate(items):
        rendered = _render(item, f"{title}[{i}]")
        if rendered.startswith("<img "):
            figures.append(rendered)
            continue
        if figures:
            parts.append(_figure_row(figures))
            figures = []
        parts.append(rendered)
    if figures:
        parts.append(_figure_row(figures))
    return "\n".join(parts)


def _figure_row(figures: list[str]) -> str:
    return '<div class="figures">' + "".join(figures) + "</div>"


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
        return frame_table(item)
    if hasattr(item, "_repr_html_"):
        return str(item._repr_html_())
    if isinstance(item, Mapping):
        return mapping_table(item)
    if isinstance(item, str | numbers.Number):
        text = html.escape(str(item))
        return f"<pre>{text}</pre>" if "\n" in text else f"<p>{text}</p>"
    raise TypeError(
        f"{where}: cannot put a {type(item).__name__} in a report (expected a Figure, PNG "
        "bytes, DataFrame, Series, NumPy array, mapping, text or an object with _repr_html_)"
    )


def _timings_table(timings: Mapping[str, float]) -> str:
    return frame_table(
        pd.DataFrame({"step": list(timings), "seconds": [float(v) for v in timings.values()]})
    )
