"""The plan of one ``fit``: what the search, the final phase and the description share."""

import time
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone


class TimedTable:
    """A table preprocessor fitted on all rows, its output, and the seconds it took.

    The refit reuses it; its time measures what a fold of the cheapest
    candidate costs (:func:`automl._budget.affordable_fits`).
    """

    def __init__(self, table, X, y):
        start = time.perf_counter()
        self.table = clone(table)
        self.output = self.table.fit_transform(X, y)
        self.seconds = time.perf_counter() - start


@dataclass
class FitPlan:
    """What the plan phase of ``AutoPipeline.fit`` decided.

    Attributes
    ----------
    X : DataFrame
        The validated training rows.
    y : ndarray
        The target (float64 for regression).
    classes : ndarray or None
        The class labels; None for regression.
    scorer : callable
        The search metric's scorer.
    seed : int
        The random seed every part of the fit uses.
    table : TablePreprocessor
        Unfitted: every candidate starts from it.
    fitted_table : TimedTable
        ``table`` fitted on all rows.
    folds : list of (train, test)
        The cross-validation folds.
    ctx : SearchContext
        What the search knows before any candidate is fitted.
    families : list of ModelFamily
    n_workers : int
    budget : automl._budget.Budget
    time_order : ndarray of int or None
        The rows' positions in time order when the folds are time-ordered.
    setup_seconds : float
        Seconds from the start of ``fit`` to the start of the search (set
        by the search phase).
    search_seconds : float
        Seconds the search phase took (set by it).
    """

    X: object
    y: object
    classes: object
    scorer: object
    seed: int
    table: object
    fitted_table: TimedTable
    folds: list
    ctx: object
    families: list
    n_workers: int
    budget: object
    time_order: object = None
    setup_seconds: float = float("nan")
    search_seconds: float = float("nan")

    @property
    def classification(self):
        return self.classes is not None

    @property
    def n_samples_fold(self):
        """The mean number of training rows of a fold."""
        return float(np.mean([len(train) for train, _ in self.folds]))
