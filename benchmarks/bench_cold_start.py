"""Cold start: time to the first result in a fresh process, worker or cluster (issue 15).

The first result is issue 15's: import the engine, then ``StandardScaler``,
``RobustScaler``, ``OutlierHandler`` and ``profile`` on a 1,000 x 4 array. Each
figure is a fresh Python process (the median of ``--repeats``), timing the
imports and the four calls separately, and counting the kernel signatures it
compiled and loaded from the kernel cache:

- ``(a) warm cache``: the cache a previous run of the same calls left;
- ``(b) empty cache``: ``ENGINE_KERNEL_CACHE`` an empty folder (the one-time
  cost of a new container or a first call after ``pip install``; its peak RSS);
- ``(c) read-only package``: a copy of the package made read-only, shipping the
  cache ``engine warmup`` built, run by a new user (fresh ``HOME``): the cache
  is copied into the per-user one;
- ``(c') nothing writable``: the same package, no writable folder at all
  (``HOME`` and the temporary directory read-only): the shipped cache loads;
- ``(d) after engine warmup``: the cache ``engine warmup --cache-dir`` built
  (its own one-time cost is reported too);
- ``cluster, new node``: a fresh 2-worker ``LocalCluster`` whose workers share
  an empty kernel cache (a new node), from a client whose cache is warm:
  what ``connect`` adds to a ``Client`` (``prepare_scheduler`` and
  ``prepare_workers``, whose plugins ship the client's cache, then load every
  kernel in the background in each worker and in the client) and the first
  ``profile`` of a dask array; the scheduler's and workers' imports of the
  engine are timed apart, before, and the same profile run again gives Dask's
  own cost on that cluster (``profile_again_s``): the floor the first profile
  can reach once no kernel is loaded on its critical path;
- ``cluster, all cold`` (one run, not in ``--quick``): client and node caches
  empty, so the plugin runs ``engine warmup`` once on the node.

Also ``engine --help`` and ``python -c "import engine"``. Target: (a), (c),
(d) and the new-node cluster under 2 s beyond the imports. As root, read-only
folders are enforced by dropping the capabilities that let root write
anywhere (``setpriv``).

Run: ``python -m benchmarks --only cold_start`` (``--quick``: 1 repeat, no
all-cold cluster, and (d) uses the cache ``engine warmup`` built at set-up). It measures fresh local processes and clusters, so it skips
itself under ``--scheduler``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import Plot, options, skip, write_results

import engine
from engine.kernels import cache_location

BIN = Path(sys.executable).parent
PACKAGE = Path(engine.__file__).resolve().parent

FIRST_RESULT = """
import json, sys, tempfile, time
if len(sys.argv) > 1:
    tempfile.tempdir = sys.argv[1]  # no writable temporary directory either
start = time.perf_counter()
import numpy as np
from engine.preprocessing import OutlierHandler, RobustScaler, StandardScaler
from engine.stats import profile
imported = time.perf_counter()
X = np.random.default_rng(0).standard_normal((1000, 4))
for step in (StandardScaler(), RobustScaler(), OutlierHandler()):
    step.fit_transform(X)
profile(X)
done = time.perf_counter()
from engine.kernels import cache_location, kernel_dispatchers
kernels = kernel_dispatchers().values()
with open("/proc/self/status") as fh:
    peak = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
print(json.dumps({
    "import_s": imported - start,
    "calls_s": done - imported,
    "compiled": sum(sum(k.stats.cache_misses.values()) for k in kernels),
    "loaded": sum(sum(k.stats.cache_hits.values()) for k in kernels),
    "peak_rss_mib": peak / 2**20,
    "origin": cache_location().origin,
}))
"""

CLUSTER = """
import json, sys, time
def import_seconds():
    import time
    start = time.perf_counter()
    import engine._kernel_plugin, engine.cluster, engine.preprocessing, engine.stats  # noqa: F401
    return time.perf_counter() - start
def main():
    start = time.perf_counter()
    import dask, dask.array as da
    from distributed import Client, LocalCluster
    from engine.cluster import prepare_scheduler, prepare_workers
    from engine.stats import profile
    imported = time.perf_counter()
    env = {"ENGINE_KERNEL_CACHE": sys.argv[1], "OMP_NUM_THREADS": "1"}
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0", env=env) as cluster:
        started = time.perf_counter()
        # connect(address) is Client(address) + prepare_scheduler + prepare_workers; the
        # scheduler's and workers' imports of the engine are timed apart, first.
        with Client(cluster.scheduler_address) as client:
            remote_imports = max(
                client.run_on_scheduler(import_seconds), *client.run(import_seconds).values()
            )
            imports_done = time.perf_counter()
            prepare_scheduler(client)
            prepare_workers(client)
            connected = time.perf_counter()
            X = da.random.default_rng(0).standard_normal((4000, 4), chunks=(1000, 4))
            with dask.config.set(scheduler=client):
                profile(X)
                done = time.perf_counter()
                profile(X + 1.0)  # the same work again: Dask's own cost on this cluster
            again = time.perf_counter() - done
            outcomes = sorted(set(client.run(
                lambda dask_worker: dask_worker.plugins["engine-kernel-cache"].outcome
            ).values()))
    print(json.dumps({
        "import_s": imported - start,
        "cluster_start_s": started - imported,
        "remote_import_s": remote_imports,
        "remote_import_wall_s": imports_done - started,
        "connect_s": connected - imports_done,
        "profile_s": done - connected,
        "profile_again_s": again,
        "outcomes": outcomes,
    }))
if __name__ == "__main__":
    main()
"""


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENGINE_", "NUMBA_", "XDG_"))}
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def _without_root_override() -> list[str]:
    """A command prefix that makes root obey file permissions (nothing for other users)."""
    if os.geteuid() != 0:
        return []
    return [shutil.which("setpriv"), "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def _python(code: str, *args: str, env: dict, cwd: Path, prefix=()) -> tuple[dict, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [*prefix, sys.executable, "-c", code, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def _median_row(case: str, runs: list[tuple[dict, float]]) -> dict:
    results = [r for r, _ in runs]
    row = {"case": case, "kind": "fresh process", "runs": len(runs)}
    for key in ("import_s", "calls_s", "peak_rss_mib", "compiled", "loaded"):
        row[key] = statistics.median(r[key] for r in results)
    row["process_s"] = statistics.median(wall for _, wall in runs)
    row["origin"] = results[0]["origin"]
    return row


def _read_only(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        p.chmod(p.stat().st_mode & 0o555)


def _writable_again(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        p.chmod(p.stat().st_mode | 0o200)


def process_cases(tmp: Path, repeats: int, quick: bool) -> tuple[list[dict], float | None]:
    """Rows for (a)-(d) and the cost of ``engine warmup`` over an empty cache.

    ``quick``: (d) and the caches shipped to (c) and the cluster are the one
    ``engine warmup`` built at set-up (``make``), copied, instead of a new
    warmup over an empty cache (its cost, about 90 s here, is not measured).
    """
    rows = []
    empty_runs, last_cache = [], None
    for i in range(repeats):
        last_cache = tmp / f"empty-{i}"
        empty_runs.append(
            _python(FIRST_RESULT, env=_env(ENGINE_KERNEL_CACHE=str(last_cache)), cwd=tmp)
        )
    warm_runs = [
        _python(FIRST_RESULT, env=_env(ENGINE_KERNEL_CACHE=str(last_cache)), cwd=tmp)
        for _ in range(repeats)
    ]

    warmed = tmp / "warmed"
    warmup_s = None
    if quick:
        shutil.copytree(cache_location().read_directory, warmed)
    else:
        start = time.perf_counter()
        subprocess.run(
            [str(BIN / "engine"), "warmup", "--cache-dir", str(warmed)],
            env=_env(),
            cwd=tmp,
            check=True,
        )
        warmup_s = time.perf_counter() - start
    after_warmup = [
        _python(FIRST_RESULT, env=_env(ENGINE_KERNEL_CACHE=str(warmed)), cwd=tmp)
        for _ in range(repeats)
    ]

    site = tmp / "site"
    shutil.copytree(PACKAGE, site / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(warmed, site / "engine" / "kernels" / "__pycache__")
    _read_only(site)
    prefix = _without_root_override()
    read_only_runs = []
    for i in range(repeats):
        home = tmp / f"home-{i}"
        home.mkdir()
        env = _env(HOME=str(home), PYTHONPATH=str(site))
        read_only_runs.append(_python(FIRST_RESULT, env=env, cwd=site, prefix=prefix))
    locked = tmp / "locked"
    locked.mkdir()
    _read_only(locked)
    nothing_runs = [
        _python(
            FIRST_RESULT,
            str(locked),
            env=_env(HOME=str(locked), PYTHONPATH=str(site)),
            cwd=site,
            prefix=prefix,
        )
        for _ in range(repeats)
    ]
    _writable_again(site)

    rows.append(_median_row("(a) warm cache", warm_runs))
    rows.append(_median_row("(b) empty cache", empty_runs))
    rows.append(_median_row("(c) read-only package", read_only_runs))
    rows.append(_median_row("(c') nothing writable", nothing_runs))
    rows.append(_median_row("(d) after engine warmup", after_warmup))
    return rows, warmup_s


def cluster_case(tmp: Path, name: str, client_cache: Path, repeats: int) -> dict:
    runs = []
    for i in range(repeats):
        node = tmp / f"{name}-node-{i}"
        result, _ = _python(
            CLUSTER, str(node), env=_env(ENGINE_KERNEL_CACHE=str(client_cache)), cwd=tmp
        )
        runs.append(result)
    row = {
        "case": name,
        "kind": "fresh 2-worker cluster",
        "runs": repeats,
        "outcomes": ",".join(runs[0]["outcomes"]),
    }
    keys = ("import_s", "cluster_start_s", "remote_import_s", "connect_s", "profile_s")
    for key in (*keys, "profile_again_s"):
        row[key] = statistics.median(r[key] for r in runs)
    # Beyond the imports: the engine's set-up of the cluster (the kernel plugins) and
    # the first profile; the scheduler's and workers' imports are timed apart, first.
    row["calls_s"] = row["connect_s"] + row["profile_s"]
    return row


def startup_times(tmp: Path, repeats: int) -> list[dict]:
    rows = []
    for case, command in (
        ("engine --help", [str(BIN / "engine"), "--help"]),
        ('python -c "import engine"', [sys.executable, "-c", "import engine"]),
    ):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(command, env=_env(), cwd=tmp, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        rows.append({"case": case, "runs": repeats, "process_s": statistics.median(times)})
    return rows


def with_ratio_to_warm(rows: list[dict]) -> list[dict]:
    """Each timed row's seconds beyond the imports as a multiple of the warm cache's."""
    warm = next(r["calls_s"] for r in rows if r["case"].startswith("(a)"))
    return [{**r, "x warm": r["calls_s"] / warm} if "calls_s" in r else r for r in rows]


def main() -> None:
    args = options(__doc__.split("\n")[0])
    if args.scheduler:
        skip("it times fresh local processes and clusters, not a remote scheduler")
    repeats = args.repeats

    tmp = Path(tempfile.mkdtemp(prefix="bench-cold-start-"))
    try:
        rows, warmup_s = process_cases(tmp, repeats, args.quick)
        rows.append(cluster_case(tmp, "cluster, new node", tmp / "warmed", repeats))
        if not args.quick:
            rows.append(cluster_case(tmp, "cluster, all cold (one-time)", tmp / "cold-client", 1))
        rows += startup_times(tmp, max(repeats, 5))
    finally:
        _writable_again(tmp)
        shutil.rmtree(tmp, ignore_errors=True)

    columns = [
        "case",
        "kind",
        "runs",
        "import_s",
        "calls_s",
        "x warm",
        "process_s",
        "compiled",
        "loaded",
        "peak_rss_mib",
        "origin",
        "cluster_start_s",
        "remote_import_s",
        "connect_s",
        "profile_s",
        "profile_again_s",
        "outcomes",
    ]
    meta = {
        "first result": "import + StandardScaler, RobustScaler, OutlierHandler, profile on 1,000 x 4",
        "calls_s": "seconds beyond the imports (cluster: connect's kernel plugins + the first "
        "profile of a 4,000 x 4 dask array; the scheduler's and workers' imports of the engine "
        "are timed before, as remote_import_s)",
        "engine warmup over an empty cache (s)": (
            "not measured in --quick (the set-up's cache is used)"
            if warmup_s is None
            else round(warmup_s, 1)
        ),
        "target": "(a), (c), (d) and the new-node cluster under 2 s beyond the imports",
        "repeats": f"median of {repeats} fresh processes per row (the all-cold cluster: 1)",
    }
    write_results(
        "bench_cold_start",
        with_ratio_to_warm(rows),
        columns,
        meta,
        plot=Plot(variant="case", value="calls_s", ratio="x warm", group=["kind"], ours=""),
        title="cold start: seconds to the first result beyond the imports (target: under 2 s)",
        notes=[
            "The bars are `calls_s`; (b) and the all-cold cluster are one-time costs (an empty "
            "cache compiles every kernel once). A load average above the number of cores means "
            "other work shared the machine.",
        ],
    )


if __name__ == "__main__":
    main()
