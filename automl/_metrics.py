"""Metric names, their scikit-learn scorers, and scoring of stored predictions."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import (
    f1_score,
    get_scorer,
    get_scorer_names,
    log_loss,
    make_scorer,
    roc_auc_score,
)

from automl._task import is_classification

AUTO_METRIC = {"binary": "roc_auc", "multiclass": "neg_log_loss",
               "regression": "neg_root_mean_squared_error"}
_ALIASES = {
    "auc": "roc_auc",
    "log_loss": "neg_log_loss",
    "logloss": "neg_log_loss",
    "rmse": "neg_root_mean_squared_error",
    "mae": "neg_mean_absolute_error",
    "mse": "neg_mean_squared_error",
}


_NEEDS_LABELS = {
    "neg_log_loss": (log_loss, {}),
    "roc_auc_ovr": (roc_auc_score, {"multi_class": "ovr"}),
}


def resolve_scorer(metric, task, classes=None):
    """Return ``(name, scorer)`` for ``metric`` on ``task``.

    Parameters
    ----------
    metric : str or callable
        ``"auto"`` (ROC AUC for binary, log loss for multiclass, RMSE for
        regression), a short name (``"accuracy"``, ``"balanced_accuracy"``,
        ``"f1"``, ``"r2"``, ``"mae"``, ``"rmse"``, ``"log_loss"``, ``"auc"``),
        any scikit-learn scorer name, or a scorer callable
        ``scorer(estimator, X, y)``. Greater is better for every scorer.
    task : {"binary", "multiclass", "regression"}
        The task.
    classes : array-like, default=None
        Class labels, sorted; ``"f1"`` on a binary task scores ``classes[1]``.

    Returns
    -------
    name : str
    scorer : callable

    Examples
    --------
    >>> from automl._metrics import resolve_scorer
    >>> resolve_scorer("auto", "regression")[0]
    'neg_root_mean_squared_error'
    """
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    if not isinstance(metric, str):
        raise TypeError(f"The 'metric' parameter must be a string or a callable; got {metric!r}.")
    name = AUTO_METRIC[task] if metric == "auto" else _ALIASES.get(metric, metric)
    if name == "f1":
        if task == "multiclass":
            name = "f1_macro"
        elif task == "binary":
            pos = classes[1] if classes is not None else 1
            return "f1", make_scorer(f1_score, pos_label=pos)
    if name == "roc_auc" and task == "multiclass":
        name = "roc_auc_ovr"
    if classes is not None and task == "multiclass" and name in _NEEDS_LABELS:
        # folds may miss a rare class: name every class explicitly
        func, kwargs = _NEEDS_LABELS[name]
        return name, make_scorer(func, greater_is_better=name.startswith("roc"),
                                 response_method="predict_proba", labels=classes, **kwargs)
    if name not in get_scorer_names():
        raise ValueError(
            f"Unknown metric {metric!r}. Use 'auto', a short name such as 'accuracy', "
            "'balanced_accuracy', 'f1', 'r2', 'mae', 'rmse', or a scikit-learn scorer name "
            "(sklearn.metrics.get_scorer_names())."
        )
    classification_only = name.startswith(("roc_auc", "neg_log_loss", "accuracy",
                                           "balanced_accuracy", "f1", "precision",
                                           "recall", "average_precision", "neg_brier"))
    if classification_only and not is_classification(task):
        raise ValueError(f"metric={metric!r} is for classification, but the task is {task}.")
    if not classification_only and is_classification(task) and name.startswith(
        ("r2", "neg_mean", "neg_root", "neg_median", "explained")
    ):
        raise ValueError(f"metric={metric!r} is for regression, but the task is {task}.")
    return name, get_scorer(name)


_LABEL_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "jaccard",
                  "matthews")


def scores_labels(name):
    """Whether the metric ``name`` scores predicted labels (not probabilities or values).

    Unknown names (a callable's) count as label metrics.

    Examples
    --------
    >>> from automl._metrics import scores_labels
    >>> scores_labels("balanced_accuracy"), scores_labels("roc_auc"), scores_labels("neg_log_loss")
    (True, False, False)
    """
    known = name.startswith(("roc_auc", "neg_log_loss", "average_precision", "neg_brier"))
    return name.startswith(_LABEL_METRICS) or not (known or name in get_scorer_names())


def ranks_rows(name):
    """Whether the metric ``name`` scores only how the predictions rank the rows.

    Examples
    --------
    >>> from automl._metrics import ranks_rows
    >>> ranks_rows("roc_auc"), ranks_rows("average_precision"), ranks_rows("neg_log_loss")
    (True, True, False)
    """
    return name.startswith(("roc_auc", "average_precision"))


class StoredClassifier(ClassifierMixin, BaseEstimator):
    """Replays stored class probabilities so that any scorer can score them."""

    def __init__(self, classes, proba):
        self.classes = classes
        self.proba = proba

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        return np.asarray(self.classes)

    def predict_proba(self, X):
        return self.proba

    def predict(self, X):
        return self.classes_[np.argmax(self.proba, axis=1)]


class StoredRegressor(RegressorMixin, BaseEstimator):
    """Replays stored predictions so that any scorer can score them."""

    def __init__(self, prediction):
        self.prediction = prediction

    def __sklearn_is_fitted__(self):
        return True

    def predict(self, X):
        return self.prediction


def score_predictions(scorer, task, y_true, prediction, classes=None):
    """Score stored predictions (class probabilities for classification)."""
    if is_classification(task):
        est = StoredClassifier(classes, prediction)
    else:
        est = StoredRegressor(prediction)
    dummy_X = np.zeros((len(y_true), 1))
    return float(scorer(est, dummy_X, y_true))
