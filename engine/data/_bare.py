"""A fitted estimator answering NumPy arrays as it answers named frames, its name check done once.

scikit-learn checks a frame's feature names (and converts the frame) at every
call, which costs far more than the arithmetic on a small block; given an
array instead, an estimator fitted on names warns. A caller that has matched
the columns by name itself, once (``engine serve``'s scorer, a pipeline's
blockwise prediction), hands arrays to :func:`bare_estimator`'s copy, after
:func:`answers_arrays_alike` has checked on a probe row that the copy answers
the array exactly as the estimator answers the named frame.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd


def bare_estimator(step: Any) -> Any:
    """``step`` answering arrays with arrays: a shallow copy without names, default output.

    The fitted parameters are shared, never copied; ``step`` itself is unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> model = LinearRegression().fit(pd.DataFrame({"a": [0.0, 1.0]}), [0.0, 2.0])
    >>> hasattr(bare_estimator(model), "feature_names_in_"), hasattr(model, "feature_names_in_")
    (False, True)
    """
    bare = copy.copy(step)
    vars(bare).pop("feature_names_in_", None)
    bare._sklearn_output_config = {}  # the copy's own: the fitted step keeps its pandas output
    if hasattr(bare, "set_output"):
        bare.set_output(transform="default")
    return bare


def answers_arrays_alike(
    estimator: Any, bare: Any, answer: Callable[[Any, Any], Any], names: Sequence[str]
) -> bool:
    """Whether ``answer(bare, array)`` equals ``answer(estimator, frame)`` on a probe row of zeros.

    ``names`` label the probe frame's columns. Any refusal of the array
    (an error, or a warning: they are raised as errors here) means False.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> model = LinearRegression().fit(pd.DataFrame({"a": [0.0, 1.0]}), [0.0, 2.0])
    >>> answers_arrays_alike(model, bare_estimator(model), lambda m, X: m.predict(X), ["a"])
    True
    """
    probe = np.zeros((1, len(names)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = np.asarray(answer(bare, probe))
    except Exception:  # noqa: BLE001 - any refusal of arrays means: give it frames
        return False
    expected = np.asarray(answer(estimator, pd.DataFrame(probe, columns=list(names))))
    if got.shape != expected.shape or got.dtype != expected.dtype:
        return False
    return np.array_equal(got, expected, equal_nan=got.dtype.kind in "fc")
