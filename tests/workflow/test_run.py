"""End-to-end runs of a spec: outputs, results against scikit-learn (local == cluster: test_parquet_run)."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, roc_auc_score

from engine.cli import main
from engine.data import demo_table, fingerprint, write_table
from engine.model_selection import train_test_split
from engine.report._table import readable
from engine.workflow import check_spec, load_model, run_spec
from tests.headless import problems

ROWS, PARTITIONS = 4_000, 4


def tiny_spec(tmp_path, **sections):
    raw = {
        "name": "tiny",
        "data": {
            "rows": ROWS,
            "partitions": PARTITIONS,
            "target": "default",
            "sensitive": "gender",
        },
        "preprocessing": [{"SimpleImputer": {"strategy": "median"}}, {"StandardScaler": {}}],
        "model": {
            "params": {"max_iter": 200, "class_weight": "balanced"},
            "search": {"kind": "grid", "params": {"C": [0.1, 1.0]}, "cv": 2, "scoring": "roc_auc"},
        },
        "evaluation": {"importance_repeats": 2},
        "output": {"dir": str(tmp_path / "runs")},
    }
    raw.update(sections)
    return check_spec(raw)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("run")
    record = run_spec(tiny_spec(tmp_path), progress=False, echo=lambda s: None)
    return tmp_path, record


def _test_part():
    table = demo_table(ROWS, npartitions=PARTITIONS)
    features = [c for c in table.columns if c not in ("default", "gender")]
    parts = train_test_split(
        table[features], table["default"], test_size=0.2, random_state=0, stratify=table["default"]
    )
    return parts[1].compute(), parts[3].compute()


def test_run_writes_record_model_and_report(finished_run):
    _, record = finished_run
    payload = json.loads((record.path / "record.json").read_text())
    assert payload["data_fingerprint"] == fingerprint(demo_table(ROWS, npartitions=PARTITIONS))
    assert set(payload["timings"]) >= {
        "split",
        "preprocessing fit",
        "grid search",
        "metrics",
        "report",
    }
    html = (record.path / "report.html").read_text()
    assert len(re.findall(r"data:image/png;base64,", html)) >= 4
    assert "Numeric columns before cleaning" in html


def test_report_reads_well_in_a_browser(finished_run, chromium, tmp_path):
    _, record = finished_run
    visit = chromium.visit(str(record.path / "report.html"))
    assert problems(visit) == []
    assert len(visit.images) == 5  # ROC, confusion matrix, fairness, drift, importance
    assert all(i["shownWidth"] <= 1100 for i in visit.images)  # no plot wider than the page
    text = visit.structure["text"]
    summary = text[: text.index("\nData\n")].lower()  # the summary block comes first
    for expected in (
        "binary classification of 'default'",
        record.data_fingerprint,
        "roc_auc (test part)",
        readable(record.results["metrics"]["roc_auc"]),
        "columns drifted",
        "by gender",
    ):
        assert expected in summary, expected
    headings = [h["text"] for h in visit.structure["headings"]]
    assert headings[:4] == [
        "engine run: tiny",
        "Data",
        "After cleaning and scaling (training part)",
        "Model",
    ]
    assert {"Performance on the test part", "Fairness by gender", "Timings"} <= set(headings)
    assert visit.structure["tables"] >= 8
    numbers = re.findall(r'<td class="num">([^<]*)</td>', (record.path / "report.html").read_text())
    assert numbers and max(map(_significant_digits, numbers)) <= 4  # rounded for reading
    (tmp_path / "report.png").write_bytes(visit.screenshot)


def _significant_digits(text: str) -> int:
    """Digits a reader must read in a decimal number (0 for whole numbers)."""
    mantissa = text.replace(",", "").lstrip("-").split("e")[0]
    return len(mantissa.replace(".", "").lstrip("0")) if "." in mantissa else 0


def test_run_metrics_equal_sklearn_on_the_saved_model(finished_run):
    _, record = finished_run
    model, meta = load_model(record.path / "model.skops")
    X_test, y_test = _test_part()
    score = model.predict_proba(X_test[meta["features"]])[:, 1]
    metrics = record.results["metrics"]
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(y_test, score), rel=1e-12)
    assert metrics["accuracy"] == pytest.approx(accuracy_score(y_test, score >= 0.5), rel=1e-12)


def test_cli_score_matches_model(finished_run, tmp_path):
    _, record = finished_run
    model_path = str(record.path / "model.skops")
    model, meta = load_model(model_path)
    frame = demo_table(500, npartitions=2, random_state=7).compute()
    write_table(frame, tmp_path / "new.parquet")
    out = tmp_path / "scores.parquet"
    assert main(["score", model_path, str(tmp_path / "new.parquet"), "-o", str(out)]) == 0
    scores = pd.read_parquet(out)
    np.testing.assert_allclose(
        scores["score"].to_numpy(), model.predict_proba(frame[meta["features"]])[:, 1], rtol=1e-12
    )
    assert main(["score", model_path, str(tmp_path / "new.parquet"), "-o", str(out)]) == 2


def test_cli_reports_a_bad_spec(tmp_path, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: x\ndata:\n  target: default\n  rowz: 3\n")
    assert main(["run", str(spec)]) == 2
    assert "data.rowz: unknown key" in capsys.readouterr().err


def test_unknown_column_is_named(tmp_path):
    spec = tiny_spec(tmp_path, data={"rows": 500, "partitions": 1, "target": "churned"})
    with pytest.raises(ValueError, match="data.target: column 'churned'"):
        run_spec(spec, progress=False, echo=lambda s: None)
