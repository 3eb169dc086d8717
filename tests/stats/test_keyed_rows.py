"""keyed_rows: counts of resampled rows against pandas' group counts of the same rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.stats.internal import keyed_counts, keyed_rows
from tests.conftest import ROW_CHUNKINGS
from tests.metrics._helpers import as_dask


def _columns(n=500, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "g": rng.choice(np.array(["a", "b", "c", "d"], dtype=object), n),
        "k": rng.integers(0, 3, n),
        "y": rng.choice([0.5, 1.5], n),
    }, rng.random(n)


def _reference(columns, weights, rows):
    frame = pd.DataFrame({n: c[rows] for n, c in columns.items()}).assign(w=weights[rows])
    return frame.groupby(list(columns))["w"].agg(["size", "sum"])


def _as_table(kc):
    cells = np.nonzero(kc.rows > 0)  # in C order, as pandas' sorted groups
    index = pd.MultiIndex.from_arrays([k[i] for k, i in zip(kc.keys, cells, strict=True)])
    return kc.rows[cells], kc.wsum[cells], index


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_counts_of_resampled_rows_equal_pandas(n_blocks):
    columns, weights = _columns()
    lazy = keyed_rows(
        {n: as_dask(c, n_blocks) for n, c in columns.items()}, {"w": as_dask(weights, n_blocks)}
    )
    rows = lazy.compute()
    assert rows.n_rows == 500
    assert all(c.dtype == np.uint8 for c in rows.codes)  # a byte per row and key column
    draw = np.random.default_rng(1).integers(0, 60, 500)  # repeats, and some keys left out
    for selected in (None, draw):
        kc = rows.counts("w", selected)
        ref = _reference(columns, weights, np.arange(500) if selected is None else selected)
        counts, wsum, index = _as_table(kc)
        assert index.equals(ref.index.set_names([None] * 3))
        np.testing.assert_array_equal(counts, ref["size"].to_numpy())
        np.testing.assert_allclose(wsum, ref["sum"].to_numpy(), rtol=1e-12)
        for key, col in zip(kc.keys, columns.values(), strict=True):  # keys: the values present
            present = col if selected is None else col[selected]
            np.testing.assert_array_equal(key, np.unique(present))
    full = keyed_counts(columns, weights)
    np.testing.assert_array_equal(rows.counts().rows, full.rows)


def test_a_block_with_missing_keys_raises_naming_the_column():
    columns, _ = _columns(n=20)
    columns["g"][3] = None
    with pytest.raises(ValueError, match="g contains missing values"):
        keyed_rows(columns)
