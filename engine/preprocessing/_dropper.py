"""MissingDropper: drop the columns or rows with too many missing values."""

from __future__ import annotations

import functools
import numbers

import numpy as np
from sklearn.base import OneToOneFeatureMixin

from engine.data import Interval, StrOptions
from engine.data._adapters import Table
from engine.kernels import elementwise as ew
from engine.preprocessing._base import EngineTransformer, check_finite_moments
from engine.stats._moments import Moments, column_moments


def _select_columns(block: np.ndarray, keep: np.ndarray) -> np.ndarray:
    return np.asarray(block, dtype=np.float64)[:, keep]


def _drop_rows(block: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    block = np.ascontiguousarray(block, dtype=np.float64)
    n_columns = block.shape[1]
    keep = ew.row_missing_counts(block) <= threshold * n_columns
    return block[keep], keep


class MissingDropper(OneToOneFeatureMixin, EngineTransformer):
    """Drop the columns (or rows) whose share of missing values exceeds ``threshold``.

    ``axis="columns"`` learns in fit which columns to keep (missing share
    ``<= threshold``) and selects them in transform; ``axis="rows"`` drops, in
    transform, every row whose share of NaN among its columns exceeds
    ``threshold`` (Dask output then has unknown row chunk sizes). inf is
    rejected in fit, naming the column.

    Method: NaN counts from the one-pass moments kernel; row NaN counts from a
    one-pass Numba kernel. Exact. Cost: fit 1 pass; transform 1 pass.

    Parameters
    ----------
    axis : {"columns", "rows"}, default="columns"
    threshold : float in [0, 1], default=0.5
        Largest share of missing values kept.

    Attributes
    ----------
    missing_fraction_ : ndarray of shape (n_features,)
        Share of NaN per column in the fitted data.
    support_ : ndarray of bool, shape (n_features,)
        Columns kept by transform (all True for ``axis="rows"``).

    Examples
    --------
    >>> import numpy as np
    >>> from engine.preprocessing import MissingDropper
    >>> X = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, 4.0]])
    >>> MissingDropper(threshold=0.5).fit_transform(X).tolist()
    [[1.0], [2.0], [3.0]]
    """

    _parameter_constraints = {
        "axis": [StrOptions({"columns", "rows"})],
        "threshold": [Interval(numbers.Real, 0.0, 1.0, closed="both")],
    }

    def __init__(self, *, axis: str = "columns", threshold: float = 0.5):
        self.axis = axis
        self.threshold = threshold

    @property
    def _drops_rows(self) -> bool:
        return self.axis == "rows"

    def _statistics(self, table: Table) -> dict:
        return {"moments": column_moments(table)}

    def _finish_fit(self, stats: dict, table: Table) -> None:
        check_finite_moments(stats["moments"], table.columns)
        m = Moments(stats["moments"])
        total = m.count + m.missing
        self.missing_fraction_ = np.where(total > 0, m.missing / np.maximum(total, 1), 0.0)
        if self.axis == "columns":
            self.support_ = self.missing_fraction_ <= self.threshold
        else:
            self.support_ = np.ones(table.n_columns, dtype=bool)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the kept columns."""
        names = super().get_feature_names_out(input_features)
        return names[self.support_]

    def _block_function(self, table: Table):
        if self.axis == "rows":
            return functools.partial(_drop_rows, threshold=float(self.threshold))
        return functools.partial(_select_columns, keep=np.flatnonzero(self.support_))
