"""A fitted search shows its results best first in Jupyter; results_frame orders and marks them."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, SGDClassifier

from engine.model_selection import GridSearchCV, HyperbandSearchCV, results_frame


@pytest.fixture(scope="module")
def data():
    return make_classification(240, 4, random_state=0)


@pytest.fixture(scope="module")
def multimetric(data):
    grid = {"C": [0.001, 0.1, 10.0]}
    return GridSearchCV(
        LogisticRegression(), grid, cv=3, scoring=["accuracy", "roc_auc"], refit="roc_auc"
    ).fit(*data)


def test_rows_follow_the_refit_metric_rank_and_the_best_row_is_marked(multimetric):
    frame = results_frame(multimetric)
    ranks = multimetric.cv_results_["rank_test_roc_auc"]
    assert frame.index.tolist() == np.argsort(ranks, kind="stable").tolist()
    assert frame.columns[:4].tolist() == [
        "best",
        "rank_test_roc_auc",
        "mean_test_roc_auc",
        "std_test_roc_auc",
    ]
    assert frame["best"].tolist().count("★") == 1
    assert frame.loc[multimetric.best_index_, "best"] == "★"
    assert frame["C"].tolist() == [multimetric.cv_results_["param_C"][i] for i in frame.index]


def test_html_holds_the_diagram_then_one_table_row_per_candidate(multimetric):
    html = multimetric._repr_mimebundle_()["text/html"]
    diagram, _, table = html.partition("3 candidates, best first")
    assert "sk-" in diagram and table.count("<tr") == 1 + 3
    assert "3 candidates, best first" in multimetric._repr_html_()


def test_unfitted_search_shows_only_the_diagram_and_has_no_results():
    search = GridSearchCV(LogisticRegression(), {"C": [1.0]})
    assert "best first" not in search._repr_html_()
    with pytest.raises(ValueError, match="GridSearchCV is not fitted"):
        results_frame(search)


def test_hyperband_results_are_shown_best_first(data):
    search = HyperbandSearchCV(
        SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-2]}, max_iter=3, random_state=0
    ).fit(*data)
    frame = results_frame(search)
    assert frame["rank_test_score"].is_monotonic_increasing
    assert frame.iloc[0]["best"] == "★" and frame.index[0] == search.best_index_
