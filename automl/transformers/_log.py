"""Signed log transform of skewed columns."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.stats import skew
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from automl._validation import validate_numeric


def signed_log1p(X):
    """``sign(x) * log1p(|x|)``: equal to ``log1p(x)`` for ``x >= 0``."""
    return np.sign(X) * np.log1p(np.abs(X))


def signed_expm1(X):
    """Inverse of :func:`signed_log1p`: ``sign(x) * expm1(|x|)``."""
    return np.sign(X) * np.expm1(np.abs(X))


class LogTransformer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Log-transform skewed columns, chosen at fit or given by the user.

    What scikit-learn lacks: ``FunctionTransformer(np.log1p)`` applies to
    every column and fails on negative values; ``PowerTransformer`` fits a
    Box-Cox / Yeo-Johnson exponent per column. This transformer picks the
    right-skewed columns at fit and applies ``log1p`` to them, in its signed
    form ``sign(x) * log1p(|x|)``, which equals ``log1p(x)`` on non-negative
    values and stays defined for negative ones.

    Parameters
    ----------
    columns : "auto", "all" or list of str or int, default="auto"
        Which columns to transform. ``"auto"`` selects at fit the columns whose
        sample skewness exceeds ``skew_threshold``; a list names them (str,
        for DataFrame input) or gives their positions (int).
    skew_threshold : float, default=1.0
        Skewness above which ``columns="auto"`` transforms a column.

    Attributes
    ----------
    log_columns_ : ndarray of bool of shape (n_features_in_,)
        Which columns are transformed.
    skewness_ : ndarray of shape (n_features_in_,)
        Sample skewness of each column at fit (NaN ignored).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.preprocessing.PowerTransformer : Fitted power transforms.
    sklearn.compose.TransformedTargetRegressor : Use ``func=np.log1p`` to
        transform a regression target.

    Notes
    -----
    ``inverse_transform`` applies ``sign(x) * expm1(|x|)`` and round-trips.
    NaN passes through. Columns named in ``columns`` that are not in the data
    raise a ``ValueError`` naming them; infinite values, non-numeric columns
    and entirely missing columns raise an error naming the column.

    Examples
    --------
    >>> import numpy as np
    >>> from automl.transformers import LogTransformer
    >>> X = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [1000.0, 4.0]])
    >>> log = LogTransformer().fit(X)
    >>> log.log_columns_
    array([ True, False])
    >>> log.transform([[np.e - 1, -1.0]])
    array([[ 1., -1.]])
    >>> LogTransformer(columns="all").fit(X).transform([[-(np.e - 1), 0.0]])
    array([[-1.,  0.]])
    """

    _parameter_constraints: dict = {
        "columns": [StrOptions({"auto", "all"}), list],
        "skew_threshold": [Interval(Real, None, None, closed="neither")],
    }

    def __init__(self, columns="auto", *, skew_threshold=1.0):
        self.columns = columns
        self.skew_threshold = skew_threshold

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Choose the columns to transform.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric training data; NaN is allowed.
        y : None
            Ignored.

        Returns
        -------
        self : LogTransformer
            The fitted transformer.
        """
        X = validate_numeric(self, X, reset=True)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # near-constant columns
            self.skewness_ = np.nan_to_num(skew(X, axis=0, nan_policy="omit"), nan=0.0)
        if isinstance(self.columns, str):
            if self.columns == "all":
                self.log_columns_ = np.ones(X.shape[1], dtype=bool)
            else:
                self.log_columns_ = self.skewness_ > self.skew_threshold
        else:
            self.log_columns_ = self._mask_from_list(X.shape[1])
        return self

    def _mask_from_list(self, n_features):
        names = getattr(self, "feature_names_in_", None)
        mask = np.zeros(n_features, dtype=bool)
        unknown = []
        for col in self.columns:
            if isinstance(col, Integral) and not isinstance(col, bool):
                if 0 <= col < n_features:
                    mask[col] = True
                else:
                    unknown.append(col)
            elif names is not None and col in names:
                mask[list(names).index(col)] = True
            else:
                unknown.append(col)
        if unknown:
            raise ValueError(
                f"LogTransformer: columns {unknown} named in 'columns' are not in X "
                f"(it has {n_features} columns"
                + (f": {list(names)})" if names is not None else ")")
            )
        return mask

    def transform(self, X):
        """Apply ``sign(x) * log1p(|x|)`` to the chosen columns.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric data.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features)
            The transformed data.
        """
        check_is_fitted(self)
        X = validate_numeric(self, X, reset=False).copy()
        X[:, self.log_columns_] = signed_log1p(X[:, self.log_columns_])
        return X

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Transformed data.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            The data before the transform.
        """
        check_is_fitted(self)
        X = validate_numeric(self, X, reset=False).copy()
        X[:, self.log_columns_] = signed_expm1(X[:, self.log_columns_])
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
