"""The validation seam: what the engine relies on in scikit-learn's private parameter validation.

``engine.data._validation`` is the only engine module importing
``sklearn.utils._param_validation``; these tests pin the behaviour the engine
uses, so a scikit-learn release that changes it fails here first.
"""

from __future__ import annotations

import os
import re
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression, SGDClassifier

import engine
import engine.data as ed


def _raises(value, constraints):
    with pytest.raises(ed.InvalidParameterError) as info:
        ed.validate_params("owner", {"p": value}, {"p": constraints})
    return str(info.value)


def _accepts(value, constraints) -> bool:
    try:
        ed.validate_params("owner", {"p": value}, {"p": constraints})
    except ed.InvalidParameterError:
        return False
    return True


def test_error_is_both_value_and_type_error_and_worded_as_sklearn():
    assert issubclass(ed.InvalidParameterError, ValueError)
    assert issubclass(ed.InvalidParameterError, TypeError)
    message = _raises(0, [ed.Interval(Integral, 1, None, closed="left")])
    assert (
        message == "The 'p' parameter of owner must be an int in the range [1, inf). Got 0 instead."
    )
    message = _raises("x", [ed.StrOptions({"a"}), None])
    assert (
        message == "The 'p' parameter of owner must be a str among {'a'} or None. Got 'x' instead."
    )
    message = _raises(1.5, [ed.Interval(Integral, 1, None, closed="left"), dict, callable])
    assert message == (
        "The 'p' parameter of owner must be an int in the range [1, inf), an instance of "
        "'dict' or a callable. Got 1.5 instead."
    )


@pytest.mark.parametrize("closed", ["Both", "open", "", None])
def test_a_typo_in_closed_is_an_error_not_an_open_interval(closed):
    with pytest.raises(ValueError, match="closed must be either"):
        ed.Interval(Real, 0, 1, closed=closed)


def test_interval_bounds_and_types():
    unit = [ed.Interval(Real, 0, 1, closed="right")]
    assert not _accepts(0, unit) and _accepts(1, unit) and _accepts(0.5, unit)
    assert not _accepts(np.nan, unit) and not _accepts("0.5", unit)
    ints = [ed.Interval(Integral, 1, None, closed="left")]
    assert _accepts(np.int64(3), ints) and not _accepts(3.0, ints)
    not_int = [ed.Interval(ed.RealNotInt, 0, 1, closed="right")]
    assert _accepts(0.5, not_int) and not _accepts(1, not_int)
    with pytest.raises(TypeError):
        ed.Interval(Integral, 0.5, None, closed="left")


def test_options_types_and_keywords():
    assert _accepts(True, ["boolean"]) and _accepts(np.True_, ["boolean"])
    assert not _accepts(1, ["boolean"]) and not _accepts("yes", ["boolean"])
    random_state = ["random_state"]
    assert all(_accepts(v, random_state) for v in (None, 0, 2**32 - 1, np.random.RandomState(0)))
    assert not any(_accepts(v, random_state) for v in (-1, 2**32, np.random.default_rng(0)))
    assert _accepts(np.random.default_rng(0), ["random_state", np.random.Generator])
    cv = ["cv_object"]
    assert all(_accepts(v, cv) for v in (None, 2, [([0], [1])]))
    assert not _accepts(1, cv) and not _accepts("5", cv)
    assert _accepts(0, ["verbose"]) and not _accepts(-1, ["verbose"])
    assert _accepts(os.path.join("a", "b"), [None, str, os.PathLike])
    assert _accepts(Path("a"), [None, str, os.PathLike])
    assert _accepts(3, [ed.Options(int, {1, 3})]) and not _accepts(3.0, [ed.Options(int, {1, 3})])


def test_has_methods_and_hidden_constraints():
    fits = [ed.HasMethods(["fit", "partial_fit"])]
    assert _accepts(SGDClassifier(), fits)
    message = _raises(LogisticRegression(), fits)
    assert "an object implementing 'fit' and 'partial_fit'" in message
    message = _raises(2.0, [ed.StrOptions({"a"}), ed.Hidden(ed.StrOptions({"secret"}))])
    assert "secret" not in message
    assert _accepts("secret", [ed.StrOptions({"a"}), ed.Hidden(ed.StrOptions({"secret"}))])


def test_unconstrained_names_are_not_checked_and_sklearn_config_can_skip():
    ed.validate_params("owner", {"free": object()}, {"p": [int]})
    with sklearn.config_context(skip_parameter_validation=True):
        ed.validate_params("owner", {"p": "bad"}, {"p": [int]})


def test_check_params_uses_the_class_constraints_and_name():
    class Est(BaseEstimator):
        _parameter_constraints = {"alpha": [ed.Interval(Real, 0, None, closed="neither")]}

        def __init__(self, alpha=1.0):
            self.alpha = alpha

    ed.check_params(Est())
    with pytest.raises(ed.InvalidParameterError, match=r"^The 'alpha' parameter of Est must be"):
        ed.check_params(Est(alpha=0))


def test_only_the_seam_imports_sklearn_private_param_validation():
    root = Path(engine.__file__).parent
    importers = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if re.search(r"sklearn\.utils\._param_validation", path.read_text())
    ]
    assert importers == ["data/_validation.py"]
