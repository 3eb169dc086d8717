"""``engine warmup``: compile every kernel the engine calls, once, into the kernel cache.

Method: the engine's public functions run on tiny tables of every input kind
they accept (NumPy C- and Fortran-ordered, read-only arrays as Zarr gives,
pandas, dask.array, dask DataFrame) and every label kind (integers, booleans,
strings, floats), on the synchronous scheduler. Each kernel is thus compiled
for exactly the argument types (dtype, layout, writability) that real calls
pass it, through the same code paths, and Numba saves it to the cache of
:func:`engine.kernels.cache_location`. A process that finds the cache loads
the compiled code instead of compiling: no compilation on the critical path.
A warm marker records the run (see :func:`engine.kernels.is_warm`).

Cost: the first run compiles everything (tens of seconds, a few hundred MiB,
once per installation, image or node); a run over a warm cache only loads.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["warmup"]

_ROWS = 48
#: Rows of the table whose quantiles need the second and third selection pass:
#: more values in one first-pass bucket than the direct gather takes (65,536).
_DEEP_ROWS = 70_000


def _matrices() -> Iterator[np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(_ROWS, 3)) * [1.0, 10.0, 100.0]
    X[::7, 0] = np.nan
    X[3, 1] = 1e6  # an outlier for the outlier rules
    yield X
    deep = 1.0 + rng.random((_DEEP_ROWS, 2)) * 1e-9  # one first-pass bucket
    deep[::11, 1] = np.nan
    yield deep


def _numeric_inputs() -> Iterator[Any]:
    import dask.array as da
    import dask.dataframe as dd
    import pandas as pd

    for X in _matrices():
        read_only = X.copy()
        read_only.flags.writeable = False
        frame = pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])])
        half = (X.shape[0] + 1) // 2
        yield X
        yield np.asfortranarray(X)
        yield read_only
        yield frame
        yield da.from_array(X, chunks=(half, X.shape[1]))
        yield da.from_array(read_only, chunks=(half, X.shape[1]))
        yield dd.from_pandas(frame, npartitions=2)


def _preprocessing(X) -> None:
    from engine import preprocessing as pp

    steps = [
        pp.StandardScaler(),
        pp.MinMaxScaler(),
        pp.MaxAbsScaler(),
        pp.RobustScaler(),
        pp.MissingDropper(axis="columns"),
        pp.MissingDropper(axis="rows"),
        *(pp.SimpleImputer(strategy=s) for s in ("mean", "median", "most_frequent")),
        *(
            pp.OutlierHandler(method=method, action=action)
            for method in ("iqr", "zscore")
            for action in ("flag", "clip", "nan", "drop")
        ),
    ]
    for step in steps:
        out = step.fit_transform(X)
        if hasattr(out, "compute"):
            out.compute()


def _statistics(X) -> None:
    from engine.stats import profile, quantile

    profile(X)
    out = quantile(X, [0.1, 0.5, 0.9])
    if hasattr(out, "compute"):
        out.compute()


def _labels() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(y_true, y_pred, y_score) for every label kind: int, bool, str, float; binary and multiclass."""
    rng = np.random.default_rng(1)
    binary = rng.integers(0, 2, _ROWS)
    flipped = np.where(rng.random(_ROWS) < 0.2, 1 - binary, binary)
    score = np.clip(binary * 0.6 + rng.random(_ROWS) * 0.5, 0, 1)
    yield binary, flipped, score
    yield binary.astype(bool), flipped.astype(bool), score
    yield binary.astype(float), flipped.astype(float), score
    yield np.array(["no", "yes"])[binary], np.array(["no", "yes"])[flipped], score
    multi = rng.integers(0, 3, _ROWS)
    yield multi, np.roll(multi, 1), None


def _metrics(y_true, y_pred, y_score) -> None:
    from engine import metrics

    pos = {} if y_score is None else {"pos_label": y_true[np.argmax(y_score)]}
    average = "binary" if y_score is not None else "macro"
    metrics.accuracy_score(y_true, y_pred)
    metrics.confusion_matrix(y_true, y_pred)
    metrics.f1_score(y_true, y_pred, average=average, **pos)
    metrics.precision_recall_fscore_support(y_true, y_pred, average=average, **pos)
    if y_score is not None:
        metrics.roc_auc_score(y_true, y_score)
        metrics.roc_curve(y_true, y_score, **pos)
        metrics.log_loss(y_true, y_score)


def _regression() -> None:
    from engine import metrics

    rng = np.random.default_rng(2)
    y = rng.normal(size=_ROWS)
    pred = y + rng.normal(scale=0.1, size=_ROWS)
    for metric in (metrics.mean_squared_error, metrics.mean_absolute_error, metrics.r2_score):
        metric(y, pred)


def _fairness(y_true, y_pred) -> None:
    from engine import fairness

    groups = np.array(["a", "b", "c"])[np.arange(_ROWS) % 3]
    for sensitive in (groups, np.arange(_ROWS) % 2):
        fairness.bias_report(y_true, y_pred, sensitive, pos_label=y_true[0])


def _drift() -> None:
    import pandas as pd

    from engine.drift import drift_report

    rng = np.random.default_rng(3)
    frames = [
        pd.DataFrame(
            {
                "x": rng.normal(shift, 1.0, _ROWS),
                "n": rng.integers(0, 5, _ROWS),
                "cat": np.array(["u", "v", "w"])[rng.integers(0, 3, _ROWS)],
            }
        )
        for shift in (0.0, 0.5)
    ]
    drift_report(*frames, categorical=["cat"])
    for method in ("ks", "wasserstein", "psi", "jensenshannon"):
        drift_report(*frames, columns=["x"], method=method)


def _encoders_and_splits() -> None:
    import pandas as pd

    from engine.model_selection import StratifiedKFold, train_test_split
    from engine.preprocessing import OneHotEncoder, OrdinalEncoder, RandomOverSampler

    rng = np.random.default_rng(4)
    frame = pd.DataFrame(
        {"s": np.array(["p", "q", "r"])[rng.integers(0, 3, _ROWS)], "i": rng.integers(0, 4, _ROWS)}
    )
    y = rng.integers(0, 2, _ROWS)
    OneHotEncoder().fit_transform(frame)
    OrdinalEncoder().fit_transform(frame)
    X = next(_matrices())
    RandomOverSampler(random_state=0).fit_resample(X, y)
    train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    list(StratifiedKFold(n_splits=3).split(X, y))


def _sparse_polynomials() -> None:
    import scipy.sparse as sp

    from engine.preprocessing import PolynomialFeatures

    X = np.nan_to_num(next(_matrices()))
    for dtype in (np.float64, np.float32):
        for sparse in (sp.csr_matrix(X.astype(dtype)), sp.csc_matrix(X.astype(dtype))):
            for interaction_only in (False, True):
                PolynomialFeatures(degree=3, interaction_only=interaction_only).fit_transform(
                    sparse
                )


def _workload() -> Iterator[Callable[[], None]]:
    for X in _numeric_inputs():
        yield lambda X=X: _preprocessing(X)
        yield lambda X=X: _statistics(X)
    for y_true, y_pred, y_score in _labels():
        yield lambda a=y_true, b=y_pred, c=y_score: _metrics(a, b, c)
        if y_score is not None:  # binary: the fairness metrics' task
            yield lambda a=y_true, b=y_pred: _fairness(a, b)
    yield _regression
    yield _drift
    yield _encoders_and_splits
    yield _sparse_polynomials


def _counts(kernels) -> tuple[int, int]:
    compiled = sum(sum(k.stats.cache_misses.values()) for k in kernels)
    loaded = sum(sum(k.stats.cache_hits.values()) for k in kernels)
    return compiled, loaded


def warmup(*, force: bool = False) -> dict:
    """Compile (or load) every kernel the engine uses into the kernel cache.

    Runs the engine's public functions on tiny tables of every input kind and
    label kind, so each kernel is compiled for the argument types real calls
    pass it, saves the compiled code to the kernel cache of this process
    (:func:`engine.kernels.cache_location`: ``ENGINE_KERNEL_CACHE``, else the
    package, else a per-user folder) and writes the warm marker that workers
    check. Later processes, workers and containers load the kernels instead of
    compiling them. The first run compiles (about a minute of one core and a
    few hundred MiB, once); over a cache already warm for this engine, Python,
    Numba and CPU it returns at once unless ``force``.

    Parameters
    ----------
    force : bool
        Run the workload even when the cache is marked warm (it then loads
        every kernel, which checks the cache).

    Returns
    -------
    dict
        ``cache_dir`` (str, or None when no cache directory is writable),
        ``origin`` (which rule chose it), ``kernels`` (how many the engine
        has), ``compiled`` and ``loaded`` (kernel signatures compiled, or
        loaded from the cache, by this run), ``skipped`` (already warm),
        ``seconds``.

    Examples
    --------
    >>> import engine
    >>> report = engine.warmup()  # doctest: +SKIP
    >>> sorted(report)  # doctest: +SKIP
    ['cache_dir', 'compiled', 'kernels', 'loaded', 'origin', 'seconds', 'skipped']
    """
    import dask

    from engine.kernels import cache_location, is_warm, kernel_dispatchers, mark_warm, warm_key

    start = time.perf_counter()
    location, key = cache_location(), warm_key()
    kernels = kernel_dispatchers()
    report = {
        "cache_dir": None if location.directory is None else str(location.directory),
        "origin": location.origin,
        "kernels": len(kernels),
        "compiled": 0,
        "loaded": 0,
        "skipped": not force and is_warm(location.directory, key),
    }
    if not report["skipped"]:
        before = _counts(kernels.values())
        with (
            dask.config.set(scheduler="sync"),
            warnings.catch_warnings(),
            np.errstate(all="ignore"),
        ):
            warnings.simplefilter("ignore")
            for run in _workload():
                run()
        after = _counts(kernels.values())
        report["compiled"], report["loaded"] = after[0] - before[0], after[1] - before[1]
    report["seconds"] = round(time.perf_counter() - start, 3)
    if location.directory is not None and not report["skipped"]:
        mark_warm(location.directory, key, report)
    return report
