"""Drift checks: detector separation on planted shifts, false alarms, and predict-time cost.

Three tables, each measured in this run:

1. Which out-of-distribution detector separates better: distances in the
   encoded space (``knn``, the default) or an isolation forest on a sample,
   as the ROC AUC of ``OODDetector.score`` between held-out rows and the
   same rows with a shift planted.
2. False alarms on i.i.d. splits: batches with any flagged column under our
   thresholds, against a plain rule (1 % of rows beyond the range plus 10 %,
   or a PSI above 0.25 on 100 rows or more).
3. Cost at predict time, per 1,000 rows, beside the prediction itself, on a
   fitted AutoPipeline: the drift check of every ``predict`` call,
   ``ood_score`` and ``drift_report``; and the profile's share of ``fit``.

Usage: see benchmarks/README.md.
"""

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _report import write_text
from _suite import DEFAULT_MANIFEST, load_named

BUNDLED = ["breast_cancer", "wine", "diabetes", "digits"]
SHARED = ["adult", "bank_marketing", "credit_g", "california_housing"]
MAX_ROWS = 5000


def load(name, manifest):
    """``X, y`` of a bundled or manifest dataset, a seeded sample of at most ``MAX_ROWS``."""
    X, y = load_named(name, manifest)
    if len(X) > MAX_ROWS:
        keep = np.random.RandomState(0).permutation(len(X))[:MAX_ROWS]
        X, y = X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)
    return X, y


def shifts(test, train, rng):
    """``{case: shifted copy of test}``: the planted cases."""
    numeric = [c for c in test.columns if pd.api.types.is_numeric_dtype(test[c])
               and train[c].std() > 0]
    text = [c for c in test.columns if c not in numeric
            and not pd.api.types.is_numeric_dtype(test[c])]
    test = test.astype({c: np.float64 for c in numeric})
    std = train[numeric].std()
    cases = {}
    far = test.copy()
    delta = np.zeros((len(far), len(numeric)))
    for i in range(len(far)):
        cols = rng.choice(len(numeric), min(3, len(numeric)), replace=False)
        delta[i, cols] = rng.choice([-4.0, 4.0], len(cols)) * std.iloc[cols].to_numpy()
    far[numeric] = far[numeric].to_numpy() + delta
    cases["3 columns +-4 sd per row"] = far
    one = test.copy()
    col = numeric[0]
    one[col] = one[col] + 5 * std[col]
    cases[f"one column +5 sd ({col})"] = one
    noisy = test.copy()
    noisy[numeric] = noisy[numeric] + rng.normal(size=(len(test), len(numeric))) * std.to_numpy()
    cases["noise 1 sd on every column"] = noisy
    shuffled = test.copy()
    for c in numeric:
        shuffled[c] = rng.permutation(shuffled[c].to_numpy())
    cases["columns shuffled (correlations broken)"] = shuffled
    if text:
        unseen = test.copy()
        for c in text[:2]:
            unseen[c] = "never seen"
        cases["2 text columns unseen"] = unseen
    return cases


def separation(datasets, manifest):
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from automl.drift import OODDetector

    rows = []
    for name in datasets:
        X, _ = load(name, manifest)
        train, test = train_test_split(X, test_size=0.4, random_state=0)
        test = test.iloc[:1000]
        detectors = {m: OODDetector(method=m, random_state=0).fit(train)
                     for m in ("knn", "isolation_forest")}
        clean = {m: d.score(test) for m, d in detectors.items()}
        for case, shifted in shifts(test, train, np.random.RandomState(0)).items():
            row = {"dataset": name, "case": case}
            for m, d in detectors.items():
                score = np.r_[clean[m], d.score(shifted)]
                label = np.r_[np.zeros(len(test)), np.ones(len(shifted))]
                row[f"AUC {m}"] = roc_auc_score(label, score)
            rows.append(row)
    return pd.DataFrame(rows)


def naive_flags(report, n_rows):
    return bool(((report["out_of_range_fraction"] >= 0.01)
                 | ((report["psi"] > 0.25) & (n_rows >= 100))).any())


def false_alarms(datasets, manifest, seeds):
    from sklearn.model_selection import train_test_split

    from automl.drift import TrainingProfile

    rows = []
    for name in datasets:
        X, _ = load(name, manifest)
        ours = naive = batches = 0
        ours_cols, naive_cols = set(), set()
        for seed in range(seeds):
            for size in (0.2, 0.5):
                train, test = train_test_split(X, test_size=size, random_state=seed)
                profile = TrainingProfile(ood_detector=None, random_state=seed).fit(train)
                for batch in (test, test.iloc[:10], test.iloc[:1]):
                    report = profile.compare(batch)
                    batches += 1
                    ours += bool(report["flag"].any())
                    ours_cols |= set(report.loc[report["flag"], "column"])
                    if naive_flags(report, len(batch)):
                        naive += 1
                        hit = (report["out_of_range_fraction"] >= 0.01) | (
                            (report["psi"] > 0.25) & (len(batch) >= 100))
                        naive_cols |= set(report.loc[hit, "column"])
        rows.append({"dataset": name, "columns": X.shape[1], "batches": batches,
                     "ours: batches flagged": ours, "ours: columns ever flagged": len(ours_cols),
                     "plain rule: batches flagged": naive,
                     "plain rule: columns ever flagged": len(naive_cols)})
    return pd.DataFrame(rows)


def per_1000(func, X, repeat=5):
    """Median seconds of ``func(X)`` over ``repeat`` calls, per 1,000 rows, in ms."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(X)
        times.append(time.perf_counter() - start)
    return 1000 * np.median(times) * 1000 / len(X)


def cost(datasets, manifest, budget, max_trials):
    import warnings

    from sklearn.model_selection import train_test_split

    from automl import AutoPipeline
    from automl._validation import check_predict_input
    from automl.drift import OODDetector

    rows = []
    for name in datasets:
        X, y = load(name, manifest)
        X_tr, X_te, y_tr, _ = train_test_split(X, y, test_size=0.3, random_state=0)
        batch = X_te.iloc[np.arange(1000) % len(X_te)].reset_index(drop=True)
        model = AutoPipeline(time_budget=budget, max_trials=max_trials, random_state=0)
        try:
            model.fit(X_tr, y_tr)
        except ValueError as exc:  # no candidate in time on a busy machine
            rows.append({"dataset": name, "rows x cols": f"{len(X)} x {X.shape[1]}",
                         "chosen": f"fit failed: {str(exc)[:60]}"})
            continue
        profile = model.training_profile_
        skipped = profile.detector_ is None
        if skipped:  # the fit ran past its budget and skipped it: fit it here to time it
            start = time.perf_counter()
            profile.detector_ = OODDetector(random_state=0).fit(check_predict_input(model, X_tr))
            profile.fit_time_ += time.perf_counter() - start
        valid = check_predict_input(model, batch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = per_1000(model.model_.predict, valid)
            rows.append({
                "dataset": name, "rows x cols": f"{len(X)} x {X.shape[1]}",
                "chosen": model.ensemble_.attrs["kind"],
                "model_.predict ms": base,
                "drift check ms": per_1000(profile.check, valid),
                "predict (with check) ms": per_1000(model.predict, batch),
                "detector at fit": "skipped (time up)" if skipped else "fitted",
                "ood_score ms": per_1000(model.ood_score, batch),
                "drift_report ms": per_1000(model.drift_report, batch, repeat=1),
                "profile fit s": profile.fit_time_,
                "fit s / budget": model.fit_time_ / budget,
                "profile share of budget": profile.fit_time_ / budget,
                "pickled profile kB": len(__import__("pickle").dumps(profile)) / 1e3,
            })
    frame = pd.DataFrame(rows)
    if "drift check ms" in frame:  # else every fit failed
        frame["check / model_.predict"] = frame["drift check ms"] / frame["model_.predict ms"]
        frame["ood_score / model_.predict"] = frame["ood_score ms"] / frame["model_.predict ms"]
    return frame


def markdown(frame):
    """A Markdown table (floats to 3 decimals), without the optional ``tabulate``."""
    def cell(v):
        return f"{v:.3f}" if isinstance(v, (float, np.floating)) else str(v)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "---|" * frame.shape[1]]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=None,
                        help="comma-separated; default: the bundled ones, plus adult, "
                             "bank_marketing, credit_g and california_housing when the "
                             "manifest is present")
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    parser.add_argument("--budget", type=float, default=60, help="AutoPipeline budget, s")
    parser.add_argument("--max-trials", type=int, default=3,
                        help="AutoPipeline max_trials (the cost table times predict, not "
                             "the search)")
    parser.add_argument("--cost-datasets", default="breast_cancer,digits,adult,credit_g",
                        help="datasets of the cost table (those present)")
    parser.add_argument("--seeds", type=int, default=10, help="i.i.d. splits per size")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    names = args.datasets.split(",") if args.datasets else BUNDLED + (
        SHARED if Path(args.manifest).exists() else [])
    sep = separation(names, args.manifest)
    mean = sep[["AUC knn", "AUC isolation_forest"]].mean()
    alarms = false_alarms(names, args.manifest, args.seeds)
    costed = [n for n in args.cost_datasets.split(",") if n in names]
    spend = cost(costed, args.manifest, args.budget, args.max_trials)
    text = "\n".join([
        "# Drift checks: detectors, false alarms, predict-time cost",
        "",
        f"{time.strftime('%Y-%m-%d')}, {platform.node()}, {platform.processor() or 'cpu'}; "
        f"datasets above {MAX_ROWS} rows sampled to {MAX_ROWS}.",
        "",
        "## 1. OOD detector: ROC AUC, held-out rows against the same rows shifted",
        "",
        markdown(sep),
        "",
        f"Mean AUC: knn (distances) {mean['AUC knn']:.3f}, isolation forest "
        f"{mean['AUC isolation_forest']:.3f}; knn better in "
        f"{int((sep['AUC knn'] > sep['AUC isolation_forest']).sum())} of {len(sep)} cases.",
        "",
        f"## 2. False alarms on i.i.d. splits ({args.seeds} seeds x 20 % and 50 % test; "
        "each test split, its first 10 rows and its first row)",
        "",
        markdown(alarms),
        "",
        f"## 3. Cost per 1,000 rows (AutoPipeline, {args.budget:g} s budget, at most "
        f"{args.max_trials} trials; median of 5 calls on 1,000 test rows)",
        "",
        markdown(spend),
        "",
    ])
    print(text)
    if args.out:
        write_text(args.out, text)


if __name__ == "__main__":
    main()
