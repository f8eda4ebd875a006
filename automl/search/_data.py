"""What the search hands its workers: the training table, its folds and its preprocessor."""

from dataclasses import dataclass

import joblib

_DATA_CACHE = {}


@dataclass
class SearchData:
    """The data every candidate of a search is cross-validated on.

    Written once by the driver (:meth:`dump`) and read once per worker
    process (:func:`load_data`); scattered as it is to Dask workers.

    Attributes
    ----------
    X : DataFrame of shape (n_samples, n_features)
        The training rows, validated.
    y : ndarray of shape (n_samples,)
        The target (class labels, or float64 for regression).
    folds : list of (train, test) index arrays
        The search's cross-validation folds.
    classes : ndarray or None
        The sorted class labels; None for regression.
    table : TablePreprocessor
        The unfitted table preprocessor every candidate starts with.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from automl.search._data import SearchData
    >>> data = SearchData(pd.DataFrame({"a": [1, 2, 3, 4]}), np.array([0, 1, 0, 1]),
    ...                   [(np.array([0, 1]), np.array([2, 3]))], np.array([0, 1]), None)
    >>> data.n_samples
    4
    """

    X: object
    y: object
    folds: list
    classes: object
    table: object

    @property
    def n_samples(self):
        return len(self.y)

    def dump(self, path):
        """Write the data to ``path`` (joblib) for the worker processes."""
        joblib.dump(self, path)
        return path


def load_data(source):
    """The :class:`SearchData` at ``source``, loaded once per process.

    ``source`` is a path written by :meth:`SearchData.dump`, or the data
    itself (as Dask hands over scattered data, or a caller in this process).
    """
    if isinstance(source, SearchData):
        return source
    if source not in _DATA_CACHE:
        _DATA_CACHE.clear()
        _DATA_CACHE[source] = joblib.load(source)
    return _DATA_CACHE[source]
