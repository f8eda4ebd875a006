"""The learned-against-hand-written portfolio report, on a hand-made archive with known answers."""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import portfolio_budgets as pb

Y = np.arange(200, dtype=float)
CONST = float(np.sqrt(np.mean((Y - Y.mean()) ** 2)))  # the constant predictor's RMSE


def archive_run(root, budget, dataset, system, pred, anytime=None):
    folder = root / f"{budget:g}s-seed0" / dataset
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "task.json").write_text(json.dumps({"task": "regression", "name": dataset}))
    pd.DataFrame({"y": Y}).to_parquet(folder / "test_y.parquet")
    pd.DataFrame({"pred": pred}).to_parquet(folder / f"{system}.parquet")
    rmse = float(np.sqrt(np.mean((Y - pred) ** 2)))
    record = {"dataset": dataset, "system": system, "budget": budget, "seed": 0,
              "status": "ok", "metric": "rmse", "score": rmse, "const_score": CONST,
              "info": {"anytime_cv": anytime or {}}}
    (folder / f"{system}.json").write_text(json.dumps(record))


@pytest.fixture
def archive(tmp_path):
    rng = np.random.default_rng(0)
    for dataset in ("a", "b"):
        # learned: exact; hand-written: the constant predictor; FLAML: half-way in RMSE
        archive_run(tmp_path, 15, dataset, "automl_learned", Y,
                    anytime={"5": -CONST / 2, "15": 0.0, "30": 0.0, "60": 0.0})
        archive_run(tmp_path, 15, dataset, "automl_handwritten", np.full_like(Y, Y.mean()),
                    anytime={"5": None, "15": -CONST / 4, "30": -CONST / 4, "60": -CONST / 4})
        archive_run(tmp_path, 60, dataset, "flaml", Y + rng.choice([-1, 1], len(Y)) * CONST / 2)
    return tmp_path


def test_budget_table_counts_the_learned_portfolio_better_beyond_noise(archive):
    text = pb.report(archive, [15.0], 60.0, n_boot=200)
    assert "| 15 s | 2 | 1.0000 | 0.0000 | 2 | 0 | 0 |" in text
    assert "| a | 15 s | rmse |" in text and "better +" in text


def test_peers_share_one_scale_across_budgets(archive):
    norms = pb.normalised_by_label(
        {d: list(pb.archived_runs(archive, 15, 0, (pb.LEARNED, pb.HANDWRITTEN))[d].values())
         + list(pb.archived_runs(archive, 60, 0, pb.PEERS)[d].values()) for d in ("a", "b")})
    assert norms["a", "automl_learned@15s"] == 1.0
    assert norms["a", "automl_handwritten@15s"] == 0.0
    assert norms["a", "flaml@60s"] == pytest.approx(0.5)


def test_anytime_curve_normalises_between_constant_and_the_better_final_cv(archive):
    lines = pb.anytime_lines(pb.archived_runs(archive, 15, 0, (pb.LEARNED, pb.HANDWRITTEN)))
    assert "2 datasets" in lines[0]
    # learned: half-way at 5 s, then the top; hand-written: nothing by 5 s, then 3/4 of the way
    assert lines[-2] == "| learned | 0.5000 | 1.0000 | 1.0000 | 1.0000 |"
    assert lines[-1] == "| hand-written | 0.0000 | 0.7500 | 0.7500 | 0.7500 |"


def test_the_learned_system_can_be_named(archive):
    # runs made while the learned portfolio was ours' default are archived as "automl"
    for dataset in ("a", "b"):
        folder = archive / "15s-seed0" / dataset
        for ext in ("json", "parquet"):
            (folder / f"automl_learned.{ext}").rename(folder / f"automl.{ext}")
        record = json.loads((folder / "automl.json").read_text())
        (folder / "automl.json").write_text(json.dumps(dict(record, system="automl")))
    assert "| 15 s | 2 |" not in pb.report(archive, [15.0], 60.0, n_boot=50)
    text = pb.report(archive, [15.0], 60.0, n_boot=200, learned="automl")
    assert "| 15 s | 2 | 1.0000 | 0.0000 | 2 | 0 | 0 |" in text
