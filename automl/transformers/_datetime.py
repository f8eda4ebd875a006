"""Numeric calendar parts (year, month, ...) of datetime columns."""

import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from automl._validation import check_finite, validate_frame

ALL_PARTS = ("year", "month", "day", "dayofweek", "dayofyear", "hour", "minute", "second")
# pandas 3 deprecates ``.dt.dayofweek`` / ``.dt.dayofyear`` in favour of these.
_ACCESSOR = {"dayofweek": "day_of_week", "dayofyear": "day_of_year"}


def _part(dates, part):
    """One calendar part of a datetime Series, as float64 with NaN for NaT."""
    values = getattr(dates.dt, _ACCESSOR.get(part, part))
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _looks_numeric(column):
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return True
    if dtype == object:
        values = column.dropna()
        return len(values) > 0 and all(
            isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values
        )
    return False


def parse_datetimes(column):
    """Parse one column as datetimes; values that do not parse become NaT.

    Datetime dtypes pass through; numbers are Unix epoch seconds; anything
    else is parsed as ISO 8601 text (mixed UTC offsets are converted to UTC).
    """
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
        column.dtype
    ):
        return column
    if _looks_numeric(column):
        return pd.to_datetime(column.astype(np.float64), unit="s")
    text = column.map(lambda v: v if isinstance(v, str) or pd.isna(v) else str(v)).astype(object)
    try:
        return pd.to_datetime(text, format="ISO8601", errors="coerce")
    except ValueError:  # mixed UTC offsets
        return pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?([T ]\d{2}:\d{2}.*)?$")


def looks_like_iso_dates(column):
    """Whether every non-missing value of a text column is an ISO 8601 date."""
    values = column.dropna()
    if len(values) == 0 or not all(isinstance(v, str) and _ISO_DATE.match(v) for v in values):
        return False
    return parse_datetimes(values).notna().all()


class DatetimeFeatures(TransformerMixin, BaseEstimator):
    """Extract numeric calendar parts (year, month, day, ...) from datetime columns.

    Each input column gives one output column per part that varies in the
    training data: a column of pure dates gets no ``hour``, a single month
    gets no ``month``. Output columns are named ``<column>_<part>``, e.g.
    ``date_year``.

    Parameters
    ----------
    parts : tuple of str, default=("year", "month", "day", "dayofweek", "hour", "minute")
        The candidate parts, a subset of ``"year"``, ``"month"``, ``"day"``,
        ``"dayofweek"`` (Monday=0), ``"dayofyear"``, ``"hour"``, ``"minute"``
        and ``"second"``.

    Attributes
    ----------
    parts_ : list of tuple of str
        For each input column, the parts it outputs.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    TablePreprocessor : Encodes a whole table; uses this for datetime columns.
    pandas.Series.dt : The accessor that computes the parts.

    Notes
    -----
    Accepted columns: datetime dtypes (time-zone aware columns give local
    parts), text parsed by ``pd.to_datetime(format="ISO8601")``, and numbers,
    read as Unix epoch seconds. Text that does not parse becomes NaT, and NaT
    gives NaN in every output column, both at fit and at transform; a column
    in which no value parses at fit raises a ``ValueError`` naming it, and an
    infinite number raises one too. If no part varies in a column, its first
    part is kept so that every column gives at least one output.

    Examples
    --------
    >>> import pandas as pd
    >>> from automl.transformers._datetime import DatetimeFeatures
    >>> X = pd.DataFrame({"date": ["2024-01-31", "2024-03-01", None]})
    >>> dt = DatetimeFeatures().fit(X)
    >>> dt.get_feature_names_out().tolist()
    ['date_month', 'date_day', 'date_dayofweek']
    >>> dt.transform(X)
    array([[ 1., 31.,  2.],
           [ 3.,  1.,  4.],
           [nan, nan, nan]])
    """

    _parameter_constraints: dict = {"parts": [tuple, list]}

    def __init__(self, parts=("year", "month", "day", "dayofweek", "hour", "minute")):
        self.parts = parts

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Choose, per column, the parts that vary in ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Datetime, ISO 8601 text or epoch-seconds columns.
        y : None
            Ignored.

        Returns
        -------
        self : DatetimeFeatures
            The fitted transformer.
        """
        unknown = [p for p in self.parts if p not in ALL_PARTS]
        if unknown or len(self.parts) == 0:
            raise ValueError(
                f"DatetimeFeatures: unknown parts {unknown} in 'parts'; choose a non-empty "
                f"subset of {list(ALL_PARTS)}."
            )
        X = validate_frame(self, X, reset=True)
        self.parts_ = []
        for name in X.columns:
            dates = self._parse(X[name], name)
            if dates.notna().sum() == 0 and X[name].notna().any():
                raise ValueError(
                    f"DatetimeFeatures: no value of column {name!r} parses as a date "
                    f"(e.g. {X[name].dropna().iloc[0]!r})."
                )
            varying = tuple(p for p in self.parts if pd.Series(_part(dates, p)).nunique() > 1)
            self.parts_.append(varying or tuple(self.parts[:1]))
        return self

    def _parse(self, column, name):
        if _looks_numeric(column):
            check_finite(self, column, name)
        return parse_datetimes(column)

    def transform(self, X):
        """Compute the chosen parts; NaT and unparseable text give NaN.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Columns like those seen at fit.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            The parts, as float64.
        """
        check_is_fitted(self)
        X = validate_frame(self, X, reset=False)
        out = [
            _part(self._parse(X[name], name), part)
            for name, parts in zip(X.columns, self.parts_)
            for part in parts
        ]
        return np.column_stack(out)

    def get_feature_names_out(self, input_features=None):
        """Output names ``<column>_<part>``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input column names; defaults to ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The output names.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        return np.asarray(
            [f"{name}_{part}" for name, parts in zip(names, self.parts_) for part in parts],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags
