"""AutoPipeline on a Dask LocalCluster: 1 worker against 2, same suite and budget.

Prints trials completed, trials per second and the best CV score per
dataset and cluster size, and the speed-up in trials per second.
Usage: see benchmarks/README.md.
"""

import argparse
import os
import platform
import time

from _report import write_text
from _suite import DEFAULT_MANIFEST, load_named

SUITE = ["breast_cancer", "wine", "diabetes", "phoneme", "kc1"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=30)
    parser.add_argument("--datasets", default=",".join(SUITE))
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from automl import AutoPipeline

    rows = []
    for n_workers in (1, 2):
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster):
            for name in args.datasets.split(","):
                X, y = load_named(name, args.manifest)
                start = time.perf_counter()
                model = AutoPipeline(time_budget=args.budget, backend="dask", random_state=0,
                                     fold_bagging=False).fit(X, y)
                elapsed = time.perf_counter() - start
                done = sum(t.status in ("ok", "error") for t in model.trials_)
                rows.append({"dataset": name, "workers": n_workers, "trials": done,
                             "trials_per_s": done / model.search_time_, "fit_s": elapsed,
                             "best_cv": model.best_score_})
                print(rows[-1], flush=True)
    by = {(r["dataset"], r["workers"]): r for r in rows}
    lines = [
        f"# AutoPipeline on a Dask LocalCluster: 1 vs 2 workers, budget {args.budget:g} s",
        "",
        f"Date {time.strftime('%Y-%m-%d')}; {platform.machine()}, {os.cpu_count()} cores; "
        f"one thread per worker process. Command: `python benchmarks/bench_dask.py "
        f"--budget {args.budget:g}`.",
        "",
        "| dataset | trials (1 w) | trials (2 w) | trials/s (1 w) | trials/s (2 w) | speed-up | "
        "best CV (1 w) | best CV (2 w) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    speedups = []
    for name in args.datasets.split(","):
        a, b = by[(name, 1)], by[(name, 2)]
        speedup = b["trials_per_s"] / a["trials_per_s"]
        speedups.append(speedup)
        lines.append(f"| {name} | {a['trials']} | {b['trials']} | {a['trials_per_s']:.3f} | "
                     f"{b['trials_per_s']:.3f} | {speedup:.2f}x | {a['best_cv']:.4f} | "
                     f"{b['best_cv']:.4f} |")
    geo = 1.0
    for s in speedups:
        geo *= s
    lines += ["", f"Geometric mean speed-up in trials per second: "
                  f"{geo ** (1 / len(speedups)):.2f}x."]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        write_text(args.out, table)


if __name__ == "__main__":
    main()
