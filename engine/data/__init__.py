"""Input adapters, readers/writers, the demo table, dataset fingerprints, validation, tokens.

Besides the user-facing readers, this package is the engine's internal API for
what every layer shares: parameter validation (scikit-learn's constraint
classes and checker, see :mod:`engine.data._validation`), input checks, and
the deterministic token of estimators and values (:func:`estimator_token`).
"""

from engine.data import _validation
from engine.data._adapters import Table, as_table, input_kind, is_lazy
from engine.data._blockwise import call_blockwise
from engine.data._columns import align_columns, input_columns
from engine.data._demo import demo_table
from engine.data._fingerprint import fingerprint
from engine.data._io import read_table, write_table
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
    "single_blas_thread",
    "write_table",
    *_validation.__all__,
]
