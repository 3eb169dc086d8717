"""Result files of one benchmark: ``<name>.json`` (the payload), ``.md`` and ``.png`` drawn from it.

The JSON payload is the record; the Markdown table and the PNG plot are
rendered from it alone, so ``python -m benchmarks --render`` can redraw them
without measuring again. Files are written whole (temporary file, then
rename): an interrupted run leaves the previous results, never half a file.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

from _machine import describe
from _plot import Plot, bar_chart, panels, short

SUFFIXES = (".json", ".md", ".png")


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole: a temporary file in the same folder, then rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def plot_of(payload: dict) -> Plot | None:
    spec = payload.get("plot")
    return None if spec is None else Plot(**spec)


def scheduler_text(scheduler: dict) -> str:
    """Where the Dask variants ran, in words."""
    if scheduler.get("kind") == "distributed":
        return (
            f"the Dask cluster at {scheduler['address']} ({scheduler['workers']} workers, "
            f"{scheduler['threads']} threads, {short(scheduler['memory_gib'])} GiB)"
        )
    if scheduler.get("kind") == "threads":
        return (
            f"Dask's threaded scheduler in the benchmark process ({scheduler['threads']} threads)"
        )
    return "this machine"


def provenance(payload: dict) -> str:
    """``quick run, 2026-12-01 10:00 UTC, on ...`` for a result."""
    mode = "quick run" if payload.get("mode") == "quick" else "full run"
    where = scheduler_text(payload.get("scheduler", {}))
    text = f"{mode}, {payload.get('date', 'date not recorded')}, Dask work on {where}"
    if payload.get("load_average") is not None:
        text += f", load average {payload['load_average']}"
    return text


def _cell(value) -> str:
    if isinstance(value, float):
        return short(value) if math.isfinite(value) else str(value)
    if value is None:
        return ""
    return str(value).replace("|", "\\|")


def markdown_table(rows: Sequence[dict], columns: Sequence[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return lines


def markdown(payload: dict) -> str:
    """The benchmark's Markdown page: provenance, plot, main table, extra tables, notes."""
    name = payload["benchmark"]
    lines = [f"# {name}: {payload.get('title', '')}".rstrip(": "), ""]
    lines += [f"{provenance(payload)[0].upper()}{provenance(payload)[1:]}."]
    lines += [f"Machine: {describe(payload.get('machine', {}))}.", ""]
    if payload.get("command"):
        lines += [f"Reproduce: `{payload['command']}`", ""]
    if payload.get("plot"):
        lines += [f"![{name}]({name}.png)", ""]
    lines += markdown_table(payload["rows"], payload["columns"])
    for table in payload.get("tables", []):
        lines += ["", f"## {table['title']}", ""]
        lines += markdown_table(table["rows"], table["columns"])
    for note in payload.get("notes", []):
        lines += ["", note]
    if payload.get("parameters"):
        lines += ["", "## Parameters", ""]
        lines += [f"- {key}: {value}" for key, value in payload["parameters"].items()]
    versions = payload.get("machine", {}).get("versions", {})
    if versions:
        lines += ["", "## Versions", "", ", ".join(f"{k} {v}" for k, v in versions.items())]
    return "\n".join(lines) + "\n"


def picture(payload: dict) -> bytes | None:
    plot = plot_of(payload)
    if plot is None:
        return None
    legend = [f"ratio on each bar: {plot.ratio}"] if plot.ratio else []
    if plot.ours:
        legend.append("blue: engine, grey: peers and baselines")
    caption = "; ".join(legend) + "\n" + provenance(payload)
    return bar_chart(payload["rows"], plot, title=payload.get("title", ""), caption=caption)


def write(payload: dict, directory: Path) -> list[Path]:
    """Write ``<name>.json``, ``.md`` and ``.png`` (when the payload has a plot) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    name = payload["benchmark"]
    files = {
        ".json": json.dumps(payload, indent=2, default=str).encode(),
        ".md": markdown(payload).encode(),
    }
    png = picture(payload)  # drawn before anything is written: a plot error leaves no file
    if png is not None:
        files[".png"] = png
    written = []
    for suffix, data in files.items():
        replace_file(directory / f"{name}{suffix}", data)
        written.append(directory / f"{name}{suffix}")
    return written


def load(directory: Path) -> list[dict]:
    """Every benchmark payload in ``directory`` (sorted by name); files of other formats skipped."""
    out = []
    for path in sorted(directory.glob("bench_*.json")):
        payload = json.loads(path.read_text())
        if isinstance(payload, dict) and "rows" in payload and "columns" in payload:
            out.append(payload)
    return out


def headline(payload: dict) -> list[dict]:
    """Per panel: the engine's best variant against the best peer (panels without either skipped)."""
    plot = plot_of(payload)
    if plot is None:
        return []
    out = []
    pick = max if plot.larger_is_better else min
    for label, rows in panels(payload["rows"], plot):
        ours = [r for r in rows if plot.is_ours(r[plot.variant])]
        peers = [r for r in rows if not plot.is_ours(r[plot.variant])]
        if not ours or not peers:
            continue
        best = pick(ours, key=lambda r: r[plot.value])
        peer = pick(peers, key=lambda r: r[plot.value])
        mine, theirs = float(best[plot.value]), float(peer[plot.value])
        advantage = mine / theirs if plot.larger_is_better else theirs / mine
        out.append(
            {
                "benchmark": payload["benchmark"],
                "task": label or payload.get("title", ""),
                "engine": f"{short(mine)} {plot.unit} ({best[plot.variant]})",
                "fastest peer": f"{short(theirs)} {plot.unit} ({peer[plot.variant]})",
                "engine advantage": f"{short(advantage)}x",
            }
        )
    return out
