"""Every ``search=`` strategy with several local workers and on a real Dask cluster.

tests/search/test_strategies.py drives each proposer on its own; here each
one runs a whole AutoPipeline search with candidates in flight at once, on
``n_jobs=2`` loky workers and on a ``distributed.LocalCluster``'s workers.
"""

import os

import pytest
from sklearn.datasets import load_breast_cancer

from automl import AutoPipeline
from automl.search._strategies import STRATEGIES

# max_trials ends these searches; the budget only has to outlast a busy machine.
# Two cheap families: the hand-written portfolio's two defaults on all rows,
# then six of the strategy's own (Hyperband's first bracket, s = 2, starts on
# 1/9 of the rows; one successive-halving bracket starts there too).
RUN = dict(time_budget=180, max_trials=8, cv=3, random_state=0, fold_bagging=False,
           models=["logistic_regression", "k_nearest_neighbors"], portfolio="handwritten",
           ensemble="none")
BRACKETED = {"halving", "hyperband"}


@pytest.fixture(scope="module")
def data():
    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def _needs(search):
    if search == "tpe":
        pytest.importorskip("optuna")


def _check_search(model, search, X, y):
    """What every strategy's parallel search must give: all candidates, placed, distinct."""
    trials = model.trials_
    assert len(trials) == RUN["max_trials"] and all(t.ok for t in trials), \
        [(t.status, t.error) for t in trials]
    keys = [(t.family.name, repr(sorted(t.config.items())), t.train_fraction) for t in trials]
    assert len(set(keys)) == len(keys)  # nothing ran twice
    board = model.leaderboard_
    placed = board["bracket"].notna()
    if search in BRACKETED:
        # the brackets' candidates start on 1/9 of the rows; the portfolio is outside them
        assert (board.loc[placed, "train_fraction"] < 1).any()
        assert (board.loc[~placed, "train_fraction"] == 1).all() and (~placed).sum() >= 2
        assert board.loc[placed, "rung"].notna().all()
    else:
        assert not placed.any() and (board["train_fraction"] == 1).all()
    assert model.best_score_ > 0.95 and model.score(X, y) > 0.95
    return {int(t.worker.rsplit(":", 1)[1]) for t in trials}


@pytest.mark.parametrize("search", sorted(STRATEGIES))
def test_every_strategy_on_two_local_workers(search, data):
    _needs(search)
    X, y = data
    model = AutoPipeline(search=search, n_jobs=2, backend="loky", **RUN).fit(X, y)
    # the first cheap candidate runs here while the workers start; others there
    assert _check_search(model, search, X, y) - {os.getpid()}


@pytest.mark.parametrize("search", sorted(STRATEGIES))
def test_every_strategy_on_a_dask_cluster(search, data, client):
    _needs(search)
    X, y = data
    model = AutoPipeline(search=search, backend="dask", **RUN).fit(X, y)
    workers = set(client.run(os.getpid).values())
    ran_on = _check_search(model, search, X, y)
    assert ran_on - {os.getpid()} and ran_on - {os.getpid()} <= workers
