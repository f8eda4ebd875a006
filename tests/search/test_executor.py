"""The worker pools on their own: real processes, killed and restarted; Dask's futures.

The tasks are standard-library functions, so that the workers start
without importing the library (a second or so each).
"""

import operator
import os
import time
from concurrent.futures import wait
from concurrent.futures.process import BrokenProcessPool

import pytest

from automl.search._executor import DaskPool, WorkerPool, discard_pool, get_pool

# threads=3: pools of their own, apart from those the search tests share
THREADS = 3


@pytest.fixture
def pool():
    pool = get_pool(1, THREADS)
    yield pool
    discard_pool(pool)


def test_tasks_run_in_a_worker_with_its_thread_limits(pool):
    assert pool.submit(os.getpid).result() != os.getpid()
    assert pool.submit(os.getenv, "OMP_NUM_THREADS").result() == str(THREADS)
    assert pool.submit(operator.add, 2, 3).result() == 5


def test_the_pool_of_a_size_is_shared_until_discarded(pool):
    assert get_pool(1, THREADS) is pool
    discard_pool(pool)
    fresh = get_pool(1, THREADS)
    assert fresh is not pool
    assert fresh.submit(operator.mul, 2, 3).result() == 6
    discard_pool(fresh)


def test_kill_stops_a_task_that_would_run_for_minutes(pool):
    future = pool.submit(time.sleep, 600)
    pool.kill()
    done, _ = wait([future], timeout=120)  # a bound for a stuck test, not a measure
    assert future in done and future.exception() is not None


def test_a_worker_that_dies_breaks_the_pool_until_it_is_replaced(pool):
    future = pool.submit(os._exit, 3)
    assert isinstance(future.exception(timeout=120), BrokenProcessPool)
    with pytest.raises((BrokenProcessPool, RuntimeError)):
        pool.submit(os.getpid).result(timeout=120)
    discard_pool(pool)
    fresh = get_pool(1, THREADS)
    assert fresh is not pool and fresh.submit(os.getpid).result() != os.getpid()
    discard_pool(fresh)


def test_a_worker_pool_of_its_own():
    pool = WorkerPool(2, threads=1)
    try:
        results = [pool.submit(operator.add, i, 1) for i in range(4)]
        assert [f.result() for f in results] == [1, 2, 3, 4]
        assert pool.submit(os.getenv, "OPENBLAS_NUM_THREADS").result() == "1"
    finally:
        pool.kill()


def test_dask_pool_relays_results_and_errors():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        pool = DaskPool(client, n_workers=1)
        data = pool.scatter({"rows": [1, 2, 3]})
        assert pool.submit(operator.getitem, data, "rows").result(timeout=60) == [1, 2, 3]
        failing = pool.submit(operator.truediv, 1, 0)
        assert isinstance(failing.exception(timeout=60), ZeroDivisionError)
        pending = [pool.submit(time.sleep, 0.5) for _ in range(3)]
        pool.kill()  # the pending ones are cancelled; none is waited for
        assert pool._futures == []
        wait(pending, timeout=60)
