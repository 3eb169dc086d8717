"""``engine monitor``: data, prediction and performance drift of new batches against a run."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from engine.cli import main
from engine.data import demo_table
from engine.drift import drift_report
from engine.model_selection import train_test_split
from engine.workflow import _monitor, check_batch, load_model, read_history
from tests.conftest import SMALL_RUN_ROWS

BATCH_ROWS = 1_000


def batch(seed: int) -> pd.DataFrame:
    return demo_table(BATCH_ROWS, npartitions=1, random_state=seed).compute()


def holiday_season(frame: pd.DataFrame) -> pd.DataFrame:
    """The same customers in December: more spending, higher balances, more online."""
    rng = np.random.default_rng(0)
    out = frame.copy()
    out["income"] *= 1.4
    out["balance"] += 6_000
    out["transactions"] *= 1.6
    out["utilization"] = (out["utilization"] + 0.2).clip(upper=1.0)
    out["late_payments"] += 1
    out.loc[rng.random(len(out)) < 0.6, "channel"] = "online"
    out["tenure_months"] += 12
    return out


@pytest.fixture
def run(small_run, tmp_path):
    """A copy of the small run, so monitor outputs land in a folder of this test's own."""
    return shutil.copytree(small_run, tmp_path / "run")


@pytest.fixture(scope="module")
def loaded(small_run):
    return load_model(small_run)


def test_reference_is_the_training_part_exactly(small_run):
    table = demo_table(SMALL_RUN_ROWS, npartitions=2)
    features = load_model(small_run)[1]["features"]
    X_train = train_test_split(
        table[features], table["default"], test_size=0.2, random_state=0, stratify=table["default"]
    )[0].compute()
    pd.testing.assert_frame_equal(pd.read_parquet(small_run / "reference.parquet"), X_train)


def test_same_distribution_batches_rarely_alarm_and_a_season_does(small_run, loaded):
    alarms = [check_batch(small_run, batch(seed), model=loaded).drifted for seed in range(100, 120)]
    assert sum(alarms) / len(alarms) < 0.05
    season = check_batch(small_run, holiday_season(batch(100)), model=loaded)
    assert season.drifted and season.data.drifted and season.prediction.drifted
    drifted = set(season.data.columns.loc[season.data.columns["drifted"], "column"])
    assert {"income", "balance", "transactions", "utilization", "channel"} <= drifted


def test_verdicts_equal_drift_report_on_the_stored_reference(small_run, loaded):
    new = holiday_season(batch(101))
    check = check_batch(small_run, new, model=loaded)
    reference = pd.read_parquet(small_run / "reference.parquet")
    expected = drift_report(reference, new[reference.columns])
    pd.testing.assert_frame_equal(check.data.columns, expected.columns)


def test_labels_give_performance_drift(small_run, loaded):
    new = batch(102)
    same = check_batch(small_run, new, labels="default", model=loaded)
    record = json.loads((small_run / "record.json").read_text())
    assert list(same.performance["metric"]) == list(record["results"]["metrics"])
    flipped = new.assign(default=1 - new["default"])  # the outcome now means its opposite
    worse = check_batch(small_run, flipped, labels="default", model=loaded)
    assert worse.performance_drifted and worse.drifted
    accuracy = worse.performance.set_index("metric").loc["accuracy"]
    assert accuracy["degraded"] and accuracy["drop"] > 0.5


def test_cli_exit_codes_outputs_and_history(run, tmp_path, capsys):
    batch(103).to_parquet(tmp_path / "november.parquet")
    holiday_season(batch(104)).to_parquet(tmp_path / "december.parquet")
    assert (
        main(["monitor", str(run), str(tmp_path / "november.parquet"), "--labels", "default"]) == 0
    )
    assert main(["monitor", str(run), str(tmp_path / "december.parquet")]) == 1
    assert "DRIFT" in capsys.readouterr().out
    folders = sorted(p for p in (run / "monitor").iterdir() if p.is_dir())
    assert len(folders) == 2 and not list((run / "monitor").glob(".*"))
    summary = json.loads((folders[1] / "monitor.json").read_text())
    assert summary["drifted"] and summary["data_drift"]["drifted"]
    assert "data:image/png;base64," in (folders[1] / "monitor.html").read_text()
    history = read_history(run)
    assert history["drifted"].tolist() == [False, True]
    assert history["metric_accuracy"].notna().tolist() == [True, False]
    assert main(["monitor", "--history", str(run)]) == 0
    assert (run / "monitor" / "history.html").exists()


def test_bad_input_exits_2(run, tmp_path, capsys):
    batch(105).drop(columns=["income"]).to_parquet(tmp_path / "short.parquet")
    assert main(["monitor", str(run), str(tmp_path / "short.parquet")]) == 2
    assert "missing column 'income'" in capsys.readouterr().err
    batch(105).to_parquet(tmp_path / "ok.parquet")
    assert main(["monitor", str(run), str(tmp_path / "ok.parquet"), "--labels", "churned"]) == 2
    assert "'churned'" in capsys.readouterr().err
    assert main(["monitor", str(run), str(tmp_path / "none.parquet")]) == 2
    assert not (run / "monitor").exists()


def test_a_failed_write_leaves_no_folder_and_no_history_line(run, tmp_path, monkeypatch):
    batch(106).to_parquet(tmp_path / "ok.parquet")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_monitor, "write_monitor_page", broken)
    assert main(["monitor", str(run), str(tmp_path / "ok.parquet")]) == 2
    assert list((run / "monitor").iterdir()) == []
