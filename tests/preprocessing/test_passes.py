"""Passes over Dask input, measured by the tasks a scheduler runs (tests/_passes.py).

For every transformer configuration of the reference matrix: the measured
passes of ``fit`` never exceed the engine's own count (``fit_passes``, from
the graph of the statistics, which ``Pipeline.fit_passes_`` reports: the most
passes a fit can make), and the numbers each class's docstring states
("Cost: fit N passes ...; transform 1 pass") are exactly the measured ones
and those most; ``transform`` reads every block once.
"""

from __future__ import annotations

import re
from collections import defaultdict

import dask.array as da
import dask.dataframe as dd
import pandas as pd
import pytest

import engine.preprocessing as ep
from engine.preprocessing._base import fit_passes
from tests._passes import measured_passes
from tests.preprocessing._cases import CASES, make_data

EXTRA = {
    "RobustScaler-no-centering-no-scaling": lambda: ep.RobustScaler(
        with_centering=False, with_scaling=False
    ),
    "OneHotEncoder-explicit": lambda: ep.OneHotEncoder(
        categories=[[0.0, 1.0]] * 4, handle_unknown="ignore"
    ),
    "OrdinalEncoder-explicit": lambda: ep.OrdinalEncoder(
        categories=[[0.0, 1.0]] * 4, handle_unknown="use_encoded_value", unknown_value=-1
    ),
}
CONFIGS = {case.id: case.make for case in CASES} | EXTRA


def _source(factory) -> da.Array:
    X = make_data(next((c for c in CASES if c.make is factory), CASES[0]))
    return da.from_array(X, chunks=(-(-len(X) // 3), -1))


def _measured_fit(factory, source) -> int:
    return measured_passes(lambda: factory().fit(source), source)


def documented_passes(cls: type) -> tuple[set[int], set[int]]:
    """The fit and transform pass counts a class's docstring states in its Cost sentence."""
    text = " ".join(cls.__doc__.split())
    match = re.search(r"Cost: fit (.*?); transform (.*?)\.", text)
    assert match, f"{cls.__name__}'s docstring has no 'Cost: fit ...; transform ...' sentence"
    fit, transform = (
        {int(n) for n in re.findall(r"(\d+) pass(?:es)?\b", part)} for part in match.groups()
    )
    return fit, transform


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_measured_fit_passes_within_the_engine_count(name):
    factory = CONFIGS[name]
    measured, most = _measured_fit(factory, _source(factory)), fit_passes(factory())
    assert measured <= most
    assert (measured, most) == ((1, 3) if _selects(factory()) else (most, most))


def _selects(step) -> bool:
    """Whether the step's fit runs the exact selection (rounds that work only when needed)."""
    return (
        isinstance(step, ep.RobustScaler)
        and (step.with_centering or step.with_scaling)
        or getattr(step, "method", None) == "iqr"
        or getattr(step, "strategy", None) == "median"
    )


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_transform_reads_every_block_once(name):
    factory = CONFIGS[name]
    source = _source(factory)
    fitted = factory().fit(source)
    assert measured_passes(lambda: fitted.transform(source).compute(), source) == 1


def test_docstrings_state_the_measured_passes_and_the_most():
    counts: dict[type, set[int]] = defaultdict(set)
    for factory in CONFIGS.values():
        counts[type(factory())] |= {_measured_fit(factory, _source(factory)), fit_passes(factory())}
    for cls, numbers in counts.items():
        fit, transform = documented_passes(cls)
        assert fit == numbers, f"{cls.__name__}: docstring says fit {fit}, counted {numbers}"
        assert transform == {1}, cls.__name__


def test_dask_frames_are_measured_like_arrays():
    """A dask DataFrame source: reads of its partitions (or their float64 views) count."""
    X = make_data(CASES[0])
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcd")), npartitions=3)
    for factory, measured, most in (
        (ep.RobustScaler, 1, 3),
        (ep.StandardScaler, 1, 1),
        (ep.OneHotEncoder, 1, 1),
    ):
        assert (_measured_fit(factory, frame), fit_passes(factory())) == (measured, most)
