"""Input checks: the one home of validation, for the parts and the estimators.

scikit-learn's ``validate_data`` does the heavy lifting; these helpers add
error messages that name the offending column, which scikit-learn's do not.
Numeric input for the transformers and selectors (:func:`validate_numeric`),
tables of any dtypes (:func:`validate_frame`), and what
:class:`~automl.AutoPipeline` accepts at ``fit`` and predict time
(:func:`check_fit_input`, :func:`check_predict_input`).
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.utils.validation import (
    FLOAT_DTYPES,
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)


def column_label(estimator, index):
    """Return a readable label for column ``index`` of the fitted input."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None and index < len(names):
        return repr(str(names[index]))
    return f"at index {index}"


def _reject_non_numeric_columns(estimator, X):
    if not isinstance(X, pd.DataFrame):
        return
    bad = [
        str(col)
        for col, dtype in X.dtypes.items()
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
    ]
    if bad:
        raise TypeError(
            f"{type(estimator).__name__} needs numeric input, but column(s) "
            f"{bad} are not numeric (dtypes: "
            f"{[str(X[c].dtype) for c in bad]}). Encode them first, for "
            "example with automl.transformers.TablePreprocessor."
        )


def validate_numeric(estimator, X, *, reset, allow_nan=True, y=None):
    """Validate ``X`` as a 2-D float array, naming the column at fault.

    Parameters
    ----------
    estimator : estimator instance
        The estimator whose ``n_features_in_`` / ``feature_names_in_`` are
        set (``reset=True``) or checked (``reset=False``).
    X : array-like of shape (n_samples, n_features)
        Input data.
    reset : bool
        True in ``fit``; False afterwards.
    allow_nan : bool, default=True
        Whether missing values are allowed. Infinite values never are.
    y : array-like, default=None
        When given, validated with ``X`` and returned as well.

    Returns
    -------
    X : ndarray of float
    y : ndarray, only when ``y`` is given
    """
    _reject_non_numeric_columns(estimator, X)
    kwargs = dict(reset=reset, dtype=FLOAT_DTYPES, ensure_all_finite=False)
    if y is None:
        X = validate_data(estimator, X, **kwargs)
    else:
        X, y = validate_data(estimator, X, y, y_numeric=False, **kwargs)
    with np.errstate(invalid="ignore"):
        inf_cols = np.flatnonzero(np.isinf(X).any(axis=0))
    if inf_cols.size:
        raise ValueError(
            f"Input X contains infinity in column {column_label(estimator, inf_cols[0])}"
            f" ({inf_cols.size} column(s) in all). Replace infinite values first."
        )
    nan_mask = np.isnan(X)
    if not allow_nan and nan_mask.any():
        col = np.flatnonzero(nan_mask.any(axis=0))[0]
        raise ValueError(
            f"Input X contains NaN in column {column_label(estimator, col)}; "
            f"{type(estimator).__name__} does not accept missing values. Impute "
            "them first, for example with sklearn.impute.SimpleImputer."
        )
    if reset and X.shape[0] > 0:
        all_nan = np.flatnonzero(nan_mask.all(axis=0))
        if all_nan.size:
            raise ValueError(
                f"Column {column_label(estimator, all_nan[0])} is entirely NaN; "
                f"{type(estimator).__name__} cannot learn from it. Drop it first "
                "(TablePreprocessor drops all-missing columns)."
            )
    return X if y is None else (X, y)


def validate_frame(estimator, X, *, reset):
    """Validate ``X`` like ``validate_data`` and return it as a DataFrame.

    DataFrames keep their dtypes (string, category, datetime, ...); other
    input goes through ``check_array(dtype=None)`` and gets the column names
    ``x0, x1, ...``. Column names always come back as strings. A DataFrame
    whose columns differ from those seen at fit raises a ``ValueError`` that
    names the missing and unexpected columns.
    """
    name = type(estimator).__name__
    if isinstance(X, pd.DataFrame):
        try:
            validate_data(estimator, X, skip_check_array=True, reset=reset)
        except ValueError as exc:
            raise ValueError(_column_diff(estimator, X) + str(exc)) from None
        if X.shape[0] == 0:
            raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}); {name} needs data.")
        if X.shape[1] == 0:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={X.shape}); {name} needs columns."
            )
        names = getattr(estimator, "feature_names_in_", None)
        if names is None:
            names = [f"x{i}" for i in range(X.shape[1])]
        return X.set_axis([str(c) for c in names], axis=1)
    X = validate_data(estimator, X, dtype=None, ensure_all_finite=False, reset=reset)
    names = getattr(estimator, "feature_names_in_", None)  # fitted on a DataFrame
    if names is None:
        names = [f"x{i}" for i in range(X.shape[1])]
    if X.dtype != object:  # one block: no pandas operation per column
        return pd.DataFrame(X, columns=[str(n) for n in names], index=pd.RangeIndex(X.shape[0]))
    columns = {str(name): _column(X[:, i]) for i, name in enumerate(names)}
    return pd.DataFrame(columns, index=pd.RangeIndex(X.shape[0]))


def _column(values):
    # pandas 3 would turn an object array of strings into the "str" dtype;
    # keep object so that mixed columns (numbers and strings) stay intact.
    if values.dtype == object:
        return pd.Series(values, dtype=object)
    return pd.Series(values)


def _column_diff(estimator, X):
    seen = getattr(estimator, "feature_names_in_", None)
    if seen is None:
        return ""
    now = [str(c) for c in X.columns]
    missing = [c for c in seen if c not in set(now)]
    unexpected = [c for c in now if c not in set(seen)]
    parts = []
    if missing:
        parts.append(f"Columns missing at transform time: {missing}.")
    if unexpected:
        parts.append(f"Unexpected columns at transform time: {unexpected}.")
    return " ".join(parts) + "\n" if parts else ""


def check_finite(estimator, column, name):
    """Raise a ``ValueError`` naming column ``name`` if it holds infinity."""
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(
            f"{type(estimator).__name__}: column {name!r} contains infinite values "
            "(inf). Replace them, e.g. by NaN, first."
        )
    return values


def check_fit_input(estimator, X, y, groups=None, time_column=None):
    """Validate ``fit``'s input of :class:`~automl.AutoPipeline`: ``(X, y, groups)``.

    ``X`` comes back as a DataFrame copy with string column names (``x0,
    x1, ...`` for arrays), infinite values as missing (with a warning) and
    ``n_features_in_`` / ``feature_names_in_`` set on ``estimator``; ``y`` as
    a 1-D array. Errors name what is wrong: no or sparse input, empty or
    duplicated columns, lengths that differ, a target with missing values or
    mixed types, ``groups`` of another length, a ``time_column`` not in ``X``.
    """
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )
    if hasattr(X, "toarray"):
        raise TypeError("Sparse X is not supported; pass a dense array or a DataFrame.")
    if isinstance(X, pd.DataFrame):
        if X.shape[1] == 0 or X.shape[0] == 0:
            raise ValueError(f"X is empty: found a DataFrame of shape {X.shape}; at "
                             "least 1 sample and 1 feature are required.")
        duplicated = X.columns[X.columns.duplicated()].unique().tolist()
        if duplicated:
            raise ValueError(f"X has duplicated column names: {duplicated}.")
    else:
        # scikit-learn's own messages: "Expected 2D array ... Reshape your data",
        # "Found array with 0 sample(s)", ...
        X = check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
    validate_data(estimator, X, skip_check_array=True, reset=True)
    X = as_frame(X)
    y = column_or_1d(y.to_numpy() if hasattr(y, "to_numpy") else y, warn=True)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must match.")
    check_target_types(y)
    if y.dtype == object:  # numbers held as Python objects: their own dtype
        y = pd.Series(y).infer_objects().to_numpy()
    missing = pd.isna(y)
    if missing.any():
        raise ValueError(
            f"The target y has {int(missing.sum())} missing value(s) (first at row "
            f"{int(np.flatnonzero(missing)[0])}); drop or fill those rows first."
        )
    if len(y) < 2:
        raise ValueError(f"{type(estimator).__name__} needs at least 2 samples to "
                         f"cross-validate; got n_samples = {len(y)}.")
    if groups is not None:
        groups = np.asarray(groups)
        if len(groups) != len(y):
            raise ValueError(f"groups has {len(groups)} entries but y has {len(y)}.")
    if time_column is not None and time_column not in X.columns:
        raise ValueError(f"time_column={time_column!r} is not a column of X.")
    X = clean_columns(X)
    return X, y, groups


def check_predict_input(estimator, X):
    """Validate the input of a fitted :class:`~automl.AutoPipeline`'s predict methods.

    The columns seen at fit, in their order (missing ones raise a
    ``ValueError`` naming them; extra ones are dropped with a warning), as a
    DataFrame with infinite values as missing.
    """
    check_is_fitted(estimator)
    names = getattr(estimator, "feature_names_in_", None)
    if isinstance(X, pd.DataFrame) and names is not None:
        expected = list(names)
        missing = [c for c in expected if c not in X.columns]
        if missing:
            raise ValueError(f"Columns missing at predict time: {missing}.")
        extra = [c for c in X.columns if c not in expected]
        if extra:
            warnings.warn(f"Ignoring columns not seen during fit: {extra}.", UserWarning,
                          stacklevel=3)
        X = X[expected]
    elif not isinstance(X, pd.DataFrame):
        X = check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
    validate_data(estimator, X, skip_check_array=True, reset=False)
    return clean_columns(as_frame(X), warn=False)


def check_target_types(y):
    """A ``ValueError`` for a target that mixes numbers and strings (e.g. ``1`` and ``'1'``)."""
    if y.dtype != object:
        return
    kinds = {}
    for value in y:
        if isinstance(value, (str, bytes)):
            kinds.setdefault("str", value)
        elif isinstance(value, (bool, np.bool_)):
            kinds.setdefault("bool", value)
        elif isinstance(value, (int, float, np.number)) and not pd.isna(value):
            kinds.setdefault("number", value)
    if len(kinds) > 1:
        examples = ", ".join(f"{kind} {value!r}" for kind, value in kinds.items())
        raise ValueError(
            f"The target y mixes types ({examples}): convert it to one type first, "
            "e.g. y.astype(str) for labels or pd.to_numeric(y) for numbers."
        )


def as_frame(X):
    """A copy of ``X`` as a DataFrame with string column names (x0, x1, ... for arrays)."""
    if isinstance(X, pd.DataFrame):
        X = X.copy()
        X.columns = [str(c) for c in X.columns]
        return X
    arr = np.asarray(X)
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def clean_columns(X, warn=True):
    """Infinite values become missing; entirely missing columns are reported."""
    numeric = X.select_dtypes(include="number")
    if numeric.shape[1]:
        inf_cols = numeric.columns[np.isinf(numeric.to_numpy(dtype=float)).any(axis=0)].tolist()
        if inf_cols:
            if warn:
                warnings.warn(f"Columns {inf_cols} contain infinite values; they are treated "
                              "as missing.", UserWarning, stacklevel=4)
            X[inf_cols] = X[inf_cols].replace([np.inf, -np.inf], np.nan)
    if warn:
        empty = X.columns[X.isna().all()].tolist()
        if empty:
            warnings.warn(f"Columns {empty} are entirely missing and are ignored.", UserWarning,
                          stacklevel=4)
    return X
