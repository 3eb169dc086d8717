"""The ``engine`` command: run the demo or a spec, check a spec, score, serve or monitor a run,
profile a file, compile the kernels ahead of time.

Exit codes: 0 success, 1 the run failed, 2 bad usage, spec or input, 130 interrupted (Ctrl-C);
``engine monitor``: 0 no drift, 1 drift detected, 2 bad input or any failure.
Every expected failure is one line on stderr; ``--debug`` shows the traceback.
Heavy libraries (Dask, Numba, scikit-learn) are imported only by the commands that need them.
"""

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
        "task": "binary",
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

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _with_cluster(spec, args: argparse.Namespace):
    import dataclasses

    cluster = spec.cluster
    if args.address:
        cluster = dataclasses.replace(cluster, address=args.address)
    if args.connect_timeout is not None:
        cluster = dataclasses.replace(cluster, connect_timeout=args.connect_timeout)
    return dataclasses.replace(spec, cluster=cluster)


def _demo(args: argparse.Namespace) -> int:
    from engine.workflow import check_spec, run_spec

    raw = {
        **DEMO_SPEC,
        "data": {**DEMO_SPEC["data"], "rows": args.rows, "partitions": args.partitions},
        "output": {"dir": args.output},
    }
    run_spec(_with_cluster(check_spec(raw), args), progress=not args.no_progress)
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from engine.workflow import load_spec

    spec = _with_cluster(load_spec(args.spec), args)
    tracking = mlflow_settings(spec, args.mlflow)  # imports mlflow now, not after the run
    from engine.workflow import run_spec

    record = run_spec(spec, progress=not args.no_progress)
    if tracking is not None:
        from engine.tracking import log_run

        logged = log_run(record.path, tracking)
        print(f"mlflow run: {logged['run_id']}  model: {logged['model_uri']}")
    return EXIT_OK


def mlflow_settings(spec, uri: str | None):
    """The MLflow settings of a spec's ``output.mlflow``, ``--mlflow URI`` overriding its URI."""
    given = spec.output.mlflow
    if given is None and uri is None:
        return None
    from engine.tracking import MlflowSettings

    return MlflowSettings(
        tracking_uri=uri or given.tracking_uri,
        experiment=(given and given.experiment) or spec.name,
        run_name=given and given.run_name,
        register_as=given and given.register_as,
    )


def _validate(args: argparse.Namespace) -> int:
    from engine.workflow import load_spec, validate_spec_source

    spec = load_spec(args.spec)
    estimator = validate_spec_source(spec)
    print(
        f"{args.spec}: valid (task {spec.model.task}, estimator {estimator}, "
        f"{len(spec.preprocessing)} preprocessing steps)"
    )
    return EXIT_OK


def _score(args: argparse.Namespace) -> int:
    from engine.workflow import score_file

    out = score_file(
        args.model,
        args.data,
        args.output,
        overwrite=args.overwrite,
        keep=args.keep,
        trust_pickle=args.trust_pickle,
        address=args.address,
        connect_timeout=args.connect_timeout or 10.0,
    )
    print(f"scores written to {out}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from engine.serve import serve

    serve(
        args.run_dir,
        host=args.host,
        port=args.port,
        workers=args.workers,
        max_body_bytes=args.max_body_bytes,
    )
    return EXIT_OK


def _monitor(args: argparse.Namespace) -> int:
    from engine.workflow import monitor_batch, monitor_history

    if args.history:
        if args.data is not None:
            raise ValueError("--history takes only RUN_DIR, not NEW_DATA")
        print(f"history written to {monitor_history(args.run_dir, args.out)}")
        return EXIT_OK
    if args.data is None:
        raise ValueError("engine monitor needs NEW_DATA (or --history)")
    check, folder = monitor_batch(
        args.run_dir, args.data, labels=args.labels, out=args.out, tolerance=args.tolerance
    )
    print(check.headline())
    print(f"monitor report written to {folder}")
    return EXIT_FAILED if check.drifted else EXIT_OK


def _profile(args: argparse.Namespace) -> int:
    import pandas as pd

    from engine.data import read_table
    from engine.stats import profile

    if not args.data.exists():
        raise FileNotFoundError(f"no such data file: {str(args.data)!r}")
    table = read_table(args.data)
    if hasattr(table, "select_dtypes"):
        table = table.select_dtypes("number")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(profile(table))
    return EXIT_OK


def _scheduler_options(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--address", default=None, help=f"Dask scheduler address (default: {default})"
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="give up reaching the scheduler after this long (default: 10)",
    )


def _cluster_options(parser: argparse.ArgumentParser) -> None:
    _scheduler_options(parser, "the spec's, else threads")
    parser.add_argument("--no-progress", action="store_true", help="no line per stage")


def _warmup(args: argparse.Namespace) -> int:
    if args.cache_dir is not None:
        # Read when the kernels are imported, which happens only below.
        os.environ["ENGINE_KERNEL_CACHE"] = str(args.cache_dir.resolve())
    from engine import warmup

    report = warmup(force=args.force)
    if report["cache_dir"] is None:
        print("engine: error: no writable kernel cache; set ENGINE_KERNEL_CACHE", file=sys.stderr)
        return EXIT_FAILED
    if report["skipped"]:
        done = "already warm"
    else:
        done = f"compiled {report['compiled']}, loaded {report['loaded']} kernel signatures"
    print(f"kernel cache {report['cache_dir']}: {done} in {report['seconds']:.1f} s")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from engine import __version__

    parser = argparse.ArgumentParser(
        prog="engine",
        description=__doc__.split("\n\n")[0],
        epilog="exit codes: 0 ok, 1 run failed, 2 bad usage/spec/input, 130 interrupted",
    )
    parser.add_argument("--version", action="version", version=f"engine {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the main job on the built-in demo table")
    demo.add_argument("--rows", type=int, default=1_000_000)
    demo.add_argument("--partitions", type=int, default=10)
    demo.add_argument("--output", default="runs", help="folder for run outputs (default: runs)")
    _cluster_options(demo)
    demo.set_defaults(func=_demo)

    run = sub.add_parser("run", help="run a YAML spec")
    run.add_argument("spec", type=Path)
    _cluster_options(run)
    run.add_argument(
        "--mlflow", metavar="URI", default=None, help="log the run to this MLflow tracking URI"
    )
    run.set_defaults(func=_run)

    validate = sub.add_parser("validate", help="check a YAML spec without reading any data")
    validate.add_argument("spec", type=Path)
    validate.set_defaults(func=_validate)

    score = sub.add_parser("score", help="batch-score a CSV/Parquet file with a saved model")
    score.add_argument("model", type=Path, help="a run folder or its model.skops")
    score.add_argument("data", type=Path)
    score.add_argument("--output", "-o", type=Path, required=True)
    score.add_argument("--overwrite", action="store_true", help="replace an existing output")
    score.add_argument(
        "--keep", action="append", default=[], metavar="COLUMN", help="copy this input column"
    )
    score.add_argument(
        "--trust-pickle",
        action="store_true",
        help="load a .joblib/.pkl model (runs any code the file holds: only files you made)",
    )
    _scheduler_options(
        score, "threads; a local cluster for a model predicting whole Dask collections"
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
    # 1 means drift: any failure of the check itself is 2, so a gate never mistakes one for drift.
    mon.set_defaults(func=_monitor, failure_code=EXIT_USAGE)

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


#: Longest error text shown (a library's message can hold a whole traceback; --debug shows all).
MAX_MESSAGE = 400


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 3] + "..."
    notes = " ".join(getattr(exc, "__notes__", ()))
    return f"{text} ({notes})" if notes else text


def _exit_code(exc: Exception, failure: int = EXIT_FAILED) -> int:
    usage = (
        ValueError,
        TypeError,
        FileNotFoundError,
        FileExistsError,
        IsADirectoryError,
        ImportError,  # an optional extra is not installed
    )
    return EXIT_USAGE if isinstance(exc, usage) else failure


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``engine`` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt as exc:
        if args.debug:
            raise
        notes = " ".join(getattr(exc, "__notes__", ()))
        print(f"engine: interrupted{f' ({notes})' if notes else ''}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.debug:
            raise
        code = _exit_code(exc, getattr(args, "failure_code", EXIT_FAILED))
        kind = "" if code == EXIT_USAGE else f"{type(exc).__name__}: "
        hint = "" if code == EXIT_USAGE else " [--debug shows the traceback]"
        print(f"engine: error: {kind}{_one_line(exc)}{hint}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
