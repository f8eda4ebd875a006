"""Feature selectors that add what scikit-learn's lack.

scikit-learn already has the rest; use it directly:
``sklearn.feature_selection.VarianceThreshold`` (drop constant or
near-constant columns), ``RFE`` / ``RFECV`` (recursive feature elimination)
and ``SelectKBest`` / ``SelectPercentile`` with a score function.

This package adds :class:`Chi2Selector` (chi-squared for features of any
sign), :class:`MutualInfoSelector` (mutual information with the task chosen
from ``y``), both with a fractional ``k`` that never keeps zero features,
and :func:`make_selection_chain`, which chains ``VarianceThreshold``, one of
them and ``RFE`` into a plain scikit-learn ``Pipeline``.
"""

from automl.selectors._chain import make_selection_chain
from automl.selectors._chi2 import Chi2Selector
from automl.selectors._mutual_info import MutualInfoSelector

__all__ = ["Chi2Selector", "MutualInfoSelector", "make_selection_chain"]
