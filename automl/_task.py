"""Which kind of supervised task a target describes."""

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

TASKS = ("binary", "multiclass", "regression")


def is_classification(task):
    """True for ``"binary"`` and ``"multiclass"``."""
    return task in ("binary", "multiclass")


def detect_task(y, task="auto"):
    """Return ``"binary"``, ``"multiclass"`` or ``"regression"`` for target ``y``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The target, without missing values.
    task : {"auto", "binary", "multiclass", "regression"}, default="auto"
        ``"auto"`` infers it: strings, booleans and categoricals are
        classification; numbers with a fractional part are regression;
        whole numbers (of any dtype) are classification when they take two
        values, or at most 20 distinct values seen on average ten times
        each (any three values on fewer than 30 rows), and regression
        otherwise. The one rule of this package: the selectors
        and interaction features that infer the kind of target use it too
        (:func:`target_kind`).

    Returns
    -------
    task : str
        The task. A stated classification task is checked against the number
        of classes (``"binary"`` needs exactly two).

    Examples
    --------
    >>> from automl._task import detect_task
    >>> detect_task(["a", "b", "a"]), detect_task([0.5, 1.2, 3.3])
    ('binary', 'regression')
    """
    y = pd.Series(np.asarray(y) if not isinstance(y, pd.Series) else y)
    n_unique = y.nunique()
    if y.dtype == object and all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)) for v in y
    ):
        y = y.astype(np.float64)  # numbers stored as Python objects
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
            raise ValueError(
                f"task='regression' needs a numeric target; y has dtype {y.dtype} "
                f"(values such as {y.iloc[0]!r})."
            )
        if n_unique < 2:
            raise ValueError("The target y is constant: there is nothing to learn.")
        return task
    if n_unique < 2:
        raise ValueError(
            f"The target y has one class only ({y.iloc[0]!r}): a classifier needs at "
            "least two classes."
        )
    if task == "binary" and n_unique != 2:
        raise ValueError(f"task='binary' but y has {n_unique} classes.")
    if task in ("binary", "multiclass"):
        return task
    if task != "auto":
        raise ValueError(
            f"The 'task' parameter must be one of 'auto', {', '.join(map(repr, TASKS))}; "
            f"got {task!r}."
        )
    numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    if numeric:
        values = y.to_numpy(dtype=float)
        whole = np.all(np.mod(values, 1) == 0)
        few = n_unique <= 20 and n_unique <= max(3, len(y) / 10)
        if not whole or not (few or n_unique == 2):
            return "regression"
    kind = type_of_target(y.to_numpy())
    if kind in ("binary", "multiclass"):
        return "binary" if n_unique == 2 else "multiclass"
    raise ValueError(
        f"Unknown label type: cannot infer the task from a target of type {kind!r}; set 'task'."
    )


def target_kind(y):
    """``"classification"`` or ``"regression"`` for ``y``, by :func:`detect_task`'s rule.

    For the parts (selectors, interaction features) that only need the kind
    of target: the one rule of this package, so that a selector inside a
    pipeline and :class:`~automl.AutoPipeline` around it agree. A target
    with fewer than two values, which :func:`detect_task` rejects, is
    classification unless its values are fractional.

    Examples
    --------
    >>> from automl._task import target_kind
    >>> target_kind([0, 1] * 10), target_kind(list(range(50)) * 20), target_kind([0.5, 0.5])
    ('classification', 'regression', 'regression')
    """
    values = pd.Series(np.asarray(y))
    if values.nunique() < 2:
        kind = type_of_target(values.to_numpy(), input_name="y", raise_unknown=True)
        return "regression" if kind == "continuous" else "classification"
    return "classification" if is_classification(detect_task(values)) else "regression"


def task_decision(y, task, name=None):
    """One line saying which task an integer target was taken for, or None.

    Only a whole-number target with more than two values is ambiguous (an
    exam score of 0-10 may be classes or a quantity): the line names the
    target, its number of values, the task chosen and the parameter that
    changes it.

    Examples
    --------
    >>> from automl._task import task_decision
    >>> print(task_decision([0, 1, 2, 3] * 30, "multiclass", name="grade"))
    The target 'grade' has 4 distinct whole-number values: taken as a multiclass
    classification (at most 20 values, ten rows each on average, are classes); pass
    task='regression' to predict it as a number.
    >>> task_decision(["a", "b", "c"], "multiclass") is None
    True
    """
    y = pd.Series(np.asarray(y))
    if y.dtype == object or not pd.api.types.is_numeric_dtype(y) or \
            pd.api.types.is_bool_dtype(y):
        return None
    values = y.to_numpy(dtype=float)
    n_unique = y.nunique()
    if n_unique <= 2 or not np.all(np.mod(values, 1) == 0):
        return None
    target = "y" if name is None else repr(str(name))
    if task == "regression":
        chosen, other = "a regression", "task='multiclass' to treat its values as classes"
    else:
        chosen, other = f"a {task} classification", "task='regression' to predict it as a number"
    return (f"The target {target} has {n_unique} distinct whole-number values: taken as "
            f"{chosen} (at most 20 values, ten rows each on average, are classes); pass "
            f"{other}.")
