"""bench_onnx: one row of the table for a student, its numbers consistent."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import FixedThresholdClassifier

from automl import AutoClassifier, to_onnx
from automl._distill import distill

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_onnx  # noqa: E402


def test_a_student_is_compared_on_latency_agreement_and_size():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.normal(size=400), "c": rng.choice(["a", "b", "c"], 400)})
    y = (X["x"] + (X["c"] == "a") + rng.normal(scale=0.5, size=400) > 0.5).astype(int)
    model = AutoClassifier(time_budget=60, max_trials=2, models=["logistic_regression"], cv=3,
                           n_jobs=1, random_state=0).fit(X, y)
    student = bench_onnx.one_thread(distill(model, X, y, time_budget=20, random_state=0))
    assert isinstance(student, FixedThresholdClassifier)  # binary: the teacher's threshold
    row = dict(zip(bench_onnx.COLUMNS, bench_onnx.compare(student, to_onnx(student),
                                                          X.iloc[:300], calls=3)))
    assert row["max diff"] < 1e-4 and row["same labels"] == 1.0
    assert row["speed-up"] == pytest.approx(row["sklearn 1 row"] / row["onnx 1 row"])
    assert all(row[c] > 0 for c in bench_onnx.COLUMNS)
