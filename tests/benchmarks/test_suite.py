"""``python -m benchmarks``: the suite's entry point runs, writes its files and says where it ran."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.image import imread

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "benchmarks" / "results"


def suite(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _snapshot(folder: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in folder.rglob("*") if p.is_file()}


def test_quick_run_of_one_benchmark_writes_results_plot_and_summary(tmp_path):
    before = _snapshot(COMMITTED)
    run = suite("--quick", "--only", "split", "--results-dir", str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "[1/1] split" in run.stdout and " ok in " in run.stdout
    assert _snapshot(COMMITTED) == before  # the committed results are left alone

    payload = json.loads((tmp_path / "bench_split.json").read_text())
    assert payload["mode"] == "quick" and payload["scheduler"]["kind"] == "threads"
    assert payload["command"] == "python -m benchmarks --only split --quick"
    assert payload["machine"]["cores"] >= 1 and payload["machine"]["versions"]["numpy"]
    tasks = {row["task"] for row in payload["rows"]}
    for task in tasks:
        engine = [r for r in payload["rows"] if r["task"] == task and r["variant"] == "engine"]
        assert len(engine) == 1 and engine[0]["seconds"] > 0 and engine[0]["time vs engine"] == 1
    peers = [r for r in payload["rows"] if r["variant"] != "engine"]
    for row in peers:
        ours = next(r for r in payload["rows"] if r["task"] == row["task"] and r is not row)
        assert row["time vs engine"] == pytest.approx(row["seconds"] / ours["seconds"])

    pixels = imread(tmp_path / "bench_split.png")
    assert pixels.shape[0] > 200 and pixels.shape[1] > 400 and pixels[..., :3].var() > 0
    page = (tmp_path / "bench_split.md").read_text()
    assert "![bench_split](bench_split.png)" in page and "| task | variant | seconds |" in page
    summary = (tmp_path / "SUMMARY.md").read_text()
    assert payload["machine"]["cpu"] in summary and "[bench_split](bench_split.md)" in summary
    assert "| bench_split | train_test_split stratified, NumPy |" in summary  # headline row


def test_unknown_benchmark_is_named(tmp_path):
    run = suite("--only", "nosuch", "--results-dir", str(tmp_path), timeout=60)
    assert run.returncode == 2
    assert "unknown benchmark(s) ['nosuch']" in run.stderr and "'split'" in run.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.cluster
@pytest.mark.slow
def test_on_a_cluster_results_say_so_and_local_only_benchmarks_skip(real_cluster, tmp_path):
    run = suite(
        "--quick",
        "--only",
        "scaling",
        "split",
        "--scheduler",
        real_cluster.address,
        "--results-dir",
        str(tmp_path),
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert (
        "scaling        ... skipped" in run.stdout
        and "cannot run on a remote scheduler" in run.stdout
    )
    assert not (tmp_path / "bench_scaling.json").exists()
    payload = json.loads((tmp_path / "bench_split.json").read_text())
    assert payload["scheduler"]["kind"] == "distributed"
    assert payload["scheduler"]["address"] == real_cluster.address
    assert payload["scheduler"]["workers"] == 2
    assert any("dask (cluster)" in row["task"] for row in payload["rows"])
    assert real_cluster.address in (tmp_path / "bench_split.md").read_text()
    summary = (tmp_path / "SUMMARY.md").read_text()
    assert f"the Dask cluster at {real_cluster.address}" in summary
    assert "bench_scaling: skipped" in summary
