"""The worker plugin's node preparation: warm, shipped, warmed once per node under a lock."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import engine._kernel_plugin as plugin
from engine._kernel_plugin import KernelCacheOffer, _node_lock, prepare_node
from engine.kernels import is_warm, mark_warm, pack_cache, warm_key


def _fake_group(directory: Path, base: str = "m.f-1.py311") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{base}.1.nbc").write_bytes(b"code")
    (directory / f"{base}.nbi").write_bytes(b"index")


def test_a_warm_node_is_left_alone(tmp_path):
    mark_warm(tmp_path, warm_key(), {})
    assert prepare_node(directory=tmp_path) == "warm"


def test_a_cache_shipped_for_this_key_is_written_and_marked(tmp_path):
    client_cache, node = tmp_path / "client", tmp_path / "node"
    _fake_group(client_cache)
    asked = []
    fetch = lambda: asked.append(1) or pack_cache(client_cache)  # noqa: E731
    assert prepare_node(warm_key(), fetch, node) == "shipped"
    assert prepare_node(warm_key(), fetch, node) == "warm" and len(asked) == 1
    assert (node / "m.f-1.py311.nbi").read_bytes() == b"index"
    assert is_warm(node, warm_key())


def _lock_waiters(lock_file: Path) -> int:
    """Blocked lock requests on ``lock_file`` (Linux ``/proc/locks``, ``->`` lines)."""
    inode = f":{lock_file.stat().st_ino} "
    return sum(
        1 for line in Path("/proc/locks").read_text().splitlines() if "->" in line and inode in line
    )


def test_a_node_warmed_by_another_worker_meanwhile_is_not_warmed_again(tmp_path):
    """A worker waiting for the node lock finds the cache warm and compiles nothing."""
    client_cache = tmp_path / "other-cpu"
    _fake_group(client_cache)
    result = []
    with _node_lock(tmp_path):
        # A cache shipped for another key (say, another CPU) is not used.
        waiter = threading.Thread(
            target=lambda: result.append(
                prepare_node("other-key", pack_cache(client_cache), tmp_path)
            )
        )
        waiter.start()
        deadline = time.monotonic() + 60
        while not _lock_waiters(tmp_path / ".warmup.lock"):
            assert time.monotonic() < deadline, "prepare_node never waited for the node lock"
            time.sleep(0.01)
        mark_warm(tmp_path, warm_key(), {})  # the worker holding the lock finished
    waiter.join(60)
    assert result == ["warm"]
    assert not (tmp_path / "m.f-1.py311.nbi").exists()


def test_a_cold_node_runs_warmup_in_a_subprocess(tmp_path, monkeypatch):
    # The real warmup compiles for minutes; this one only checks the directory it is
    # given and marks it warm, as the real one does at its end.
    check = (
        "import os; from pathlib import Path; from engine.kernels import mark_warm, warm_key; "
        f"assert os.environ['ENGINE_KERNEL_CACHE'] == {str(tmp_path)!r}; "
        "mark_warm(Path(os.environ['ENGINE_KERNEL_CACHE']), warm_key(), {})"
    )
    monkeypatch.setattr(plugin, "_WARMUP", check)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(sys.path))
    assert prepare_node(directory=tmp_path) == "compiled"
    assert is_warm(tmp_path, warm_key())


def test_a_failed_warmup_is_reported_not_raised(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(plugin, "_WARMUP", "raise SystemExit('no compiler today')")
    assert prepare_node(directory=tmp_path) == "warmup failed"
    assert "no compiler today" in caplog.text
    assert not is_warm(tmp_path, warm_key())


def test_the_scheduler_offers_the_cache_only_for_its_key():
    offer = KernelCacheOffer("k1", b"blob")
    assert offer.serve(key="k1") == b"blob"
    assert offer.serve(key="k2") is None


class _Memory:
    def __init__(self, limit, target=0.6, pause=0.8):
        self.memory_limit = limit
        self.memory_target_fraction = target
        self.memory_pause_fraction = pause


class _Worker:
    def __init__(self, memory):
        self.memory_manager = memory


def test_preload_only_where_the_memory_limit_has_room_for_it():
    import psutil

    from engine._kernel_plugin import PRELOAD_BYTES, room_to_preload

    rss = psutil.Process().memory_info().rss
    assert room_to_preload(_Worker(_Memory(None)))  # no limit
    assert room_to_preload(_Worker(_Memory(int((rss + PRELOAD_BYTES) / 0.6) + 2**20)))
    assert not room_to_preload(_Worker(_Memory(int((rss + PRELOAD_BYTES) / 0.6) - 2**20)))
    # Dask's target fraction switched off: the pause threshold bounds it instead
    assert not room_to_preload(_Worker(_Memory(int(rss / 0.8), target=False)))
