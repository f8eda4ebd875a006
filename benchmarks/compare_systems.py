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
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYSTEMS_DIR = HERE / "systems"
sys.path.insert(0, str(SYSTEMS_DIR))

from _archive import budget_folder, differing_keys, restore_runs, save_runs, set_aside_stale_runs
from _common import write_json_atomic
from _noise import paired_bootstrap
from _suite import (
    DEFAULT_MANIFEST, constant_score, load_dataset, load_suite, metrics, outer_split,
    primary_score_resampled, ram_gb, tree_rss)

LOWER_IS_BETTER = {"rmse", "logloss"}


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
        System("flaml", SYSTEMS_DIR / "flaml_system.py", peer("flaml")),
        System("autogluon_medium", SYSTEMS_DIR / "autogluon_system.py", peer("autogluon"),
               ("--presets", "medium_quality")),
        System("autogluon_best", SYSTEMS_DIR / "autogluon_system.py", peer("autogluon"),
               ("--presets", "best_quality")),
        System("hgb", SYSTEMS_DIR / "sklearn_baseline.py", args=("--model", "hgb")),
        System("rf", SYSTEMS_DIR / "sklearn_baseline.py", args=("--model", "rf")),
        System("linear", SYSTEMS_DIR / "sklearn_baseline.py", args=("--model", "linear")),
    ]}


def overran(fit_s, budget):
    """Whether a fit broke the budget promise: budget + max(5 s, 10 %)."""
    return fit_s is not None and fit_s > budget + max(5.0, 0.1 * budget)


def hard_limit(budget):
    """Seconds after which a system's subprocess is killed (start-up and predict included)."""
    return 2 * budget + 60


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
def run_subprocess(cmd, limit, env=None, poll=0.2):
    """Run ``cmd`` in its own process group; kill the group past ``limit`` seconds.

    Returns ``(returncode or None when killed, wall seconds, peak RSS bytes, stderr tail)``.
    """
    start = time.perf_counter()
    with open(os.devnull, "w") as devnull, tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=err, env=env, start_new_session=True)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            if time.perf_counter() - start > limit:
                _kill_group(proc)
                return None, time.perf_counter() - start, peak, _tail(err)
            time.sleep(poll)
        return proc.returncode, time.perf_counter() - start, peak, _tail(err)


def _tail(fh, lines=30):
    fh.seek(0)
    return "\n".join(fh.read().splitlines()[-lines:])


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _last_error_line(stderr):
    """The exception line of a traceback (or the last line said)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.split(":")[0].endswith(("Error", "Exception", "Interrupt")) or ln.startswith("Killed"):
            return ln[:300]
    return (lines[-1] if lines else "no output")[:300]


def read_predictions(spec, data_dir, out_dir):
    """``(task, y, labels, proba, classes)`` of one run, labels as text for classification."""
    import numpy as np
    import pandas as pd

    pred = pd.read_parquet(Path(out_dir) / "predictions.parquet")
    y = pd.read_parquet(Path(data_dir) / "test_y.parquet")["y"].to_numpy()
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


def run_one(system, spec, data_dir, out_dir, limit):
    """Run one system on one prepared dataset and score its predictions."""
    out_dir = Path(out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(SYSTEMS_DIR)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    cmd = [system.python, str(system.script), "--task", str(data_dir), "--out", str(out_dir),
           *system.args]
    code, wall, peak, stderr = run_subprocess(cmd, limit, env=env)
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
                  info=info)
    record["fit_over_budget"] = record["fit_s"] / spec["budget"]
    record["overran"] = overran(record["fit_s"], spec["budget"])
    shutil.rmtree(out_dir / "models", ignore_errors=True)  # AutoGluon's saved models
    return record


def code_version(root=HERE.parent):
    """The last commit that changed this repository's code, ``+changes`` for uncommitted edits.

    Code is the package, the benchmark scripts, the peers' pins and
    ``pyproject.toml``; results and documents do not count, so a sitting that
    commits its finished runs as it goes keeps naming the code it measures.
    '' outside git.
    """
    paths = ["--", ":(top)automl", ":(top)benchmarks/*.py", ":(top)benchmarks/systems",
             ":(top)benchmarks/peers", ":(top)pyproject.toml"]

    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=30).stdout.strip()

    try:
        commit = git("log", "-1", "--format=%h", *paths)
        dirty = git("status", "--porcelain", "--untracked-files=no", *paths)
    except (OSError, subprocess.SubprocessError):
        return ""
    return commit + ("+changes" if commit and dirty else "")


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
        best = max((sign * r["score"] for r in ok), default=None)
        for r, rank in zip(rows, ranks):
            r = dict(r, rank=rank, norm=None)
            if best is not None:
                span = best - sign * r["const_score"]
                if span > 0:
                    r["norm"] = ((sign * r["score"] - sign * r["const_score"]) / span
                                 if r["status"] == "ok" else 0.0)
            out.append(r)
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
        folder = dataset_dir(store, mine["budget"], mine["seed"], dataset)
        spec = json.loads((folder / "data" / "task.json").read_text())
        a = read_predictions(spec, folder / "data", folder / "work" / ours)
        for name, r in runs.items():
            if name == ours or r["status"] != "ok":
                continue
            b = read_predictions(spec, folder / "data", folder / "work" / name)

            def both(rows, b=b):
                return primary_score_resampled_run(a, rows), primary_score_resampled_run(b, rows)

            result = paired_bootstrap(both, len(a[1]), r["metric"] in LOWER_IS_BETTER, n_boot=n_boot)
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
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    all_runs = pd.DataFrame(normalised_scores(records))
    all_runs.drop(columns=["info"], errors="ignore").assign(
        info=[json.dumps(r.get("info", {}), default=str) for r in all_runs.to_dict("records")]
    ).to_csv(_tmp(out.with_suffix(".csv")), index=False)
    os.replace(_tmp(out.with_suffix(".csv")), out.with_suffix(".csv"))
    plotted = plot_scores(frame, out.with_suffix(".png"), systems_order, budget)
    text = _markdown(rows, frame, incomplete, budget, command, systems_order, ours,
                     out.with_suffix(".png").name if plotted else None, verdicts)
    _tmp(out).write_text(text)
    os.replace(_tmp(out), out)
    return text


def _tmp(path):
    return Path(str(path) + ".tmp")


def plot_scores(frame, path, systems_order, budget):
    """Normalised score per dataset (rows) and system (markers), as PNG. False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    datasets = list(dict.fromkeys(frame["dataset"]))
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(datasets) + 1.6))
    markers = "o^sDvP*Xh"
    for i, name in enumerate([s for s in systems_order if s in set(frame["system"])]):
        part = frame[frame["system"] == name].set_index("dataset").reindex(datasets)
        ax.scatter(part["norm"].clip(lower=-0.1), range(len(datasets)), label=name,
                   marker=markers[i % len(markers)], s=36 if i else 64, alpha=0.8,
                   zorder=3 if i == 0 else 2)
    ax.set_yticks(range(len(datasets)), datasets)
    ax.invert_yaxis()
    ax.set_xlabel("normalised test score (0 = constant predictor, 1 = best system; clipped at -0.1)")
    ax.set_title(f"Budget {budget:g} s")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.tight_layout()
    fig.savefig(_tmp(path), format="png", dpi=110)
    plt.close(fig)
    os.replace(_tmp(path), path)
    return True


def _fmt(v, spec=".4f"):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return format(v, spec) if isinstance(v, float) else str(v)


def _matrix(frame, systems, value, spec):
    """A Markdown table: one row per dataset, one column per system."""
    lines = ["| dataset | metric | " + " | ".join(systems) + " |", "|---|---|" + "---|" * len(systems)]
    for dataset, group in frame.groupby("dataset", sort=False):
        by = group.set_index("system")
        metric = next((m for m in group.get("metric", []) if isinstance(m, str)), "")
        cells = []
        for s in systems:
            r = by.loc[s] if s in by.index else None
            if r is None:
                cells.append("")
            elif r["status"] != "ok":
                cells.append(r["status"])
            else:
                cell = _fmt(float(r[value]), spec)
                cells.append(f"**{cell}**" if value == "score" and r["rank"] == group["rank"].min() else cell)
        lines.append(f"| {dataset} | {metric} | " + " | ".join(cells) + " |")
    return lines


def _markdown(rows, frame, incomplete, budget, command, systems_order, ours, png, verdicts=None):
    systems = [s for s in systems_order if s in set(frame["system"])]
    versions = sorted({f"{r['system']}: {r['info'].get('version')}" for r in frame.to_dict("records")
                       if isinstance(r.get("info"), dict) and r["info"].get("version")})
    overran_fit = frame["overran"].fillna(False).astype(bool) if "overran" in frame else False
    over = frame[overran_fit | (frame["status"] == "timeout")]
    lines = [
        f"# AutoML systems side by side, budget {budget:g} s",
        "",
        (f"Date {time.strftime('%Y-%m-%d')}; machine {platform.machine()}, {os.cpu_count()} cores, "
         f"{ram_gb():.0f} GB RAM; Python {platform.python_version()}. Versions: "
         f"{'; '.join(versions)}."),
        f"Command: `{command}`.",
        *_provenance(frame),
        "",
        ("Same outer split for every system (75/25, seed 0; by time where the manifest names a "
         "time column, else by group where it names one, else stratified), same budget, "
         "same cores, each run in its own subprocess. Scores on the test split: ROC AUC (binary, "
         "higher is better), log loss (multiclass, lower), RMSE (regression, lower). "
         "Normalised score: 0 = the constant predictor, 1 = the best system on that dataset; a "
         "failed run counts as the constant predictor. Win/tie/loss: ours against that system, "
         "tie within 0.001 normalised."),
        "",
        f"Datasets complete: {frame['dataset'].nunique()}"
        + (f"; not yet run for every system: {', '.join(incomplete)}" if incomplete else "") + ".",
        "",
        "| system | datasets | mean rank | mean normalised | ours W/T/L | ours better/worse "
        "beyond noise | overruns | failed | median fit/budget | median predict ms/1k | median peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mine = r["system"] == ours
        wtl = "" if mine else f"{r['ours_wins']}/{r['ties']}/{r['ours_losses']}"
        noise = "" if mine or verdicts is None else (
            f"{r['ours_better_beyond_noise']}/{r['ours_worse_beyond_noise']}")
        lines.append(
            f"| {r['system']} | {r['datasets']} | {_fmt(r['mean_rank'], '.2f')} | "
            f"{_fmt(r['mean_norm'])} | {wtl} | {noise} | {r['overruns']} | {r['failed'] + r['timeouts']} | "
            f"{_fmt(r['median_fit_over_budget'], '.2f')} | {_fmt(r['median_predict_ms_per_1k'], '.1f')} | "
            f"{_fmt(r['median_peak_mb'], '.0f')} |")
    if len(over):
        lines += ["", "Budget overruns (fit > budget + max(5 s, 10 %), or killed): "
                  + ", ".join(f"{r['system']} on {r['dataset']}"
                              + (" (killed)" if r["status"] == "timeout" else f" ({r['fit_s']:.0f} s)")
                              for r in over.to_dict("records")) + "."]
    if verdicts is not None:
        worse = [v for v in verdicts if v["verdict"] == "worse" and v["dataset"] in set(frame["dataset"])]
        lines += ["", ("Beyond noise: the 95 % interval of a paired bootstrap over the test rows "
                       f"({verdicts[0]['n_boot'] if verdicts else 0} resamples) of the difference "
                       "in test score excludes 0. Ours worse "
                       "beyond noise: ") + (", ".join(
                           f"against {v['system']} on {v['dataset']} ({v['metric']} "
                           f"{v['diff']:+.4f}, [{v['low']:+.4f}, {v['high']:+.4f}])" for v in worse)
                           or "nowhere") + "."]
    failures = frame[frame["status"] != "ok"]
    if len(failures):
        lines += ["", "Failures:", ""] + [f"- {r['system']} on {r['dataset']}: {r['error']}"
                                          for r in failures.to_dict("records")]
    if png:
        lines += ["", f"![normalised score per dataset]({png})"]
    lines += ["", "## Test score (best in bold)", ""] + _matrix(frame, systems, "score", ".4f")
    lines += ["", "## Normalised score", ""] + _matrix(frame, systems, "norm", ".3f")
    lines += ["", "## Fit seconds", ""] + _matrix(frame, systems, "fit_s", ".1f")
    lines += ["", "## Predict ms per 1,000 rows", ""] + _matrix(frame, systems, "predict_ms_per_1k", ".1f")
    lines += ["", "## Peak memory of the subprocess tree, MB", ""] + _matrix(frame, systems, "peak_mb", ".0f")
    lines += _profile(frame, ours)
    return "\n".join(lines) + "\n"


def _provenance(frame):
    """One line: when each system's runs finished and at which commit of this repository."""
    if "finished" not in frame:
        return []
    parts = []
    for system, runs in frame.groupby("system", sort=False):
        days = sorted({str(d)[:10] for d in runs["finished"].dropna()})
        codes = sorted({str(c) for c in runs["code"].dropna() if c}) if "code" in runs else []
        if days:
            when = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
            parts.append(f"{system} {when}" + (f" at {', '.join(codes)}" if codes else ""))
    return [f"Runs finished: {'; '.join(parts)}."] if parts else []


def _profile(frame, ours):
    """What each search did: trials, chosen family, ensemble, CV estimate beside the test score."""
    runs = {(r["dataset"], r["system"]): r.get("info") for r in frame.to_dict("records")
            if r["status"] == "ok" and isinstance(r.get("info"), dict)}
    if not any(system == ours for _, system in runs):
        return []
    lines = ["", "## What the searches did", "",
             "Ours: trials, the best pipeline's family, the ensemble (kind, members) and the "
             "search's CV estimate (scorer sign: greater is better) of the best pipeline and of "
             "the ensemble; trials that raised, by family. FLAML: trials and best learner. "
             "AutoGluon: models trained.",
             "", "| dataset | ours trials | ours failed | ours best | ours ensemble | ours CV best "
             "| ours CV ensemble | flaml trials | flaml best | AG medium models | AG best models |",
             "|" + "---|" * 11]
    for dataset in dict.fromkeys(frame["dataset"]):
        mine = runs.get((dataset, ours)) or {}
        flaml = runs.get((dataset, "flaml")) or {}
        medium = runs.get((dataset, "autogluon_medium")) or {}
        best = runs.get((dataset, "autogluon_best")) or {}
        ensemble = f"{mine.get('ensemble', '')} ({mine.get('n_members', '')})" if mine else ""
        failed = ", ".join(f"{family} {n}" for family, n in
                           sorted((mine.get("failed_trials") or {}).items()))
        lines.append(
            f"| {dataset} | {_fmt(mine.get('n_trials'))} | {failed} | "
            f"{_fmt(mine.get('best_family'))} | "
            f"{ensemble} | {_fmt(mine.get('cv_best'))} | {_fmt(mine.get('cv_ensemble'))} | "
            f"{_fmt(flaml.get('n_trials'))} | {_fmt(flaml.get('best_estimator'))} | "
            f"{_fmt(medium.get('n_models'))} | {_fmt(best.get('n_models'))} |")
    return lines


# --------------------------------------------------------------------------- CLI
def main(argv=None):
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
    args = parser.parse_args(argv)
    known = default_systems(args.venvs)
    names = [s for s in args.systems.split(",") if s]
    unknown = [s for s in names if s not in known]
    if unknown:
        parser.error(f"unknown systems {unknown}; known: {', '.join(known)}")
    missing = sorted({known[s].python for s in names if not Path(known[s].python).exists()})
    if missing and not args.report_only:
        parser.error(f"no interpreter at {', '.join(missing)}: run benchmarks/peers/setup.sh first")
    suite = load_suite(None if args.manifest == "none" else args.manifest, synthetic=False)
    if args.datasets:
        wanted = args.datasets.split(",")
        suite = [e for e in suite if e["name"] in wanted]
        if len(suite) != len(wanted):
            parser.error(f"unknown datasets: {sorted(set(wanted) - {e['name'] for e in suite})}")
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
        records = _stored(args.store, args.budget, args.seed, suite, names)
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
               + (f" --archive {args.archive}" if args.archive else "")
               + (f" --rerun {args.rerun}" if args.rerun else ""))
    text = write_report(records, args.out or Path(args.store) / f"report-{args.budget:g}s.md",
                        args.budget, command, names, store=args.store if args.n_boot else None,
                        n_boot=args.n_boot)
    print(text)


def _stored(store, budget, seed, suite, names):
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
