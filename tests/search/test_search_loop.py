"""The search loop on its own: deadlines, failing, hanging and dying candidates.

Real worker processes run real k-nearest-neighbours candidates; the special
ones get a ``weights`` function (scikit-learn calls it when predicting, in
the worker) that raises, hangs or ends its process. A scripted strategy
chooses the candidates, so that each test knows what runs.
"""

import os
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.metrics import get_scorer
from sklearn.model_selection import StratifiedKFold

from automl.search import FAMILIES, SearchContext, run_search
from automl.search._data import SearchData
from automl.search._space import default_config
from automl.search._strategies import STRATEGIES, Strategy
from automl.transformers import TablePreprocessor

KNN = FAMILIES["k_nearest_neighbors"]
X, Y = make_classification(120, 4, random_state=0)
CTX = SearchContext(task="binary", n_samples=len(Y), n_features=X.shape[1])


def raises(distances):
    raise ArithmeticError("weights refused")


def hangs(distances):
    time.sleep(600)


def dies(distances):
    os._exit(3)


def candidate(weights="distance", n_neighbors=15):
    """A k-NN candidate; ``weights`` may be one of the functions above."""
    return dict(default_config(KNN, CTX), model__weights=weights, model__n_neighbors=n_neighbors)


class Scripted(Strategy):
    """Proposes the configs it was given, in order, and nothing else."""

    script = []

    def __init__(self, families, ctx, random_state):
        super().__init__(families, ctx, random_state)
        self._portfolio = []
        self.todo = list(self.script)

    def _propose(self, skip):
        return (KNN, self.todo.pop(0), 1.0) if self.todo else None


def search(tmp_path, monkeypatch, configs, *, seconds=60, n_workers=1, max_trials=None):
    """``run_search`` over ``configs`` (k-NN), ending ``seconds`` from now; its result.

    The one place that knows ``run_search``'s signature.
    """
    monkeypatch.setattr(Scripted, "script", configs)
    monkeypatch.setitem(STRATEGIES, "scripted", Scripted)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, Y))
    path = SearchData(X, Y, folds, np.array([0, 1]), TablePreprocessor()).dump(
        str(tmp_path / "data.joblib"))
    return run_search(families=[KNN], ctx=CTX, scorer=get_scorer("roc_auc"), data_path=path,
                      strategy="scripted", deadline=time.time() + seconds,
                      reserve=lambda finished: 0.0, max_trials=max_trials, n_workers=n_workers)


def statuses(result):
    return [t.status for t in result.trials]


def test_a_hanging_candidate_is_stopped_at_the_deadline(tmp_path, monkeypatch):
    # whatever the workers' start-up takes, the search ends at its deadline
    # with the candidate stopped (first in this module: the pool is killed,
    # maybe before its worker started, and the next test starts a fresh one)
    result = search(tmp_path, monkeypatch, [candidate(hangs), candidate()], seconds=3)
    assert statuses(result) == ["timeout"]
    assert result.trials[0].error.startswith("stopped at the search deadline")
    assert np.isfinite(result.trials[0].end_time)


def test_candidates_run_in_order_and_score(tmp_path, monkeypatch):
    started = time.time()
    result = search(tmp_path, monkeypatch, [candidate(n_neighbors=k) for k in (5, 15)])
    ended = time.time()
    assert statuses(result) == ["ok", "ok"]
    assert [t.config["model__n_neighbors"] for t in result.trials] == [5, 15]
    for trial in result.trials:
        assert len(trial.scores) == 3 and 0.5 < trial.score <= 1.0
        assert trial.oof.shape == (len(Y), 2) and not np.isnan(trial.oof).any()
        assert trial.worker.split(":")[-1] != str(os.getpid())  # in a worker process
        assert (trial.bracket, trial.rung) == (None, None)
        assert started <= trial.end_time <= ended  # when its result was recorded
    # one worker: the second finished after the first
    assert result.trials[0].end_time <= result.trials[1].end_time


def test_max_trials_ends_the_search(tmp_path, monkeypatch):
    result = search(tmp_path, monkeypatch, [candidate(n_neighbors=k) for k in range(3, 9)],
                    max_trials=2)
    assert statuses(result) == ["ok", "ok"]


def test_no_candidate_starts_after_the_deadline(tmp_path, monkeypatch):
    assert search(tmp_path, monkeypatch, [candidate()], seconds=-1).trials == []
    # nor with less than the least time a candidate is given
    assert search(tmp_path, monkeypatch, [candidate()], seconds=0.1).trials == []


def test_a_candidate_that_raises_is_recorded_and_the_search_goes_on(tmp_path, monkeypatch):
    result = search(tmp_path, monkeypatch,
                    [candidate(raises), candidate(), candidate(n_neighbors=5)])
    assert statuses(result) == ["error", "ok", "ok"]
    assert result.trials[0].error == "ArithmeticError: weights refused"
    assert "weights refused" in result.trials[0].traceback
    assert result.n_pool_restarts == 0


def test_a_worker_that_dies_is_recorded_and_the_pool_restarts(tmp_path, monkeypatch):
    result = search(tmp_path, monkeypatch, [candidate(dies), candidate(), candidate(n_neighbors=5)])
    assert statuses(result) == ["worker_died", "ok", "ok"]
    assert result.trials[0].error.startswith("worker process died")
    assert result.n_pool_restarts == 1
    assert result.trials[1].worker != "" and result.trials[1].worker == result.trials[2].worker
