"""One pass over (y_true, y_pred, y_score, sample_weight): the partials every metric needs.

A single block task computes what the requested metrics need -- confusion
counts keyed by (true, predicted) label, the exact per-label distribution of
the scores, log-loss sums per true label, regression sums and moments -- and
the partials merge in a fixed binary tree (see ``engine.stats``). Several
metrics therefore share one read of the data and one ``dask.compute``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dask
import numpy as np

from engine.kernels.moments import chan_update
from engine.stats.internal import (
    KeyedCounts,
    LabeledValueCounts,
    as_block_array,
    check_lengths,
    encode_column,
    keyed_counts_block,
    labeled_value_counts_block,
    merge_keyed_counts,
    merge_labeled_value_counts,
    reduce_blocks,
)

EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class Needs:
    """Which partials a set of metrics needs (merged with ``|``)."""

    confusion: bool = False
    scores: bool = False
    logloss: bool = False
    regression: bool = False

    def __or__(self, other: Needs) -> Needs:
        return Needs(*(a or b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple:
        return (self.confusion, self.scores, self.logloss, self.regression)


@dataclass
class LogLossSums:
    """Per true label: weighted sums of -log(clip(p_c)) for every probability column."""

    labels: np.ndarray
    sums: np.ndarray  # (n_labels, n_columns)
    weight: float
    ymin: float
    ymax: float
    n_not_normalized: int


@dataclass
class RegressionSums:
    """Weighted sums and moments per output column (Chan-mergeable)."""

    n_rows: int
    w: float
    sse: np.ndarray
    sae: np.ndarray
    mean_y: np.ndarray
    m2_y: np.ndarray
    mean_r: np.ndarray
    m2_r: np.ndarray


@dataclass
class Partials:
    """Merged partials of one pass (fields are None when not requested)."""

    confusion: KeyedCounts | None = None
    scores: LabeledValueCounts | None = None
    logloss: LogLossSums | None = None
    regression: RegressionSums | None = None
    n_rowsum_bad: int = 0
    n_rows: int = 0
    extra: dict = field(default_factory=dict)


def _as_2d_float(x: Any, what: str) -> np.ndarray:
    arr = as_block_array(x)
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{what} must be numeric: {exc}") from exc
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    return arr


def _logloss_block(y_true, y_proba, w) -> LogLossSums:
    p = _as_2d_float(y_proba, "y_proba")
    if not np.isfinite(p).all():
        raise ValueError("Input y_proba contains NaN or infinity.")
    n = p.shape[0]
    ymin = float(p.min()) if n else np.inf
    ymax = float(p.max()) if n else -np.inf
    if p.shape[1] == 1:
        p = np.concatenate([1 - p, p], axis=1)
    s = p.sum(axis=1)
    bad = int(np.count_nonzero(~np.isclose(s, 1.0, rtol=np.sqrt(EPS))))
    logs = -np.log(np.clip(p, EPS, 1 - EPS))
    labels, codes = encode_column(as_block_array(y_true).reshape(-1), "y_true")
    sums = np.zeros((len(labels), p.shape[1]))
    for lab in range(len(labels)):
        mask = codes == lab
        sums[lab] = (w[mask] @ logs[mask]) if w is not None else logs[mask].sum(axis=0)
    weight = float(w.sum()) if w is not None else float(n)
    return LogLossSums(labels, sums, weight, ymin, ymax, bad)


def _merge_logloss(a: LogLossSums, b: LogLossSums) -> LogLossSums:
    if a.sums.shape[1] != b.sums.shape[1]:
        raise ValueError("y_proba blocks have different numbers of columns")
    labels = (
        np.union1d(a.labels, b.labels)
        if a.labels.dtype != object
        else np.asarray(sorted(set(a.labels.tolist()) | set(b.labels.tolist())), dtype=object)
    )
    sums = np.zeros((len(labels), a.sums.shape[1]))
    for part in (a, b):
        idx = [int(np.flatnonzero(labels == v)[0]) for v in part.labels.tolist()]
        sums[idx] += part.sums
    return LogLossSums(
        labels,
        sums,
        a.weight + b.weight,
        min(a.ymin, b.ymin),
        max(a.ymax, b.ymax),
        a.n_not_normalized + b.n_not_normalized,
    )


def _regression_block(y_true, y_pred, w) -> RegressionSums:
    y = _as_2d_float(y_true, "y_true")
    p = _as_2d_float(y_pred, "y_pred")
    if y.shape != p.shape:
        raise ValueError(
            f"y_true and y_pred have different shapes in a block: {y.shape} vs {p.shape}"
        )
    for arr, name in ((y, "y_true"), (p, "y_pred")):
        if not np.isfinite(arr).all():
            raise ValueError(f"Input {name} contains NaN or infinity.")
    r = y - p
    if w is None:
        wsum = float(y.shape[0])
        sse = np.einsum("ij,ij->j", r, r)
        sae = np.abs(r).sum(axis=0)
        mean_y = y.mean(axis=0) if y.shape[0] else np.zeros(y.shape[1])
        mean_r = r.mean(axis=0) if y.shape[0] else np.zeros(y.shape[1])
        dy = y - mean_y
        dr = r - mean_r
        m2_y = np.einsum("ij,ij->j", dy, dy)
        m2_r = np.einsum("ij,ij->j", dr, dr)
    else:
        wsum = float(w.sum())
        sse = w @ (r * r)
        sae = w @ np.abs(r)
        safe = wsum if wsum != 0 else 1.0
        mean_y = (w @ y) / safe
        mean_r = (w @ r) / safe
        dy = y - mean_y
        dr = r - mean_r
        m2_y = w @ (dy * dy)
        m2_r = w @ (dr * dr)
    return RegressionSums(y.shape[0], wsum, sse, sae, mean_y, m2_y, mean_r, m2_r)


def _chan(wa, ma, m2a, wb, mb, m2b):
    if wa + wb == 0:
        return ma, m2a + m2b
    return chan_update(wa, ma, m2a, wb, mb, m2b)


def _merge_regression(a: RegressionSums, b: RegressionSums) -> RegressionSums:
    if a.sse.shape != b.sse.shape:
        raise ValueError("y_true blocks have different numbers of outputs")
    mean_y, m2_y = _chan(a.w, a.mean_y, a.m2_y, b.w, b.mean_y, b.m2_y)
    mean_r, m2_r = _chan(a.w, a.mean_r, a.m2_r, b.w, b.mean_r, b.m2_r)
    return RegressionSums(
        a.n_rows + b.n_rows, a.w + b.w, a.sse + b.sse, a.sae + b.sae, mean_y, m2_y, mean_r, m2_r
    )


def _rowsum_bad(y_score) -> int:
    s = _as_2d_float(y_score, "y_score")
    if s.shape[1] < 2:
        return 0
    total = s.sum(axis=1)
    return int(np.count_nonzero(~np.isclose(1.0, total)))


def _n_rows(x) -> int:
    return int(as_block_array(x).shape[0])


@dataclass(frozen=True)
class EvalBlock:
    """The per-block task of one evaluation pass (tokenizes by its ``needs``)."""

    needs: Needs

    def __call__(self, y_true=None, y_pred=None, y_score=None, w=None) -> Partials:
        weights = (
            None if w is None else np.ascontiguousarray(as_block_array(w), np.float64).reshape(-1)
        )
        n = _n_rows(y_true)
        for name, arr in (("y_pred", y_pred), ("y_score", y_score), ("sample_weight", weights)):
            if arr is not None and _n_rows(arr) != n:
                raise ValueError(
                    f"Found input variables with inconsistent numbers of samples in a block: "
                    f"y_true={n}, {name}={_n_rows(arr)}"
                )
        out = Partials(n_rows=n)
        nd = self.needs
        true_block = as_block_array(y_true).reshape(-1) if (nd.confusion or nd.scores) else None
        encoded = encode_column(true_block, "y_true") if true_block is not None else None
        if nd.confusion:
            out.confusion = keyed_counts_block(
                [true_block, y_pred], weights, ["y_true", "y_pred"], encoded={0: encoded}
            )
        if nd.scores:
            out.scores = labeled_value_counts_block(
                as_block_array(y_score), true_block, weights, encoded=encoded
            )
            out.n_rowsum_bad = _rowsum_bad(y_score)
        if nd.logloss:
            out.logloss = _logloss_block(y_true, y_score, weights)
        if nd.regression:
            out.regression = _regression_block(y_true, y_pred, weights)
        return out

    def __dask_tokenize__(self):
        return ("engine-eval-block", self.needs.astuple())


def merge_partials(a: Partials, b: Partials) -> Partials:
    """Merge two evaluation partials (exact counts; fixed-order float sums)."""
    out = Partials(n_rows=a.n_rows + b.n_rows, n_rowsum_bad=a.n_rowsum_bad + b.n_rowsum_bad)
    if a.confusion is not None:
        out.confusion = merge_keyed_counts(a.confusion, b.confusion)
    if a.scores is not None:
        out.scores = merge_labeled_value_counts(a.scores, b.scores)
    if a.logloss is not None:
        out.logloss = _merge_logloss(a.logloss, b.logloss)
    if a.regression is not None:
        out.regression = _merge_regression(a.regression, b.regression)
    return out


def lazy_partials(needs: Needs, y_true, y_pred=None, y_score=None, sample_weight=None):
    """The merged :class:`Partials` for the inputs: now (NumPy/pandas) or a ``Delayed`` (Dask)."""
    check_lengths(y_true=y_true, y_pred=y_pred, y_score=y_score, sample_weight=sample_weight)
    arrays = {"y_true": y_true, "y_pred": y_pred, "y_score": y_score, "w": sample_weight}
    return reduce_blocks(EvalBlock(needs), merge_partials, arrays, name="engine-evaluate")


def compute_partials(
    needs: Needs, y_true, y_pred=None, y_score=None, sample_weight=None
) -> Partials:
    """Compute the partials (one ``dask.compute`` for Dask input)."""
    result = lazy_partials(needs, y_true, y_pred, y_score, sample_weight)
    if dask.is_dask_collection(result):
        (result,) = dask.compute(result)
    if result.n_rows == 0:
        raise ValueError("Found empty input: y_true has 0 samples; a metric needs at least one")
    return result
