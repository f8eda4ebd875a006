"""The model that serves predictions: best pipeline, greedy ensemble or stack.

After the search, every finished candidate has out-of-fold (OOF)
predictions. This module

- scores them on the same rows (``oof_score``),
- chooses ensemble weights on them by greedy selection (no refit needed to
  score an ensemble, and the training labels are not used twice),
- estimates a stack's OOF score by cross-validating its final estimator on
  the members' OOF predictions, over the search's own folds,
- and builds the fitted result within the time left: each member refitted
  on all rows. Fold bagging (AutoGluon's trick: the candidate's fold models,
  kept by the workers, averaged) replaces a refit when asked for
  (``fold_bagging=True``), or, with ``"auto"``, for the best pipeline when
  its refit would not fit in the time left; other members that cannot be
  refitted in time are left out and the weights chosen again, since a
  bagged member costs k times the predict time.

An ensemble is used only when its OOF score beats the best single
candidate's.
"""

import time
import warnings
from dataclasses import dataclass, field

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.ensemble import StackingClassifier, StackingRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from automl._decision import class_prior, prior_corrected
from automl._metrics import resolve_scorer, score_predictions
from automl._task import is_classification
from automl.ensemble import (
    WeightedEnsembleClassifier,
    WeightedEnsembleRegressor,
    greedy_ensemble_selection,
)
from automl.search import build_pipeline
from automl.search._evaluate import refit_config
from automl.search._space import uses_native_categories

# Greedy selection looks at this many of the best candidates, and at the best
# of every other family (see ``ensemble_library``).
MAX_CANDIDATES = 20
GREEDY_ITERATIONS = 50
# Greedy selection may use at most this share of the time left after the search.
GREEDY_TIME_SHARE = 0.25
# A refit is started only if its estimate, times this margin, fits in the time left.
REFIT_MARGIN = 1.5
# With ensemble_predict_cost, fitted members are timed on as many training rows
# as a CV test fold holds (the batch size their CV estimates were timed on),
# within these bounds: per-call overheads weigh more on small batches.
COST_SAMPLE_ROWS = (2000, 5000)


@dataclass
class FinalModel:
    """What ``AutoPipeline`` predicts with, and how it was built."""

    estimator: object
    kind: str  # "single", "greedy" or "stacking"
    members: list  # Trials
    weights: np.ndarray
    oof_score: float
    best_single: object  # Trial
    best_single_oof: float
    bagged: dict = field(default_factory=dict)  # trial_id -> True if fold-bagged
    best_pipeline: object = None
    notes: list = field(default_factory=list)
    oof_scores: dict = field(default_factory=dict)  # trial_id -> its OOF score
    # predict time of the ensemble / the best pipeline's, measured on training
    # rows (NaN when not measured: no ensemble_predict_cost)
    predict_cost: float = float("nan")
    # out-of-fold predictions of ``estimator``: the members' OOF predictions
    # averaged with its weights (a stack's final estimator cross-validated on
    # them); NaN for rows in no test fold
    oof: object = None


class FinalModelContext:
    """Everything the builders need, in one place."""

    def __init__(self, X, y, task, classes, scorer, folds, table, refit_ctx, n_samples_fold,
                 deadline, metric=None, fitted_table=None):
        self.X, self.y, self.task, self.classes = X, y, task, classes
        self.scorer, self.folds, self.table, self.refit_ctx = scorer, folds, table, refit_ctx
        # Scoring stored predictions is repeated hundreds of times: with a named
        # metric, score against integer class codes (string labels are slow).
        self.y_score = y
        if is_classification(task) and isinstance(metric, str):
            self.y_score = np.searchsorted(classes, y)
            self.classes = np.arange(len(classes))
            self.scorer = resolve_scorer(metric, task, self.classes)[1]
        self.labels = classes
        self.n_samples_fold = n_samples_fold
        self.deadline = deadline
        self.classification = is_classification(task)
        # members trained on balanced classes predict for these priors (automl._decision)
        self.prior = class_prior(y, classes) if self.classification else None
        self._refits = {}
        # the table fitted on all rows, when already done (an object with
        # ``table`` and ``output``)
        self._table = None if fitted_table is None else fitted_table.table
        self._Xt = None if fitted_table is None else fitted_table.output

    def score(self, y_true, prediction):
        return score_predictions(self.scorer, self.task, y_true, prediction, self.classes)

    def time_left(self):
        return self.deadline - time.time()

    def refit_estimate(self, trial):
        return refit_seconds(trial, len(self.y), self.n_samples_fold)

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
        """``Pipeline(table, rest)`` of ``trial`` refitted on all rows (cached).

        The table is the shared fitted one, except for a candidate with
        native categories, which fits its own.
        """
        if trial.trial_id not in self._refits:
            config = refit_config(trial.config, trial.best_iteration)
            own = uses_native_categories(config)  # build_pipeline copies the table then
            table = self.table if own else self.fitted_table()
            pipe = build_pipeline(trial.family, config, self.refit_ctx, table)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=UserWarning)
                if own:
                    pipe.fit(self.X, self.y)
                else:
                    pipe[1:].fit(self._Xt, self.y)  # the table step is already fitted
            self._refits[trial.trial_id] = self._corrected(pipe, trial)
        return self._refits[trial.trial_id]

    def _corrected(self, estimator, trial):
        """``estimator`` with its probabilities moved back to the training priors, if needed."""
        if not self.classification:
            return estimator
        return prior_corrected(estimator, trial.config, self.prior, self.labels)

    def bag(self, trial):
        """The trial's fold pipelines, averaged with equal weights."""
        pipes = joblib.load(trial.models_path)
        members = [(f"fold{i}", FrozenEstimator(p)) for i, p in enumerate(pipes)]
        cls = WeightedEnsembleClassifier if self.classification else WeightedEnsembleRegressor
        bag = cls(members).fit(self.X, self.y)  # frozen members: fit only sets classes
        return self._corrected(bag, trial)


def refit_seconds(trial, n_samples, n_samples_fold):
    """Estimated refit time of ``trial`` on ``n_samples`` rows, from its CV fits."""
    per_fit = trial.fit_time / max(1, len(trial.scores))
    return per_fit * n_samples / max(1.0, n_samples_fold)


def oof_score(trial, y, score):
    """The score of a trial's OOF predictions, on the rows that have one."""
    oof = np.asarray(trial.oof, dtype=float)
    seen = ~np.isnan(oof.reshape(len(y), -1)).any(axis=1)
    return score(y[seen], oof[seen])


def build_final_model(trials, *, ensemble, fold_bagging, ctx, max_predict_cost=None):
    """Choose and fit what predicts: the best pipeline or an ensemble.

    Parameters
    ----------
    trials : list of Trial
        Finished candidates (status ``"ok"``, all training rows), best first.
    ensemble : {"greedy", "stacking", "none"}
    fold_bagging : {"auto", True, False}
        ``True``: members are their fold models averaged, when kept;
        ``"auto"``: only when a refit would not fit in the time left.
    ctx : FinalModelContext
    max_predict_cost : float, default=None
        Each member beyond the first may add on average at most this share
        of the best pipeline's predict time: the greedy selection keeps
        within it on the times estimated on the CV test folds, and chooses
        again on the fitted members' measured times if they break it. No
        limit when None.

    Returns
    -------
    FinalModel
    """
    oof_scores = {t.trial_id: oof_score(t, ctx.y_score, ctx.score) for t in trials}
    best = _first_refittable(trials, ctx, fold_bagging)
    best_oof = max(oof_scores.values())
    single = _fit_member(best, ctx, fold_bagging)
    result = FinalModel(
        estimator=single[0], kind="single", members=[best], weights=np.ones(1),
        oof_score=oof_scores[best.trial_id], best_single=best, best_single_oof=best_oof,
        bagged={best.trial_id: single[1]}, best_pipeline=single[0], oof_scores=oof_scores,
        oof=np.asarray(best.oof, dtype=float),
    )
    if ensemble == "none" or len(trials) < 2:
        return result
    # only candidates that can be fitted in the time left are worth selecting,
    # and only those that beat the constant predictor on their folds
    floor = constant_score(ctx)
    candidates = [t for t in ensemble_library(trials)
                  if (t.trial_id in result.bagged or _affordable(t, ctx, fold_bagging))
                  and (t is best or t.score > floor)]
    if len(candidates) < 2:
        result.notes.append("no time left to fit another pipeline for an ensemble")
        return result
    costs, shared = _estimated_costs(
        candidates, best, lambda t: fold_bagging is True or uses_native_categories(t.config))
    if max_predict_cost is not None and costs is not None and shared + min(costs) > 1:
        # the best keeps a table of its own and every other candidate would
        # add the shared one: nothing starts an ensemble within the limit
        result.notes.append("no candidate predicts as fast as the best pipeline "
                            "(ensemble_predict_cost)")
        return result
    selection = greedy_ensemble_selection(
        [t.oof for t in candidates], ctx.y_score, ctx.score, n_iterations=GREEDY_ITERATIONS,
        time_limit=GREEDY_TIME_SHARE * ctx.time_left(), costs=costs, shared_cost=shared,
        max_cost_per_member=max_predict_cost,
    )
    chosen = [(t, w) for t, w in zip(candidates, selection.weights) if w > 0]
    if len(chosen) < 2 or not selection.score > best_oof:
        result.notes.append("greedy ensemble no better than the best single pipeline")
        return result
    if ensemble == "stacking":
        stacked = _try_stacking([t for t, _ in chosen], ctx, best_oof, result)
        if stacked is not None:
            return stacked
    return _fit_greedy(chosen, selection.score, ctx, fold_bagging, result,
                       max_predict_cost) or result


def interrupted_final_model(trials, ctx):
    """The best model already fitted when ``build_final_model`` was interrupted, or None.

    The best trial refitted so far (``trials`` are best first), else the
    best one whose fold models were kept, averaged (cheap: they are only
    loaded); None when neither exists. Warns naming what was kept.
    """
    refitted = [t for t in trials if t.trial_id in ctx._refits]
    kept = refitted or [t for t in trials if t.models_path]
    if not kept:
        return None
    best = kept[0]
    estimator = ctx._refits[best.trial_id] if refitted else ctx.bag(best)
    how = "refitted on all rows" if refitted else "its fold models averaged"
    warnings.warn(
        f"Interrupted during the refit / ensembling: keeping trial {best.trial_id} "
        f"({best.family.name}, CV score {best.score:.5f}, {how}) as the model; no "
        "ensemble.", UserWarning, stacklevel=3)
    oof_scores = {t.trial_id: oof_score(t, ctx.y_score, ctx.score) for t in trials}
    return FinalModel(
        estimator=estimator, kind="single", members=[best], weights=np.ones(1),
        oof_score=oof_scores[best.trial_id], best_single=best,
        best_single_oof=max(oof_scores.values()), bagged={best.trial_id: not refitted},
        best_pipeline=estimator, notes=[f"interrupted: kept trial {best.trial_id} ({how})"],
        oof_scores=oof_scores, oof=np.asarray(best.oof, dtype=float),
    )


def ensemble_library(trials, n_best=MAX_CANDIDATES):
    """The candidates greedy selection chooses from: the best, and one of each family.

    The ``n_best`` best trials, then the best trial of every family that has
    none among them, in score order. A long search converges: on adult
    (300 s) the 20 best were all LightGBM, HistGradientBoosting and XGBoost,
    and on electricity all HistGradientBoosting, so a library of the best
    alone offers near copies of one model and nothing to average against.
    Caruana's selection gains from a diverse library (as AutoGluon's weighted
    ensemble gets one model of each kind); greedy selection still takes a
    family's best only if it improves the out-of-fold score.

    Parameters
    ----------
    trials : list of Trial
        Best first.
    n_best : int, default=MAX_CANDIDATES

    Returns
    -------
    list of Trial
        Best first, then the other families' best.
    """
    library = list(trials[:n_best])
    families = {t.family.name for t in library}
    for trial in trials[n_best:]:
        if trial.family.name not in families:
            families.add(trial.family.name)
            library.append(trial)
    return library


def constant_score(ctx):
    """The score of predicting the class priors (or the mean target) for every row.

    A candidate whose fold scores are no better predicts nothing, yet its
    out-of-fold predictions can still raise an ensemble's pooled OOF score:
    a model that learnt only each fold's class balance (constant within a
    fold) shifts the folds against each other, which moves a rank metric
    such as ROC AUC on the pooled rows and nothing on a test set. Greedy
    selection would give it most of the weight (seen on credit_g: 94 %,
    probabilities flattened to a narrow band), so it is left out.
    """
    y = np.asarray(ctx.y_score)
    if ctx.classification:
        classes = np.asarray(ctx.classes)
        prior = (y[:, None] == classes[None, :]).mean(axis=0)
        prediction = np.tile(prior, (len(y), 1))
    else:
        prediction = np.full(len(y), float(np.mean(y)))
    try:
        return float(ctx.score(y, prediction))
    except (ValueError, TypeError, ZeroDivisionError):  # a scorer that needs variation
        return -np.inf


def _estimated_costs(candidates, best, own_table):
    """``(costs, shared)``: predict times from the CV folds, as shares of the best pipeline's.

    Refitted members share one table preprocessor, paid once (``shared``);
    each adds the rest of its pipeline. Members for which ``own_table(trial)``
    is true (bagged ones; those with native categories) carry their own
    tables. A time not measured counts as 0 (the fitted members are
    measured before the ensemble is kept).
    """
    single = sum(best.predict_time)
    if not np.isfinite(single) or single <= 0:
        return None, 0.0
    # the shared table's time: the best's when it shares it, else another sharer's
    sharer = next((t for t in [best, *candidates] if not own_table(t)), None)
    shared = sharer.predict_time[0] / single if sharer is not None else 0.0
    shared = shared if np.isfinite(shared) else 0.0

    def cost(trial):
        if trial is best:
            return 1.0 - (0.0 if own_table(trial) else shared)
        seconds = sum(trial.predict_time) if own_table(trial) else trial.predict_time[1]
        return seconds / single if np.isfinite(seconds) else 0.0

    return [cost(t) for t in candidates], shared


def _affordable(trial, ctx, fold_bagging):
    if fold_bagging is True and trial.models_path:
        return True
    return REFIT_MARGIN * ctx.refit_estimate(trial) <= ctx.time_left()


def _first_refittable(trials, ctx, fold_bagging):
    """The best trial that can be refitted (or bagged) in the time left, else the fastest."""
    for t in trials:  # kept fold models can always stand in for a refit
        if t.models_path or REFIT_MARGIN * ctx.refit_estimate(t) <= ctx.time_left():
            return t
    return min(trials, key=lambda t: t.fit_time)


def _fit_member(trial, ctx, fold_bagging):
    """``(fitted estimator on raw X, bagged?)`` for one member."""
    if trial.models_path and (
        fold_bagging is True
        or (fold_bagging == "auto" and REFIT_MARGIN * ctx.refit_estimate(trial) > ctx.time_left())
    ):
        return ctx.bag(trial), True
    return ctx.refit(trial), False


def _fit_greedy(chosen, score, ctx, fold_bagging, result, max_predict_cost=None):
    members, weights, bagged = [], [], {}
    for trial, weight in sorted(chosen, key=lambda tw: -tw[1]):
        if trial.trial_id in result.bagged:  # the best single, already built
            fitted, was_bagged = result.estimator, result.bagged[trial.trial_id]
        elif fold_bagging is True and trial.models_path:
            fitted, was_bagged = ctx.bag(trial), True
        elif REFIT_MARGIN * ctx.refit_estimate(trial) <= ctx.time_left():
            fitted, was_bagged = ctx.refit(trial), False
        else:
            # No time to refit it. Its fold models would do, but they multiply
            # the predict time of the member by k: leave it out instead.
            continue
        members.append((trial, fitted))
        weights.append(weight)
        bagged[trial.trial_id] = was_bagged
    own_table = {t.trial_id: bagged[t.trial_id] or uses_native_categories(t.config)
                 for t, _ in members}
    costs, shared, within = None, 0.0, True
    if max_predict_cost is not None and len(members) > 1:
        costs, shared = _measured_costs(members, own_table, ctx, result)
        spent = shared + sum(costs)
        within = spent <= 1 + max_predict_cost * (len(members) - 1)
        if not within:
            result.notes.append(
                f"the fitted members would add {(spent - 1) / (len(members) - 1):.0%} of the "
                f"best pipeline's predict time each (ensemble_predict_cost="
                f"{max_predict_cost:g}): chosen again on their measured times")
    if len(members) < len(chosen) or not within:
        # some members could not be fitted in time, or predict too slowly:
        # re-select among the others
        if len(members) < 2:
            result.notes.append("no time left to fit the ensemble's members")
            return None
        if costs is not None and shared + min(costs) > 1:
            result.notes.append("no fitted member predicts as fast as the best pipeline")
            return None
        selection = greedy_ensemble_selection(
            [t.oof for t, _ in members], ctx.y_score, ctx.score, n_iterations=GREEDY_ITERATIONS,
            time_limit=GREEDY_TIME_SHARE * ctx.time_left(), costs=costs, shared_cost=shared,
            max_cost_per_member=max_predict_cost,
        )
        if not selection.score > result.best_single_oof:
            result.notes.append("the members that fit in time (and within "
                                "ensemble_predict_cost) make no better ensemble")
            return None
        if (selection.weights > 0).sum() < 2:
            result.notes.append("only one of the members that fit in time (and within "
                                "ensemble_predict_cost) was chosen: no ensemble")
            return None
        score = selection.score
        kept = np.flatnonzero(selection.weights > 0)
        members, weights = [members[i] for i in kept], list(selection.weights[kept])
        costs = None if costs is None else [costs[i] for i in kept]
    predict_cost = float("nan") if costs is None else shared + sum(costs)
    weights = np.asarray(weights) / np.sum(weights)
    cls = WeightedEnsembleClassifier if ctx.classification else WeightedEnsembleRegressor
    estimator = _assemble(cls, members, weights, own_table, ctx)
    return FinalModel(
        estimator=estimator, kind="greedy", members=[t for t, _ in members],
        weights=weights, oof_score=score,
        best_single=result.best_single, best_single_oof=result.best_single_oof,
        bagged={t.trial_id: bagged[t.trial_id] for t, _ in members},
        best_pipeline=result.best_pipeline, notes=result.notes, oof_scores=result.oof_scores,
        predict_cost=predict_cost, oof=_weighted_oof([t for t, _ in members], weights),
    )


def _weighted_oof(trials, weights):
    """The weighted average of the trials' out-of-fold predictions."""
    return sum(w * np.asarray(t.oof, dtype=float) for t, w in zip(trials, weights))


def _assemble(cls, members, weights, own_table, ctx):
    """The weighted ensemble, running the shared table preprocessor once.

    Refitted members share one fitted table preprocessor: they are averaged
    after it, in ``Pipeline(table, ensemble)``. Members with a table of their
    own (fold-bagged, native categories) predict from raw rows; with both
    kinds, the shared part is one member of an ensemble on raw rows, weighing
    what its members weigh together (the same weighted average).
    """
    own = [(t, f, w) for (t, f), w in zip(members, weights) if own_table[t.trial_id]]
    sharing = [(t, f, w) for (t, f), w in zip(members, weights) if not own_table[t.trial_id]]
    parts = [(f"trial{t.trial_id}", FrozenEstimator(f), w) for t, f, w in own]
    if len(sharing) == 1:
        t, f, w = sharing[0]
        parts.append((f"trial{t.trial_id}", FrozenEstimator(f), w))
    elif sharing:
        averaged = cls(
            [(f"trial{t.trial_id}", FrozenEstimator(f[1:])) for t, f, _ in sharing],
            [w for _, _, w in sharing],
        ).fit(ctx.transformed(), ctx.y)  # frozen members: fit only records the classes
        shared = Pipeline([("table", ctx.fitted_table()), ("ensemble", averaged)])
        if not own:
            return shared
        parts.append(("shared_table", shared, sum(w for _, _, w in sharing)))
    return cls([(name, est) for name, est, _ in parts], [w for _, _, w in parts]).fit(ctx.X, ctx.y)


def _measured_costs(members, own_table, ctx, result):
    """``(costs, shared)`` of the fitted members, as shares of the best pipeline's predict time.

    Timed on training rows, as many as a CV test fold (within
    ``COST_SAMPLE_ROWS``): the best pipeline whole; the table preprocessor
    that refitted members share (``shared``, paid once, as
    :func:`_assemble` runs it) and each of them without it; a member with a
    table of its own (fold-bagged, native categories) whole. The CV-fold
    estimate that chose them misses how much a refit on all rows grows a
    model.
    """
    fold_rows = int(np.mean([len(test) for _, test in ctx.folds])) if ctx.folds else 0
    n_rows = min(max(COST_SAMPLE_ROWS[0], fold_rows), COST_SAMPLE_ROWS[1])
    rows = np.random.RandomState(0).permutation(len(ctx.y))[:n_rows]
    sample = _safe_indexing(ctx.X, np.sort(rows))
    single = max(1e-9, _predict_seconds(result.estimator, sample, ctx.classification))
    shared = 0.0
    if not all(own_table[t.trial_id] for t, _ in members):
        table = ctx.fitted_table()
        seconds, table_out = _median_seconds(lambda: table.transform(sample))
        shared = min(1.0, seconds / single)
    costs = []
    for trial, fitted in members:
        best = trial.trial_id == result.best_single.trial_id
        if own_table[trial.trial_id]:
            costs.append(1.0 if best else
                         _predict_seconds(fitted, sample, ctx.classification) / single)
        elif best:
            costs.append(1.0 - shared)
        else:
            costs.append(_predict_seconds(fitted[1:], table_out, ctx.classification) / single)
    return costs, shared


def _predict_seconds(estimator, X, classification):
    """Median wall time of one ``predict_proba`` (or ``predict``) on ``X``."""
    method = estimator.predict_proba if classification else estimator.predict
    return _median_seconds(lambda: method(X))[0]


def _median_seconds(call, repeats=3):
    """``(median wall time of call(), its last result)``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def _partition(folds, n_samples):
    """The first folds that cover each row exactly once, or None."""
    covered = np.zeros(n_samples, dtype=int)
    chosen = []
    for train, test in folds:
        if covered[test].any():
            break
        covered[test] += 1
        chosen.append((train, test))
    return chosen if covered.all() and len(chosen) >= 2 else None


def _meta_features(trials, classification):
    blocks = []
    for t in trials:
        oof = np.asarray(t.oof, dtype=float)
        if classification and oof.shape[1] == 2:
            oof = oof[:, 1:]  # what StackingClassifier passes for binary tasks
        blocks.append(oof.reshape(len(oof), -1))
    return np.hstack(blocks)


def _final_estimator(classification, random_state):
    if classification:
        return LogisticRegression(max_iter=1000, random_state=random_state)
    return RidgeCV()


def _try_stacking(members, ctx, best_oof, result):
    """A fitted scikit-learn stack of ``members`` if it scores better and fits in time."""
    folds = _partition(ctx.folds, len(ctx.y))
    if folds is None:
        result.notes.append("stacking needs folds that partition the rows (k-fold); "
                            "used the greedy ensemble")
        return None
    meta = _meta_features(members, ctx.classification)
    final = _final_estimator(ctx.classification, ctx.refit_ctx.random_state)
    method = "predict_proba" if ctx.classification else "predict"
    meta_oof = cross_val_predict(final, meta, ctx.y, cv=folds, method=method)
    score = ctx.score(ctx.y_score, meta_oof)
    if not score > best_oof:
        result.notes.append("stack no better than the best single pipeline; "
                            "used the greedy ensemble")
        return None
    cost = sum(ctx.refit_estimate(t) * (1 + len(folds)) for t in members)
    if REFIT_MARGIN * cost > ctx.time_left():
        result.notes.append("no time left to fit the stack; used the greedy ensemble")
        return None
    estimators = [
        (f"trial{t.trial_id}",
         ctx._corrected(build_pipeline(t.family, refit_config(t.config, t.best_iteration),
                                       ctx.refit_ctx, clone(ctx.table)), t))
        for t in members
    ]
    cls = StackingClassifier if ctx.classification else StackingRegressor
    stack = cls(estimators, final_estimator=final, cv=folds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        stack.fit(ctx.X, ctx.y)
    return FinalModel(
        estimator=stack, kind="stacking", members=members, weights=np.full(len(members), np.nan),
        oof_score=score, best_single=result.best_single, best_single_oof=result.best_single_oof,
        bagged={t.trial_id: False for t in members}, best_pipeline=result.best_pipeline,
        notes=result.notes, oof_scores=result.oof_scores,
        oof=np.asarray(meta_oof, dtype=float),
    )
