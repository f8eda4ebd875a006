"""A per-row out-of-distribution score, calibrated to [0, 1] on held-out training rows."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.ensemble import IsolationForest
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from automl.transformers import TablePreprocessor
from automl._validation import validate_frame


class OODDetector(BaseEstimator):
    """Score rows by how unlike the training rows they are, in [0, 1].

    The rows are encoded by a :class:`~automl.transformers.TablePreprocessor`
    (median imputation with missing indicators, one-hot or ordinal codes,
    date parts) and standardised, both fitted on a sample of at most
    ``n_reference`` rows. Then either

    - ``"knn"``: the raw score is the mean Euclidean distance to the
      ``n_neighbors`` nearest of those reference rows; or
    - ``"isolation_forest"``: scikit-learn's
      :class:`~sklearn.ensemble.IsolationForest` fitted on them, the raw
      score being ``-score_samples``.

    What this adds to scikit-learn's detectors is the calibration: a raw
    score becomes the share of held-out training rows (``n_calibration``,
    disjoint from the reference rows when there are enough; else the
    reference rows, leaving each out) that score lower, so that i.i.d. rows
    score about uniformly on [0, 1] and a row beyond every training row
    scores above ``n / (n + 1)``, approaching 1 the further out it is.

    Parameters
    ----------
    method : {"knn", "isolation_forest"}, default="knn"
        The raw score.
    n_reference : int, default=1000
        Training rows kept (encoded, as float32) for the distances and for
        adversarial validation.
    n_calibration : int, default=500
        Held-out training rows scored to calibrate.
    n_neighbors : int, default=5
        Neighbours averaged by ``"knn"``.
    categorical_columns : list of str, default=None
        Passed to the table encoder.
    random_state : int, RandomState instance or None, default=None
        Seeds the samples and the forest.

    Attributes
    ----------
    encoder_ : TablePreprocessor
        The fitted table encoder.
    scaler_ : StandardScaler
        Standardises its output.
    reference_ : ndarray of shape (n_reference_, n_encoded)
        The encoded reference rows.
    forest_ : IsolationForest or None
        The forest of ``"isolation_forest"``.
    calibration_ : ndarray
        Sorted raw scores of the calibration rows.
    n_reference_ : int
        Rows in ``reference_``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from automl.drift import OODDetector
    >>> rng = np.random.RandomState(0)
    >>> X = pd.DataFrame(rng.normal(size=(800, 3)), columns=["a", "b", "c"])
    >>> det = OODDetector(random_state=0).fit(X)
    >>> score = det.score(pd.DataFrame({"a": [0.0, 8.0], "b": [0.0, 8.0], "c": [0.0, 8.0]}))
    >>> bool(score[0] < 0.5 < 0.99 < score[1] <= 1)
    True
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"knn", "isolation_forest"})],
        "n_reference": [Interval(Integral, 2, None, closed="left")],
        "n_calibration": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "categorical_columns": [list, tuple, None],
        "random_state": ["random_state"],
    }

    def __init__(self, *, method="knn", n_reference=1000, n_calibration=500, n_neighbors=5,
                 categorical_columns=None, random_state=None):
        self.method = method
        self.n_reference = n_reference
        self.n_calibration = n_calibration
        self.n_neighbors = n_neighbors
        self.categorical_columns = categorical_columns
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Encode a sample of ``X``, fit the detector and calibrate it.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Raw training rows.
        y : None
            Ignored.

        Returns
        -------
        self : OODDetector
        """
        X = validate_frame(self, X, reset=True).reset_index(drop=True)
        seed = self.random_state if isinstance(self.random_state, Integral) else None
        order = np.random.RandomState(seed).permutation(len(X))
        ref, cal = order[:self.n_reference], order[self.n_reference:]
        cal = cal[:self.n_calibration]
        self.encoder_ = TablePreprocessor(categorical_columns=self.categorical_columns)
        Z = self.encoder_.fit_transform(X.iloc[ref])
        self.scaler_ = StandardScaler().fit(Z)
        self.reference_ = self.scaler_.transform(Z).astype(np.float32)
        self.n_reference_ = len(ref)
        self.forest_ = None
        if self.method == "isolation_forest":
            self.forest_ = IsolationForest(n_estimators=100, random_state=seed).fit(
                self.reference_)
        if len(cal) >= min(50, self.n_calibration):  # held-out rows
            raw = self._raw(self._encode(X.iloc[cal]))
        else:  # few rows: the reference rows, each left out of its own neighbours
            raw = self._raw(self.reference_, leave_one_out=True)
        self.calibration_ = np.sort(raw)
        return self

    def _encode(self, X):
        return self.scaler_.transform(self.encoder_.transform(X)).astype(np.float32)

    def _raw(self, Z, leave_one_out=False):
        if self.forest_ is not None:
            return -self.forest_.score_samples(Z)
        ref = self.reference_
        k = max(1, min(self.n_neighbors, len(ref) - int(leave_one_out)))
        # squared distances by one float32 product; the square root of the k nearest only
        d2 = (Z * Z).sum(axis=1)[:, None] + (ref * ref).sum(axis=1)[None, :] - 2 * (Z @ ref.T)
        np.maximum(d2, 0, out=d2)
        if leave_one_out:
            np.fill_diagonal(d2, np.inf)
        return np.sqrt(np.partition(d2, k - 1, axis=1)[:, :k]).mean(axis=1).astype(np.float64)

    def score(self, X):
        """Per-row score in [0, 1]; higher is less like the training rows.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        score : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_frame(self, X, reset=False).reset_index(drop=True)
        raw = np.concatenate([self._raw(self._encode(X.iloc[i:i + 2000]))
                              for i in range(0, len(X), 2000)])
        return calibrated(raw, self.calibration_)

    def encode(self, X):
        """``X`` in the detector's encoded space (as ``reference_``)."""
        check_is_fitted(self)
        return self._encode(validate_frame(self, X, reset=False).reset_index(drop=True))


def calibrated(raw, calibration):
    """Map raw scores to [0, 1] by the sorted raw scores of held-out rows.

    Within their range, the share of them at or below; beyond their
    maximum, ``1 - (1 - n / (n + 1)) * max / raw``, approaching 1.

    Examples
    --------
    >>> calibrated(np.array([0.0, 2.0, 4.0, 8.0]), np.array([1.0, 2.0, 3.0, 4.0])).round(3)
    array([0. , 0.4, 0.8, 0.9])
    """
    n = len(calibration)
    top = calibration[-1]
    inside = np.searchsorted(calibration, raw, side="right") / (n + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        beyond = 1.0 - (1.0 / (n + 1)) * np.where(raw > 0, top / raw, 1.0)
    return np.clip(np.where(raw > top, beyond, inside), 0.0, 1.0)
