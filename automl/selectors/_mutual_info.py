"""Mutual-information feature selection for classification and regression."""

from functools import partial
from numbers import Integral

import numpy as np
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_random_state

from automl._task import target_kind
from automl.selectors._kbest import _KBestSelector


class MutualInfoSelector(_KBestSelector):
    """Keep the ``k`` features sharing the most mutual information with ``y``.

    What scikit-learn lacks: ``SelectKBest(mutual_info_classif)`` needs the
    task chosen by hand, a ``functools.partial`` to pass ``n_neighbors`` and
    ``random_state`` (and is then not searchable by parameter), has no
    fractional ``k`` and can keep zero features. This selector picks
    :func:`~sklearn.feature_selection.mutual_info_classif` or
    :func:`~sklearn.feature_selection.mutual_info_regression` from ``task``,
    exposes their parameters, accepts ``k`` as a fraction and always keeps at
    least one feature.

    Parameters
    ----------
    k : int, float or "all", default=10
        Number of features to keep. An int keeps ``min(k, n_features)``
        features (a ``k`` above the number of features keeps them all, without
        error); a float in ``(0, 1]`` keeps that fraction of the features,
        rounded down but at least one; ``"all"`` keeps every feature.
    task : {"auto", "classification", "regression"}, default="auto"
        Which estimator of mutual information to use. ``"auto"`` is the
        package's rule (:func:`automl._task.detect_task`): strings, booleans
        and categoricals are classes; numbers with a fractional part are
        regression; whole numbers (of any dtype) are classes when they take
        two values or at most 20 values seen ten times each on average, else
        regression (``load_diabetes``'s target, counts, prices in whole
        units). Set ``task="classification"`` for an integer label with many
        classes, ``task="regression"`` for a count with few values.
    n_neighbors : int, default=3
        Number of neighbors of the nearest-neighbor estimate of mutual
        information; passed to scikit-learn's function.
    random_state : int, RandomState instance or None, default=None
        Seed of the small noise scikit-learn adds to continuous columns. An
        int makes the selection reproducible.

    Attributes
    ----------
    task_ : {"classification", "regression"}
        The task used, resolved from ``task``.
    scores_ : ndarray of shape (n_features_in_,)
        Estimated mutual information (in nats) of each column with ``y``.
    pvalues_ : None
        Mutual information has no p-values; kept for symmetry with
        :class:`Chi2Selector`.
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
    Chi2Selector : Chi-squared selection, for classification only.
    sklearn.feature_selection.SelectKBest : The selector reused here.
    sklearn.feature_selection.mutual_info_regression : The regression score.
    sklearn.feature_selection.mutual_info_classif : The classification score.

    Notes
    -----
    All columns are treated as continuous (scikit-learn's default for dense
    input). Mutual information captures non-linear dependence that
    correlation-based scores miss, but its estimate is noisy on small
    samples: regression needs more samples than ``n_neighbors`` and
    classification a class with at least two samples, else ``fit`` raises
    ``ValueError``. Missing and infinite values raise an error naming the
    column.

    Examples
    --------
    >>> import numpy as np
    >>> from automl.selectors import MutualInfoSelector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = X[:, 2] ** 2  # non-linear in column 2 only
    >>> selector = MutualInfoSelector(k=1, random_state=0).fit(X, y)
    >>> selector.task_
    'regression'
    >>> selector.get_support(indices=True)
    array([2])
    >>> selector.transform(X).shape
    (200, 1)
    """

    _parameter_constraints: dict = {
        **_KBestSelector._parameter_constraints,
        "task": [StrOptions({"auto", "classification", "regression"})],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, k=10, *, task="auto", n_neighbors=3, random_state=None):
        self.k = k
        self.task = task
        self.n_neighbors = n_neighbors
        self.random_state = random_state

    def _scoring(self, X, y):
        self.task_ = target_kind(y) if self.task == "auto" else self.task
        n_samples = X.shape[0]
        if self.task_ == "regression" and n_samples <= self.n_neighbors:
            raise ValueError(
                f"{type(self).__name__} needs more samples than n_neighbors="
                f"{self.n_neighbors} to estimate mutual information for regression; "
                f"got n_samples={n_samples}."
            )
        if self.task_ == "classification":
            check_classification_targets(y)
            if np.unique(y, return_counts=True)[1].max() < 2:
                raise ValueError(
                    f"{type(self).__name__} needs a class with at least 2 samples to "
                    f"estimate mutual information; got n_samples={n_samples}, each in "
                    "its own class."
                )
        mutual_info = (
            mutual_info_classif if self.task_ == "classification" else mutual_info_regression
        )
        score_func = partial(
            mutual_info,
            n_neighbors=self.n_neighbors,
            random_state=check_random_state(self.random_state),
        )
        return X, score_func
