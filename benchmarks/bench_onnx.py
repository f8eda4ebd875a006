"""The distilled student in scikit-learn and in the ONNX runtime: latency, agreement, file size.

Per dataset: the stored AutoPipeline of bench_predict_latency.py (fitted
and stored first when missing, same ``--store``), distilled
(``time_budget=--distill-budget``), exported with ``automl.to_onnx``. On
the first 1 and 1,000 test rows, the median wall time of warm calls of the
student's ``predict_proba`` (``predict`` for regression) and of the ONNX
runtime's ``run`` on ``onnx_inputs`` of the same rows (the feed's
conversion counted: it is what a caller pays), one thread each; on all test
rows, the largest difference of their outputs and the share of equal
labels; and the sizes of the student's skops file and of the ONNX file.

Usage: see benchmarks/README.md.
"""

import argparse
import os
import sys
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import machine_line, write_text  # noqa: E402
from _suite import DEFAULT_MANIFEST  # noqa: E402
from bench_predict_latency import fitted_model, median_ms  # noqa: E402

COLUMNS = ("sklearn 1 row", "onnx 1 row", "speed-up", "sklearn 1k rows", "onnx 1k rows",
           "speed-up 1k", "max diff", "same labels", "skops KB", "onnx KB")


def one_thread(student):
    """The student, its booster set to predict on one thread (as the runtime's session)."""
    inner = student
    while not hasattr(inner, "steps"):  # FixedThresholdClassifier, FrozenEstimator
        inner = getattr(inner, "estimator_", None) or inner.estimator
    booster = inner.steps[-1][1]
    if "n_jobs" in booster.get_params():
        booster.set_params(n_jobs=1)
    return student


def session_of(graph):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return ort.InferenceSession(graph.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def file_kb(student, graph):
    import automl

    with tempfile.TemporaryDirectory() as tmp:
        automl.save(student, Path(tmp) / "student.skops")
        skops = os.path.getsize(Path(tmp) / "student.skops")
    return skops / 1024, len(graph.SerializeToString()) / 1024


def compare(student, graph, X_test, calls):
    """The row of COLUMNS for one student."""
    import numpy as np
    from automl import onnx_inputs

    session = session_of(graph)
    classifier = hasattr(student, "predict_proba")
    ours = student.predict_proba if classifier else student.predict
    index = 1 if classifier else 0  # probabilities, or the regressor's variable

    def onnx(rows):
        return session.run(None, onnx_inputs(graph, rows))

    ms = {}
    for n in (1, 1000):
        rows = X_test.iloc[:n]
        ms[n] = (median_ms(lambda: ours(rows), calls), median_ms(lambda: onnx(rows), calls))
    out = onnx(X_test)
    diff = float(np.max(np.abs(np.asarray(out[index]).reshape(len(X_test), -1)
                               - np.asarray(ours(X_test)).reshape(len(X_test), -1))))
    same = float(np.mean(out[0] == student.predict(X_test))) if classifier else float("nan")
    skops_kb, onnx_kb = file_kb(student, graph)
    return [ms[1][0], ms[1][1], ms[1][0] / ms[1][1], ms[1000][0], ms[1000][1],
            ms[1000][0] / ms[1000][1], diff, same, skops_kb, onnx_kb]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="adult,phoneme,abalone")
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    parser.add_argument("--budget", type=float, default=30.0, help="the teacher's fit")
    parser.add_argument("--distill-budget", type=float, default=30.0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--store", default=str(HERE / ".work" / "predict-latency"))
    parser.add_argument("--out", default="", help="Markdown file to write")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    from automl import to_onnx
    from automl._distill import distill
    from bench_predict_latency import split

    warnings.simplefilter("ignore")
    lines = []
    for name in args.datasets.split(","):
        model, X_test = fitted_model(name, args.manifest, args.budget, args.n_jobs, args.store)
        X, y = split(name, args.manifest)[:2]
        student = one_thread(distill(model, X, y, time_budget=args.distill_budget,
                                     random_state=0))
        with threadpool_limits(1):
            row = compare(student, to_onnx(student), X_test, args.calls)
        lines.append(f"| {name} | " + " | ".join(
            "-" if v != v else  # NaN: no labels for regression
            f"{v:.2f}x" if "speed" in c else f"{v:.0%}" if c == "same labels" else
            f"{v:.1e}" if c == "max diff" else f"{v:.2f}" for c, v in zip(COLUMNS, row)) + " |")
        print(lines[-1], file=sys.stderr, flush=True)
    text = (f"# The distilled student in scikit-learn and in ONNX\n\n{machine_line()}\n"
            f"Command: `python benchmarks/bench_onnx.py --datasets {args.datasets} --budget "
            f"{args.budget:g} --distill-budget {args.distill_budget:g} --n-jobs {args.n_jobs}`. "
            "Median ms of warm calls on one thread; the ONNX call includes building its "
            "inputs.\n\n| dataset | " + " | ".join(COLUMNS) + " |\n"
            + "|---" * (1 + len(COLUMNS)) + "|\n" + "\n".join(lines) + "\n")
    if args.out:
        write_text(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
