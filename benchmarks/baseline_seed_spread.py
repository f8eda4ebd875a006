"""How much a scikit-learn baseline's test score moves with its own random seed.

The side-by-side benchmark runs every system once, on one outer split, with
seed 0. A baseline with randomness (HistGradientBoosting's early-stopping
split, a forest's bootstrap) scores differently under another seed on the
same split; where such a baseline is the best system on a dataset, the
normalised scores of all the others depend on that one draw. This script
refits the baseline on the stored splits of ``compare_systems.py`` with
several seeds and prints the spread beside seed 0's score and ours.

Usage: see benchmarks/README.md.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from _archive import budget_folder
from _harness import HERE, system_module
from _suite import primary_score

order_proba = system_module("_common").order_proba
fit_baseline = system_module("sklearn_baseline").fit_baseline


def seed_scores(data_dir, name, seeds):
    """The baseline's test score (the benchmark's metric) for each seed."""
    task = json.loads((data_dir / "task.json").read_text())
    train = pd.read_parquet(data_dir / "train.parquet")
    test_X = pd.read_parquet(data_dir / "test_X.parquet")
    y = pd.read_parquet(data_dir / "test_y.parquet")["y"].to_numpy()
    classes = None if task["task"] == "regression" else np.array([str(c) for c in task["classes"]])
    scores = []
    for seed in seeds:
        predict, _ = fit_baseline(name, train, {**task, "seed": seed})
        pred, proba, proba_classes = predict(test_X)
        if classes is None:
            scores.append(primary_score("regression", y.astype(float), pred, None, None))
        else:
            proba = order_proba(proba, proba_classes, classes)
            scores.append(primary_score(task["task"], y.astype(str), pred, proba, classes))
    return task, scores


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=HERE / ".work" / "compare")
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--model", choices=["hgb", "rf"], default="hgb")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--datasets", default=None, help="comma-separated; all stored by default")
    args = parser.parse_args(argv)
    root = budget_folder(args.store, args.budget, 0)  # the benchmark's splits
    names = args.datasets.split(",") if args.datasets else sorted(
        p.name for p in root.iterdir() if (p / "data" / "task.json").exists())
    print(f"{args.model} default, seeds 0-{args.seeds - 1}, splits of {root}")
    print("| dataset | metric | seed 0 | mean | std | min | max | ours |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        task, scores = seed_scores(root / name / "data", args.model, range(args.seeds))
        ours = root / name / "runs" / "automl.json"
        ours = json.loads(ours.read_text()).get("score") if ours.exists() else None
        metric = {"binary": "auc", "multiclass": "logloss", "regression": "rmse"}[task["task"]]
        cells = [scores[0], np.mean(scores), np.std(scores), np.min(scores), np.max(scores), ours]
        print(f"| {name} | {metric} | " + " | ".join(
            "" if v is None else f"{v:.4f}" if abs(v) < 100 else f"{v:.1f}" for v in cells) + " |",
            flush=True)


if __name__ == "__main__":
    main()
