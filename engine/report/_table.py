"""Tables for people: numbers rounded for reading, text left and numbers right, no noise index."""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

MISSING = "–"


def readable(value: float) -> str:
    """A number rounded for reading: 4 significant digits, whole numbers without decimals.

    Thousands are separated from 10,000 on; an exponent only below 0.001.

    Examples
    --------
    >>> [readable(v) for v in (0.653189, 45.2916, 80.0, 3920.0, 50597.1, -3811640.2, 4.4e-18)]
    ['0.6532', '45.29', '80', '3920', '50,597', '-3,811,640', '4.40e-18']
    """
    if math.isnan(value):
        return MISSING
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    magnitude = float(f"{abs(value):.4g}")  # after rounding: 999.95 counts as 1000
    if value == int(value) and magnitude < 1e15:
        return f"{int(value):,}" if magnitude >= 1e4 else str(int(value))
    if magnitude >= 1e4:
        return f"{value:,.0f}"
    if magnitude < 1e-3:
        return f"{value:.2e}"
    decimals = max(0, 3 - math.floor(math.log10(magnitude)))
    return f"{value:.{decimals}f}"


def cell(value: Any) -> tuple[str, str]:
    """The HTML text of a table cell and its class (``num``, ``text``, ``flag`` or ``missing``)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING, "missing"
    if isinstance(value, bool | np.bool_):
        return ("yes", "flag") if value else ("no", "text")
    if isinstance(value, numbers.Real):
        number = float(value)
        return readable(number), "missing" if math.isnan(number) else "num"
    if isinstance(value, Mapping):
        parts = [f"{html.escape(str(k))} = {cell(v)[0]}" for k, v in value.items()]
        return ", ".join(parts), "text"
    return html.escape(str(value)), "text"


def _label(value: Any) -> str:
    if isinstance(value, tuple):
        return " · ".join(str(v) for v in value)
    return str(value)


def _shows_index(frame: pd.DataFrame) -> bool:
    """A default 0..n-1 index carries no information: leave it out."""
    index = frame.index
    return not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1) or any(
        name is not None for name in index.names
    )


def frame_table(frame: pd.DataFrame) -> str:
    """``frame`` as an HTML table (index shown only when it is not 0..n-1).

    Examples
    --------
    >>> frame_table(pd.DataFrame({"metric": ["auc"], "value": [0.91234]}))[:40]
    '<table><thead><tr><th class="text">metri'
    """
    with_index = _shows_index(frame)
    kinds = [
        "num"
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        else "text"
        for dtype in frame.dtypes
    ]
    head = []
    if with_index:
        names = [n for n in frame.index.names if n is not None]
        head.append(f'<th class="text">{html.escape(" · ".join(map(str, names)))}</th>')
    head += [
        f'<th class="{kind}">{html.escape(_label(c))}</th>'
        for c, kind in zip(frame.columns, kinds, strict=True)
    ]
    body = []
    for index, row in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        cells = [f'<th class="text">{html.escape(_label(index))}</th>'] if with_index else []
        for value in row:
            text, kind = cell(value)
            cells.append(f'<td class="{kind}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table><thead><tr>{''.join(head)}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody></table>"
    )


def mapping_table(mapping: Mapping) -> str:
    """A two-column name/value table of a mapping."""
    rows = []
    for name, value in mapping.items():
        text, kind = cell(value)
        rows.append(
            f'<tr><th class="text">{html.escape(str(name))}</th><td class="{kind}">{text}</td></tr>'
        )
    body = "\n".join(rows)
    return f"<table><tbody>\n{body}\n</tbody></table>"
