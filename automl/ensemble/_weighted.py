"""Weighted averaging of fitted models: soft voting with fixed weights."""

import numpy as np
from scipy.sparse import issparse
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    clone,
)
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)


def _count_features(estimator, X, reset):
    """Set or check ``n_features_in_``; members validate ``X`` their own way."""
    if not (hasattr(X, "columns") or issparse(X)):  # lists, 1-D arrays, ...
        X = check_array(X, accept_sparse=True, dtype=None, ensure_all_finite=False)
    validate_data(estimator, X, skip_check_array=True, reset=reset)


class _WeightedEnsemble(MetaEstimatorMixin, BaseEstimator):
    """Shared plumbing of the two weighted ensembles (private)."""

    def __init__(self, estimators, weights=None):
        self.estimators = estimators
        self.weights = weights

    def _validate_members(self):
        if not self.estimators:
            raise ValueError(f"{type(self).__name__}: 'estimators' must be a non-empty list "
                             "of (name, estimator) pairs.")
        names = [name for name, _ in self.estimators]
        if len(set(names)) != len(names):
            raise ValueError(f"{type(self).__name__}: estimator names must be unique; "
                             f"got {names}.")
        if self.weights is None:
            weights = np.ones(len(self.estimators))
        else:
            weights = np.asarray(self.weights, dtype=float)
            if weights.shape != (len(self.estimators),):
                raise ValueError(
                    f"{type(self).__name__}: 'weights' has {weights.size} values for "
                    f"{len(self.estimators)} estimators."
                )
            if (weights < 0).any() or not np.isfinite(weights).all() or weights.sum() == 0:
                raise ValueError(f"{type(self).__name__}: 'weights' must be finite, "
                                 f"non-negative and not all zero; got {weights.tolist()}.")
        return weights / weights.sum()

    def _fit_members(self, X, y, **fit_params):
        self.weights_ = self._validate_members()
        _count_features(self, X, reset=True)
        # members with weight 0 are not needed: neither fitted nor kept
        self.estimators_ = [clone(est).fit(X, y, **fit_params)
                            for (_, est), w in zip(self.estimators, self.weights_) if w > 0]
        self.named_estimators_ = {
            name: fitted for (name, _), fitted in
            zip([m for m, w in zip(self.estimators, self.weights_) if w > 0], self.estimators_)
        }
        self.weights_ = self.weights_[self.weights_ > 0]
        return self

    def _check(self, X):
        check_is_fitted(self)
        _count_features(self, X, reset=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        members = [get_tags(est).input_tags for _, est in self.estimators or []]
        tags.input_tags.allow_nan = bool(members) and all(t.allow_nan for t in members)
        tags.input_tags.sparse = bool(members) and all(t.sparse for t in members)
        tags.input_tags.string = bool(members) and all(t.string for t in members)
        return tags


class WeightedEnsembleClassifier(ClassifierMixin, _WeightedEnsemble):
    """Average the class probabilities of several classifiers with fixed weights.

    What scikit-learn's ``VotingClassifier(voting="soft")`` lacks: its
    members must share one label set, and it is always refitted. Here members
    may have seen only some of the classes (a rare class missing from a CV
    fold): each member's probabilities are aligned on the ensemble's
    ``classes_``, a class it never saw getting probability 0. Wrap fitted
    members in :class:`sklearn.frozen.FrozenEstimator` to reuse them as they
    are; ``fit`` then only learns the classes.

    Parameters
    ----------
    estimators : list of (str, estimator)
        Named classifiers with ``predict_proba``.
    weights : array-like of shape (n_estimators,), default=None
        Non-negative weights, normalised to sum to 1; equal when None.
        Members with weight 0 are dropped at fit.

    Attributes
    ----------
    estimators_ : list of estimator
        The fitted members with a positive weight.
    named_estimators_ : dict
        The same, by name.
    weights_ : ndarray
        Their normalised weights.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    automl.ensemble.greedy_ensemble_selection : Choose the weights.
    sklearn.ensemble.VotingClassifier : Soft voting with refitted members.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from automl.ensemble import WeightedEnsembleClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> ens = WeightedEnsembleClassifier(
    ...     [("lr", LogisticRegression(max_iter=500)), ("tree", DecisionTreeClassifier(max_depth=2))],
    ...     weights=[3, 1],
    ... ).fit(X, y)
    >>> ens.weights_.tolist()
    [0.75, 0.25]
    >>> bool(np.allclose(ens.predict_proba(X[:3]).sum(axis=1), 1.0))
    True
    """

    def fit(self, X, y, **fit_params):
        """Fit (clones of) the members and learn the classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, passed to each member as it is.
        y : array-like of shape (n_samples,)
            Class labels.
        **fit_params : dict
            Passed to each member's ``fit``.

        Returns
        -------
        self : WeightedEnsembleClassifier
            The fitted ensemble.
        """
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.classes_ = LabelEncoder().fit(y).classes_
        return self._fit_members(X, y, **fit_params)

    def predict_proba(self, X):
        """Weighted mean of the members' probabilities, columns as ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1.
        """
        self._check(X)
        total = None
        for est, w in zip(self.estimators_, self.weights_):
            proba = np.asarray(est.predict_proba(X), dtype=float)
            aligned = np.zeros((proba.shape[0], len(self.classes_)))
            aligned[:, np.searchsorted(self.classes_, est.classes_)] = proba
            total = w * aligned if total is None else total + w * aligned
        return total / total.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The class of highest averaged probability.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class WeightedEnsembleRegressor(RegressorMixin, _WeightedEnsemble):
    """Average the predictions of several regressors with fixed weights.

    What scikit-learn's ``VotingRegressor`` lacks: it is always refitted;
    wrap fitted members in :class:`sklearn.frozen.FrozenEstimator` to reuse
    them as they are.

    Parameters
    ----------
    estimators : list of (str, estimator)
        Named regressors.
    weights : array-like of shape (n_estimators,), default=None
        Non-negative weights, normalised to sum to 1; equal when None.
        Members with weight 0 are dropped at fit.

    Attributes
    ----------
    estimators_ : list of estimator
        The fitted members with a positive weight.
    named_estimators_ : dict
        The same, by name.
    weights_ : ndarray
        Their normalised weights.
    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    automl.ensemble.greedy_ensemble_selection : Choose the weights.
    sklearn.ensemble.VotingRegressor : Averaging with refitted members.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import Ridge
    >>> from automl.ensemble import WeightedEnsembleRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> a, b = Ridge(alpha=0.1).fit(X, y), Ridge(alpha=10).fit(X, y)
    >>> ens = WeightedEnsembleRegressor([("a", FrozenEstimator(a)), ("b", FrozenEstimator(b))]).fit(X, y)
    >>> bool(abs(ens.predict(X[:1])[0] - (a.predict(X[:1])[0] + b.predict(X[:1])[0]) / 2) < 1e-9)
    True
    """

    def fit(self, X, y, **fit_params):
        """Fit (clones of) the members.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, passed to each member as it is.
        y : array-like of shape (n_samples,)
            Target values.
        **fit_params : dict
            Passed to each member's ``fit``.

        Returns
        -------
        self : WeightedEnsembleRegressor
            The fitted ensemble.
        """
        y = column_or_1d(y, warn=True)
        return self._fit_members(X, y, **fit_params)

    def predict(self, X):
        """Weighted mean of the members' predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values.
        """
        self._check(X)
        return sum(w * np.asarray(est.predict(X), dtype=float)
                   for est, w in zip(self.estimators_, self.weights_))
