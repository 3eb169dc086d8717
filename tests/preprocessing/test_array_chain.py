"""A pipeline's blockwise methods on dask DataFrames through its array chain: the pandas path's bits."""

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import sklearn.preprocessing as skp
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline as sk_make_pipeline
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

import engine.preprocessing as ep
from engine.preprocessing._array_chain import array_chain


def _frame(n_rows=1_000, missing=False):
    rng = np.random.default_rng(3)
    X = pd.DataFrame(
        rng.standard_normal((n_rows, 4)) * [1.0, 10.0, 100.0, 0.1], columns=["a", "b", "c", "d"]
    )
    if missing:
        X = X.mask(rng.random(X.shape) < 0.05)
    labels = np.array(["low", "mid", "high"])
    y = labels[np.digitize(X["a"].fillna(0) + X["b"].fillna(0) / 10, [-0.7, 0.7])]
    return X, y


CLASSIFIER_METHODS = ["predict", "predict_proba", "predict_log_proba", "decision_function"]


@pytest.mark.parametrize("method", CLASSIFIER_METHODS)
def test_chain_gives_the_pandas_path_bits_for_a_multiclass_model(method):
    X, y = _frame(missing=True)
    steps = [ep.SimpleImputer(), ep.StandardScaler(), ep.MinMaxScaler()]
    pipe = ep.make_pipeline(*steps, LogisticRegression(max_iter=500)).fit(X, y)
    Xd = dd.from_pandas(X[["d", "b", "a", "c"]], npartitions=7)  # reordered: matched by name
    assert array_chain(pipe, method, Xd._meta) is not None
    for scheduler in ("sync", "threads"):
        with dask.config.set(scheduler=scheduler):
            lazy = getattr(pipe, method)(Xd).compute()
        with threadpool_limits(1):
            expected = getattr(pipe, method)(X)
        assert lazy.index.equals(X.index)
        np.testing.assert_array_equal(lazy.to_numpy(), expected)
    if method != "predict":
        assert list(lazy.columns) == list(pipe.classes_)
    reference = sk_make_pipeline(
        skp.FunctionTransformer(lambda Z: Z.fillna(Z.mean())),
        skp.StandardScaler(),
        skp.MinMaxScaler(),
        LogisticRegression(max_iter=500),
    ).fit(X, y)
    if method == "predict":
        np.testing.assert_array_equal(lazy.to_numpy(), reference.predict(X))
    else:
        np.testing.assert_allclose(lazy.to_numpy(), getattr(reference, method)(X), rtol=1e-9)


def test_chain_of_a_regressor_and_of_a_tree():
    X, y = _frame(n_rows=600)
    target = X["a"].to_numpy() * 3 - X["c"].to_numpy() / 50
    Xd = dd.from_pandas(X, npartitions=5)
    regressor = ep.make_pipeline(ep.RobustScaler(), LinearRegression()).fit(X, target)
    tree = ep.make_pipeline(ep.MaxAbsScaler(), DecisionTreeClassifier(random_state=0)).fit(X, y)
    for pipe, method in ((regressor, "predict"), (tree, "predict_proba")):
        assert array_chain(pipe, method, Xd._meta) is not None
        with threadpool_limits(1):
            expected = getattr(pipe, method)(X)
        np.testing.assert_array_equal(getattr(pipe, method)(Xd).compute().to_numpy(), expected)
    sk_regressor = sk_make_pipeline(skp.RobustScaler(), LinearRegression()).fit(X, target)
    np.testing.assert_allclose(
        regressor.predict(Xd).compute(), sk_regressor.predict(X), rtol=1e-12, atol=1e-12
    )


def test_final_estimator_that_needs_names_gets_the_named_frame():
    X, y = _frame(n_rows=300)
    by_name = sk_make_pipeline(
        make_column_transformer((skp.StandardScaler(), ["a", "c"]), remainder="drop"),
        LogisticRegression(),
    )
    pipe = ep.make_pipeline(ep.StandardScaler(), by_name).fit(X, y)
    Xd = dd.from_pandas(X, npartitions=3)
    chain = array_chain(pipe, "predict_proba", Xd._meta)
    assert chain is not None and list(chain.names) == ["a", "b", "c", "d"]
    with threadpool_limits(1):
        expected = pipe.predict_proba(X)
    np.testing.assert_array_equal(pipe.predict_proba(Xd).compute().to_numpy(), expected)


@pytest.mark.parametrize(
    "case", ["float32 column", "row dropper", "passthrough", "fitted on arrays", "unknown column"]
)
def test_pipelines_of_other_shapes_have_no_chain_and_keep_the_pandas_path(case):
    X, y = _frame(n_rows=300)
    first = ep.StandardScaler()
    if case == "row dropper":
        first = ep.MissingDropper(axis="rows")
    pipe = ep.make_pipeline(first, LogisticRegression(max_iter=2_000))
    if case == "passthrough":
        pipe.steps.insert(0, ("skip", "passthrough"))
    pipe.fit(X.to_numpy() if case == "fitted on arrays" else X, y)
    Xc = X.astype({"b": np.float32}) if case == "float32 column" else X
    if case == "unknown column":
        Xc = X.rename(columns={"d": "e"})
    Xd = dd.from_pandas(Xc, npartitions=3)
    assert array_chain(pipe, "predict_proba", Xd._meta) is None
    if case == "unknown column":
        with pytest.raises(ValueError, match=r"missing column\(s\) \['d'\]"):
            pipe.predict_proba(Xd)
        return
    if case == "fitted on arrays":
        Xd, Xc = Xd.to_dask_array(lengths=True), Xc.to_numpy()
    with threadpool_limits(1):
        expected = pipe.predict_proba(Xc)
    np.testing.assert_array_equal(np.asarray(pipe.predict_proba(Xd).compute()), expected)


def test_bad_values_raise_through_the_chain_naming_the_culprit():
    X, y = _frame(n_rows=300)
    pipe = ep.make_pipeline(ep.StandardScaler(), LogisticRegression()).fit(X, y)
    with_inf = X.copy()
    with_inf.loc[250, "c"] = np.inf
    with pytest.raises(ValueError, match="infinity in column 'c'"):
        pipe.predict(dd.from_pandas(with_inf, npartitions=3)).compute()
    with_nan = X.copy()
    with_nan.loc[10, "a"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        pipe.predict(dd.from_pandas(with_nan, npartitions=3)).compute()


@pytest.mark.cluster
def test_chain_on_a_real_cluster_gives_the_same_bits(cluster_client):
    X, y = _frame(n_rows=600, missing=True)
    pipe = ep.make_pipeline(ep.SimpleImputer(), ep.StandardScaler(), LogisticRegression())
    pipe.fit(X, y)
    Xd = dd.from_pandas(X, npartitions=3)
    assert array_chain(pipe, "predict_proba", Xd._meta) is not None
    got = cluster_client.compute(pipe.predict_proba(Xd)).result()
    with threadpool_limits(1):
        expected = pipe.predict_proba(X)
    assert got.index.equals(X.index) and list(got.columns) == ["high", "low", "mid"]
    np.testing.assert_array_equal(got.to_numpy(), expected)


def test_search_and_parallel_post_fit_holding_the_pipeline_use_its_chain():
    from engine.data._blockwise import _PartitionMethod
    from engine.model_selection import GridSearchCV
    from engine.models import ParallelPostFit

    X, y = _frame(n_rows=600)
    pipe = ep.make_pipeline(ep.StandardScaler(), LogisticRegression())
    search = GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]}, cv=2).fit(X, y)
    wrapper = ParallelPostFit(pipe).fit(X, y)
    Xd = dd.from_pandas(X[["c", "a", "d", "b"]], npartitions=4)
    for model, fitted in ((search, search.best_estimator_), (wrapper, wrapper.estimator_)):
        lazy = model.predict_proba(Xd)
        tasks = [getattr(task, "func", None) for task in dict(lazy.dask).values()]
        per_partition = [func for func in tasks if isinstance(func, _PartitionMethod)]
        assert len(per_partition) == 4
        assert all(func.func.on_values is not None for func in per_partition)
        with threadpool_limits(1):
            expected = fitted.predict_proba(X)
        np.testing.assert_array_equal(lazy.compute().to_numpy(), expected)
