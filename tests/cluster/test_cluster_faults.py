"""Faults: a worker SIGKILLed mid-fit, mid-transform and mid-search; a client killed mid-search.

The cluster (``fault_cluster``) has three single-threaded worker processes;
the third (named ``w2-*``) is killed with SIGKILL once it holds results of
the running computation, so those results are lost and must be recomputed.
Its nanny restarts it. The answer must be bit-identical to an undisturbed
run on the synchronous scheduler.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading

import dask
import numpy as np
import pytest
from cluster_helpers import (
    SlowRidge,
    kill_when_busy,
    seeded_dask_array,
    wait_until,
    worker_named,
)
from cluster_parity import assert_bitwise_equal, fitted_attributes

from engine.model_selection import GridSearchCV
from engine.preprocessing import StandardScaler

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

BLOCKS, ROWS, COLUMNS = 40, 400, 4
DELAY = 0.08  # seconds per source block: 40 blocks on 3 workers last about 1 s


def _fit(X):
    """The fitted attributes of a StandardScaler."""
    return fitted_attributes(StandardScaler().fit(X))


def _in_thread(func):
    box = {}

    def run():
        try:
            box["value"] = func()
        except BaseException as exc:  # re-raised in the test thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _victim(client):
    client.wait_for_workers(3, timeout=60)
    return worker_named(client, "w2-")


def _assert_killed(client, address):
    wait_until(
        lambda: address not in client.scheduler_info(n_workers=-1)["workers"],
        what=f"the scheduler to drop {address}",
    )


def test_worker_killed_during_fit(fault_cluster):
    _, client = fault_cluster
    victim = _victim(client)
    with dask.config.set(scheduler="sync"):
        expected = _fit(seeded_dask_array(BLOCKS, ROWS, COLUMNS, seed=1))

    def fit_on_cluster():
        with dask.config.set(scheduler=client):
            return _fit(seeded_dask_array(BLOCKS, ROWS, COLUMNS, seed=1, delay=DELAY))

    thread, box = _in_thread(fit_on_cluster)
    lost = kill_when_busy(client, victim, thread.is_alive, min_keys=2)
    thread.join(120)
    assert not thread.is_alive(), "fit did not finish after the worker was killed"
    if "error" in box:
        raise box["error"]
    _assert_killed(client, victim)
    assert lost >= 2
    assert_bitwise_equal(box["value"], expected, what="fit ")


def test_worker_killed_during_transform(fault_cluster):
    _, client = fault_cluster
    victim = _victim(client)
    scaler = StandardScaler()
    fast = seeded_dask_array(BLOCKS, ROWS, COLUMNS, seed=2)
    with dask.config.set(scheduler="sync"):
        scaler.fit(fast)
        expected = scaler.transform(fast).compute()

    future = client.compute(
        scaler.transform(seeded_dask_array(BLOCKS, ROWS, COLUMNS, seed=2, delay=DELAY))
    )
    lost = kill_when_busy(client, victim, lambda: not future.done(), min_keys=2)
    result = future.result(timeout=120)
    _assert_killed(client, victim)
    assert lost >= 2
    assert_bitwise_equal(result, expected, what="transform ")


def _search_data():
    rng = np.random.default_rng(21)
    X = rng.normal(size=(300, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + rng.normal(scale=0.2, size=300)
    return X, y


def _search(delay, checkpoint=None):
    from sklearn.pipeline import make_pipeline

    return GridSearchCV(
        make_pipeline(StandardScaler(), SlowRidge(delay=delay)),
        {"slowridge__alpha": [0.01, 0.1, 1.0, 10.0]},
        cv=3,
        checkpoint=checkpoint,
    )


def _search_result(search):
    return {
        "mean_test_score": search.cv_results_["mean_test_score"],
        "split0": search.cv_results_["split0_test_score"],
        "best_index": search.best_index_,
        "coef": search.best_estimator_[-1].coef_,
    }


def test_worker_killed_during_search(fault_cluster):
    import dask.array as da

    _, client = fault_cluster
    victim = _victim(client)
    X, y = _search_data()
    Xd, yd = da.from_array(X, chunks=(100, 4)), da.from_array(y, chunks=100)
    with dask.config.set(scheduler="sync"):
        expected = _search_result(_search(delay=0.0).fit(Xd, yd))

    def search_on_cluster():
        with dask.config.set(scheduler=client):
            return _search_result(_search(delay=0.25).fit(Xd, yd))

    thread, box = _in_thread(search_on_cluster)
    kill_when_busy(client, victim, thread.is_alive, min_keys=1)
    thread.join(120)
    assert not thread.is_alive(), "search did not finish after the worker was killed"
    if "error" in box:
        raise box["error"]
    _assert_killed(client, victim)
    assert_bitwise_equal(box["value"], expected, what="search ")


_CLIENT_SCRIPT = """
import json, sys
import dask, dask.array as da
import numpy as np
from engine.cluster import connect
from test_cluster_faults import _search, _search_data

address, checkpoint, out = sys.argv[1:4]
X, y = _search_data()
with connect(address) as client:
    search = _search(delay=0.3, checkpoint=checkpoint).fit(
        da.from_array(X, chunks=(100, 4)), da.from_array(y, chunks=100)
    )
result = {
    "mean_test_score": [float(v).hex() for v in search.cv_results_["mean_test_score"]],
    "best_index": int(search.best_index_),
    "n_fits": int(search.n_fits_),
}
with open(out, "w") as fh:
    json.dump(result, fh)
"""


def _n_records(path) -> int:
    try:
        return len(json.loads(path.read_text()).get("records", {}))
    except (OSError, ValueError):
        return 0


def test_client_killed_during_checkpointed_search_resumes(fault_cluster, tmp_path):
    cluster, client = fault_cluster
    client.wait_for_workers(3, timeout=60)
    script = tmp_path / "search_client.py"
    script.write_text(textwrap.dedent(_CLIENT_SCRIPT))
    checkpoint, out = tmp_path / "search.json", tmp_path / "result.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(__file__), env.get("PYTHONPATH", "")])
    command = [sys.executable, str(script), cluster.address, str(checkpoint), str(out)]

    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until(
            lambda: _n_records(checkpoint) >= 2 or first.poll() is not None,
            timeout=90,
            what="checkpointed results",
        )
        assert first.poll() is None, first.stdout.read().decode()[-2000:]
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    done_before = _n_records(checkpoint)
    assert not out.exists() and 2 <= done_before < 12

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    resumed = json.loads(out.read_text())
    assert resumed["n_fits"] <= 12 - done_before  # restored pairs were not refitted

    X, y = _search_data()
    with dask.config.set(scheduler="sync"):
        expected = _search(delay=0.0).fit(X, y)
    assert resumed["mean_test_score"] == [
        float(v).hex() for v in expected.cv_results_["mean_test_score"]
    ]
    assert resumed["best_index"] == expected.best_index_
