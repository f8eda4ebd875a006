"""bench_predict_latency: it finds every table preprocessor and times every stage."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import FixedThresholdClassifier
from sklearn.pipeline import Pipeline

from automl import AutoClassifier
from automl.ensemble import WeightedEnsembleClassifier
from automl.transformers import TablePreprocessor

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_predict_latency as bpl  # noqa: E402


def _table(n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b", "c"], n)})
    return X, (X["x"] + (X["c"] == "a") > 0.5).astype(int)


def _pipeline(X, y, C=1.0):
    return Pipeline([("table", TablePreprocessor()),
                     ("model", LogisticRegression(C=C))]).fit(X, y)


def test_tables_are_found_inside_pipelines_ensembles_and_wrappers():
    X, y = _table()
    one, two = _pipeline(X, y), _pipeline(X, y, C=0.1)
    wrapped = FixedThresholdClassifier(FrozenEstimator(one), threshold=0.4).fit(X, y)
    ensemble = WeightedEnsembleClassifier([("a", one), ("b", two)], weights=[0.5, 0.5]).fit(X, y)
    assert bpl.tables(one) == [one.named_steps["table"]]
    assert bpl.tables(wrapped) == [one.named_steps["table"]]
    assert len(bpl.tables(ensemble)) == 2
    assert bpl.tables(LogisticRegression()) == []


def test_every_stage_is_timed_on_a_fitted_model():
    X, y = _table(200)
    model = AutoClassifier(time_budget=30, max_trials=1, models=["logistic_regression"], cv=3,
                           n_jobs=1, random_state=0).fit(X, y)
    ms = bpl.stages(model, X.iloc[:5], calls=3)
    assert set(ms) == {*bpl.STAGES, "tables"} and ms["tables"] >= 1
    assert all(ms[s] > 0 for s in bpl.STAGES)
