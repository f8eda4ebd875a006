"""Probabilities and labels users can act on: before and after prior correction and calibration.

On the imbalanced datasets of ``../shared/datasets`` (the suite's outer
75/25 split), one ``AutoPipeline`` fit per dataset, then three stages of
the same fitted model scored on the test rows:

- ``raw``: the members' own probabilities (the prior correction of the
  members trained with class weights or a resampler switched off);
- ``prior``: the prior-corrected ensemble, before calibration;
- ``final``: ``predict_proba`` (calibrated where the OOF log loss said so).

Log loss and Brier score for each, and the accuracy of ``predict`` against
the majority-class rate of the test rows (and of the raw probabilities'
arg-max, what ``predict`` did before). Run from the repository root::

    python benchmarks/bench_decision.py --time-budget 25 \\
        --output benchmarks/results/2026-12-01-decision-25s.md
"""

import argparse
import contextlib
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from _report import write_text
from _suite import DEFAULT_MANIFEST, load_dataset, load_suite, outer_split

DATASETS = ["mammography", "sick", "kc1", "bank_marketing", "credit_g", "page_blocks"]


def _find(obj, cls, seen=None):
    """Every ``cls`` instance inside a fitted estimator (attributes, lists, dicts)."""
    from sklearn.base import BaseEstimator

    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, cls):
        yield obj
    if isinstance(obj, (list, tuple)):
        items = obj
    elif isinstance(obj, dict):
        items = obj.values()
    elif isinstance(obj, BaseEstimator):
        items = vars(obj).values()
    else:
        return
    for item in items:
        yield from _find(item, cls, seen)


@contextlib.contextmanager
def without_prior_correction(model):
    """The model's members predict their own (uncorrected) probabilities meanwhile."""
    from automl._decision import PriorCorrectedClassifier

    wrappers = list(_find(model.model_, PriorCorrectedClassifier))
    saved = [w.ratio_ for w in wrappers]
    try:
        for w in wrappers:
            w.ratio_ = np.ones_like(w.ratio_)
        yield len(wrappers)
    finally:
        for w, ratio in zip(wrappers, saved):
            w.ratio_ = ratio


def uncalibrated(model):
    """The prior-corrected ensemble inside ``model_`` (before calibration and threshold)."""
    from sklearn.frozen import FrozenEstimator
    from sklearn.model_selection import FixedThresholdClassifier

    inner = model.model_
    if isinstance(inner, FixedThresholdClassifier):
        inner = inner.estimator_
    if isinstance(inner, FrozenEstimator):
        inner = inner.estimator
    steps = dict(getattr(inner, "steps", []))
    if "calibration" in steps:
        inner = steps["probabilities"].estimator_.estimator
    return inner


def scores(proba, codes):
    from automl._decision import brier, row_log_loss

    return float(row_log_loss(proba, codes).mean()), brier(proba, codes)


def run_one(entry, time_budget, seed):
    import pandas as pd

    from automl import AutoPipeline

    X, y, task, groups, time_col = load_dataset(entry)
    train, test = outer_split(X, y, task, groups, time_col, seed=seed)
    X_tr, X_te = X.iloc[train], X.iloc[test]
    y_tr, y_te = np.asarray(y)[train], np.asarray(y)[test]
    start = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoPipeline(time_budget=time_budget, n_jobs=1, random_state=seed).fit(X_tr, y_tr)
        fit_s = time.time() - start
        codes = np.searchsorted(model.classes_, y_te)
        final = model.predict_proba(X_te)
        prior = uncalibrated(model).predict_proba(pd.DataFrame(X_te))
        with without_prior_correction(model) as n_corrected:
            raw = uncalibrated(model).predict_proba(pd.DataFrame(X_te))
        pred = model.predict(X_te)
    majority = float(pd.Series(y_te).value_counts(normalize=True).iloc[0])
    row = {"dataset": entry["name"], "task": task, "rows": len(y),
           "minority": float(pd.Series(y).value_counts(normalize=True).iloc[-1]),
           "corrected_members": n_corrected, "members": len(model.ensemble_),
           "calibration": model.calibration_,
           "threshold": model.threshold_, "fit_s": fit_s}
    for name, proba in (("raw", raw), ("prior", prior), ("final", final)):
        row[f"logloss_{name}"], row[f"brier_{name}"] = scores(proba, codes)
    row["acc_raw_argmax"] = float(np.mean(model.classes_[raw.argmax(axis=1)] == y_te))
    row["acc_predict"] = float(np.mean(pred == y_te))
    row["acc_majority"] = majority
    return row


def table(rows):
    head = ("| dataset | rows | minority | corrected / members | calibration | threshold | "
            "log loss raw → prior → final | Brier raw → prior → final | "
            "accuracy: raw arg-max | "
            "predict | majority | fit s |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        thr = "-" if r["threshold"] is None else f"{r['threshold']:.3f}"
        lines.append(
            f"| {r['dataset']} | {r['rows']} | {r['minority']:.3f} | "
            f"{r['corrected_members']} / {r['members']} | {r['calibration']} | {thr} | "
            f"{r['logloss_raw']:.4f} → {r['logloss_prior']:.4f} → {r['logloss_final']:.4f} | "
            f"{r['brier_raw']:.4f} → {r['brier_prior']:.4f} → {r['brier_final']:.4f} | "
            f"{r['acc_raw_argmax']:.4f} | {r['acc_predict']:.4f} | {r['acc_majority']:.4f} | "
            f"{r['fit_s']:.0f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-budget", type=float, default=25.0)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", help="also write the table (markdown) to this file")
    args = parser.parse_args(argv)
    if not Path(args.manifest).exists():
        print(f"{args.manifest}: no such file (the datasets of ../shared)", file=sys.stderr)
        return 2
    wanted = args.datasets.split(",")
    entries = {e["name"]: e for e in load_suite(args.manifest, synthetic=False)}
    rows = []
    for name in wanted:
        rows.append(run_one(entries[name], args.time_budget, args.seed))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    text = (f"AutoPipeline(time_budget={args.time_budget:g}, n_jobs=1, random_state={args.seed}),"
            " outer 75/25 split of benchmarks/_suite.py; test rows.\n\n" + table(rows) + "\n")
    print("\n" + text)
    if args.output:
        write_text(args.output, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
