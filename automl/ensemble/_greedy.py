"""Greedy ensemble selection with replacement (Caruana et al., 2004)."""

import time
from dataclasses import dataclass

import numpy as np


@dataclass
class GreedySelection:
    """The outcome of :func:`greedy_ensemble_selection`.

    Attributes
    ----------
    weights : ndarray of shape (n_candidates,)
        Non-negative weights summing to 1; 0 for candidates not selected.
    score : float
        Score of the weighted average of the candidates' predictions.
    trajectory : list of float
        Score after each selection step.
    """

    weights: np.ndarray
    score: float
    trajectory: list


def greedy_ensemble_selection(predictions, y, score, *, n_iterations=50, time_limit=None,
                              costs=None, shared_cost=0.0, max_cost_per_member=None):
    """Choose ensemble weights by greedy forward selection with replacement.

    Starting from the empty ensemble, each step adds the candidate (again, if
    already in) whose addition gives the best score of the averaged
    predictions. The weights are the selection counts of the best step,
    normalised, so that a candidate chosen twice weighs twice as much.

    Parameters
    ----------
    predictions : list of ndarray
        One array per candidate, all of the same shape: out-of-fold class
        probabilities ``(n_samples, n_classes)`` or predicted values
        ``(n_samples,)``. Rows with NaN in any candidate (rows that were in
        no test fold) are ignored.
    y : array-like of shape (n_samples,)
        The true targets.
    score : callable
        ``score(y_true, averaged_prediction) -> float``, greater is better.
    n_iterations : int, default=50
        Number of selection steps.
    time_limit : float, default=None
        Stop after the step during which this many seconds have passed (at
        least one step is always made); no limit when None.
    costs : array-like of shape (n_candidates,), default=None
        What each candidate costs (e.g. its predict time), in units of a
        reference model's cost (e.g. the best single pipeline's). Only used
        with ``max_cost_per_member``.
    shared_cost : float, default=0.0
        What any ensemble pays once whatever its members (e.g. a
        preprocessor they share), in the same units.
    max_cost_per_member : float, default=None
        With ``costs``: an ensemble of ``m`` distinct candidates may cost at
        most ``1 + max_cost_per_member * (m - 1)`` (``shared_cost`` plus
        its members' costs), i.e. each member beyond the first adds on
        average at most this share of the reference's cost. A step only
        considers the candidates already in and those whose addition keeps
        within that limit, so cheap members make room for dearer ones. No
        limit when None.

    Returns
    -------
    selection : GreedySelection
        The weights, their score and the score after each step.

    Notes
    -----
    Ties go to the candidate listed first. Because selection continues from
    the best single candidate (the best of those within the cost limit), the
    returned score is never below that candidate's score.

    The cost limit is what scikit-learn's and Caruana's selection lack: an
    ensemble's predict time grows with every distinct member, and the limit
    lets the search trade a little accuracy for a bounded serving cost.

    References
    ----------
    R. Caruana, A. Niculescu-Mizil, G. Crew and A. Ksikes, "Ensemble
    selection from libraries of models", ICML 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from automl.ensemble import greedy_ensemble_selection
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> low, high = y - 1, y + 1          # each off by one, in opposite ways
    >>> neg_mse = lambda t, p: -np.mean((t - p) ** 2)
    >>> sel = greedy_ensemble_selection([low, high], y, neg_mse, n_iterations=4)
    >>> sel.weights.tolist(), sel.score
    ([0.5, 0.5], -0.0)

    When ``high`` costs three times as much as ``low`` to predict, and each
    member may add at most half of the first one's cost, ``low`` stays alone:

    >>> sel = greedy_ensemble_selection([low, high], y, neg_mse, n_iterations=4,
    ...                                 costs=[1.0, 3.0], max_cost_per_member=0.5)
    >>> sel.weights.tolist()
    [1.0, 0.0]
    """
    if not predictions:
        raise ValueError("greedy_ensemble_selection needs at least one candidate.")
    stacked, y = stack_predicted_rows(predictions, y)
    allowed = _within_cost(len(stacked), costs, shared_cost, max_cost_per_member)
    counts = np.zeros(len(stacked), dtype=int)
    total = np.zeros_like(stacked[0])
    best_counts, best_score, trajectory = None, -np.inf, []
    start = time.perf_counter()
    for step in range(1, n_iterations + 1):
        if step > 1 and time_limit is not None and time.perf_counter() - start > time_limit:
            break
        # candidates already in, or whose addition keeps within the cost limit
        options = np.flatnonzero(allowed(counts > 0))
        if not len(options):  # only possible before the first step
            raise ValueError(
                "No candidate costs at most the reference (cost 1 with "
                f"shared_cost={shared_cost}); check costs.")
        option_scores = [score(y, (total + stacked[i]) / step) for i in options]
        best_option = int(np.argmax(option_scores))  # first of the ties
        chosen, step_score = int(options[best_option]), float(option_scores[best_option])
        counts[chosen] += 1
        total += stacked[chosen]
        trajectory.append(step_score)
        if best_counts is None or step_score > best_score:
            best_score, best_counts = step_score, counts.copy()
    return GreedySelection(best_counts / best_counts.sum(), best_score, trajectory)


def _within_cost(n_candidates, costs, shared_cost, max_cost_per_member):
    """``allowed(selected) -> mask`` of the candidates a step may choose."""
    if max_cost_per_member is None or costs is None:
        return lambda selected: np.ones(n_candidates, dtype=bool)
    costs = np.asarray(costs, dtype=float)
    if costs.shape != (n_candidates,) or not np.all(costs >= 0):
        raise ValueError(
            f"costs must hold {n_candidates} non-negative numbers, one per candidate; "
            f"got {costs.tolist()}.")
    if max_cost_per_member < 0:
        raise ValueError(f"max_cost_per_member must be >= 0; got {max_cost_per_member}.")
    tolerance = 1e-9

    def allowed(selected):
        spent = shared_cost + costs[selected].sum()
        n_new = selected.sum() + 1  # distinct members if a new candidate joins
        limit = 1 + max_cost_per_member * (n_new - 1)
        return selected | (spent + costs <= limit + tolerance)

    return allowed


def stack_predicted_rows(predictions, y):
    """``(stacked, y)``: the candidates' predictions stacked, on the rows all of them predicted.

    Rows with NaN in any candidate (rows that were in no test fold) are left
    out; ``ValueError`` when none is left.
    """
    stacked = np.stack([np.asarray(p, dtype=float) for p in predictions])
    y = np.asarray(y)
    seen = ~np.isnan(stacked.reshape(len(stacked), len(y), -1)).any(axis=(0, 2))
    if not seen.any():
        raise ValueError("No row has an out-of-fold prediction from every candidate.")
    return stacked[:, seen], y[seen]
