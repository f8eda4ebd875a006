"""Median imputation at NumPy's speed, with missing indicators."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)


class MedianImputer(TransformerMixin, BaseEstimator):
    """Replace missing values by each column's median; flag the columns that had gaps.

    The output of ``SimpleImputer(strategy="median", add_indicator=True)``,
    feature names included, computed with NumPy's partition-based median
    instead of a sort of masked arrays: scikit-learn's median imputer spends
    over ten seconds on 2,000 x 10,000 values, this one a fraction of a
    second, which is what a wide numeric table costs
    :class:`TablePreprocessor`. Columns entirely missing at fit are dropped
    (their indicator is kept), as scikit-learn's imputer does.

    Parameters
    ----------
    add_indicator : {"missing-only", "none"}, default="missing-only"
        ``"missing-only"`` appends one 0/1 column per input column that had
        missing values at fit, named ``missingindicator_<name>``, after the
        imputed columns (``MissingIndicator(features="missing-only")``);
        ``"none"`` appends nothing.

    Attributes
    ----------
    statistics_ : ndarray of shape (n_features_in_,)
        The median of each column at fit (NaN for entirely missing ones).
    indicator_features_ : ndarray of int
        Columns that had missing values at fit (entirely missing ones
        included, as scikit-learn's indicator flags them).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.impute.SimpleImputer : The same output, with other strategies.

    Examples
    --------
    >>> import numpy as np
    >>> from automl.transformers import MedianImputer
    >>> X = np.array([[1.0, 10.0], [np.nan, 20.0], [3.0, 30.0], [5.0, 40.0]])
    >>> imputer = MedianImputer().fit(X)
    >>> imputer.statistics_.tolist()
    [3.0, 25.0]
    >>> imputer.transform(X)[1].tolist()
    [3.0, 20.0, 1.0]
    >>> imputer.get_feature_names_out().tolist()
    ['x0', 'x1', 'missingindicator_x0']
    """

    _parameter_constraints: dict = {
        "add_indicator": [StrOptions({"missing-only", "none"})],
    }

    def __init__(self, *, add_indicator="missing-only"):
        self.add_indicator = add_indicator

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn each column's median and which columns have gaps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numbers, with NaN for missing values.
        y : None
            Ignored.

        Returns
        -------
        self : MedianImputer
            The fitted imputer.
        """
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        missing = np.isnan(X)
        has_gaps = missing.any(axis=0)
        self.statistics_ = np.full(X.shape[1], np.nan)
        if (~has_gaps).any():
            self.statistics_[~has_gaps] = np.median(X[:, ~has_gaps], axis=0)
        empty = missing.all(axis=0)
        partial = has_gaps & ~empty
        if partial.any():
            self.statistics_[partial] = np.nanmedian(X[:, partial], axis=0)
        self._kept = np.flatnonzero(~empty)
        self.indicator_features_ = (np.flatnonzero(has_gaps) if self.add_indicator != "none"
                                    else np.array([], dtype=int))
        return self

    def transform(self, X):
        """Impute ``X`` and append the missing indicators.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numbers, with NaN for missing values.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_kept + n_indicators)
            The imputed columns (those not entirely missing at fit), then
            one indicator per column of ``indicator_features_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan",
                          reset=False)
        n_kept, flagged = len(self._kept), self.indicator_features_
        out = np.empty((X.shape[0], n_kept + len(flagged)))
        kept = out[:, :n_kept]
        kept[...] = X[:, self._kept]
        missing = np.isnan(kept)
        if missing.any():
            np.copyto(kept, np.broadcast_to(self.statistics_[self._kept], kept.shape),
                      where=missing)
        out[:, n_kept:] = np.isnan(X[:, flagged])
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: the kept inputs, then ``missingindicator_<name>``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input names; ``feature_names_in_`` (or ``x0, x1, ...``) when None.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        flagged = [f"missingindicator_{name}" for name in names[self.indicator_features_]]
        return np.asarray(list(names[self._kept]) + flagged, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
