"""The command line: exit codes, one-line errors, no half-written run folder, Ctrl-C, fast start."""

import json
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from engine.cli import main
from tests.workflow.test_tasks import REPO, cli_env

HEAVY = ("dask", "distributed", "numba", "sklearn", "pandas", "numpy")


def _spec(tmp_path: Path, **sections) -> Path:
    raw = {
        "name": "tiny",
        "data": {"rows": 400, "partitions": 2, "target": "default"},
        "preprocessing": [{"SimpleImputer": {"strategy": "median"}}],
        "model": {"params": {"max_iter": 50}},
        "evaluation": {"importance": False, "drift": False, "fairness": False},
        "output": {"dir": str(tmp_path / "runs"), "report": False},
    }
    for section, values in sections.items():
        raw[section] = {**raw.get(section, {}), **values}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def _one_line_error(capsys, *expected: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("engine: "), err
    for text in expected:
        assert text in err, err
    return err


def _every_run_has_a_record(runs: Path) -> list[Path]:
    folders = list(runs.glob("*/*")) if runs.exists() else []
    for folder in folders:
        assert not folder.name.startswith("."), f"half-written run left: {folder}"
        assert (folder / "record.json").exists(), folder
    return folders


def test_help_version_and_spec_errors_import_nothing_heavy(tmp_path):
    # engine --help, engine validate (valid or not) and spec errors need no Dask, Numba,
    # scikit-learn, pandas or NumPy: validate reads the estimator's and the steps' source
    code = (
        "import sys\nfrom engine.cli import main\n"
        "for argv in (['run', 'nope.yaml'], ['validate', 'bad.yaml'], ['validate', 'good.yaml'],"
        " ['validate', 'typo.yaml'], ['--help']):\n"
        "    try:\n        code = main(argv)\n"
        "    except SystemExit as exc:\n        code = exc.code\n"
        "    print('rc', code)\n"
        f"print('heavy', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    (tmp_path / "bad.yaml").write_text("name: t\ndata: {target: y, rowz: 3}\n")
    _spec(tmp_path).rename(tmp_path / "good.yaml")
    _spec(tmp_path, model={"params": {"penalty": "l3"}}).rename(tmp_path / "typo.yaml")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=cli_env(), capture_output=True, text=True
    )
    marks = [line for line in done.stdout.split("\n") if line.startswith(("rc ", "heavy "))]
    assert marks == ["rc 2", "rc 2", "rc 0", "rc 2", "rc 0", "heavy []"], done.stdout + done.stderr
    assert "good.yaml: valid (task auto, estimator LogisticRegression" in done.stdout
    assert "model.params: LogisticRegression: " in done.stderr and "'l3'" in done.stderr
    assert "no such spec file: 'nope.yaml'" in done.stderr
    assert "data.rowz: unknown key" in done.stderr and "did you mean rows?" in done.stderr
    version = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--version"], env=cli_env(), capture_output=True
    )
    assert version.returncode == 0 and version.stdout.startswith(b"engine ")


def test_validate_reads_no_data(tmp_path, capsys):
    spec = _spec(tmp_path, data={"source": str(tmp_path / "data.csv")})
    (tmp_path / "data.csv").write_text("not,a\ntable")  # never read by validate
    assert main(["validate", str(spec)]) == 0
    assert "valid" in capsys.readouterr().out
    spec = _spec(tmp_path, model={"params": {"max_iters": 5}})
    assert main(["validate", str(spec)]) == 2
    _one_line_error(capsys, "model.params.max_iters: unknown parameter", "did you mean max_iter?")
    assert not (tmp_path / "runs").exists()


def test_output_dir_that_is_a_file_fails_before_running(tmp_path, capsys):
    (tmp_path / "taken").write_text("mine")
    assert main(["run", str(_spec(tmp_path, output={"dir": str(tmp_path / "taken")}))]) == 2
    _one_line_error(capsys, "output.dir", "is a file, not a folder")
    assert (tmp_path / "taken").read_text() == "mine"


def test_unreachable_scheduler_fails_fast_with_one_line(tmp_path, capsys):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    spec = _spec(tmp_path)
    argv = ["run", str(spec), "--address", f"tcp://127.0.0.1:{port}", "--connect-timeout", "2"]
    assert main(argv) == 1
    _one_line_error(capsys, f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within 2 s")
    (failed,) = _every_run_has_a_record(tmp_path / "runs")
    assert failed.name.endswith(".failed")
    assert "ConnectionError" in json.loads((failed / "record.json").read_text())["error"]


def test_failure_after_loading_leaves_a_failed_record(tmp_path, capsys):
    spec = _spec(tmp_path, data={"target": "churned"})
    assert main(["run", str(spec)]) == 2
    _one_line_error(capsys, "data.target: column 'churned' is not in the data", ".failed")
    (failed,) = _every_run_has_a_record(tmp_path / "runs")
    record = json.loads((failed / "record.json").read_text())
    assert record["error"].startswith("ValueError: data.target")


def test_corrupt_model_file_is_one_line(tmp_path, capsys):
    (tmp_path / "model.joblib").write_bytes(b"\x80\x04garbage")
    (tmp_path / "new.csv").write_text("a,b\n1,2\n")
    argv = ["score", str(tmp_path / "model.joblib"), str(tmp_path / "new.csv"), "-o", "out.csv"]
    assert main(argv) == 2
    _one_line_error(capsys, "model.joblib' is a pickle")
    assert main([*argv, "--trust-pickle"]) == 2
    _one_line_error(capsys, "model.joblib' is not a readable model file")


@pytest.mark.parametrize("stage", ["fit", "predict"])
def test_ctrl_c_mid_search_and_mid_evaluation(tmp_path, stage):
    model = {
        "estimator": "tests.workflow.blocking.BlockingClassifier",
        "params": {"block_in": stage},
    }
    if stage == "fit":
        model["search"] = {"params": {"C": [0.5, 1.0]}, "cv": 2}
    spec = _spec(tmp_path, model=model)
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "run", str(spec)],
        cwd=REPO,
        env=cli_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(300, proc.kill)  # a hung run fails the test instead of hanging it
    watchdog.start()
    try:
        line = next((s for s in proc.stdout if s.startswith("BLOCKING")), "")
        assert line.startswith(
            f"BLOCKING {stage}"
        )  # the run is inside the stage (fits may print at once)
        proc.send_signal(signal.SIGINT)
        err = next((s for s in proc.stderr if s.startswith("engine:")), "")
        proc.stdin.close()  # release the blocked estimator threads so the process can exit
        assert proc.wait() == 130
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
    assert err.startswith("engine: interrupted") and ".failed" in err
    (failed,) = _every_run_has_a_record(tmp_path / "runs")
    assert failed.name.endswith(".failed")
    record = json.loads((failed / "record.json").read_text())
    assert record["error"] == "KeyboardInterrupt"
    assert ("grid search" in record["timings"]) == (stage == "fit")  # interrupted inside it
    assert ("predict test part" in record["timings"]) == (stage == "predict")
