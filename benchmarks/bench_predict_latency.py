"""Where a prediction's time goes, per call on 1 row and on 1,000 rows, stage by stage.

Per dataset, on the benchmark's training split, an AutoPipeline is fitted
(``time_budget=B``) and pickled into ``--store``; a model already there is
loaded instead, so that another code version can time the same fitted
model (``PYTHONPATH=<other checkout>``: a before/after of a change). On the
first 1 and 1,000 test rows, the median wall time of warm calls (at least
``--calls``, and 1 s) of:

- ``predict``: ``predict_proba`` (``predict`` for regression), as shipped;
- ``check``: the input check every predict call starts with;
- ``drift``: the drift check on those rows;
- ``model_``: ``model_`` alone on checked rows (the pipelines, the ensemble
  and the decision wrappers, no drift check: what a distilled student is);
- ``table``: every TablePreprocessor in ``model_`` (``tables``: how many; an
  ensemble's members often share one), summed.

Usage: see benchmarks/README.md.
"""

import argparse
import pickle
import statistics
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import machine_line, write_text  # noqa: E402
from _suite import DEFAULT_MANIFEST, load_dataset, load_suite, outer_split, select  # noqa: E402

DEFAULT_DATASETS = "adult,phoneme,wine_quality_white,abalone"
STAGES = ("predict", "check", "drift", "model_", "table")


def split(name, manifest):
    """``X_train, y_train, X_test, task, time_column`` of the benchmark's outer split."""
    entry = select(load_suite(manifest, synthetic=False), [name])[0]
    X, y, task, groups, time_col = load_dataset(entry)
    train, test = outer_split(X, y, task, groups, time_col)
    return (X.iloc[train].reset_index(drop=True), y.iloc[train].reset_index(drop=True),
            X.iloc[test].reset_index(drop=True), task, time_col)


def fitted_model(name, manifest, budget, n_jobs, store):
    """The stored model for ``name``, fitted and stored first when there is none."""
    import automl

    path = Path(store) / f"{name}-{budget:g}s.pkl"
    X, y, X_test, task, time_col = split(name, manifest)
    if not path.exists():
        model = automl.AutoPipeline(time_budget=budget, task=task, time_column=time_col,
                                    n_jobs=n_jobs, random_state=0).fit(X, y)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(model))
        tmp.replace(path)
    return pickle.loads(path.read_bytes()), X_test


def tables(estimator):
    """Every TablePreprocessor inside a fitted ``estimator`` (pipelines, ensembles, wrappers)."""
    from automl.transformers import TablePreprocessor

    found = {}

    def walk(est):
        if isinstance(est, TablePreprocessor):
            found[id(est)] = est
            return
        # FrozenEstimator passes attribute lookups on: its steps are its estimator's
        for _, step in getattr(est, "steps", []):
            walk(step)
        for inner in [getattr(est, "estimator", None), *getattr(est, "estimators_", [])]:
            if inner is not None:
                walk(inner)

    walk(estimator)
    return list(found.values())


def median_ms(call, calls, min_seconds=1.0):
    call()  # warm
    times, start = [], time.perf_counter()
    while len(times) < calls or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def stages(model, rows, calls):
    """``{stage: ms}`` for one batch of raw ``rows``."""
    from automl._validation import check_predict_input

    method = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    checked = check_predict_input(model, rows)
    inner = tables(model.model_)

    def table():
        for t in inner:
            t.transform(checked)

    return {"predict": median_ms(lambda: getattr(model, method)(rows), calls),
            "check": median_ms(lambda: check_predict_input(model, rows), calls),
            "drift": median_ms(lambda: model._warn_drift(checked), calls),
            "model_": median_ms(lambda: getattr(model.model_, method)(checked), calls),
            "table": median_ms(table, calls), "tables": len(inner)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=DEFAULT_DATASETS)
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--store", default=str(HERE / ".work" / "predict-latency"))
    parser.add_argument("--label", default="", help="a name for the code version timed")
    parser.add_argument("--out", default="", help="Markdown file to write")
    args = parser.parse_args(argv)
    import automl

    warnings.simplefilter("ignore")  # drift warnings on the test rows are not timed apart
    lines = []
    for name in args.datasets.split(","):
        model, X_test = fitted_model(name, args.manifest, args.budget, args.n_jobs, args.store)
        for n_rows in (1, 1000):
            ms = stages(model, X_test.iloc[:n_rows], args.calls)
            lines.append(f"| {name} | {ms['tables']} | {n_rows:,} | "
                         + " | ".join(f"{ms[s]:.2f}" for s in STAGES) + " |")
            print(lines[-1], file=sys.stderr, flush=True)
    text = (f"# Predict time by stage{' (' + args.label + ')' if args.label else ''}\n\n"
            f"{machine_line()}\nCode: {Path(automl.__file__).parent}. Command: `python "
            f"benchmarks/bench_predict_latency.py --datasets {args.datasets} --budget "
            f"{args.budget:g} --n-jobs {args.n_jobs}`. Median ms of warm calls.\n\n"
            "| dataset | tables | rows | " + " | ".join(STAGES) + " |\n"
            + "|---" * (3 + len(STAGES)) + "|\n" + "\n".join(lines) + "\n")
    if args.out:
        write_text(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
