"""Rows or rounds: which is the cheaper low-fidelity evaluation of an early-stopped booster?

Halving and Hyperband give a candidate a share of the resource. For the
boosters (LightGBM, XGBoost, HistGradientBoosting) that resource could be
the rows (fit on a share of the training rows, all rounds allowed: what
the search does) or the rounds (all rows, the rounds capped at that share
of the family's maximum). This script fits each booster's default through
its family, as the search does (its validation split, early stopping), on
synthetic classification tables of several sizes, and prints per share
the seconds (fit plus predicting the test rows) and test ROC AUC of both,
beside the full fit. A share of rows is the cheaper one where its seconds
are below the rounds'.

The tables are synthetic (``make_classification``): the question is cost,
not which booster is best, and no default is tuned on them.

Usage: see benchmarks/README.md.
"""

import argparse
import time

import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score

from _report import machine_line, write_text
from automl.search import SearchContext
from automl.search.families import FAMILIES
from automl.search.families._eval_set import MAX_BOOSTING_ROUNDS

BOOSTERS = ("lightgbm", "xgboost", "hist_gradient_boosting")
# The most rounds each booster's default may run (HistGradientBoosting: its max_iter).
MAX_ROUNDS = {"lightgbm": MAX_BOOSTING_ROUNDS, "xgboost": MAX_BOOSTING_ROUNDS,
              "hist_gradient_boosting": 1000}
ROUNDS_PARAM = {"lightgbm": "n_estimators", "xgboost": "n_estimators",
                "hist_gradient_boosting": "max_iter"}
N_TEST = 20_000


def fit_and_score(name, X, y, X_test, y_test, rounds=None, n_jobs=1):
    """``(seconds, test AUC, best iteration)`` of family ``name``'s default on ``X, y``."""
    family = FAMILIES[name]
    ctx = SearchContext(task="binary", n_samples=len(y), n_features=X.shape[1], n_jobs=n_jobs)
    params = family.defaults(ctx)
    if rounds is not None:
        params[ROUNDS_PARAM[name]] = rounds
    pipe = Pipeline([("model", family.build("binary", params, ctx))])
    start = time.perf_counter()
    _, final, length = family.fit(pipe, X, y, ctx, deadline=time.time() + 3600)
    proba = final.predict_proba(X_test)[:, 1]
    return time.perf_counter() - start, roc_auc_score(y_test, proba), length


def measure(name, n_rows, shares, seed=0):
    """Table rows for one booster and one table size."""
    X, y = make_classification(n_rows + N_TEST, 30, n_informative=12, flip_y=0.1,
                               random_state=seed)
    X, X_test, y, y_test = X[:n_rows], X[n_rows:], y[:n_rows], y[n_rows:]
    full = fit_and_score(name, X, y, X_test, y_test)
    rows = []
    for share in shares:
        keep = np.sort(np.random.RandomState(seed).choice(
            n_rows, max(20, int(share * n_rows)), replace=False))
        by_rows = fit_and_score(name, X[keep], y[keep], X_test, y_test)
        cap = max(10, int(share * MAX_ROUNDS[name]))
        by_rounds = fit_and_score(name, X, y, X_test, y_test, rounds=cap)
        rows.append((name, n_rows, share, by_rows, by_rounds, cap, full))
    return rows


def table(rows):
    head = ("| booster | rows | share | rows: s | rows: AUC | rounds cap | rounds: s | "
            "rounds: AUC | full: s | full: AUC | full's rounds | rows s / rounds s |\n"
            + "|---" * 12 + "|\n")
    body = "".join(
        f"| {name} | {n:,} | 1/{round(1 / share)} | {r[0]:.2f} | {r[1]:.4f} | {cap} | "
        f"{c[0]:.2f} | {c[1]:.4f} | {f[0]:.2f} | {f[1]:.4f} | {f[2]} | {r[0] / c[0]:.2f} |\n"
        for name, n, share, r, c, cap, f in rows)
    return head + body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,30000,150000")
    parser.add_argument("--boosters", default=",".join(BOOSTERS))
    parser.add_argument("--out", default="", help="Markdown file to write")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = [row for name in args.boosters.split(",") for n in sizes
            for row in measure(name, n, shares=(1 / 9, 1 / 3))]
    text = (f"# Rows or rounds as a booster's low-fidelity resource\n\n{machine_line()}\n"
            f"Command: `python benchmarks/bench_booster_resource.py --sizes {args.sizes} "
            f"--boosters {args.boosters}`. One thread; seconds are fit plus predicting "
            f"{N_TEST:,} test rows; one run each.\n\n" + table(rows))
    if args.out:
        write_text(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
