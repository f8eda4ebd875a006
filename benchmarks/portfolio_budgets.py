"""The learned portfolio against the hand-written one at each budget, and against the peers.

Issue 24's measurement, read from the archive of committed runs
(``benchmarks/results/runs``) that ``compare_systems.py --archive`` fills:
ours with the learned portfolio (``automl_learned``; ``--learned-system
automl`` for the runs made while it was the default, 2026-12-03 at 00c3e97)
and with the hand-written one (``automl_handwritten``) at each budget, FLAML
and AutoGluon medium at ``--peer-budget``. It fits nothing; the runs come
from commands such as ``compare_systems.py --budget 15 --systems
automl_learned,automl_handwritten --archive benchmarks/results/runs``
(benchmarks/README.md).

It prints, as Markdown:

- per budget, the mean normalised test score of both portfolios and the
  datasets where the learned one is better or worse beyond noise (paired
  bootstrap of the test rows, as ``compare_systems.py``);
- the learned portfolio at each budget against the peers at theirs, on one
  scale: each dataset's normalised score runs from 0 (the constant
  predictor) to 1 (the best of every run listed here on that dataset);
- the anytime curve of the longest budget both portfolios ran on every
  dataset: the best cross-validation score the search had reached after 5,
  15, 30, 60 s (the runs' ``info["anytime_cv"]``), normalised the same way
  between the constant predictor's test score and the better of the two
  final CV scores;
- every dataset's scores and verdicts.

Usage: see benchmarks/README.md.
"""

import argparse
import json
import sys
from pathlib import Path

import compare_systems as cs
from _archive import budget_folder
from _harness import HERE
from _report import fmt, machine_line, write_text
from _suite import LOWER_IS_BETTER

LEARNED, HANDWRITTEN = "automl_learned", "automl_handwritten"
PEERS = ("flaml", "autogluon_medium")
VERDICT = {"better": "better", "worse": "**worse**", "noise": "within noise"}


def archived_runs(archive, budget, seed, systems):
    """``{dataset: {system: record}}`` of the archived runs of ``systems`` at ``budget``."""
    folder = budget_folder(archive, budget, seed)
    out = {}
    for dataset_dir in sorted(p for p in folder.glob("*") if p.is_dir()):
        for system in systems:
            path = dataset_dir / f"{system}.json"
            if path.exists():
                out.setdefault(dataset_dir.name, {})[system] = json.loads(path.read_text())
    return out


def load_archived(archive, record):
    """The test predictions of an archived run, as :func:`compare_systems.read_predictions`."""
    folder = budget_folder(archive, record["budget"], record["seed"]) / record["dataset"]
    spec = json.loads((folder / "task.json").read_text())
    return cs.read_prediction_file(spec, folder / "test_y.parquet",
                                   folder / f"{record['system']}.parquet")


def label(record):
    return f"{record['system']}@{record['budget']:g}s"


def normalised_by_label(runs):
    """``{(dataset, 'system@budget'): norm}`` over every run of a dataset, all budgets together."""
    records = [dict(r, system=label(r)) for by_system in runs.values() for r in by_system]
    return {(r["dataset"], r["system"]): r["norm"] for r in cs.normalised_scores(records)}


def portfolio_verdicts(archive, by_budget, n_boot, learned=LEARNED):
    """``{(dataset, budget): verdict}`` of the learned portfolio against the hand-written one."""
    out = {}
    for budget, runs in by_budget.items():
        for dataset, systems in runs.items():
            a, b = systems.get(learned), systems.get(HANDWRITTEN)
            if a is None or b is None:
                continue
            if a["status"] != "ok" or b["status"] != "ok":
                out[dataset, budget] = {"verdict": "failed"}
                continue
            out[dataset, budget] = cs.bootstrap_runs(load_archived(archive, a),
                                                     load_archived(archive, b), a["metric"], n_boot)
    return out


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def budget_lines(by_budget, norms, verdicts, learned=LEARNED):
    """Per budget: both portfolios' mean normalised score and the beyond-noise counts."""
    lines = ["| budget | datasets | learned | hand-written | learned better | learned worse "
             "| within noise |", "|---|---|---|---|---|---|---|"]
    for budget, runs in by_budget.items():
        both = [d for d, s in runs.items() if learned in s and HANDWRITTEN in s]
        if not both:
            continue
        mean = {s: _mean(norms[d, f"{s}@{budget:g}s"] for d in both) for s in (learned, HANDWRITTEN)}
        said = [verdicts[d, budget]["verdict"] for d in both]
        lines.append(f"| {budget:g} s | {len(both)} | {fmt(mean[learned])} | "
                     f"{fmt(mean[HANDWRITTEN])} | {said.count('better')} | {said.count('worse')} "
                     f"| {said.count('noise')} |")
    return lines


def peer_lines(runs, norms):
    """Each run label's mean normalised score: on its datasets, and on those every label ran."""
    labels = sorted({lab for _, lab in norms},
                    key=lambda s: (s.split("@")[0], float(s.split("@")[1][:-1])))
    common = [d for d in runs if all((d, lab) in norms for lab in labels)]
    rows = []
    for lab in labels:
        mine = [d for d in runs if (d, lab) in norms]
        rows.append((_mean(norms[d, lab] for d in mine), len(mine),
                     _mean(norms[d, lab] for d in common), lab))
    rows.sort(key=lambda t: (-t[1], -(t[0] if t[0] is not None else -1)))
    return [f"| run | datasets | mean normalised | on the {len(common)} datasets every run has |",
            "|---|---|---|---|"] + [f"| {lab} | {n} | {fmt(m)} | {fmt(c)} |"
                                    for m, n, c, lab in rows]


def anytime_norm(record, top):
    """``{seconds: normalised best CV}`` of one run: 0 = constant's test score, 1 = ``top``."""
    sign = -1.0 if record["metric"] in LOWER_IS_BETTER else 1.0
    const = sign * record["const_score"]  # the CV score is in the scorer's sign
    curve = (record.get("info") or {}).get("anytime_cv") or {}
    out = {}
    for t, cv in curve.items():
        if cv is None or top <= const:
            out[int(t)] = 0.0
        else:
            out[int(t)] = min(1.0, max(0.0, (cv - const) / (top - const)))
    return out


def anytime_lines(runs, seconds=(5, 15, 30, 60), learned=LEARNED):
    """Mean normalised anytime CV of both portfolios on the datasets both ran."""
    curves = {learned: [], HANDWRITTEN: []}
    for systems in runs.values():
        pair = [systems.get(s) for s in (learned, HANDWRITTEN)]
        if any(r is None or r["status"] != "ok" or not r.get("info", {}).get("anytime_cv")
               for r in pair):
            continue
        finals = [max((v for v in r["info"]["anytime_cv"].values() if v is not None),
                      default=None) for r in pair]
        if None in finals:
            continue
        for s, r in zip(curves, pair):
            curves[s].append(anytime_norm(r, max(finals)))
    n = len(curves[learned])
    head = "| portfolio | " + " | ".join(f"<= {t} s" for t in seconds) + " |"
    lines = [f"Mean normalised best CV score after t seconds of the fit, {n} datasets:", "",
             head, "|---|" + "---|" * len(seconds)]
    for s, name in ((learned, "learned"), (HANDWRITTEN, "hand-written")):
        cells = [fmt(_mean(c.get(t) for c in curves[s])) for t in seconds]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def dataset_lines(by_budget, verdicts, learned=LEARNED):
    lines = ["| dataset | budget | metric | hand-written | learned | learned vs hand-written |",
             "|---|---|---|---|---|---|"]
    for budget, runs in by_budget.items():
        for dataset, systems in runs.items():
            v = verdicts.get((dataset, budget))
            if v is None:
                continue
            a, b = systems[learned], systems[HANDWRITTEN]
            cell = "failed" if v["verdict"] == "failed" else (
                f"{VERDICT[v['verdict']]} {v['diff']:+.4f} [{v['low']:+.4f}, {v['high']:+.4f}]")
            lines.append(f"| {dataset} | {budget:g} s | {a.get('metric', '')} | "
                         f"{fmt(b.get('score'))} | {fmt(a.get('score'))} | {cell} |")
    return lines


def report(archive, budgets, peer_budget, seed=0, n_boot=1000, command="", learned=LEARNED):
    """The Markdown report (see the module's docstring)."""
    by_budget = {b: archived_runs(archive, b, seed, (learned, HANDWRITTEN)) for b in budgets}
    peers = archived_runs(archive, peer_budget, seed, PEERS)
    every = {}
    for runs in [*by_budget.values(), peers]:
        for dataset, systems in runs.items():
            every.setdefault(dataset, []).extend(systems.values())
    norms = normalised_by_label(every)
    verdicts = portfolio_verdicts(archive, by_budget, n_boot, learned)
    longest = max((b for b, runs in by_budget.items() if runs), default=None)
    lines = ["# The learned portfolio against the hand-written one (issue 24)", "",
             machine_line() + ".", f"Command: `{command}`.", "",
             "Normalised score: 0 = the constant predictor, 1 = the best of every run in this "
             "report on that dataset. Beyond noise: the 95 % interval of a paired bootstrap "
             f"over the test rows ({n_boot} resamples) excludes 0.", "",
             *budget_lines(by_budget, norms, verdicts, learned), "", *peer_lines(every, norms), ""]
    if longest is not None:
        lines += [f"Anytime curve of the {longest:g} s runs.", "",
                  *anytime_lines(by_budget[longest], learned=learned), ""]
    return "\n".join(lines + dataset_lines(by_budget, verdicts, learned)) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=str(HERE / "results" / "runs"))
    parser.add_argument("--budgets", default="15,60,300")
    parser.add_argument("--peer-budget", type=float, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--out", default="", help="Markdown file to write")
    parser.add_argument("--learned-system", default=LEARNED,
                        help="the archived system that ran the learned portfolio (runs before "
                             "2026-12-03's default change: automl)")
    args = parser.parse_args(argv)
    budgets = [float(b) for b in args.budgets.split(",") if b]
    command = (f"python benchmarks/portfolio_budgets.py --budgets {args.budgets} "
               f"--peer-budget {args.peer_budget:g} --learned-system {args.learned_system}")
    text = report(Path(args.archive), budgets, args.peer_budget, args.seed, args.n_boot, command,
                  args.learned_system)
    if args.out:
        write_text(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
