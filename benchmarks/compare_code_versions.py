"""Ours at two commits, dataset by dataset: did a change move the test scores beyond noise?

Reads one system's archived runs (``benchmarks/results/runs/<budget>s-seed<seed>/``)
as they were at two git revisions of this repository, and compares them on
the same test rows with the paired bootstrap of ``compare_systems.py``. For a
change meant to keep behaviour (a refactor) every dataset should be within
noise and the budget kept as before.

Usage::

    python benchmarks/compare_code_versions.py --before 738dfba --after HEAD --budget 60 \
        --out benchmarks/results/2026-12-02-refactor-60s-before-after.md
"""

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from _harness import overran
from _report import fmt, write_text
from compare_systems import bootstrap_runs
from _suite import LOWER_IS_BETTER

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ARCHIVE = "benchmarks/results/runs"


def git_show(rev, path):
    """The bytes of ``path`` at ``rev``, or None where it did not exist."""
    done = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{path}"], capture_output=True)
    return done.stdout if done.returncode == 0 else None


def datasets_at(rev, folder):
    """The dataset folders of an archived budget folder at ``rev``."""
    done = subprocess.run(["git", "-C", str(REPO), "ls-tree", "--name-only", f"{rev}:{folder}"],
                          capture_output=True, text=True)
    return done.stdout.split() if done.returncode == 0 else []


def read_run(rev, folder, dataset, system):
    """``(record, (task, y, labels, proba, classes))`` of an archived run at ``rev``, or None."""
    raw = git_show(rev, f"{folder}/{dataset}/{system}.json")
    table = git_show(rev, f"{folder}/{dataset}/{system}.parquet")
    labels = git_show(rev, f"{folder}/{dataset}/test_y.parquet")
    task = git_show(rev, f"{folder}/{dataset}/task.json")
    if raw is None or table is None or labels is None or task is None:
        return None
    record, spec = json.loads(raw), json.loads(task)
    pred = pd.read_parquet(io.BytesIO(table))
    y = pd.read_parquet(io.BytesIO(labels))["y"].to_numpy()
    if spec["task"] == "regression":
        return record, (spec["task"], y.astype(float), pred["pred"].to_numpy(float), None, None)
    classes = np.array([str(c) for c in spec["classes"]])
    proba = pred[[f"proba_{i}" for i in range(len(classes))]].to_numpy()
    return record, (spec["task"], y.astype(str), pred["pred"].to_numpy(str), proba, classes)


def compare(before, after, budget, seed=0, system="automl", n_boot=1000):
    """One row per dataset archived at both revisions."""
    folder = f"{ARCHIVE}/{budget:g}s-seed{seed}"
    rows = []
    for dataset in sorted(set(datasets_at(before, folder)) & set(datasets_at(after, folder))):
        old, new = read_run(before, folder, dataset, system), read_run(after, folder, dataset,
                                                                        system)
        if old is None or new is None:
            continue
        (r0, run0), (r1, run1) = old, new
        row = {"dataset": dataset, "metric": r1["metric"], "before": r0["score"],
               "after": r1["score"], "fit before s": r0["fit_s"], "fit after s": r1["fit_s"],
               "overran after": overran(r1["fit_s"], budget), "code before": r0["code"],
               "code after": r1["code"]}
        if r0["status"] == r1["status"] == "ok":
            test = bootstrap_runs(run1, run0, r1["metric"], n_boot=n_boot)
            row.update(verdict=test["verdict"], low=test["low"], high=test["high"])
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(frame, before, after, budget, command):
    """The report: the table, the counts and the command."""
    counts = frame["verdict"].value_counts().to_dict() if len(frame) else {}
    lower = frame["metric"].isin(LOWER_IS_BETTER)
    gain = np.where(lower, frame["before"] - frame["after"], frame["after"] - frame["before"])
    lines = [f"# Ours at {after} against ours at {before}, budget {budget:g} s", "",
             f"Command: `{command}`.", "",
             f"Datasets: {len(frame)}; after better beyond noise on {counts.get('better', 0)}, "
             f"worse on {counts.get('worse', 0)}, within noise on {counts.get('noise', 0)}; "
             f"overruns after: {int(frame['overran after'].sum()) if len(frame) else 0}; "
             f"median fit after / before: "
             f"{fmt(float(np.median(frame['fit after s'] / frame['fit before s'])), '.3f')}.",
             "", "| dataset | metric | before | after | gain | 95 % interval | verdict | "
             "fit before s | fit after s |", "|---|---|---|---|---|---|---|---|---|"]
    for (_, r), g in zip(frame.iterrows(), gain):
        interval = f"[{fmt(r.get('low'))}, {fmt(r.get('high'))}]"
        lines.append(f"| {r['dataset']} | {r['metric']} | {fmt(r['before'])} | "
                     f"{fmt(r['after'])} | {fmt(g)} | {interval} | {r.get('verdict', '')} | "
                     f"{fmt(r['fit before s'], '.1f')} | {fmt(r['fit after s'], '.1f')} |")
    codes = sorted(set(frame["code before"])) + ["->"] + sorted(set(frame["code after"]))
    return "\n".join(lines + ["", "Runs' code: " + " ".join(codes), ""])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git revision of the earlier archive")
    parser.add_argument("--after", default="HEAD", help="git revision of the later archive")
    parser.add_argument("--budget", type=float, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--system", default="automl")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--out", default="", help="Markdown file to write")
    args = parser.parse_args(argv)
    frame = compare(args.before, args.after, args.budget, args.seed, args.system, args.n_boot)
    command = "python benchmarks/compare_code_versions.py " + " ".join(
        argv if argv is not None else sys.argv[1:])
    text = markdown(frame, args.before, args.after, args.budget, command)
    print(text)
    if args.out:
        write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
