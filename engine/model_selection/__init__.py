"""Splits, cross-validation and hyperparameter searches as Dask graphs.

Searches share every distinct (pipeline prefix, parameters, fold) fit across
candidates, checkpoint finished (candidate, fold) scores, and run on the
active Dask scheduler (threads by default, a distributed Client if default).
"""

from engine.model_selection._bayes import BayesSearchCV
from engine.model_selection._cross_validate import cross_validate
from engine.model_selection._display import results_frame
from engine.model_selection._halving import SuccessiveHalvingSearchCV
from engine.model_selection._hyperband import HyperbandSearchCV
from engine.model_selection._kfold import KFold, StratifiedKFold
from engine.model_selection._search import GridSearchCV, RandomizedSearchCV
from engine.model_selection._split import train_test_split, train_val_test_split

__all__ = [
    "BayesSearchCV",
    "GridSearchCV",
    "HyperbandSearchCV",
    "KFold",
    "RandomizedSearchCV",
    "StratifiedKFold",
    "SuccessiveHalvingSearchCV",
    "cross_validate",
    "results_frame",
    "train_test_split",
    "train_val_test_split",
]
