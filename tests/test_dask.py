"""The search on a real Dask cluster: distributed.LocalCluster with process workers."""

import os
import signal

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

from automl import AutoPipeline  # noqa: E402

# max_trials ends these searches; the budget only has to outlast a busy machine
RUN = dict(time_budget=180, max_trials=6, cv=3, random_state=0, fold_bagging=False)


@pytest.fixture(scope="module")
def data():
    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def _worker_pids(client):
    return set(client.run(os.getpid).values())


def test_candidates_run_on_the_workers_with_local_quality(client, data, cancer_parallel_search):
    X, y = data
    model = AutoPipeline(backend="dask", **RUN).fit(X, y)
    # the cheap first candidate runs here while the workers start; the rest on
    # the workers (which of the two takes which depends on the machine's load)
    pids = {int(t.worker.rsplit(":", 1)[1]) for t in model.trials_ if t.ok}
    assert os.getpid() in pids and pids - {os.getpid()} <= _worker_pids(client)
    assert len(pids - {os.getpid()}) >= 1
    # the same search (RUN) with n_jobs=2 local worker processes (tests/conftest.py)
    local = cancer_parallel_search[2]
    assert {k: local.get_params()[k] for k in RUN} == RUN
    assert local.get_params()["n_jobs"] == 2 and local.get_params()["backend"] == "loky"
    assert sum(t.ok for t in model.trials_) == 6
    assert abs(model.best_score_ - local.best_score_) < 0.005
    assert model.score(X, y) > 0.97


def test_joblib_dask_backend_context_is_used(client, data):
    X, y = data
    with joblib.parallel_backend("dask"):
        model = AutoPipeline(**{**RUN, "max_trials": 3}).fit(X, y)
    workers = {int(t.worker.rsplit(":", 1)[1]) for t in model.trials_ if t.ok} - {os.getpid()}
    assert workers and workers <= _worker_pids(client)


def test_a_worker_killed_mid_search_does_not_lose_the_search(client, data):
    # the module's cluster (its nanny starts a new worker for the killed one):
    # this test comes last, after those that count the workers
    X, y = data
    before = _worker_pids(client)
    killed = []

    def kill_one_worker(info):
        if not killed:  # after the first finished candidate
            pid = sorted(before)[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    model = AutoPipeline(backend="dask", callback=kill_one_worker,
                         **{**RUN, "max_trials": 8}).fit(X, y)
    assert killed
    statuses = [t.status for t in model.trials_]
    assert len(model.trials_) == 8
    # candidates on the dead worker were retried elsewhere, or recorded as failed
    assert set(statuses) <= {"ok", "error", "timeout"}
    ran_on = {int(t.worker.rsplit(":", 1)[1]) for t in model.trials_ if t.ok}
    assert statuses.count("ok") >= 6 and ran_on - {killed[0]}
    assert model.best_score_ > 0.98
    assert np.isfinite(model.predict_proba(X)).all()
