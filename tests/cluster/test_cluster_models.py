"""Dask-native training in searches on a real cluster: XGBoost's and LightGBM's Dask estimators.

The session cluster (``cluster_client``: a ``dask scheduler`` and two
single-threaded ``dask worker`` processes) runs every test. Each
(candidate, fold) trains on lazy Dask folds selected from a dask DataFrame
of several partitions; the reference computes the same fold rows into
memory first (with the validation part carved as the engine documents),
then fits the same Dask estimator on them.

Tolerance, as the engines themselves give it. Both build histograms from
binned features, so the features here take 8 integer values present in
every partition (the bins are then exact wherever the rows sit). XGBoost
then gives the same trees whatever the partitioning: the scores agree to
rtol=1e-12. LightGBM also starts from the *unweighted* mean of the
workers' label means (``boost_from_average``), which depends on how rows
are spread over workers, so its tests set ``boost_from_average=False``;
its histograms are summed across workers in an order that may differ, so
its scores agree to rtol=1e-9.

LightGBM's Dask interface cannot early-stop (every worker judges its own
validation rows): the engine refuses it with a ValueError.

Kept small (the suite's time budget): a few Dask fits per test, 240 rows.
"""

from __future__ import annotations

import dask
import dask.array
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from engine.model_selection import GridSearchCV, SuccessiveHalvingSearchCV, cross_validate
from engine.models import LabelEncodedClassifier, is_dask_native
from engine.preprocessing import StandardScaler, make_pipeline

xgb_dask = pytest.importorskip("xgboost.dask")
lightgbm = pytest.importorskip("lightgbm")

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

N_PARTITIONS = 4
XGB = {"max_depth": 2, "tree_method": "hist"}
LGBM = {"num_leaves": 4, "min_child_samples": 5, "boost_from_average": False, "verbose": -1}
LABELS = {"binary": ["No", "Yes"], "multiclass": ["bird", "cat", "dog"]}


def _frame(kind: str, n: int = 240, seed: int = 0):
    """Integer features (8 values each), a target of ``kind``; pandas and 4-partition Dask."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.integers(0, 8, (n, 4)).astype(float), columns=["a", "b", "c", "d"])
    signal = X.to_numpy() @ [1.0, -2.0, 0.5, 1.5] + rng.normal(0.0, 2.0, n)
    if kind == "regression":
        y = pd.Series(signal, name="target")
    else:
        labels = np.asarray(LABELS[kind], dtype=object)
        edges = np.quantile(signal, np.linspace(0, 1, len(labels) + 1)[1:-1])
        y = pd.Series(labels[np.searchsorted(edges, signal)], name="target")
    return (
        X,
        y,
        dd.from_pandas(X, npartitions=N_PARTITIONS),
        dd.from_pandas(y, npartitions=N_PARTITIONS),
    )


def _in_memory_reference(make, params_list, X, y, *, early_stopping, client, transform=None):
    """Per candidate-fold scores and best iterations, each fold computed into memory first."""
    classifier = not pd.api.types.is_float_dtype(y)
    splitter = StratifiedKFold(2) if classifier else KFold(2)
    classes = np.unique(y)
    scores = np.empty((len(params_list), 2))
    best = np.full((len(params_list), 2), np.nan)

    def dask_part(Xp, yp=None):
        if yp is not None and classifier:  # class codes, as LabelEncodedClassifier gives them
            yp = pd.Series(np.searchsorted(classes, yp).astype(np.int32), index=yp.index)
        parts = [dd.from_pandas(Xp, npartitions=2)]
        return parts + ([dd.from_pandas(yp, npartitions=2)] if yp is not None else [])

    for c, params in enumerate(params_list):
        for f, (train, test) in enumerate(splitter.split(X, y)):
            X_train, X_test = X.iloc[train], X.iloc[test]
            if transform is not None:
                fitted = transform().fit(X_train)
                X_train, X_test = fitted.transform(X_train), fitted.transform(X_test)
            fit_rows, kwargs = np.arange(len(train)), {}
            if early_stopping:  # 10 % of the training fold, stratified, random_state=0
                fit_rows, valid_rows = train_test_split(
                    fit_rows,
                    test_size=0.1,
                    stratify=y.iloc[train] if classifier else None,
                    random_state=0,
                )
                fit_rows, valid_rows = np.sort(fit_rows), np.sort(valid_rows)
                kwargs["eval_set"] = [
                    tuple(dask_part(X_train.iloc[valid_rows], y.iloc[train].iloc[valid_rows]))
                ]
            if isinstance(make(), xgb_dask.DaskScikitLearnBase):
                kwargs["verbose"] = False
            est = make(**params)
            with client.as_current():
                est.fit(*dask_part(X_train.iloc[fit_rows], y.iloc[train].iloc[fit_rows]), **kwargs)
                pred = np.asarray(est.predict(dask_part(X_test)[0]).compute())
            y_test = y.iloc[test]
            scores[c, f] = (
                accuracy_score(y_test, classes[pred.astype(int)])
                if classifier
                else r2_score(y_test, pred)
            )
            if early_stopping:
                xgb = isinstance(est, xgb_dask.DaskScikitLearnBase)
                best[c, f] = est.best_iteration if xgb else est.best_iteration_ - 1
    return scores, best


def _split(results, key):
    return np.column_stack([results[f"split{k}_{key}"] for k in range(2)])


def test_registry_knows_the_dask_estimators():
    assert is_dask_native(xgb_dask.DaskXGBClassifier())
    assert is_dask_native(xgb_dask.DaskXGBRegressor())
    assert is_dask_native(lightgbm.DaskLGBMClassifier())
    assert is_dask_native(lightgbm.DaskLGBMRegressor())
    assert not is_dask_native(lightgbm.LGBMClassifier())


def _xgb_classifier(**p):
    return xgb_dask.DaskXGBClassifier(**{**XGB, "n_estimators": 30, **p})


def test_xgboost_grid_search_with_early_stopping_equals_folds_in_memory(cluster_client):
    X, y, Xd, yd = _frame("binary")
    grid = {"learning_rate": [1.0]}  # one candidate: every Dask XGBoost fit costs seconds
    with dask.config.set(scheduler=cluster_client):
        search = GridSearchCV(_xgb_classifier(early_stopping_rounds=2), grid, cv=2)
        search.fit(Xd, yd)
    expected, best = _in_memory_reference(
        lambda **p: _xgb_classifier(early_stopping_rounds=2, **p),
        search.cv_results_["params"],
        X,
        y,
        early_stopping=True,
        client=cluster_client,
    )
    np.testing.assert_allclose(_split(search.cv_results_, "test_score"), expected, rtol=1e-12)
    np.testing.assert_array_equal(_split(search.cv_results_, "best_iteration"), best)
    np.testing.assert_array_equal(search.cv_results_["mean_best_iteration"], best.mean(axis=1))
    assert (best < 29).any(), "early stopping never stopped: the test would not prove it"
    # refit on every row: mean best iteration + 1 rounds, no early stopping
    final = search.best_estimator_
    assert isinstance(final, LabelEncodedClassifier)  # string labels, codes for XGBoost
    rounds = int(round(search.cv_results_["mean_best_iteration"][search.best_index_])) + 1
    assert final.estimator_.get_params()["n_estimators"] == rounds
    assert not final.estimator_.get_params()["early_stopping_rounds"]
    with cluster_client.as_current():
        pred = final.predict(Xd)
        assert isinstance(pred, dd.Series | dask.array.Array)
        pred = np.asarray(pred.compute())
    assert len(pred) == len(y) and set(pred) <= {"No", "Yes"}


def test_lightgbm_grid_search_equals_folds_in_memory(cluster_client):
    X, y, Xd, yd = _frame("regression")
    make = lambda **p: lightgbm.DaskLGBMRegressor(**{**LGBM, "n_estimators": 10, **p})  # noqa: E731
    grid = {"learning_rate": [0.3, 1.0]}
    with dask.config.set(scheduler=cluster_client):
        search = GridSearchCV(make(), grid, cv=2, refit=False).fit(Xd, yd)
        with pytest.raises(ValueError, match="DaskLGBMRegressor.*cannot early-stop"):
            GridSearchCV(make(early_stopping_rounds=2), grid, cv=2).fit(Xd, yd)
    expected, _ = _in_memory_reference(
        make, search.cv_results_["params"], X, y, early_stopping=False, client=cluster_client
    )
    np.testing.assert_allclose(_split(search.cv_results_, "test_score"), expected, rtol=1e-9)


def test_multiclass_pipeline_in_cross_validate(cluster_client):
    """Reference: xgboost.XGBClassifier in memory on each fold (exact bins: the same trees)."""
    import xgboost

    X, y, Xd, yd = _frame("multiclass", seed=1)
    params = {**XGB, "n_estimators": 8}
    with dask.config.set(scheduler=cluster_client):
        out = cross_validate(
            make_pipeline(StandardScaler(), xgb_dask.DaskXGBClassifier(**params)),
            Xd,
            yd,
            cv=2,
            return_estimator=True,
        )
    classes = np.unique(y)
    expected = []
    for train, test in StratifiedKFold(2).split(X, y):
        scaler = StandardScaler().fit(X.iloc[train])
        model = xgboost.XGBClassifier(**params, n_jobs=1).fit(
            scaler.transform(X.iloc[train]), np.searchsorted(classes, y.iloc[train])
        )
        pred = classes[model.predict(scaler.transform(X.iloc[test]))]
        expected.append(accuracy_score(y.iloc[test], pred))
    np.testing.assert_allclose(out["test_score"], expected, rtol=1e-12)
    model = out["estimator"][0].steps[-1][1]
    np.testing.assert_array_equal(model.classes_, ["bird", "cat", "dog"])


def test_successive_halving_on_n_estimators(cluster_client):
    X, y, Xd, yd = _frame("regression", seed=2)
    search = SuccessiveHalvingSearchCV(
        xgb_dask.DaskXGBRegressor(**XGB),
        {"learning_rate": [0.1, 0.3]},
        resource="n_estimators",
        min_resources=4,
        max_resources=8,
        factor=2,
        cv=2,
        random_state=0,
    )
    with dask.config.set(scheduler=cluster_client):
        search.fit(Xd, yd)
    assert search.n_resources_ == [4, 8]
    assert search.n_candidates_ == [2, 1]
    assert search.best_estimator_.get_params()["n_estimators"] == 8
    np.testing.assert_array_equal(search.cv_results_["n_resources"], [4, 4, 8])


def test_in_memory_estimator_refuses_data_no_worker_can_hold(cluster_client):
    from sklearn.linear_model import Ridge

    workers = cluster_client.scheduler_info(n_workers=-1)["workers"].values()
    limit = max(info["memory_limit"] for info in workers)
    n_rows = int(limit // (5 * 8)) + 1  # one copy of X alone exceeds every worker's limit
    X = dask.array.zeros((n_rows, 5), chunks=(n_rows // 4 + 1, 5))
    y = dask.array.zeros(n_rows, chunks=(n_rows // 4 + 1,))
    with dask.config.set(scheduler=cluster_client), pytest.raises(MemoryError) as info:
        GridSearchCV(Ridge(), {"alpha": [1.0]}, cv=2).fit(X, y)
    message = str(info.value)
    assert "Ridge" in message and "Incremental" in message and "DaskXGBRegressor" in message
