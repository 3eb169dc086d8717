"""ArrayScorer: a run's fitted pipeline on NumPy columns gives score_columns' numbers, bit for bit."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline

from engine.data import demo_table
from engine.preprocessing import MinMaxScaler, SimpleImputer, StandardScaler
from engine.workflow import ArrayScorer, records_columns, records_frame, score_columns
from engine.workflow._features import TablePreprocessor

DTYPES = {"age": "float64", "visits": "int64", "region": "str", "income": "float64", "plan": "str"}
N = 2_000


@pytest.fixture(scope="module")
def table():
    """Numbers with missing values, text with missing values, and three targets."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 12, N),
            "visits": rng.integers(0, 30, N),
            "region": rng.choice(["north", "south", "east", "west"], N).tolist(),
            "income": rng.lognormal(10, 1, N),
            "plan": rng.choice(["basic", "gold"], N).tolist(),
        }
    )
    frame.loc[::9, "age"] = np.nan
    frame.loc[::13, "income"] = np.nan
    frame.loc[::11, "region"] = None
    signal = frame["visits"] / 10 + (frame["region"] == "north") + rng.normal(0, 1, N)
    targets = {
        "binary": np.where(signal > 1.5, "churn", "stay"),
        "multiclass": np.select([signal < 1, signal < 2.5], ["low", "mid"], "high"),
        "regression": signal.to_numpy(),
    }
    return frame, targets


def _records(frame):
    return [
        {k: None if pd.isna(v) else (int(v) if k == "visits" else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _fit(frame, y, estimator, steps=None):
    steps = steps or [SimpleImputer(strategy="median"), StandardScaler()]
    pre = TablePreprocessor(["age", "visits", "income"], ["region", "plan"], [], steps)
    return Pipeline([("preprocess", pre), ("model", estimator)]).fit(frame, y)


def _meta(task, y, **facts):
    meta = {"features": list(DTYPES), "dtypes": DTYPES, "task": task}
    if task != "regression":
        meta["classes"] = sorted(set(y))
    return {**meta, **facts}


CASES = {
    "binary, string labels": ("binary", LogisticRegression(), {"positive_label": "churn"}),
    "binary, threshold": (
        "binary",
        LogisticRegression(),
        {"positive_label": "churn", "threshold": 0.3},
    ),
    "binary, forest": (
        "binary",
        RandomForestClassifier(n_estimators=5, random_state=0),
        {"positive_label": "churn"},
    ),
    "multiclass": ("multiclass", LogisticRegression(max_iter=500), {}),
    "regression": ("regression", Ridge(), {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_scores_equal_score_columns_bit_for_bit(table, case):
    frame, targets = table
    task, estimator, facts = CASES[case]
    model = _fit(frame, targets[task], estimator)
    meta = _meta(task, targets[task], **facts)
    scorer = ArrayScorer.for_model(model, meta)
    assert scorer is not None and scorer.final_takes_arrays
    records = _records(frame)
    # one row with missing numbers; a batch where one region is null (a lone null region:
    # test_a_missing_category_scores_alike_alone_and_in_a_batch)
    for rows in (records, records[1:2], records[9:10], records[11:14]):
        expected = score_columns(model, records_frame(rows, DTYPES), meta, probabilities=True)
        got = scorer.score(records_columns(rows, DTYPES), probabilities=True)
        assert list(got) == list(expected)
        for name, values in expected.items():
            assert got[name].dtype == values.dtype, name
            np.testing.assert_array_equal(got[name], values, strict=True)


@pytest.mark.parametrize("case", ["binary, string labels", "multiclass", "regression"])
def test_scores_equal_the_fitted_scikit_learn_estimator(table, case):
    """Against the estimator itself, on the preprocessor's named frame."""
    frame, targets = table
    task, estimator, facts = CASES[case]
    model = _fit(frame, targets[task], estimator)
    scorer = ArrayScorer.for_model(model, _meta(task, targets[task], **facts))
    final = model.named_steps["model"]
    Xt = model.named_steps["preprocess"].transform(frame)
    got = scorer.score(records_columns(_records(frame), DTYPES), probabilities=True)
    np.testing.assert_array_equal(scorer.transform(records_columns(_records(frame), DTYPES)), Xt)
    if task == "regression":
        np.testing.assert_array_equal(got["prediction"], final.predict(Xt))
        return
    proba = final.predict_proba(Xt)
    for i, label in enumerate(final.classes_):
        np.testing.assert_array_equal(got[f"proba_{label}"], proba[:, i])
    np.testing.assert_array_equal(got["prediction"], final.predict(Xt))


def test_columns_are_matched_by_name_not_position(table):
    frame, targets = table
    model = _fit(frame, targets["binary"], LogisticRegression())
    meta = _meta("binary", targets["binary"], positive_label="churn")
    scorer = ArrayScorer.for_model(model, meta)
    columns = records_columns(_records(frame.head(20)), DTYPES)
    reversed_order = dict(reversed(list(columns.items())))
    np.testing.assert_array_equal(
        scorer.score(reversed_order)["score"], scorer.score(columns)["score"]
    )
    with pytest.raises(KeyError, match="plan"):
        scorer.score({k: v for k, v in columns.items() if k != "plan"})


def test_a_missing_category_scores_alike_alone_and_in_a_batch(table):
    """JSON null in a text column is the missing category the encoder learned, even in one row."""
    frame, targets = table
    model = _fit(frame, targets["binary"], LogisticRegression())
    meta = _meta("binary", targets["binary"], positive_label="churn")
    assert any(pd.isna(c) for c in model.named_steps["preprocess"].categorical_.categories_[0])
    scorer = ArrayScorer.for_model(model, meta)
    batch = _records(frame.iloc[10:12])  # row 11 has region None, row 10 a region
    assert batch[1]["region"] is None and batch[0]["region"] is not None
    in_batch = score_columns(model, records_frame(batch, DTYPES), meta)["score"][1]
    alone = scorer.score(records_columns(batch[1:], DTYPES))["score"]
    assert alone.tolist() == [in_batch]


def test_other_engine_steps_and_a_csv_frame(table):
    """A MinMaxScaler chain, and columns given as a conformed DataFrame (the CSV path)."""
    frame, targets = table
    model = _fit(frame, targets["binary"], LogisticRegression(), [SimpleImputer(), MinMaxScaler()])
    meta = _meta("binary", targets["binary"], positive_label="churn")
    X = records_frame(_records(frame), DTYPES)
    got = ArrayScorer.for_model(model, meta).score(X)
    np.testing.assert_array_equal(got["score"], score_columns(model, X, meta)["score"], strict=True)


def test_models_of_other_shapes_get_no_array_scorer(table):
    frame, targets = table
    y = targets["binary"]
    meta = _meta("binary", y, positive_label="churn")
    plain = Pipeline([("model", LogisticRegression())]).fit(frame[["age"]].fillna(0), y)
    assert ArrayScorer.for_model(plain, meta) is None
    assert ArrayScorer.for_model(LogisticRegression().fit(frame[["visits"]], y), meta) is None
    dated = frame.assign(when=pd.Timestamp("2026-01-01"))
    pre = TablePreprocessor(["age"], [], ["when"], [SimpleImputer()])
    with_dates = Pipeline([("preprocess", pre), ("model", LogisticRegression())]).fit(dated, y)
    assert ArrayScorer.for_model(with_dates, meta) is None


def test_numbers_only_keep_the_layout_scikit_learn_receives():
    """Without categories the preprocessor's frame reaches the estimator in C order, not F:
    the estimator's products then sum in another order, so the layout must follow the frame's."""
    frame = demo_table(4_000, npartitions=1, random_state=2).compute()
    numeric = [c for c in frame.select_dtypes("number").columns if c != "default"]
    pre = TablePreprocessor(numeric, [], [], [SimpleImputer(strategy="median"), StandardScaler()])
    model = Pipeline([("preprocess", pre), ("model", LogisticRegression(max_iter=300))])
    model.fit(frame[numeric], frame["default"])
    dtypes = {c: "float64" for c in numeric}
    meta = {"features": numeric, "dtypes": dtypes, "task": "binary", "classes": [0, 1]}
    meta["positive_label"] = 1
    rows = [
        {k: None if pd.isna(v) else v for k, v in r.items()}
        for r in frame[numeric].to_dict("records")
    ]
    expected = score_columns(model, records_frame(rows, dtypes), meta, probabilities=True)
    got = ArrayScorer.for_model(model, meta).score(
        records_columns(rows, dtypes), probabilities=True
    )
    for name, values in expected.items():
        np.testing.assert_array_equal(got[name], values, strict=True)


def test_a_preprocessor_without_numeric_steps(table):
    """``preprocessing: []``: numbers go to the estimator as they came (missing values dropped first)."""
    frame, targets = table
    clean = frame.fillna({"age": 40.0, "income": 1.0})
    pre = TablePreprocessor(["age", "visits", "income"], ["region", "plan"], [], [])
    model = Pipeline([("preprocess", pre), ("model", LogisticRegression(max_iter=1000))])
    model.fit(clean, targets["binary"])
    meta = _meta("binary", targets["binary"], positive_label="churn")
    rows = _records(clean)
    expected = score_columns(model, records_frame(rows, DTYPES), meta, probabilities=True)
    got = ArrayScorer.for_model(model, meta).score(
        records_columns(rows, DTYPES), probabilities=True
    )
    for name, values in expected.items():
        np.testing.assert_array_equal(got[name], values, strict=True)
