"""One pass over (y_true, y_pred, y_score, sample_weight): the partials every metric needs.

A single block task computes what the requested metrics need -- the target
summaries scikit-learn's target checks decide on (kind, classes), confusion
counts keyed by (true, predicted) label or, for multilabel indicators, per
label and per row statistics, the exact per-label distribution of the scores,
log-loss sums per true label, regression sums and moments -- and the partials
merge in a fixed binary tree (see ``engine.stats``). Several metrics therefore
share one read of the data and one ``dask.compute``.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, field, fields
from typing import Any

import dask
import numpy as np

from engine.kernels.moments import chan_update
from engine.metrics._multilabel import (
    MultilabelCounts,
    merge_multilabel_counts,
    multilabel_counts_block,
    row_cells_block,
)
from engine.metrics._multilabel_ranking import (
    MultilabelScores,
    merge_multilabel_scores,
    multilabel_scores_block,
)
from engine.metrics._target_merge import merge_target_summaries
from engine.metrics._target_summary import TargetSummary, as_target_array, describe_target
from engine.stats.internal import (
    KeyedCounts,
    LabeledValueCounts,
    as_block_array,
    check_lengths,
    keyed_counts_block,
    labeled_value_counts_block,
    merge_keyed_counts,
    merge_labeled_value_counts,
    reduce_blocks,
)


def _eps(dtype: np.dtype) -> float:
    """scikit-learn's clipping eps: that of the probabilities' float dtype (float64 otherwise)."""
    return float(np.finfo(dtype if dtype.kind == "f" else np.float64).eps)


@dataclass(frozen=True)
class Needs:
    """Which partials a set of metrics needs (merged with ``|``).

    ``row_subsets`` lists the label subsets (tuples of column indices) whose
    per-row statistics multilabel ``average="samples"`` metrics need;
    ``samplewise`` asks for every row's multilabel confusion cells over the
    columns ``samplewise_labels`` (None: all).
    """

    confusion: bool = False
    scores: bool = False
    logloss: bool = False
    regression: bool = False
    row_subsets: frozenset = frozenset()
    samplewise: bool = False
    samplewise_labels: tuple | None = None

    def __or__(self, other: Needs) -> Needs:
        merged = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            merged[f.name] = (
                a | b if isinstance(a, bool | frozenset) else (a if a is not None else b)
            )
        return Needs(**merged)

    def astuple(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self))

    @property
    def classification(self) -> bool:
        return self.confusion or self.scores or self.logloss


@dataclass
class LogLossSums:
    """Weighted sums of -log(clip(p)) (one pass).

    For a 1-D target: per true label, the sums for every probability column.
    For a multilabel indicator: ``positive``, per column the sum of
    ``y * -log(clip(p))`` (``labels``/``sums`` unused).
    """

    labels: np.ndarray
    sums: np.ndarray  # (n_labels, n_columns)
    weight: float
    ymin: float
    ymax: float
    n_not_normalized: int
    positive: np.ndarray | None = None


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
    """Merged partials of one pass (fields are None when not requested or not applicable).

    ``weight_kind`` (``"none"``, ``"int"`` or ``"float"``: the dtype of
    ``sample_weight``) is set once the pass is computed.
    """

    true_summary: TargetSummary | None = None
    pred_summary: TargetSummary | None = None
    confusion: KeyedCounts | None = None
    multilabel: MultilabelCounts | None = None
    scores: LabeledValueCounts | None = None
    multilabel_scores: MultilabelScores | None = None
    n_score_columns: int = 0
    logloss: LogLossSums | None = None
    regression: RegressionSums | None = None
    row_cells: np.ndarray | None = None
    n_rowsum_bad: int = 0
    n_rows: int = 0
    weight_kind: str = "none"
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


@dataclass
class _Target:
    """A converted target block: the array, its summary, and 1-D codes when it has labels."""

    array: np.ndarray
    summary: TargetSummary
    encoded: tuple | None  # (sorted labels, codes) of a 1-D target with sortable labels

    @property
    def multi(self) -> bool:
        """A 2-D block with several columns that may be a multilabel indicator."""
        s = self.summary
        return (
            s.ndim == 2
            and s.n_columns > 1
            and s.dtype.kind in "biuf"
            and not s.non_integral
            and s.uniques is not None
            and len(s.uniques) < 3
        )


def _target(y: Any, name: str) -> _Target:
    arr = as_target_array(y)
    column = arr.ndim == 2 and arr.shape[1] == 1
    if column:
        arr = arr[:, 0]  # a column vector is a 1-D target (scikit-learn's column_or_1d)
    summary, encoded = describe_target(arr, name)
    if column:
        summary.ndim = 2
    return _Target(arr, summary, encoded)


def _logloss_block(target: _Target, y_proba, w) -> LogLossSums:
    raw = as_block_array(y_proba)
    p = _as_2d_float(raw, "y_proba")
    if not np.isfinite(p).all():
        raise ValueError("Input y_proba contains NaN or infinity.")
    n = p.shape[0]
    ymin = float(p.min()) if n else np.inf
    ymax = float(p.max()) if n else -np.inf
    if p.shape[1] == 1:
        p = np.concatenate([1 - p, p], axis=1)
    s = p.sum(axis=1)
    eps = _eps(raw.dtype)
    bad = int(np.count_nonzero(~np.isclose(s, 1.0, rtol=np.sqrt(eps))))
    logs = -np.log(np.clip(p, eps, 1 - eps))
    weight = float(w.sum()) if w is not None else float(n)
    if target.multi:
        y = target.array.astype(np.float64)
        if y.shape != logs.shape:
            return LogLossSums(np.empty(0), np.zeros((0, p.shape[1])), weight, ymin, ymax, bad)
        yw = y if w is None else y * w[:, None]
        positive = np.einsum("nl,nl->l", yw, logs)
        return LogLossSums(
            np.empty(0), np.zeros((0, p.shape[1])), weight, ymin, ymax, bad, positive
        )
    if target.encoded is None:
        return LogLossSums(np.empty(0), np.zeros((0, p.shape[1])), weight, ymin, ymax, bad)
    labels, codes = target.encoded
    sums = np.zeros((len(labels), p.shape[1]))
    for lab in range(len(labels)):
        mask = codes == lab
        sums[lab] = (w[mask] @ logs[mask]) if w is not None else logs[mask].sum(axis=0)
    return LogLossSums(labels, sums, weight, ymin, ymax, bad)


def _merge_logloss(a: LogLossSums, b: LogLossSums) -> LogLossSums:
    if a.sums.shape[1] != b.sums.shape[1]:
        raise ValueError("y_proba blocks have different numbers of columns")
    positive = None if a.positive is None else a.positive + b.positive
    labels = (
        np.union1d(a.labels, b.labels)
        if a.labels.dtype != object and b.labels.dtype != object
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
        positive,
    )


def _regression_block(y_true, y_pred, w) -> RegressionSums:
    y = _as_2d_float(y_true, "y_true")
    p = _as_2d_float(y_pred, "y_pred")
    if y.shape[1] != p.shape[1]:
        raise ValueError(
            f"y_true and y_pred have different number of output ({y.shape[1]}!={p.shape[1]})"
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


def _rowsum_bad(scores: np.ndarray) -> int:
    if scores.shape[1] < 2:
        return 0
    return int(np.count_nonzero(~np.isclose(1.0, scores.sum(axis=1))))


def _n_rows(x) -> int:
    shape = getattr(x, "shape", None)
    return int(shape[0]) if shape is not None else len(x)


def _count_weights(raw: np.ndarray | None, weights: np.ndarray | None) -> np.ndarray | None:
    """Integer (and boolean) weights as int64: confusion counts add them exactly, as scikit-learn."""
    if raw is not None and raw.dtype.kind in "biu":
        return raw.astype(np.int64)
    return weights


def _confusion(out: Partials, t: _Target, p: _Target, weights, count_weights, needs) -> None:
    if t.encoded is not None and p.encoded is not None:
        out.confusion = keyed_counts_block(
            [t.array, p.array],
            count_weights,
            ["y_true", "y_pred"],
            encoded={0: t.encoded, 1: p.encoded},
        )
    elif t.multi and p.multi and t.array.shape[1] == p.array.shape[1]:
        out.multilabel = multilabel_counts_block(t.array, p.array, weights, needs.row_subsets)
        if needs.samplewise:
            out.row_cells = row_cells_block(t.array, p.array, weights, needs.samplewise_labels)


def _scores(out: Partials, t: _Target, y_score, weights) -> None:
    scores = _as_2d_float(y_score, "y_score")
    if not np.isfinite(scores).all():
        raise ValueError("Input y_score contains NaN or infinity.")
    out.n_score_columns = scores.shape[1] if np.ndim(as_block_array(y_score)) == 2 else 0
    out.n_rowsum_bad = _rowsum_bad(scores)
    if t.encoded is not None:
        out.scores = labeled_value_counts_block(scores, t.array, weights, encoded=t.encoded)
    elif t.multi:
        out.multilabel_scores = multilabel_scores_block(t.array, scores, weights)


@dataclass(frozen=True)
class EvalBlock:
    """The per-block task of one evaluation pass (tokenizes by its ``needs``)."""

    needs: Needs

    def __call__(self, y_true=None, y_pred=None, y_score=None, w=None) -> Partials:
        raw_weights = None if w is None else as_block_array(w).reshape(-1)
        weights = None if w is None else np.ascontiguousarray(raw_weights, np.float64)
        n = _n_rows(y_true)
        for name, arr in (("y_pred", y_pred), ("y_score", y_score), ("sample_weight", weights)):
            if arr is not None and _n_rows(arr) != n:
                raise ValueError(
                    f"Found input variables with inconsistent numbers of samples in a block: "
                    f"y_true={n}, {name}={_n_rows(arr)}"
                )
        out = Partials(n_rows=n)
        nd = self.needs
        if nd.classification:
            t = _target(y_true, "y_true")
            out.true_summary = t.summary
            if nd.confusion:
                p = _target(y_pred, "y_pred")
                out.pred_summary = p.summary
                _confusion(out, t, p, weights, _count_weights(raw_weights, weights), nd)
            if nd.scores:
                _scores(out, t, y_score, weights)
            if nd.logloss:
                out.logloss = _logloss_block(t, y_score, weights)
        if nd.regression:
            out.regression = _regression_block(y_true, y_pred, weights)
        return out

    def __dask_tokenize__(self):
        return ("engine-eval-block", astuple(self.needs))


def _merge_optional(a, b, merge):
    if a is None or b is None:
        return a if b is None else b
    return merge(a, b)


def _concatenate(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.concatenate([a, b])


def merge_partials(a: Partials, b: Partials) -> Partials:
    """Merge two evaluation partials (exact counts; fixed-order float sums)."""
    return Partials(
        true_summary=_merge_optional(a.true_summary, b.true_summary, merge_target_summaries),
        pred_summary=_merge_optional(a.pred_summary, b.pred_summary, merge_target_summaries),
        confusion=_merge_optional(a.confusion, b.confusion, merge_keyed_counts),
        multilabel=_merge_optional(a.multilabel, b.multilabel, merge_multilabel_counts),
        scores=_merge_optional(a.scores, b.scores, merge_labeled_value_counts),
        multilabel_scores=_merge_optional(
            a.multilabel_scores, b.multilabel_scores, merge_multilabel_scores
        ),
        n_score_columns=max(a.n_score_columns, b.n_score_columns),
        logloss=_merge_optional(a.logloss, b.logloss, _merge_logloss),
        regression=_merge_optional(a.regression, b.regression, _merge_regression),
        row_cells=_merge_optional(a.row_cells, b.row_cells, _concatenate),
        n_rowsum_bad=a.n_rowsum_bad + b.n_rowsum_bad,
        n_rows=a.n_rows + b.n_rows,
    )


def lazy_partials(needs: Needs, y_true, y_pred=None, y_score=None, sample_weight=None):
    """The merged :class:`Partials` for the inputs: now (NumPy/pandas) or a ``Delayed`` (Dask)."""
    check_lengths(y_true=y_true, y_pred=y_pred, y_score=y_score, sample_weight=sample_weight)
    if sample_weight is not None and np.ndim(sample_weight) > 1:
        raise ValueError("Sample weights must be 1D array or scalar")
    arrays = {"y_true": y_true, "y_pred": y_pred, "y_score": y_score, "w": sample_weight}
    return reduce_blocks(EvalBlock(needs), merge_partials, arrays, name="engine-evaluate")


def weight_kind(sample_weight) -> str:
    """``"none"``, ``"int"`` (integer or boolean weights) or ``"float"``."""
    if sample_weight is None:
        return "none"
    dtype = getattr(sample_weight, "dtype", None)
    if dtype is None:
        dtype = np.asarray(sample_weight).dtype
    return "int" if np.dtype(dtype).kind in "biu" else "float"


def finish(result: Partials, sample_weight) -> Partials:
    """Checks and settings common to every computed pass."""
    if result.n_rows == 0:
        raise ValueError("Found empty input: y_true has 0 samples; a metric needs at least one")
    result.weight_kind = weight_kind(sample_weight)
    return result


def compute_partials(
    needs: Needs, y_true, y_pred=None, y_score=None, sample_weight=None
) -> Partials:
    """Compute the partials (one ``dask.compute`` for Dask input)."""
    result = lazy_partials(needs, y_true, y_pred, y_score, sample_weight)
    if dask.is_dask_collection(result):
        (result,) = dask.compute(result)
    return finish(result, sample_weight)
