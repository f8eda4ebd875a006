"""From out-of-fold probabilities to predictions users can act on.

Three steps turn the fitted ensemble into ``model_``, all on the
out-of-fold (OOF) predictions the search already has, so they cost no
refit:

1. Prior shift. Class weights (``class_weight="balanced"``) and the
   resamplers (SMOTE, random over- and under-sampling) train a member as if
   the classes were equally frequent: its probabilities estimate
   ``P(class | x)`` under uniform priors, and the arg-max of those labels
   rare classes far too often (on a loan table with 5 % defaults,
   ``predict`` was right less often than always answering "no default").
   Each such member is wrapped in :class:`PriorCorrectedClassifier`, which
   multiplies its probabilities by the training priors over the priors it
   was trained under and renormalises (Saerens, Latinne and Decaestecker,
   2002); its OOF predictions get the same correction
   (:func:`correct_trials`).
2. Calibration. scikit-learn's :class:`~sklearn.calibration.CalibratedClassifierCV`
   (``"sigmoid"`` or ``"isotonic"``; for multiclass tasks also
   ``"temperature"``) is fitted on the ensemble's OOF
   probabilities, through :class:`ProbabilityPassthrough`; it is kept only
   when it lowers the OOF log loss measurably (by more than two standard
   errors), judged by cross-fitting it on the OOF rows.
   ``CalibratedClassifierCV`` alone cannot do it: it fits its calibrator on
   the predictions of the (frozen) estimator on the rows it is given, and
   our members were refitted on all training rows, so their predictions on
   those rows are in-sample; its cross-validation mode would refit the whole
   ensemble once per fold.
3. Decision. For binary tasks the threshold on the positive class's
   probability is tuned on the OOF predictions for ``decision_metric`` (the
   approach of :class:`~sklearn.model_selection.TunedThresholdClassifierCV`:
   score a grid of thresholds, keep the best) and held by
   :class:`~sklearn.model_selection.FixedThresholdClassifier`; multiclass
   tasks predict the class of highest (corrected, calibrated) probability.

The result stays a plain scikit-learn estimator:
``FixedThresholdClassifier(FrozenEstimator(Pipeline([("probabilities",
PredictProbaTransformer(FrozenEstimator(ensemble))), ("calibration",
CalibratedClassifierCV(...))])))``, without the calibration pipeline when no
calibration helps, and without the threshold for multiclass tasks.
"""

import copy
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    TransformerMixin,
    clone,
)
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import FixedThresholdClassifier, StratifiedKFold, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from automl._metrics import resolve_scorer, scores_labels

# ``imbalance`` choices of a candidate that train its model on balanced classes.
BALANCING = ("class_weight", "smote", "random_over", "random_under")
# Calibration is cross-fitted on the OOF rows with this many folds, and tried
# only with at least this many OOF rows of every class per fold.
CALIBRATION_SPLITS = 5
MIN_CLASS_ROWS_PER_SPLIT = 2
# Kept only if the OOF log loss falls by more than this many standard errors.
CALIBRATION_MIN_GAIN_SE = 2.0
# Thresholds tried: this many quantiles of the OOF probabilities, and half as
# many evenly spaced in [0, 1].
N_THRESHOLDS = 200
_EPS = 1e-15


# ----------------------------------------------------------------- prior shift
def class_prior(y, classes):
    """Share of each class of ``classes`` in ``y``."""
    y = np.asarray(y)
    return np.array([np.mean(y == c) for c in classes], dtype=float)


def trains_balanced(config):
    """Whether a candidate's config trains its model on balanced classes."""
    return config.get("imbalance", "none") in BALANCING


def correct_proba(proba, prior, trained_prior=None):
    """Probabilities under ``trained_prior`` (uniform when None) moved to ``prior``.

    ``p(c) * prior(c) / trained_prior(c)``, rows renormalised; rows of NaN
    (no prediction) stay NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from automl._decision import correct_proba
    >>> correct_proba(np.array([[0.5, 0.5]]), prior=np.array([0.9, 0.1])).round(3).tolist()
    [[0.9, 0.1]]
    """
    proba = np.asarray(proba, dtype=float)
    prior = np.asarray(prior, dtype=float)
    trained = np.full_like(prior, 1.0 / len(prior)) if trained_prior is None else \
        np.asarray(trained_prior, dtype=float)
    ratio = np.divide(prior, trained, out=np.zeros_like(prior), where=trained > 0)
    moved = proba * ratio
    total = moved.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, moved / total, proba)


class _WrapsRawTables:
    """What a wrapper of a fitted pipeline says of its input: the pipeline's.

    ``n_features_in_`` is the wrapped ``estimator_``'s; raw tables with
    missing values and strings are accepted, as the pipeline accepts them.
    """

    @property
    def n_features_in_(self):
        return self.estimator_.n_features_in_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


class PriorCorrectedClassifier(_WrapsRawTables, MetaEstimatorMixin, ClassifierMixin,
                               BaseEstimator):
    """A classifier trained on balanced classes, with probabilities for the real priors.

    Class weights (``class_weight="balanced"``) and resampling make a model
    learn as if every class were equally frequent; its probabilities are
    then too high for rare classes. This wrapper multiplies them by
    ``prior / trained_prior`` and renormalises, which is exact when only the
    priors differ (Saerens et al., 2002). scikit-learn and imbalanced-learn
    have no such step.

    Parameters
    ----------
    estimator : classifier
        With ``predict_proba``; wrap a fitted one in
        :class:`~sklearn.frozen.FrozenEstimator` to use it as it is.
    prior : array-like of shape (n_classes,), default=None
        The class priors of the data the predictions are for, in the order
        of ``classes``; None: the class shares of ``y`` at ``fit``.
    classes : array-like of shape (n_classes,), default=None
        The labels ``prior`` refers to; None: the estimator's ``classes_``.
    trained_prior : array-like of shape (n_classes,), default=None
        The priors the estimator was trained under, in the order of
        ``classes``; None: uniform over the classes it saw (balanced).

    Attributes
    ----------
    estimator_ : classifier
        The fitted estimator.
    classes_ : ndarray
        Its class labels.
    ratio_ : ndarray of shape (n_classes,)
        What its probabilities are multiplied by, per class of ``classes_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from automl._decision import PriorCorrectedClassifier
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(2000, 2)), (rng.uniform(size=2000) < 0.1).astype(int)
    >>> weighted = LogisticRegression(class_weight="balanced").fit(X, y)
    >>> round(float(weighted.predict_proba(X)[:, 1].mean()), 1)
    0.5
    >>> model = PriorCorrectedClassifier(LogisticRegression(class_weight="balanced")).fit(X, y)
    >>> round(float(model.predict_proba(X)[:, 1].mean()), 2)
    0.1
    """

    def __init__(self, estimator, *, prior=None, classes=None, trained_prior=None):
        self.estimator = estimator
        self.prior = prior
        self.classes = classes
        self.trained_prior = trained_prior

    def fit(self, X, y, **fit_params):
        """Fit (a clone of) the estimator and set the correction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        self : PriorCorrectedClassifier
        """
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        self.classes_ = np.asarray(self.estimator_.classes_)
        labels = self.classes_ if self.classes is None else np.asarray(self.classes)
        prior = class_prior(y, labels) if self.prior is None else np.asarray(self.prior, float)
        if prior.shape != (len(labels),):
            raise ValueError(f"prior has {prior.size} values for {len(labels)} classes.")
        position = {c: i for i, c in enumerate(labels.tolist())}
        missing = [c for c in self.classes_.tolist() if c not in position]
        if missing:
            raise ValueError(f"prior gives no value for the estimator's classes {missing}.")
        index = [position[c] for c in self.classes_.tolist()]
        here = prior[index]
        if self.trained_prior is None:
            trained = np.full(len(index), 1.0 / len(index))
        else:
            trained = np.asarray(self.trained_prior, dtype=float)[index]
        self.ratio_ = np.divide(here, trained, out=np.zeros_like(here), where=trained > 0)
        return self

    def predict_proba(self, X):
        """The estimator's probabilities moved to ``prior``, columns as ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        proba = np.asarray(self.estimator_.predict_proba(X), dtype=float)
        return correct_proba(proba, self.ratio_, np.ones_like(self.ratio_))

    def predict(self, X):
        """The class of highest corrected probability.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]



def prior_corrected(estimator, config, prior, classes):
    """``estimator`` of a candidate with ``config``, corrected if it trains balanced.

    A fitted ``Pipeline`` gets its last step wrapped (so that slicing off
    its table step still works); anything else fitted is wrapped whole, in
    a :class:`~sklearn.frozen.FrozenEstimator`; an unfitted one is wrapped
    whole, to be fitted. Estimators of other candidates come back as they are.
    """
    if not trains_balanced(config):
        return estimator
    try:
        check_is_fitted(estimator)
        fitted = True
    except Exception:  # NotFittedError, or an estimator check_is_fitted cannot read
        fitted = False
    if not fitted:
        return PriorCorrectedClassifier(estimator, prior=prior, classes=classes)
    if hasattr(estimator, "steps"):
        name, model = estimator.steps[-1]
        estimator.steps[-1] = (name, _frozen_corrected(model, prior, classes))
        return estimator
    return _frozen_corrected(estimator, prior, classes)


def _frozen_corrected(model, prior, classes):
    wrapped = PriorCorrectedClassifier(FrozenEstimator(model), prior=prior, classes=classes)
    return wrapped.fit(None, np.asarray(model.classes_))  # frozen: fit sets the ratio only


def correct_trials(trials, prior):
    """Copies of ``trials`` whose OOF predictions are corrected where they train balanced."""
    return [replace(t, oof=correct_proba(t.oof, prior)) if trains_balanced(t.config) else t
            for t in trials]


# ------------------------------------------------------------- calibration
class ProbabilityPassthrough(ClassifierMixin, BaseEstimator):
    """A "classifier" whose input is already class probabilities.

    Lets scikit-learn's :class:`~sklearn.calibration.CalibratedClassifierCV`
    calibrate stored (out-of-fold) probabilities: ``predict_proba(P)``
    returns ``P``.

    Parameters
    ----------
    classes : array-like of shape (n_classes,), default=None
        The labels of the columns; None: the sorted labels of ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from automl._decision import ProbabilityPassthrough
    >>> P = np.array([[0.8, 0.2], [0.3, 0.7]])
    >>> ProbabilityPassthrough().fit(P, ["a", "b"]).predict(P).tolist()
    ['a', 'b']
    """

    def __init__(self, classes=None):
        self.classes = classes

    def fit(self, X, y):
        """Record the classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_classes)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : ProbabilityPassthrough
        """
        self.classes_ = np.unique(y) if self.classes is None else np.asarray(self.classes)
        self.n_features_in_ = len(self.classes_)
        return self

    def predict_proba(self, X):
        """``X`` itself, as floats."""
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(self.classes_):
            raise ValueError(f"Expected probabilities of {len(self.classes_)} classes; "
                             f"got shape {X.shape}.")
        return X

    def predict(self, X):
        """The column of highest probability."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class PredictProbaTransformer(_WrapsRawTables, MetaEstimatorMixin, TransformerMixin,
                              BaseEstimator):
    """A classifier as a pipeline step: ``transform`` returns its ``predict_proba``.

    Parameters
    ----------
    estimator : classifier
        Wrap a fitted one in :class:`~sklearn.frozen.FrozenEstimator`.

    Attributes
    ----------
    estimator_ : classifier

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from automl._decision import PredictProbaTransformer
    >>> X, y = load_iris(return_X_y=True)
    >>> PredictProbaTransformer(LogisticRegression(max_iter=500)).fit(X, y).transform(X).shape
    (150, 3)
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, **fit_params):
        """Fit (a clone of) the estimator.

        Returns
        -------
        self : PredictProbaTransformer
        """
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        return self

    def transform(self, X):
        """The estimator's class probabilities for ``X``."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)



def fit_calibrator(proba, y, method, classes):
    """``CalibratedClassifierCV(method=method)`` fitted on stored probabilities.

    ``classes`` are the labels of the columns of ``proba``, sorted. The
    calibrator is fitted on class codes (0, 1, ...) and then labelled:
    scikit-learn 1.9's temperature scaling reads integer labels as column
    indices (labels 1-5 shifted every class by one).
    """
    classes = np.asarray(classes)
    codes = np.searchsorted(classes, np.asarray(y))
    passthrough = ProbabilityPassthrough(classes=np.arange(len(classes))).fit(proba, codes)
    calibrator = CalibratedClassifierCV(FrozenEstimator(passthrough), method=method)
    calibrator.fit(proba, codes)
    calibrator.classes_ = classes  # what predict answers, and the columns' labels
    return calibrator


def row_log_loss(proba, codes):
    """Log loss of each row, ``codes`` being column indices of the true classes."""
    p = np.clip(np.asarray(proba, dtype=float)[np.arange(len(codes)), codes], _EPS, 1.0)
    return -np.log(p)


def brier(proba, codes):
    """scikit-learn's Brier score of probabilities (``codes``: true columns)."""
    proba = np.asarray(proba, dtype=float)
    if proba.shape[1] == 2:
        return float(brier_score_loss(codes, proba[:, 1]))
    return float(brier_score_loss(codes, proba, labels=np.arange(proba.shape[1])))


def calibration_methods(n_classes, ranking=False):
    """The calibrations tried: only strictly monotone ones when the metric ranks rows.

    Isotonic regression is a step function: it gives many rows the same
    probability, which lowers a ranking metric (ROC AUC, average precision),
    and far more when the final model's scores fall where its steps are flat
    (on electricity, time-ordered, it took the test ROC AUC of a logistic
    regression from 0.835 to 0.743). A sigmoid keeps a binary model's
    ranking exactly, and temperature scaling keeps each row's order of the
    classes.

    Examples
    --------
    >>> from automl._decision import calibration_methods
    >>> calibration_methods(2), calibration_methods(2, ranking=True)
    (('sigmoid', 'isotonic'), ('sigmoid',))
    >>> calibration_methods(3, ranking=True)
    ('temperature',)
    """
    if n_classes == 2:
        return ("sigmoid",) if ranking else ("sigmoid", "isotonic")
    return ("temperature",) if ranking else ("temperature", "sigmoid", "isotonic")


def calibration_splits(codes, order=None, random_state=0):
    """``(train, test)`` splits of the OOF rows on which calibrations are cross-fitted.

    Stratified and shuffled, or, with ``order`` (the rows' positions in time,
    earliest first), forward in time as ``TimeSeriesSplit``: a calibrator is
    judged on later rows than it was fitted on, as the final model will be.
    """
    if order is None:
        return list(StratifiedKFold(CALIBRATION_SPLITS, shuffle=True,
                                    random_state=random_state).split(codes, codes))
    order = np.asarray(order)
    return [(order[train], order[test])
            for train, test in TimeSeriesSplit(CALIBRATION_SPLITS).split(order)]


def choose_calibration(proba, codes, random_state=0, *, ranking=False, order=None):
    """``(method or None, cross-fitted probabilities, losses)`` for OOF rows.

    Each method of :func:`calibration_methods` is fitted on some rows and
    predicts others (:func:`calibration_splits`: a fifth at a time, or the
    later rows with ``order``); the one with the lowest log loss on the rows
    it predicted is chosen if it beats the uncalibrated probabilities there
    by more than ``CALIBRATION_MIN_GAIN_SE`` standard errors of the per-row
    difference. Rows no split predicts (the earliest, with ``order``) keep
    their probabilities.
    """
    n_classes = proba.shape[1]
    counts = np.bincount(codes, minlength=n_classes)
    losses = {"none": float(row_log_loss(proba, codes).mean())}
    if counts.min() < CALIBRATION_SPLITS * MIN_CLASS_ROWS_PER_SPLIT:
        return None, proba, losses
    splits = calibration_splits(codes, order, random_state)
    judged = _predicted_rows(splits, len(codes))
    base = row_log_loss(proba, codes)[judged]
    losses["none"] = float(base.mean())  # on the rows the methods are judged on
    best, best_loss, best_proba = None, float(base.mean()), proba
    for method in calibration_methods(n_classes, ranking):
        crossed = proba.copy()
        try:
            for train, test in splits:
                calibrator = fit_calibrator(proba[train], codes[train], method,
                                            np.arange(n_classes))
                crossed[test] = calibrator.predict_proba(proba[test])
        except ValueError:  # an early split without every class
            continue
        rows = row_log_loss(crossed, codes)[judged]
        losses[method] = float(rows.mean())
        gain = base - rows
        se = gain.std(ddof=1) / np.sqrt(len(gain))
        if gain.mean() > CALIBRATION_MIN_GAIN_SE * se and rows.mean() < best_loss:
            best, best_loss, best_proba = method, float(rows.mean()), crossed
    return best, best_proba, losses


# ----------------------------------------------------------------- decision
class _StoredLabels(ClassifierMixin, BaseEstimator):
    """Replays stored labels so that a label scorer can score them."""

    def __init__(self, labels, classes):
        self.labels = labels
        self.classes = classes

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        return np.asarray(self.classes)

    def predict(self, X):
        return self.labels


def resolve_decision_metric(decision_metric, metric, metric_name, task):
    """The label metric ``predict`` optimises: ``(name, scorer on class codes)``.

    ``"auto"``: the search metric when it is a named label metric, else
    ``"accuracy"``. A metric of probabilities (ROC AUC, log loss, ...)
    raises ``ValueError``, as does any ``decision_metric`` but ``"auto"``
    for regression.
    """
    if not isinstance(decision_metric, str):
        raise TypeError("The 'decision_metric' parameter must be a string such as 'accuracy', "
                        f"'balanced_accuracy' or 'f1'; got {decision_metric!r}.")
    if task == "regression":
        if decision_metric != "auto":
            raise ValueError(f"decision_metric={decision_metric!r} chooses class labels; the "
                             "task is regression. Leave it at 'auto'.")
        return None, None
    name = decision_metric
    if name == "auto":
        name = metric_name if isinstance(metric, str) and scores_labels(metric_name) else \
            "accuracy"
    try:  # scored on class codes: the positive class of a binary task is code 1
        resolved, scorer = resolve_scorer(name, task, np.arange(2) if task == "binary" else None)
    except ValueError as exc:
        raise ValueError(f"decision_metric={decision_metric!r}: {exc}") from None
    if not scores_labels(resolved) or resolved not in _known_scorers():
        raise ValueError(
            f"decision_metric={decision_metric!r} does not score class labels; use a label "
            "metric such as 'accuracy', 'balanced_accuracy', 'f1', 'precision', 'recall' or "
            "'matthews_corrcoef'.")
    if task == "binary" and resolved in _COUNTED:
        scorer = copy.copy(scorer)
        scorer._automl_name = resolved  # tune_threshold counts it for every threshold at once
    return resolved, scorer


def _known_scorers():
    from sklearn.metrics import get_scorer_names

    return set(get_scorer_names()) | {"f1"}


def label_score(scorer, codes, predicted, n_classes):
    """The label metric of predicted class codes."""
    est = _StoredLabels(predicted, np.arange(n_classes))
    return float(scorer(est, np.zeros((len(codes), 1)), codes))


def tune_threshold(p_positive, codes, scorer):
    """``(threshold, score, score at 0.5)``: the best threshold on P(positive) for ``scorer``.

    The approach of scikit-learn's ``TunedThresholdClassifierCV``, on stored
    out-of-fold probabilities: ``N_THRESHOLDS`` quantiles of them (fine
    where the rows are) and ``N_THRESHOLDS / 2 + 1`` evenly spaced values
    from 0 to 1 (fine in the tail, 0.5 among them) are scored, predicting
    the positive class where the probability is at least the threshold;
    ties go to the threshold nearest 0.5. Metrics with a formula in the
    confusion counts (``_COUNTED``) are scored for all thresholds at once.
    """
    p = np.asarray(p_positive, dtype=float)
    if len(p) == 0:  # no row was predicted out of fold
        return 0.5, float("nan"), float("nan")
    grid = np.unique(np.r_[np.quantile(p, np.linspace(0, 1, N_THRESHOLDS)),
                           np.linspace(0, 1, N_THRESHOLDS // 2 + 1)])  # 0.5 among them
    scores = _binary_scores(p, codes, grid, scorer)
    if scores is None:  # a scorer without a counting formula: call it per threshold
        scores = np.array([label_score(scorer, codes, (p >= t).astype(int), 2) for t in grid])
    at_half = float(scores[np.searchsorted(grid, 0.5)])
    best = scores.max()
    tied = grid[scores >= best - 1e-12]
    threshold = float(tied[np.argmin(np.abs(tied - 0.5))])
    return threshold, float(best), at_half


def _confusion(p, codes, grid):
    """``(tp, fp, fn, tn)`` arrays: predicting positive where ``p >= t``, for each ``t``."""
    order = np.sort(p)
    pos = np.sort(p[codes == 1])
    n_pos, n_neg = len(pos), len(p) - len(pos)
    predicted = len(p) - np.searchsorted(order, grid, side="left")  # rows with p >= t
    tp = n_pos - np.searchsorted(pos, grid, side="left")
    fp = predicted - tp
    return tp, fp, n_pos - tp, n_neg - fp


def _ratio(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)  # zero_division=0


# binary label metrics (positive class: code 1) from the confusion counts, as
# scikit-learn defines them (0 where a denominator is 0)
_COUNTED = {
    "accuracy": lambda tp, fp, fn, tn: _ratio(tp + tn, tp + fp + fn + tn),
    "balanced_accuracy": lambda tp, fp, fn, tn: (_ratio(tp, tp + fn) + _ratio(tn, tn + fp)) / 2,
    "f1": lambda tp, fp, fn, tn: _ratio(2 * tp, 2 * tp + fp + fn),
    "precision": lambda tp, fp, fn, tn: _ratio(tp, tp + fp),
    "recall": lambda tp, fp, fn, tn: _ratio(tp, tp + fn),
    "jaccard": lambda tp, fp, fn, tn: _ratio(tp, tp + fp + fn),
    "matthews_corrcoef": lambda tp, fp, fn, tn: _ratio(
        tp * tn - fp * fn, np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))),
}


def _binary_scores(p, codes, grid, scorer):
    """The scorer's value at every threshold from confusion counts, or None if not counted."""
    name = getattr(scorer, "_automl_name", None)
    if name not in _COUNTED:
        return None
    tp, fp, fn, tn = (np.asarray(c, dtype=float) for c in _confusion(p, codes, grid))
    return _COUNTED[name](tp, fp, fn, tn)


@dataclass
class Decision:
    """What :func:`fit_decision` made of the ensemble."""

    estimator: object
    oof: object
    decision_metric: str
    threshold: object = None  # float for binary tasks
    calibration: str = "none"
    report: dict = field(default_factory=dict)


def fit_decision(estimator, oof, X, y, classes, task, *, decision_metric, scorer,
                 random_state=0, calibrate=True, ranking=False, time_order=None):
    """Calibrate ``estimator`` on its OOF probabilities and set its decision rule.

    Parameters
    ----------
    estimator : fitted classifier
        The (prior-corrected) ensemble, columns in the order of ``classes``.
    oof : ndarray of shape (n_samples, n_classes)
        Its out-of-fold probabilities on the training rows (NaN rows: none).
    X, y : the training rows and labels
        ``FixedThresholdClassifier`` records the classes from them.
    classes : ndarray
    task : {"binary", "multiclass"}
    decision_metric : str
        A label metric name (see :func:`resolve_decision_metric`).
    scorer : callable
        Its scorer, on class codes.
    random_state : int, default=0
    calibrate : bool, default=True
        False: no calibration is tried (no time left).
    ranking : bool, default=False
        The model is scored on how it ranks rows (ROC AUC, average
        precision): only calibrations that keep the ranking are tried
        (:func:`calibration_methods`).
    time_order : array-like of int, default=None
        The training rows' positions in time order, earliest first, when
        the folds are time-ordered: calibrations are then judged forward in
        time (:func:`calibration_splits`).

    Returns
    -------
    Decision
        ``oof`` is what ``estimator`` now predicts out of fold: calibrated
        cross-fitted (each row by a calibrator that did not see it). Judged
        forward in time, the earliest rows are predicted by no calibrator:
        they are NaN there, and the threshold is tuned on the others
        (``report["decision_rows"]``).
    """
    oof = np.asarray(oof, dtype=float)
    seen = ~np.isnan(oof).any(axis=1)
    codes = np.searchsorted(classes, np.asarray(y)[seen])
    proba = oof[seen]
    method, calibrated = None, proba
    losses = {"none": float(row_log_loss(proba, codes).mean())}
    order = None if time_order is None else _seen_order(seen, time_order)
    if calibrate and len(np.unique(codes)) == len(classes):
        method, calibrated, losses = choose_calibration(
            proba, codes, random_state, ranking=ranking, order=order)
    tuned = np.ones(len(codes), dtype=bool)  # the rows the decision rule is tuned on
    if method is not None and order is not None:
        # forward in time, the earliest rows were predicted by no calibrator:
        # they have no out-of-fold calibrated probability
        tuned = _predicted_rows(calibration_splits(codes, order, random_state), len(codes))
        calibrated = np.where(tuned[:, None], calibrated, np.nan)
    report = {"oof_log_loss": losses,
              "oof_brier": {"none": brier(proba[tuned], codes[tuned])},
              "calibration_tried": calibrate,
              "calibration_methods": list(calibration_methods(len(classes), ranking)),
              "calibration_judged": "stratified 5-fold" if time_order is None
              else "forward in time"}
    model = estimator
    out = oof.copy()
    if method is not None:
        report["oof_brier"][method] = brier(calibrated[tuned], codes[tuned])
        out[seen] = calibrated
        model = Pipeline([
            ("probabilities", PredictProbaTransformer(FrozenEstimator(estimator)).fit(X, y)),
            ("calibration", fit_calibrator(proba, np.asarray(y)[seen], method, classes)),
        ])
    decision = Decision(model, out, decision_metric, calibration=method or "none",
                        report=report)
    report["decision_rows"] = int(tuned.sum())
    if task == "binary":
        threshold, best, at_half = tune_threshold(calibrated[tuned, 1], codes[tuned], scorer)
        decision.threshold = threshold
        report.update(oof_decision_score=best, oof_decision_score_at_half=at_half)
        decision.estimator = FixedThresholdClassifier(
            FrozenEstimator(model), threshold=threshold, response_method="predict_proba",
        ).fit(X, y)
    else:
        report["oof_decision_score"] = label_score(
            scorer, codes[tuned], np.argmax(calibrated[tuned], axis=1), len(classes))
    return decision


def _predicted_rows(splits, n):
    """Mask of the ``n`` rows that some split's test part predicts."""
    predicted = np.zeros(n, dtype=bool)
    predicted[np.concatenate([test for _, test in splits])] = True
    return predicted


def _seen_order(seen, time_order):
    """``time_order`` (positions of all rows) as positions among the ``seen`` rows."""
    position = np.full(len(seen), -1)
    position[seen] = np.arange(seen.sum())
    ordered = position[np.asarray(time_order)]
    return ordered[ordered >= 0]


def decide(estimator, oof, X, y, *, task, classes, decision_metric, random_state=0,
           calibrate=True, ranking=False, time_order=None):
    """:func:`fit_decision` for classification; regression keeps ``estimator`` as it is.

    ``decision_metric`` is a name :func:`resolve_decision_metric` returned.
    """
    if task == "regression" or decision_metric is None:
        return Decision(estimator, oof, None)
    _, scorer = resolve_decision_metric(decision_metric, decision_metric, decision_metric, task)
    return fit_decision(estimator, oof, X, y, np.asarray(classes), task,
                        decision_metric=decision_metric, scorer=scorer,
                        random_state=random_state, calibrate=calibrate, ranking=ranking,
                        time_order=time_order)
