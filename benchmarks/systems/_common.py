"""What every system script shares: read the task, time fit and predict, write predictions.

A system script runs in its own interpreter (a peer's virtual environment), so
this module needs only the standard library, numpy and pandas (with pyarrow
for Parquet). The driver (``compare_systems.py``) writes, per dataset:

- ``task.json``: ``target``, ``task`` (binary, multiclass, regression),
  ``classes`` (training labels, sorted), ``budget`` (seconds), ``n_jobs``,
  ``seed``, ``group_column``, ``time_column``, ``categorical_columns``;
- ``train.parquet``: the training rows, target (and group column) included;
- ``test_X.parquet``: the test rows without the target.

A system calls :func:`run_system` with a function ``fit(train, task)`` that
returns ``(predict, info)``: ``predict(test_X)`` gives ``(labels, proba,
proba_classes)`` and ``info`` is a dict of anything worth reporting. This
module writes ``predictions.parquet`` (``pred`` and ``proba_<i>`` in the order
of ``task["classes"]``) and ``info.json`` (fit and predict seconds, the
latency of one call on 1 row and on 1,000 rows, versions).
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path


def parse_args(extra=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", required=True, help="the dataset folder with task.json")
    parser.add_argument("--out", required=True, help="folder for predictions and info")
    for name, kwargs in (extra or {}).items():
        parser.add_argument(name, **kwargs)
    return parser.parse_args()


def read_task(folder):
    import pandas as pd

    folder = Path(folder)
    task = json.loads((folder / "task.json").read_text())
    train = pd.read_parquet(folder / "train.parquet")
    test_X = pd.read_parquet(folder / "test_X.parquet")
    return task, train, test_X


def order_proba(proba, proba_classes, classes):
    """Columns of ``proba`` reordered to ``classes`` (matched as strings)."""
    import numpy as np

    position = {str(c): i for i, c in enumerate(proba_classes)}
    missing = [c for c in classes if str(c) not in position]
    if missing:
        raise ValueError(f"the system's probabilities have no column for classes {missing}")
    return np.asarray(proba, dtype=float)[:, [position[str(c)] for c in classes]]


def write_json_atomic(path, payload):
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1, default=str))
    os.replace(tmp, path)


def group_folds(groups, n_folds):
    """Fold numbers ``0..k-1``, one per row, that keep each group in one fold.

    ``k = min(n_folds, number of groups)``. Groups are dealt largest first to
    the fold with the fewest rows so far (scikit-learn's ``GroupKFold``
    rule), so folds are about equal in rows. For systems that take folds as
    a column (AutoGluon's ``groups``).
    """
    import numpy as np
    import pandas as pd

    sizes = pd.Series(groups).value_counts(sort=False)
    sizes = sizes.iloc[np.argsort(-sizes.to_numpy(), kind="stable")]
    rows = np.zeros(min(n_folds, len(sizes)), dtype=int)
    fold_of = {}
    for group, size in sizes.items():
        fold = int(np.argmin(rows))
        fold_of[group] = fold
        rows[fold] += size
    return pd.Series(groups).map(fold_of).to_numpy()


def call_latency(predict, test_X, single_calls=20, batch_calls=3, batch_rows=1000):
    """Median milliseconds of one ``predict`` call on 1 row and on ``batch_rows`` rows.

    What a model behind an API pays per request, fixed costs included
    (validation, column handling), unlike the whole test split's time per
    row. Measured after a first call, as a serving process would be warm.
    Keys ``predict_ms_1_row`` and ``predict_ms_1k_rows`` (the first
    ``batch_rows`` test rows, fewer when the split has fewer).
    """
    def median_ms(rows, calls):
        times = []
        for _ in range(calls):
            t0 = time.perf_counter()
            predict(rows)
            times.append(time.perf_counter() - t0)
        return 1000 * statistics.median(times)

    return {"predict_ms_1_row": median_ms(test_X.iloc[:1], single_calls),
            "predict_ms_1k_rows": median_ms(test_X.iloc[:batch_rows], batch_calls)}


def run_system(fit, args):
    """Fit on the training rows, predict the test rows, write what the driver reads."""
    import numpy as np
    import pandas as pd

    task, train, test_X = read_task(args.task)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    predict, info = fit(train, task)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    labels, proba, proba_classes = predict(test_X)
    predict_s = time.perf_counter() - t0
    frame = pd.DataFrame({"pred": np.asarray(labels).astype(str) if task["task"] != "regression"
                          else np.asarray(labels, dtype=float)})
    if task["task"] != "regression":
        ordered = order_proba(proba, proba_classes, task["classes"])
        for i in range(ordered.shape[1]):
            frame[f"proba_{i}"] = ordered[:, i]
    tmp = out / "predictions.parquet.tmp"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, out / "predictions.parquet")
    latency = call_latency(predict, test_X)
    write_json_atomic(out / "info.json", {"fit_s": fit_s, "predict_s": predict_s, **latency,
                                          **info})
