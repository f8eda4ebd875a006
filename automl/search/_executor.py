"""Worker processes that evaluate candidates and can be killed at a deadline.

A Python thread cannot be stopped in the middle of a scikit-learn fit, so
the budget is kept by running candidates in worker processes (joblib's loky
executor: fresh interpreters, safe with OpenMP) and killing them when their
time is up. Workers are kept between searches so that their start-up and
imports are paid once per process, not once per ``fit``.
"""

import os
import threading

from joblib.externals.loky import ProcessPoolExecutor

_POOLS = {}
_LOCK = threading.Lock()


def cpu_count():
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class WorkerPool:
    """A pool of ``n_workers`` processes, each limited to ``threads`` threads."""

    def __init__(self, n_workers, threads=1):
        self.n_workers = n_workers
        self.threads = threads
        env = {name: str(threads) for name in (
            "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
        self._executor = ProcessPoolExecutor(max_workers=n_workers, env=env)

    def submit(self, fn, *args, **kwargs):
        """Schedule ``fn(*args, **kwargs)``; return a ``concurrent.futures.Future``."""
        return self._executor.submit(fn, *args, **kwargs)

    def kill(self):
        """Stop every worker now, whatever it is doing."""
        self._executor.shutdown(wait=False, kill_workers=True)


def get_pool(n_workers, threads=1):
    """The shared pool of this size, started if needed."""
    with _LOCK:
        key = (n_workers, threads)
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = WorkerPool(n_workers, threads)
        return pool


def discard_pool(pool):
    """Kill ``pool`` and forget it, so that the next ``get_pool`` starts afresh."""
    with _LOCK:
        for key, value in list(_POOLS.items()):
            if value is pool:
                del _POOLS[key]
    pool.kill()
