"""A fitted pipeline's method on float64 NumPy blocks: every step's checks done once, at graph build.

On a dask DataFrame, a pipeline's ``predict_proba`` (and siblings) runs once per
partition; through the pandas path each call re-checks the columns, wraps
every step's output in a named frame and has scikit-learn check the names
and convert the frame again, which costs milliseconds per partition, far
more than the arithmetic of a small one. :func:`array_chain` checks ONCE that
the names chain through the pipeline (the input columns, each engine step's
``feature_names_in_`` against the previous step's output names, the final
estimator's against the last step's), then each partition's float64 values
go through the engine steps' array transforms
(:meth:`engine.preprocessing.StandardScaler.array_transform`: the same kernel
as ``transform``, the same bits) and the final estimator's method answers
the array: a copy without feature names when it answers a probe array
exactly as it answers the named frame
(:func:`engine.data.internal.answers_arrays_alike`), else the named frame
built around the array (no copy). Either way the estimator reads the array
the pandas path hands it (the kernel's C-ordered output), so the products
sum in the same order and the values are the pandas path's, bit for bit.

Pipelines of another shape (a step without an array transform, a step that
drops rows or encodes, ``"passthrough"``, columns that are not all float64,
names that do not chain) get no chain: they keep the pandas path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from engine.data.internal import answers_arrays_alike, bare_estimator


def _names(values: Any) -> list[str]:
    return [str(v) for v in values]


class ArrayChain:
    """``pipeline.<method>`` on a float64 block of the fitted input columns (see the module docstring)."""

    def __init__(
        self,
        transforms: Sequence[Callable[[np.ndarray], np.ndarray]],
        final: Any,
        method: str,
        names: Sequence[str] | None,
    ):
        self.transforms = list(transforms)
        self.final = final
        self.method = method
        self.names = None if names is None else pd.Index(names)  # None: the final takes arrays

    def __call__(self, values: np.ndarray) -> Any:
        for transform in self.transforms:
            values = transform(values)
        X = values if self.names is None else pd.DataFrame(values, columns=self.names, copy=False)
        return getattr(self.final, self.method)(X)


def array_transforms(steps: Sequence[Any], names: Sequence[str]) -> tuple[list, list[str]] | None:
    """The fitted steps' array transforms and the last step's output names, or None.

    None unless every step is an engine step with an array transform whose
    fitted input names are the previous step's output names (``names`` for
    the first step).

    Examples
    --------
    >>> import pandas as pd
    >>> from engine.preprocessing import StandardScaler
    >>> scaler = StandardScaler().fit(pd.DataFrame({"a": [1.0, 3.0]}))
    >>> transforms, names = array_transforms([scaler], ["a"])
    >>> transforms[0](np.array([[5.0]])).tolist(), names
    ([[3.0]], ['a'])
    """
    names = _names(names)
    transforms = []
    for step in steps:
        array_transform = getattr(step, "array_transform", None)  # the engine's steps
        fitted = getattr(step, "feature_names_in_", None)
        if array_transform is None or fitted is None or _names(fitted) != names:
            return None
        try:
            transforms.append(array_transform(names))
        except TypeError:  # a step that drops rows or encodes has no array transform
            return None
        names = _names(step.get_feature_names_out())
    return transforms, names


def array_chain(pipeline: Any, method: str, meta: pd.DataFrame) -> ArrayChain | None:
    """``pipeline.<method>`` on float64 blocks of its fitted columns, or None when it has no chain.

    Parameters
    ----------
    pipeline : fitted engine Pipeline
    method : str
        A method of the final estimator (``"predict"``, ``"predict_proba"``, ...).
    meta : pandas DataFrame
        An (empty) frame of the input's columns and dtypes, in any order; the
        chain reads its blocks in the fitted order.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from engine.preprocessing import MinMaxScaler, SimpleImputer, make_pipeline
    >>> X = pd.DataFrame({"u": [0.0, None, 4.0], "v": [2.0, 1.0, 0.0]})
    >>> steps = make_pipeline(SimpleImputer(), MinMaxScaler(), DecisionTreeRegressor())
    >>> pipe = steps.fit(X, [1.0, 2.0, 3.0])
    >>> array_chain(pipe, "predict", X.iloc[:0]).names is None  # the tree answers arrays
    True
    >>> print(array_chain(pipe, "predict", X.astype({"v": "float32"}).iloc[:0]))
    None
    """
    fitted = getattr(pipeline, "feature_names_in_", None)
    by_name = {str(column): column for column in meta.columns}
    if fitted is None or len(by_name) != meta.shape[1] or set(by_name) != set(_names(fitted)):
        return None
    names = _names(fitted)
    dtypes = [meta[by_name[name]].dtype for name in names]
    if not all(isinstance(dtype, np.dtype) and dtype == np.float64 for dtype in dtypes):
        return None
    steps = [step for _, step in pipeline.steps]
    chained = array_transforms(steps[:-1], names)
    if chained is None:
        return None
    transforms, names_out = chained
    final = steps[-1]
    fitted_final = getattr(final, "feature_names_in_", None)
    if fitted_final is None or _names(fitted_final) != names_out:
        return None
    bare = bare_estimator(final)
    if answers_arrays_alike(final, bare, _method_of(method), names_out):
        return ArrayChain(transforms, bare, method, None)
    return ArrayChain(transforms, final, method, names_out)


def _method_of(method: str) -> Callable[[Any, Any], Any]:
    return lambda estimator, X: getattr(estimator, method)(X)
