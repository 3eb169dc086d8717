"""OneHotEncoder: one 0/1 column per category, scikit-learn 1.9's semantics."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.utils.validation import check_is_fitted

from engine.data import StrOptions, Table, set_init_params
from engine.preprocessing._base import input_names
from engine.preprocessing._encoder_codes import Coder
from engine.preprocessing._encoder_columns import is_nan
from engine.preprocessing._encoders import INFREQUENT_PARAMETERS, _Encoder

INFREQUENT = "infrequent_sklearn"  # scikit-learn's name of the grouped infrequent category


def _onehot_block(block, coder: Coder, warn, drop, n_outs, dtype, sparse):
    """The one-hot encoding of one block (CSR, or dense when ``sparse`` is False)."""
    codes, known = coder.codes(block, warn=warn)
    if drop is not None:
        known &= codes != np.where(drop < 0, -1, drop)[None, :]
        codes[codes > np.where(drop < 0, np.iinfo(np.int64).max, drop)[None, :]] -= 1
    offsets = np.cumsum([0, *n_outs])
    indices = (codes + offsets[:-1]).ravel()[known.ravel()]
    indptr = np.zeros(codes.shape[0] + 1, dtype=np.int64)
    np.cumsum(known.sum(axis=1), out=indptr[1:])
    data = np.ones(indptr[-1], dtype=dtype)
    out = sp.csr_matrix((data, indices, indptr), shape=(codes.shape[0], offsets[-1]), dtype=dtype)
    return out if sparse else out.toarray()


def _onehot_inverse(X, categories, kept, drop, unknown_as_none, dtype, n_outs):
    """The categories behind one block of one-hot rows (scikit-learn's inverse_transform)."""
    out = np.empty((X.shape[0], len(categories)), dtype=dtype)
    unknown = {}
    start = 0
    for j in range(len(categories)):
        width = n_outs[j]
        if width == 0:
            out[:, j] = kept[j][drop[j]]
            continue
        sub = X[:, start : start + width]
        out[:, j] = _drop_removed(kept[j], drop[j])[np.asarray(sub.argmax(axis=1)).ravel()]
        zero = np.asarray(sub.sum(axis=1) == 0).ravel()
        if zero.any():
            if drop[j] >= 0:
                out[zero, j] = kept[j][drop[j]]
            elif unknown_as_none[j]:
                unknown[j] = zero
            else:
                raise ValueError(
                    f"Samples {np.flatnonzero(zero)} can not be inverted when drop=None "
                    "and handle_unknown='error' because they contain all zeros"
                )
        start += width
    if unknown:
        out = out.astype(object)
        for j, rows in unknown.items():
            out[rows, j] = None
    return out


def _drop_removed(cats: np.ndarray, drop: int) -> np.ndarray:
    return cats if drop < 0 else np.delete(cats, drop)


class OneHotEncoder(_Encoder):
    """One 0/1 column per category of every column, as scikit-learn's OneHotEncoder.

    Same parameters, defaults, categories (``categories_`` keep the input's
    dtype), infrequent categories, dropped columns, feature names, warnings,
    errors and results as :class:`sklearn.preprocessing.OneHotEncoder` 1.9.
    ``sparse_output=True`` (the default) gives a SciPy CSR matrix for
    in-memory input and a dask array of CSR blocks for Dask input (arrays and
    frames); ``sparse_output=False`` keeps the input's kind (pandas in, pandas
    out; dask in, dask out, lazy, same row blocks).

    Method: exact distinct values with their counts per block, added in a
    fixed tree; the infrequent categories come from those counts. Cost: fit 1
    pass, 0 passes with explicit ``categories``, ``handle_unknown`` other than
    ``"error"`` and no ``min_frequency``/``max_categories``; transform 1 pass.

    Parameters
    ----------
    categories : "auto" or list of array-like, default="auto"
        Categories per column; numeric ones must be sorted, none repeated, NaN last.
    drop : {"first", "if_binary"}, array-like or None, default=None
        The category per column whose output column is left out.
    sparse_output : bool, default=True
    dtype : numpy dtype, default=np.float64
        The output's dtype.
    handle_unknown : {"error", "ignore", "infrequent_if_exist", "warn"}, default="error"
    min_frequency : int or float, default=None
        Categories seen fewer times (a float: a fraction of the rows) are infrequent.
    max_categories : int, default=None
        At most this many output columns per input column, the infrequent one included.
    feature_name_combiner : "concat" or callable, default="concat"
        ``f(column, category) -> str``: the output feature names.

    Attributes
    ----------
    categories_ : list of ndarray
    drop_idx_ : ndarray of object or None
    infrequent_categories_ : list of ndarray or None
        Only with ``min_frequency`` or ``max_categories``.

    Examples
    --------
    >>> import pandas as pd
    >>> from engine.preprocessing import OneHotEncoder
    >>> X = pd.DataFrame({"c": ["b", "a", "b", "c"]})
    >>> OneHotEncoder(sparse_output=False).fit_transform(X).to_numpy().tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    >>> enc = OneHotEncoder(max_categories=2, sparse_output=False).fit(X)
    >>> enc.infrequent_categories_, list(enc.get_feature_names_out())
    ([array(['a', 'c'], dtype=object)], ['c_b', 'c_infrequent_sklearn'])
    """

    _parameter_constraints = {
        "categories": [StrOptions({"auto"}), list],
        "drop": [StrOptions({"first", "if_binary"}), "array-like", None],
        "dtype": "no_validation",  # any NumPy dtype, checked by numpy.dtype
        "handle_unknown": [StrOptions({"error", "ignore", "infrequent_if_exist", "warn"})],
        **INFREQUENT_PARAMETERS,
        "sparse_output": ["boolean"],
        "feature_name_combiner": [StrOptions({"concat"}), callable],
    }

    def __init__(
        self,
        *,
        categories="auto",
        drop=None,
        sparse_output: bool = True,
        dtype=np.float64,
        handle_unknown: str = "error",
        min_frequency: float | None = None,
        max_categories: int | None = None,
        feature_name_combiner="concat",
    ):
        set_init_params(self, locals())

    # ------------------------------------------------------------------- fit
    def _finish_fit(self, stats: dict, table: Table) -> None:
        super()._finish_fit(stats, table)
        self._set_drop_idx()
        self._n_features_outs = self._compute_n_features_outs()

    def _grouped_index(self, j: int, index: int) -> int:
        """Category ``index`` of column ``j`` after the infrequent ones are grouped."""
        mapping = self._default_to_infrequent_mappings[j]
        if mapping is None:
            return index
        infrequent = self._infrequent_indices[j]
        if infrequent is not None and index in infrequent:
            value = self.categories_[j][index]
            value = value.item() if isinstance(value, np.generic) else value
            raise ValueError(
                f"Unable to drop category {value!r} from feature {j} because it is infrequent"
            )
        return mapping[index]

    def _drop_after_grouping(self):
        if self.drop is None:
            return None
        n = len(self.categories_)
        if isinstance(self.drop, str) and self.drop == "first":
            return np.zeros(n, dtype=object)
        if isinstance(self.drop, str):  # "if_binary"
            return np.array([0 if k == 2 else None for k in self._n_grouped()], dtype=object)
        drop = np.asarray(self.drop, dtype=object)
        if len(drop) != n:
            raise ValueError(
                f"`drop` should have length equal to the number of features ({n}), got {len(drop)}"
            )
        indices, missing = [], []
        for j, (value, cats) in enumerate(zip(drop, self.categories_, strict=True)):
            if is_nan(value):
                found = [len(cats) - 1] if len(cats) and is_nan(cats[-1]) else []
            else:
                found = np.flatnonzero(cats == value)
            if len(found):
                indices.append(self._grouped_index(j, int(found[0])))
            else:
                missing.append((j, value))
        if missing:
            lines = "\n".join(f"Category: {v}, Feature: {j}" for j, v in missing)
            raise ValueError(
                "The following categories were supposed to be dropped, but were not found "
                f"in the training data.\n{lines}"
            )
        return np.array(indices, dtype=object)

    def _n_grouped(self) -> list[int]:
        """Output columns per input column after grouping, before dropping."""
        return [
            len(cats) - (0 if idx is None else idx.size - 1)
            for cats, idx in zip(self.categories_, self._infrequent_indices, strict=True)
        ]

    def _set_drop_idx(self) -> None:
        after = self._drop_after_grouping()
        self._drop_idx_after_grouping = after
        if after is None or not self._infrequent_enabled():
            self.drop_idx_ = after
            return
        original = []
        for j, index in enumerate(after):
            mapping = self._default_to_infrequent_mappings[j]
            if index is None or mapping is None:
                original.append(index)
            else:
                original.append(np.flatnonzero(mapping == index)[0])
        self.drop_idx_ = np.asarray(original, dtype=object)

    def _compute_n_features_outs(self) -> list[int]:
        out = self._n_grouped()
        if self._drop_idx_after_grouping is not None:
            out = [
                n - (d is not None) for n, d in zip(out, self._drop_idx_after_grouping, strict=True)
            ]
        return out

    def _drop_codes(self) -> np.ndarray:
        """The dropped code per column after grouping, -1 where nothing is dropped."""
        after = self._drop_idx_after_grouping
        if after is None:
            return np.full(len(self.categories_), -1, dtype=np.int64)
        return np.array([-1 if d is None else int(d) for d in after], dtype=np.int64)

    # ------------------------------------------------------------- transform
    def _transformed_categories(self, j: int, remove_dropped: bool = True) -> np.ndarray:
        cats = self.categories_[j]
        mapping = self._default_to_infrequent_mappings[j]
        if mapping is not None:
            frequent = np.ones(len(cats), dtype=bool)
            frequent[self._infrequent_indices[j]] = False
            cats = np.concatenate((cats[frequent], np.array([INFREQUENT], dtype=object)))
        drop = self._drop_codes()[j]
        return _drop_removed(cats, drop) if remove_dropped else cats

    def _check_pandas_output(self) -> None:
        config = getattr(self, "_sklearn_output_config", {}).get("transform")
        output = config or sklearn.get_config()["transform_output"]
        if output != "default" and self.sparse_output:
            name = output.capitalize()
            raise ValueError(
                f"{name} output does not support sparse data. Set sparse_output=False to "
                f"output {output} dataframes or disable {name} output via"
                '` ohe.set_output(transform="default").'
            )

    def _block_function(self, table: Table, sparse: bool = False):
        dropping = self.drop is not None
        if self.handle_unknown == "warn" or (
            dropping and self.handle_unknown == "infrequent_if_exist"
        ):
            warn = "the infrequent category."
        elif dropping and self.handle_unknown == "ignore":
            warn = "all zeros"
        else:
            warn = None
        return functools.partial(
            _onehot_block,
            coder=self._coder(self.handle_unknown),
            warn=warn,
            drop=None if self._drop_idx_after_grouping is None else self._drop_codes(),
            n_outs=list(self._n_features_outs),
            dtype=np.dtype(self.dtype),
            sparse=sparse,
        )

    def transform(self, X: Any):
        """One-hot encode ``X`` (CSR / dask of CSR blocks, or dense in the input's kind).

        Unknown categories raise (``"error"``), become all zeros (``"ignore"``)
        or the infrequent category when there is one (``"infrequent_if_exist"``;
        ``"warn"`` also warns).
        """
        check_is_fitted(self)
        self._check_pandas_output()
        table = self._check_input(X, reset=False)
        func = self._block_function(table, sparse=self.sparse_output)
        width = int(sum(self._n_features_outs))
        return self._blockwise(table, func, width, np.dtype(self.dtype), self.sparse_output)

    def fit_transform(self, X: Any, y: Any = None):
        """Fit, then transform ``X``."""
        self._check_pandas_output()
        return self.fit(X, y).transform(X)

    # -------------------------------------------------------------- inverse
    def inverse_transform(self, X: Any):
        """The categories behind one-hot rows (NumPy/CSR/pandas in, NumPy out; Dask: a lazy dask array).

        All-zero rows give the dropped category, ``None`` for an unknown
        category (``handle_unknown="ignore"``, or no infrequent category),
        or raise scikit-learn's ``ValueError`` otherwise.
        """
        X = self._inverse_input(X, accept_sparse=True)
        expected = int(np.sum(self._n_features_outs))
        if X.shape[1] != expected:
            raise ValueError(
                "Shape of the passed X data is not correct. Expected "
                f"{expected} columns, got {X.shape[1]}."
            )
        kept = [self._transformed_categories(j, False) for j in range(len(self.categories_))]
        dtype = np.result_type(*[c.dtype for c in kept])
        drop = self._drop_codes()
        unknown_as_none = [
            self.handle_unknown == "ignore"
            or (self.handle_unknown in ("infrequent_if_exist", "warn") and idx is None)
            for idx in self._infrequent_indices
        ]
        if hasattr(X, "dask") and any(
            u and d < 0 for u, d in zip(unknown_as_none, drop, strict=True)
        ):
            dtype = np.dtype(object)  # a block may hold unknown rows: one dtype for all blocks
        func = functools.partial(
            _onehot_inverse,
            categories=self.categories_,
            kept=kept,
            drop=drop,
            unknown_as_none=unknown_as_none,
            dtype=dtype,
            n_outs=list(self._n_features_outs),
        )
        return self._inverse(X, func, len(self.categories_), dtype)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<column>_<category>`` (or ``feature_name_combiner``) for every output column."""
        check_is_fitted(self)
        names = input_names(self, input_features)
        combine = self._name_combiner()
        return np.asarray(
            [
                combine(name, c)
                for j, name in enumerate(names)
                for c in self._transformed_categories(j)
            ],
            dtype=object,
        )

    def _name_combiner(self):
        if self.feature_name_combiner == "concat":
            return lambda feature, category: feature + "_" + str(category)
        if not isinstance(self.feature_name_combiner("feature", "category"), str):
            raise TypeError(
                "When `feature_name_combiner` is a callable, it should return a Python "
                f"string. Got {type(self.feature_name_combiner('feature', 'category'))} instead."
            )
        return self.feature_name_combiner
