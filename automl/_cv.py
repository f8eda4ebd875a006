"""Choosing the cross-validation scheme for a task and a data size."""

from numbers import Integral

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    RepeatedKFold,
    RepeatedStratifiedKFold,
    ShuffleSplit,
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
    TimeSeriesSplit,
    check_cv,
)

from automl._task import is_classification


def default_n_splits(n_samples, max_fits=None):
    """Folds and repeats for ``cv="auto"``: more on small data, fewer on large.

    Returns ``(n_splits, n_repeats)``; ``n_splits == 1`` means one 80/20 holdout.
    ``max_fits``, when given, is the most fits one candidate can afford:
    repeats go first, then folds, down to 3 folds.

    Examples
    --------
    >>> from automl._cv import default_n_splits
    >>> default_n_splits(500), default_n_splits(500, max_fits=6), default_n_splits(500, max_fits=1)
    ((5, 3), (5, 1), (3, 1))
    """
    if n_samples < 1_000:
        n_splits, n_repeats = 5, 3
    elif n_samples < 10_000:
        n_splits, n_repeats = 5, 1
    elif n_samples < 50_000:
        n_splits, n_repeats = 3, 1
    else:
        return 1, 1
    if max_fits is not None:
        while n_repeats > 1 and n_splits * n_repeats > max_fits:
            n_repeats -= 1
        if n_splits * n_repeats > max_fits:
            n_splits = 3
    return n_splits, n_repeats


def default_time_splits(n_samples, max_fits=None):
    """Expanding-window folds for time-ordered rows under ``cv="auto"``.

    Five (``TimeSeriesSplit``'s own default) up to 50,000 rows, three above.
    Fold ``i`` of ``n`` trains on ``i / (n + 1)`` of the rows, so all folds
    together cost ``n / 2`` fits on the whole table: five cost 2.5, less
    than the 4 of the 5-fold k-fold used on data of that size without a time
    order. Three folds validate on quarters of the rows, and their mean
    ranked models unlike the later test period on the suite's time-ordered
    data; five agreed better on two of three (Spearman correlation with the
    test scores of twelve models, three folds -> five: electricity 0.43 ->
    0.78, nlswork 0.40 -> 0.74, bike_sharing_hourly 0.90 -> 0.85;
    ``benchmarks/cv_rank_agreement.py``). With ``max_fits`` below five
    (see :func:`default_n_splits`), three.
    """
    if n_samples >= 50_000 or (max_fits is not None and max_fits < 5):
        return 3
    return 5


def make_cv(task, cv, y, *, groups=None, time_order=None, random_state=0, max_fits=None):
    """Return a list of ``(train, test)`` index arrays and a description.

    Parameters
    ----------
    task : {"binary", "multiclass", "regression"}
    cv : "auto", "time", int or splitter, default="auto"
        ``"auto"``: stratified k-fold for classification, k-fold for regression
        (repeated on small data, a holdout on very large data); group k-fold
        when ``groups`` is given (stratified for classification; with
        ``time_order`` too, time-ordered folds whose training rows share no
        group with their validation rows, see :func:`keep_groups_apart`);
        ``TimeSeriesSplit`` when ``time_order`` is given (see
        :func:`default_time_splits`). ``"time"``: ``TimeSeriesSplit`` on the
        rows in ``time_order`` (or their given order). An int sets the number
        of folds of the automatic choice. Any scikit-learn splitter is used as
        it is; with ``time_order`` it sees the rows in time order (so that
        ``TimeSeriesSplit(gap=...)`` trains on the past). Explicit
        ``(train, test)`` index pairs are row positions and are kept.
    y : ndarray of shape (n_samples,)
        The target; stratified splitters use it.
    groups : array-like of shape (n_samples,), default=None
    time_order : ndarray of int, default=None
        Row indices sorted by time.
    random_state : int, default=0
    max_fits : int, default=None
        With ``"auto"``, the most fits one candidate can afford (see
        :func:`default_n_splits`); no limit when None.

    Returns
    -------
    folds : list of (ndarray, ndarray)
    description : str

    Examples
    --------
    >>> import numpy as np
    >>> from automl._cv import make_cv
    >>> folds, text = make_cv("regression", 4, np.arange(20.0))
    >>> len(folds), text
    (4, 'KFold(n_splits=4)')
    """
    classification = is_classification(task)
    n_samples = len(y)
    X_dummy = np.zeros((n_samples, 1))
    if not isinstance(cv, (str, Integral)) or isinstance(cv, bool):
        splitter = check_cv(cv)
        if time_order is None or not hasattr(cv, "split"):
            return _split(splitter, X_dummy, y, groups), type(splitter).__name__
        order = np.asarray(time_order)
        groups_in_order = None if groups is None else np.asarray(groups)[order]
        folds = _split(splitter, X_dummy, np.asarray(y)[order], groups_in_order)
        return [(order[tr], order[te]) for tr, te in folds], type(splitter).__name__
    if isinstance(cv, str) and cv not in ("auto", "time"):
        raise ValueError(f"The 'cv' parameter must be 'auto', 'time', an int or a splitter; got {cv!r}.")
    if isinstance(cv, Integral) and cv < 2:
        raise ValueError(f"The 'cv' parameter must be at least 2 folds; got {cv}.")
    n_splits, n_repeats = default_n_splits(n_samples, max_fits)
    if isinstance(cv, Integral):
        n_splits, n_repeats = int(cv), 1
    if is_time_ordered(cv, time_order):
        order = np.arange(n_samples) if time_order is None else np.asarray(time_order)
        if not isinstance(cv, Integral):
            n_splits = default_time_splits(n_samples, max_fits)
        splitter = TimeSeriesSplit(n_splits=n_splits)
        folds = [(order[tr], order[te]) for tr, te in splitter.split(order)]
        if groups is not None:
            return (keep_groups_apart(folds, groups),
                    f"TimeSeriesSplit(n_splits={splitter.n_splits}, groups kept apart)")
        return folds, f"TimeSeriesSplit(n_splits={splitter.n_splits})"
    if groups is not None:
        n_groups = len(np.unique(groups))
        k = min(max(n_splits, 3), n_groups)
        if k < 2:
            raise ValueError("Group cross-validation needs at least 2 distinct groups.")
        if classification:
            splitter = StratifiedGroupKFold(k, shuffle=True, random_state=random_state)
        else:
            splitter = GroupKFold(k)
        return _split(splitter, X_dummy, y, groups), f"{type(splitter).__name__}(n_splits={k})"
    if n_splits == 1:
        cls = StratifiedShuffleSplit if classification else ShuffleSplit
        splitter = cls(n_splits=1, test_size=0.2, random_state=random_state)
    elif n_repeats > 1:
        cls = RepeatedStratifiedKFold if classification else RepeatedKFold
        splitter = cls(n_splits=n_splits, n_repeats=n_repeats, random_state=random_state)
    else:
        cls = StratifiedKFold if classification else KFold
        splitter = cls(n_splits=n_splits, shuffle=True, random_state=random_state)
    return _split(splitter, X_dummy, y, groups), _describe(splitter)


def is_time_ordered(cv, time_order=None):
    """Whether :func:`make_cv` with ``cv`` and ``time_order`` gives time-ordered folds.

    That is ``TimeSeriesSplit`` folds: ``cv="time"``, ``"auto"`` or an int
    with a ``time_order``, or a ``TimeSeriesSplit`` given as the splitter.
    The search reads it (``SearchContext.time_ordered``): boosters then
    validate early stopping on the latest rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import KFold, TimeSeriesSplit
    >>> from automl._cv import is_time_ordered
    >>> is_time_ordered("auto"), is_time_ordered("auto", np.arange(5)), is_time_ordered("time")
    (False, True, True)
    >>> is_time_ordered(TimeSeriesSplit(3)), is_time_ordered(KFold(3), np.arange(5))
    (True, False)
    """
    if isinstance(cv, TimeSeriesSplit):
        return True
    if not isinstance(cv, (str, Integral)) or isinstance(cv, bool):
        return False
    return cv == "time" or time_order is not None


def keep_groups_apart(folds, groups):
    """Time-ordered folds whose training rows share no group with their validation rows.

    Each fold still trains on the past only; the past rows of a group that
    is being validated are dropped from that fold's training rows. A fold
    left with no training row raises ``ValueError`` (groups spanning the
    whole time range cannot be kept apart in time-ordered folds).

    Examples
    --------
    >>> import numpy as np
    >>> from automl._cv import keep_groups_apart
    >>> folds = [(np.array([0, 1]), np.array([2, 3]))]
    >>> [(tr.tolist(), te.tolist()) for tr, te in keep_groups_apart(folds, ["a", "b", "b", "c"])]
    [([0], [2, 3])]
    """
    groups = np.asarray(groups)
    kept = []
    for i, (train, test) in enumerate(folds):
        train = train[~np.isin(groups[train], np.unique(groups[test]))]
        if len(train) == 0:
            raise ValueError(
                f"groups with time_column: in time-ordered fold {i + 1} of {len(folds)} every "
                "earlier row shares a group with the rows validated; the groups span the time "
                "range. Pass only one of groups and time_column.")
        kept.append((train, test))
    return kept


def _describe(splitter):
    n = getattr(splitter, "n_splits", None) or splitter.cvargs["n_splits"]
    reps = getattr(splitter, "n_repeats", None)
    extra = f", n_repeats={reps}" if reps else ""
    return f"{type(splitter).__name__}(n_splits={n}{extra})"


def _split(splitter, X, y, groups):
    return list(splitter.split(X, y, groups))
