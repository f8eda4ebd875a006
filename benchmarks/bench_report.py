"""Time ``report`` and ``feature_importances`` against ``predict`` on the same rows.

A synthetic binary table (numbers, a category, a date, missing values) of
``--rows`` rows; a short fit on ``--fit-rows`` of them; then, on all rows,
``predict`` (median of 3), ``feature_importances``, ``error_analysis`` and
``report`` (one each), quoted as multiples of ``predict`` measured in the
same run (the machine is shared and noisy). Prints a Markdown table and
writes it to ``--out`` when given.

    python benchmarks/bench_report.py --rows 100000 \
        --out benchmarks/results/2026-12-01-report-timing.md
"""

import argparse
import platform
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from _report import write_text
from automl import AutoPipeline


def make_table(n, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "num": rng.normal(size=n), "skewed": rng.lognormal(size=n),
        "cat": rng.choice(list("abcdefgh"), n), "noise": rng.normal(size=n),
        "when": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
    })
    for i in range(5):
        X[f"extra_{i}"] = rng.normal(size=n)
    X.loc[rng.random(n) < 0.05, "skewed"] = np.nan
    logit = 1.5 * X["num"] + X["cat"].map(dict(zip("abcdefgh", np.linspace(-2, 2, 8)))) \
        + 0.3 * np.log1p(X["skewed"].fillna(1.0)) + 0.5 * X["extra_0"]
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return X, y


def timed(func, repeats=1):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--fit-rows", type=int, default=20_000)
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    X, y = make_table(args.rows)
    fit_start = time.perf_counter()
    model = AutoPipeline(time_budget=args.budget, max_trials=4, random_state=0,
                         models=["hist_gradient_boosting", "logistic_regression"])
    model.fit(X.iloc[:args.fit_rows], y[:args.fit_rows])
    fit_time = time.perf_counter() - fit_start
    predict = timed(lambda: model.predict_proba(X), repeats=3)
    importances = timed(lambda: model.feature_importances(X, y, random_state=0))
    errors = timed(lambda: model.error_analysis(X, y))
    with tempfile.TemporaryDirectory() as tmp:
        report = timed(lambda: model.report(X, y, Path(tmp) / "r.html", force=True))
        size = (Path(tmp) / "r.html").stat().st_size
    rows = [("predict_proba (baseline)", predict), ("feature_importances", importances),
            ("error_analysis", errors), ("report (everything above, and the plots)", report)]
    lines = [
        f"# report timing on {args.rows:,} rows ({time.strftime('%Y-%m-%d')})", "",
        f"Synthetic binary table, {X.shape[1]} columns (numbers, a category, a date, "
        f"5 % missing in one); model: {model.ensemble_.attrs['kind']} "
        f"({', '.join(model.ensemble_['family'])}), fitted on {args.fit_rows:,} rows in "
        f"{fit_time:.0f} s (budget {args.budget:g} s). Machine: {platform.machine()}, "
        f"shared and noisy: compare the ratios. The report file: {size / 1e6:.1f} MB.", "",
        "| step on all rows | seconds | x predict |", "|---|---:|---:|",
        *[f"| {name} | {sec:.2f} | {sec / predict:.1f} |" for name, sec in rows], "",
        "feature_importances permutes 10 columns x 5 repeats on a random 10,000 of the "
        "rows (its default max_rows); error_analysis uses every row; report: the metrics "
        "and their bootstrap intervals on every row (resamples of 20,000 rows, rescaled), "
        "error segments and plots on a random 20,000, importances on a random 5,000 (the "
        "report says so).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        write_text(args.out, text)


if __name__ == "__main__":
    main()
