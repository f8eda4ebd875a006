"""Permutation importance of each input column, through the whole fitted model."""

import warnings

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from automl._metrics import score_predictions
from automl._task import is_classification
from automl.insight._data import (
    NEEDS_DATA,
    as_frame,
    label_codes,
    metric_scorer,
    model_input,
    subsample,
)

# Rows the permutations are scored on by default: enough for a stable ranking,
# few enough that 100,000 rows take seconds (each repeat predicts them once
# per column).
MAX_ROWS = 10_000


def feature_importances(model, X=None, y=None, *, n_repeats=5, random_state=None,
                        max_rows=MAX_ROWS, training=False):
    """Permutation importance of each input column of a fitted AutoPipeline.

    Each column the user gave (never an encoded or generated one) is
    shuffled in turn and the rows are predicted again by the whole model,
    preprocessing included; the importance is how much the search metric
    drops. This is scikit-learn's
    :func:`~sklearn.inspection.permutation_importance` run with the search
    metric on the model's public ``predict_proba`` / ``predict``; what this
    adds is the metric (class codes, the metric's own options), the
    subsampling of large tables and a ranked table named by input column.

    Parameters
    ----------
    model : fitted AutoPipeline
    X : DataFrame or array-like of shape (n_samples, n_features)
        Labelled rows, ideally not used in training.
    y : array-like of shape (n_samples,)
    n_repeats : int, default=5
        Shuffles per column.
    random_state : int, default=None
        Seed of the subsample and the shuffles; None means 0.
    max_rows : int or None, default=10_000
        Score on a random subsample of this many rows (None: all rows).
    training : bool, default=False
        ``X, y`` are the training rows: accepted, but the model has seen
        them, so the importances say what the model relies on rather than
        what generalises (noted in ``attrs["note"]``).

    Returns
    -------
    importances : pandas.DataFrame
        One row per input column, most important first: ``column``,
        ``importance`` (mean drop of the metric), ``std`` (over repeats),
        ``rank`` (1 is the most important). ``attrs`` holds ``metric``,
        ``n_rows``, ``n_repeats`` and ``note``.

    Raises
    ------
    ValueError
        Without ``X`` and ``y``: permutations need rows to predict.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from automl import AutoPipeline
    >>> from automl.insight import feature_importances
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"signal": rng.normal(size=300), "noise": rng.normal(size=300)})
    >>> y = 3 * X["signal"] + rng.normal(scale=0.1, size=300)
    >>> model = AutoPipeline(time_budget=20, max_trials=1, models=["linear_regression"],
    ...                      random_state=0).fit(X, y)
    >>> feature_importances(model, X, y, random_state=0)["column"].tolist()
    ['signal', 'noise']
    """
    if X is None or y is None:
        raise ValueError(NEEDS_DATA.format(what="feature_importances"))
    frame = as_frame(model, X)
    y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y).ravel()
    if len(y) != len(frame):
        raise ValueError(f"X has {len(frame)} rows but y has {len(y)}; they must match.")
    seed = 0 if random_state is None else random_state
    rows = subsample(len(frame), max_rows, seed)
    frame, y = frame.iloc[rows], y[rows]
    name, scoring, y_scored = _scoring(model, y)
    with warnings.catch_warnings():  # shuffled columns are meant to look drifted
        warnings.simplefilter("ignore")
        result = permutation_importance(model, model_input(model, frame), y_scored,
                                        scoring=scoring, n_repeats=n_repeats,
                                        random_state=seed)
    table = pd.DataFrame({"column": [str(c) for c in frame.columns],
                          "importance": result.importances_mean,
                          "std": result.importances_std})
    table = table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    note = f"drop of {name} when the column is shuffled, {n_repeats} repeats"
    if len(rows) < len(X):
        note += f", on a random {len(rows):,} of {len(X):,} rows"
    if training:
        note += "; on training rows the model has seen: what it relies on, not what generalises"
    table.attrs.update(metric=name, n_rows=len(rows), n_repeats=n_repeats, note=note)
    return table


def _scoring(model, y):
    """``(metric name, scorer(estimator, X, y), y as that scorer wants it)``."""
    name, scorer = metric_scorer(model)
    classification = is_classification(model.task_)
    if callable(getattr(model, "metric", None)):
        return name, scorer, y  # the user's own scorer: raw labels, the model itself
    classes = np.arange(len(model.classes_)) if classification else None

    def score(estimator, X, y_true):
        prediction = estimator.predict_proba(X) if classification else estimator.predict(X)
        return score_predictions(scorer, model.task_, y_true, prediction, classes)

    return name, score, label_codes(model, y) if classification else y.astype(float)
