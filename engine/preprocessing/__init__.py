"""scikit-learn-API transformers over NumPy, pandas, Dask and xarray input.

Every transformer fits in one ``dask.compute`` (statistics that share a pass
share it) and transforms with one Numba kernel call per row block; Dask input
stays lazy with the same row chunks.
"""

from engine.preprocessing._dropper import MissingDropper
from engine.preprocessing._imputer import SimpleImputer
from engine.preprocessing._onehot import OneHotEncoder
from engine.preprocessing._ordinal import OrdinalEncoder
from engine.preprocessing._outliers import OutlierHandler
from engine.preprocessing._pipeline import Pipeline, make_pipeline
from engine.preprocessing._polynomial import PolynomialFeatures
from engine.preprocessing._resampling import RandomOverSampler, RandomUnderSampler
from engine.preprocessing._robust import RobustScaler
from engine.preprocessing._scalers import MaxAbsScaler, MinMaxScaler, StandardScaler

__all__ = [
    "MaxAbsScaler",
    "MinMaxScaler",
    "MissingDropper",
    "OneHotEncoder",
    "OrdinalEncoder",
    "OutlierHandler",
    "Pipeline",
    "PolynomialFeatures",
    "RandomOverSampler",
    "RandomUnderSampler",
    "RobustScaler",
    "SimpleImputer",
    "StandardScaler",
    "make_pipeline",
]
