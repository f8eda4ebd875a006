"""Every search strategy against Bayesian optimisation, at one budget, on the same splits.

AutoPipeline runs once per strategy (``search=``: bayes, random, grid,
halving, hyperband, tpe) on each dataset, through compare_systems' runner
(the same outer split, budget and cores, a subprocess with a hard limit;
finished runs are kept under ``--store`` and skipped when run again). The
table gives per strategy: the mean normalised score (0 = constant
predictor, 1 = the best strategy on that dataset), how often it is better
or worse than bayes beyond noise (a paired bootstrap of the test rows),
and the candidates cross-validated per second of fit (all of them, and
those on all rows), with its ratio to bayes' (geometric mean over datasets).

Usage: see benchmarks/README.md.
"""

import argparse
import math
import statistics
import sys
from pathlib import Path

from _harness import HERE, SYSTEMS_DIR
from _report import machine_line, write_text
from _suite import load_suite, select
import compare_systems
from compare_systems import (System, noise_verdicts, normalised_scores, run_benchmark,
                             summarise)

STRATEGIES = ("bayes", "random", "grid", "halving", "hyperband", "tpe")
BASELINE = "automl"  # bayes, AutoPipeline's default, under the name compare_systems gives it


def strategy_systems(strategies=STRATEGIES):
    """One benchmark system per strategy: ``automl`` (bayes), ``automl_<strategy>``."""
    return [System(BASELINE if s == "bayes" else f"automl_{s}", SYSTEMS_DIR / "automl_system.py",
                   args=("--search", s)) for s in strategies]


def speed(records):
    """``system -> (median trials/s, median on all rows/s, geometric-mean ratio to bayes)``."""
    ok = [r for r in records if r["status"] == "ok" and r.get("fit_s")]
    rate = {(r["system"], r["dataset"]): r["info"]["n_trials"] / r["fit_s"] for r in ok}
    full = {(r["system"], r["dataset"]): r["info"].get("n_trials_all_rows", r["info"]["n_trials"])
            / r["fit_s"] for r in ok}
    out = {}
    for system in {r["system"] for r in ok}:
        mine = {d: v for (s, d), v in rate.items() if s == system}
        ratios = [v / rate[(BASELINE, d)] for d, v in mine.items()
                  if rate.get((BASELINE, d), 0) > 0 and v > 0]
        out[system] = (statistics.median(mine.values()),
                       statistics.median(v for (s, _), v in full.items() if s == system),
                       math.exp(statistics.mean(map(math.log, ratios))) if ratios else float("nan"))
    return out


def strategy_name(system):
    return "bayes" if system == BASELINE else system[len("automl_"):]


def per_dataset(records, verdicts=None):
    """Markdown: per dataset its training rows, then each strategy's test score and trials.

    The best score in bold; ``+`` / ``-`` when the strategy is better / worse
    than bayes beyond noise (``verdicts`` say how bayes fared against it).
    """
    order = {s: i for i, s in enumerate(STRATEGIES)}
    systems = sorted({r["system"] for r in records}, key=lambda s: order[strategy_name(s)])
    flag = {(v["dataset"], v["system"]): {"better": "-", "worse": "+"}.get(v["verdict"], "")
            for v in verdicts or []}
    lines = ["| dataset | rows | metric | " + " | ".join(map(strategy_name, systems)) + " |",
             "|---|---|---|" + "---|" * len(systems)]
    for group in _by_dataset(normalised_scores(records)):
        by = {r["system"]: r for r in group}
        best = min(r["rank"] for r in group)
        cells = []
        for system in systems:
            r = by.get(system)
            if r is None or r["status"] != "ok":
                cells.append("" if r is None else r["status"])
                continue
            score = f"{r['score']:.4f}"
            cells.append(f"{'**' + score + '**' if r['rank'] == best else score}"
                         f"{flag.get((r['dataset'], system), '')} ({r['info']['n_trials']})")
        first = group[0]
        lines.append(f"| {first['dataset']} | {first['n_train']:,} | {first['metric']} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def _by_dataset(records):
    groups = {}
    for r in records:
        groups.setdefault(r["dataset"], []).append(r)
    return list(groups.values())


def table(records, store, n_boot=1000):
    """The Markdown tables of the strategies against bayes: the summary, then per dataset."""
    verdicts = noise_verdicts(records, store, BASELINE, n_boot) if n_boot else None
    rows, _, incomplete = summarise(records, ours=BASELINE, verdicts=verdicts)
    rates = speed(records)
    base = next(r["mean_norm"] for r in rows if r["system"] == BASELINE)
    lines = ["| search | datasets | mean normalised score | vs bayes | better / worse than bayes "
             "beyond noise | trials/s (median) | on all rows/s | trials/s vs bayes | overruns |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        name = strategy_name(r["system"])
        noise = ("-" if r["system"] == BASELINE or verdicts is None else
                 f"{r['ours_worse_beyond_noise']} / {r['ours_better_beyond_noise']}")
        t, t_full, ratio = rates.get(r["system"], (float("nan"),) * 3)
        lines.append(f"| {name} | {r['datasets']} | {r['mean_norm']:.4f} | "
                     f"{r['mean_norm'] - base:+.4f} | {noise} | {t:.2f} | {t_full:.2f} | "
                     f"{ratio:.2f}x | {r['overruns']} |")
    if incomplete:
        lines.append(f"\nLeft out (not every strategy finished): {', '.join(incomplete)}")
    lines += ["", "Per dataset: test score (candidates cross-validated); best in bold, + / - "
              "better / worse than bayes beyond noise.", "", per_dataset(records, verdicts)]
    return "\n".join(lines)


# compare_systems' options that mean the same here (the same defaults and help)
SHARED_OPTIONS = {"budget", "manifest", "datasets", "seed", "n_jobs", "n_boot"}


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for action in compare_systems._parser()._actions:
        if action.dest in SHARED_OPTIONS:
            parser._add_action(action)
    parser.add_argument("--strategies", default=",".join(STRATEGIES),
                        help="comma-separated, from: " + ", ".join(STRATEGIES))
    parser.add_argument("--store", default=str(HERE / ".work" / "strategies"),
                        help="where finished runs are kept (and skipped when run again)")
    parser.add_argument("--out", default="", help="Markdown file to write")
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    strategies = [s for s in args.strategies.split(",") if s]
    unknown = sorted(set(strategies) - set(STRATEGIES))
    if unknown or "bayes" not in strategies:
        parser.error(f"--strategies: bayes and any of {', '.join(STRATEGIES)}; got {unknown}")
    try:
        suite = select(load_suite(None if args.manifest == "none" else args.manifest,
                                  synthetic=False), [d for d in args.datasets.split(",") if d])
    except ValueError as exc:
        parser.error(str(exc))
    records = run_benchmark(suite, strategy_systems(strategies), args.budget, args.store,
                            seed=args.seed, n_jobs=args.n_jobs)
    command = " ".join(["python benchmarks/bench_strategies.py", *(argv or sys.argv[1:])])
    text = (f"# Search strategies against bayes at {args.budget:g} s\n\n`{command}`\n\n"
            f"{machine_line()}\n\n" + table(records, args.store, args.n_boot) + "\n")
    if args.out:
        write_text(Path(args.out), text)
    print(text)


if __name__ == "__main__":
    main()
