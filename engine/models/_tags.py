"""A wrapper's scikit-learn tags taken from the estimator it wraps."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from sklearn.utils import get_tags


def inherit_predictor_tags(tags: Any, inner: Any) -> Any:
    """``tags`` with ``inner``'s estimator type and classifier/regressor tags (copies).

    What makes ``is_classifier(wrapper)`` and scikit-learn's splitters and
    scorers treat a wrapper (a search, ``ParallelPostFit``) as the estimator
    it wraps.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from engine.models import inherit_predictor_tags
    >>> inherit_predictor_tags(BaseEstimator().__sklearn_tags__(), LogisticRegression()).estimator_type
    'classifier'
    """
    source = get_tags(inner)
    tags.estimator_type = source.estimator_type
    tags.classifier_tags = deepcopy(source.classifier_tags)
    tags.regressor_tags = deepcopy(source.regressor_tags)
    return tags
