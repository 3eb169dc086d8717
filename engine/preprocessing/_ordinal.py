"""OrdinalEncoder: every category replaced by its index, scikit-learn 1.9's semantics."""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from engine.data import StrOptions, Table, set_init_params
from engine.preprocessing._base import input_names
from engine.preprocessing._encoder_codes import Coder
from engine.preprocessing._encoder_columns import is_nan
from engine.preprocessing._encoders import INFREQUENT_PARAMETERS, _Encoder
from engine.preprocessing._onehot import INFREQUENT


def _ordinal_block(block, coder: Coder, missing: dict, missing_value, unknown_value, dtype):
    """The ordinal codes of one block."""
    codes, known = coder.codes(block)
    out = codes.astype(dtype, copy=False)
    for j, index in missing.items():
        out[codes[:, j] == index, j] = missing_value
    if unknown_value is not None:
        out[~known] = unknown_value
    return out


def _matches(values: np.ndarray, target: Any) -> np.ndarray:
    return np.isnan(values) if is_nan(target) else values == target


def _ordinal_inverse(X, categories, missing, missing_value, infrequent, unknown_value, dtype):
    """The categories behind one block of codes (scikit-learn's inverse_transform)."""
    X = np.array(X, dtype=np.float64)
    out = np.empty((X.shape[0], len(categories)), dtype=dtype)
    unknown, grouped = {}, {}
    for j, cats in enumerate(categories):
        labels = X[:, j]
        if j in missing:
            labels[_matches(labels, missing_value)] = missing[j]
        rows = np.ones(len(labels), dtype=bool)
        if infrequent[j] is not None:
            grouped[j] = labels == len(cats) - len(infrequent[j])
            rows &= ~grouped[j]
            frequent = np.ones(len(cats), dtype=bool)
            frequent[infrequent[j]] = False
            cats = cats[frequent]
        if unknown_value is not None:
            unknown[j] = _matches(labels, unknown_value)
            rows &= ~unknown[j]
        out[rows, j] = cats[labels[rows].astype(np.int64)]
    if unknown or grouped:
        out = out.astype(object, copy=False)
    for j, rows in unknown.items():
        out[rows, j] = None
    for j, rows in grouped.items():
        out[rows, j] = INFREQUENT
    return out


class OrdinalEncoder(_Encoder):
    """Replace every category by its index (0, 1, ...) in the sorted categories.

    Same parameters, defaults, categories (``categories_`` keep the input's
    dtype), infrequent grouping, errors and results as
    :class:`sklearn.preprocessing.OrdinalEncoder` 1.9: missing values become
    ``encoded_missing_value``; ``handle_unknown="use_encoded_value"`` encodes
    unknown values as ``unknown_value``, ``"error"`` raises naming the column.
    The output keeps the input's kind (dask input stays lazy, same row blocks).
    Cost: fit 1 pass (grouped), 0 passes with explicit ``categories``,
    ``handle_unknown="use_encoded_value"`` and no infrequent grouping;
    transform 1 pass.

    Parameters
    ----------
    categories : "auto" or list of array-like, default="auto"
    dtype : numpy dtype, default=np.float64
        The output's dtype.
    handle_unknown : {"error", "use_encoded_value"}, default="error"
    unknown_value : int, NaN or None, default=None
    encoded_missing_value : int or NaN, default=np.nan
        The code of a missing value (NaN/None).
    min_frequency : int or float, default=None
    max_categories : int, default=None
        Infrequent categories share the code after the frequent ones.

    Examples
    --------
    >>> import numpy as np
    >>> from engine.preprocessing import OrdinalEncoder
    >>> OrdinalEncoder().fit_transform(np.array([["b"], ["a"], ["b"]], dtype=object)).ravel().tolist()
    [1.0, 0.0, 1.0]
    """

    _parameter_constraints = {
        "categories": [StrOptions({"auto"}), list],
        "dtype": "no_validation",  # any NumPy dtype, checked by numpy.dtype
        "encoded_missing_value": [numbers.Integral, type(np.nan)],
        "handle_unknown": [StrOptions({"error", "use_encoded_value"})],
        "unknown_value": [numbers.Integral, type(np.nan), None],
        **INFREQUENT_PARAMETERS,
    }

    def __init__(
        self,
        *,
        categories="auto",
        dtype=np.float64,
        handle_unknown: str = "error",
        unknown_value: float | None = None,
        encoded_missing_value: float = np.nan,
        min_frequency: float | None = None,
        max_categories: int | None = None,
    ):
        set_init_params(self, locals())

    def _check_params(self) -> None:
        super()._check_params()
        if self.handle_unknown != "use_encoded_value":
            if self.unknown_value is not None:
                raise TypeError(
                    "unknown_value should only be set when handle_unknown is "
                    f"'use_encoded_value', got {self.unknown_value}."
                )
        elif is_nan(self.unknown_value):
            if np.dtype(self.dtype).kind != "f":
                raise ValueError(
                    "When unknown_value is np.nan, the dtype parameter should be a float "
                    f"dtype. Got {self.dtype}."
                )
        elif not isinstance(self.unknown_value, numbers.Integral):
            raise TypeError(
                "unknown_value should be an integer or np.nan when handle_unknown is "
                f"'use_encoded_value', got {self.unknown_value}."
            )

    def _ignored_for_infrequent(self) -> dict:
        return self._missing_indices

    def _finish_fit(self, stats: dict, table: Table) -> None:
        super()._finish_fit(stats, table)
        self._check_codes_are_free()

    def _check_codes_are_free(self) -> None:
        """``unknown_value`` and ``encoded_missing_value`` must not be a category's code."""
        known = [
            len(cats) - (0 if idx is None else len(idx)) - (j in self._missing_indices)
            for j, (cats, idx) in enumerate(
                zip(self.categories_, self._infrequent_indices, strict=True)
            )
        ]
        encoded = self.handle_unknown == "use_encoded_value"
        if encoded and any(0 <= self.unknown_value < n for n in known):
            raise ValueError(
                f"The used value for unknown_value {self.unknown_value} is one of the "
                "values already used for encoding the seen categories."
            )
        if not self._missing_indices:
            return
        value = self.encoded_missing_value
        if np.dtype(self.dtype).kind != "f" and is_nan(value):
            raise ValueError(
                f"There are missing values in features {list(self._missing_indices)}. For "
                f"OrdinalEncoder to encode missing values with dtype: {self.dtype}, set "
                "encoded_missing_value to a non-nan value, or set dtype to a float"
            )
        if is_nan(value):
            return
        clashing = [j for j, n in enumerate(known) if j in self._missing_indices and 0 <= value < n]
        if clashing:
            names = getattr(self, "feature_names_in_", None)
            shown = names[clashing] if names is not None else clashing
            raise ValueError(
                f"encoded_missing_value ({value}) is already used to encode a known "
                f"category in features: {shown}"
            )

    def _block_function(self, table: Table):
        return functools.partial(
            _ordinal_block,
            coder=self._coder(self.handle_unknown),
            missing=dict(self._missing_indices),
            missing_value=self.encoded_missing_value,
            unknown_value=self.unknown_value
            if self.handle_unknown == "use_encoded_value"
            else None,
            dtype=np.dtype(self.dtype),
        )

    def transform(self, X: Any):
        """Encode ``X`` into the same kind (Dask input stays lazy, same row blocks)."""
        check_is_fitted(self)
        table = self._check_input(X, reset=False)
        func = self._block_function(table)
        return self._blockwise(table, func, len(self.categories_), np.dtype(self.dtype), False)

    def inverse_transform(self, X: Any):
        """The categories behind codes (NumPy/pandas in, NumPy out; Dask: a lazy dask array).

        ``unknown_value`` gives ``None``, the infrequent code ``"infrequent_sklearn"``.
        """
        X = self._inverse_input(X, accept_sparse=False)
        if X.shape[1] != len(self.categories_):
            raise ValueError(
                "Shape of the passed X data is not correct. Expected "
                f"{len(self.categories_)} columns, got {X.shape[1]}."
            )
        dtype = np.result_type(*[c.dtype for c in self.categories_])
        use_unknown = self.handle_unknown == "use_encoded_value"
        if hasattr(X, "dask") and (
            use_unknown or any(i is not None for i in self._infrequent_indices)
        ):
            dtype = np.dtype(object)  # a block may hold unknown rows: one dtype for all blocks
        func = functools.partial(
            _ordinal_inverse,
            categories=self.categories_,
            missing=dict(self._missing_indices),
            missing_value=self.encoded_missing_value,
            infrequent=self._infrequent_indices,
            unknown_value=self.unknown_value if use_unknown else None,
            dtype=dtype,
        )
        return self._inverse(X, func, len(self.categories_), dtype)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The input column names."""
        check_is_fitted(self)
        return np.asarray(input_names(self, input_features), dtype=object)
