"""Where the NaN path's time goes: the fit kernel, the transform kernel, fit+transform, 0 % vs 1 % NaN.

For StandardScaler, MinMaxScaler and OutlierHandler(zscore, clip) on NumPy
input (``bench_preprocessing``'s data), in one process: the moments kernel
(the fit of all three), the fill/affine/clip kernel with each step's kind of
vectors (the transform) and the whole ``fit_transform``, each as a ratio to
``X.copy()`` timed in the same interleaved rounds. ``--baseline FILE`` also
times an older ``engine/kernels/elementwise.py`` (e.g. ``git show
main:engine/kernels/elementwise.py > /tmp/old.py``) in the same rounds, after
checking that it returns the same bits. Not part of the suite (a profile, not
a peer comparison).

Run: ``python benchmarks/profile_nan_path.py --rows 2000000 --threads 1``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numba
import numpy as np
from _harness import interleaved_median_seconds
from bench_preprocessing import make_data

import engine.preprocessing as ep
import engine.preprocessing._base as base
from engine.kernels import elementwise, moments

STEPS = {
    "StandardScaler": ep.StandardScaler,
    "MinMaxScaler": ep.MinMaxScaler,
    "OutlierHandler(zscore)": lambda: ep.OutlierHandler(method="zscore", action="clip"),
}


def transform_vectors(n: int) -> dict[str, tuple]:
    """Each step's kind of fill, sub, div, mul, add, lo, hi vectors (NaN kept)."""
    one, zero, inf, nan = np.ones(n), np.zeros(n), np.full(n, np.inf), np.full(n, np.nan)
    centre, scale, bound = np.full(n, 0.1), np.full(n, 1.3), np.full(n, 2.5)
    return {
        "StandardScaler": (nan, centre, scale, one, zero, -inf, inf),
        "MinMaxScaler": (nan, zero, one, scale, centre, -inf, inf),
        "OutlierHandler(zscore)": (nan, zero, one, one, zero, -bound, bound),
    }


def with_kernel(kernel, fn):
    """``fn`` run with the transformers' elementwise kernel module swapped for ``kernel``."""

    def run():
        base.ew = kernel
        try:
            return fn()
        finally:
            base.ew = elementwise

    return run


def variants(X: np.ndarray, kernels: dict) -> dict:
    out = {"X.copy()": X.copy, "fit: moments kernel": lambda: moments.parallel_block_moments(X)}
    for step, vectors in transform_vectors(X.shape[1]).items():
        for label, kernel in kernels.items():
            out[f"transform {step}{label}"] = lambda k=kernel, v=vectors: k.fill_affine_clip(
                X, *v, parallel=True
            )[0]
    for step, make in STEPS.items():
        for label, kernel in kernels.items():
            out[f"fit_transform {step}{label}"] = with_kernel(
                kernel, lambda m=make: m().fit_transform(X)
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="Numba threads (default: all)")
    parser.add_argument("--baseline", help="an older engine/kernels/elementwise.py to time beside")
    args = parser.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)
    kernels = {"": elementwise}
    if args.baseline:
        # registered under its file's name: Numba's cache of its kernels imports it by that name
        spec = importlib.util.spec_from_file_location(Path(args.baseline).stem, args.baseline)
        kernels[" (baseline)"] = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(kernels[" (baseline)"])
    data = {share: make_data(args.rows, share) for share in (0.0, 0.01)}
    fns = {
        (share, name): fn for share, X in data.items() for name, fn in variants(X, kernels).items()
    }
    for (share, name), fn in fns.items():
        if name.endswith("(baseline)"):
            ours = fns[(share, name.removesuffix(" (baseline)"))]()
            assert fn().tobytes() == ours.tobytes(), name
    names = list(dict.fromkeys(name for _, name in fns))
    order = {f"{name} @{share}": fns[(share, name)] for name in names for share in data}
    seconds = interleaved_median_seconds(order, repeats=args.repeats)
    print(f"{args.rows:,} x 8, median of {args.repeats}, Numba threads {numba.get_num_threads()}")
    print(f"{'variant':48s} {'0 % NaN':>9s} {'x copy':>7s} {'1 % NaN':>9s} {'x copy':>7s}")
    for name in names:
        a, b = (seconds[f"{name} @{share}"] for share in data)
        copies = [seconds[f"X.copy() @{share}"] for share in data]
        print(f"{name:48s} {a:9.4f} {a / copies[0]:7.2f} {b:9.4f} {b / copies[1]:7.2f}")


if __name__ == "__main__":
    main()
