"""The budgeted search loop: propose, evaluate in workers, stop on time."""

import time
import traceback
import warnings
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import numpy as np

from automl.search._evaluate import CandidateTimeout, evaluate_candidate
from automl.search._executor import discard_pool, get_pool
from automl.search._strategies import STRATEGIES

# A candidate is not started with less time than this left.
MIN_CANDIDATE_SECONDS = 0.5


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
    max_trials=None, n_workers=1, random_state=0, log=None,
):
    """Run the search until ``deadline - reserve(best_trial)`` or ``max_trials``.

    Parameters
    ----------
    families : list of ModelFamily
    ctx : SearchContext
    scorer : callable
    data_path : str
        The joblib file with ``X``, ``y``, ``folds``, ``classes``, ``table``.
    strategy : {"bayes", "random", "grid", "halving"}
    deadline : float
        ``time.time()`` by which the whole fit must be done.
    reserve : callable
        ``reserve(best_trial_or_None) -> seconds`` to keep for the refit.
    max_trials : int, default=None
    n_workers : int, default=1
    random_state : int, default=0
    log : callable, default=None
        ``log(message)`` for progress.

    Returns
    -------
    SearchResult
    """
    proposer = STRATEGIES[strategy](families, ctx, random_state)
    pool = get_pool(n_workers, ctx.n_jobs)
    trials, running = [], {}
    best = None
    interrupted = False
    restarts = 0
    slow_families = set()

    def search_end():
        return deadline - reserve(best)

    try:
        while True:
            now = time.time()
            while (
                len(running) < n_workers
                and search_end() - now > MIN_CANDIDATE_SECONDS
                and (max_trials is None or len(trials) < max_trials)
            ):
                proposal = proposer.propose(skip=_too_slow(trials, search_end() - now, slow_families))
                if proposal is None:
                    break
                family, config, frac = proposal
                trial = Trial(len(trials), family, config, frac)
                trials.append(trial)
                try:
                    future = pool.submit(
                        evaluate_candidate, data_path, family.name, config, ctx, scorer,
                        search_end(), frac,
                    )
                except (BrokenProcessPool, RuntimeError):
                    discard_pool(pool)
                    pool = get_pool(n_workers, ctx.n_jobs)
                    restarts += 1
                    future = pool.submit(
                        evaluate_candidate, data_path, family.name, config, ctx, scorer,
                        search_end(), frac,
                    )
                running[future] = trial
            if not running:
                break
            timeout = max(0.0, search_end() - time.time())
            done, _ = wait(list(running), timeout=timeout, return_when=FIRST_COMPLETED)
            if not done:  # the search's time is up: stop whatever still runs
                for trial in running.values():
                    trial.status, trial.error = "timeout", "stopped at the search deadline"
                    slow_families.add(trial.family.name)
                running.clear()
                discard_pool(pool)
                restarts += 1
                break
            for future in done:
                trial = running.pop(future)
                _record(trial, future)
                if trial.status == "worker_died":
                    discard_pool(pool)
                    pool = get_pool(n_workers, ctx.n_jobs)
                    restarts += 1
                score = trial.score if trial.ok else None
                proposer.tell(trial.family, trial.config, trial.train_fraction, score)
                if trial.ok and trial.train_fraction == 1.0 and (best is None or trial.score > best.score):
                    best = trial
                if log:
                    log(_describe(trial, best))
    except KeyboardInterrupt:
        interrupted = True
        for trial in running.values():
            trial.status, trial.error = "interrupted", "stopped by KeyboardInterrupt"
        discard_pool(pool)
        warnings.warn(
            "Search interrupted: keeping the best pipeline found so far.", UserWarning, stacklevel=3
        )
    return SearchResult(trials, interrupted, restarts)


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
    except CandidateTimeout:
        trial.status, trial.error = "timeout", "stopped at the search deadline"
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


def leaderboard(trials):
    """One row per trial, best first; failed trials last, without a rank."""
    import pandas as pd

    rows = [{
        "trial": t.trial_id,
        "family": t.family.name,
        "score": t.score,
        "score_std": t.score_std,
        "fit_time": t.fit_time,
        "train_fraction": t.train_fraction,
        "best_iteration": t.best_iteration,
        "status": t.status,
        "error": t.error,
        "params": dict(t.config),
    } for t in trials]
    columns = ["rank", "trial", "family", "score", "score_std", "fit_time", "train_fraction",
               "best_iteration", "status", "error", "params"]
    if not rows:
        return pd.DataFrame(columns=columns)
    board = pd.DataFrame(rows)
    ok = board["status"].eq("ok")
    board["_full"] = board["train_fraction"].eq(1.0)
    board = board.sort_values(["status", "_full", "score"], ascending=[True, False, False],
                              key=lambda s: s.ne("ok") if s.name == "status" else s)
    board = board.drop(columns="_full").reset_index(drop=True)
    ok = board["status"].eq("ok")
    board.insert(0, "rank", pd.array([i + 1 if good else pd.NA for i, good in enumerate(ok)],
                                     dtype="Int64"))
    return board[columns]
