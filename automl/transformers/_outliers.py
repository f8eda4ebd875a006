"""Outlier handling: clip values to learned bounds, or drop outlying rows at fit."""

from numbers import Real

import numpy as np
from imblearn.base import BaseSampler
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from automl._validation import validate_numeric

_BOUND_CONSTRAINTS = {
    "method": [StrOptions({"iqr", "zscore"})],
    "iqr_factor": [Interval(Real, 0, None, closed="left")],
    "z_threshold": [Interval(Real, 0, None, closed="left")],
}


def outlier_bounds(X, method="iqr", iqr_factor=1.5, z_threshold=3.0):
    """Per-column lower and upper bounds outside which a value is an outlier.

    Missing values are ignored. A column with zero spread (IQR or standard
    deviation of 0) gets the bounds ``(-inf, inf)``: it is left alone.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Numeric data, possibly with NaN.
    method : {"iqr", "zscore"}, default="iqr"
        ``"iqr"``: ``[Q1 - iqr_factor * IQR, Q3 + iqr_factor * IQR]``.
        ``"zscore"``: ``mean -/+ z_threshold * std``.
    iqr_factor : float, default=1.5
        Tukey's fence multiplier, used by ``method="iqr"``.
    z_threshold : float, default=3.0
        Number of standard deviations, used by ``method="zscore"``.

    Returns
    -------
    lower, upper, spread : ndarray of shape (n_features,)
        The bounds, and the spread (IQR or std) they were derived from.

    Examples
    --------
    >>> import numpy as np
    >>> from automl.transformers import outlier_bounds
    >>> lower, upper, _ = outlier_bounds(np.array([[1.0], [2.0], [3.0], [4.0], [100.0]]))
    >>> float(lower[0]), float(upper[0])
    (-1.0, 7.0)
    """
    if method == "iqr":
        q1, q3 = np.nanpercentile(X, [25, 75], axis=0)
        spread = q3 - q1
        lower, upper = q1 - iqr_factor * spread, q3 + iqr_factor * spread
    else:
        center, spread = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
        lower, upper = center - z_threshold * spread, center + z_threshold * spread
    flat = ~(spread > 0)
    lower = np.where(flat, -np.inf, lower)
    upper = np.where(flat, np.inf, upper)
    return lower, upper, spread


class OutlierClipper(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clip (winsorise) each column to bounds learned at fit.

    scikit-learn has no per-column clipping transformer; this one learns
    Tukey (IQR) or Z-score bounds on the training data and clips to them, so
    that extreme values at predict time stay inside the range the model saw.

    Parameters
    ----------
    method : {"iqr", "zscore"}, default="iqr"
        ``"iqr"`` uses ``[Q1 - iqr_factor * IQR, Q3 + iqr_factor * IQR]``;
        ``"zscore"`` uses ``mean -/+ z_threshold * std``.
    iqr_factor : float, default=1.5
        Multiplier of the inter-quartile range, for ``method="iqr"``.
    z_threshold : float, default=3.0
        Number of standard deviations, for ``method="zscore"``.

    Attributes
    ----------
    lower_bounds_ : ndarray of shape (n_features_in_,)
        Values below are raised to this bound; ``-inf`` for columns left alone.
    upper_bounds_ : ndarray of shape (n_features_in_,)
        Values above are lowered to this bound; ``inf`` for columns left alone.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    OutlierRemover : Drop outlying rows at fit time instead of clipping.
    sklearn.preprocessing.RobustScaler : Scale with statistics robust to outliers.

    Notes
    -----
    Missing values are ignored when learning the bounds and pass through
    unchanged. Columns with zero spread are left alone. Infinite values,
    non-numeric columns and (at fit) entirely missing columns raise an error
    naming the column.

    Examples
    --------
    >>> import numpy as np
    >>> from automl.transformers import OutlierClipper
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    >>> clipper = OutlierClipper(method="iqr").fit(X)
    >>> clipper.lower_bounds_, clipper.upper_bounds_
    (array([-1.]), array([7.]))
    >>> clipper.transform([[50.0], [-3.0], [np.nan]]).ravel()
    array([ 7., -1., nan])
    """

    _parameter_constraints: dict = dict(_BOUND_CONSTRAINTS)

    def __init__(self, method="iqr", *, iqr_factor=1.5, z_threshold=3.0):
        self.method = method
        self.iqr_factor = iqr_factor
        self.z_threshold = z_threshold

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the per-column bounds.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric training data; NaN is allowed.
        y : None
            Ignored.

        Returns
        -------
        self : OutlierClipper
            The fitted clipper.
        """
        X = validate_numeric(self, X, reset=True)
        self.lower_bounds_, self.upper_bounds_, _ = outlier_bounds(
            X, self.method, self.iqr_factor, self.z_threshold
        )
        return self

    def transform(self, X):
        """Clip each column to its learned bounds.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric data; NaN passes through.

        Returns
        -------
        X_clipped : ndarray of shape (n_samples, n_features)
            The clipped data.
        """
        check_is_fitted(self)
        X = validate_numeric(self, X, reset=False)
        return np.clip(X, self.lower_bounds_, self.upper_bounds_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class OutlierRemover(BaseSampler):
    """Drop outlying rows when fitting, never when predicting.

    An imbalanced-learn sampler: inside an :class:`imblearn.pipeline.Pipeline`
    its ``fit_resample`` runs on the training rows only, so outliers are
    removed from what the later steps learn from while every row still gets a
    prediction. It works for classification and regression targets.

    A row is an outlier when any of its values lies outside the per-column
    bounds of :func:`outlier_bounds`. Its extremeness is the largest distance
    outside the bounds, in units of the column's spread.

    Parameters
    ----------
    method : {"iqr", "zscore"}, default="iqr"
        How the bounds are computed (see :class:`OutlierClipper`).
    iqr_factor : float, default=1.5
        Multiplier of the inter-quartile range, for ``method="iqr"``.
    z_threshold : float, default=3.0
        Number of standard deviations, for ``method="zscore"``.
    max_fraction : float, default=0.1
        At most ``floor(max_fraction * n_samples)`` rows are dropped. When more
        rows are outliers, the most extreme are dropped and the least extreme
        kept.

    Attributes
    ----------
    lower_bounds_, upper_bounds_ : ndarray of shape (n_features_in_,)
        The bounds learned on the data given to ``fit_resample``.
    sample_indices_ : ndarray of shape (n_kept,)
        Indices of the rows kept, in their original order.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    OutlierClipper : Clip values instead of dropping rows; pair them so that
        outliers at predict time stay bounded.

    Notes
    -----
    For a classification target (binary or multiclass) the remover never
    drops every row of a class: the least extreme row of such a class is
    kept. Missing values never make a row an outlier. Infinite values,
    non-numeric columns and entirely missing columns raise an error naming
    the column.

    Examples
    --------
    >>> import numpy as np
    >>> from automl.transformers import OutlierRemover
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0], [100.0], [2.5]])
    >>> y = np.array([0, 0, 1, 1, 1, 0])
    >>> X_kept, y_kept = OutlierRemover(max_fraction=0.2).fit_resample(X, y)
    >>> X_kept.ravel()
    array([1. , 2. , 3. , 4. , 2.5])
    """

    _sampling_type = "bypass"
    _parameter_constraints: dict = {
        **_BOUND_CONSTRAINTS,
        "max_fraction": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, method="iqr", *, iqr_factor=1.5, z_threshold=3.0, max_fraction=0.1):
        self.method = method
        self.iqr_factor = iqr_factor
        self.z_threshold = z_threshold
        self.max_fraction = max_fraction

    def fit(self, X, y):
        """Learn the bounds and which rows to drop; use ``fit_resample``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric data.
        y : array-like of shape (n_samples,)
            Target, classification or regression.

        Returns
        -------
        self : OutlierRemover
            The fitted remover.
        """
        self.fit_resample(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Return ``X`` and ``y`` without their outlying rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric data; NaN is allowed.
        y : array-like of shape (n_samples,)
            Target, classification or regression.

        Returns
        -------
        X_resampled : array-like of shape (n_kept, n_features)
            The kept rows, of the same type as ``X`` (a DataFrame keeps its
            columns and index).
        y_resampled : array-like of shape (n_kept,)
            The matching targets, of the same type as ``y``.
        """
        if y is None:
            raise ValueError("OutlierRemover requires y to be passed, but the target y is None.")
        X_arr, y_arr = validate_numeric(self, X, reset=True, y=y)
        self._fit_resample(X_arr, y_arr)
        return (
            _safe_indexing(X, self.sample_indices_),
            _safe_indexing(y, self.sample_indices_),
        )

    def _fit_resample(self, X, y):
        lower, upper, spread = outlier_bounds(X, self.method, self.iqr_factor, self.z_threshold)
        self.lower_bounds_, self.upper_bounds_ = lower, upper
        with np.errstate(all="ignore"):
            excess = np.fmax(lower - X, X - upper) / np.where(spread > 0, spread, 1)
        excess = np.nan_to_num(excess, nan=-np.inf)
        extremeness = excess.max(axis=1) if X.shape[1] else np.zeros(len(X))
        keep = np.ones(len(X), dtype=bool)
        keep[self._rows_to_drop(extremeness, y)] = False
        self.sample_indices_ = np.flatnonzero(keep)
        return X[keep], y[keep]

    def _rows_to_drop(self, extremeness, y):
        n_max = int(np.floor(self.max_fraction * len(extremeness)))
        candidates = np.flatnonzero(extremeness > 0)
        # Most extreme first; a stable sort makes ties drop the earlier row.
        candidates = candidates[np.argsort(-extremeness[candidates], kind="stable")]
        drop = candidates[:n_max]
        if type_of_target(y) in ("binary", "multiclass"):
            for label in np.unique(y):
                rows = np.flatnonzero(y == label)
                if np.isin(rows, drop).all():
                    spare = rows[np.argmin(extremeness[rows])]
                    drop = drop[drop != spare]
        return drop

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = False
        tags.sampler_tags.sample_indices = True
        return tags
