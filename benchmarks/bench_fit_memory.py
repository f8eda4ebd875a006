"""Where the fit's memory goes: interpreter and imports, the data, the workers, the search.

Per dataset, each step in its own subprocess (its process tree's resident
memory sampled, as ``compare_systems.py`` does), on the benchmark's
training split:

- ``imports``: the interpreter with automl and its libraries imported and
  the training rows loaded (what one process holds before any work);
- ``workers``: that, plus the search's worker pool started (``n_jobs``
  loky processes, each having imported what a candidate's evaluation
  imports), doing nothing;
- ``fit``: ``AutoPipeline(time_budget=B, n_jobs=N)`` fitted;
- ``fit_keep_oof``: the same with ``keep_oof="all"`` (every trial's
  out-of-fold predictions kept);
- ``fit_1_job``: the same with ``n_jobs=1``.

Two tables: the resident memory summed over the process tree (what
``compare_systems.py`` reports for every system), and the proportional
set size summed (a page shared by ``k`` processes, such as a library every
worker loaded, counts ``1/k`` in each: the memory the fit really takes).
The differences say what each part costs: ``workers - imports`` the pool,
``fit - workers`` the search's working set (data sent to the workers,
fitted candidates, out-of-fold arrays, the refit). One run per step; the
table gives MB.

Usage: see benchmarks/README.md.
"""

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import hard_limit, run_subprocess  # noqa: E402
from _report import machine_line, write_text  # noqa: E402
from _suite import DEFAULT_MANIFEST, load_dataset, load_suite, outer_split, select  # noqa: E402

STEPS = ("imports", "workers", "fit", "fit_keep_oof", "fit_1_job")
DEFAULT_DATASETS = "credit_g,adult,electricity,diamonds"


def _warm_worker(seconds):
    """What a worker imports to evaluate a candidate; held ``seconds`` so all workers start."""
    import os

    import automl.search._evaluate  # noqa: F401
    import lightgbm  # noqa: F401
    import xgboost  # noqa: F401

    time.sleep(seconds)
    return os.getpid()


def _training_rows(name, manifest):
    """``X, y, task, groups, time_column`` of the benchmark's training split of ``name``."""
    entry = select(load_suite(manifest, synthetic=False), [name])[0]
    X, y, task, groups, time_col = load_dataset(entry)
    train, _ = outer_split(X, y, task, groups, time_col)
    return (X.iloc[train].reset_index(drop=True), y.iloc[train].reset_index(drop=True), task,
            None if groups is None else groups.iloc[train].reset_index(drop=True), time_col)


def child(step, name, manifest, budget, n_jobs):
    """Run one step in this process; print ``RESULT {json}``."""
    import automl
    from automl.search._executor import discard_pool, get_pool

    X, y, task, groups, time_col = _training_rows(name, manifest)
    result = {"rows": len(X), "columns": X.shape[1],
              "data_mb": X.memory_usage(deep=True).sum() / 2**20}
    if step == "workers":
        pool = get_pool(n_jobs)
        pids = {f.result() for f in [pool.submit(_warm_worker, 2.0) for _ in range(n_jobs)]}
        result["workers"] = len(pids)
        time.sleep(1.0)  # let the sampler see them all, warm
        discard_pool(pool)
    elif step.startswith("fit"):
        model = automl.AutoPipeline(
            time_budget=budget, task=task, time_column=time_col,
            n_jobs=1 if step == "fit_1_job" else n_jobs, random_state=0,
            keep_oof="all" if step == "fit_keep_oof" else None)
        model.fit(X, y, groups=groups)
        result.update(n_trials=len(model.trials_), ensemble=model.ensemble_.attrs["kind"])
    else:
        time.sleep(1.0)
    print("RESULT " + json.dumps(result), flush=True)


def measure(step, name, manifest, budget, n_jobs):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", step, "--datasets", name,
           "--manifest", str(manifest), "--budget", str(budget), "--n-jobs", str(n_jobs)]
    done = run_subprocess(cmd, hard_limit(budget), keep_stdout=True, pss=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or ["killed at the hard limit"]
        return {"step": step, "dataset": name, "error": tail[0]}
    return {"step": step, "dataset": name, "peak_mb": done.peak_bytes / 2**20,
            "peak_pss_mb": done.peak_pss_bytes / 2**20, **json.loads(lines[-1][len("RESULT "):])}


def table(results, value="peak_mb"):
    """The Markdown table: one row per dataset, ``value`` (MB) per step and the differences."""
    by = {(r["dataset"], r["step"]): r for r in results}
    head = ("| dataset | rows x columns | data MB | " + " | ".join(STEPS)
            + " | pool (workers - imports) | search (fit - workers) |\n" + "|---" * 10 + "|\n")

    def cell(name, step):
        r = by.get((name, step), {})
        return f"{r[value]:.0f}" if value in r else r.get("error", "")

    def gap(name, high, low):
        a, b = by.get((name, high), {}), by.get((name, low), {})
        return f"{a[value] - b[value]:.0f}" if value in a and value in b else ""

    lines = []
    for name in dict.fromkeys(r["dataset"] for r in results):
        shape = next((r for r in results if r["dataset"] == name and "rows" in r), {})
        size = (f"{shape['rows']:,} x {shape['columns']} | {shape['data_mb']:.1f}" if shape
                else " | ")
        lines.append(f"| {name} | {size} | " + " | ".join(cell(name, s) for s in STEPS)
                     + f" | {gap(name, 'workers', 'imports')} | {gap(name, 'fit', 'workers')} |")
    return head + "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=DEFAULT_DATASETS)
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--out", default="", help="Markdown file to write")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.datasets, args.manifest, args.budget, args.n_jobs)
    results = []
    for name in args.datasets.split(","):
        for step in args.steps.split(","):
            results.append(measure(step, name, args.manifest, args.budget, args.n_jobs))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    text = (f"# Peak memory of the fit, step by step\n\n{machine_line()}\n"
            f"Command: `python benchmarks/bench_fit_memory.py --datasets {args.datasets} "
            f"--budget {args.budget:g} --n-jobs {args.n_jobs}`. Peak resident memory of each "
            "step's process tree, MB; one run each.\n\n"
            "## Resident memory, summed over the processes (as compare_systems.py samples it)\n\n"
            + table(results) + "\n## Proportional set size, summed (shared pages counted once)"
            "\n\n" + table(results, "peak_pss_mb"))
    if args.out:
        write_text(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
