"""Does more time give ours a better model? Test scores at several budgets, paired.

Ours (``automl``) runs at each budget through ``compare_systems.py``'s
machinery: the same outer split (seeded, so the same test rows at every
budget), a subprocess per run with a hard limit, a store of finished runs
that a second sitting skips. Per dataset it prints the test score at each
budget and a paired bootstrap over the test rows of each longer budget
against each shorter one (better or worse beyond noise, or within noise);
then the mean normalised score per budget (0 = the constant predictor, 1 =
ours' best budget on that dataset) and the number of datasets on which a
longer budget is worse beyond noise.

``--reuse-archive`` takes ours' runs from the archive of committed runs
(``benchmarks/results/runs``) where they were made at the current code, so
only the rest is fitted; ``--any-code`` takes them at any code (the report
names each run's code and says which are older than the current one) and
``--no-fit`` fits nothing. ``--selection RULE`` runs ours with
``AutoPipeline(selection=RULE)`` (issue 29), stored as system
``automl-RULE`` beside the default's runs, so that one command per rule on
the same store compares the rules on the same splits. Usage: see
benchmarks/README.md.
"""

import argparse
import dataclasses
import sys
from pathlib import Path

import compare_systems as cs
from _archive import restore_runs, save_runs, set_aside_stale_runs
from _harness import HERE, code_version, is_older_code
from _report import fmt, machine_line, write_text
from _suite import DEFAULT_MANIFEST, load_suite, select

from automl._selection import SELECTION_RULES

OURS = "automl"
# compare_systems' 300 s subset, fixed before any result was seen (benchmarks/README.md)
LONG_SUBSET = "adult,bank_marketing,electricity,diamonds,nlswork"
VERDICT = {"better": "better", "worse": "**worse**", "noise": "within noise"}


def budget_suites(suite, budgets, subset, subset_from):
    """``{budget: entries}``: budgets from ``subset_from`` s on (unless 0) run only on ``subset``."""
    return {b: [e for e in suite if not subset_from or b < subset_from or e["name"] in subset]
            for b in budgets}


def ours(selection="best"):
    """Ours as a system: ``automl`` with the default selection, else ``automl-<rule>``."""
    system = cs.default_systems()[OURS]
    if selection == "best":
        return system
    return dataclasses.replace(system, name=f"{OURS}-{selection}",
                               args=(*system.args, "--selection", selection))


def collect(suites, store, seed, n_jobs, archive=None, any_code=False, fit=True, log=print,
            selection="best"):
    """Ours' records, one per (dataset, budget) stored or run here (``{(dataset, budget): record}``).

    With ``archive``, ours' archived runs fill the store's gaps; unless
    ``any_code``, stored runs made at other code are set aside (and run again
    when ``fit``), so that every run measures the current code.
    """
    system = ours(selection)
    records = {}
    for budget, entries in suites.items():
        names = [e["name"] for e in entries]
        if archive:
            restored = restore_runs(archive, store, budget, seed, names, [system.name])
            log(f"{budget:g} s: {len(restored)} runs of ours taken from {archive}")
        if not any_code:
            stale = set_aside_stale_runs(store, budget, seed, names, [system.name],
                                         code_version())
            log(f"{budget:g} s: {len(stale)} stored runs of ours at other code set aside")
        if fit:
            found = cs.run_benchmark(entries, [system], budget, store, seed=seed, n_jobs=n_jobs,
                                     log=log)
        else:
            found = cs.stored_records(store, budget, seed, entries, [system.name])
        records.update({(r["dataset"], budget): r for r in found})
    return records


def pair_verdicts(records, store, budgets, n_boot):
    """Each longer budget against each shorter one, per dataset: a paired bootstrap of test rows.

    Returns dicts with ``dataset``, ``shorter``, ``longer``, ``metric`` and
    :func:`compare_systems.bootstrap_runs`' ``diff``, ``low``, ``high`` and
    ``verdict`` (for the longer run; ``failed`` where either run failed).
    """
    out = []
    for dataset in dict.fromkeys(d for d, _ in records):
        for i, shorter in enumerate(budgets):
            for longer in budgets[i + 1:]:
                a, b = records.get((dataset, longer)), records.get((dataset, shorter))
                if a is None or b is None:
                    continue
                row = {"dataset": dataset, "shorter": shorter, "longer": longer,
                       "metric": a.get("metric") or b.get("metric")}
                if a["status"] != "ok" or b["status"] != "ok":
                    out.append(dict(row, verdict="failed"))
                    continue
                result = cs.bootstrap_runs(cs.load_run(store, a), cs.load_run(store, b),
                                           a["metric"], n_boot)
                out.append(dict(row, **result))
    return out


def rule_lines(records, suites, store, seed, selection, against, n_boot):
    """This rule against ``against`` at each budget, per dataset: a paired bootstrap.

    ``against``'s runs are read from ``store`` (run that command first);
    + favours this rule. Returns Markdown lines (none without runs to pair).
    """
    lines, counts = [], {}
    for budget, entries in suites.items():
        others = {r["dataset"]: r for r in cs.stored_records(store, budget, seed, entries,
                                                             [ours(against).name])}
        for dataset, other in others.items():
            mine = records.get((dataset, budget))
            if mine is None or mine["status"] != "ok" or other["status"] != "ok":
                continue
            v = cs.bootstrap_runs(cs.load_run(store, mine), cs.load_run(store, other),
                                  mine["metric"], n_boot)
            counts.setdefault(budget, []).append(v["verdict"])
            lines.append(f"| {dataset} | {budget:g} s | {fmt(float(other['score']))} | "
                         f"{fmt(float(mine['score']))} | {_verdict_cell(v)} |")
    if not lines:
        return []
    tally = "; ".join(f"{b:g} s: {sum(v == 'better' for v in vs)} better, "
                      f"{sum(v == 'worse' for v in vs)} worse, {sum(v == 'noise' for v in vs)} "
                      "within noise" for b, vs in counts.items())
    return ["", f"## selection={selection} against selection={against}", "",
            f"Paired bootstrap of the test rows, + favours {selection}. {tally}.", "",
            f"| dataset | budget | {against} | {selection} | {selection} vs {against} |",
            "|---|---|---|---|---|"] + lines


def normalised_by_budget(records, budgets):
    """``{(dataset, budget): norm}``: 0 = constant predictor, 1 = ours' best budget there."""
    as_systems = [dict(r, system=f"{budget:g}") for (_, budget), r in records.items()]
    return {(r["dataset"], float(r["system"])): r["norm"]
            for r in cs.normalised_scores(as_systems)} if as_systems else {}


def _verdict_cell(v):
    if v is None:
        return ""
    if v["verdict"] == "failed":
        return "failed"
    return f"{VERDICT[v['verdict']]} {v['diff']:+.4f} [{v['low']:+.4f}, {v['high']:+.4f}]"


def _score_cell(r):
    if r is None:
        return ""
    if r["status"] != "ok":
        return r["status"]
    trials = (r.get("info") or {}).get("n_trials")
    return fmt(float(r["score"])) + (f" ({trials})" if trials is not None else "")


def _provenance(records, budgets):
    """Lines: at which code each budget's runs were made, and a warning where not the current."""
    current = code_version()
    lines, other = [], set()
    for budget in budgets:
        runs = [r for (_, b), r in records.items() if b == budget]
        codes = sorted({str(r.get("code") or "?") for r in runs})
        days = sorted({str(r.get("finished", ""))[:10] for r in runs})
        other |= {c for c in codes if c != current}
        lines.append(f"{budget:g} s: {len(runs)} runs at {', '.join(codes)} "
                     f"(finished {days[0]}{' to ' + days[-1] if len(days) > 1 else ''})")
    text = f"Runs of ours: {'; '.join(lines)}. Current code: {current or 'unknown'}."
    if other:
        older = [c for c in sorted(other) if is_older_code(c, current)]
        text += (f" **These runs are not from the current code** (made at {', '.join(sorted(other))}"
                 + (f"; {', '.join(older)} is older than the current code" if older else "")
                 + "): they measure the code they were made at, not this one.")
    return [text]


def summary_lines(verdicts, norms, budgets, records):
    """The summary table (one row per budget pair) and the mean normalised score per budget."""
    lines = ["| budgets | datasets | longer better beyond noise | within noise | longer worse "
             "beyond noise | failed | mean normalised, shorter | mean normalised, longer |",
             "|---|---|---|---|---|---|---|---|"]
    for i, shorter in enumerate(budgets):
        for longer in budgets[i + 1:]:
            pair = [v for v in verdicts if (v["shorter"], v["longer"]) == (shorter, longer)]
            if not pair:
                continue
            count = {k: sum(v["verdict"] == k for v in pair) for k in ("better", "noise", "worse", "failed")}
            means = [_mean([norms.get((v["dataset"], b)) for v in pair]) for b in (shorter, longer)]
            lines.append(f"| {shorter:g} s -> {longer:g} s | {len(pair)} | {count['better']} | "
                         f"{count['noise']} | {count['worse']} | {count['failed']} | "
                         f"{fmt(means[0])} | {fmt(means[1])} |")
    every = [d for d in dict.fromkeys(d for d, _ in records)
             if all((d, b) in records for b in budgets)]
    per_budget = ", ".join(f"{b:g} s {fmt(_mean([norms.get((d, b)) for d in every]))}"
                           for b in budgets)
    worse = sorted({v["dataset"] for v in verdicts if v["verdict"] == "worse"})
    return lines + [
        "", f"Mean normalised score per budget over the {len(every)} datasets run at every "
        f"budget: {per_budget}.",
        "", f"Datasets where a longer budget is worse beyond noise: {len(worse)} of "
        f"{len({v['dataset'] for v in verdicts})}" + (f" ({', '.join(worse)})" if worse else "") + "."]


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def dataset_lines(records, verdicts, budgets):
    """One row per dataset: the test score (trials) at each budget and each pair's verdict."""
    pairs = [(s, lo) for i, s in enumerate(budgets) for lo in budgets[i + 1:]]
    by = {(v["dataset"], v["shorter"], v["longer"]): v for v in verdicts}
    lines = ["| dataset | metric | " + " | ".join(f"{b:g} s" for b in budgets) + " | "
             + " | ".join(f"{lo:g} s vs {s:g} s" for s, lo in pairs) + " |",
             "|---|---|" + "---|" * (len(budgets) + len(pairs))]
    for dataset in dict.fromkeys(d for d, _ in records):
        runs = [records.get((dataset, b)) for b in budgets]
        metric = next((r["metric"] for r in runs if r is not None and r.get("metric")), "")
        lines.append(f"| {dataset} | {metric} | " + " | ".join(_score_cell(r) for r in runs)
                     + " | " + " | ".join(_verdict_cell(by.get((dataset, s, lo)))
                                          for s, lo in pairs) + " |")
    return lines


def table_pairs(folder, shorter, longer):
    """Committed report CSVs at both budgets whose names differ only by it: ``[(label, a, b)]``."""
    out = []
    for short in sorted(Path(folder).glob(f"*-compare-{shorter:g}s*.csv")):
        long = short.with_name(short.name.replace(f"-compare-{shorter:g}s", f"-compare-{longer:g}s"))
        if long.exists():
            out.append((short.stem.replace(f"-compare-{shorter:g}s", ""), short, long))
    return out


def table_lines(folder, budgets, verdicts):
    """Ours' test score in committed reports at two budgets, paired by name: no bootstrap.

    Their predictions were not kept, so each cell is the difference alone,
    signed so that + favours the longer run; the archived pair's interval on
    the same dataset (``verdicts``) gives the scale of the noise.
    """
    import pandas as pd

    lines = []
    for shorter, longer in zip(budgets, budgets[1:]):
        pairs = table_pairs(folder, shorter, longer)
        rows = {}
        for label, a, b in pairs:
            runs = [pd.read_csv(f).query("system == @OURS and status == 'ok'").set_index("dataset")
                    for f in (a, b)]
            code = " / ".join(str(r["code"].iloc[0]) for r in runs if "code" in r and len(r))
            for dataset in runs[1].index.intersection(runs[0].index):
                scores = (runs[0].loc[dataset, "score"], runs[1].loc[dataset, "score"])
                sign = -1 if runs[1].loc[dataset, "metric"] in cs.LOWER_IS_BETTER else 1
                rows.setdefault(dataset, {})[(label, code)] = scores, sign * (scores[1] - scores[0])
        if not rows:
            continue
        columns = list(dict.fromkeys(k for cells in rows.values() for k in cells))
        noise = {v["dataset"]: fmt((v["high"] - v["low"]) / 2) if v["high"] > v["low"]
                 else "identical runs" for v in verdicts
                 if (v["shorter"], v["longer"]) == (shorter, longer) and "high" in v}
        lines += ["", f"### {longer:g} s against {shorter:g} s in the committed tables", "",
                  f"Ours' test score at {longer:g} s minus at {shorter:g} s (+ favours the longer "
                  f"run) in the reports of `{folder}` whose names differ only by the budget; the "
                  "code of ours' runs in each (shorter / longer). Their predictions were not kept: "
                  "no bootstrap; for scale, the half-width of the 95 % interval of the archived "
                  "pair on that dataset above. \"Longer worse\" counts distinct pairs of runs "
                  "(a second draw that re-ran some datasets copies the others' runs).", "",
                  "| dataset | " + " | ".join(label + (f" ({code})" if code else "")
                                              for label, code in columns)
                  + " | longer worse | noise half-width |",
                  "|---|" + "---|" * (len(columns) + 2)]
        for dataset, cells in rows.items():
            distinct = dict(cells.get(c) for c in columns if c in cells)  # a table may copy runs
            worse = sum(d < 0 for d in distinct.values())
            lines.append(f"| {dataset} | " + " | ".join(fmt(cells[c][1], "+.4f") if c in cells
                                                      else "" for c in columns)
                         + f" | {worse} of {len(distinct)} | {noise.get(dataset, '')} |")
    return lines


def markdown(records, verdicts, budgets, command, n_boot, tables=None):
    norms = normalised_by_budget(records, budgets)
    seeds = sorted({int(r["seed"]) for r in records.values()})
    head = [f"# Ours at {', '.join(f'{b:g} s' for b in budgets)}: does a longer budget give a "
            "better model?", "",
            f"{machine_line()}. Command: `{command}`.", *_provenance(records, budgets), "",
            f"The same outer split at every budget (75/25, seed {', '.join(map(str, seeds))}; by "
            "time where the manifest names a time column, else by group, else stratified), so "
            "the same test rows. Test score: ROC AUC (binary, higher is better), log loss "
            "(multiclass, lower), RMSE (regression, lower); in brackets the trials the search "
            "ran. Verdict of each longer budget against each shorter one: a paired bootstrap "
            f"over the test rows ({n_boot} resamples) of the difference in test score, signed "
            "so that + favours the longer run; better or worse beyond noise where its 95 % "
            "interval excludes 0. Normalised score: 0 = the constant predictor, 1 = ours' best "
            "budget on that dataset.", "", "## Summary", ""]
    return "\n".join(head + summary_lines(verdicts, norms, budgets, records)
                     + ["", "## Per dataset", ""] + dataset_lines(records, verdicts, budgets)
                     + (table_lines(tables, budgets, verdicts) if tables else [])) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", default="15,60,300", help="comma-separated seconds")
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST),
                        help="suite manifest; 'none' for scikit-learn's bundled datasets")
    parser.add_argument("--datasets", default="", help="comma-separated subset of names")
    parser.add_argument("--subset", default=LONG_SUBSET,
                        help="the datasets of the budgets from --subset-from on")
    parser.add_argument("--subset-from", type=float, default=300,
                        help="budgets of at least this many seconds run only on --subset "
                             "(0: every budget on every dataset)")
    parser.add_argument("--store", default=str(HERE / ".work" / "budget-monotonicity"),
                        help="where finished runs are kept (and skipped when run again)")
    parser.add_argument("--archive", default=str(HERE / "results" / "runs"),
                        help="the folder of committed runs")
    parser.add_argument("--reuse-archive", action="store_true",
                        help="take ours' archived runs made at the current code instead of fitting")
    parser.add_argument("--any-code", action="store_true",
                        help="with --reuse-archive: take archived runs made at any code (the "
                             "report says which are not from the current code)")
    parser.add_argument("--save-archive", action="store_true",
                        help="add the runs of this command to --archive")
    parser.add_argument("--no-fit", action="store_true", help="fit nothing: report the runs found")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--tables", default="",
                        help="also list ours' scores in the committed reports (CSV) of this "
                             "folder at two budgets, paired by name (no bootstrap)")
    parser.add_argument("--selection", default="best", choices=SELECTION_RULES,
                        help="AutoPipeline's selection= rule for ours")
    parser.add_argument("--against", default="", choices=("", *SELECTION_RULES),
                        help="also compare with the stored runs of this rule, budget by budget")
    parser.add_argument("--out", default="", help="Markdown file to write")
    args = parser.parse_args(argv)
    try:
        args.budgets = sorted(float(b) for b in args.budgets.split(",") if b)
    except ValueError:
        parser.error(f"--budgets: not numbers: {args.budgets!r}")
    if len(args.budgets) < 2:
        parser.error("--budgets: give at least two budgets")
    if args.any_code and not args.reuse_archive:
        parser.error("--any-code needs --reuse-archive")
    return parser, args


def _command(args):
    return ("python benchmarks/budget_monotonicity.py --budgets "
            + ",".join(f"{b:g}" for b in args.budgets)
            + (f" --datasets {args.datasets}" if args.datasets else "")
            + (f" --subset-from {args.subset_from:g}" if args.subset_from != 300 else "")
            + (" --manifest none" if args.manifest == "none" else "")
            + (f" --seed {args.seed}" if args.seed else "")
            + (f" --selection {args.selection}" if args.selection != "best" else "")
            + (f" --against {args.against}" if args.against else "")
            + (" --reuse-archive" if args.reuse_archive else "")
            + (" --any-code" if args.any_code else "")
            + (" --save-archive" if args.save_archive else "")
            + (" --no-fit" if args.no_fit else "")
            + (f" --tables {args.tables}" if args.tables else ""))


def main(argv=None):
    parser, args = parse_args(argv)
    try:
        suite = select(load_suite(None if args.manifest == "none" else args.manifest,
                                  synthetic=False), [d for d in args.datasets.split(",") if d])
        suites = budget_suites(suite, args.budgets, set(args.subset.split(",")), args.subset_from)
        records = collect(suites, args.store, args.seed, args.n_jobs,
                          archive=args.archive if args.reuse_archive else None,
                          any_code=args.any_code, fit=not args.no_fit,
                          log=lambda line: print(line, file=sys.stderr, flush=True),
                          selection=args.selection)
    except ValueError as exc:  # an unknown dataset, or a split that differs from the archive's
        parser.error(str(exc))
    if args.save_archive:
        for budget, entries in suites.items():
            save_runs(args.store, args.archive, budget, args.seed, [e["name"] for e in entries],
                      [ours(args.selection).name], replace=True)
    if not records:
        parser.error("no finished runs of ours to report" + (
            " at the current code (--any-code takes archived runs at other code)"
            if args.reuse_archive and not args.any_code else ""))
    verdicts = pair_verdicts(records, args.store, args.budgets, args.n_boot)
    text = markdown(records, verdicts, args.budgets, _command(args), args.n_boot, args.tables)
    if args.against:
        text += "\n".join(rule_lines(records, suites, args.store, args.seed, args.selection,
                                     args.against, args.n_boot)) + "\n"
    if args.out:
        write_text(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
