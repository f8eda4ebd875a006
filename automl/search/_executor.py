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


class DaskPool:
    """Candidates on a Dask cluster, through a ``distributed.Client``.

    The interface of :class:`WorkerPool`, with ``concurrent.futures`` futures
    so that the search waits on both kinds alike. The search data is
    scattered to every worker once. A running Dask task cannot be killed:
    :meth:`kill` cancels the pending ones and forgets the running ones, which
    stop at their own deadline (candidates check it between folds, boosters
    after each round). A task whose worker dies is retried by the scheduler
    on another worker; if it keeps failing, its future raises.
    """

    def __init__(self, client, n_workers):
        self.client = client
        self.n_workers = n_workers
        self._futures = []

    def scatter(self, data):
        """Send ``data`` to every worker; return the handle to pass to tasks."""
        return self.client.scatter(data, broadcast=True, hash=False)

    def submit(self, fn, *args, **kwargs):
        """Schedule ``fn(*args, **kwargs)``; return a ``concurrent.futures.Future``."""
        import concurrent.futures

        dask_future = self.client.submit(fn, *args, pure=False, **kwargs)
        self._futures.append(dask_future)
        future = concurrent.futures.Future()
        future.set_running_or_notify_cancel()

        def relay(done):
            if future.done():
                return
            try:
                future.set_result(done.result())
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting search
                future.set_exception(exc)

        dask_future.add_done_callback(relay)
        return future

    def kill(self):
        """Cancel what has not started; stop waiting for the rest."""
        pending = [f for f in self._futures if not f.done()]
        if pending:
            self.client.cancel(pending)
        self._futures = []


def dask_client():
    """The Dask client in use: joblib's dask backend's, else the default one."""
    try:
        from joblib.parallel import get_active_backend

        backend, _ = get_active_backend()
        client = getattr(backend, "client", None)
        if client is not None:
            return client
        from distributed import get_client

        return get_client()
    except ImportError:
        raise ImportError(
            "backend='dask' needs dask's distributed package: pip install 'automl[dask]'."
        ) from None
    except ValueError:  # distributed.get_client(): no client
        raise ValueError(
            "backend='dask' needs a distributed.Client: create one first, e.g. "
            "Client('tcp://scheduler:8786'), or use joblib.parallel_backend('dask')."
        ) from None


def dask_backend_active():
    """Whether the code runs inside ``joblib.parallel_backend("dask")``."""
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    return type(backend).__name__ == "DaskDistributedBackend"
