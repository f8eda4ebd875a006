"""Pairwise interaction features among the most relevant columns."""

from itertools import combinations
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    check_random_state,
)

from automl._task import target_kind
from automl._validation import validate_numeric

_OPERATIONS = {"product": "*", "ratio": "/", "difference": "-"}


class CrossFeatures(TransformerMixin, BaseEstimator):
    """Add pairwise products (and optionally ratios, differences) of top columns.

    What scikit-learn lacks: ``PolynomialFeatures(interaction_only=True)``
    crosses every pair of columns, which grows quadratically with their
    number. This transformer first picks the ``n_top`` most relevant columns
    at fit (by variance, or by mutual information with ``y``) and crosses only
    those, with readable output names such as ``"a*b"``, ``"a/b"`` and
    ``"a-b"``. For full polynomial expansion use ``PolynomialFeatures``.

    Parameters
    ----------
    n_top : int, default=5
        Number of columns to cross; all of them when there are fewer.
    operations : list of {"product", "ratio", "difference"}, default=("product",)
        The interactions to build for each pair ``(a, b)`` of chosen columns,
        ``a`` before ``b`` in the input order.
    selection : {"variance", "mutual_info"}, default="variance"
        How the ``n_top`` columns are ranked. ``"mutual_info"`` needs ``y`` and
        uses scikit-learn's ``mutual_info_classif`` or ``mutual_info_regression``
        as ``task`` says.
    task : {"auto", "classification", "regression"}, default="auto"
        The kind of target, for ``selection="mutual_info"`` (ignored
        otherwise). ``"auto"`` is the package's rule
        (:func:`automl._task.detect_task`): strings, booleans and
        categoricals are classes; numbers with a fractional part are
        regression; whole numbers are classes when they take two values or at
        most 20 values seen ten times each on average, else regression. So
        an integer label with many classes counts as regression: set
        ``task="classification"`` for it.
    include_original : bool, default=True
        Whether the output starts with the input columns.
    random_state : int, RandomState instance or None, default=None
        Seed for the mutual information estimate.

    Attributes
    ----------
    scores_ : ndarray of shape (n_features_in_,)
        The ranking score of each input column.
    top_columns_ : ndarray of shape (n_selected,)
        Indices of the crossed columns, in input order.
    pairs_ : list of tuple of int
        The crossed pairs ``(i, j)`` with ``i < j``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.preprocessing.PolynomialFeatures : All products up to a degree.

    Notes
    -----
    A ratio whose denominator is 0, or so small that it overflows, is set
    to 0, not infinity, so that the
    output stays usable by any model; NaN inputs give NaN outputs. Ties in
    the ranking keep the earlier column. Infinite values, non-numeric columns
    and entirely missing columns raise an error naming the column.

    Examples
    --------
    >>> import numpy as np
    >>> from automl.transformers import CrossFeatures
    >>> X = np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 0.0], [5.0, 8.0, 0.1]])
    >>> cross = CrossFeatures(n_top=2, operations=["product", "ratio"]).fit(X)
    >>> cross.get_feature_names_out()
    array(['x0', 'x1', 'x2', 'x0*x1', 'x0/x1'], dtype=object)
    >>> cross.transform(X)[:, 3:]
    array([[ 2.   ,  0.5  ],
           [12.   ,  0.75 ],
           [40.   ,  0.625]])
    """

    _parameter_constraints: dict = {
        "n_top": [Interval(Integral, 2, None, closed="left")],
        "operations": [list, tuple],
        "selection": [StrOptions({"variance", "mutual_info"})],
        "task": [StrOptions({"auto", "classification", "regression"})],
        "include_original": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_top=5,
        *,
        operations=("product",),
        selection="variance",
        task="auto",
        include_original=True,
        random_state=None,
    ):
        self.n_top = n_top
        self.operations = operations
        self.selection = selection
        self.task = task
        self.include_original = include_original
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Rank the columns and choose the pairs to cross.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric training data; NaN is allowed (for ``"mutual_info"`` it is
            replaced by the column median when ranking).
        y : array-like of shape (n_samples,), default=None
            Target, required by ``selection="mutual_info"``.

        Returns
        -------
        self : CrossFeatures
            The fitted transformer.
        """
        unknown = [op for op in self.operations if op not in _OPERATIONS]
        if unknown or not self.operations:
            raise ValueError(
                f"CrossFeatures: 'operations' must be a non-empty list of "
                f"{sorted(_OPERATIONS)}; got {list(self.operations)!r}."
            )
        if self.selection == "mutual_info":
            if y is None:
                raise ValueError("CrossFeatures(selection='mutual_info') needs y in fit.")
            X, y = validate_numeric(self, X, reset=True, y=y)
            if X.shape[0] < 4:  # mutual information uses 3 nearest neighbours
                raise ValueError(
                    "CrossFeatures(selection='mutual_info') needs at least 4 samples; "
                    f"got n_samples = {X.shape[0]}."
                )
            self.scores_ = self._mutual_info(X, y)
        else:
            X = validate_numeric(self, X, reset=True)
            self.scores_ = np.nan_to_num(np.nanvar(X, axis=0), nan=0.0)
        n_top = min(self.n_top, X.shape[1])
        top = np.argsort(-self.scores_, kind="stable")[:n_top]
        self.top_columns_ = np.sort(top)
        self.pairs_ = list(combinations(self.top_columns_.tolist(), 2))
        return self

    def _mutual_info(self, X, y):
        rng = check_random_state(self.random_state)
        X = np.where(np.isnan(X), np.nanmedian(X, axis=0), X)  # for ranking only
        task = target_kind(y) if self.task == "auto" else self.task
        if task == "classification":
            return mutual_info_classif(X, y, random_state=rng)
        return mutual_info_regression(X, y, random_state=rng)

    def transform(self, X):
        """Append the interaction features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric data.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            The input columns (if ``include_original``) then, for each pair in
            ``pairs_``, one column per operation.
        """
        check_is_fitted(self)
        X = validate_numeric(self, X, reset=False)
        blocks = [X] if self.include_original else []
        for i, j in self.pairs_:
            a, b = X[:, i], X[:, j]
            for op in self.operations:
                if op == "product":
                    blocks.append(a * b)
                elif op == "difference":
                    blocks.append(a - b)
                else:
                    out = np.zeros_like(a)
                    with np.errstate(all="ignore"):
                        np.divide(a, b, out=out, where=b != 0)
                    out[np.isinf(out)] = 0.0
                    out[np.isnan(a) | np.isnan(b)] = np.nan
                    blocks.append(out)
        return np.column_stack(blocks) if blocks else np.empty((X.shape[0], 0))

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, such as ``"a*b"``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input names; defaults to ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The output names.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        out = list(names) if self.include_original else []
        for i, j in self.pairs_:
            out += [f"{names[i]}{_OPERATIONS[op]}{names[j]}" for op in self.operations]
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
