"""Cross-validating one candidate: what a worker process runs.

Everything here is a plain function of its arguments (plus a cache of the
data file a worker has already loaded), so that it runs the same in a local
worker process or on a Dask worker.
"""

import functools
import inspect
import os
import socket
import time
import warnings

import joblib
import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.base import clone, is_classifier
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing

from automl._metrics import score_predictions
from automl._task import is_classification
from automl.search._families import FAMILIES
from automl.search._label import LabelEncodedClassifier
from automl.search._space import MODEL_PREFIX, build_pipeline

EARLY_STOPPING_ROUNDS = 50
# HistGradientBoosting grows in warm-started chunks so that it can stop at a
# deadline: the first chunk's length, and the share of a fold's time left
# that the next chunk is sized to fill.
HGB_FIRST_CHUNK = 50
HGB_CHUNK_TIME_SHARE = 0.8
# scikit-learn's MLP trains in warm-started chunks of this many epochs, so
# that it too stops at a deadline.
MLP_CHUNK_EPOCHS = 10
# A fold's boosters stop at this share of the fold's fair share of the time
# left, keeping the rest for predicting, scoring and returning it.
FOLD_TIME_SHARE = 0.8
# Fold models larger than this (big forests) are not kept for fold bagging.
MAX_KEPT_BYTES = 200 * 2**20
# Fold tables shared by a process's candidates hold at most this many cells
# in all (float64: 400 MB).
MAX_SHARED_TABLE_CELLS = 50_000_000
_DATA_CACHE = {}
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
    """Raise :class:`CandidateTimeout` when the next fold cannot finish by ``deadline``.

    Too late to start means: the deadline has passed, or the folds so far
    took longer on average than the time left (a fold that would overrun is
    not started), unless the fold is ``cut_short`` at its own deadline (the
    families that stop by themselves, :func:`_fold_deadline`).
    """
    now = time.time()
    seconds = time.perf_counter() - start
    left = deadline - now
    if left <= 0 or (folds_done and not cut_short and seconds / folds_done > left):
        raise CandidateTimeout(
            f"stopped at the search deadline after {folds_done} of {n_folds} folds "
            f"({seconds:.1f} s)", folds_done, n_folds, seconds)


def load_data(path):
    """Load (once per process) the search data written by the driver.

    ``path`` may also be the data itself (a dict), as Dask hands over
    scattered data.
    """
    if isinstance(path, dict):
        return path
    if path not in _DATA_CACHE:
        _DATA_CACHE.clear()
        _DATA_CACHE[path] = joblib.load(path)
    return _DATA_CACHE[path]


def _xgb_deadline_callback(deadline):
    from xgboost.callback import TrainingCallback

    class StopAtDeadline(TrainingCallback):
        def after_iteration(self, model, epoch, evals_log):
            return time.time() > deadline

    return StopAtDeadline()


def _lgbm_deadline_callback(deadline):
    from lightgbm.callback import EarlyStopException

    def stop_at_deadline(env):
        if time.time() > deadline:
            raise EarlyStopException(env.iteration, env.evaluation_result_list)

    return stop_at_deadline


def _unwrap(final):
    if isinstance(final, TransformedTargetRegressor):
        return _unwrap(final.regressor)
    if isinstance(final, LabelEncodedClassifier):
        return _unwrap(final.estimator)
    return final


def _fitted_inner(final):
    if isinstance(final, TransformedTargetRegressor):
        return _fitted_inner(final.regressor_)
    if isinstance(final, LabelEncodedClassifier):
        return _fitted_inner(final.estimator_)
    return final


def _inner_target(final, y):
    """``y`` as the innermost fitted model of ``final`` saw it (through its target transforms)."""
    while isinstance(final, TransformedTargetRegressor):
        y = np.asarray(final.transformer_.transform(np.asarray(y).reshape(-1, 1))).ravel()
        final = final.regressor_
    return y


def _is_mlp(model):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    return isinstance(model, (MLPClassifier, MLPRegressor))


def _mlp_epochs(model):
    """The epochs an MLP's refit should train: to its best validation score, or all it trained.

    A fold fit cut short by its deadline thus gives a refit of the same
    length, which its refit time estimate assumes.
    """
    if model.early_stopping:
        return int(np.argmax(model.validation_scores_)) + 1
    return len(model.loss_curve_)


def _is_hgb(model):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    return isinstance(model, (HistGradientBoostingClassifier, HistGradientBoostingRegressor))


def _best_iteration(inner):
    if _is_hgb(inner):
        # the length it stopped at (early stopping or a deadline); one that ran
        # to max_iter refits as configured (max_iter is searched on time-ordered rows)
        return int(inner.n_iter_) if inner.n_iter_ < inner.max_iter else None
    for attr in ("best_iteration_", "best_iteration"):
        value = getattr(inner, attr, None)
        if value is not None:
            try:
                value = int(value)
            except (TypeError, ValueError):
                continue
            if value > 0:
                return value + (attr == "best_iteration")  # xgboost counts from 0
    return None


def fit_candidate(pipe, X, y, task, deadline, random_state=0, time_ordered=False):
    """Fit ``pipe``; boosters get early stopping on a split of ``X``.

    The split is a random (stratified) 10 %, or, when the rows are in time
    order (``time_ordered``), the latest 10 %: validating on the past would
    reward rounds that only interpolate in time.

    Returns the fitted pipeline's predicting parts ``(head, final)`` and the
    best boosting iteration (None for other models). The head is every step
    before the model; samplers in it act only during this fit.
    """
    final = pipe.steps[-1][1]
    inner = _unwrap(final)
    kind = type(inner).__module__.split(".")[0]
    if _is_hgb(inner):
        head = pipe[:-1]
        fit_hgb_until(final, *_fit_head(head, X, y), deadline)
        return head, final, _best_iteration(_fitted_inner(final))
    if _is_mlp(inner):
        head = pipe[:-1]
        fit_mlp_until(final, *_fit_head(head, X, y), deadline)
        return head, final, _mlp_epochs(_fitted_inner(final))
    if kind not in ("xgboost", "lightgbm"):
        pipe.fit(X, y)
        final = pipe.steps[-1][1]
        return pipe[:-1], final, _best_iteration(_fitted_inner(final))
    stratify, n_val = None, max(1, int(0.1 * len(y)))
    if time_ordered:
        idx_fit, idx_val = np.arange(len(y) - n_val), np.arange(len(y) - n_val, len(y))
    else:
        if is_classification(task):
            counts = np.unique(y, return_counts=True)[1]
            if counts.min() > 1 and len(y) - n_val >= len(counts):
                stratify, n_val = y, max(n_val, len(counts))
        idx_fit, idx_val = train_test_split(
            np.arange(len(y)), test_size=n_val, random_state=random_state, stratify=stratify
        )
    head = pipe[:-1]
    Xt, yt = _fit_head(head, _safe_indexing(X, idx_fit), y[idx_fit])
    Xv, yv = _transform(head, _safe_indexing(X, idx_val)), y[idx_val]
    if isinstance(final, TransformedTargetRegressor):
        yv = final.func(yv)
    if kind == "xgboost":
        inner.set_params(early_stopping_rounds=EARLY_STOPPING_ROUNDS,
                         callbacks=[_xgb_deadline_callback(deadline)])
        final.fit(Xt, yt, eval_set=[(Xv, yv)], verbose=False)
        # the callback is a local class: drop it so the fitted model pickles
        inner.set_params(callbacks=None)
        _fitted_inner(final).set_params(callbacks=None)
    else:
        from lightgbm import early_stopping

        _fit_lgbm_validated(final, Xt, yt, Xv, yv, callbacks=[
            early_stopping(EARLY_STOPPING_ROUNDS, verbose=False),
            _lgbm_deadline_callback(deadline),
        ])
    return head, final, _best_iteration(_fitted_inner(final))


def _fit_lgbm_validated(model, Xt, yt, Xv, yv, callbacks):
    """Fit a LightGBM model with ``(Xv, yv)`` as its validation set.

    LightGBM 4.7 renamed ``eval_set`` to ``eval_X`` and ``eval_y`` and warns
    on the old name, but its ``LGBMClassifier`` does not label-encode
    ``eval_y`` (LightGBM issue #7400): string labels fail and integer labels
    other than ``0..k-1`` are scored against the wrong classes. Classifiers
    therefore keep ``eval_set`` (its deprecation warning silenced) while
    LightGBM still takes it; regressors, and versions without ``eval_set``,
    take ``eval_X``/``eval_y``; versions without those take ``eval_set``.
    """
    takes = _lgbm_fit_parameters()
    if "eval_X" in takes and not (is_classifier(model) and "eval_set" in takes):
        model.fit(Xt, yt, eval_X=(Xv,), eval_y=(yv,), callbacks=callbacks)
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*'eval_set' is deprecated")
        model.fit(Xt, yt, eval_set=[(Xv, yv)], callbacks=callbacks)


@functools.cache
def _lgbm_fit_parameters():
    from lightgbm import LGBMModel

    return frozenset(inspect.signature(LGBMModel.fit).parameters)


def _fit_head(head, X, y):
    """Fit the steps before the model; ``(X, y)`` as the model sees them (resampled or not)."""
    if not head.steps:
        return X, y
    if hasattr(head.steps[-1][1], "fit_resample"):
        return head.fit_resample(X, y)
    return head.fit_transform(X, y), y


def fit_hgb_until(final, X, y, deadline):
    """Fit a HistGradientBoosting model (or one in a ``TransformedTargetRegressor``) by a deadline.

    The model grows in warm-started chunks: :data:`HGB_FIRST_CHUNK`
    iterations, then chunks sized from the measured time per iteration to
    fill :data:`HGB_CHUNK_TIME_SHARE` of the time left, until it stops early,
    reaches its ``max_iter`` or passes ``deadline`` (a ``time.time()``).
    Early stopping keeps its validation split and score history across
    chunks (scikit-learn's warm start). The fitted model keeps the
    parameters it was built with; ``n_iter_`` says how far it got.
    """
    inner = _unwrap(final)
    max_iter, warm_start = inner.max_iter, inner.warm_start
    start = time.time()
    inner.set_params(warm_start=True, max_iter=min(max_iter, HGB_FIRST_CHUNK))
    final.fit(X, y)  # a TransformedTargetRegressor fits a clone: continue on that
    model = _fitted_inner(final)
    y_model = _inner_target(final, y)
    while model.n_iter_ == model.max_iter < max_iter and time.time() < deadline:
        per_iter = (time.time() - start) / model.n_iter_
        left = HGB_CHUNK_TIME_SHARE * (deadline - time.time())
        chunk = max(1, min(max_iter - model.n_iter_, int(left / max(per_iter, 1e-9))))
        model.set_params(max_iter=model.n_iter_ + chunk).fit(X, y_model)
    for estimator in (inner, model):  # the same object unless in a TransformedTargetRegressor
        estimator.set_params(max_iter=max_iter, warm_start=warm_start)
    return final


def fit_mlp_until(final, X, y, deadline):
    """Fit a scikit-learn MLP (or one inside target transforms) by a deadline.

    The network trains :data:`MLP_CHUNK_EPOCHS` epochs at a time, warm
    started, until it stops itself (early stopping, or no progress of its
    training loss), reaches its ``max_iter`` epochs or passes ``deadline``
    (a ``time.time()``). Each chunk restarts Adam's moment estimates; the
    weights, the best score and the count of epochs without progress carry
    over. The fitted model keeps the parameters it was built with.
    """
    inner = _unwrap(final)
    max_iter, warm_start = inner.max_iter, inner.warm_start
    inner.set_params(warm_start=True, max_iter=min(max_iter, MLP_CHUNK_EPOCHS))
    final.fit(X, y)  # target transforms fit a clone: continue on that
    model = _fitted_inner(final)
    y_model = _inner_target(final, y)
    epochs = model.n_iter_
    while model.n_iter_ == model.max_iter and epochs < max_iter and time.time() < deadline:
        model.set_params(max_iter=min(MLP_CHUNK_EPOCHS, max_iter - epochs)).fit(X, y_model)
        epochs += model.n_iter_
    for estimator in (inner, model):
        estimator.set_params(max_iter=max_iter, warm_start=warm_start)
    return final


def _transform(head, X):
    for _, step in head.steps:
        if step not in (None, "passthrough") and not hasattr(step, "fit_resample"):
            # samplers act at fit time only
            X = step.transform(X)
    return X


def predict_candidate(head, final, X, task, classes, timings=None):
    """Predictions of a fitted candidate: aligned probabilities or values.

    ``timings``, a list, gets ``(table_seconds, rest_seconds)``: the time of
    the first step (the table preprocessor, shared by ensemble members) and
    of everything after it.
    """
    start = time.perf_counter()
    Xt = _transform(head[:1], X)
    table_done = time.perf_counter()
    pred = _predict(final, _transform(head[1:], Xt), task, classes)
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
    share of the time left (:func:`_fold_deadline`).
    """
    start = time.perf_counter()
    data = load_data(data_path)
    X, y, folds, classes, table = data["X"], data["y"], data["folds"], data["classes"], data["table"]
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
        fold_deadline = _fold_deadline(deadline, len(folds) - len(scores))
        time_ordered = ctx.extra.get("time_ordered", False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if shared is None:
                head, final, best_iter = fit_candidate(
                    pipe, _safe_indexing(X, train), y[train], task, fold_deadline,
                    ctx.random_state, time_ordered=time_ordered)
                pred = predict_candidate(head, final, _safe_indexing(X, test), task, classes,
                                         timings)
            else:
                fitted_table, Xt_train, Xt_test, table_seconds = shared
                rest, final, best_iter = fit_candidate(
                    Pipeline(pipe.steps[1:]), Xt_train, y[train], task, fold_deadline,
                    ctx.random_state, time_ordered=time_ordered)
                pipe.steps[0] = ("table", fitted_table)  # the fold's pipeline, whole
                started = time.perf_counter()
                pred = _predict(final, _transform(rest, Xt_test), task, classes)
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
        X, y = data["X"], data["y"]
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


def _fold_deadline(deadline, folds_left):
    """When a fold's boosters stop: its fair share of the time left, less room to score it.

    So that a candidate whose boosters would not all finish in time ends with
    every fold scored (on shorter models) rather than stopped between folds.
    """
    now = time.time()
    return now + FOLD_TIME_SHARE * max(0.0, deadline - now) / max(1, folds_left)


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


def refit_config(config, best_iteration):
    """The config for a refit on all rows: boosters and MLPs keep their length from the CV fits.

    ``n_estimators`` for XGBoost and LightGBM; ``max_iter`` without early
    stopping for HistGradientBoosting and the MLP (its epochs; each build
    reads its own keys). The length grows by 10 % for the larger training
    set.
    """
    config = dict(config)
    if best_iteration:
        length = max(1, int(round(best_iteration * 1.1)))
        config[MODEL_PREFIX + "n_estimators"] = length
        config[MODEL_PREFIX + "max_iter"] = length
        config[MODEL_PREFIX + "early_stopping"] = False
    return config
