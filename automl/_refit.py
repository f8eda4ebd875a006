"""Fitting the final phase's pipelines on all training rows, once each."""

import warnings

import joblib
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

from automl._decision import class_prior, prior_corrected
from automl.ensemble import WeightedEnsembleClassifier, WeightedEnsembleRegressor
from automl.search import build_pipeline
from automl.search._space import uses_native_categories


class Refitter:
    """Refits candidates on all rows (cached), or averages their fold models.

    Every member shares one table preprocessor fitted on all rows (fitted
    here once, or handed over already fitted), except a candidate with
    native categories, which fits its own. Classifiers trained on balanced
    classes have their probabilities moved back to the training priors
    (:func:`automl._decision.prior_corrected`).

    Parameters
    ----------
    X : DataFrame of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    table : TablePreprocessor
        Unfitted.
    ctx : SearchContext
        The context the pipelines are built with (threads for the refit).
    classes : ndarray, default=None
        The class labels; None for regression.
    fitted_table : object, default=None
        ``table`` already fitted on ``X``: an object with ``table`` (the
        fitted preprocessor) and ``output`` (its output on ``X``).

    Attributes
    ----------
    refitted : dict
        ``trial_id -> estimator`` of the trials refitted so far.
    """

    def __init__(self, X, y, table, ctx, *, classes=None, fitted_table=None):
        self.X, self.y, self.table, self.ctx = X, y, table, ctx
        self.classes = classes
        self.classification = classes is not None
        # members trained on balanced classes predict for these priors
        self.prior = class_prior(y, classes) if self.classification else None
        self.refitted = {}
        self._table = None if fitted_table is None else fitted_table.table
        self._Xt = None if fitted_table is None else fitted_table.output

    def fitted_table(self):
        """The table preprocessor fitted once on all rows, shared by every member."""
        if self._table is None:
            table = clone(self.table)
            self._Xt = table.fit_transform(self.X, self.y)
            self._table = table
        return self._table

    def transformed(self):
        """All rows as the shared table preprocessor outputs them at fit."""
        self.fitted_table()
        return self._Xt

    def refit(self, trial):
        """``Pipeline(table, rest)`` of ``trial`` refitted on all rows (cached)."""
        if trial.trial_id not in self.refitted:
            config = trial.family.refit_config(trial.config, trial.best_iteration)
            own = uses_native_categories(config)  # build_pipeline copies the table then
            table = self.table if own else self.fitted_table()
            pipe = build_pipeline(trial.family, config, self.ctx, table)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=UserWarning)
                if own:
                    pipe.fit(self.X, self.y)
                else:
                    pipe[1:].fit(self._Xt, self.y)  # the table step is already fitted
            self.refitted[trial.trial_id] = self.corrected(pipe, trial)
        return self.refitted[trial.trial_id]

    def unfitted(self, trial):
        """``trial``'s pipeline for a refit, unfitted, with its own table (for stacking)."""
        config = trial.family.refit_config(trial.config, trial.best_iteration)
        pipe = build_pipeline(trial.family, config, self.ctx, clone(self.table))
        return self.corrected(pipe, trial)

    def corrected(self, estimator, trial):
        """``estimator`` with its probabilities moved back to the training priors, if needed."""
        if not self.classification:
            return estimator
        return prior_corrected(estimator, trial.config, self.prior, self.classes)

    def bag(self, trial):
        """The trial's fold pipelines, averaged with equal weights."""
        pipes = joblib.load(trial.models_path)
        members = [(f"fold{i}", FrozenEstimator(p)) for i, p in enumerate(pipes)]
        cls = WeightedEnsembleClassifier if self.classification else WeightedEnsembleRegressor
        bag = cls(members).fit(self.X, self.y)  # frozen members: fit only sets classes
        return self.corrected(bag, trial)


def refitted_pipeline(trial, ctx, table):
    """The unfitted pipeline a refit of ``trial`` fits: its configuration at its CV length."""
    config = trial.family.refit_config(trial.config, trial.best_iteration)
    return build_pipeline(trial.family, config, ctx, clone(table))


def changed_params(pipeline, skip=("table",)):
    """The parameters of ``pipeline``'s steps that differ from their defaults.

    In ``set_params`` form (``"<step>__<param>"``), so that they can be set on
    a pipeline of the same steps; the steps named in ``skip`` are left out
    (the table preprocessor carries the user's column typing, not the
    search's choices).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from automl._refit import changed_params
    >>> pipe = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(C=0.1))])
    >>> changed_params(pipe)
    {'model__C': 0.1}
    """
    changed = {}
    for name, step in pipeline.steps:
        if name in skip or step in (None, "passthrough"):
            continue
        defaults = type(step)().get_params(deep=False) if _constructible(step) else {}
        for key, value in step.get_params(deep=False).items():
            if key not in defaults or not _same(value, defaults[key]):
                changed[f"{name}__{key}"] = value
    return changed


def _constructible(step):
    try:
        type(step)()
    except TypeError:  # a required argument (TransformedTargetRegressor has none)
        return False
    return True


def _same(a, b):
    if hasattr(a, "get_params") or hasattr(b, "get_params"):
        return type(a) is type(b) and repr(a) == repr(b)
    try:
        return bool(a == b) if not (a is None or b is None) else a is b
    except (TypeError, ValueError):
        return repr(a) == repr(b)
