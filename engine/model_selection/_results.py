"""Assemble ``cv_results_`` exactly as scikit-learn lays it out."""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata
from sklearn.exceptions import FitFailedWarning


def _param_arrays(candidates: Sequence[Mapping]) -> dict[str, MaskedArray]:
    n = len(candidates)
    found: dict[str, dict[int, Any]] = defaultdict(dict)
    for i, params in enumerate(candidates):
        for name, value in params.items():
            found[f"param_{name}"][i] = value
    out = {}
    for key, values in found.items():
        try:
            arr = np.array(list(values.values()))
        except ValueError:
            dtype = np.dtype(object)
        else:
            dtype = arr.dtype if arr.dtype.kind != "U" and arr.ndim == 1 else np.dtype(object)
        ma = MaskedArray(np.empty(n, dtype=dtype), mask=True)
        for i, value in values.items():
            ma[i] = value
        out[key] = ma
    return out


def _store(
    results: dict, key: str, array: np.ndarray, splits: bool = False, rank: bool = False
) -> None:
    if splits:
        for k in range(array.shape[1]):
            results[f"split{k}_{key}"] = array[:, k]
    means = np.average(array, axis=1)
    results[f"mean_{key}"] = means
    if key.startswith(("train_", "test_")) and np.any(~np.isfinite(means)):
        warnings.warn(
            f"One or more of the {key.split('_')[0]} scores are non-finite: {means}",
            category=UserWarning,
            stacklevel=3,
        )
    results[f"std_{key}"] = np.sqrt(np.average((array - means[:, np.newaxis]) ** 2, axis=1))
    if rank:
        if np.isnan(means).all():
            ranks = np.ones_like(means, dtype=np.int32)
        else:
            filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
            ranks = rankdata(-filled, method="min").astype(np.int32, copy=False)
        results[f"rank_{key}"] = ranks


def format_results(
    candidates: Sequence[Mapping],
    records: Sequence[Sequence[dict]],
    metric_names: Sequence[str],
    return_train_score: bool,
    error_score: Any,
    more: Mapping[str, Sequence] | None = None,
) -> dict:
    """``records[c][f]`` dicts -> the ``cv_results_`` dict (same keys as scikit-learn).

    Records of early-stopped fits carry ``best_iteration`` (0-based); they add
    ``split{k}_best_iteration`` and ``mean_best_iteration`` (NaN where a fit
    did not stop early).
    """
    n, k = len(candidates), len(records[0]) if records else 0
    results: dict[str, Any] = {key: np.asarray(val) for key, val in (more or {}).items()}

    def grid(get):
        return np.array([[get(rec) for rec in row] for row in records], dtype=np.float64).reshape(
            n, k
        )

    _store(results, "fit_time", grid(lambda r: r["fit_time"]))
    _store(results, "score_time", grid(lambda r: r["score_time"]))
    results.update(_param_arrays(candidates))
    results["params"] = [dict(p) for p in candidates]
    if any(rec.get("best_iteration") is not None for row in records for rec in row):
        best = grid(lambda r: np.nan if r.get("best_iteration") is None else r["best_iteration"])
        for split in range(best.shape[1]):
            results[f"split{split}_best_iteration"] = best[:, split]
        results["mean_best_iteration"] = best.mean(axis=1)
    for name in metric_names:
        test = grid(lambda r, m=name: r["test"][m] if m in r["test"] else float(error_score))
        _store(results, f"test_{name}", test, splits=True, rank=True)
        if return_train_score:
            train = grid(lambda r, m=name: (r["train"] or {}).get(m, float(error_score)))
            _store(results, f"train_{name}", train, splits=True)
    return results


def returned_metric_names(records: Sequence[Sequence[dict]], names: Sequence[str]) -> list:
    """The metrics of the results: the scorers' names, or the keys a callable scorer returned.

    A callable ``scoring`` may return a dict of scores; its keys are known
    only from a fit that succeeded (failed fits get ``error_score`` for each).
    """
    for row in records:
        for record in row:
            if record["error"] is None and not record["score_errors"]:
                return list(record["test"])
    return list(names)


def error_messages(records: Sequence[Sequence[dict]]) -> np.ndarray:
    """``(n_candidates, n_splits)`` object array of failure messages (``None`` when fitted)."""
    out = np.empty((len(records), len(records[0]) if records else 0), dtype=object)
    for c, row in enumerate(records):
        for f, rec in enumerate(row):
            out[c, f] = rec["error"]
    return out


def warn_fit_failures(messages: np.ndarray, error_score: Any) -> None:
    """FitFailedWarning summarising failures (``ValueError`` when every fit failed)."""
    failed = [m for m in messages.ravel() if m is not None]
    if not failed:
        return
    total = messages.size
    counts: dict[str, int] = defaultdict(int)
    for m in failed:
        counts[m] += 1
    summary = "\n".join(
        f"--------------------------------------------------------------------------------\n"
        f"{c} fits failed with the following error:\n{m}"
        for m, c in counts.items()
    )
    if len(failed) == total:
        raise ValueError(
            f"\nAll the {total} fits failed.\nIt is very likely that your model is misconfigured.\n"
            f"You can try to debug the error by setting error_score='raise'.\n\n"
            f"Below are more details about the failures:\n{summary}"
        )
    warnings.warn(
        f"\n{len(failed)} fits failed out of a total of {total}.\nThe score on these train-test "
        f"partitions for these parameters will be set to {error_score}.\nIf these failures are "
        f"not expected, you can try to debug them by setting error_score='raise'.\n\n"
        f"Below are more details about the failures:\n{summary}",
        FitFailedWarning,
        stacklevel=3,
    )


def warn_score_failures(records: Sequence[Sequence[dict]], error_score: Any) -> None:
    """scikit-learn's "Scoring failed" ``UserWarning``, once per failed score.

    A score fails when the fit succeeded but a scorer, or transforming the
    rows to score, raised; that score is ``error_score``.
    """
    for row in records:
        for record in row:
            for message in record["score_errors"]:
                warnings.warn(
                    "Scoring failed. The score on this train-test partition for these "
                    f"parameters will be set to {error_score}. Details: \n{message}",
                    UserWarning,
                    stacklevel=3,
                )
