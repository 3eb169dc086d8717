"""Comparisons of a MetricFrame's groups: fairlearn's group_min, group_max, difference, ratio."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

_NON_SCALAR = (
    "Metric frame contains non-scalar cells. Please remove non-scalar columns from your "
    "metric frame or use parameter errors='coerce'."
)
_ERRORS = ("raise", "coerce")
_METHODS = ("between_groups", "to_overall")


def _scalars_only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.apply(lambda col: col.apply(lambda v: v if np.isscalar(v) else np.nan))


def check_compare(method: str, errors: str) -> None:
    if errors not in _ERRORS:
        raise ValueError(f"Invalid error value specified. Valid values are {list(_ERRORS)}")
    if method not in _METHODS:
        raise ValueError(f"Unrecognised comparison method: {method}")


def _ratio_sub_one(x):
    return 1 / x if x > 1 else x


class GroupComparisons:
    """fairlearn's comparisons over ``_by_group`` and ``_overall`` (mixed into MetricFrame).

    The host class sets ``_by_group``, ``_overall`` and ``_cf_names`` and defines
    ``_extract`` (a one-metric result as a Series or scalar).
    """

    _by_group: pd.DataFrame
    _overall: pd.Series | pd.DataFrame
    _cf_names: list | None

    def _group(self, how: str, errors: str):
        """``how`` ("min"/"max") over the sensitive groups, per control group if any."""
        if errors not in _ERRORS:
            raise ValueError(f"Invalid error value specified. Valid values are {list(_ERRORS)}")
        frame = self._by_group if errors == "raise" else _scalars_only(self._by_group)
        try:
            if self._cf_names:
                return frame.groupby(level=self._cf_names).agg(how)
            return frame.agg(how, axis=0)
        except ValueError as exc:
            if errors == "raise":
                raise ValueError(_NON_SCALAR) from exc
            raise

    def group_min(self, errors: Literal["raise", "coerce"] = "raise"):
        """Smallest value of each metric over the groups (per control group, if any)."""
        return self._extract(self._group("min", errors))

    def group_max(self, errors: Literal["raise", "coerce"] = "raise"):
        """Largest value of each metric over the groups (per control group, if any)."""
        return self._extract(self._group("max", errors))

    def difference(
        self,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        errors: Literal["raise", "coerce"] = "coerce",
    ):
        """Largest absolute difference between groups (or from the overall value).

        With control features, one value per control group: the groups compared
        are those sharing it, and ``to_overall`` compares with its ``overall``.
        """
        check_compare(method, errors)
        sub = self._group("min", errors) if method == "between_groups" else self._overall
        gaps = (_scalars_only(self._by_group) - sub).abs()
        result = gaps.groupby(level=self._cf_names).max() if self._cf_names else gaps.max()
        return self._extract(result.where(result.notna(), np.nan))

    def ratio(
        self,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        errors: Literal["raise", "coerce"] = "coerce",
    ):
        """Smallest ratio between groups (or to the overall value), at most 1.

        With control features, one value per control group, as :meth:`difference`.
        """
        check_compare(method, errors)
        if method == "between_groups":
            result = self._group("min", errors) / self._group("max", errors)
        elif self._cf_names:
            ratios = self._by_group.unstack(level=self._cf_names) / self._overall.unstack(
                level=self._cf_names
            )
            result = ratios.apply(lambda x: x.transform(_ratio_sub_one)).min().unstack(0)
        else:
            ratios = self._by_group / self._overall
            result = ratios.apply(lambda x: x.transform(_ratio_sub_one)).min()
        return self._extract(result.where(result.notna(), np.nan))
