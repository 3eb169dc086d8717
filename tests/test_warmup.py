"""``engine.warmup``: after it, a fresh process computes its first results without compiling."""

from __future__ import annotations

import json

import engine
from engine.kernels import cache_location, is_warm, kernel_dispatchers, warm_key
from tests._subprocess import run_python

# Issue 15's first result: import, StandardScaler, RobustScaler, OutlierHandler, profile.
_FIRST_RESULT = """
import json
import numpy as np
from engine.kernels import kernel_dispatchers
from engine.preprocessing import OutlierHandler, RobustScaler, StandardScaler
from engine.stats import profile

X = np.random.default_rng(0).standard_normal((1000, 4))
for step in (StandardScaler(), RobustScaler(), OutlierHandler()):
    step.fit_transform(X)
profile(X)
kernels = kernel_dispatchers().values()
print(json.dumps({
    "compiled": sum(sum(k.stats.cache_misses.values()) for k in kernels),
    "loaded": sum(sum(k.stats.cache_hits.values()) for k in kernels),
}))
"""


def test_after_warmup_a_fresh_process_compiles_nothing():
    report = engine.warmup()
    assert report["cache_dir"] == str(cache_location().directory)
    assert report["kernels"] == len(kernel_dispatchers())
    assert is_warm(cache_location().directory, warm_key())

    done = run_python(_FIRST_RESULT, text=True, timeout=300)
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["compiled"] == 0 and counts["loaded"] > 0, counts


def test_a_warm_cache_is_not_warmed_again():
    engine.warmup()
    again = engine.warmup()
    assert again["skipped"] and again["compiled"] == again["loaded"] == 0
