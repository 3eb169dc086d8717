"""The machine a benchmark ran on: CPU model, cores, memory, Python and library versions."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version

LIBRARIES = (
    "engine",
    "numpy",
    "pandas",
    "scipy",
    "dask",
    "distributed",
    "numba",
    "scikit-learn",
    "dask-ml",
    "imbalanced-learn",
    "fairlearn",
    "matplotlib",
)


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else what ``platform`` knows)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float | None:
    """Physical memory in GiB (``None`` where the OS does not say)."""
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def library_versions() -> dict[str, str]:
    """Installed versions of the engine and its peers (``not installed`` when absent)."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def machine() -> dict:
    """This machine, for the result files: CPU, cores, memory, OS and library versions."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib(),
        "platform": platform.platform(),
        "versions": library_versions(),
    }


def describe(info: dict) -> str:
    """One line for a machine dict: ``AMD EPYC ..., 2 cores, 23.5 GiB, Linux-...``."""
    memory = info.get("memory_gib")
    parts = [
        info.get("cpu", "CPU not recorded"),
        f"{info.get('cores', '?')} cores",
        f"{memory} GiB" if memory is not None else "memory not recorded",
        info.get("platform", ""),
    ]
    return ", ".join(p for p in parts if p)
