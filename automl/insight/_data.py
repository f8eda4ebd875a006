"""What every insight needs from a fitted model and a table: rows, labels, predictions.

The functions here read only the public attributes of a fitted
:class:`~automl.AutoPipeline` (``task_``, ``classes_``, ``metric``,
``metric_``, ``feature_names_in_``, ``oof_predictions_``) and call its public
``predict`` / ``predict_proba``, so that they work on a model loaded from a
file as well as on one just fitted.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from automl._metrics import resolve_scorer, score_predictions
from automl._task import is_classification

NEEDS_DATA = ("{what} needs data: pass X and y (a held-out set; or the training rows "
              "with training=True, scored with the out-of-fold predictions). The "
              "model does not keep its training table.")


@dataclass
class Scored:
    """Rows of a table with their labels and the model's predictions of them.

    ``y`` holds class codes (indices into ``classes``) for classification;
    ``proba`` the class probabilities (classification) and ``pred`` the
    predicted codes or values. ``source`` says where the predictions come
    from; ``notes`` what was left out.
    """

    X: pd.DataFrame
    y: np.ndarray
    pred: np.ndarray
    proba: object
    task: str
    classes: object
    source: str
    notes: list = field(default_factory=list)

    @property
    def classification(self):
        return is_classification(self.task)

    def take(self, rows, *, with_X=True):
        """The same for the rows ``rows`` (positions); ``X`` left out unless ``with_X``."""
        proba = None if self.proba is None else self.proba[rows]
        X = self.X.iloc[rows] if with_X else None
        return Scored(X, self.y[rows], self.pred[rows], proba, self.task,
                      self.classes, self.source, list(self.notes))


def as_frame(model, X):
    """``X`` as a DataFrame with the model's column names (``x0, x1, ...`` for arrays)."""
    names = getattr(model, "feature_names_in_", None)
    if isinstance(X, pd.DataFrame):
        if names is not None:
            missing = [c for c in names if c not in X.columns]
            if missing:
                raise ValueError(f"X lacks column(s) the model was trained on: {missing}.")
            return X[list(names)]
        return X
    arr = np.asarray(X, dtype=object if np.asarray(X).dtype == object else None)
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-dimensional; got an array of shape {arr.shape}.")
    cols = list(names) if names is not None else [f"x{i}" for i in range(arr.shape[1])]
    return pd.DataFrame(arr, columns=cols)


def model_input(model, frame):
    """What ``predict`` should get: the frame, or its values for a model fitted on arrays."""
    return frame if getattr(model, "feature_names_in_", None) is not None else frame.to_numpy()


def label_codes(model, y):
    """``y`` as class codes (positions in ``classes_``); ValueError on unknown labels."""
    classes = np.asarray(model.classes_)
    y = np.asarray(y)
    try:
        y = y.astype(classes.dtype)
    except (TypeError, ValueError):
        pass
    codes = np.searchsorted(classes, y)
    codes = np.clip(codes, 0, len(classes) - 1)
    known = classes[codes] == y
    if not known.all():
        unknown = sorted(set(map(str, y[~known])))[:10]
        raise ValueError(f"y has labels the model never saw: {', '.join(unknown)}.")
    return codes


def score_rows(model, X, y, *, training=False, what="this"):
    """Predict (or look up the out-of-fold predictions of) labelled rows.

    Parameters
    ----------
    model : fitted AutoPipeline
    X : DataFrame or array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    training : bool, default=False
        ``X, y`` are the training rows, in the order ``fit`` saw them:
        use ``oof_predictions_`` (each row predicted by models that did not
        see it) instead of predicting them with ``model_``, which did.
    what : str
        The caller's name, for the error message when there is no data.

    Returns
    -------
    Scored
    """
    if X is None or y is None:
        raise ValueError(NEEDS_DATA.format(what=what))
    frame = as_frame(model, X)
    y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y).ravel()
    if len(y) != len(frame):
        raise ValueError(f"X has {len(frame)} rows but y has {len(y)}; they must match.")
    if pd.isna(y).any():
        raise ValueError(f"y has {int(pd.isna(y).sum())} missing value(s); drop those rows.")
    task = model.task_
    classification = is_classification(task)
    notes = []
    if training:
        oof = np.asarray(model.oof_predictions_, dtype=float)
        if len(oof) != len(frame):
            raise ValueError(f"training=True: X has {len(frame)} rows but the model was "
                             f"trained on {len(oof)}; pass the training rows, in order.")
        keep = ~np.isnan(oof.reshape(len(oof), -1)).any(axis=1)
        if not keep.all():
            notes.append(f"{int((~keep).sum())} training rows are in no validation fold "
                         "(no out-of-fold prediction) and are left out.")
        frame, y, oof = frame.iloc[np.flatnonzero(keep)], y[keep], oof[keep]
        source = "training rows, out-of-fold predictions"
    else:
        source = "the given rows, predicted by the model"
    if classification:
        codes = label_codes(model, y)
        proba = oof if training else np.asarray(model.predict_proba(model_input(model, frame)))
        # the labels predict gives: the binary threshold_ on predict_proba, else argmax
        # (one predict instead of two on large tables)
        pred = _oof_labels(model, proba)
        return Scored(frame, codes, pred, proba, task, np.asarray(model.classes_), source, notes)
    y = y.astype(float)
    pred = oof if training else np.asarray(model.predict(model_input(model, frame)), dtype=float)
    return Scored(frame, y, pred, None, task, None, source, notes)


def _oof_labels(model, proba):
    """The labels ``predict`` gives for these probabilities (its binary ``threshold_``)."""
    threshold = getattr(model, "threshold_", None)
    if proba.shape[1] == 2 and threshold is not None:
        return (proba[:, 1] >= threshold).astype(int)
    return np.argmax(proba, axis=1)


def metric_scorer(model):
    """``(name, scorer)``: the search metric, scoring class codes for classification."""
    metric = getattr(model, "metric", "auto")
    if callable(metric):
        return model.metric_, metric
    classes = None
    if is_classification(model.task_):
        classes = np.arange(len(model.classes_))
    return resolve_scorer(metric, model.task_, classes)


def score_of(scorer, scored):
    """The search metric of ``scored`` (NaN where it is undefined, e.g. one class)."""
    prediction = scored.proba if scored.classification else scored.pred
    classes = np.arange(len(scored.classes)) if scored.classification else None
    try:
        return score_predictions(scorer, scored.task, scored.y, prediction, classes)
    except ValueError:
        return float("nan")


def subsample(n, max_rows, random_state):
    """Sorted positions of at most ``max_rows`` of ``n`` rows, drawn without replacement."""
    if max_rows is None or n <= max_rows:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=max_rows, replace=False))


def column_kinds(model, frame):
    """How the model reads each column: ``numeric``, ``categorical``, ``datetime`` ...

    Taken from the fitted table preprocessor of ``best_pipeline_`` / ``model_``
    where there is one (its ``column_kinds_``), else from the dtypes.
    """
    kinds = {}
    for est in (getattr(model, "best_pipeline_", None), getattr(model, "model_", None)):
        for _, step in getattr(est, "steps", []):
            if hasattr(step, "column_kinds_"):
                kinds = dict(step.column_kinds_)
                break
        if kinds:
            break
    return {c: kinds.get(c) or dtype_kind(frame[c]) for c in frame.columns}


def dtype_kind(column):
    """``numeric``, ``boolean``, ``datetime`` or ``categorical``, from the dtype."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(column.dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return "datetime"
    return "categorical"
