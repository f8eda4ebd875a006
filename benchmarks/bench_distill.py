"""Distillation: the student against its teacher (ensemble) and the best single pipeline.

Per dataset, in its own subprocess (hard limit): fit AutoPipeline at the
budget, distil it at the same budget (with synthetic rows, and without them
to measure what augmentation adds), and report on the test split the
scores of the ensemble (``model_``), the best single pipeline
(``best_pipeline_``) and the students, the share of the ensemble's gain over
the single pipeline the student keeps, predict time per 1,000 rows and per
row (ensemble, student, a default HistGradientBoosting fitted here), and the
size of the model files (``automl.save``). Prints a Markdown table and the
issue's summary lines.

Usage: see benchmarks/README.md.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "systems"))

from _harness import run_subprocess  # noqa: E402
from _report import fmt as _fmt, machine_line, write_text  # noqa: E402
from _suite import (  # noqa: E402
    DEFAULT_MANIFEST, load_dataset, load_suite, outer_split, primary_score, select)

LOWER = {"rmse", "logloss"}


def _metric(task):
    return {"regression": "rmse", "binary": "auc"}.get(task, "logloss")


def _score(task, model, X, y, classes):
    proba = model.predict_proba(X) if task != "regression" else None
    pred = model.predict(X) if task == "regression" else None
    return float(primary_score(task, y, pred, proba, classes))


def _latency(models, X, task, min_seconds=1.0, min_repeats=5, max_repeats=200):
    """Median seconds of one predict call (predict_proba for classification) per model.

    The models are called in turn so that a slow spell on the shared machine
    hits them alike, with OpenMP and BLAS limited to one thread (as behind an
    API serving requests in parallel; many threads on a busy machine made a
    1-row HistGradientBoosting call take seconds).
    """
    from threadpoolctl import threadpool_limits

    def call(model):
        with threadpool_limits(limits=1):
            return model.predict_proba(X) if task != "regression" else model.predict(X)

    times = [[] for _ in models]
    for repeat in range(max_repeats):
        for i, model in enumerate(models):
            start = time.perf_counter()
            call(model)
            times[i].append(time.perf_counter() - start)
        if repeat + 1 >= min_repeats and min(sum(t) for t in times) >= min_seconds:
            break
    return [float(np.median(t)) for t in times]


def _hgb(entry, X_tr, y_tr, task, seed):
    from sklearn_baseline import as_categories, categorical_columns, category_levels, make_model

    cats = categorical_columns(X_tr, entry)
    levels = category_levels(X_tr, cats)
    constant = [c for c in X_tr.columns if X_tr[c].nunique(dropna=False) <= 1]

    def prepare(X):
        return as_categories(X, levels).drop(columns=constant)

    model = make_model("hgb", task, [c for c in cats if c not in constant], 1, seed)
    return model.fit(prepare(X_tr), y_tr), prepare


def run_one(entry, budget, seed, n_jobs):
    """Fit, distil and measure on one dataset (runs inside the subprocess)."""
    import warnings

    import automl
    from automl import AutoPipeline

    warnings.simplefilter("ignore")
    X, y, task, groups, time_col = load_dataset(entry)
    train, test = outer_split(X, y, task, groups, time_col, seed)
    X_tr, X_te = X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True)
    y_tr, y_te = y.iloc[train].to_numpy(), y.iloc[test].to_numpy()
    g_tr = None if groups is None else groups.iloc[train].to_numpy()
    classes = np.unique(y_tr) if task != "regression" else None
    if task != "regression":
        keep = np.isin(y_te, classes)
        X_te, y_te = X_te[keep].reset_index(drop=True), y_te[keep]
    cats = [c for c in entry.get("categorical_columns") or [] if c in X_tr.columns]
    model = AutoPipeline(time_budget=budget, task=task, time_column=time_col,
                         categorical_columns=cats or None, n_jobs=n_jobs, random_state=seed)
    start = time.perf_counter()
    model.fit(X_tr, y_tr, groups=g_tr)
    out = {"metric": _metric(task), "fit_s": time.perf_counter() - start,
           "kind": model.ensemble_.attrs["kind"], "members": len(model.ensemble_),
           "ensemble": _score(task, model, X_te, y_te, classes),
           "single": _score(task, model.best_pipeline_, X_te, y_te, classes)}
    students = {}
    for name, augment in (("student", True), ("student_noaug", False)):
        start = time.perf_counter()
        students[name] = model.distill(X_tr, y_tr, time_budget=budget, augment=augment,
                                       random_state=seed)
        record = students[name].distillation_
        out.update({name: _score(task, students[name], X_te, y_te, classes),
                    f"{name}_s": time.perf_counter() - start,
                    f"{name}_size": f"{record['num_leaves']}x{record['n_rounds']}"})
    hgb, prepare = _hgb(entry, X_tr, y_tr, task, seed)
    out["hgb"] = _score(task, hgb, prepare(X_te), y_te, classes)
    big = X_te.iloc[np.resize(np.arange(len(X_te)), 1000)]
    one = X_te.iloc[:1]
    ms = _latency([model, students["student"]], big, task)
    out.update(ensemble_ms_1k=1e3 * ms[0], student_ms_1k=1e3 * ms[1],
               hgb_ms_1k=1e3 * _latency([hgb], prepare(big), task)[0])
    ms = _latency([model, students["student"]], one, task)
    out.update(ensemble_ms_1=1e3 * ms[0], student_ms_1=1e3 * ms[1],
               hgb_ms_1=1e3 * _latency([hgb], prepare(one), task)[0])
    with tempfile.TemporaryDirectory() as tmp:
        for name, obj in (("ensemble", model), ("student", students["student"])):
            path = Path(tmp) / f"{name}.skops"
            automl.save(obj, path)
            out[f"{name}_mb"] = path.stat().st_size / 2**20
            loaded = automl.load(path)  # the file predicts what the object did
            assert np.allclose(_score(task, loaded, X_te, y_te, classes),
                               out[name if name == "ensemble" else "student"])
    return out


def run_child(entry, budget, seed, n_jobs, limit):
    """:func:`run_one` in a subprocess of its own (the harness's: killed as a group past
    ``limit`` seconds, its process tree's peak memory sampled)."""
    cmd = [sys.executable, __file__, "--one", json.dumps(entry), "--budget", str(budget),
           "--seed", str(seed), "--n-jobs", str(n_jobs)]
    done = run_subprocess(cmd, limit, keep_stdout=True)
    if done.returncode is None:
        return {"error": f"killed after {limit:.0f} s"}
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    return {**json.loads(lines[-1][len("RESULT "):]), "peak_mb": done.peak_bytes / 2**20}


def kept_share(r):
    """The share of the ensemble's test gain over the single pipeline the student keeps."""
    sign = -1 if r["metric"] in LOWER else 1
    gain = sign * (r["ensemble"] - r["single"])
    return sign * (r["student"] - r["single"]) / gain if gain > 0 else None


COLUMNS = [
    ("dataset", "dataset", "s"), ("metric", "metric", "s"), ("kind", "ensemble", "s"),
    ("ensemble", "ensemble score", ".4f"), ("single", "best single", ".4f"),
    ("student", "student", ".4f"), ("student_noaug", "student, no synthetic rows", ".4f"),
    ("hgb", "default HGB", ".4f"), ("kept", "share of gain kept", ".2f"),
    ("student_size", "student leaves x rounds", "s"), ("student_s", "distil s", ".1f"),
    ("ensemble_ms_1k", "ensemble ms/1k", ".1f"), ("student_ms_1k", "student ms/1k", ".1f"),
    ("hgb_ms_1k", "HGB ms/1k", ".1f"), ("ensemble_ms_1", "ensemble ms/row", ".1f"),
    ("student_ms_1", "student ms/row", ".1f"), ("hgb_ms_1", "HGB ms/row", ".1f"),
    ("ensemble_mb", "ensemble MB", ".2f"), ("student_mb", "student MB", ".2f"),
    ("peak_mb", "peak memory MB (fit, distil, process tree)", ".0f"), ("error", "error", "s"),
]


def markdown(rows, args):
    lines = [f"# Distillation at {args.budget:g} s (fit and distil each), seed {args.seed}", "",
             f"`python benchmarks/bench_distill.py {' '.join(sys.argv[1:])}`", "",
             machine_line(), "",
             "| " + " | ".join(h for _, h, _ in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(r.get(k), s if s != "s" else "") for k, _, s
                                       in COLUMNS) + " |")
    return "\n".join(lines + [""] + summary(rows))


def summary(rows):
    ok = [r for r in rows if not r.get("error")]
    gained = [r for r in ok if r.get("kept") is not None]
    lines = [f"Datasets: {len(ok)} measured, {len(rows) - len(ok)} failed; the ensemble beats its "
             f"best single pipeline on the test split on {len(gained)}."]
    if gained:
        kept = [r["kept"] for r in gained]
        lines.append(f"- Share of the ensemble's gain kept (target >= 0.5, median): "
                     f"{np.median(kept):.2f} (min {min(kept):.2f}, max {max(kept):.2f}; "
                     f">= 0.5 on {sum(k >= 0.5 for k in kept)} of {len(kept)}).")
    if ok:
        speed = [r["ensemble_ms_1k"] / r["student_ms_1k"] for r in ok]
        speed1 = [r["ensemble_ms_1"] / r["student_ms_1"] for r in ok]
        size = [r["ensemble_mb"] / r["student_mb"] for r in ok]
        sign = [(-1 if r["metric"] in LOWER else 1) for r in ok]
        aug = [s * (r["student"] - r["student_noaug"]) for s, r in zip(sign, ok)]
        lines += [
            f"- Predict speed-up per 1,000 rows (target >= 5x, median): {np.median(speed):.1f}x "
            f"(min {min(speed):.1f}x); per row {np.median(speed1):.1f}x; student ms per row: "
            f"median {np.median([r['student_ms_1'] for r in ok]):.1f}, "
            f"max {max(r['student_ms_1'] for r in ok):.1f}.",
            f"- File size ratio (target >= 5x, median): {np.median(size):.1f}x "
            f"(min {min(size):.1f}x).",
            f"- Synthetic rows: the student with them scores better on {sum(a > 0 for a in aug)}, "
            f"worse on {sum(a < 0 for a in aug)} of {len(ok)} datasets (median signed gain "
            f"{np.median(aug):+.5f}).",
            f"- Distil time over budget: max {max(r['student_s'] for r in ok):.1f} s.",
        ]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60)
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    parser.add_argument("--datasets", default="", help="comma-separated subset of names")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", default="", help="Markdown file to write")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print("RESULT " + json.dumps(run_one(json.loads(args.one), args.budget, args.seed,
                                             args.n_jobs), default=float))
        return
    if not Path(args.manifest).exists():
        print(f"{args.manifest}: no such file; nothing to run.")
        return
    try:
        suite = select(load_suite(args.manifest, synthetic=False),
                       [n for n in args.datasets.split(",") if n])
    except ValueError as exc:
        parser.error(str(exc))
    rows = []
    for entry in suite:
        r = {"dataset": entry["name"],
             **run_child(entry, args.budget, args.seed, args.n_jobs, 3 * args.budget + 300)}
        if not r.get("error"):
            r["kept"] = kept_share(r)
        rows.append(r)
        print(" ".join(f"{k}={_fmt(r.get(k), s if s != 's' else '')}" for k, _, s in COLUMNS
                       if r.get(k) is not None), flush=True)
    text = markdown(rows, args)
    print(text)
    if args.out:
        write_text(args.out, text + "\n")


if __name__ == "__main__":
    main()
