"""Internal API: the one-pass building blocks other engine packages build reductions from.

Not for end users (their API is :mod:`engine.stats`): the metrics and
fairness packages compose these partials -- grouped counts keyed by label
values, exact per-label value distributions, aligned row blocks reduced in a
fixed tree -- into their one-pass evaluations. Importing them from here keeps
those packages off ``engine.stats``'s private modules.
"""

from engine.stats._distinct import (
    LabeledValueCounts,
    labeled_value_counts_block,
    merge_labeled_value_counts,
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

__all__ = [
    "KeyedCounts",
    "LabeledValueCounts",
    "as_block_array",
    "check_lengths",
    "encode_column",
    "keyed_counts",
    "keyed_counts_block",
    "labeled_value_counts_block",
    "merge_keyed_counts",
    "merge_labeled_value_counts",
    "reduce_blocks",
]
