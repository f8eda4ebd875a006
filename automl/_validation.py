"""Input checks shared by our transformers and selectors.

scikit-learn's ``validate_data`` does the heavy lifting; these helpers add
error messages that name the offending column, which scikit-learn's do not.
"""

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import FLOAT_DTYPES, validate_data


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


def infer_task(y):
    """``"classification"`` or ``"regression"``, from a validated 1-D ``y``.

    :func:`~sklearn.utils.multiclass.type_of_target` decides, with one
    exception: a floating-point ``y`` with more than two distinct values is
    regression even when every value is whole (``load_diabetes``'s target),
    which ``type_of_target`` calls ``"multiclass"``. Unknown target types
    raise ``ValueError`` with "Unknown label type" in the message.
    """
    target_type = type_of_target(y, input_name="y", raise_unknown=True)
    if target_type == "binary" or (target_type == "multiclass" and y.dtype.kind != "f"):
        return "classification"
    return "regression"  # "continuous", or whole-valued floats
