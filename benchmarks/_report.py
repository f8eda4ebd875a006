"""Report writing for the benchmark scripts: Markdown, CSV and PNG, written atomically.

- :func:`fmt`: one table cell (blank for a missing value);
- :func:`write_text`, :func:`write_csv`: a file written to a temporary name,
  then renamed, so that a cut-off run never leaves half a report;
- :func:`machine_line`: date, machine, cores, memory and Python, for a header;
- :func:`write_compare_report`: the side-by-side report of
  ``compare_systems.py`` (summary, per-dataset tables, every run as CSV, a PNG
  of normalised scores).
"""

import csv
import json
import math
import os
import platform
import time
from pathlib import Path

from _harness import ram_gb


def fmt(v, spec=".4f"):
    """A table cell: ``v`` formatted with ``spec`` if it is a float, blank for None or NaN."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return format(v, spec) if isinstance(v, float) else str(v)


def _tmp(path):
    return Path(str(path) + ".tmp")


def write_text(path, text):
    """Write ``text`` to ``path`` atomically (its folder made if needed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _tmp(path).write_text(text)
    os.replace(_tmp(path), path)


def write_csv(path, table):
    """Write a DataFrame, or a list of dicts (the first one's keys as columns), as CSV atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(table, list):  # values as they are: no column turned float by a gap
        with open(_tmp(path), "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(table[0]) if table else [])
            writer.writeheader()
            writer.writerows(table)
    else:
        table.to_csv(_tmp(path), index=False)
    os.replace(_tmp(path), path)


def machine_line():
    """``Date ...; machine ..., N cores, M GB RAM; Python X.Y.Z``, for a report's header."""
    return (f"Date {time.strftime('%Y-%m-%d')}; machine {platform.machine()}, {os.cpu_count()} "
            f"cores, {ram_gb():.0f} GB RAM; Python {platform.python_version()}")


def write_compare_report(out, records_frame, rows, frame, incomplete, budget, command,
                         systems_order, ours, verdicts):
    """``compare_systems.py``'s report: Markdown at ``out``, CSV and PNG beside it.

    ``records_frame`` holds every run (normalised; written as CSV), ``rows``,
    ``frame`` and ``incomplete`` come from ``compare_systems.summarise`` and
    ``verdicts`` from its ``noise_verdicts`` (None: no bootstrap). Returns
    the Markdown text.
    """
    out = Path(out)
    write_csv(out.with_suffix(".csv"), records_frame.drop(columns=["info"], errors="ignore").assign(
        info=[json.dumps(r.get("info", {}), default=str) for r in records_frame.to_dict("records")]))
    plotted = plot_scores(frame, out.with_suffix(".png"), systems_order, budget)
    text = _markdown(rows, frame, incomplete, budget, command, systems_order, ours,
                     out.with_suffix(".png").name if plotted else None, verdicts)
    write_text(out, text)
    return text


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(_tmp(path), format="png", dpi=110)
    plt.close(fig)
    os.replace(_tmp(path), path)
    return True


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
                cell = fmt(float(r[value]), spec)
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
        f"{machine_line()}. Versions: {'; '.join(versions)}.",
        f"Command: `{command}`.",
        *provenance(frame),
        "",
        (f"Same outer split for every system (75/25, {_seeds(frame)}; by time where the manifest names a "
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
    lines += [_summary_row(r, ours, verdicts) for r in rows]
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
    for column, title in (("predict_ms_1_row", "one call on 1 row"),
                          ("predict_ms_1k_rows", "one call on 1,000 rows")):
        if column in frame and frame[column].notna().any():  # runs before 2026-12-04: none
            lines += ["", f"## Predict ms of {title} (median of repeated calls, warm)", ""] \
                + _matrix(frame, systems, column, ".1f")
    lines += ["", "## Peak memory of the subprocess tree, MB", ""] + _matrix(frame, systems, "peak_mb", ".0f")
    lines += _profile(frame, ours)
    return "\n".join(lines) + "\n"


def _summary_row(r, ours, verdicts):
    """One system's line of the summary table."""
    mine = r["system"] == ours
    wtl = "" if mine else f"{r['ours_wins']}/{r['ties']}/{r['ours_losses']}"
    noise = "" if mine or verdicts is None else (
        f"{r['ours_better_beyond_noise']}/{r['ours_worse_beyond_noise']}")
    return (f"| {r['system']} | {r['datasets']} | {fmt(r['mean_rank'], '.2f')} | "
            f"{fmt(r['mean_norm'])} | {wtl} | {noise} | {r['overruns']} | {r['failed'] + r['timeouts']} | "
            f"{fmt(r['median_fit_over_budget'], '.2f')} | {fmt(r['median_predict_ms_per_1k'], '.1f')} | "
            f"{fmt(r['median_peak_mb'], '.0f')} |")


def _seeds(frame):
    """``seed 0`` (or ``seeds 0, 1``): the outer split's seed of the runs reported."""
    seeds = sorted({int(s) for s in frame["seed"].dropna()}) if "seed" in frame else []
    return ("seed" if len(seeds) == 1 else "seeds") + " " + (", ".join(map(str, seeds)) or "?")


def provenance(frame):
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
            f"| {dataset} | {fmt(mine.get('n_trials'))} | {failed} | "
            f"{fmt(mine.get('best_family'))} | "
            f"{ensemble} | {fmt(mine.get('cv_best'))} | {fmt(mine.get('cv_ensemble'))} | "
            f"{fmt(flaml.get('n_trials'))} | {fmt(flaml.get('best_estimator'))} | "
            f"{fmt(medium.get('n_models'))} | {fmt(best.get('n_models'))} |")
    return lines
