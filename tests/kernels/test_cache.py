"""The kernel cache: where it lives, read-only installs, copying caches, pickling by name."""

from __future__ import annotations

import copyreg
import ctypes
import json
import os
import pickle
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _elsewhere import twice
from numba.core.registry import CPUDispatcher

import engine
from engine.kernels import kernel_dispatchers, pack_cache, unpack_cache
from engine.kernels._cache import PACKAGE_CACHE, KernelCacheLocator, resolve_location
from engine.kernels._cache_files import cache_groups, copy_missing_groups, seed_once
from engine.kernels._pickling import register_kernels
from engine.kernels.moments import block_moments

# --------------------------------------------------------------------------- where


def _clear_env(monkeypatch, home: Path) -> None:
    for name in ("ENGINE_KERNEL_CACHE", "NUMBA_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))


def test_explicit_directory_comes_first(tmp_path, monkeypatch):
    _clear_env(monkeypatch, tmp_path)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    monkeypatch.setenv("ENGINE_KERNEL_CACHE", str(tmp_path / "kernels"))
    location = resolve_location()
    assert (location.directory, location.origin) == (tmp_path / "kernels", "ENGINE_KERNEL_CACHE")
    assert location.directory.is_dir()
    assert location.sources == ()  # used alone: an empty one stays empty


def test_numba_cache_dir_is_respected(tmp_path, monkeypatch):
    _clear_env(monkeypatch, tmp_path)
    PACKAGE_CACHE.mkdir(exist_ok=True)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    location = resolve_location()
    assert location.origin == "NUMBA_CACHE_DIR"
    assert location.directory.parent == tmp_path / "numba"
    assert location.directory.name.startswith("kernels_")
    # The package's own (warm) cache is copied in.
    assert location.sources == (PACKAGE_CACHE,)


def test_an_unusable_explicit_directory_falls_through(tmp_path, monkeypatch):
    _clear_env(monkeypatch, tmp_path)
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("ENGINE_KERNEL_CACHE", str(tmp_path / "a-file" / "kernels"))
    location = resolve_location()
    assert location.origin != "ENGINE_KERNEL_CACHE" and location.directory is not None


def test_engine_kernels_use_the_engine_locator_and_others_numbas():
    assert isinstance(block_moments._cache._impl.locator, KernelCacheLocator)
    assert not isinstance(twice._cache._impl.locator, KernelCacheLocator)


def test_every_kernel_module_is_registered():
    kernels = kernel_dispatchers()
    modules = {name.rsplit(".", 1)[0] for name in kernels}
    package = Path(engine.kernels.__file__).parent
    expected = {f"engine.kernels.{p.stem}" for p in package.glob("[!_]*.py")}
    assert modules == expected
    assert kernels["engine.kernels.moments.block_moments"] is block_moments


# --------------------------------------------------------------------------- files


def _fake_cache(directory: Path, base: str, n_data: int, content: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{base}.nbi").write_bytes(content + b"-index")
    for i in range(1, n_data + 1):
        (directory / f"{base}.{i}.nbc").write_bytes(content + b"-data%d" % i)


def test_groups_are_data_files_then_their_index(tmp_path):
    _fake_cache(tmp_path, "moments.f-3.py311", 2, b"a")
    (tmp_path / "moments.cpython-311.pyc").write_bytes(b"")
    (tmp_path / "orphan.g-9.py311.1.nbc").write_bytes(b"no index")
    assert cache_groups(tmp_path) == {
        "moments.f-3.py311.nbi": [
            "moments.f-3.py311.1.nbc",
            "moments.f-3.py311.2.nbc",
            "moments.f-3.py311.nbi",
        ]
    }


def test_a_function_already_cached_is_never_overwritten(tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    _fake_cache(source, "m.f-1.py311", 2, b"shipped")
    _fake_cache(source, "m.g-5.py311", 1, b"shipped")
    _fake_cache(target, "m.f-1.py311", 1, b"local")
    groups = cache_groups(source)
    written = copy_missing_groups(groups, lambda n: (source / n).read_bytes(), target)
    assert written == 1
    assert (target / "m.f-1.py311.nbi").read_bytes() == b"local-index"
    assert not (target / "m.f-1.py311.2.nbc").exists()
    assert (target / "m.g-5.py311.1.nbc").read_bytes() == b"shipped-data1"
    assert not [p for p in target.iterdir() if ".tmp." in p.name]


def test_seeding_copies_once_per_process(tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    _fake_cache(source, "m.f-1.py311", 1, b"shipped")
    assert seed_once(target, (source,)) == 1
    (target / "m.f-1.py311.nbi").unlink()
    assert seed_once(target, (source,)) == 1  # memoized: not copied again
    assert not (target / "m.f-1.py311.nbi").exists()


def test_pack_and_unpack_round_trip(tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    _fake_cache(source, "m.f-1.py311", 2, b"x")
    _fake_cache(source, "m.g-7.py311", 1, b"y")
    _fake_cache(target, "m.g-7.py311", 1, b"mine")
    assert unpack_cache(pack_cache(source), target) == 1
    assert {p.name for p in target.iterdir()} == {p.name for p in source.iterdir()}
    assert (target / "m.f-1.py311.2.nbc").read_bytes() == b"x-data2"
    assert (target / "m.g-7.py311.nbi").read_bytes() == b"mine-index"


# --------------------------------------------------------------------------- pickling


def test_engine_kernels_pickle_by_name():
    payload = pickle.dumps(block_moments)
    assert len(payload) < 300 and b"engine.kernels.moments" in payload
    assert pickle.loads(payload) is block_moments


def test_other_numba_functions_pickle_exactly_as_numba_does(monkeypatch):
    with_engine = pickle.dumps(twice)
    monkeypatch.delitem(copyreg.dispatch_table, CPUDispatcher)
    assert pickle.dumps(twice) == with_engine


def test_a_reducer_registered_before_the_engine_is_kept(monkeypatch):
    def by_marker(dispatcher):
        return (str, ("someone else's reducer",))

    monkeypatch.setitem(copyreg.dispatch_table, CPUDispatcher, by_marker)
    register_kernels(kernel_dispatchers())
    assert pickle.loads(pickle.dumps(twice)) == "someone else's reducer"
    assert pickle.loads(pickle.dumps(block_moments)) is block_moments


# --------------------------------------------------------------------------- read-only installs

_CHILD = """
import json, sys, tempfile
if sys.argv[1] != "-":
    tempfile.tempdir = sys.argv[1]  # the system temporary directory is not writable either
import numpy as np
import engine.kernels as k
from engine.kernels.ecdf import count_runs
out = {"origin": k.cache_location().origin, "directory": str(k.cache_location().directory)}
out["float"] = list(count_runs(np.array([1.0, 1.0, 2.0, np.nan])))
if len(sys.argv) > 2:
    out["int"] = list(count_runs(np.array([1, 1, 2, 3])))
out["compiled"] = sum(count_runs.stats.cache_misses.values())
out["loaded"] = sum(count_runs.stats.cache_hits.values())
print(json.dumps(out))
"""


def _without_root_override():
    """Drop the capabilities that let root write anywhere (in the child, before exec)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _read_only(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _run(site: Path, home: Path, *args: str, **extra_env: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENGINE_", "NUMBA_", "XDG_"))}
    env.update(HOME=str(home), PYTHONPATH=str(site), **extra_env)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_without_root_override if os.geteuid() == 0 else None,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_read_only_install(tmp_path):
    """A read-only copy of the package: per-user cache, an image's cache, nothing writable."""
    site = tmp_path / "site"
    shutil.copytree(
        Path(engine.__file__).parent, site / "engine", ignore=shutil.ignore_patterns("__pycache__")
    )
    _read_only(site)
    home = tmp_path / "home"
    home.mkdir()

    # Compiled once, saved to the per-user cache, loaded by the next process.
    first = _run(site, home, "-")
    assert first["origin"] == "user" and first["directory"].startswith(str(home))
    assert first["float"] == [3, 2] and first["compiled"] == 1
    second = _run(site, home, "-")
    assert (second["compiled"], second["loaded"]) == (0, 1)

    # That cache built into an image (a read-only ENGINE_KERNEL_CACHE): a new user
    # gets it copied into the per-user cache and compiles nothing.
    image_cache = tmp_path / "image-cache"
    shutil.copytree(first["directory"], image_cache)
    _read_only(image_cache)
    fresh_home = tmp_path / "fresh-home"
    fresh_home.mkdir()
    seeded = _run(site, fresh_home, "-", ENGINE_KERNEL_CACHE=str(image_cache))
    assert seeded["origin"] == "user" and (seeded["compiled"], seeded["loaded"]) == (0, 1)
    assert any(Path(seeded["directory"]).glob("ecdf.count_runs-*.nbi"))

    # The same cache shipped inside the package, and nothing writable at all: it
    # loads, and what it lacks compiles in memory.
    shipped = site / "engine" / "kernels" / "__pycache__"
    shipped.parent.chmod(0o755)
    shutil.copytree(first["directory"], shipped)
    _read_only(site)
    locked = tmp_path / "locked"
    locked.mkdir()
    _read_only(locked)
    _read_only(home)
    nothing = _run(site, home, str(locked), "int too")
    assert nothing["origin"] == "none"
    assert nothing["float"] == [3, 2] and nothing["int"] == [4, 3]
    assert (nothing["compiled"], nothing["loaded"]) == (1, 1)
    assert not list(locked.iterdir())
