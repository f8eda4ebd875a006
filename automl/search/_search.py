"""The budgeted search loop: propose, evaluate in workers, stop on time."""

import os
import time
import traceback
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import joblib
import numpy as np
from threadpoolctl import threadpool_limits

from automl._budget import MIN_CANDIDATE_SECONDS
from automl.search._evaluate import (
    CandidateTimeout,
    clear_shared_tables,
    evaluate_candidate,
    write_deadline,
)
from automl.search._data import load_data
from automl.search._executor import DaskPool, discard_pool, get_pool
from automl.search._strategies import STRATEGIES


@dataclass
class Trial:
    """One evaluated candidate."""

    trial_id: int
    family: object
    config: dict
    train_fraction: float = 1.0
    status: str = "running"
    scores: list = field(default_factory=list)
    oof: object = None
    fit_time: float = float("nan")
    best_iteration: object = None
    error: str = ""
    models_path: object = None
    worker: str = ""
    predict_time: tuple = (float("nan"), float("nan"))  # s/row: table, rest
    # a stopped candidate's estimated time for all its folds, from those it fitted
    needed_time: float = float("nan")
    # Hyperband / successive halving: the bracket (s of Li et al.) and rung it
    # ran in, on ``train_fraction`` of each training fold; None outside brackets
    bracket: object = None
    rung: object = None
    # wall-clock time (``time.time()``) at which its result was recorded
    end_time: float = float("nan")

    @property
    def score(self):
        return float(np.mean(self.scores)) if self.scores else float("nan")

    @property
    def score_std(self):
        return float(np.std(self.scores)) if self.scores else float("nan")

    @property
    def ok(self):
        return self.status == "ok"


@dataclass
class SearchResult:
    trials: list
    interrupted: bool = False
    n_pool_restarts: int = 0


def run_search(
    *, families, ctx, scorer, data_path, strategy="bayes", deadline, reserve,
    max_trials=None, n_workers=1, random_state=0, log=None, models_dir=None, n_keep=3,
    callback=None, dask_client=None,
):
    """Run the search until ``deadline - reserve(finished)`` or ``max_trials``.

    Parameters
    ----------
    families : list of ModelFamily
    ctx : SearchContext
    scorer : callable
    data_path : str
        The file :meth:`~automl.search._data.SearchData.dump` wrote.
    strategy : {"bayes", "random", "grid", "halving", "hyperband", "tpe"}
        A key of :data:`~automl.search._strategies.STRATEGIES`.
    deadline : float
        ``time.time()`` by which the whole fit must be done.
    reserve : callable
        ``reserve(finished) -> seconds`` to keep for the refit (and the
        ensemble) after the search; ``finished`` lists the successful trials
        on all training rows, best first (empty at the start).
    max_trials : int, default=None
    n_workers : int, default=1
    random_state : int, default=0
    log : callable, default=None
        ``log(message)`` for progress.
    models_dir : str, default=None
        Where workers save the fitted fold pipelines of candidates that
        reach the ``n_keep``-th best score so far (for fold bagging); not
        saved when None.
    n_keep : int, default=3
    dask_client : distributed.Client, default=None
        Run the candidates on this Dask cluster instead of local worker
        processes; the data is scattered to its workers once.
    callback : callable, default=None
        ``callback(info)`` after each finished candidate, with ``info`` a
        dict: ``n_trials`` (finished so far), ``trial``, ``best_score`` (None
        before the first success) and ``time_left`` (seconds to the deadline).
        A true return value stops the search (candidates still running are
        stopped, with status ``"stopped"``).

    Returns
    -------
    SearchResult
    """
    loop = _SearchLoop(STRATEGIES[strategy](families, ctx, random_state), ctx, scorer,
                       data_path, deadline, reserve, max_trials, n_workers, models_dir, n_keep,
                       dask_client)
    try:
        loop.run(log, callback)
    except KeyboardInterrupt:
        loop.stop_running("interrupted", "stopped by KeyboardInterrupt")
        loop.interrupted = True
        warnings.warn(
            "Search interrupted: keeping the best pipeline found so far.", UserWarning, stacklevel=2
        )
    return SearchResult(loop.trials, loop.interrupted, loop.restarts)


class _SearchLoop:
    """The state of one search: the proposer, the pool, the trials and the clock."""

    def __init__(self, proposer, ctx, scorer, data_path, deadline, reserve, max_trials,
                 n_workers, models_dir, n_keep, dask_client):
        self.proposer, self.ctx, self.scorer = proposer, ctx, scorer
        self.deadline, self.reserve, self.max_trials = deadline, reserve, max_trials
        self.n_workers, self.models_dir, self.n_keep = n_workers, models_dir, n_keep
        self.local_data_path = self.data_path = data_path
        # local workers read the search's current end before each fold
        self.deadline_path = None
        if dask_client is not None:
            self.pool = DaskPool(dask_client, n_workers)
            self.data_path = self.pool.scatter(load_data(data_path))
            self.models_dir = None  # workers may not share our file system
        else:
            self.pool = get_pool(n_workers, ctx.n_jobs)
            self.deadline_path = data_path + ".deadline"
        self.trials, self.running, self.finished = [], {}, []
        self.best, self.interrupted, self.restarts = None, False, 0
        self.slow_families = set()
        self.cheap_start = proposer.take_cheap_start()

    def search_end(self):
        return self.deadline - self.reserve(self.finished)

    def run(self, log, callback):
        """Propose, evaluate and record until the time, the trials or the callback end it."""
        while True:
            if self.deadline_path is not None:
                write_deadline(self.deadline_path, self.search_end())
            self._fill_workers()
            if self.cheap_start is not None:  # while the workers start
                trial, future = _evaluate_here(self.cheap_start, self.trials,
                                               self.local_data_path, self.ctx, self.scorer,
                                               self.search_end(), self.models_dir)
                self.cheap_start = None
                self.running[future] = trial
            if not self.running:
                return
            timeout = max(0.0, self.search_end() - time.time())
            done, _ = wait(list(self.running), timeout=timeout, return_when=FIRST_COMPLETED)
            if not done:  # the search's time is up: stop whatever still runs
                for trial in self.running.values():
                    self.slow_families.add(trial.family.name)
                self.stop_running("timeout", "stopped at the search deadline")
                return
            for future in done:
                if self._finish(self.running.pop(future), future, log, callback):
                    self.stop_running("stopped", "stopped by the callback")
                    return

    def _room_for_another(self, now):
        trials = len(self.trials) + (self.cheap_start is not None)
        return (len(self.running) < self.n_workers
                and self.search_end() - now > MIN_CANDIDATE_SECONDS
                and (self.max_trials is None or trials < self.max_trials))

    def _fill_workers(self):
        """Start proposals while a worker is free and time and trials are left."""
        now = time.time()
        while self._room_for_another(now):
            skip = _too_slow(self.trials, self.search_end() - now, self.slow_families)
            proposal = self.proposer.propose(skip=skip)
            if proposal is None:
                return
            family, config, frac = proposal
            trial = Trial(len(self.trials), family, config, frac)
            trial.bracket, trial.rung = self.proposer.placement(family, config, frac)
            self.trials.append(trial)
            args = (evaluate_candidate, self.data_path, family.name, config, self.ctx,
                    self.scorer, self.search_end(), frac,
                    *_keep_args(self.models_dir, trial, self.trials, self.n_keep))
            try:
                future = self.pool.submit(*args, deadline_path=self.deadline_path)
            except (BrokenProcessPool, RuntimeError):
                if isinstance(self.pool, DaskPool):
                    raise
                self._restart_pool()
                future = self.pool.submit(*args, deadline_path=self.deadline_path)
            self.running[future] = trial

    def _finish(self, trial, future, log, callback):
        """Record a finished candidate; True when the callback asks to stop."""
        _record(trial, future)
        trial.end_time = time.time()
        if trial.status == "worker_died" and not isinstance(self.pool, DaskPool):
            self._restart_pool()
        score = trial.score if trial.ok else None
        self.proposer.tell(trial.family, trial.config, trial.train_fraction, score)
        if trial.ok and trial.train_fraction == 1.0:
            self.finished.append(trial)
            self.finished.sort(key=lambda t: -t.score)
            self.best = self.finished[0]
        if log:
            log(_describe(trial, self.best))
        return callback is not None and bool(callback({
            "n_trials": sum(t.status != "running" for t in self.trials), "trial": trial,
            "best_score": None if self.best is None else self.best.score,
            "time_left": self.deadline - time.time()}))

    def _restart_pool(self):
        self.pool = _restart(self.pool, self.n_workers, self.ctx)
        self.restarts += 1

    def stop_running(self, status, error):
        """Stop what still runs, marking it ``status``."""
        for trial in self.running.values():
            trial.status, trial.error, trial.end_time = status, error, time.time()
        self.running.clear()
        _stop(self.pool)


def _evaluate_here(proposal, trials, data_path, ctx, scorer, end, models_dir=None):
    """Evaluate a cheap candidate in this process: ``(trial, finished future)``.

    Workers take seconds to start and import the libraries (more on a busy
    machine): the first candidate to report is this one, not theirs. Its
    fold models are kept (with ``models_dir``), so that a model can be had
    without a refit when the final phase finds no time for one.
    """
    family, config, frac = proposal
    trial = Trial(len(trials), family, config, frac)
    trials.append(trial)
    future = Future()
    try:
        # as many threads as a worker has: oversubscribed OpenMP threads crawl on a busy machine
        with warnings.catch_warnings(), threadpool_limits(ctx.n_jobs):
            warnings.simplefilter("ignore")
            future.set_result(evaluate_candidate(
                joblib.load(data_path), family.name, config, ctx, scorer, end, frac,
                *_keep_args(models_dir, trial, trials, n_keep=1)))
    except Exception as exc:  # recorded like a worker's failure
        future.set_exception(exc)
    except KeyboardInterrupt:
        trial.status, trial.error = "interrupted", "stopped by KeyboardInterrupt"
        raise
    finally:
        clear_shared_tables()  # this process keeps no copy of the data
    return trial, future


def _restart(pool, n_workers, ctx):
    """A fresh local pool in place of a broken one."""
    discard_pool(pool)
    return get_pool(n_workers, ctx.n_jobs)


def _stop(pool):
    """Stop what still runs: kill local workers, cancel Dask tasks."""
    if isinstance(pool, DaskPool):
        pool.kill()
    else:
        discard_pool(pool)


def _keep_args(models_dir, trial, trials, n_keep):
    """``(keep_path, keep_threshold)``: save fold models of likely ensemble members."""
    if models_dir is None:
        return (None,)
    scores = sorted((t.score for t in trials if t.ok and t.train_fraction == 1.0), reverse=True)
    threshold = scores[n_keep - 1] if len(scores) >= n_keep else -np.inf
    return os.path.join(models_dir, f"trial_{trial.trial_id}.joblib"), threshold


def _too_slow(trials, time_left, slow):
    """Families whose typical candidate would not finish in ``time_left``."""
    skip = set(slow)
    by_family = {}
    for t in trials:
        if t.ok:
            by_family.setdefault(t.family.name, []).append(t.fit_time)
    for name, times in by_family.items():
        if np.median(times) > time_left:
            skip.add(name)
    return skip


def _record(trial, future):
    try:
        result = future.result()
    except CandidateTimeout as exc:
        trial.status, trial.error = "timeout", str(exc)
        if exc.folds_done:
            trial.needed_time = exc.seconds / exc.folds_done * exc.n_folds
        return
    except BrokenProcessPool as exc:
        trial.status, trial.error = "worker_died", f"worker process died: {exc}"
        return
    except Exception as exc:  # a failing candidate is recorded, never fatal
        trial.status = "error"
        trial.error = f"{type(exc).__name__}: {exc}"
        trial.traceback = "".join(traceback.format_exception(exc))
        return
    trial.status = "ok"
    trial.scores = result["scores"]
    trial.oof = result["oof"]
    trial.fit_time = result["fit_time"]
    trial.best_iteration = result["best_iteration"]
    trial.models_path = result.get("models_path")
    trial.worker = result.get("worker", "")
    trial.predict_time = result.get("predict_time", trial.predict_time)
    if not np.all(np.isfinite(trial.scores)):
        trial.status, trial.error = "error", "non-finite CV score"


def _describe(trial, best):
    if trial.ok:
        text = f"trial {trial.trial_id:3d} {trial.family.name:24s} score {trial.score:.5f} ({trial.fit_time:.1f}s)"
    else:
        text = f"trial {trial.trial_id:3d} {trial.family.name:24s} {trial.status}: {trial.error[:80]}"
    if best is not None:
        text += f"  best {best.score:.5f}"
    return text
