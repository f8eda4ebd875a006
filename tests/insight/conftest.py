"""Fitted models shared by the insight tests: small tables, short real fits."""

import numpy as np
import pandas as pd
import pytest

from automl import AutoPipeline

EFFECT = {"a": 0.0, "b": 3.0, "c": -3.0, "d": 1.5}


def planted_table(n, seed, n_tiny=0):
    """y depends on ``num`` and ``cat`` only; noise planted where ``cat == "c"``.

    ``noise`` is a pure-noise column. ``n_tiny`` extra rows have the rare
    category ``"e"`` with a huge error of their own.
    """
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"num": rng.normal(size=n), "cat": rng.choice(list("abcd"), n),
                      "noise": rng.normal(size=n)})
    y = 2.0 * X["num"] + X["cat"].map(EFFECT) + rng.normal(scale=0.1, size=n)
    y = y + np.where(X["cat"] == "c", rng.normal(scale=2.0, size=n), 0.0)
    if n_tiny:
        tiny = pd.DataFrame({"num": rng.normal(size=n_tiny), "cat": "e",
                             "noise": rng.normal(size=n_tiny)})
        X = pd.concat([X, tiny], ignore_index=True)
        y = pd.concat([y, pd.Series(rng.normal(scale=8.0, size=n_tiny))], ignore_index=True)
    return X, y.to_numpy()


@pytest.fixture(scope="session")
def regression():
    """A linear model fitted on the planted table, and a held-out table with 5 odd rows."""
    X, y = planted_table(800, seed=0)
    model = AutoPipeline(time_budget=20, max_trials=2, models=["linear_regression"],
                         random_state=0).fit(X, y)
    X_test, y_test = planted_table(1200, seed=1, n_tiny=5)
    return model, X, y, X_test, y_test


def binary_table(n, seed):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"num": rng.normal(size=n), "cat": rng.choice(list("abcd"), n),
                      "noise": rng.normal(size=n),
                      "when": pd.Timestamp("2026-01-01") + pd.to_timedelta(
                          rng.integers(0, 300, n), unit="D")})
    X.loc[rng.random(n) < 0.1, "noise"] = np.nan
    logit = 2.0 * X["num"] + X["cat"].map(EFFECT) - 1.0
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return X, y


@pytest.fixture(scope="session")
def binary():
    """A binary model (string labels, a date, missing values) and a held-out table."""
    X, y = binary_table(900, seed=0)
    model = AutoPipeline(time_budget=20, max_trials=2, random_state=0,
                         models=["logistic_regression"]).fit(X, y)
    X_test, y_test = binary_table(700, seed=1)
    return model, X, y, X_test, y_test


@pytest.fixture(scope="session")
def binary_report(binary, tmp_path_factory):
    """The full report of the binary model on its held-out rows (built once)."""
    model, _, _, X_test, y_test = binary
    folder = tmp_path_factory.mktemp("report")
    path = model.report(X_test, y_test, folder / "report.html", n_repeats=2, random_state=0)
    return path
