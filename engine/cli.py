"""The ``engine`` command: run the demo or a spec, score with a saved model, profile a file."""

from __future__ import annotations

import argparse
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
    tracking = mlflow_settings(spec, args.mlflow)  # imports mlflow now, not after the run
    record = run_spec(spec, progress=not args.no_progress)
    if tracking is not None:
        from engine.tracking import log_run

        logged = log_run(Path(record.outputs["record"]).parent, tracking)
        print(f"mlflow run: {logged['run_id']}  model: {logged['model_uri']}")
    return 0


def mlflow_settings(spec: dict, uri: str | None):
    """The MLflow settings of a spec's ``output.mlflow``, ``--mlflow URI`` overriding its URI."""
    given = dict(spec["output"]["mlflow"] or {})
    if uri is not None:
        given["tracking_uri"] = uri
    if not given:
        return None
    from engine.tracking import MlflowSettings

    return MlflowSettings(
        tracking_uri=given["tracking_uri"],
        experiment=given.get("experiment") or spec["name"],
        run_name=given.get("run_name"),
        register_as=given.get("register_as"),
    )


def _score(args: argparse.Namespace) -> int:
    from engine.workflow import score_file

    out = score_file(
        args.model,
        args.data,
        args.output,
        overwrite=args.overwrite,
        trust_pickle=args.trust_pickle,
    )
    print(f"scores written to {out}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from engine.serve import serve

    serve(
        args.run_dir,
        host=args.host,
        port=args.port,
        workers=args.workers,
        max_body_bytes=args.max_body_bytes,
    )
    return 0


def _monitor(args: argparse.Namespace) -> int:
    from engine.workflow import monitor_batch, monitor_history

    if args.history:
        if args.data is not None:
            raise ValueError("--history takes only RUN_DIR, not NEW_DATA")
        print(f"history written to {monitor_history(args.run_dir, args.out)}")
        return 0
    if args.data is None:
        raise ValueError("engine monitor needs NEW_DATA (or --history)")
    check, folder = monitor_batch(
        args.run_dir, args.data, labels=args.labels, out=args.out, tolerance=args.tolerance
    )
    print(check.headline())
    print(f"monitor report written to {folder}")
    return 1 if check.drifted else 0


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
    run.add_argument(
        "--mlflow", metavar="URI", default=None, help="log the run to this MLflow tracking URI"
    )
    run.set_defaults(func=_run)

    score = sub.add_parser("score", help="batch-score a CSV/Parquet file with a saved model")
    score.add_argument("model", type=Path, help="a run folder or its model.skops")
    score.add_argument("data", type=Path)
    score.add_argument("--output", "-o", type=Path, required=True)
    score.add_argument("--overwrite", action="store_true")
    score.add_argument(
        "--trust-pickle",
        action="store_true",
        help="load a .joblib/.pkl model (runs any code the file holds: only files you made)",
    )
    score.set_defaults(func=_score)

    srv = sub.add_parser("serve", help="serve a run's model over HTTP (needs engine[serve])")
    srv.add_argument("run_dir", type=Path, help="the run folder (holding model.skops)")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    srv.add_argument(
        "--max-body-bytes", type=int, default=16 * 1024 * 1024, help="larger requests get 413"
    )
    srv.set_defaults(func=_serve)

    mon = sub.add_parser(
        "monitor",
        help="check a new batch for drift against a run (exit 0 none, 1 drift, 2 bad input)",
    )
    mon.add_argument("run_dir", type=Path)
    mon.add_argument("data", type=Path, nargs="?", help="the new batch (CSV or Parquet)")
    mon.add_argument("--labels", default=None, help="the batch's column of true outcomes")
    mon.add_argument("--out", type=Path, default=None, help="default: RUN_DIR/monitor")
    mon.add_argument("--tolerance", type=float, default=0.05, help="allowed metric drop")
    mon.add_argument("--history", action="store_true", help="plot the trend of all batches")
    mon.set_defaults(func=_monitor)

    prof = sub.add_parser("profile", help="profile the numeric columns of a CSV/Parquet/Zarr file")
    prof.add_argument("data", type=Path)
    prof.set_defaults(func=_profile)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``engine`` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, ImportError, OSError) as exc:
        print(f"engine: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
