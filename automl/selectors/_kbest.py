"""Private base for selectors that keep the ``k`` best-scoring features."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.feature_selection import SelectKBest, SelectorMixin
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted

from automl._validation import validate_numeric


def resolve_n_features(k, n_features):
    """Number of features to keep for ``k`` out of ``n_features``.

    Parameters
    ----------
    k : int, float or "all"
        An int keeps ``min(k, n_features)`` features; a float in ``(0, 1]``
        keeps that fraction of ``n_features``, rounded down but at least 1;
        ``"all"`` keeps every feature.
    n_features : int
        Number of input features (at least 1).

    Returns
    -------
    n_keep : int
        A number in ``[1, n_features]``.
    """
    if isinstance(k, str):  # "all"
        return n_features
    if isinstance(k, Integral):
        return min(int(k), n_features)
    # The small tolerance keeps 0.57 * 100 from rounding down to 56.
    return min(n_features, max(1, int(np.floor(k * n_features + 1e-9))))


class _KBestSelector(SelectorMixin, BaseEstimator):
    """Keep the ``k`` best features by a univariate score (private base).

    What scikit-learn's ``SelectKBest`` lacks and this adds: ``k`` may be a
    fraction of the features, at least one feature is always kept, and a ``k``
    larger than the number of features keeps them all without a warning.
    The ranking itself (ties, NaN scores) is ``SelectKBest``'s: a fitted
    ``SelectKBest`` is held in ``kbest_``.

    Subclasses define ``__init__`` (storing ``k`` and their own parameters)
    and ``_scoring(X, y)``, which returns the array to score and the score
    function, and may set fitted attributes of their own.
    """

    _parameter_constraints: dict = {
        "k": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
            StrOptions({"all"}),
        ],
    }

    def __init__(self, k=10):
        self.k = k

    def _scoring(self, X, y):  # pragma: no cover - abstract
        raise NotImplementedError

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Score every feature and choose the ``k`` best.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric training data, without missing or infinite values.
        y : array-like of shape (n_samples,)
            Target values; required (None raises ``ValueError``).

        Returns
        -------
        self : object
            The fitted selector.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X, y = validate_numeric(self, X, reset=True, allow_nan=False, y=y)
        X_score, score_func = self._scoring(X, y)
        self.k_ = resolve_n_features(self.k, X.shape[1])
        self.kbest_ = SelectKBest(score_func, k=self.k_).fit(X_score, y)
        self.scores_ = self.kbest_.scores_
        self.pvalues_ = self.kbest_.pvalues_
        return self

    def transform(self, X):
        """Keep the selected columns of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric data with the columns seen in ``fit``.

        Returns
        -------
        X_selected : ndarray of shape (n_samples, k_)
            The selected columns, in input order.
        """
        check_is_fitted(self)
        X = validate_numeric(self, X, reset=False, allow_nan=False)
        return X[:, self.get_support()]

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.kbest_.get_support()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
