"""How a fitted search shows itself in Jupyter: the estimator diagram, then its results table."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.utils._repr_html.estimator import _VisualBlock

BEST_MARK = "★"


def results_frame(search: Any) -> pd.DataFrame:
    """A fitted search's ``cv_results_`` as a frame sorted best first, the best row marked.

    Rows are ordered by the rank of the refit metric (the first metric when
    ``refit`` is a callable or ``False``); the ``best`` column holds ``★`` on
    the row of ``best_index_``. Only the parameters, the test scores, their
    ranks and the timings are kept (per-split columns are left out).

    Parameters
    ----------
    search : fitted engine search
        Any engine search with ``cv_results_``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.datasets import make_classification
    >>> from engine.model_selection import GridSearchCV
    >>> X, y = make_classification(200, 4, random_state=0)
    >>> search = GridSearchCV(LogisticRegression(), {"C": [0.01, 1.0]}, cv=3).fit(X, y)
    >>> results_frame(search).columns[:3].tolist()
    ['best', 'rank_test_score', 'mean_test_score']
    """
    results = getattr(search, "cv_results_", None)
    if results is None:
        raise ValueError(f"{type(search).__name__} is not fitted: it has no cv_results_")
    frame = pd.DataFrame(results)
    ranks = [c for c in frame.columns if c.startswith("rank_test_")]
    refit = getattr(search, "refit", True)
    rank = (
        f"rank_test_{refit}" if isinstance(refit, str) and f"rank_test_{refit}" in frame else None
    )
    rank = rank or (ranks[0] if ranks else None)
    metrics = sorted(
        (c[len("rank_test_") :] for c in ranks), key=lambda m: f"rank_test_{m}" != rank
    )
    kept = [
        column
        for metric in metrics
        for column in (f"rank_test_{metric}", f"mean_test_{metric}", f"std_test_{metric}")
        if column in frame
    ]
    params = [c for c in frame.columns if c.startswith("param_")]
    timings = [c for c in ("mean_fit_time", "mean_score_time") if c in frame]
    shown = frame[kept + params + timings].copy()
    best = getattr(search, "best_index_", None)
    shown.insert(0, "best", ["" if i != best else BEST_MARK for i in range(len(frame))])
    if rank is not None:
        shown = shown.sort_values(rank, kind="stable")
    return shown.rename(columns=lambda c: c[len("param_") :] if c.startswith("param_") else c)


class SearchDisplay:
    """Mixin: in Jupyter a fitted search shows scikit-learn's diagram and :func:`results_frame`."""

    def _sk_visual_block_(self):
        """The diagram shows ``best_estimator_`` once refitted, the template before, as sklearn."""
        key = "best_estimator_" if hasattr(self, "best_estimator_") else "estimator"
        estimator = getattr(self, key)
        return _VisualBlock(
            "parallel",
            [estimator],
            names=[f"{key}: {type(estimator).__name__}"],
            name_details=[str(estimator)],
        )

    def _html_repr(self) -> str:
        diagram = super()._html_repr()
        if not hasattr(self, "cv_results_"):
            return diagram
        frame = results_frame(self)
        best = frame["best"] == BEST_MARK
        table = (
            frame.style.apply(
                lambda row: ["font-weight: bold" if best[row.name] else ""] * len(row), axis=1
            )
            .format(precision=4)
            .hide(axis="index")
            .to_html()
        )
        caption = f"<p><b>{type(self).__name__}: {len(frame)} candidates, best first</b></p>"
        return f"{diagram}{caption}{table}"
