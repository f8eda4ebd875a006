"""Fixtures shared by several test modules (fitted searches that only get read, data)."""

import os
import subprocess

import pytest
from sklearn.datasets import load_breast_cancer, make_classification

from automl import AutoPipeline

# The benchmark runner's fake systems are scripts that it starts, not test modules.
collect_ignore = ["benchmarks/fake_systems"]


@pytest.fixture(scope="session")
def cancer_parallel_search():
    """``(X, y, model)``: six candidates on breast cancer in two local worker processes.

    tests/test_auto_pipeline.py checks the parallel search itself;
    tests/test_dask.py compares the same search on a Dask cluster with it.
    max_trials ends the search; the budget only has to outlast a busy machine.
    """
    X, y = load_breast_cancer(return_X_y=True)
    model = AutoPipeline(time_budget=180, max_trials=6, cv=3, random_state=0, fold_bagging=False,
                         n_jobs=2, backend="loky").fit(X, y)
    return X, y, model


@pytest.fixture(scope="module")
def slow_problem():
    # ~1 s per 100 iterations on one core: 1,000 iterations take far longer
    # than the deadlines of the tests that use it (tests/search/)
    X, y = make_classification(8000, 40, n_informative=20, flip_y=0.2, random_state=0)
    return X, y


@pytest.fixture
def cli(capfd):
    """``cli(*args, cwd=...)``: ``automl ARGS`` run in this process from ``cwd``.

    Returns a ``subprocess.CompletedProcess`` (``returncode``, ``stdout``,
    ``stderr``), as running the console script would; the output is captured
    at the file descriptors.
    """
    from automl._cli import main

    def call(*args, cwd):
        capfd.readouterr()
        here = os.getcwd()
        os.chdir(cwd)
        try:
            code = main([str(a) for a in args])
        finally:
            os.chdir(here)
        out = capfd.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return call
