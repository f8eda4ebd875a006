"""Robust selection: how sure the choice of the best candidate is, and rules that distrust it.

With hundreds of candidates scored on the same noisy folds, the best
cross-validation score is more and more the luckiest one (issue 29: more
time gave a worse model on electricity), and greedy ensemble selection on
the same out-of-fold (OOF) predictions adds its own optimism. This module

- estimates the standard error of a candidate's CV score
  (:func:`corrected_sem`: the Nadeau-Bengio correction, which, unlike
  ``std / sqrt(n_folds)``, accounts for folds and repeats sharing training
  rows);
- counts the candidates within one standard error of the best, the
  standard error of each one's gap to the best on the shared folds
  (:func:`paired_gap`, :func:`within_one_se`), and applies the
  one-standard-error rule (:func:`one_se_choice`: among them, the
  simplest);
- validates greedy ensemble weights on rows they were not chosen on
  (:func:`validated_ensemble_selection`), so that an ensemble is used only
  when it beats the best single candidate beyond noise on held-out folds.

The rules, as ``AutoPipeline(selection=...)`` names them
(:data:`SELECTION_RULES`): ``"best"`` (the highest CV score; the greedy
ensemble when its in-sample OOF score beats it), ``"one_se"``,
``"validated_ensemble"``, ``"robust"`` (both) and ``"bagged_ensemble"``
(greedy weights averaged over random halves of the candidates,
:func:`~automl.ensemble.bagged_ensemble_selection`). What scikit-learn lacks:
its ``GridSearchCV(refit=callable)`` lets a user write a one-SE rule over
``cv_results_`` (its gallery has one), with the naive standard error and
no ensemble.
"""

from dataclasses import dataclass

import numpy as np

from automl.ensemble import greedy_ensemble_selection

SELECTION_RULES = ("best", "one_se", "validated_ensemble", "robust", "bagged_ensemble")
SE_METHOD = "nadeau_bengio_paired"  # as ``selection_`` reports it: see ``within_one_se``
# random groups of rows when the folds give fewer than two disjoint test sets
N_FALLBACK_GROUPS = 5
# The one-SE rule's order of simplicity (capacity), simplest first; families
# not named come last. Within a tier, the least fit time per fold.
SIMPLICITY_TIERS = {
    "logistic_regression": 0, "linear_regression": 0,
    "k_nearest_neighbors": 1,
    "random_forest": 2, "extra_trees": 2, "bagging": 2,
    "adaboost": 3, "hist_gradient_boosting": 3, "lightgbm": 3, "xgboost": 3,
    "mlp": 4,
}


def uses_one_se(rule):
    """Whether ``rule`` picks the single candidate by the one-SE rule."""
    return rule in ("one_se", "robust")


def bags_ensemble(rule):
    """Whether ``rule`` averages greedy selections over random halves of the candidates."""
    return rule == "bagged_ensemble"


def validates_ensemble(rule):
    """Whether ``rule`` validates the greedy ensemble on held-out folds."""
    return rule in ("validated_ensemble", "robust")


def corrected_sem(scores, ratio):
    """Standard error of a mean CV score, corrected for overlapping training sets.

    The ``J`` fold scores of k-fold (or repeated k-fold) cross-validation are
    not independent: their models share most training rows, so
    ``std / sqrt(J)`` is too small, and more so with repeats. Nadeau and
    Bengio's corrected variance of the mean is ``s^2 (1 / J + n_test /
    n_train)`` with ``s^2`` the sample variance of the fold scores
    (Bouckaert and Frank recommend it for repeated CV).

    Parameters
    ----------
    scores : array-like of shape (n_scores,)
        The fold scores.
    ratio : float
        Rows validated per fold over rows trained on (``1 / (k - 1)`` for
        k-fold; see :func:`fold_size_ratio`).

    Returns
    -------
    sem : float
        NaN with fewer than two scores (a single holdout).

    References
    ----------
    C. Nadeau and Y. Bengio, "Inference for the generalization error",
    Machine Learning 52, 2003. R. Bouckaert and E. Frank, "Evaluating the
    replicability of significance tests for comparing learning algorithms",
    PAKDD 2004.

    Examples
    --------
    Five folds (ratio 1/4) with sample standard deviation 0.01:

    >>> from automl._selection import corrected_sem
    >>> scores = [0.90, 0.91, 0.92, 0.89, 0.88]
    >>> round(corrected_sem(scores, 1 / 4), 5)     # 0.0158 * sqrt(1/5 + 1/4)
    0.01061
    >>> round(corrected_sem(scores, 0.0), 5)       # the naive std / sqrt(5)
    0.00707
    """
    scores = np.asarray(scores, dtype=float)
    if len(scores) < 2:
        return float("nan")
    variance = np.var(scores, ddof=1) * (1.0 / len(scores) + ratio)
    return float(np.sqrt(variance))


def fold_size_ratio(folds):
    """Mean rows validated over mean rows trained on, over the ``(train, test)`` folds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import KFold
    >>> from automl._selection import fold_size_ratio
    >>> fold_size_ratio(list(KFold(5).split(np.zeros(100))))
    0.25
    """
    if not folds:
        return 0.0
    return float(np.mean([len(test) for _, test in folds])
                 / max(1.0, np.mean([len(train) for train, _ in folds])))


def trial_sem(trial, ratio):
    """:func:`corrected_sem` of a trial's fold scores; fewer training rows when subsampled."""
    return corrected_sem(trial.scores, ratio / trial.train_fraction)


def paired_gap(best, other, ratio):
    """``(gap, sem)``: how far ``other``'s CV score lies below ``best``'s, and its standard error.

    On the same folds, two candidates' fold scores move together (an easy
    fold is easy for both; on a time-ordered table each fold is a period of
    its own), so the noise in their *difference* is what decides whether
    ``other`` is within noise of ``best``: :func:`corrected_sem` of the
    fold-by-fold differences. Scores not on the same folds (a different
    number of them) fall back to ``best``'s own standard error.

    Examples
    --------
    A candidate 0.006 below the best on every fold is beyond noise, however
    much the folds differ from each other:

    >>> from types import SimpleNamespace as T
    >>> from automl._selection import paired_gap
    >>> best = T(scores=[0.95, 0.80, 0.90], score=0.88333, train_fraction=1.0)
    >>> other = T(scores=[0.944, 0.794, 0.894], score=0.87733, train_fraction=1.0)
    >>> gap, sem = paired_gap(best, other, ratio=0.5)
    >>> round(gap, 3), round(sem, 6)
    (0.006, 0.0)
    """
    gap = best.score - other.score
    if len(best.scores) != len(other.scores) or len(best.scores) < 2:
        return gap, trial_sem(best, ratio)
    diffs = np.subtract(best.scores, other.scores)
    fraction = min(best.train_fraction, other.train_fraction)
    return gap, corrected_sem(diffs, ratio / fraction)


def within_one_se(trials, ratio):
    """``(best, sem, mask)``: the best full-data candidate, its SE, who lies within noise of it.

    Parameters
    ----------
    trials : list of Trial
        Finished candidates on all training rows (any order).
    ratio : float
        See :func:`fold_size_ratio`.

    Returns
    -------
    best : Trial
        The highest CV score (the first listed among ties).
    sem : float
        Its :func:`corrected_sem` (NaN with a single holdout), as reported.
    mask : ndarray of bool
        Per trial: its gap to the best is at most the standard error of that
        gap on the shared folds (:func:`paired_gap`); only the best when no
        standard error can be estimated (a single holdout).
    """
    scores = np.array([t.score for t in trials], dtype=float)
    best = trials[int(np.argmax(scores))]
    sem = trial_sem(best, ratio)
    if not np.isfinite(sem):
        return best, sem, np.array([t is best for t in trials])
    mask = []
    for t in trials:
        gap, gap_sem = paired_gap(best, t, ratio)
        mask.append(t is best or bool(np.isfinite(gap_sem) and gap <= gap_sem))
    return best, sem, np.array(mask)


def one_se_choice(trials, ratio):
    """The one-standard-error rule: the simplest candidate within one SE of the best.

    Among the candidates whose CV score is within one standard error of the
    best one's, the standard error of their gap on the shared folds
    (:func:`within_one_se`), the one of the simplest family
    (:data:`SIMPLICITY_TIERS`: linear models, then nearest neighbours, then
    bagged trees, then boosted trees, then the MLP), and within it the one
    with the least fit time per fold (fewer boosting rounds, fewer or
    shallower trees), ties to the higher score: the most parsimonious model,
    as in Breiman et al.'s rule. Fit time is measured, so the choice within a
    family can change between two fits of the same search when two
    candidates' times are close. Families before fit time: the first
    candidate (the linear model) is cross-validated while the worker
    processes start, which inflates its time.

    Parameters
    ----------
    trials : list of Trial
        Finished candidates on all training rows.
    ratio : float
        See :func:`fold_size_ratio`.

    Returns
    -------
    Trial

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> from automl._selection import one_se_choice
    >>> lgbm = T(name="lightgbm")
    >>> big = T(scores=[0.92, 0.90, 0.91], fit_time=30.0, train_fraction=1.0, family=lgbm)
    >>> small = T(scores=[0.91, 0.90, 0.91], fit_time=3.0, train_fraction=1.0, family=lgbm)
    >>> poor = T(scores=[0.80, 0.81, 0.80], fit_time=1.0, train_fraction=1.0, family=lgbm)
    >>> for t in (big, small, poor):
    ...     t.score = sum(t.scores) / 3
    >>> one_se_choice([big, small, poor], ratio=0.5) is small
    True
    """
    _, _, mask = within_one_se(trials, ratio)
    near = [t for t, keep in zip(trials, mask) if keep]
    return min(near, key=lambda t: (SIMPLICITY_TIERS.get(t.family.name, len(SIMPLICITY_TIERS)),
                                    t.fit_time / max(1, len(t.scores)), -t.score))


def order_for_selection(trials, rule, ratio):
    """``trials`` (best first) with the rule's choice first; unchanged for ``"best"``.

    The final phase refits the first candidate that fits in the time left,
    so the chosen one leads and the others follow in score order.
    """
    if not uses_one_se(rule) or len(trials) < 2:
        return trials
    chosen = one_se_choice(trials, ratio)
    return [chosen] + [t for t in trials if t is not chosen]


def heldout_groups(folds, n_samples, random_state=0):
    """One group per row for validating ensemble weights: its CV test fold, or -1.

    The test sets of the first folds that are disjoint (the first repeat of
    repeated k-fold; every fold of a time-series split). With fewer than two
    (a single holdout), the rows of that test set are dealt at random into
    :data:`N_FALLBACK_GROUPS` groups.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import RepeatedKFold
    >>> from automl._selection import heldout_groups
    >>> folds = list(RepeatedKFold(n_splits=3, n_repeats=2, random_state=0).split(np.zeros(6)))
    >>> np.bincount(heldout_groups(folds, 6))
    array([2, 2, 2])
    """
    groups = np.full(n_samples, -1)
    n_groups = 0
    for _, test in folds:
        if (groups[test] >= 0).any():
            break
        groups[test] = n_groups
        n_groups += 1
    if n_groups < 2:
        rows = np.flatnonzero(groups >= 0) if n_groups else np.arange(n_samples)
        rng = np.random.RandomState(random_state)
        groups[rng.permutation(rows)] = np.arange(len(rows)) % N_FALLBACK_GROUPS
    return groups


@dataclass
class ValidatedSelection:
    """The outcome of :func:`validated_ensemble_selection`.

    Attributes
    ----------
    weights : ndarray of shape (n_candidates,)
        The mean of the weights chosen without each group, summing to 1.
    score : float
        Their score on all rows with a prediction (comparable to a single
        candidate's OOF score).
    gain : float
        Mean over groups of the held-out score of the weights chosen without
        that group, less that of the best single candidate chosen without it.
    gain_se : float
        Its standard error (:func:`corrected_sem` over the groups).
    accepted : bool
        ``gain > gain_se`` and at least two candidates have weight: the
        ensemble beats the best single one beyond noise.
    fold_weights : ndarray of shape (n_groups, n_candidates)
    """

    weights: np.ndarray
    score: float
    gain: float
    gain_se: float
    accepted: bool
    fold_weights: np.ndarray


def validated_ensemble_selection(predictions, y, score, groups, *, time_limit=None,
                                 **greedy_params):
    """Greedy ensemble selection whose weights are judged on rows they were not chosen on.

    For each group of rows (a CV test fold, :func:`heldout_groups`), greedy
    selection chooses weights on the other groups' OOF predictions, and the
    best single candidate is chosen there too; both are scored on the
    held-out group. The ensemble is accepted when the mean held-out gain
    exceeds its standard error; its weights are the mean of the per-group
    weights (a bagged, hence shrunk, version of the in-sample weights).

    Parameters
    ----------
    predictions : list of ndarray
        Out-of-fold predictions, one array per candidate (see
        :func:`~automl.ensemble.greedy_ensemble_selection`).
    y : array-like of shape (n_samples,)
    score : callable
        ``score(y_true, prediction) -> float``, greater is better.
    groups : ndarray of int of shape (n_samples,)
        Group of each row; -1 for rows never held out.
    time_limit : float, default=None
        Seconds for all the selections together (split evenly).
    **greedy_params
        Passed to :func:`~automl.ensemble.greedy_ensemble_selection`
        (``n_iterations``, ``costs``, ``shared_cost``,
        ``max_cost_per_member``).

    Returns
    -------
    ValidatedSelection

    Examples
    --------
    A near copy of a candidate raises the in-sample score a little, but not
    beyond noise on held-out rows:

    >>> import numpy as np
    >>> from automl._selection import validated_ensemble_selection
    >>> rng = np.random.RandomState(0)
    >>> y = rng.normal(size=200)
    >>> a = y + rng.normal(size=200)
    >>> copy = a + 0.01 * rng.normal(size=200)
    >>> neg_mse = lambda t, p: -np.mean((t - p) ** 2)
    >>> groups = np.arange(200) % 5
    >>> validated_ensemble_selection([a, copy], y, neg_mse, groups).accepted
    False
    >>> other = y + rng.normal(size=200)        # independent errors: a real gain
    >>> validated_ensemble_selection([a, other], y, neg_mse, groups).accepted
    True
    """
    stacked = [np.asarray(p, dtype=float) for p in predictions]
    y = np.asarray(y)
    labels = [g for g in np.unique(groups) if g >= 0]
    limit = None if time_limit is None else time_limit / max(1, len(labels))
    fold_weights, gains = [], []
    for g in labels:
        fit_rows, held = (groups >= 0) & (groups != g), groups == g
        chosen = greedy_ensemble_selection([p[fit_rows] for p in stacked], y[fit_rows], score,
                                           time_limit=limit, **greedy_params)
        single = int(np.argmax([_score_seen(score, y[fit_rows], p[fit_rows]) for p in stacked]))
        ensemble = _score_seen(score, y[held], _average(stacked, chosen.weights)[held])
        gains.append(ensemble - _score_seen(score, y[held], stacked[single][held]))
        fold_weights.append(chosen.weights)
    fold_weights = np.array(fold_weights)
    weights = fold_weights.mean(axis=0)
    gain = float(np.mean(gains))
    gain_se = corrected_sem(gains, 1.0 / max(1, len(labels) - 1))
    accepted = bool(gain > gain_se and (weights > 0).sum() >= 2)
    total = _score_seen(score, y, _average(stacked, weights))
    return ValidatedSelection(weights, total, gain, gain_se, accepted, fold_weights)


def _average(stacked, weights):
    return sum(w * p for w, p in zip(weights, stacked) if w > 0)


def _score_seen(score, y, prediction):
    """``score`` on the rows with a prediction (no NaN)."""
    seen = ~np.isnan(prediction.reshape(len(y), -1)).any(axis=1)
    return float(score(y[seen], prediction[seen]))


def selection_summary(trials, rule, ratio, chosen, final=None):
    """``selection_``: how sure the choice of the single candidate is, and the rule used.

    Parameters
    ----------
    trials : list of Trial
        Finished candidates on all training rows.
    rule : str
        One of :data:`SELECTION_RULES`.
    ratio : float
        See :func:`fold_size_ratio`.
    chosen : Trial
        The single candidate kept (``best_pipeline_``).
    final : FinalModel, default=None
        Adds what the ensemble's held-out validation found, when it ran.

    Returns
    -------
    dict
        ``rule``, ``se_method``, ``best_trial``, ``best_score``,
        ``best_score_sem``, ``n_candidates``, ``n_within_se`` (the best
        included), ``chosen_trial``, ``chosen_score``, and, after a held-out
        validation of the ensemble, ``ensemble_heldout_gain``,
        ``ensemble_heldout_gain_se`` and ``ensemble_validated``.
    """
    best, sem, mask = within_one_se(trials, ratio)
    summary = {
        "rule": rule, "se_method": SE_METHOD,
        "best_trial": best.trial_id, "best_score": best.score, "best_score_sem": sem,
        "n_candidates": len(trials), "n_within_se": int(mask.sum()),
        "chosen_trial": chosen.trial_id, "chosen_score": chosen.score,
    }
    summary.update(getattr(final, "selection", None) or {})
    return summary
