"""bench_strategies: the summary and the per-dataset table from stored records."""

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_strategies as bs  # noqa: E402


def record(dataset, system, score, n_trials, fit_s=50.0, status="ok"):
    return {"dataset": dataset, "system": system, "score": score, "status": status,
            "metric": "auc", "const_score": 0.5, "budget": 60.0, "n_train": 1200,
            "fit_s": fit_s, "peak_mb": 500.0, "overran": False,
            "info": {"n_trials": n_trials, "n_trials_all_rows": n_trials // 2}}


RECORDS = [record("a", "automl", 0.80, 10), record("a", "automl_tpe", 0.90, 20),
           record("a", "automl_random", 0.70, 30),
           record("b", "automl", 0.95, 40), record("b", "automl_tpe", 0.75, 10),
           record("b", "automl_random", 0.85, 20, status="timeout")]


def test_per_dataset_table_marks_the_best_and_the_verdicts():
    verdicts = [{"dataset": "a", "system": "automl_tpe", "verdict": "worse"},
                {"dataset": "b", "system": "automl_tpe", "verdict": "better"},
                {"dataset": "a", "system": "automl_random", "verdict": "neither"}]
    lines = bs.per_dataset(RECORDS, verdicts).splitlines()
    assert lines[0] == "| dataset | rows | metric | bayes | random | tpe |"
    # tpe beats bayes beyond noise on a (bayes was worse), loses on b
    assert lines[2] == "| a | 1,200 | auc | 0.8000 (10) | 0.7000 (30) | **0.9000**+ (20) |"
    assert lines[3] == "| b | 1,200 | auc | **0.9500** (40) | timeout | 0.7500- (10) |"


def test_speed_is_trials_per_second_against_bayes():
    rates = bs.speed(RECORDS)
    # tpe: 20/50 and 10/50 trials/s; against bayes' 10/50 and 40/50: ratios 2 and 1/4
    assert rates["automl_tpe"][0] == pytest.approx(0.3)
    assert abs(rates["automl_tpe"][2] - (2 * 0.25) ** 0.5) < 1e-12
    assert rates["automl"][2] == 1.0
