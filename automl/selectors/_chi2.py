"""Chi-squared feature selection for features of any sign."""

import numpy as np
from sklearn.feature_selection import chi2
from sklearn.utils.multiclass import type_of_target

from automl._task import target_kind
from automl.selectors._kbest import _KBestSelector


class Chi2Selector(_KBestSelector):
    """Keep the ``k`` features with the highest chi-squared score (classification).

    What scikit-learn lacks: ``SelectKBest(chi2)`` refuses negative values,
    has no fractional ``k`` and can keep zero features. This selector shifts
    columns with negative values to start at 0 before scoring them with
    scikit-learn's :func:`~sklearn.feature_selection.chi2`, accepts ``k`` as a
    fraction, and always keeps at least one feature. On non-negative data
    it selects exactly what ``SelectKBest(chi2, k=k)`` selects.

    Parameters
    ----------
    k : int, float or "all", default=10
        Number of features to keep. An int keeps ``min(k, n_features)``
        features (a ``k`` above the number of features keeps them all, without
        error); a float in ``(0, 1]`` keeps that fraction of the features,
        rounded down but at least one; ``"all"`` keeps every feature.

    Attributes
    ----------
    feature_min_ : ndarray of shape (n_features_in_,)
        Minimum of each column in the training data.
    scores_ : ndarray of shape (n_features_in_,)
        Chi-squared statistic of each (shifted) column; NaN for a column that
        is 0 after the shift.
    pvalues_ : ndarray of shape (n_features_in_,)
        p-value of each score.
    k_ : int
        Number of features kept, resolved from ``k``.
    kbest_ : sklearn.feature_selection.SelectKBest
        The fitted scikit-learn selector that ranks the scores.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MutualInfoSelector : Univariate selection that also works for regression.
    sklearn.feature_selection.SelectKBest : The selector reused here.
    sklearn.feature_selection.chi2 : The score function.

    Notes
    -----
    Exactly: with ``m_j = feature_min_[j]``, column ``j`` is scored as
    ``X[:, j] - min(m_j, 0)``. Columns with a negative minimum are shifted to
    start at 0; non-negative columns (counts, frequencies, one-hot columns,
    for which chi-squared was designed) are scored unchanged. Nothing is
    shifted at transform time: selection only drops columns, so new data may
    take any values.

    Chi-squared scores a feature by how unevenly its column sums spread over
    the classes, so the target must be a classification one: a continuous
    target, or a float target with more than two distinct values, raises
    ``ValueError`` (use :class:`MutualInfoSelector` for regression).
    The score grows in proportion to a column's scale, so on continuous
    columns of different units the largest columns win: rescale them first
    (``MinMaxScaler`` keeps them non-negative) or use
    :class:`MutualInfoSelector`, which is scale-free. Missing and infinite values raise an error naming the
    column; impute them first. Ties and NaN scores are ranked as in
    ``SelectKBest`` (NaN scores rank last).

    Examples
    --------
    >>> import numpy as np
    >>> from automl.selectors import Chi2Selector
    >>> X = np.array([[1.0, -2.0, 0.0],
    ...               [2.0, -1.0, 0.0],
    ...               [9.0, -2.0, 1.0],
    ...               [8.0, -1.0, 1.0]])
    >>> y = [0, 0, 1, 1]
    >>> selector = Chi2Selector(k=2).fit(X, y)
    >>> selector.get_support()
    array([ True, False,  True])
    >>> selector.feature_min_
    array([ 1., -2.,  0.])
    >>> selector.transform(X).shape
    (4, 2)
    >>> Chi2Selector().fit(X, [0.1, 0.5, 1.7, 2.2])
    Traceback (most recent call last):
        ...
    ValueError: Chi2Selector: chi-squared is for classification, but y is a regression target...
    """

    def __init__(self, k=10):
        self.k = k

    def _scoring(self, X, y):
        # Integers and strings are class labels however many (22 classes of
        # a spectrometer table look like a count to the package's task rule);
        # floats are by that rule: two values, or a regression target.
        if np.asarray(y).dtype.kind == "f" and target_kind(y) == "regression":
            raise ValueError(
                f"{type(self).__name__}: chi-squared is for classification, but y is "
                f"a regression target ({type_of_target(y)} {y.dtype} values). Use "
                "MutualInfoSelector for regression; if y holds class labels stored "
                "as floats, convert it to int."
            )
        self.feature_min_ = X.min(axis=0)
        return X - np.minimum(self.feature_min_, 0.0), chi2
