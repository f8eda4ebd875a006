"""AutoPipeline against scikit-learn's HistGradientBoosting default, same run.

Each (dataset, system) runs in its own subprocess with a hard wall-clock
limit; the driver samples the resident memory of the subprocess tree. Prints
a Markdown table and writes it (plus a CSV) under ``benchmarks/results/``.

Usage: see benchmarks/README.md.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from _harness import hard_limit, overran, run_subprocess, system_module
from _report import fmt, machine_line, write_csv, write_text
from _suite import (
    DEFAULT_MANIFEST, LOWER_IS_BETTER, constant_score, load_dataset, load_suite, metrics,
    normalised, outer_split, select)


def run_one(entry, system, budget, seed, n_jobs, predict_cost=None):
    """Fit and score one system on one dataset (runs inside the subprocess)."""
    X, y, task, groups, time_col = load_dataset(entry)
    train, test = outer_split(X, y, task, groups, time_col, seed)
    X_tr, X_te = X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True)
    y_tr, y_te = y.iloc[train].to_numpy(), y.iloc[test].to_numpy()
    g_tr = None if groups is None else groups.iloc[train].to_numpy()
    classes = np.unique(y_tr) if task != "regression" else None
    if task != "regression":  # test labels unseen in training cannot be scored
        keep = np.isin(y_te, classes)
        X_te, y_te = X_te[keep].reset_index(drop=True), y_te[keep]
    t0 = time.perf_counter()
    if system == "automl":
        from automl import AutoPipeline

        # the manifest's categoricals: integer-coded IDs are not numbers
        cats = [c for c in entry.get("categorical_columns") or [] if c in X_tr.columns]
        # the package default unless asked for; "none" lifts the limit
        cost = {} if predict_cost is None else {
            "ensemble_predict_cost": None if predict_cost == "none" else float(predict_cost)}
        model = AutoPipeline(time_budget=budget, task=task, time_column=time_col,
                             categorical_columns=cats or None, n_jobs=n_jobs, random_state=seed,
                             **cost)
        model.fit(X_tr, y_tr, groups=g_tr)
        fit_time = time.perf_counter() - t0
        extra = {"n_trials": len(model.trials_),
                 "n_ok": int(sum(t.ok for t in model.trials_)),
                 "best": model.best_config_["family"], "cv": model.cv_,
                 "ensemble": model.ensemble_.attrs["kind"], "n_members": len(model.ensemble_),
                 "bagged": int((model.ensemble_["fitted_on"] != "all rows").sum())}
        # The same search without the ensemble on top: the best single pipeline.
        (predict_time, single_time), ((pred, proba), (single_pred, single_proba)) = \
            _timed_predict([model, model.best_pipeline_], X_te, task)
        single = metrics(task, y_te, single_pred, single_proba, classes)
        extra.update(single_score=single["score"],
                     single_predict_ms_per_1k=1e6 * single_time / max(1, len(y_te)),
                     predict_cost_train=model.ensemble_.attrs.get("predict_cost"),
                     const_score=constant_score(task, y_tr, y_te, classes))
    else:
        baseline = system_module("sklearn_baseline")

        # the same HistGradientBoosting default as compare_systems.py's "hgb"
        cats = baseline.categorical_columns(X_tr, entry)
        levels = baseline.category_levels(X_tr, cats)
        X_tr, X_te = baseline.as_categories(X_tr, levels), baseline.as_categories(X_te, levels)
        constant = [c for c in X_tr.columns if X_tr[c].nunique(dropna=False) <= 1]
        X_tr, X_te = X_tr.drop(columns=constant), X_te.drop(columns=constant)
        model = baseline.make_model("hgb", task, cats, n_jobs, seed).fit(X_tr, y_tr)
        fit_time = time.perf_counter() - t0
        extra = {}
        (predict_time,), ((pred, proba),) = _timed_predict([model], X_te, task)
    out = metrics(task, y_te, pred, proba, classes)
    out.update(fit_time=fit_time, predict_ms_per_1k=1e6 * predict_time / max(1, len(y_te)),
               n_test=len(y_te), **extra)
    return out


def _timed_predict(models, X, task, min_repeats=5, min_seconds=2.0, max_repeats=50):
    """Median seconds of ``predict`` + ``predict_proba`` for each model, and their outputs.

    The models are called in turn (so that a slow spell on this shared
    machine hits them alike), at least ``min_repeats`` times and until each
    has run ``min_seconds``: a 15 ms call timed three times is mostly noise.
    """
    def call(model):
        return model.predict(X), model.predict_proba(X) if task != "regression" else None

    times, outputs = [[] for _ in models], [None] * len(models)
    for repeat in range(max_repeats):
        for i, model in enumerate(models):
            start = time.perf_counter()
            outputs[i] = call(model)
            times[i].append(time.perf_counter() - start)
        if repeat + 1 >= min_repeats and min(sum(t) for t in times) >= min_seconds:
            break
    return [float(np.median(t)) for t in times], outputs


def run_child(entry, system, budget, seed, n_jobs, limit, predict_cost=None):
    """:func:`run_one` in a subprocess with a hard limit; its result and peak memory."""
    cmd = [sys.executable, __file__, "--one", json.dumps(entry), "--system", system,
           *([] if predict_cost is None else ["--ensemble-predict-cost", str(predict_cost)]),
           "--budget", str(budget), "--seed", str(seed), "--n-jobs", str(n_jobs)]
    finished = run_subprocess(cmd, limit, keep_stdout=True)
    peak_mb = finished.peak_bytes / 2**20
    if finished.returncode is None:
        return {"error": f"killed after {limit:.0f}s", "peak_mb": peak_mb}
    lines = [ln for ln in finished.stdout.splitlines() if ln.startswith("RESULT ")]
    if finished.returncode != 0 or not lines:
        return {"error": (finished.stderr.strip().splitlines() or ["no output"])[-1][:200],
                "peak_mb": peak_mb}
    return dict(json.loads(lines[-1][len("RESULT "):]), peak_mb=peak_mb)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60)
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    parser.add_argument("--datasets", default="", help="comma-separated subset of names")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--ensemble-predict-cost", default=None,
                        help="AutoPipeline's ensemble_predict_cost: a number, or 'none' for "
                             "no limit (the package default when not given)")
    parser.add_argument("--out", default="", help="Markdown file to write (CSV beside it)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--system", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = run_one(json.loads(args.one), args.system, args.budget, args.seed, args.n_jobs,
                         args.ensemble_predict_cost)
        print("RESULT " + json.dumps(result, default=str))
        return
    try:
        suite = select(load_suite(args.manifest), [d for d in args.datasets.split(",") if d])
    except ValueError as exc:
        parser.error(str(exc))
    rows = []
    for entry in suite:
        ours = run_child(entry, "automl", args.budget, args.seed, args.n_jobs,
                         hard_limit(args.budget), args.ensemble_predict_cost)
        base = run_child(entry, "hgb", args.budget, args.seed, args.n_jobs, hard_limit(args.budget))
        rows.append(_row(entry["name"], ours, base, args.budget))
        print(_format_row(rows[-1]), flush=True)
    table = _markdown(rows, args)
    print(table)
    if args.out:
        write_text(args.out, table)
        write_csv(Path(args.out).with_suffix(".csv"), rows)


def _row(name, ours, base, budget):
    lower_better = ours.get("metric", base.get("metric")) in LOWER_IS_BETTER
    row = {
        "dataset": name, "metric": ours.get("metric", base.get("metric", "")),
        "automl": ours.get("score"), "hgb": base.get("score"),
        "automl_secondary": ours.get("secondary"), "hgb_secondary": base.get("secondary"),
        "fit_s": ours.get("fit_time"), "fit_over_budget": (ours.get("fit_time") or 0) / budget,
        "hgb_fit_s": base.get("fit_time"),
        "predict_ms_per_1k": ours.get("predict_ms_per_1k"), "hgb_predict_ms_per_1k": base.get("predict_ms_per_1k"),
        "peak_mb": ours.get("peak_mb"), "hgb_peak_mb": base.get("peak_mb"),
        "trials": ours.get("n_trials"), "best_family": ours.get("best"),
        "single": ours.get("single_score"), "ensemble": ours.get("ensemble"),
        "n_members": ours.get("n_members"), "bagged": ours.get("bagged"),
        "single_predict_ms_per_1k": ours.get("single_predict_ms_per_1k"),
        "predict_cost_train": ours.get("predict_cost_train"),
        "const": ours.get("const_score"),
        "error": ours.get("error", "") or base.get("error", ""),
    }
    systems = ("automl", "single", "hgb")
    scored = [row[k] for k in systems if row[k] is not None]
    for k in systems:
        row[f"{k}_norm"] = None
    if scored and row["const"] is not None:
        best = min(scored) if lower_better else max(scored)
        for k in systems:
            if row[k] is not None:
                row[f"{k}_norm"] = normalised(row[k], row["const"], best, row["metric"])
    row["ens_better"], row["extra_per_member"], row["extra_per_member_fit"] = None, None, None
    if row["ensemble"] not in (None, "single") and row["single"] is not None:
        d = row["automl"] - row["single"]
        row["ens_better"] = None if d == 0 else ((d < 0) if lower_better else (d > 0))
        if row["n_members"] and row["n_members"] > 1:
            # (ensemble time / single time - 1) / (members - 1): on the test rows, and in fit
            if row["single_predict_ms_per_1k"]:
                ratio = row["predict_ms_per_1k"] / row["single_predict_ms_per_1k"]
                row["extra_per_member"] = (ratio - 1) / (row["n_members"] - 1)
            cost = row["predict_cost_train"]
            if cost is not None and cost == cost:  # NaN: not measured
                row["extra_per_member_fit"] = (cost - 1) / (row["n_members"] - 1)
    if row["automl"] is not None and row["hgb"] is not None:
        diff = row["automl"] - row["hgb"]
        row["better"] = (diff < 0) if lower_better else (diff > 0)
    else:
        row["better"] = None
    return row


def _format_row(r):
    return (f"| {r['dataset']} | {r['metric']} | {fmt(r['automl'])} | {fmt(r['hgb'])} | "
            f"{fmt(r['better'])} | {fmt(r['fit_s'], '.1f')} | {fmt(r['fit_over_budget'], '.2f')} | "
            f"{fmt(r['predict_ms_per_1k'], '.1f')} | {fmt(r['hgb_predict_ms_per_1k'], '.1f')} | "
            f"{fmt(r['peak_mb'], '.0f')} | {fmt(r['hgb_peak_mb'], '.0f')} | {fmt(r['trials'])} | "
            f"{fmt(r['best_family'])} | {r['error']} |")


def _markdown(rows, args):
    import importlib.metadata as md

    versions = ", ".join(f"{p} {md.version(p)}" for p in (
        "scikit-learn", "imbalanced-learn", "xgboost", "lightgbm", "scikit-optimize", "numpy", "pandas"))
    n_better = sum(r["better"] is True for r in rows)
    n_scored = sum(r["better"] is not None for r in rows)
    over = [r["dataset"] for r in rows if r["fit_over_budget"] and overran(r["fit_s"], args.budget)]
    head = [
        f"# AutoPipeline vs HistGradientBoosting default, budget {args.budget:.0f} s",
        "",
        f"{machine_line()}; {versions}.",
        f"Command: `python benchmarks/bench_autopipeline.py --budget {args.budget:g} --n-jobs {args.n_jobs}"
        f"{' --datasets ' + args.datasets if args.datasets else ''}`. Outer split 75/25 (seed {args.seed}; "
        "by group or by time where the manifest says). Metric on the test split: AUC (binary, higher "
        "is better), log loss (multiclass, lower), RMSE (regression, lower).",
        "",
        f"AutoPipeline better than the baseline on {n_better} of {n_scored} datasets; budget "
        f"(+max(5 s, 10 %)) overrun on: {', '.join(over) or 'none'}.",
        "",
        f"Mean normalised score (0 = constant predictor, 1 = best of the three on that "
        f"dataset): AutoPipeline {_mean(rows, 'automl_norm')}, its best single pipeline "
        f"{_mean(rows, 'single_norm')}, HistGradientBoosting {_mean(rows, 'hgb_norm')}.",
        "",
        "| dataset | metric | automl | hgb | automl better | fit s | fit/budget | predict ms/1k | "
        "hgb predict ms/1k | peak MB | hgb peak MB | trials | best family | error |",
        "|" + "---|" * 14,
    ]
    ens = [
        "",
        "## Ensemble against the best single pipeline of the same search",
        "",
        "The single pipeline is `best_pipeline_` of the same fit (the same search, so the "
        "same budget); `model_` adds the ensemble on top. Extra predict time per added member: "
        "(ensemble ms / single ms - 1) / (members - 1), on the test rows (median of "
        "interleaved calls, at least 5 and 2 s each); \"in fit\": the same ratio as "
        "`fit` measured it on training rows (`ensemble_.attrs['predict_cost']`).",
        "",
        f"Ensemble better than the single pipeline on {_count(rows, 'ens_better', True)}, worse "
        f"on {_count(rows, 'ens_better', False)} of the datasets where an ensemble was chosen; "
        f"median extra predict time per added member: {_median(rows, 'extra_per_member')} "
        f"(in fit: {_median(rows, 'extra_per_member_fit')}).",
        "",
        "| dataset | kind | members | bagged | ensemble | single | ens. predict ms/1k | "
        "single predict ms/1k | extra per member | in fit |",
        "|" + "---|" * 10,
    ]
    for r in rows:
        ens.append(
            f"| {r['dataset']} | {fmt(r['ensemble'])} | {fmt(r['n_members'])} | "
            f"{fmt(r['bagged'])} | {fmt(r['automl'])} | {fmt(r['single'])} | "
            f"{fmt(r['predict_ms_per_1k'], '.1f')} | {fmt(r['single_predict_ms_per_1k'], '.1f')} | "
            f"{fmt(r['extra_per_member'], '.0%')} | {fmt(r['extra_per_member_fit'], '.0%')} |")
    return "\n".join(head + [_format_row(r) for r in rows] + ens) + "\n"


def _mean(rows, key):
    values = [r[key] for r in rows if r.get(key) is not None]
    return f"{sum(values) / len(values):.4f} (n={len(values)})" if values else "n/a"


def _median(rows, key):
    import statistics

    values = [r[key] for r in rows if r.get(key) is not None]
    return f"{statistics.median(values):.0%}" if values else "n/a"


def _count(rows, key, value):
    return sum(r.get(key) is value for r in rows)


if __name__ == "__main__":
    main()
