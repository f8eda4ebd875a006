"""How random undersampling's candidates score by the rows it leaves, on the portfolio's corpus.

Reads the offline evaluation's results (``results/<dataset>/*.npz``) of
imbalanced classification tables and compares each ``random_under``
configuration's CV score with the median of its family's other
configurations on the same table, by the rows undersampling leaves in a
training fold (classes x rarest count x (k-1)/k). It decided
``_UNDER_MIN_ROWS`` in ``automl/search/_space.py``. Fits nothing.

Usage: ``python benchmarks/portfolio/undersampling_by_rows.py``.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
BANDS = [0, 50, 100, 200, 500, np.inf]


def _records(folder):
    out = {}
    for path in folder.glob("*.npz"):
        with np.load(path, allow_pickle=True) as stored:
            if "record" in stored.files:
                record = json.loads(str(stored["record"]))
                if record["status"] == "ok":
                    out[record["id"]] = record
    return out


def gaps(results=RESULTS):
    """One row per random_under configuration: rows left, its gap to its family's median."""
    rows = []
    for folder in sorted(p for p in results.iterdir() if (p / "dataset.json").exists()):
        meta = json.loads((folder / "dataset.json").read_text())
        if meta["task"] == "regression" or not meta["context"].get("imbalanced"):
            continue
        records = _records(folder)
        left = (meta["n_classes"] * meta["minority_fraction"] * meta["rows_used"]
                * (meta["n_folds"] - 1) / meta["n_folds"])
        for rid, r in records.items():
            if r["config"].get("imbalance") != "random_under":
                continue
            others = [o["score"] for o in records.values() if o["family"] == r["family"]
                      and o["config"].get("imbalance") != "random_under"]
            if others:
                rows.append({"dataset": meta["name"], "metric": meta["metric"], "id": rid,
                             "rows_left": left, "gap": r["score"] - float(np.median(others))})
    return pd.DataFrame(rows)


def main():
    frame = gaps()
    frame["rows left per training fold"] = pd.cut(frame["rows_left"], BANDS)
    table = frame.groupby("rows left per training fold", observed=True).agg(
        configurations=("gap", "size"), datasets=("dataset", "nunique"),
        median_gap=("gap", "median"), worst_gap=("gap", "min"))
    print("Score of random_under configurations minus the median of their family's other "
          "configurations on the same table (scorer sign: below 0 is worse); metrics: "
          + ", ".join(f"{m} {n}" for m, n in frame.groupby("metric").size().items()) + ".\n")
    print("| rows left per training fold | configurations | datasets | median gap | worst gap |")
    print("|---|---|---|---|---|")
    for band, r in table.iterrows():
        print(f"| {band} | {int(r.configurations)} | {int(r.datasets)} | {r.median_gap:.3f} | "
              f"{r.worst_gap:.3f} |")


if __name__ == "__main__":
    main()
