"""The preprocessing layer's internal API: what other engine packages use beyond ``engine.preprocessing``.

Not part of the public API (no stability promise to users); engine packages
import these names from here, never from the underscore modules.

* :func:`array_transforms`: fitted engine steps chained on float64 NumPy
  blocks, their name checks done once.
"""

from engine.preprocessing._array_chain import array_transforms

__all__ = ["array_transforms"]
