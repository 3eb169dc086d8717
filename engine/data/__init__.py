"""Input tables, readers/writers, the demo table, dataset fingerprints, validation, tokens.

Every supported input kind (NumPy, pandas, dask.array, dask.dataframe,
xarray) is used through one :class:`Table` (:func:`as_table`). Besides the
user-facing readers, this package is the engine's internal API for what every
layer shares: parameter validation (scikit-learn's constraint classes and
checker, see :mod:`engine.data._validation`), input checks, the
deterministic token of estimators and values (:func:`estimator_token`), a
fitted model's methods over any kind block by block (:func:`call_blockwise`,
with columns matched by name: :func:`align_columns`),
:func:`single_blas_thread` and the registry of models that take whole Dask
collections instead of blocks (:func:`register_collection_model`,
:func:`takes_whole_collections`, filled by ``engine.models``). What other engine packages need beyond these
names (the Table per kind, row alignment and per-row selection) is in
:mod:`engine.data.internal`.
"""

from engine.data import _validation
from engine.data._blockwise import call_blockwise
from engine.data._collection_models import (
    register_collection_model,
    takes_whole_collections,
    unregister_collection_model,
)
from engine.data._columns import align_columns, input_columns
from engine.data._demo import demo_table
from engine.data._fingerprint import fingerprint
from engine.data._io import read_table, write_table
from engine.data._table import Table, as_table, input_kind, is_lazy
from engine.data._threads import single_blas_thread
from engine.data._tokens import estimator_token
from engine.data._validation import *  # noqa: F403 - the validation API, named in its __all__

__all__ = [
    "Table",
    "align_columns",
    "as_table",
    "call_blockwise",
    "demo_table",
    "estimator_token",
    "fingerprint",
    "input_columns",
    "input_kind",
    "is_lazy",
    "read_table",
    "register_collection_model",
    "single_blas_thread",
    "takes_whole_collections",
    "unregister_collection_model",
    "write_table",
    *_validation.__all__,
]
