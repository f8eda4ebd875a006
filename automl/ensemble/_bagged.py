"""Bagged ensemble selection: greedy selection on random halves of the candidates (Caruana, 2006)."""

import math
import time
from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from automl.ensemble._greedy import greedy_ensemble_selection, stack_predicted_rows


@dataclass
class BaggedSelection:
    """The outcome of :func:`bagged_ensemble_selection`.

    Attributes
    ----------
    weights : ndarray of shape (n_candidates,)
        Non-negative weights summing to 1: the mean of the bags' weights.
    score : float
        Score of the weighted average of the candidates' predictions, on
        all rows.
    bag_scores : list of float
        Each bag's in-sample score (that of its greedy selection).
    n_pruned : int
        Members of the averaged ensemble left out (the lightest first) to
        keep within the cost limit.
    fallback : bool
        Whether no pruning kept within the cost limit, so that ``weights``
        and ``score`` are plain greedy selection's on all the candidates.
    """

    weights: np.ndarray
    score: float
    bag_scores: list
    n_pruned: int = 0
    fallback: bool = False


def bagged_ensemble_selection(predictions, y, score, *, n_bags=20, bag_fraction=0.5,
                              random_state=None, time_limit=None, **greedy_params):
    """Average greedy ensemble selections run on random subsets of the candidates.

    Greedy selection on one set of out-of-fold predictions fits them: with
    many candidates, the members it picks are partly the luckiest on those
    rows. Bagging the library (each bag draws ``bag_fraction`` of the
    candidates without replacement, greedy selection runs on it, and the
    weights are averaged over the bags) keeps a candidate in the ensemble
    only as far as it helps in many sub-libraries, and spreads weight over
    near-equal candidates rather than betting on one.

    Parameters
    ----------
    predictions : list of ndarray
        Out-of-fold predictions, one array per candidate (see
        :func:`~automl.ensemble.greedy_ensemble_selection`).
    y : array-like of shape (n_samples,)
        The true targets.
    score : callable
        ``score(y_true, averaged_prediction) -> float``, greater is better.
    n_bags : int, default=20
        Number of bags.
    bag_fraction : float, default=0.5
        Share of the candidates each bag draws (at least one).
    random_state : int, RandomState instance or None, default=None
        Draws the bags.
    time_limit : float, default=None
        Seconds for all the bags together: each bag's selection gets an
        even share, and no bag starts after the limit (at least one runs).
    **greedy_params
        Passed to :func:`~automl.ensemble.greedy_ensemble_selection`
        (``n_iterations``, ``costs``, ``shared_cost``,
        ``max_cost_per_member``). Each bag keeps within the cost limit; the
        averaged ensemble, whose members are the union of the bags', may
        not: its lightest members are then left out, one by one, until it
        does (``n_pruned``), or, when even its heaviest member alone would
        not, plain greedy selection on all candidates is returned
        (``fallback=True``).

    Returns
    -------
    selection : BaggedSelection

    Notes
    -----
    What this adds to :func:`~automl.ensemble.greedy_ensemble_selection`:
    the bagging of section 2.3 of Caruana et al. (2006). Unlike plain
    selection, the in-sample score can be below the best single candidate's.

    References
    ----------
    R. Caruana, A. Munson and A. Niculescu-Mizil, "Getting the most out of
    ensemble selection", ICDM 2006.

    Examples
    --------
    Two candidates off by one in opposite ways, and a third nearly right:
    it gets most of the weight, and the bags that drew only the first two
    averaged them.

    >>> import numpy as np
    >>> from automl.ensemble import bagged_ensemble_selection
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> neg_mse = lambda t, p: -np.mean((t - p) ** 2)
    >>> sel = bagged_ensemble_selection([y - 1, y + 1, y + 0.1], y, neg_mse, n_bags=10,
    ...                                 bag_fraction=2 / 3, random_state=0)
    >>> sel.weights.round(2).tolist(), len(sel.bag_scores)
    ([0.23, 0.2, 0.57], 10)
    """
    if not predictions:
        raise ValueError("bagged_ensemble_selection needs at least one candidate.")
    if not 0 < bag_fraction <= 1:
        raise ValueError(f"bag_fraction must be in (0, 1]; got {bag_fraction}.")
    if n_bags < 1:
        raise ValueError(f"n_bags must be at least 1; got {n_bags}.")
    rng = check_random_state(random_state)
    n = len(predictions)
    size = max(1, math.ceil(bag_fraction * n))
    per_bag = None if time_limit is None else time_limit / n_bags
    bag_weights, bag_scores, start = [], [], time.perf_counter()
    for _ in range(n_bags):
        if bag_weights and time_limit is not None and time.perf_counter() - start > time_limit:
            break
        drawn = np.sort(rng.choice(n, size, replace=False))
        found = _greedy_on(drawn, predictions, y, score, per_bag, greedy_params)
        if found is None:  # nothing in this bag within the cost limit
            continue
        weights = np.zeros(n)
        weights[drawn] = found.weights
        bag_weights.append(weights)
        bag_scores.append(found.score)
    if not bag_weights:
        return _fallback(predictions, y, score, per_bag, greedy_params, bag_scores)
    weights, n_pruned = _prune_to_cost(np.mean(bag_weights, axis=0), greedy_params)
    if weights is None:
        return _fallback(predictions, y, score, per_bag, greedy_params, bag_scores)
    return BaggedSelection(weights, _score_weighted(predictions, weights, y, score), bag_scores,
                           n_pruned)


def _greedy_on(drawn, predictions, y, score, time_limit, greedy_params):
    """Greedy selection on the candidates ``drawn``; None when none is within the cost limit."""
    params = dict(greedy_params)
    if params.get("costs") is not None:
        params["costs"] = np.asarray(params["costs"], dtype=float)[drawn]
        if (params.get("max_cost_per_member") is not None
                and params.get("shared_cost", 0.0) + params["costs"].min() > 1 + 1e-9):
            return None  # no candidate of the bag costs at most the reference
    return greedy_ensemble_selection([predictions[i] for i in drawn], y, score,
                                     time_limit=time_limit, **params)


def _fallback(predictions, y, score, time_limit, greedy_params, bag_scores):
    plain = greedy_ensemble_selection(predictions, y, score, time_limit=time_limit,
                                      **greedy_params)
    return BaggedSelection(plain.weights, plain.score, bag_scores, fallback=True)


def _prune_to_cost(weights, greedy_params):
    """``(weights, n_pruned)``: the lightest members left out until within the cost limit.

    ``(None, n)`` when even the heaviest member alone breaks it.
    """
    costs, limit = greedy_params.get("costs"), greedy_params.get("max_cost_per_member")
    if costs is None or limit is None:
        return weights, 0
    costs, shared = np.asarray(costs, dtype=float), greedy_params.get("shared_cost", 0.0)
    weights = weights.copy()
    n_pruned = 0
    while True:
        members = weights > 0
        if shared + costs[members].sum() <= 1 + limit * (members.sum() - 1) + 1e-9:
            return weights / weights.sum(), n_pruned
        if members.sum() == 1:
            return None, n_pruned
        lightest = np.flatnonzero(members)[np.argmin(weights[members])]  # first of the ties
        weights[lightest] = 0.0
        n_pruned += 1


def _score_weighted(predictions, weights, y, score):
    """``score`` of the weighted average of ``predictions`` on the rows every one predicted."""
    stacked, y = stack_predicted_rows(predictions, y)
    return float(score(y, np.tensordot(weights, stacked, axes=1)))
