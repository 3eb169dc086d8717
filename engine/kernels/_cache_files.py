"""The files of a kernel cache: copying them between caches, packing them, warm markers.

Numba stores each cached function as one index file ``<base>.nbi`` (signature
and CPU -> data file) and data files ``<base>.<n>.nbc`` (object code). A
function's files are a *group*: a group is copied whole, data files first and
the index last, each through a temporary name and an atomic rename, and only
into a cache that has no index for that function yet. So a copy never mixes
two caches' numbering, and a process loading at the same time sees either no
index or a complete group. Numba checks every entry on load (source hash,
bytecode, CPU, Numba version), so a copied entry that does not fit is simply
recompiled.

A *warm marker* ``warm-<key>.json`` records that ``engine warmup`` ran into a
cache for one :func:`warm_key` (engine sources, Python, Numba, llvmlite, CPU):
a worker checks it in microseconds instead of loading every kernel.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import sys
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

__all__ = [
    "cache_groups",
    "copy_missing_groups",
    "is_warm",
    "mark_warm",
    "pack_cache",
    "seed_once",
    "unpack_cache",
    "warm_key",
]

ENGINE_DIR = Path(__file__).resolve().parents[1]


def _group_of(name: str) -> str | None:
    """The function a cache file belongs to (its index name), or None if not a cache file."""
    if name.endswith(".nbi"):
        return name
    if name.endswith(".nbc"):
        base, _, number = name[: -len(".nbc")].rpartition(".")
        if base and number.isdigit():
            return base + ".nbi"
    return None


def _groups(names: Iterable[str]) -> dict[str, list[str]]:
    """Index file name -> its group's file names (data files first, the index last)."""
    present = set(names)
    groups: dict[str, list[str]] = {}
    for name in sorted(present):
        index = _group_of(name)
        if index in present:
            groups.setdefault(index, [])
            if name != index:
                groups[index].append(name)
    for index, files in groups.items():
        files.append(index)
    return groups


def cache_groups(directory: Path) -> dict[str, list[str]]:
    """The groups of the cache files in ``directory`` (empty if it cannot be read)."""
    try:
        return _groups(os.listdir(directory))
    except OSError:
        return {}


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.tmp.{uuid.uuid4().hex[:12]}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def copy_missing_groups(
    groups: Mapping[str, list[str]], read: Callable[[str], bytes], directory: Path
) -> int:
    """Write each group whose index ``directory`` lacks; return how many were written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    for index, files in groups.items():
        if (directory / index).exists():
            continue
        for name in files:
            _write_atomic(directory / name, read(name))
        written += 1
    return written


@functools.cache
def seed_once(directory: Path, sources: tuple[Path, ...]) -> int:
    """Copy the groups of read-only ``sources`` missing from ``directory`` (once per process).

    Earlier sources win. A failure (disk full, a source unreadable) leaves
    the kernels to compile and is never an error. Returns the groups copied.
    """
    copied = 0
    for source in sources:
        try:
            copied += copy_missing_groups(
                cache_groups(source), lambda name, s=source: (s / name).read_bytes(), directory
            )
        except OSError:
            continue
    return copied


def pack_cache(directory: Path) -> bytes:
    """Every group of ``directory`` as one compressed blob (for :func:`unpack_cache`)."""
    files = {
        name: (directory / name).read_bytes()
        for group in cache_groups(directory).values()
        for name in group
    }
    return zlib.compress(pickle.dumps(files, protocol=pickle.HIGHEST_PROTOCOL), 6)


def unpack_cache(blob: bytes, directory: Path) -> int:
    """Write the groups of a :func:`pack_cache` blob that ``directory`` lacks; return how many."""
    files: dict[str, bytes] = pickle.loads(zlib.decompress(blob))
    return copy_missing_groups(_groups(files), files.__getitem__, directory)


def _sources(root: Path) -> Iterable[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


@functools.lru_cache(maxsize=1)
def warm_key() -> str:
    """What a warm cache depends on: ``<platform part>-<engine sources part>``.

    The platform part hashes Python's, Numba's and llvmlite's versions and the
    CPU as Numba files compiled code under it (``magic_tuple``: target triple,
    CPU name and features, or ``NUMBA_CPU_NAME``/``NUMBA_CPU_FEATURES``); the
    sources part hashes every ``.py`` file of the engine.
    """
    import llvmlite
    import numba
    from numba.core.registry import cpu_target

    platform = hashlib.sha256()
    magic = cpu_target.target_context.codegen().magic_tuple()
    for part in (sys.version, numba.__version__, llvmlite.__version__, repr(magic)):
        platform.update(part.encode())
    sources = hashlib.sha256()
    for path in _sources(ENGINE_DIR):
        sources.update(path.relative_to(ENGINE_DIR).as_posix().encode())
        sources.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{platform.hexdigest()[:12]}-{sources.hexdigest()[:12]}"


def _marker(directory: Path, key: str) -> Path:
    return directory / f"warm-{key}.json"


def is_warm(directory: Path | None, key: str) -> bool:
    """Whether ``engine warmup`` completed into ``directory`` for ``key``."""
    return directory is not None and _marker(directory, key).is_file()


def mark_warm(directory: Path, key: str, details: Mapping) -> None:
    """Record that ``directory`` holds every kernel the engine uses, for ``key``."""
    platform = key.partition("-")[0]
    _write_atomic(_marker(directory, key), json.dumps(dict(details), indent=1).encode())
    for older in directory.glob(f"warm-{platform}-*.json"):  # superseded engine sources
        if older != _marker(directory, key):
            older.unlink(missing_ok=True)
