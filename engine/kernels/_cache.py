"""Where the engine's compiled kernels live: one cache directory, chosen once per process.

Numba's own ``cache=True`` keeps compiled code next to the source
(``__pycache__``) and, when that folder is not writable, in a per-user folder;
a cache it can read but not write is ignored, and with no writable folder at all
the decorator raises. For the engine's kernels (and only those) a locator of
our own replaces that choice:

1. ``$ENGINE_KERNEL_CACHE`` when set (``engine warmup`` at image build time
   writes there);
2. else ``$NUMBA_CACHE_DIR/kernels_<hash>`` when the user set that variable;
3. else the package's own ``engine/kernels/__pycache__`` (what ``make`` warms);
4. else a per-user cache (``~/.cache/engine/kernels_<hash>`` on Linux);
5. else a private folder in the system temporary directory (mode 0700, owned by
   this user).

The first of these that is writable is the *active* directory. Existing
directories earlier in the list that cannot be written (a read-only
installation, an image's cache run by another user), and the package's own
cache unless it or a writable ``$ENGINE_KERNEL_CACHE`` is active, are
*sources*: their
compiled kernels are copied into the active directory once (see
:mod:`engine.kernels._cache_files`), so a read-only install compiles nothing
that was shipped warm, and never compiles the same kernel in every process.
When nothing is writable, the kernels load from the sources and compile in
memory what is missing, without saving it (never an error).

Numba's global configuration is never changed: other libraries' functions keep
Numba's locators; ours answers only for files of this package.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from numba.core.caching import CacheImpl, _CacheLocator
from numba.misc.appdirs import AppDirs

__all__ = [
    "ENV_VAR",
    "CacheLocation",
    "KernelCacheLocator",
    "cache_location",
    "install_locator",
    "resolve_location",
]

#: Environment variable naming the kernel cache directory.
ENV_VAR = "ENGINE_KERNEL_CACHE"

KERNELS_DIR = Path(__file__).resolve().parent
PACKAGE_CACHE = KERNELS_DIR / "__pycache__"


@dataclass(frozen=True)
class CacheLocation:
    """The kernel cache of this process.

    Attributes
    ----------
    directory : Path or None
        Where kernels are loaded from and saved to; ``None`` when no candidate
        is writable (then kernels compiled here are not saved).
    origin : str
        Which rule chose it: ``"ENGINE_KERNEL_CACHE"``, ``"NUMBA_CACHE_DIR"``,
        ``"package"``, ``"user"``, ``"temp"`` or ``"none"``.
    sources : tuple of Path
        Read-only caches, earlier in the order, whose kernels are copied into
        ``directory`` (or, without one, loaded from the first of them).
    """

    directory: Path | None
    origin: str
    sources: tuple[Path, ...]

    @property
    def read_directory(self) -> Path:
        """The folder kernels are loaded from (the active one, else the first source)."""
        if self.directory is not None:
            return self.directory
        return self.sources[0] if self.sources else PACKAGE_CACHE


def _subpath() -> str:
    # Numba's own naming (parent folder + hash of the source folder): two
    # installations of the engine never share, nor overwrite, each other's files.
    return _CacheLocator.get_suitable_cache_subpath(str(KERNELS_DIR / "__init__.py"))


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError:
        return False
    return True


def _private_temp_dir() -> Path | None:
    """``<tmp>/engine-kernels-<uid>/<subpath>``, only if this user alone can write it.

    The system temporary directory is shared; compiled code found there is
    executed, so a folder another user created or can write is never used.
    """
    try:
        root = Path(tempfile.gettempdir()) / f"engine-kernels-{os.getuid()}"
        root.mkdir(mode=0o700, exist_ok=True)
        st = root.lstat()
    except (OSError, AttributeError):  # AttributeError: os.getuid on Windows
        return None
    if not root.is_dir() or root.is_symlink() or st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None
    return root / _subpath()


def _candidates() -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    explicit = os.environ.get(ENV_VAR, "").strip()
    if explicit:
        found.append((Path(explicit).expanduser(), ENV_VAR))
    numba_dir = os.environ.get("NUMBA_CACHE_DIR", "").strip()
    if numba_dir:
        found.append((Path(numba_dir).expanduser() / _subpath(), "NUMBA_CACHE_DIR"))
    found.append((PACKAGE_CACHE, "package"))
    found.append((Path(AppDirs("engine", appauthor=False).user_cache_dir) / _subpath(), "user"))
    temp = _private_temp_dir()
    if temp is not None:
        found.append((temp, "temp"))
    return found


def resolve_location() -> CacheLocation:
    """Apply the order of the module docstring to the environment as it is now.

    The package's own cache is a source whenever another directory than an
    explicit ``ENGINE_KERNEL_CACHE`` is active (a warm cache shipped with the
    package is used even when, say, ``NUMBA_CACHE_DIR`` comes first); a
    writable ``ENGINE_KERNEL_CACHE`` is used alone.
    """
    sources: list[Path] = []
    for path, origin in _candidates():
        if _writable(path):
            shipped = origin not in (ENV_VAR, "package") and PACKAGE_CACHE.is_dir()
            if shipped and PACKAGE_CACHE not in sources:
                sources.append(PACKAGE_CACHE)
            return CacheLocation(path, origin, tuple(sources))
        if path.is_dir():
            sources.append(path)
    return CacheLocation(None, "none", tuple(sources))


@functools.cache
def cache_location() -> CacheLocation:
    """The kernel cache of this process, chosen once (when the kernels are imported).

    See the module docstring for the order. Set ``ENGINE_KERNEL_CACHE`` before
    the first import of :mod:`engine.kernels` to choose the directory.

    Examples
    --------
    >>> from engine.kernels import cache_location
    >>> cache_location().origin in {"ENGINE_KERNEL_CACHE", "NUMBA_CACHE_DIR", "package", "user", "temp", "none"}
    True
    """
    return resolve_location()


@functools.cache
def _source_hash(path: str, st_mtime: float, st_size: int) -> bytes:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).digest()


class KernelCacheLocator(_CacheLocator):
    """Numba cache locator for functions defined in ``engine/kernels``.

    The source stamp is the SHA-256 of the source file's content (not its
    modification time), so a cache stays valid when the package is copied,
    installed into an image or shipped to a worker.
    """

    def __init__(self, py_func, py_file: str, directory: Path):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._directory = directory

    def ensure_cache_path(self) -> None:
        os.makedirs(self._directory, exist_ok=True)
        tempfile.TemporaryFile(dir=self._directory).close()

    def get_cache_path(self) -> str:
        return str(self._directory)

    def get_source_stamp(self) -> bytes:
        st = os.stat(self._py_file)
        return _source_hash(self._py_file, st.st_mtime, st.st_size)

    def get_disambiguator(self) -> str:
        return str(self._lineno)

    @classmethod
    def from_function(cls, py_func, py_file: str):
        try:
            if Path(py_file).resolve().parent != KERNELS_DIR:
                return None  # not the engine's: Numba's own locators decide
        except OSError:
            return None
        location = cache_location()
        if location.directory is not None and location.sources:
            from engine.kernels._cache_files import seed_once

            seed_once(location.directory, location.sources)
        return cls(py_func, py_file, location.read_directory)


def install_locator() -> None:
    """Put :class:`KernelCacheLocator` first in Numba's locator list; idempotent.

    It declines every function outside ``engine/kernels``, so other code keeps
    Numba's behaviour. (If ``NUMBA_CACHE_LOCATOR_CLASSES`` is set, Numba uses
    that list instead and the engine's kernels follow it too.)
    """
    if KernelCacheLocator not in CacheImpl._locator_classes:
        CacheImpl._locator_classes.insert(0, KernelCacheLocator)
