"""XGBoost and LightGBM models saved in their own formats beside model.skops, hashed, loaded bit-equal."""

import json

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline

from engine.data import demo_table
from engine.preprocessing import StandardScaler
from engine.workflow import load_model, save_model

lightgbm = pytest.importorskip("lightgbm")
xgboost = pytest.importorskip("xgboost")

FEATURES = ["age", "income", "utilization"]


@pytest.fixture(scope="module")
def frame():
    return demo_table(600, npartitions=1, random_state=5).compute()


def _boosters():
    return {
        "xgboost": (xgboost.XGBClassifier(n_estimators=15, max_depth=3, n_jobs=1), ".ubj"),
        "lightgbm": (
            lightgbm.LGBMClassifier(n_estimators=15, num_leaves=7, n_jobs=1, verbose=-1),
            ".txt",
        ),
    }


def _save(model, frame, folder):
    schema = {"features": FEATURES, "task": "binary", "classes": [0, 1]}
    entry = save_model(model, folder, schema=schema)
    (folder / "record.json").write_text(json.dumps({"name": "t", "model": entry}))
    return entry


@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
def test_a_booster_is_stored_natively_hashed_and_loads_bit_equal(library, frame, tmp_path):
    booster, suffix = _boosters()[library]
    X = frame[FEATURES]
    model = Pipeline([("scale", StandardScaler()), ("model", booster)]).fit(X, frame["default"])
    expected = model.predict_proba(X)
    entry = _save(model, frame, tmp_path)
    [stored] = entry["boosters"]
    assert stored["file"] == f"model.{library}-0{suffix}"
    assert (tmp_path / stored["file"]).stat().st_size > 0
    assert library in entry["trusted_packages"]
    # the archive holds the estimator around the trees, not the trees
    assert not any("Booster" in t for t in sio.get_untrusted_types(file=tmp_path / "model.skops"))
    np.testing.assert_array_equal(model.predict_proba(X), expected)  # the caller's model intact
    loaded, meta = load_model(tmp_path)
    assert meta["files"] == ["model.skops", stored["file"]]  # what a copy of the model must take
    assert loaded.predict_proba(X).tobytes() == expected.tobytes()
    assert loaded.predict(X).tolist() == model.predict(X).tolist()


def test_the_native_file_format_is_the_librarys_own(frame, tmp_path):
    X = frame[FEATURES]
    model = Pipeline([("model", _boosters()["lightgbm"][0])]).fit(X, frame["default"])
    _save(model, frame, tmp_path)
    text = lightgbm.Booster(model_file=str(tmp_path / "model.lightgbm-0.txt"))
    np.testing.assert_array_equal(
        text.predict(X.to_numpy()), model[-1].booster_.predict(X.to_numpy())
    )


def test_a_changed_booster_file_is_refused(frame, tmp_path):
    X = frame[FEATURES]
    model = Pipeline([("model", _boosters()["xgboost"][0])]).fit(X, frame["default"])
    entry = _save(model, frame, tmp_path)
    with open(tmp_path / entry["boosters"][0]["file"], "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ValueError, match="does not match its run record"):
        load_model(tmp_path)
