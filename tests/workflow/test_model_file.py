"""Safe model files: skops with a trusted-type list, hash tied to the record, pickle on request."""

import json
import os
import shutil

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from engine.cli import main
from engine.data import demo_table
from engine.preprocessing import SimpleImputer, StandardScaler
from engine.workflow import load_model, save_model
from engine.workflow._features import TablePreprocessor
from engine.workflow._model_file import file_sha256

FEATURES = ["age", "income", "utilization", "region"]


@pytest.fixture(scope="module")
def frame():
    return demo_table(400, npartitions=1, random_state=3).compute()


def _fit(frame, *steps):
    model = Pipeline(
        [
            *steps,
            (
                "preprocess",
                TablePreprocessor(
                    FEATURES[:3], FEATURES[3:], [], [SimpleImputer(), StandardScaler()]
                ),
            ),
            ("model", LogisticRegression(max_iter=200)),
        ]
    )
    return model.fit(frame[FEATURES], frame["default"])


def _saved(model, frame, folder):
    schema = {
        "features": FEATURES,
        "dtypes": {c: str(frame.dtypes[c]) for c in FEATURES},
        "target": "default",
        "task": "binary",
        "classes": [0, 1],
    }
    entry = save_model(model, folder, schema=schema)
    (folder / "record.json").write_text(json.dumps({"name": "t", "model": entry}))
    return folder / entry["file"]


def test_engine_pipeline_roundtrips_with_its_schema(frame, tmp_path):
    model = _fit(frame)
    path = _saved(model, frame, tmp_path)
    record = json.loads((tmp_path / "record.json").read_text())["model"]
    assert record["sha256"] == file_sha256(path)
    assert record["schema"] == {
        "features": FEATURES,
        "dtypes": {c: str(frame.dtypes[c]) for c in FEATURES},
        "target": "default",
        "task": "binary",
        "classes": [0, 1],
    }
    for where in (tmp_path, path):  # the run folder or its model file
        loaded, meta = load_model(where)
        np.testing.assert_array_equal(
            loaded.predict_proba(frame[FEATURES]), model.predict_proba(frame[FEATURES])
        )
        assert meta["features"] == FEATURES and meta["sha256"] == record["sha256"]
    with pytest.raises(FileExistsError, match="never overwritten"):
        save_model(model, tmp_path, schema={})


def test_a_changed_model_file_is_refused(frame, tmp_path):
    path = _saved(_fit(frame), frame, tmp_path)
    data = bytearray(path.read_bytes())
    data[-30] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="does not match its run record"):
        load_model(tmp_path)


def test_a_model_without_its_record_is_refused(frame, tmp_path):
    path = _saved(_fit(frame), frame, tmp_path)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(path, alone / path.name)
    with pytest.raises(FileNotFoundError, match="no record.json"):
        load_model(alone / path.name)


class Untrusted(TransformerMixin, BaseEstimator):
    """A transformer from a package the model's record does not trust (this test module)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def test_a_type_outside_the_trusted_packages_is_refused_by_name(frame, tmp_path):
    _saved(_fit(frame, ("custom", Untrusted())), frame, tmp_path)
    with pytest.raises(ValueError, match=r"untrusted type '.*Untrusted'"):
        load_model(tmp_path)


def test_standard_library_types_stay_untrusted_even_when_the_record_lists_them(frame, tmp_path):
    model = _fit(frame)
    model.named_steps["model"].callback_ = os.system  # what a crafted file would carry
    path = _saved(model, frame, tmp_path)
    record = json.loads((tmp_path / "record.json").read_text())
    record["model"]["trusted_packages"] += ["posix", "os"]  # a forged record
    record["model"]["sha256"] = file_sha256(path)
    (tmp_path / "record.json").write_text(json.dumps(record))
    with pytest.raises(ValueError, match=r"untrusted type '(posix|os)\.system'"):
        load_model(tmp_path)


class Payload:
    """A pickle that runs code on load: it creates ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_engine_score_refuses_a_pickle_unless_trusted(frame, tmp_path, capsys):
    marker = tmp_path / "payload-ran"
    joblib.dump({"model": Payload(marker), "metadata": {}}, tmp_path / "model.joblib")
    frame.to_parquet(tmp_path / "new.parquet")
    argv = [
        "score",
        str(tmp_path / "model.joblib"),
        str(tmp_path / "new.parquet"),
        "-o",
        str(tmp_path / "s.csv"),
    ]
    assert main(argv) == 2
    assert "--trust-pickle" in capsys.readouterr().err
    assert not marker.exists()  # the payload never ran


def test_a_trusted_pickle_loads_with_a_warning(frame, tmp_path):
    model = _fit(frame)
    joblib.dump({"model": model, "metadata": {"features": FEATURES}}, tmp_path / "m.joblib")
    with pytest.warns(UserWarning, match="runs any code"):
        loaded, meta = load_model(tmp_path / "m.joblib", trust_pickle=True)
    assert meta == {"features": FEATURES}
    np.testing.assert_array_equal(loaded.predict(frame[FEATURES]), model.predict(frame[FEATURES]))


def test_scores_of_a_run_folder_follow_the_training_schema(small_run, tmp_path):
    from engine.workflow import score_file

    rows = demo_table(50, npartitions=1, random_state=5).compute()
    rows.drop(columns=["income"]).to_parquet(tmp_path / "short.parquet")
    with pytest.raises(ValueError, match="income"):
        score_file(small_run, tmp_path / "short.parquet", tmp_path / "a.parquet")
    rows.assign(age="old").to_parquet(tmp_path / "text.parquet")
    with pytest.raises(ValueError, match="column 'age'"):
        score_file(small_run, tmp_path / "text.parquet", tmp_path / "b.parquet").exists()
    out = score_file(small_run, _write(rows, tmp_path / "ok.parquet"), tmp_path / "c.parquet")
    model, meta = load_model(small_run)
    expected = model.predict_proba(rows[meta["features"]])[:, 1]
    np.testing.assert_array_equal(pd.read_parquet(out)["score"].to_numpy(), expected)


def _write(frame, path):
    frame.to_parquet(path)
    return path
