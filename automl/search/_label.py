"""A classifier wrapper for engines that want labels 0..n_classes-1."""

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data


class LabelEncodedClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Fit ``estimator`` on labels encoded as ``0..n_classes-1``; decode predictions.

    XGBoost's scikit-learn classifier only accepts such labels (strings, or
    integers such as ``[1, 2]``, raise). scikit-learn has no meta-estimator
    that encodes labels; this one does only that.

    Parameters
    ----------
    estimator : classifier
        The classifier to fit on encoded labels.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        The original class labels, sorted.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from automl.search import LabelEncodedClassifier
    >>> clf = LabelEncodedClassifier(LogisticRegression()).fit([[0], [1], [2], [3]], ["a", "a", "b", "b"])
    >>> clf.predict([[0], [3]]).tolist()
    ['a', 'b']
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, **fit_params):
        """Fit on encoded labels; an ``eval_set`` fit parameter is encoded too.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        **fit_params : dict
            Passed to ``estimator.fit``.

        Returns
        -------
        self : LabelEncodedClassifier
        """
        # The wrapped engine validates X its own way; only count the features here.
        X = self._check_X(X, reset=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.label_encoder_ = LabelEncoder().fit(y)
        self.classes_ = self.label_encoder_.classes_
        if "eval_set" in fit_params:
            fit_params["eval_set"] = [
                (Xv, self.label_encoder_.transform(yv)) for Xv, yv in fit_params["eval_set"]
            ]
        self.estimator_ = clone(self.estimator).fit(
            X, self.label_encoder_.transform(y), **fit_params
        )
        return self

    def _check_X(self, X, reset):
        if not (hasattr(X, "columns") or issparse(X)):  # lists, 1-D arrays, ...
            X = check_array(X, accept_sparse=True, dtype=None, ensure_all_finite=False)
        validate_data(self, X, skip_check_array=True, reset=reset)
        return X

    def predict(self, X):
        """Predict original class labels."""
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        return self.label_encoder_.inverse_transform(self.estimator_.predict(X).astype(int))

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        proba = np.asarray(self.estimator_.predict_proba(X), dtype=np.float64)
        return proba / proba.sum(axis=1, keepdims=True)  # float32 engines: exact sums

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator).input_tags
        tags.input_tags.allow_nan = inner.allow_nan
        tags.input_tags.sparse = inner.sparse
        return tags
