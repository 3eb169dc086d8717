"""``python -m benchmarks``: every ``bench_*.py`` in a fresh process, then ``SUMMARY.md``.

Benchmarks are found by name (``benchmarks/bench_*.py``), so a new script
joins the suite by existing. Each runs in its own interpreter (clean memory,
its own Numba and thread state) with the suite's options; its output is kept
in memory and shown only when it fails. One progress line per benchmark.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from _harness import BENCH_DIR, RESULTS, SKIPPED
from _machine import describe, machine
from _results import SUFFIXES, headline, load, markdown_table, provenance, replace_file, write

SUMMARY = "SUMMARY.md"


def discover() -> dict[str, Path]:
    """``{"split": benchmarks/bench_split.py, ...}``, sorted by name."""
    return {p.stem.removeprefix("bench_"): p for p in sorted(BENCH_DIR.glob("bench_*.py"))}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    names = list(discover())
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the engine's benchmarks against their peers; write results, plots "
        "and SUMMARY.md.",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (under 3 minutes)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        default=None,
        help=f"run only these benchmarks (of: {', '.join(names)})",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run the Dask work on this scheduler (tcp://host:8786); benchmarks that "
        "cannot say so and are skipped",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        help="where results go (default: benchmarks/results, benchmarks/results/quick with --quick)",
    )
    parser.add_argument(
        "--render",
        action="store_true",
        help="measure nothing: redraw every .md, .png and SUMMARY.md from the .json files",
    )
    args = parser.parse_args(argv)
    if args.only:
        wanted = [n.removeprefix("bench_").removesuffix(".py") for n in args.only]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            parser.error(f"--only: unknown benchmark(s) {unknown}; known: {names}")
        args.only = wanted
    if args.results_dir is None:
        args.results_dir = RESULTS / "quick" if args.quick else RESULTS
    return args


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_one(path: Path, args: argparse.Namespace) -> tuple[str, float, str]:
    """Run one benchmark script; ``(status, seconds, detail)`` with status ok/skipped/failed.

    The detail starts with the CPU seconds the benchmark used (all its processes
    that ended): far below the wall time means the machine was busy with others.
    """
    command = [sys.executable, str(path), "--results-dir", str(args.results_dir)]
    if args.quick:
        command.append("--quick")
    if args.scheduler:
        command += ["--scheduler", args.scheduler]
    start, started_at, cpu = time.perf_counter(), time.time(), _children_cpu()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=BENCH_DIR)
    seconds = time.perf_counter() - start
    cpu = f"CPU {_children_cpu() - cpu:.1f} s"
    output = (proc.stdout + proc.stderr).strip().splitlines()
    if proc.returncode == SKIPPED:
        reason = next((line for line in output if line.startswith("SKIPPED:")), "SKIPPED")
        return "skipped", seconds, f"{cpu}; {reason.removeprefix('SKIPPED:').strip()}"
    if proc.returncode != 0:
        tail = "\n".join("    " + line for line in output[-25:])
        return "failed", seconds, f"{cpu}; exit status {proc.returncode}; last lines:\n{tail}"
    written = [args.results_dir / f"{path.stem}{s}" for s in SUFFIXES[:2]]
    missing = [p.name for p in written if not p.exists() or p.stat().st_mtime < started_at]
    if missing:
        return (
            "failed",
            seconds,
            f"{cpu}; did not write {', '.join(missing)} in {args.results_dir}",
        )
    return "ok", seconds, f"{cpu}; {args.results_dir / path.stem}.{{json,md,png}}"


def summary(directory: Path, outcomes: dict[str, tuple[str, float, str]], command: str) -> str:
    """SUMMARY.md: this machine, the date, every result in ``directory`` and its headline."""
    payloads = load(directory)
    here = machine()
    lines = [
        "# Benchmark summary",
        "",
        f"Written {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by `{command}`.",
        "",
        f"This machine: {describe(here)} (each result's own machine is on its page).",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in here["versions"].items()) + ".",
        "",
        "## Results",
        "",
    ]
    listing = []
    for payload in payloads:
        name = payload["benchmark"]
        status = outcomes.get(name.removeprefix("bench_"), ("not run now", 0.0, ""))
        listing.append(
            {
                "benchmark": f"[{name}]({name}.md)",
                "what": payload.get("title", ""),
                "measured": provenance(payload),
                "this run": status[0],
            }
        )
    lines += markdown_table(listing, ["benchmark", "what", "measured", "this run"])
    if any(p.get("mode") == "quick" for p in payloads):
        lines += [
            "",
            "Quick runs use small data and one timed run per variant: they show that the "
            "suite works, and fixed costs dominate their timings; quote full runs. A load "
            "average above the number of cores means other work shared the machine.",
        ]
    others = {n: o for n, o in outcomes.items() if o[0] != "ok"}
    if others:
        lines += ["", "Not written by this run:", ""]
        lines += [f"- bench_{n}: {o[0]} ({o[2].splitlines()[0]})" for n, o in others.items()]
    heads = [row for payload in payloads for row in headline(payload)]
    if heads:
        lines += ["", "## Headline: the engine's best variant against the fastest peer", ""]
        lines += markdown_table(
            heads, ["benchmark", "task", "engine", "fastest peer", "engine advantage"]
        )
    pictures = [p["benchmark"] for p in payloads if (directory / f"{p['benchmark']}.png").exists()]
    if pictures:
        lines += ["", "## Plots", ""]
        lines += [f"![{name}]({name}.png)\n" for name in pictures]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    command = shlex.join(["python", "-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)])
    args.results_dir.mkdir(parents=True, exist_ok=True)
    outcomes: dict[str, tuple[str, float, str]] = {}
    if args.render:
        for payload in load(args.results_dir):
            write(payload, args.results_dir)
            print(f"redrew {payload['benchmark']}", flush=True)
    else:
        selected = {n: p for n, p in discover().items() if not args.only or n in args.only}
        where = f"on {args.scheduler}" if args.scheduler else "locally"
        print(
            f"{len(selected)} benchmark(s), {'quick' if args.quick else 'full'} sizes, Dask work "
            f"{where}; results in {args.results_dir}",
            flush=True,
        )
        started = time.perf_counter()
        for index, (name, path) in enumerate(selected.items(), 1):
            print(f"[{index}/{len(selected)}] {name:<14} ...", end=" ", flush=True)
            outcomes[name] = status, seconds, detail = run_one(path, args)
            print(f"{status} in {seconds:.1f} s: {detail}", flush=True)
        print(
            f"suite finished in {time.perf_counter() - started:.1f} s "
            f"(CPU {_children_cpu():.1f} s; load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    replace_file(args.results_dir / SUMMARY, summary(args.results_dir, outcomes, command).encode())
    print(f"summary: {args.results_dir / SUMMARY}", flush=True)
    return 1 if any(status == "failed" for status, _, _ in outcomes.values()) else 0
