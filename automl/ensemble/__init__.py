"""Ensembles built from out-of-fold predictions.

:func:`greedy_ensemble_selection` chooses weights (Caruana et al., 2004),
:func:`bagged_ensemble_selection` averages it over random halves of the
candidates (Caruana et al., 2006);
:class:`WeightedEnsembleClassifier` and :class:`WeightedEnsembleRegressor`
average fitted models with those weights. Wrap already-fitted members in
``sklearn.frozen.FrozenEstimator`` so that ``fit`` leaves them as they are.
"""

from automl.ensemble._bagged import BaggedSelection, bagged_ensemble_selection
from automl.ensemble._greedy import GreedySelection, greedy_ensemble_selection
from automl.ensemble._weighted import (
    WeightedEnsembleClassifier,
    WeightedEnsembleRegressor,
)

__all__ = [
    "BaggedSelection",
    "GreedySelection",
    "WeightedEnsembleClassifier",
    "WeightedEnsembleRegressor",
    "bagged_ensemble_selection",
    "greedy_ensemble_selection",
]
