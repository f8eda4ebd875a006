"""Cross-validating one candidate: what a worker process runs.

Everything here is a plain function of its arguments (plus a cache of the
data file a worker has already loaded), so that it runs the same in a local
worker process or on a Dask worker.
"""

import os
import socket
import time
import warnings

import joblib
import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.utils import _safe_indexing

from automl._budget import fold_deadline, time_for_fold
from automl._metrics import score_predictions
from automl._task import is_classification
from automl.search._data import load_data
from automl.search._space import build_pipeline
from automl.search.families import FAMILIES
from automl.search.families._steps import transform_head

# Fold models larger than this (big forests) are not kept for fold bagging.
MAX_KEPT_BYTES = 200 * 2**20
# Fold tables shared by a process's candidates hold at most this many cells
# in all (float64: 400 MB).
MAX_SHARED_TABLE_CELLS = 50_000_000
_TABLE_CACHE = {}


class CandidateTimeout(Exception):
    """Raised in a worker when a candidate passes its deadline between folds.

    ``folds_done`` of ``n_folds`` were fitted in ``seconds``.
    """

    def __init__(self, message, folds_done=0, n_folds=0, seconds=0.0):
        super().__init__(message)
        self.folds_done, self.n_folds, self.seconds = folds_done, n_folds, seconds

    def __reduce__(self):  # raised in worker processes: keep the numbers through pickling
        return type(self), (str(self), self.folds_done, self.n_folds, self.seconds)


def _check_time_for_fold(deadline, start, folds_done, n_folds, cut_short=False):
    """Raise :class:`CandidateTimeout` when the next fold may not start (:func:`time_for_fold`)."""
    seconds = time.perf_counter() - start
    if not time_for_fold(seconds, folds_done, deadline - time.time(), cut_short):
        raise CandidateTimeout(
            f"stopped at the search deadline after {folds_done} of {n_folds} folds "
            f"({seconds:.1f} s)", folds_done, n_folds, seconds)


def predict_candidate(head, final, X, task, classes, timings=None):
    """Predictions of a fitted candidate: aligned probabilities or values.

    ``timings``, a list, gets ``(table_seconds, rest_seconds)``: the time of
    the first step (the table preprocessor, shared by ensemble members) and
    of everything after it.
    """
    start = time.perf_counter()
    Xt = transform_head(head[:1], X)
    table_done = time.perf_counter()
    pred = _predict(final, transform_head(head[1:], Xt), task, classes)
    if timings is not None:
        timings.append((table_done - start, time.perf_counter() - table_done))
    return pred


def _predict(final, Xt, task, classes):
    if not is_classification(task):
        return np.asarray(final.predict(Xt), dtype=float)
    proba = np.asarray(final.predict_proba(Xt), dtype=np.float64)
    # float32 engines (XGBoost) sum to 1 only within 1e-7: renormalise
    proba /= proba.sum(axis=1, keepdims=True)
    full = np.zeros((proba.shape[0], len(classes)))
    full[:, np.searchsorted(classes, final.classes_)] = proba
    return full


def evaluate_candidate(data_path, family_name, config, ctx, scorer, deadline, train_fraction=1.0,
                       keep_path=None, keep_threshold=-np.inf, deadline_path=None):
    """Cross-validate one candidate on the driver's folds.

    Returns a dict with the fold scores, the out-of-fold predictions
    (averaged over repeats; NaN for rows never in a test fold), the fit time,
    the median best boosting iteration and ``models_path``: where the fitted
    fold pipelines were saved (for fold bagging), or None. They are saved to
    ``keep_path`` when it is given, the candidate used all training rows,
    its mean score reaches ``keep_threshold``, and the file stays under
    ``MAX_KEPT_BYTES``.

    ``deadline`` is when the driver stops waiting; the driver may move it
    earlier while the candidate runs (it keeps more time for the refit as
    better candidates finish) and writes the new one to ``deadline_path``,
    which is read before each fold. Each fold's boosters stop at the fold's
    share of the time left (:func:`automl._budget.fold_deadline`).
    """
    start = time.perf_counter()
    data = load_data(data_path)
    X, y, folds, classes, table = data.X, data.y, data.folds, data.classes, data.table
    family = FAMILIES[family_name]
    task = ctx.task
    shape = (len(y), len(classes)) if is_classification(task) else (len(y),)
    oof_sum, oof_count = np.zeros(shape), np.zeros(len(y))
    scores, iterations, fitted, timings = [], [], [], []
    rng = np.random.RandomState(ctx.random_state)
    for i, (train, test) in enumerate(folds):
        deadline = min(deadline, read_deadline(deadline_path))
        _check_time_for_fold(deadline, start, i, len(folds), family.stops_at_deadline)
        if train_fraction < 1.0:
            keep = rng.choice(len(train), max(20, int(train_fraction * len(train))), replace=False)
            train = train[np.sort(keep)]  # a subset, in the fold's (time) order
        pipe = build_pipeline(family, config, ctx, clone(table))  # one table per fold
        shared = _shared_fold_table(data, i, pipe, train, test) if train_fraction == 1.0 else None
        fold_end = fold_deadline(deadline, len(folds) - len(scores))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if shared is None:
                head, final, best_iter = family.fit(
                    pipe, _safe_indexing(X, train), y[train], ctx, fold_end)
                pred = predict_candidate(head, final, _safe_indexing(X, test), task, classes,
                                         timings)
            else:
                fitted_table, Xt_train, Xt_test, table_seconds = shared
                rest, final, best_iter = family.fit(
                    Pipeline(pipe.steps[1:]), Xt_train, y[train], ctx, fold_end)
                pipe.steps[0] = ("table", fitted_table)  # the fold's pipeline, whole
                started = time.perf_counter()
                pred = _predict(final, transform_head(rest, Xt_test), task, classes)
                timings.append((table_seconds, time.perf_counter() - started))
        scores.append(score_predictions(scorer, task, y[test], pred, classes))
        if keep_path is not None and not _repeats(folds, len(fitted), len(y)):
            fitted.append(pipe)  # one model per row: the first partition's folds
        oof_sum[test] += pred
        oof_count[test] += 1
        if best_iter is not None:
            iterations.append(best_iter)
    seen = oof_count > 0
    oof = np.full(shape, np.nan)
    oof[seen] = (oof_sum[seen].T / oof_count[seen]).T
    fit_time = time.perf_counter() - start
    models_path = None
    if keep_path is not None and train_fraction == 1.0 and np.mean(scores) >= keep_threshold:
        models_path = _save_fold_models(fitted, keep_path)
    return {
        "scores": scores,
        "oof": oof,
        "fit_time": fit_time,
        "best_iteration": int(np.median(iterations)) if iterations else None,
        "models_path": models_path,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        # predict seconds per row: (table preprocessor, the rest of the pipeline)
        "predict_time": tuple(float(np.sum(part)) / max(1, int(oof_count.sum()))
                              for part in zip(*timings)),
    }


def _shared_fold_table(data, fold, pipe, train, test):
    """``(fitted table, train rows out, test rows out, test transform seconds)``, or None.

    The table preprocessor is fitted on the fold's training rows only, so
    its output can serve every candidate of this process that starts with
    the same table parameters (leak-free: the test rows never fit it). It is
    computed once and kept while the outputs of all folds stay under
    :data:`MAX_SHARED_TABLE_CELLS`; None (fit it with the candidate) beyond.
    """
    table = pipe.steps[0][1]
    if _TABLE_CACHE.get("data") is not data:
        _TABLE_CACHE.clear()
        _TABLE_CACHE.update(data=data, cells=0, entries={})
    key = (fold, repr(sorted(table.get_params().items())))
    entries = _TABLE_CACHE["entries"]
    if key not in entries:
        X, y = data.X, data.y
        if _TABLE_CACHE["cells"] + X.shape[0] * X.shape[1] > MAX_SHARED_TABLE_CELLS:
            return None
        fitted = clone(table)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Xt_train = fitted.fit_transform(_safe_indexing(X, train), y[train])
            started = time.perf_counter()
            Xt_test = fitted.transform(_safe_indexing(X, test))
        entries[key] = (fitted, Xt_train, Xt_test, time.perf_counter() - started)
        _TABLE_CACHE["cells"] += (len(Xt_train) + len(Xt_test)) * Xt_train.shape[1]
    return entries[key]


def clear_shared_tables():
    """Forget the fold tables this process keeps (:func:`_shared_fold_table`)."""
    _TABLE_CACHE.clear()


def write_deadline(path, deadline):
    """Record ``deadline`` (a ``time.time()``) for the running candidates, atomically."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as fh:
        fh.write(repr(float(deadline)))
    os.replace(tmp, path)


def read_deadline(path):
    """The deadline recorded at ``path``; infinity when there is none to read."""
    if path is None:
        return np.inf
    try:
        with open(path) as fh:
            return float(fh.read())
    except (OSError, ValueError):
        return np.inf


def _repeats(folds, n_kept, n_samples):
    """Whether the fold after ``n_kept`` kept ones starts a repeat of the partition."""
    seen = np.zeros(n_samples, dtype=bool)
    for _, test in folds[:n_kept]:
        seen[test] = True
    return n_kept > 0 and (seen.all() or seen[folds[n_kept][1]].any())


def _save_fold_models(pipelines, path):
    """Dump the fitted fold pipelines; None if the file would be too large."""
    joblib.dump(pipelines, path)
    if os.path.getsize(path) > MAX_KEPT_BYTES:
        os.remove(path)
        return None
    return path

