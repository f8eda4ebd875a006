"""AutoPipeline against FLAML, AutoGluon and scikit-learn baselines, side by side.

Every system sees the same outer split, budget and cores, in its own
subprocess (a peer in its own virtual environment) with a hard wall-clock
limit, so a hang or a crash is recorded, not fatal. Each finished run is kept
as a JSON record under ``--store``; running the command again skips them, so
a long benchmark can be completed over several sittings.

Usage: see benchmarks/README.md.
"""

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from _archive import budget_folder, differing_keys, restore_runs, save_runs, set_aside_stale_runs
from _harness import HERE, SYSTEMS_DIR, code_version, hard_limit, overran, run_subprocess, system_module
from _noise import paired_bootstrap
from _report import write_compare_report
from _suite import (
    DEFAULT_MANIFEST, LOWER_IS_BETTER, constant_score, load_dataset, load_suite, metrics, normalised,
    outer_split, primary_score_resampled, select)

write_json_atomic = system_module("_common").write_json_atomic


@dataclass
class System:
    """How to run one system: its interpreter, script and arguments."""

    name: str
    script: Path
    python: str = sys.executable
    args: tuple = field(default_factory=tuple)


def default_systems(venvs=HERE / ".venvs"):
    """Ours and the baselines in this interpreter; each peer in its own venv."""
    def peer(venv):
        return str(Path(venvs) / venv / "bin" / "python")

    return {s.name: s for s in [
        System("automl", SYSTEMS_DIR / "automl_system.py"),
        System("automl_handwritten", SYSTEMS_DIR / "automl_system.py",
               args=("--portfolio", "handwritten")),
        System("automl_learned", SYSTEMS_DIR / "automl_system.py",
               args=("--portfolio", "learned")),
        System("flaml", SYSTEMS_DIR / "flaml_system.py", peer("flaml")),
        System("autogluon_medium", SYSTEMS_DIR / "autogluon_system.py", peer("autogluon"),
               ("--presets", "medium_quality")),
        System("autogluon_best", SYSTEMS_DIR / "autogluon_system.py", peer("autogluon"),
               ("--presets", "best_quality")),
        System("hgb", SYSTEMS_DIR / "sklearn_baseline.py", args=("--model", "hgb")),
        System("rf", SYSTEMS_DIR / "sklearn_baseline.py", args=("--model", "rf")),
        System("linear", SYSTEMS_DIR / "sklearn_baseline.py", args=("--model", "linear")),
    ]}


# --------------------------------------------------------------------------- data
def prepare_dataset(entry, folder, budget, seed, n_jobs, expect=None):
    """Write the split a system reads (``task.json``, Parquet files); return the driver's view.

    Done once per dataset and seed; every system reads the same files. The
    manifest's categorical columns become pandas categories, so every system
    is told the same thing about them. The group column is not a feature: it
    is in ``train.parquet`` for the systems that use it, not in the test rows.
    With ``expect`` (a task description kept with archived runs), a split that
    differs from it raises ``ValueError`` before anything is written.
    """
    import numpy as np
    import pandas as pd

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    X, y, task, groups, time_col = load_dataset(entry)
    train, test = outer_split(X, y, task, groups, time_col, seed)
    cats = [c for c in entry.get("categorical_columns") or [] if c in X.columns]
    X = X.astype({c: "category" for c in cats})
    y_tr, y_te = y.iloc[train].to_numpy(), y.iloc[test].to_numpy()
    classes = sorted(np.unique(y_tr).tolist()) if task != "regression" else None
    keep = np.isin(y_te, classes) if classes else np.ones(len(y_te), bool)
    target = entry.get("target") or "target"
    train_frame = X.iloc[train].reset_index(drop=True)
    train_frame[target] = y_tr
    group_column = None
    if groups is not None:
        group_column = entry.get("group_column") or "group"
        train_frame[group_column] = groups.iloc[train].to_numpy()
    spec = {"name": entry["name"], "target": target, "task": task, "classes": classes,
            "budget": budget, "n_jobs": n_jobs, "seed": seed, "group_column": group_column,
            "time_column": time_col, "categorical_columns": cats,
            "split": "time" if time_col else "group" if groups is not None else "random",
            "n_train": len(train), "n_test": int(keep.sum()),
            "const_score": constant_score(task, y_tr, y_te[keep], np.array(classes) if classes else None)}
    differ = [] if expect is None else differing_keys(json.loads(json.dumps(spec)), expect)
    if differ:
        raise ValueError(f"dataset {entry['name']!r}: the split made now differs from the one "
                         f"its archived runs were scored on ({', '.join(differ)})")
    train_frame.to_parquet(folder / "train.parquet", index=False)
    X.iloc[test[keep]].reset_index(drop=True).to_parquet(folder / "test_X.parquet", index=False)
    pd.DataFrame({"y": y_te[keep]}).to_parquet(folder / "test_y.parquet", index=False)
    write_json_atomic(folder / "task.json", spec)
    return spec


# --------------------------------------------------------------------------- runs
def _last_error_line(stderr):
    """The exception line of a traceback (or the last line said)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.split(":")[0].endswith(("Error", "Exception", "Interrupt")) or ln.startswith("Killed"):
            return ln[:300]
    return (lines[-1] if lines else "no output")[:300]


def read_predictions(spec, data_dir, out_dir):
    """``(task, y, labels, proba, classes)`` of one run, labels as text for classification."""
    return read_prediction_file(spec, Path(data_dir) / "test_y.parquet",
                                Path(out_dir) / "predictions.parquet")


def read_prediction_file(spec, test_y_file, predictions_file):
    """:func:`read_predictions` from the test labels' and the predictions' files."""
    import numpy as np
    import pandas as pd

    pred = pd.read_parquet(predictions_file)
    y = pd.read_parquet(test_y_file)["y"].to_numpy()
    if spec["task"] == "regression":
        return spec["task"], y.astype(float), pred["pred"].to_numpy(dtype=float), None, None
    classes = np.array([str(c) for c in spec["classes"]])
    proba = pred[[f"proba_{i}" for i in range(len(classes))]].to_numpy()
    return spec["task"], y.astype(str), pred["pred"].to_numpy(dtype=str), proba, classes


def score_rows(run, rows=None):
    """The metrics of a run (from :func:`read_predictions`) on some test rows (all by default)."""
    task, y, labels, proba, classes = run
    if rows is not None:
        y, labels = y[rows], labels[rows]
        proba = None if proba is None else proba[rows]
    return metrics(task, y, labels, proba, classes)


def primary_score_resampled_run(run, rows):
    """The benchmark metric of a run on each resample (a line of ``rows``)."""
    task, y, labels, proba, classes = run
    return primary_score_resampled(task, y, labels, proba, classes, rows)


def load_run(store, record):
    """The predictions of a stored run (its record says where), as :func:`read_predictions`."""
    folder = dataset_dir(store, record["budget"], record["seed"], record["dataset"])
    spec = json.loads((folder / "data" / "task.json").read_text())
    return read_predictions(spec, folder / "data", folder / "work" / record["system"])


def bootstrap_runs(a, b, metric, n_boot=1000):
    """Run ``a`` against run ``b`` on the same test rows: :func:`_noise.paired_bootstrap`.

    ``a`` and ``b`` come from :func:`read_predictions`; the result's
    ``verdict`` is ``"better"`` or ``"worse"`` for ``a`` beyond noise, else
    ``"noise"``.
    """
    if len(a[1]) != len(b[1]) or (a[1] != b[1]).any():
        raise ValueError("the two runs were scored on different test rows")

    def both(rows):
        return primary_score_resampled_run(a, rows), primary_score_resampled_run(b, rows)

    return paired_bootstrap(both, len(a[1]), metric in LOWER_IS_BETTER, n_boot=n_boot)


def run_one(system, spec, data_dir, out_dir, limit):
    """Run one system on one prepared dataset and score its predictions."""
    out_dir = Path(out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(SYSTEMS_DIR)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    cmd = [system.python, str(system.script), "--task", str(data_dir), "--out", str(out_dir),
           *system.args]
    finished = run_subprocess(cmd, limit, env=env)
    code, wall, peak, stderr = finished.returncode, finished.wall_s, finished.peak_bytes, finished.stderr
    record = {"dataset": spec["name"], "system": system.name, "budget": spec["budget"],
              "seed": spec["seed"], "task": spec["task"], "split": spec["split"],
              "n_train": spec["n_train"], "n_test": spec["n_test"],
              "const_score": spec["const_score"], "wall_s": wall, "peak_mb": peak / 2**20,
              "status": "ok", "error": "", "finished": time.strftime("%Y-%m-%d %H:%M"),
              "code": code_version()}
    if code is None:
        record.update(status="timeout", error=f"killed after the hard limit of {limit:.0f} s")
    elif code != 0 or not (out_dir / "predictions.parquet").exists():
        record.update(status="failed", error=_last_error_line(stderr) if code else
                      "exited 0 without writing predictions")
    if record["status"] != "ok":
        (out_dir / "stderr.txt").write_text(stderr)
        return record
    info = json.loads((out_dir / "info.json").read_text())
    scored = score_rows(read_predictions(spec, data_dir, out_dir))
    record.update(metric=scored["metric"], score=float(scored["score"]),
                  secondary=float(scored["secondary"]), fit_s=info.pop("fit_s"),
                  predict_ms_per_1k=1e6 * info.pop("predict_s") / max(1, spec["n_test"]),
                  predict_ms_1_row=info.pop("predict_ms_1_row", None),
                  predict_ms_1k_rows=info.pop("predict_ms_1k_rows", None), info=info)
    record["fit_over_budget"] = record["fit_s"] / spec["budget"]
    record["overran"] = overran(record["fit_s"], spec["budget"])
    shutil.rmtree(out_dir / "models", ignore_errors=True)  # AutoGluon's saved models
    return record


def dataset_dir(store, budget, seed, name):
    """Where one dataset's split (``data/``), runs (``runs/``) and outputs (``work/``) live."""
    return budget_folder(store, budget, seed) / name


def run_benchmark(suite, systems, budget, store, seed=0, n_jobs=2, limit=None,
                  retry_failed=False, log=print, on_finished=None):
    """Run every system on every dataset; keep and skip finished runs. Returns the records.

    ``on_finished(record)`` is called after each run that was made here (not
    for those found in ``store``), once its record is stored.
    """
    limit = hard_limit(budget) if limit is None else limit
    records = []
    for entry in suite:
        folder = dataset_dir(store, budget, seed, entry["name"])
        spec = None
        for system in systems:
            path = folder / "runs" / f"{system.name}.json"
            if path.exists():
                record = json.loads(path.read_text())
                if record["status"] == "ok" or not retry_failed:
                    records.append(record)
                    continue
            if spec is None:
                spec = _load_or_prepare(entry, folder / "data", budget, seed, n_jobs)
            record = run_one(system, spec, folder / "data", folder / "work" / system.name, limit)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomic(path, record)
            records.append(record)
            log(_log_line(record))
            if on_finished is not None:
                on_finished(record)
    return records


def _load_or_prepare(entry, data_dir, budget, seed, n_jobs):
    task_file = data_dir / "task.json"
    known = json.loads(task_file.read_text()) if task_file.exists() else None
    if known is not None and (data_dir / "train.parquet").exists():
        return known
    # no split yet, or only the test labels of restored runs: (re)make it
    return prepare_dataset(entry, data_dir, budget, seed, n_jobs, expect=known)


def _log_line(r):
    score = f"{r['metric']} {r['score']:.4f}" if r["status"] == "ok" else r["status"]
    fit = f"fit {r['fit_s']:.1f}s" if r.get("fit_s") is not None else f"wall {r['wall_s']:.1f}s"
    return f"{r['dataset']:<24} {r['system']:<18} {score:<20} {fit:<12} {r['error']}"


# ----------------------------------------------------------------------- summary
def normalised_scores(records):
    """Each record's normalised score: 0 = constant predictor, 1 = best system on that dataset.

    A failed or timed-out run scores 0 (the constant predictor), as in the
    AutoML Benchmark. Adds ``norm`` and ``rank`` (1 = best; ties share the
    mean rank; failures share the last places) to copies of the records.
    """
    import pandas as pd

    out = []
    for _, group in pd.DataFrame(records).groupby("dataset", sort=False):
        rows = group.to_dict("records")
        ok = [r for r in rows if r["status"] == "ok"]
        metric = ok[0]["metric"] if ok else None
        sign = -1 if metric in LOWER_IS_BETTER else 1
        goodness = pd.Series([sign * r["score"] if r["status"] == "ok" else -float("inf")
                              for r in rows])
        ranks = goodness.rank(ascending=False, method="average").tolist()
        best = sign * max((sign * r["score"] for r in ok), default=float("nan"))
        for r, rank in zip(rows, ranks):
            norm = normalised(r["score"] if r["status"] == "ok" else r["const_score"],
                              r["const_score"], best, metric) if ok else None
            out.append(dict(r, rank=rank, norm=norm))
    return out


def noise_verdicts(records, store, ours="automl", n_boot=1000):
    """Ours against every other system that ran, per dataset: a paired bootstrap.

    Reads the predictions kept under ``store`` and resamples the test rows
    (:func:`_noise.paired_bootstrap`); ``verdict`` says whether ours is
    better or worse beyond noise, or neither.
    """
    by_dataset = {}
    for r in records:
        by_dataset.setdefault(r["dataset"], {})[r["system"]] = r
    out = []
    for dataset, runs in by_dataset.items():
        mine = runs.get(ours)
        if mine is None or mine["status"] != "ok":
            continue
        a = load_run(store, mine)
        for name, r in runs.items():
            if name == ours or r["status"] != "ok":
                continue
            result = bootstrap_runs(a, load_run(store, r), r["metric"], n_boot)
            out.append({"dataset": dataset, "system": name, "metric": r["metric"],
                        "n_boot": n_boot, **result})
    return out


def summarise(records, ours="automl", tie=0.001, verdicts=None):
    """One row per system: mean rank and normalised score, W/T/L of ours against it, overruns.

    Only datasets on which every system has a record count, so that a
    half-finished benchmark compares like with like. A win is a normalised
    score more than ``tie`` above the other's. With ``verdicts`` (from
    :func:`noise_verdicts`), also how often ours is better or worse beyond noise.
    """
    import pandas as pd

    frame = pd.DataFrame(normalised_scores(records))
    n_systems = frame["system"].nunique()
    complete = frame.groupby("dataset")["system"].transform("nunique") == n_systems
    frame = frame[complete]
    mine = frame[frame["system"] == ours].set_index("dataset")["norm"]
    rows = []
    for name, group in frame.groupby("system", sort=False):
        theirs = group.set_index("dataset")["norm"]
        diff = (mine - theirs).dropna()
        budget = group["budget"].iloc[0]
        fit = group["fit_s"] if "fit_s" in group else pd.Series(dtype=float)
        rows.append({
            "system": name, "datasets": len(group),
            "mean_rank": group["rank"].mean(), "mean_norm": group["norm"].mean(),
            "failed": int((group["status"] == "failed").sum()),
            "timeouts": int((group["status"] == "timeout").sum()),
            "overruns": int(group.get("overran", pd.Series(dtype=bool)).fillna(False).astype(bool).sum()
                            + (group["status"] == "timeout").sum()),
            "ours_wins": None if name == ours else int((diff > tie).sum()),
            "ties": None if name == ours else int((diff.abs() <= tie).sum()),
            "ours_losses": None if name == ours else int((diff < -tie).sum()),
            "median_fit_over_budget": (fit / budget).median(),
            "median_predict_ms_per_1k": group.get("predict_ms_per_1k", pd.Series(dtype=float)).median(),
            "median_peak_mb": group["peak_mb"].median(),
            "ours_better_beyond_noise": _count_verdicts(verdicts, name, "better", set(group["dataset"])),
            "ours_worse_beyond_noise": _count_verdicts(verdicts, name, "worse", set(group["dataset"])),
        })
    rows.sort(key=lambda r: -r["mean_norm"] if pd.notna(r["mean_norm"]) else float("inf"))
    incomplete = sorted(set(pd.DataFrame(records)["dataset"]) - set(frame["dataset"]))
    return rows, frame, incomplete


def _count_verdicts(verdicts, system, verdict, datasets):
    if verdicts is None:
        return None
    return sum(v["system"] == system and v["verdict"] == verdict and v["dataset"] in datasets
               for v in verdicts)


# ------------------------------------------------------------------------ report
def write_report(records, out, budget, command, systems_order, ours="automl", store=None,
                 n_boot=1000):
    """Markdown summary, CSV of every run and a PNG of normalised scores, beside ``out``.

    With ``store`` (where the runs' predictions are kept), ours is also
    compared with every system by a paired bootstrap of the test rows
    (``n_boot`` resamples).
    """
    import pandas as pd

    verdicts = None if store is None else noise_verdicts(records, store, ours, n_boot)
    rows, frame, incomplete = summarise(records, ours=ours, verdicts=verdicts)
    return write_compare_report(out, pd.DataFrame(normalised_scores(records)), rows, frame,
                                incomplete, budget, command, systems_order, ours, verdicts)


# --------------------------------------------------------------------------- CLI
def _parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60)
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST),
                        help="suite manifest; 'none' for scikit-learn's bundled datasets")
    parser.add_argument("--datasets", default="", help="comma-separated subset of names")
    parser.add_argument("--systems", default=",".join(default_systems()),
                        help="comma-separated, from: " + ", ".join(default_systems()))
    parser.add_argument("--venvs", default=str(HERE / ".venvs"), help="the peers' virtual environments")
    parser.add_argument("--store", default=str(HERE / ".work" / "compare"),
                        help="where finished runs are kept (and skipped when run again)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--retry-failed", action="store_true", help="run failed and killed runs again")
    parser.add_argument("--archive", default="",
                        help="folder of committed runs (benchmarks/results/runs): runs found there "
                             "are not run again, and this command's runs are added to it")
    parser.add_argument("--rerun", default="",
                        help="with --archive: comma-separated systems whose archived runs are "
                             "not used and whose stored runs at other code are set aside (run "
                             "here, e.g. ours after a change; runs at the current code are kept)")
    parser.add_argument("--report-only", action="store_true", help="summarise the stored runs, run nothing")
    parser.add_argument("--n-boot", type=int, default=1000,
                        help="bootstrap resamples for the beyond-noise verdicts (0: none)")
    parser.add_argument("--out", default="", help="Markdown file to write (CSV and PNG beside it)")
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    known = default_systems(args.venvs)
    names = [s for s in args.systems.split(",") if s]
    unknown = [s for s in names if s not in known]
    if unknown:
        parser.error(f"unknown systems {unknown}; known: {', '.join(known)}")
    # with an archive, only the systems re-run need an interpreter here (the
    # others' runs are taken from it; one it lacks is recorded as failed)
    needed = [s for s in names if not args.archive or s in args.rerun.split(",")]
    missing = sorted({known[s].python for s in needed if not Path(known[s].python).exists()})
    if missing and not args.report_only:
        parser.error(f"no interpreter at {', '.join(missing)}: run benchmarks/peers/setup.sh first")
    try:
        suite = select(load_suite(None if args.manifest == "none" else args.manifest,
                                  synthetic=False), [d for d in args.datasets.split(",") if d])
    except ValueError as exc:
        parser.error(str(exc))
    systems = [known[s] for s in names]
    rerun = [s for s in args.rerun.split(",") if s]
    if rerun and not args.archive:
        parser.error("--rerun needs --archive")
    if set(rerun) - set(names):
        parser.error(f"--rerun names systems not run here: {sorted(set(rerun) - set(names))}")
    datasets = [e["name"] for e in suite]
    if args.archive:
        try:
            restored = restore_runs(args.archive, args.store, args.budget, args.seed, datasets,
                                    [s for s in names if s not in rerun])
        except ValueError as exc:
            parser.error(str(exc))
        print(f"{len(restored)} runs taken from {args.archive}", file=sys.stderr)
        if rerun and not args.report_only:
            stale = set_aside_stale_runs(args.store, args.budget, args.seed, datasets, rerun,
                                         code_version())
            print(f"{len(stale)} stored runs of {', '.join(rerun)} at other code set aside",
                  file=sys.stderr)
    if args.report_only:
        records = stored_records(args.store, args.budget, args.seed, suite, names)
    else:
        def archive(record):  # each run as it ends: a long sitting may be cut short
            save_runs(args.store, args.archive, args.budget, args.seed, [record["dataset"]],
                      [record["system"]])

        try:
            records = run_benchmark(suite, systems, args.budget, args.store, seed=args.seed,
                                    n_jobs=args.n_jobs, retry_failed=args.retry_failed,
                                    on_finished=archive if args.archive else None)
        except ValueError as exc:  # a split that differs from its archived runs
            parser.error(str(exc))
    if args.archive:  # runs stored before this command (or without --archive) join it too
        added = save_runs(args.store, args.archive, args.budget, args.seed, datasets, names,
                          replace=False)
        print(f"{added} stored runs added to {args.archive}", file=sys.stderr)
    if not records:
        parser.error("no finished runs to summarise")
    command = (f"python benchmarks/compare_systems.py --budget {args.budget:g} --n-jobs {args.n_jobs}"
               + (f" --datasets {args.datasets}" if args.datasets else "")
               + (" --manifest none" if args.manifest == "none" else "")
               + (f" --seed {args.seed}" if args.seed else "")
               + (f" --archive {args.archive}" if args.archive else "")
               + (f" --rerun {args.rerun}" if args.rerun else ""))
    text = write_report(records, args.out or Path(args.store) / f"report-{args.budget:g}s.md",
                        args.budget, command, names, store=args.store if args.n_boot else None,
                        n_boot=args.n_boot)
    print(text)


def stored_records(store, budget, seed, suite, names):
    """The records kept under ``store`` of ``names`` on the datasets of ``suite``."""
    folder = budget_folder(store, budget, seed)
    records = []
    for entry in suite:
        for name in names:
            path = folder / entry["name"] / "runs" / f"{name}.json"
            if path.exists():
                records.append(json.loads(path.read_text()))
    return records


if __name__ == "__main__":
    main()
