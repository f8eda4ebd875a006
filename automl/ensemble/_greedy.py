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


def greedy_ensemble_selection(predictions, y, score, *, n_iterations=50, time_limit=None):
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

    Returns
    -------
    selection : GreedySelection
        The weights, their score and the score after each step.

    Notes
    -----
    Ties go to the candidate listed first. Because selection continues from
    the best single candidate, the returned score is never below the best
    single candidate's score.

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
    """
    if not predictions:
        raise ValueError("greedy_ensemble_selection needs at least one candidate.")
    stacked = np.stack([np.asarray(p, dtype=float) for p in predictions])
    y = np.asarray(y)
    seen = ~np.isnan(stacked.reshape(len(stacked), len(y), -1)).any(axis=(0, 2))
    if not seen.any():
        raise ValueError("No row has an out-of-fold prediction from every candidate.")
    stacked, y = stacked[:, seen], y[seen]
    counts = np.zeros(len(stacked), dtype=int)
    total = np.zeros_like(stacked[0])
    best_counts, best_score, trajectory = None, -np.inf, []
    start = time.perf_counter()
    for step in range(1, n_iterations + 1):
        if step > 1 and time_limit is not None and time.perf_counter() - start > time_limit:
            break
        trial_scores = [score(y, (total + candidate) / step) for candidate in stacked]
        chosen = int(np.argmax(trial_scores))  # first of the ties
        counts[chosen] += 1
        total += stacked[chosen]
        trajectory.append(float(trial_scores[chosen]))
        if trial_scores[chosen] > best_score:
            best_score, best_counts = float(trial_scores[chosen]), counts.copy()
    return GreedySelection(best_counts / best_counts.sum(), best_score, trajectory)
