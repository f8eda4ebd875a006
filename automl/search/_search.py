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

from automl.search._evaluate import (
    CandidateTimeout,
    clear_shared_tables,
    evaluate_candidate,
    load_data,
    write_deadline,
)
from automl.search._executor import DaskPool, discard_pool, get_pool
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
    models_path: object = None
    worker: str = ""
    predict_time: tuple = (float("nan"), float("nan"))  # s/row: table, rest
    # a stopped candidate's estimated time for all its folds, from those it fitted
    needed_time: float = float("nan")

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
        The joblib file with ``X``, ``y``, ``folds``, ``classes``, ``table``.
    strategy : {"bayes", "random", "grid", "halving"}
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
    proposer = STRATEGIES[strategy](families, ctx, random_state)
    local_data_path = data_path
    # local workers read the search's current end before each fold
    deadline_path = None
    if dask_client is not None:
        pool = DaskPool(dask_client, n_workers)
        data_path = pool.scatter(load_data(data_path))
        models_dir = None  # workers may not share our file system
    else:
        pool = get_pool(n_workers, ctx.n_jobs)
        deadline_path = data_path + ".deadline"
    trials, running = [], {}
    best = None
    interrupted = False
    restarts = 0
    slow_families = set()

    finished = []
    cheap_start = proposer.take_cheap_start()

    def search_end():
        return deadline - reserve(finished)

    try:
        while True:
            now = time.time()
            if deadline_path is not None:
                write_deadline(deadline_path, search_end())
            while (
                len(running) < n_workers
                and search_end() - now > MIN_CANDIDATE_SECONDS
                and (max_trials is None or len(trials) + (cheap_start is not None) < max_trials)
            ):
                proposal = proposer.propose(skip=_too_slow(trials, search_end() - now, slow_families))
                if proposal is None:
                    break
                family, config, frac = proposal
                trial = Trial(len(trials), family, config, frac)
                trials.append(trial)
                args = (evaluate_candidate, data_path, family.name, config, ctx, scorer,
                        search_end(), frac, *_keep_args(models_dir, trial, trials, n_keep))
                try:
                    future = pool.submit(*args, deadline_path=deadline_path)
                except (BrokenProcessPool, RuntimeError):
                    if isinstance(pool, DaskPool):
                        raise
                    pool = _restart(pool, n_workers, ctx)
                    restarts += 1
                    future = pool.submit(*args, deadline_path=deadline_path)
                running[future] = trial
            if cheap_start is not None:  # while the workers start
                trial, future = _evaluate_here(cheap_start, trials, local_data_path, ctx, scorer,
                                               search_end(), models_dir)
                cheap_start = None
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
                _stop(pool)
                break
            for future in done:
                trial = running.pop(future)
                _record(trial, future)
                if trial.status == "worker_died" and not isinstance(pool, DaskPool):
                    pool = _restart(pool, n_workers, ctx)
                    restarts += 1
                score = trial.score if trial.ok else None
                proposer.tell(trial.family, trial.config, trial.train_fraction, score)
                if trial.ok and trial.train_fraction == 1.0:
                    finished.append(trial)
                    finished.sort(key=lambda t: -t.score)
                    best = finished[0]
                if log:
                    log(_describe(trial, best))
                if callback is not None and callback({
                        "n_trials": sum(t.status != "running" for t in trials), "trial": trial,
                        "best_score": None if best is None else best.score,
                        "time_left": deadline - time.time()}):
                    for other in running.values():  # a true value stops the search
                        other.status, other.error = "stopped", "stopped by the callback"
                    _stop(pool)
                    return SearchResult(trials, interrupted, restarts)
    except KeyboardInterrupt:
        interrupted = True
        for trial in running.values():
            trial.status, trial.error = "interrupted", "stopped by KeyboardInterrupt"
        _stop(pool)
        warnings.warn(
            "Search interrupted: keeping the best pipeline found so far.", UserWarning, stacklevel=3
        )
    return SearchResult(trials, interrupted, restarts)


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


def leaderboard(trials, final=None, devices=None):
    """One row per trial, best first; failed trials last, without a rank.

    With ``final`` (a ``FinalModel``), an ensemble gets a row of its own,
    first, without a rank, and ``chosen`` marks what predicts.
    """
    import pandas as pd

    oof = final.oof_scores if final is not None else {}
    rows = [{
        "trial": t.trial_id,
        "family": t.family.name,
        "device": (devices or {}).get(t.family.name, "cpu"),
        "score": t.score,
        "score_std": t.score_std,
        "oof_score": oof.get(t.trial_id, float("nan")),
        "fit_time": t.fit_time,
        "train_fraction": t.train_fraction,
        "best_iteration": t.best_iteration,
        "status": t.status,
        "error": t.error,
        "params": dict(t.config),
    } for t in trials]
    columns = ["rank", "trial", "family", "device", "score", "score_std", "oof_score", "fit_time",
               "train_fraction", "best_iteration", "status", "error", "params", "chosen"]
    if not rows:
        return pd.DataFrame(columns=columns)
    board = pd.DataFrame(rows)
    board["_full"] = board["train_fraction"].eq(1.0)
    board = board.sort_values(["status", "_full", "score"], ascending=[True, False, False],
                              key=lambda s: s.ne("ok") if s.name == "status" else s)
    board = board.drop(columns="_full").reset_index(drop=True)
    ok = board["status"].eq("ok")
    board.insert(0, "rank", pd.array([i + 1 if good else pd.NA for i, good in enumerate(ok)],
                                     dtype="Int64"))
    board["chosen"] = False
    if final is not None:
        if final.kind == "single":
            board.loc[board["trial"] == final.best_single.trial_id, "chosen"] = True
        else:
            members = {f"trial{t.trial_id}": float(w) for t, w in
                       zip(final.members, final.weights)}
            row = pd.DataFrame([{
                "rank": pd.NA, "trial": pd.NA, "family": f"ensemble ({final.kind})",
                "device": ", ".join(sorted({(devices or {}).get(t.family.name, "cpu")
                                            for t in final.members})),
                "score": final.oof_score, "score_std": float("nan"),
                "oof_score": final.oof_score, "fit_time": float("nan"),
                "train_fraction": 1.0, "best_iteration": None, "status": "ok", "error": "",
                "params": {"members": members}, "chosen": True,
            }]).astype({"rank": "Int64", "trial": "Int64"})
            board = pd.concat([row, board], ignore_index=True)
    return board[columns]
