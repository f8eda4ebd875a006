"""Ensembles built from out-of-fold predictions.

:func:`greedy_ensemble_selection` chooses weights (Caruana et al., 2004);
:class:`WeightedEnsembleClassifier` and :class:`WeightedEnsembleRegressor`
average fitted models with those weights. Wrap already-fitted members in
``sklearn.frozen.FrozenEstimator`` so that ``fit`` leaves them as they are.
"""

from automl.ensemble._greedy import GreedySelection, greedy_ensemble_selection
from automl.ensemble._weighted import (
    WeightedEnsembleClassifier,
    WeightedEnsembleRegressor,
)

__all__ = [
    "GreedySelection",
    "WeightedEnsembleClassifier",
    "WeightedEnsembleRegressor",
    "greedy_ensemble_selection",
]
