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
candidate's (and, with ``selection="validated_ensemble"`` or ``"robust"``,
when weights chosen on some folds beat it beyond noise on the others: see
``automl._selection``).
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.ensemble import StackingClassifier, StackingRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from automl._budget import fits_in, refit_seconds
from automl._metrics import resolve_scorer, score_predictions
from automl._selection import (
    ValidatedSelection,
    bags_ensemble,
    heldout_groups,
    validated_ensemble_selection,
    validates_ensemble,
)
from automl._task import is_classification
from automl.ensemble import (
    WeightedEnsembleClassifier,
    WeightedEnsembleRegressor,
    bagged_ensemble_selection,
    greedy_ensemble_selection,
)
from automl.search._space import uses_native_categories

# Greedy selection looks at this many of the best candidates, and at the best
# of every other family (see ``ensemble_library``).
MAX_CANDIDATES = 20
GREEDY_ITERATIONS = 50
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
    # what a robust selection rule found (automl._selection), for ``selection_``
    selection: dict = field(default_factory=dict)


class OOFScoring:
    """Scores stored out-of-fold predictions against the training target.

    Scoring is repeated hundreds of times (greedy selection): with a named
    metric, classification is scored against integer class codes, since
    string labels are slow.
    """

    def __init__(self, y, task, classes, scorer, metric=None):
        self.task, self.y, self.classes, self.scorer = task, y, classes, scorer
        if is_classification(task) and isinstance(metric, str):
            self.y = np.searchsorted(classes, y)
            self.classes = np.arange(len(classes))
            self.scorer = resolve_scorer(metric, task, self.classes)[1]

    def score(self, y_true, prediction):
        return score_predictions(self.scorer, self.task, y_true, prediction, self.classes)


@dataclass
class FinalModelContext:
    """What the final phase works with.

    Attributes
    ----------
    scoring : OOFScoring
        Scores out-of-fold predictions.
    refitter : automl._refit.Refitter
        Fits the members on all rows; holds the training data.
    folds : list of (train, test)
        The search's folds (for stacking and for timing on a test fold's rows).
    budget : automl._budget.Budget
        The fit's clock.
    n_samples_fold : float
        The mean number of training rows of a fold (for refit estimates).
    """

    scoring: OOFScoring
    refitter: object
    folds: list
    budget: object
    n_samples_fold: float

    @property
    def X(self):
        return self.refitter.X

    @property
    def y(self):
        return self.refitter.y

    @property
    def classification(self):
        return self.refitter.classification

    @property
    def random_state(self):
        return self.refitter.ctx.random_state

    def time_left(self):
        return self.budget.time_left()

    def fits_in_time(self, seconds):
        return fits_in(seconds, self.time_left())

    def refit_estimate(self, trial):
        return refit_seconds(trial.fit_time, len(trial.scores), len(self.y), self.n_samples_fold)


def oof_score(trial, y, score):
    """The score of a trial's OOF predictions, on the rows that have one."""
    oof = np.asarray(trial.oof, dtype=float)
    seen = ~np.isnan(oof.reshape(len(y), -1)).any(axis=1)
    return score(y[seen], oof[seen])


def build_final_model(trials, *, ensemble, fold_bagging, ctx, max_predict_cost=None,
                      selection="best"):
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
    selection : str, default="best"
        ``AutoPipeline``'s rule (``automl._selection``): with
        ``"validated_ensemble"`` or ``"robust"`` the greedy weights are
        chosen on some folds and judged on the others, and the ensemble is
        kept only when its held-out gain is beyond noise; with
        ``"bagged_ensemble"`` they are averaged over greedy selections on
        random halves of the candidates. ``trials`` come already ordered by
        the rule.

    Returns
    -------
    FinalModel
    """
    oof_scores = {t.trial_id: oof_score(t, ctx.scoring.y, ctx.scoring.score) for t in trials}
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
    picked = _select_weights([t.oof for t in candidates], ctx, costs, shared,
                             max_predict_cost, selection, result)
    chosen = [(t, w) for t, w in zip(candidates, picked.weights) if w > 0]
    if len(chosen) < 2 or not _beats(picked, best_oof):
        result.notes.append(_not_better_note(picked))
        return result
    if ensemble == "stacking":
        stacked = _try_stacking([t for t, _ in chosen], ctx, best_oof, result)
        if stacked is not None:
            return stacked
    return _fit_greedy(chosen, picked.score, ctx, fold_bagging, result,
                       max_predict_cost, selection) or result


def interrupted_final_model(trials, ctx):
    """The best model already fitted when ``build_final_model`` was interrupted, or None.

    The best trial refitted so far (``trials`` are best first), else the
    best one whose fold models were kept, averaged (cheap: they are only
    loaded); None when neither exists. Warns naming what was kept.
    """
    refitted = [t for t in trials if t.trial_id in ctx.refitter.refitted]
    kept = refitted or [t for t in trials if t.models_path]
    if not kept:
        return None
    best = kept[0]
    estimator = ctx.refitter.refitted[best.trial_id] if refitted else ctx.refitter.bag(best)
    how = "refitted on all rows" if refitted else "its fold models averaged"
    warnings.warn(
        f"Interrupted during the refit / ensembling: keeping trial {best.trial_id} "
        f"({best.family.name}, CV score {best.score:.5f}, {how}) as the model; no "
        "ensemble.", UserWarning, stacklevel=3)
    oof_scores = {t.trial_id: oof_score(t, ctx.scoring.y, ctx.scoring.score) for t in trials}
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
    y = np.asarray(ctx.scoring.y)
    if ctx.classification:
        classes = np.asarray(ctx.scoring.classes)
        prior = (y[:, None] == classes[None, :]).mean(axis=0)
        prediction = np.tile(prior, (len(y), 1))
    else:
        prediction = np.full(len(y), float(np.mean(y)))
    try:
        return float(ctx.scoring.score(y, prediction))
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
    return ctx.fits_in_time(ctx.refit_estimate(trial))


def _first_refittable(trials, ctx, fold_bagging):
    """The best trial that can be refitted (or bagged) in the time left, else the fastest."""
    for t in trials:  # kept fold models can always stand in for a refit
        if t.models_path or ctx.fits_in_time(ctx.refit_estimate(t)):
            return t
    return min(trials, key=lambda t: t.fit_time)


def _fit_member(trial, ctx, fold_bagging):
    """``(fitted estimator on raw X, bagged?)`` for one member."""
    if trial.models_path and (
        fold_bagging is True
        or (fold_bagging == "auto" and not ctx.fits_in_time(ctx.refit_estimate(trial)))
    ):
        return ctx.refitter.bag(trial), True
    return ctx.refitter.refit(trial), False


def _fitted_members(chosen, ctx, fold_bagging, result):
    """``(members, weights, bagged)``: the chosen ``(trial, weight)`` fitted, heaviest first.

    ``members`` are ``(trial, fitted estimator)``; a member that cannot be
    refitted in the time left is left out.
    """
    members, weights, bagged = [], [], {}
    for trial, weight in sorted(chosen, key=lambda tw: -tw[1]):
        if trial.trial_id in result.bagged:  # the best single, already built
            fitted, was_bagged = result.estimator, result.bagged[trial.trial_id]
        elif fold_bagging is True and trial.models_path:
            fitted, was_bagged = ctx.refitter.bag(trial), True
        elif ctx.fits_in_time(ctx.refit_estimate(trial)):
            fitted, was_bagged = ctx.refitter.refit(trial), False
        else:
            # No time to refit it. Its fold models would do, but they multiply
            # the predict time of the member by k: leave it out instead.
            continue
        members.append((trial, fitted))
        weights.append(weight)
        bagged[trial.trial_id] = was_bagged
    return members, weights, bagged


def _select_weights(predictions, ctx, costs, shared, max_predict_cost, rule, result):
    """Greedy weights on the OOF predictions; judged on held-out folds when ``rule`` says so."""
    params = dict(n_iterations=GREEDY_ITERATIONS, time_limit=ctx.budget.greedy_seconds(),
                  costs=costs, shared_cost=shared, max_cost_per_member=max_predict_cost)
    if bags_ensemble(rule):
        found = bagged_ensemble_selection(predictions, ctx.scoring.y, ctx.scoring.score,
                                          random_state=ctx.random_state, **params)
        result.selection.update(ensemble_bags=len(found.bag_scores),
                                ensemble_bags_pruned=found.n_pruned,
                                ensemble_bags_fallback=found.fallback)
        return found
    if not validates_ensemble(rule):
        return greedy_ensemble_selection(predictions, ctx.scoring.y, ctx.scoring.score, **params)
    groups = heldout_groups(ctx.folds, len(ctx.y), ctx.random_state)
    try:
        found = validated_ensemble_selection(predictions, ctx.scoring.y, ctx.scoring.score,
                                             groups, **params)
    except ValueError as exc:  # a held-out fold the metric cannot score (one class)
        result.notes.append(f"could not validate the ensemble on held-out folds: {exc}")
        n = len(predictions)
        found = ValidatedSelection(np.zeros(n), -np.inf, np.nan, np.nan, False, np.zeros((0, n)))
    result.selection.update(ensemble_heldout_gain=found.gain,
                            ensemble_heldout_gain_se=found.gain_se,
                            ensemble_validated=found.accepted)
    return found


def _beats(selection, best_oof):
    """The ensemble beats the best single OOF score (and, validated, beyond noise held out)."""
    return selection.score > best_oof and getattr(selection, "accepted", True)


def _not_better_note(selection):
    if getattr(selection, "accepted", True):
        return "greedy ensemble no better than the best single pipeline"
    return (f"greedy ensemble not better than the best single pipeline beyond noise on "
            f"held-out folds (gain {selection.gain:+.5f}, standard error "
            f"{selection.gain_se:.5f}; selection validates the ensemble)")


def _fit_greedy(chosen, score, ctx, fold_bagging, result, max_predict_cost=None,
                rule="best"):
    """The greedy ensemble of ``chosen`` fitted, chosen again if needed; None if no better."""
    members, weights, bagged = _fitted_members(chosen, ctx, fold_bagging, result)
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
        selection = _select_weights([t.oof for t, _ in members], ctx, costs, shared,
                                    max_predict_cost, rule, result)
        if not _beats(selection, result.best_single_oof):
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
        selection=result.selection,
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
        ).fit(ctx.refitter.transformed(), ctx.y)  # frozen members: fit only records the classes
        shared = Pipeline([("table", ctx.refitter.fitted_table()), ("ensemble", averaged)])
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
        table = ctx.refitter.fitted_table()
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
    final = _final_estimator(ctx.classification, ctx.random_state)
    method = "predict_proba" if ctx.classification else "predict"
    meta_oof = cross_val_predict(final, meta, ctx.y, cv=folds, method=method)
    score = ctx.scoring.score(ctx.scoring.y, meta_oof)
    if not score > best_oof:
        result.notes.append("stack no better than the best single pipeline; "
                            "used the greedy ensemble")
        return None
    cost = sum(ctx.refit_estimate(t) * (1 + len(folds)) for t in members)
    if not ctx.fits_in_time(cost):
        result.notes.append("no time left to fit the stack; used the greedy ensemble")
        return None
    estimators = [
        (f"trial{t.trial_id}",
         ctx.refitter.unfitted(t))
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
        oof=np.asarray(meta_oof, dtype=float), selection=result.selection,
    )
