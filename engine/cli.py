"""The ``engine`` command: run the demo or a spec, score with a saved model, profile a file,
compile the kernels ahead of time."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

DEMO_SPEC = {
    "name": "demo",
    "data": {
        "source": "demo",
        "rows": 1_000_000,
        "partitions": 10,
        "target": "default",
        "sensitive": "gender",
    },
    "split": {"test_size": 0.2, "stratify": True, "random_state": 0},
    "preprocessing": [
        {"SimpleImputer": {"strategy": "median"}},
        {"OutlierHandler": {"method": "iqr", "factor": 1.5, "action": "clip"}},
        {"StandardScaler": {}},
    ],
    "model": {
        "estimator": "sklearn.linear_model.LogisticRegression",
        "params": {"max_iter": 300, "class_weight": "balanced"},
        "search": {
            "kind": "grid",
            "params": {"C": [0.01, 0.1, 1.0]},
            "cv": 3,
            "scoring": "roc_auc",
        },
    },
    "evaluation": {"metrics": ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"]},
    "output": {"dir": "runs"},
}


def _demo(args: argparse.Namespace) -> int:
    from engine.workflow import check_spec, run_spec

    raw = {
        **DEMO_SPEC,
        "data": {**DEMO_SPEC["data"], "rows": args.rows, "partitions": args.partitions},
        "output": {"dir": args.output},
        "cluster": {"address": args.address},
    }
    run_spec(check_spec(raw), progress=not args.no_progress)
    return 0


def _run(args: argparse.Namespace) -> int:
    from engine.workflow import load_spec, run_spec

    spec = load_spec(args.spec)
    if args.address:
        spec["cluster"]["address"] = args.address
    run_spec(spec, progress=not args.no_progress)
    return 0


def _score(args: argparse.Namespace) -> int:
    from engine.workflow import score_file

    out = score_file(args.model, args.data, args.output, overwrite=args.overwrite)
    print(f"scores written to {out}")
    return 0


def _profile(args: argparse.Namespace) -> int:
    import pandas as pd

    from engine.data import read_table
    from engine.stats import profile

    table = read_table(args.data)
    if hasattr(table, "select_dtypes"):
        table = table.select_dtypes("number")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(profile(table))
    return 0


def _warmup(args: argparse.Namespace) -> int:
    if args.cache_dir is not None:
        # Read when the kernels are imported, which happens only below.
        os.environ["ENGINE_KERNEL_CACHE"] = str(args.cache_dir.resolve())
    from engine import warmup

    report = warmup(force=args.force)
    if report["cache_dir"] is None:
        print("engine: error: no writable kernel cache; set ENGINE_KERNEL_CACHE", file=sys.stderr)
        return 1
    if report["skipped"]:
        done = "already warm"
    else:
        done = f"compiled {report['compiled']}, loaded {report['loaded']} kernel signatures"
    print(f"kernel cache {report['cache_dir']}: {done} in {report['seconds']:.1f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engine", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the main job on the built-in demo table")
    demo.add_argument("--rows", type=int, default=1_000_000)
    demo.add_argument("--partitions", type=int, default=10)
    demo.add_argument("--output", default="runs", help="folder for run outputs (default: runs)")
    demo.add_argument(
        "--address", default=None, help="Dask scheduler address (default: local threads)"
    )
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(func=_demo)

    run = sub.add_parser("run", help="run a YAML spec")
    run.add_argument("spec", type=Path)
    run.add_argument("--address", default=None, help="Dask scheduler address (overrides the spec)")
    run.add_argument("--no-progress", action="store_true")
    run.set_defaults(func=_run)

    score = sub.add_parser("score", help="batch-score a CSV/Parquet file with a saved model")
    score.add_argument("model", type=Path)
    score.add_argument("data", type=Path)
    score.add_argument("--output", "-o", type=Path, required=True)
    score.add_argument("--overwrite", action="store_true")
    score.set_defaults(func=_score)

    prof = sub.add_parser("profile", help="profile the numeric columns of a CSV/Parquet/Zarr file")
    prof.add_argument("data", type=Path)
    prof.set_defaults(func=_profile)

    warm = sub.add_parser(
        "warmup", help="compile every kernel once into the kernel cache (set-up, image build)"
    )
    warm.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="kernel cache folder (default: $ENGINE_KERNEL_CACHE, else the package's own)",
    )
    warm.add_argument("--force", action="store_true", help="run even if the cache is marked warm")
    warm.set_defaults(func=_warmup)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``engine`` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileNotFoundError, FileExistsError) as exc:
        print(f"engine: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
