"""The clock of a fit: the time promise and how each phase shares it.

The promise (stated in ``AutoPipeline``'s ``time_budget``): ``fit``
returns within ``time_budget + max(5 s, 10 %)`` wall seconds, refit,
ensemble and training profile included, with a model. One :class:`Budget`
per fit keeps the clock; every phase asks it rather than keeping margins of
its own:

- **plan**: the cheapest candidate's cross-validation is held to
  :data:`CV_SHARE` of the budget (:func:`affordable_fits`);
- **search**: ends at :meth:`Budget.search_end`, the deadline less the
  time kept back for the final phase (:meth:`Budget.final_reserve`: the
  best candidate's refit, and with an ensemble the next best ones' within
  :data:`MAX_ENSEMBLE_SHARE` of the budget); no candidate starts with less
  than :data:`MIN_CANDIDATE_SECONDS` left, and no fold starts when the
  folds so far took longer on average than the time left
  (:func:`time_for_fold`);
- **final**: a refit starts only when its estimate (:func:`refit_seconds`)
  times :data:`REFIT_MARGIN` fits in the time left (:func:`fits_in`), and
  the greedy ensemble takes at most :data:`GREEDY_TIME_SHARE` of it;
- **describe**: the training profile has the last :func:`profile_reserve`
  seconds of the budget, after :attr:`Budget.deadline`.

Only numbers pass in and out: the search's worker processes apply the same
rules to the deadline they are handed.
"""

import time

# fit may overrun time_budget by at most max(this, this share of it)
OVERRUN_SECONDS = 5.0
OVERRUN_SHARE = 0.1
# a refit is started only if its estimate, times this margin, fits in the time left
REFIT_MARGIN = 1.5
# the least time kept back for the final phase
MIN_RESERVE = 0.5
# with an ensemble, the search keeps back time to refit this many of the best
# candidates, within this share of the budget (the best one's refit always)
ENSEMBLE_REFITS = 3
MAX_ENSEMBLE_SHARE = 0.2
# a candidate is not started with less time than this left
MIN_CANDIDATE_SECONDS = 0.5
# the cheapest candidate's cross-validation may take this share of the budget
CV_SHARE = 0.1
# a fold's boosters stop at this share of its fair part of the time left
FOLD_TIME_SHARE = 0.8
# greedy ensemble selection may use at most this share of the time left after the search
GREEDY_TIME_SHARE = 0.25
# the training profile's share of the budget, and its most seconds
PROFILE_SHARE = 0.02
PROFILE_MAX_SECONDS = 2.0


def overrun_allowance(time_budget):
    """Seconds ``fit`` may take beyond ``time_budget``: max(5 s, 10 %).

    Examples
    --------
    >>> from automl._budget import overrun_allowance
    >>> overrun_allowance(30), overrun_allowance(300)
    (5.0, 30.0)
    """
    return max(OVERRUN_SECONDS, OVERRUN_SHARE * time_budget)


def profile_reserve(time_budget):
    """Seconds of ``time_budget`` kept for the training profile: 2 %, at most 2 s.

    Examples
    --------
    >>> from automl._budget import profile_reserve
    >>> profile_reserve(30), profile_reserve(600)
    (0.6, 2.0)
    """
    return min(PROFILE_SHARE * time_budget, PROFILE_MAX_SECONDS)


def affordable_fits(time_budget, fit_seconds, share=CV_SHARE):
    """How many fits of ``fit_seconds`` each fit in ``share`` of ``time_budget``.

    The cross-validation of the cheapest candidate is held to this share of
    the budget, so that on a short budget, a busy machine or a wide table a
    model is cross-validated in time; None when the time is not known.

    Examples
    --------
    >>> from automl._budget import affordable_fits
    >>> affordable_fits(60, 0.05), affordable_fits(10, 0.3), affordable_fits(10, None)
    (120, 3, None)
    """
    if fit_seconds is None or not fit_seconds > 0:
        return None
    return int(share * time_budget / fit_seconds)


def refit_seconds(fit_time, n_fits, n_samples, n_samples_fold):
    """Estimated seconds to refit on ``n_samples`` rows a candidate whose CV took ``fit_time``.

    One CV fit's time (``fit_time / n_fits``) scaled by the rows: the refit
    sees ``n_samples`` where a fold saw ``n_samples_fold``.

    Examples
    --------
    >>> from automl._budget import refit_seconds
    >>> refit_seconds(10.0, 5, 1000, 800)
    2.5
    """
    per_fit = fit_time / max(1, n_fits)
    return per_fit * n_samples / max(1.0, n_samples_fold)


def fits_in(seconds, time_left):
    """Whether a step estimated at ``seconds`` may start with ``time_left`` to go.

    Examples
    --------
    >>> from automl._budget import fits_in
    >>> fits_in(2.0, 3.0), fits_in(2.0, 2.9)
    (True, False)
    """
    return REFIT_MARGIN * seconds <= time_left


def time_for_fold(elapsed, folds_done, time_left, cut_short=False):
    """Whether the next fold of a candidate may start.

    Too late to start means: no time is left, or the folds so far took
    longer on average (``elapsed / folds_done``) than the time left (a fold
    that would overrun is not started), unless the fold is ``cut_short``
    at its own deadline (families that stop by themselves).

    Examples
    --------
    >>> from automl._budget import time_for_fold
    >>> time_for_fold(6.0, 2, 4.0), time_for_fold(6.0, 2, 2.0)
    (True, False)
    >>> time_for_fold(6.0, 2, 2.0, cut_short=True), time_for_fold(0.0, 0, -1.0)
    (True, False)
    """
    if time_left <= 0:
        return False
    return cut_short or not folds_done or elapsed / folds_done <= time_left


def fold_deadline(deadline, folds_left, now=None):
    """When a fold's boosters stop: its fair share of the time left, less room to score it.

    So that a candidate whose boosters would not all finish in time ends with
    every fold scored (on shorter models) rather than stopped between folds.

    Examples
    --------
    >>> from automl._budget import fold_deadline
    >>> fold_deadline(130.0, 4, now=100.0), fold_deadline(90.0, 4, now=100.0)
    (106.0, 100.0)
    """
    now = time.time() if now is None else now
    return now + FOLD_TIME_SHARE * max(0.0, deadline - now) / max(1, folds_left)


class Budget:
    """The clock of one fit.

    Parameters
    ----------
    time_budget : float
        Wall seconds the fit may take (plus :func:`overrun_allowance`).
    start : float, default=None
        ``time.time()`` when the fit started; now when None.

    Attributes
    ----------
    end : float
        ``start + time_budget``.
    deadline : float
        When the search and the final model must be done: ``end`` less the
        training profile's :func:`profile_reserve`.

    Examples
    --------
    >>> from automl._budget import Budget
    >>> budget = Budget(60, start=1000.0)
    >>> budget.deadline, budget.end, budget.limit
    (1058.8, 1060.0, 1066.0)
    >>> budget.final_reserve([4.0, 2.0, 2.0, 9.0], n_refits=3)
    12.0
    >>> budget.final_reserve([], n_refits=3)
    0.5
    """

    def __init__(self, time_budget, start=None):
        self.time_budget = time_budget
        self.start = time.time() if start is None else start
        self.end = self.start + time_budget
        self.deadline = self.end - profile_reserve(time_budget)

    @property
    def limit(self):
        """The promise: ``fit`` is done by then."""
        return self.end + overrun_allowance(self.time_budget)

    def elapsed(self):
        """Seconds since the fit started."""
        return time.time() - self.start

    def time_left(self):
        """Seconds to :attr:`deadline`."""
        return self.deadline - time.time()

    def final_reserve(self, refit_estimates, n_refits=1):
        """Seconds the search keeps back for the final phase.

        ``refit_estimates`` are the refit seconds of the finished
        candidates, best first: the best one's refit always, the next ones
        up to ``n_refits`` in all within :data:`MAX_ENSEMBLE_SHARE` of the
        budget, each with :data:`REFIT_MARGIN`; at least :data:`MIN_RESERVE`.
        """
        if not len(refit_estimates):
            return MIN_RESERVE
        best = REFIT_MARGIN * refit_estimates[0]
        top = REFIT_MARGIN * sum(refit_estimates[:n_refits])
        return max(MIN_RESERVE, best, min(top, MAX_ENSEMBLE_SHARE * self.time_budget))

    def search_end(self, reserve_seconds):
        """When the search stops, keeping ``reserve_seconds`` for the final phase."""
        return self.deadline - reserve_seconds

    def greedy_seconds(self):
        """The most seconds greedy ensemble selection may take, from now."""
        return GREEDY_TIME_SHARE * max(0.0, self.time_left())
