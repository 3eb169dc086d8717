"""The successive-halving schedule behind SuccessiveHalvingSearchCV and HyperbandSearchCV.

A :class:`Bracket` holds candidates and the resources of each of its rungs;
after every rung only the best ``keep(n)`` of its ``n`` candidates go on to
the next. :func:`run_brackets` advances several brackets together, one rung of
each per evaluation (one Dask graph), until every bracket has run its last
rung. Successive halving is one bracket (scikit-learn's resource schedule,
:func:`halving_resources`); Hyperband is several, from many candidates on few
resources to few candidates on the full budget (:func:`hyperband_brackets`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Bracket:
    """Candidates, the resources of each rung, and how many of ``n`` go on after a rung."""

    name: Any
    candidates: list
    resources: list
    keep: Callable[[int], int]
    rung: int = 0

    @property
    def done(self) -> bool:
        return self.rung >= len(self.resources)

    @property
    def resource(self) -> Any:
        """Resources of the current rung."""
        return self.resources[self.rung]

    def sizes(self) -> list[int]:
        """Candidates evaluated at each rung."""
        out, n = [], len(self.candidates)
        for _ in self.resources:
            out.append(n)
            n = self.keep(n)
        return out


def run_brackets(
    brackets: Sequence[Bracket],
    evaluate: Callable[[list[Bracket]], Any],
    select: Callable[[Bracket, Any, int], list],
) -> None:
    """Run every bracket to its last rung, all active brackets' rungs in one evaluation.

    ``evaluate(active)`` evaluates every candidate of each active bracket at
    ``bracket.resource`` and returns the results; ``select(bracket, results,
    k)`` returns the ``k`` best candidates of the bracket's current rung,
    which become its candidates for the next rung (after the last rung: the
    remaining candidates).
    """
    active = [b for b in brackets if b.candidates and not b.done]
    while active:
        results = evaluate(active)
        for bracket in active:
            bracket.candidates = select(bracket, results, bracket.keep(len(bracket.candidates)))
            bracket.rung += 1
        active = [b for b in active if not b.done]


@dataclass(frozen=True)
class HalvingSchedule:
    """Resources of every round, and scikit-learn's round counts and ``min_resources_``."""

    resources: list
    n_required: int
    n_possible: int
    min_resources: Any


def halving_resources(
    n_candidates: int,
    min_resources: Any,
    max_resources: Any,
    factor: float,
    aggressive_elimination: bool,
    exhaust: bool = False,
) -> HalvingSchedule:
    """scikit-learn's successive-halving schedule for ``n_candidates``.

    ``n_required`` rounds bring the candidates down to one; ``n_possible``
    rounds fit between ``min_resources`` and ``max_resources``. Without
    aggressive elimination the rounds are the fewer of the two; with it, all
    required rounds run and the first ones repeat ``min_resources``.
    ``exhaust`` raises ``min_resources`` so that the last round uses as much
    of ``max_resources`` as the required rounds allow.
    """
    n_required = 1 + math.floor(math.log(n_candidates, factor))
    if exhaust:
        min_resources = max(min_resources, max_resources // factor ** (n_required - 1))
    n_possible = 1 + math.floor(math.log(max_resources // min_resources, factor))
    n_rounds = n_required if aggressive_elimination else min(n_possible, n_required)
    resources = []
    for itr in range(n_rounds):
        power = max(0, itr - n_required + n_possible) if aggressive_elimination else itr
        resources.append(min(int(factor**power * min_resources), max_resources))
    return HalvingSchedule(resources, n_required, n_possible, min_resources)


def hyperband_brackets(max_iter: float, eta: float) -> list[tuple[int, int, float]]:
    """Hyperband's brackets ``(s, n_models, first rung resources)``, most aggressive first."""
    s_max = int(math.floor(math.log(max_iter, eta) + 1e-9))
    out = []
    for s in range(s_max, -1, -1):
        n = int(math.ceil((s_max + 1) / (s + 1) * eta**s))
        out.append((s, n, max_iter * eta ** (-s)))
    return out
