"""The statistics layer's internal API: what other engine packages build on.

Not part of the public API (:mod:`engine.stats` is); engine packages import
these names from here, never from the underscore modules.

* fixed-order reductions: :func:`map_blocks_delayed`, :func:`tree_merge`,
  :func:`compute_all`, :func:`reduce_blocks`;
* column statistics of a :class:`~engine.data.Table`: :func:`column_moments`
  (:func:`weighted_column_moments` with row weights, :func:`merge_moments`)
  and :class:`Moments`, :func:`first_pass`, :func:`column_quantiles`,
  :func:`column_value_counts`, and :func:`shared_read` with the fused
  :func:`moments_and_quantiles` / :func:`moments_and_value_counts` (the
  moments share a read of every block with the other statistic), and
  :func:`median_and_imputed_quantiles` (the median and the quantiles of the
  median-imputed columns from one selection);
* grouped counts and exact distributions: :func:`keyed_counts` and its
  block pieces, :func:`keyed_rows` (every row's key combination, for counts
  over resampled rows), :func:`encode_column`, :func:`as_block_array`,
  :func:`check_lengths`, the labeled value counts of score columns;
* chunking-independent random row assignment: the ``draws`` and
  ``row_plans`` modules;
* :func:`count_block_reads` (with :func:`block_keys`, :func:`blocks_read`,
  :func:`fewest_reads`):
  the passes a lazy result makes over a table, by graph inspection.
"""

from engine.stats import _draws as draws
from engine.stats import _row_plans as row_plans
from engine.stats._distinct import (
    LabeledValueCounts,
    column_value_counts,
    labeled_value_counts_block,
    merge_labeled_value_counts,
)
from engine.stats._fused import (
    moments_and_first_pass,
    moments_and_quantiles,
    moments_and_value_counts,
    shared_read,
)
from engine.stats._grouped import (
    KeyedCounts,
    as_block_array,
    check_lengths,
    encode_column,
    keyed_counts,
    keyed_counts_block,
    merge_keyed_counts,
    reduce_blocks,
)
from engine.stats._imputed_quantiles import median_and_imputed_quantiles
from engine.stats._keyed_rows import KeyedRows, keyed_rows
from engine.stats._moments import (
    Moments,
    column_moments,
    merge_moments,
    weighted_column_moments,
)
from engine.stats._passes import block_keys, blocks_read, count_block_reads, fewest_reads
from engine.stats._quantile import column_quantiles, first_pass
from engine.stats._quantile_plan import QuantileSpec, check_q
from engine.stats._reduce import Lazy, compute_all, map_blocks_delayed, tree_merge

__all__ = [
    "KeyedCounts",
    "KeyedRows",
    "LabeledValueCounts",
    "Lazy",
    "Moments",
    "QuantileSpec",
    "as_block_array",
    "block_keys",
    "blocks_read",
    "check_lengths",
    "check_q",
    "column_moments",
    "column_quantiles",
    "column_value_counts",
    "compute_all",
    "count_block_reads",
    "draws",
    "encode_column",
    "fewest_reads",
    "first_pass",
    "keyed_counts",
    "keyed_counts_block",
    "keyed_rows",
    "labeled_value_counts_block",
    "map_blocks_delayed",
    "median_and_imputed_quantiles",
    "merge_keyed_counts",
    "merge_labeled_value_counts",
    "merge_moments",
    "moments_and_first_pass",
    "moments_and_quantiles",
    "moments_and_value_counts",
    "reduce_blocks",
    "row_plans",
    "shared_read",
    "tree_merge",
    "weighted_column_moments",
]
