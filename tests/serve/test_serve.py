"""``engine serve``: a real uvicorn process on 127.0.0.1 answering real HTTP requests."""

import http.client
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from engine.cli import main
from engine.data import demo_table
from engine.workflow import score_file
from tests.conftest import ServeProcess, _free_port

MAX_BODY = 200_000
REPO = Path(__file__).resolve().parents[2]


def compose_serve_options() -> list[str]:
    """The options of docker-compose.yml's ``engine serve`` command, less its run, host and port."""
    command = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["serve"][
        "command"
    ]
    assert command[:2] == ["engine", "serve"]
    options = command[3:]
    for flag in ("--host", "--port"):  # pointed at this machine by ServeProcess
        i = options.index(flag)
        del options[i : i + 2]
    return options


@pytest.fixture(scope="module")
def server(small_run):
    """The compose file's ``engine serve`` on the small run, with one uvicorn worker.

    (Its two workers each import the engine and load the model: about 12 s more
    here; one worker or two, the app is built by ``engine.serve.app_from_environment``.)
    """
    options = compose_serve_options()
    options[options.index("--workers") + 1] = "1"
    served = ServeProcess(small_run, *options, "--max-body-bytes", str(MAX_BODY))
    yield served
    served.close()


@pytest.fixture(scope="module")
def rows():
    frame = demo_table(40, npartitions=1, random_state=11).compute()
    frame.loc[frame.index[:3], "income"] = np.nan  # missing values travel as JSON null
    return frame


def _records(frame):
    """Rows as JSON records with every float exact (JSON null for missing values)."""
    return [
        {k: None if pd.isna(v) else v for k, v in row.items()} for row in frame.to_dict("records")
    ]


def _features(frame, small_run):
    record = json.loads((small_run / "record.json").read_text())
    return frame[record["model"]["schema"]["features"]]


def test_predictions_equal_engine_score(server, small_run, rows, tmp_path):
    features = _features(rows, small_run)
    features.to_parquet(tmp_path / "rows.parquet")
    expected = pd.read_parquet(
        score_file(small_run, tmp_path / "rows.parquet", tmp_path / "s.parquet")
    )
    records = _records(features)
    status, body = server.request("/predict", records)
    assert status == 200
    answer = json.loads(body)
    np.testing.assert_array_equal(answer["score"], expected["score"].to_numpy())
    np.testing.assert_array_equal(answer["prediction"], expected["prediction"].to_numpy())
    np.testing.assert_array_equal(answer["proba_1"], expected["score"].to_numpy())
    np.testing.assert_allclose(np.add(answer["proba_0"], answer["proba_1"]), 1.0, rtol=1e-12)
    status, body = server.request("/predict", features.to_csv(index=False).encode(), "text/csv")
    assert status == 200
    np.testing.assert_array_equal(json.loads(body)["score"], expected["score"].to_numpy())
    status, body = server.request("/predict", {"records": records[:1]})
    assert status == 200 and json.loads(body)["score"] == [expected["score"].iloc[0]]


def test_health_metadata_and_docs(server, small_run):
    record = json.loads((small_run / "record.json").read_text())
    status, body = server.request("/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, body = server.request("/metadata")
    meta = json.loads(body)
    assert meta["task"] == "binary" and meta["classes"] == [0, 1]
    assert meta["features"] == record["model"]["schema"]["dtypes"]
    assert meta["model_sha256"] == record["model"]["sha256"]
    assert meta["data_fingerprint"] == record["data_fingerprint"]
    assert meta["metrics"] == record["results"]["metrics"]
    status, body = server.request("/docs")
    assert status == 200 and b"swagger" in body.lower()
    status, body = server.request("/openapi.json")
    assert "text/csv" in json.loads(body)["paths"]["/predict"]["post"]["requestBody"]["content"]


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        (lambda r: r.pop("income"), "income", "missing column 'income'"),
        (lambda r: r.update(shoe_size=42), "shoe_size", "unexpected column 'shoe_size'"),
        (lambda r: r.update(age="forty"), "age", "column 'age' must be numeric"),
        (lambda r: r.update(region=3), "region", "column 'region' must be text"),
    ],
)
def test_a_bad_column_gets_422_naming_it(server, small_run, rows, change, column, message):
    records = _records(_features(rows, small_run).head(3))
    change(records[1])
    status, body = server.request("/predict", records)
    assert status == 422
    answer = json.loads(body)
    assert answer["column"] == column and message in answer["detail"]


def test_bad_bodies_get_their_status(server, small_run, rows):
    assert server.request("/predict", b"{not json")[0] == 422
    assert server.request("/predict", [])[0] == 422
    assert server.request("/predict", b"x", "application/xml")[0] == 415
    records = _records(_features(rows, small_run))
    big = json.dumps(records * 25).encode()  # somewhat over the limit
    assert MAX_BODY < len(big) < 2 * MAX_BODY
    status, body = server.request("/predict", big)
    assert status == 413 and "200,000-byte limit" in json.loads(body)["detail"]


def test_a_declared_oversize_body_is_refused_before_it_is_sent(server):
    connection = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=30)
    connection.putrequest("POST", "/predict")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(10**9))
    connection.endheaders()  # no body follows
    response = connection.getresponse()
    assert response.status == 413 and b"1,000,000,000 bytes" in response.read()
    connection.close()


def test_a_model_that_does_not_load_stops_start_up_in_one_line(small_run, tmp_path, capsys):
    import shutil

    broken = tmp_path / "run"
    shutil.copytree(small_run, broken)
    with open(broken / "model.skops", "ab") as handle:
        handle.write(b"tampered")
    assert main(["serve", str(broken), "--port", str(_free_port())]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not match its run record" in err
