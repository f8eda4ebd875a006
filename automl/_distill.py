"""Distillation: one booster trained to mimic a fitted AutoPipeline.

An ensemble of pipelines predicts well but is large and slow. :func:`distill`
trains a *student*, a single gradient-boosted model on the table
preprocessing, on the *teacher*'s outputs rather than on the labels:

1. Rows. The rows given (the training rows, usually) plus synthetic rows
   drawn to cover the region the teacher sees: copies of random rows in
   which each value is, with probability ``SWAP_PROBABILITY``, replaced by
   the same column's value in another random row (per-column resampling, the
   "spunge" of Liu et al. and of AutoGluon's ``distill``; unlike a Gaussian
   it keeps each column's own values, categories and gaps). On the real
   rows the teacher's outputs carry little beyond the labels; on the
   synthetic rows they are information the labels cannot give.
2. Targets. For classification the teacher's class probabilities, fitted
   exactly with the cross-entropy against soft labels: each row enters once
   per class, labelled with that class and weighted by the teacher's
   probability of it (the gradient of the weighted rows is that of the soft
   log loss; rows of weight below ``MIN_SOFT_WEIGHT`` are left out). A
   regressor per class on logits would need a wrapper class of our own; a
   classifier on sampled hard labels throws the probabilities away. This way
   the student stays a plain ``LGBMClassifier`` (or
   ``HistGradientBoostingClassifier``) with ``predict_proba`` and
   ``classes_``. For regression, the teacher's predictions, squared loss.
3. Size. A fifth of the real rows (``HOLDOUT_SHARE``) is held out; each
   size in ``LEAVES`` is trained on the rest, and the number of rounds and
   the size are chosen by the teacher's metric against the *true* labels of
   the held-out rows (against the teacher's outputs, when no labels are
   given; ties go to the student closer to the teacher), scored at up to
   ``N_CHECKPOINTS`` numbers of rounds; training stops when the held-out
   loss to the teacher has not improved for ``STOPPING_ROUNDS`` rounds.
   The chosen size is then refitted on all the rows when the time left
   allows it (else the validated student is cut to the chosen rounds).
4. Decision. For binary tasks, ``predict`` uses the teacher's tuned
   threshold (``threshold_``) through scikit-learn's
   ``FixedThresholdClassifier``, so that student and teacher decide alike.

The budget is kept as ``AutoPipeline.fit`` keeps it: the teacher's
predictions are timed on a probe first, and the rows they are asked for
are cut to fit ``TEACHER_SHARE`` of the budget; the boosters stop at their
deadline after any round; the refit is skipped when it would not fit.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import FixedThresholdClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted, check_random_state
from threadpoolctl import threadpool_limits

from automl._metrics import resolve_scorer, score_predictions
from automl._task import is_classification
from automl._validation import check_predict_input
from automl.drift import DataDriftWarning
from automl.transformers import TablePreprocessor

STUDENTS = ("auto", "lightgbm", "hist_gradient_boosting")
# Candidate sizes: leaves per tree. Rounds: at most MAX_ROUNDS, scored every CHECKPOINT
# rounds or more (at most N_CHECKPOINTS times); early stopping after STOPPING_ROUNDS.
LEAVES = (15, 63)
MAX_ROUNDS = 1000
CHECKPOINT = 10
N_CHECKPOINTS = 25
STOPPING_ROUNDS = 50
LEARNING_RATE = 0.05
HOLDOUT_SHARE = 0.2
MIN_ROWS = 20
# Synthetic rows: this many per real training row, at most MAX_ROWS rows in all.
SYNTHETIC_PER_ROW = 1.0
SWAP_PROBABILITY = 0.3
MAX_ROWS = 200_000
# Share of the budget for the teacher's predictions, and of the time left for the candidates.
TEACHER_SHARE = 0.3
CANDIDATE_SHARE = 0.55
MIN_SOFT_WEIGHT = 1e-3
# The booster trains on one thread below this many (expanded) rows.
MIN_ROWS_FOR_THREADS = 100_000


def distill(model, X=None, y=None, *, time_budget=60, student="auto", augment=True,
            random_state=None):
    """Train one booster to mimic a fitted AutoPipeline: a small, fast model to ship.

    Parameters
    ----------
    model : AutoPipeline, AutoClassifier or AutoRegressor
        The fitted teacher.
    X : DataFrame or array-like of shape (n_samples, n_features)
        Rows to distil on: the training rows, ideally (the teacher does not
        keep them; None raises a ``ValueError`` saying so).
    y : array-like of shape (n_samples,), default=None
        Their true labels, used only to choose the student's size on
        held-out rows. None: chosen by fidelity to the teacher instead.
    time_budget : float, default=60
        Seconds; ``distill`` returns within ``time_budget + max(5, 0.1 *
        time_budget)``.
    student : {"auto", "lightgbm", "hist_gradient_boosting"}, default="auto"
        The booster; ``"auto"`` is LightGBM.
    augment : bool, default=True
        Add synthetic rows (see the module's notes).
    random_state : int, default=None
        Seed of the holdout, the synthetic rows and the booster; None means 0.

    Returns
    -------
    student : sklearn.pipeline.Pipeline or FixedThresholdClassifier
        ``Pipeline([("table", TablePreprocessor), ("model", booster)])``
        with the teacher's ``classes_`` and ``feature_names_in_``; for binary
        tasks with a tuned threshold, wrapped in
        ``FixedThresholdClassifier``. Its ``distillation_`` attribute (a
        dict) records the choice: size, rounds, rows, held-out scores of
        teacher and student, fidelity, seconds.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from automl import AutoClassifier
    >>> from automl._distill import distill
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> teacher = AutoClassifier(time_budget=60, max_trials=1, models=["logistic_regression"],
    ...                          cv=3, n_jobs=1, random_state=0).fit(X, y)
    >>> small = distill(teacher, X, y, time_budget=10, random_state=0)
    >>> small.predict(X.iloc[:3]).shape, small.predict_proba(X.iloc[:3]).shape
    ((3,), (3, 2))
    >>> bool((small.predict(X) == teacher.predict(X)).mean() > 0.9)
    True
    """
    start = time.monotonic()
    _check_params(time_budget, student, augment, random_state)
    deadline = start + float(time_budget)
    task = _check_teacher(model)
    X, y = _check_rows(model, X, y, task)
    rng = check_random_state(0 if random_state is None else random_state)
    seed = int(rng.randint(2**31 - 1))
    kind = "lightgbm" if student == "auto" else student

    rows = _rows_and_targets(model, X, y, task, augment, time_budget, rng)
    candidates, chosen = _choose_size(model, kind, task, rows, deadline, seed)
    best = candidates[chosen["leaves"]]
    refit = _refit(model, kind, task, rows, chosen, best, deadline, seed)
    final = refit if refit is not None else best["pipeline"]
    if kind == "lightgbm":  # one thread predicts a row or a batch fastest behind an API
        final.named_steps["model"].set_params(n_jobs=1)
    result = _decision(model, final, task, X)
    result.distillation_ = _record(model, kind, rows, chosen, refit is not None,
                                   time.monotonic() - start, time_budget)
    return result


# ------------------------------------------------------------------ checks
def _check_params(time_budget, student, augment, random_state):
    if isinstance(time_budget, bool) or not isinstance(time_budget, Real) or \
            not time_budget > 0:
        raise ValueError(f"time_budget must be a positive number of seconds; got "
                         f"{time_budget!r}.")
    if student not in STUDENTS:
        raise ValueError(f"student must be one of {', '.join(map(repr, STUDENTS))}; got "
                         f"{student!r}.")
    if not isinstance(augment, (bool, np.bool_)):
        raise TypeError(f"augment must be True or False; got {augment!r}.")
    if random_state is not None and (isinstance(random_state, bool) or
                                     not isinstance(random_state, Integral) or
                                     random_state < 0):
        raise ValueError(f"random_state must be a non-negative integer or None; got "
                         f"{random_state!r}.")


def _check_teacher(model):
    from automl._auto import AutoPipeline

    if not isinstance(model, AutoPipeline):
        raise TypeError("distill needs a fitted AutoPipeline, AutoClassifier or "
                        f"AutoRegressor as the teacher; got {type(model).__name__}.")
    check_is_fitted(model)
    return model.task_


def _check_rows(model, X, y, task):
    """``X`` as the teacher validates it (its columns, in order) and ``y`` as an array."""
    if X is None:
        raise ValueError("distill needs the rows to distil on (X, ideally the training rows, "
                         "and their labels y): a fitted model does not keep its training "
                         "table.")
    X = _validated(model, X).reset_index(drop=True)
    if len(X) < MIN_ROWS:
        raise ValueError(f"distill needs at least {MIN_ROWS} rows; X has {len(X)}.")
    if y is None:
        return X, None
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be one label per row of X ({len(X)}); got shape {y.shape}.")
    if pd.isna(y).any():
        raise ValueError("y has missing values.")
    if is_classification(task):
        classes = model.classes_
        if classes.dtype.kind in "biuf" and y.dtype.kind not in "biuf":
            try:  # numbers read as text
                y = y.astype(classes.dtype)
            except (TypeError, ValueError):
                pass
        unknown = sorted(set(map(str, y[~np.isin(y, classes)])))
        if unknown:
            raise ValueError(f"y holds labels the teacher never saw: {', '.join(unknown[:10])} "
                             f"(its classes: {', '.join(map(str, classes))}).")
    else:
        try:
            y = y.astype(float)
        except ValueError:
            raise ValueError("y must be numeric for a regression teacher.") from None
    return X, y


def _validated(model, X):
    """``X`` checked and cleaned as the teacher's ``predict`` checks it."""
    return check_predict_input(model, X)


# ------------------------------------------------------------------ rows
def _rows_and_targets(model, X, y, task, augment, time_budget, rng):
    """The student's rows (real, held out, synthetic) and the teacher's outputs on them."""
    per_row = _teacher_seconds_per_row(model, X)
    affordable = max(MIN_ROWS, int(TEACHER_SHARE * time_budget / max(per_row, 1e-9)))
    n_given = len(X)
    if affordable < len(X):  # the teacher cannot label them all in its share of the budget
        keep = np.sort(rng.choice(len(X), affordable, replace=False))
        warnings.warn(f"distill: the teacher labels about {1 / per_row:,.0f} rows per second; "
                      f"distilling on {affordable:,} of the {len(X):,} rows given (a larger "
                      "time_budget uses more).", UserWarning, stacklevel=3)
        X, y = X.iloc[keep].reset_index(drop=True), None if y is None else y[keep]
    train, hold = _split(len(X), y, task, rng)
    n_syn = 0
    if augment:
        n_syn = int(min(SYNTHETIC_PER_ROW * len(train), MAX_ROWS - len(X), affordable - len(X)))
    synthetic = _synthetic_rows(X.iloc[train], max(n_syn, 0), rng)
    outputs = _teach(model, pd.concat([X, synthetic], ignore_index=True), task)
    real, syn = outputs[:len(X)], outputs[len(X):]
    return {
        "X_train": pd.concat([X.iloc[train], synthetic], ignore_index=True),
        "t_train": np.concatenate([real[train], syn]),
        "X_hold": X.iloc[hold].reset_index(drop=True), "t_hold": real[hold],
        "y_hold": None if y is None else y[hold],
        "X_all": pd.concat([X, synthetic], ignore_index=True), "t_all": outputs,
        "n_given": n_given, "n_real": len(X), "n_synthetic": len(synthetic),
        "n_holdout": len(hold), "labelled": y is not None,
    }


def _teacher_seconds_per_row(model, X):
    """The teacher's predict time per row, timed on up to 1,000 rows (call overhead included)."""
    probe = X.iloc[:1000]
    start = time.perf_counter()
    _teach(model, probe, model.task_)
    return (time.perf_counter() - start) / len(probe)


def _teach(model, X, task):
    """The teacher's soft outputs: class probabilities, or predictions for regression."""
    with warnings.catch_warnings():  # synthetic rows are meant to be unusual
        warnings.simplefilter("ignore", DataDriftWarning)
        if is_classification(task):
            return np.asarray(model.predict_proba(X), dtype=float)
        return np.asarray(model.predict(X), dtype=float)


def _split(n, y, task, rng):
    """``(train, holdout)`` row indices: a random ``HOLDOUT_SHARE``, stratified when it can be."""
    from sklearn.model_selection import train_test_split

    stratify = None
    if y is not None and is_classification(task):
        _, counts = np.unique(y, return_counts=True)
        stratify = y if counts.min() >= 2 else None
    n_hold = max(int(np.ceil(HOLDOUT_SHARE * n)), len(np.unique(y)) if stratify is not None
                 else 1)
    try:
        return train_test_split(np.arange(n), test_size=n_hold, stratify=stratify,
                                random_state=rng.randint(2**31 - 1))
    except ValueError:  # too few rows of a class for the split asked
        return train_test_split(np.arange(n), test_size=n_hold,
                                random_state=rng.randint(2**31 - 1))


def _synthetic_rows(X, n, rng):
    """``n`` copies of random rows of ``X``, each value swapped with probability
    ``SWAP_PROBABILITY`` for the same column's value in another random row."""
    out = X.iloc[rng.randint(len(X), size=n)].reset_index(drop=True)
    swap = rng.random_sample((n, X.shape[1])) < SWAP_PROBABILITY
    for j, column in enumerate(X.columns):
        donors = X[column].iloc[rng.randint(len(X), size=n)].reset_index(drop=True)
        out[column] = out[column].mask(swap[:, j], donors)
    return out


# ------------------------------------------------------------------ student
def _table(model, task, seed):
    return TablePreprocessor(categorical_columns=model.categorical_columns,
                             categorical_encoding="native",
                             target_type="continuous" if task == "regression" else "auto",
                             random_state=seed)


def _student_rows(table, X, targets, task, classes, fit):
    """The encoded rows, labels and weights the booster trains on (soft labels expanded)."""
    if not is_classification(task):
        return (table.fit_transform(X, targets) if fit else table.transform(X)), targets, None
    Xt = table.fit_transform(X, classes[np.argmax(targets, axis=1)]) if fit else \
        table.transform(X)
    n, k = targets.shape
    keep = targets.ravel() >= MIN_SOFT_WEIGHT
    keep[np.argmax(targets, axis=0) * k + np.arange(k)] = True  # every class present
    rows, labels = np.repeat(np.arange(n), k)[keep], np.tile(np.arange(k), n)[keep]
    Xd = Xt.iloc[rows] if isinstance(Xt, pd.DataFrame) else Xt[rows]
    return Xd, classes[labels], targets.ravel()[keep]


def _booster(kind, task, leaves, rounds, seed, n_jobs):
    classification = is_classification(task)
    if kind == "lightgbm":
        import lightgbm as lgb

        cls = lgb.LGBMClassifier if classification else lgb.LGBMRegressor
        return cls(n_estimators=rounds, learning_rate=LEARNING_RATE, num_leaves=leaves,
                   min_child_samples=10, colsample_bytree=0.8, reg_lambda=1e-3,
                   random_state=seed, n_jobs=n_jobs, verbose=-1)
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
    return cls(max_iter=rounds, learning_rate=LEARNING_RATE, max_leaf_nodes=leaves,
               min_samples_leaf=10, early_stopping=False, random_state=seed)


def _stop_at(deadline):
    from lightgbm.callback import EarlyStopException

    def stop_at_deadline(env):
        if time.monotonic() > deadline:
            raise EarlyStopException(env.iteration, env.evaluation_result_list)

    return stop_at_deadline


def _fit_booster(est, kind, X, y, weight, deadline, validation=None, n_threads=None):
    """Fit ``est``, stopping after the round that passes ``deadline``; the rounds trained.

    ``validation``: ``(X, y, weight)`` of held-out rows (soft labels expanded);
    training stops when their loss to the teacher has not improved for
    ``STOPPING_ROUNDS`` rounds. ``n_threads`` limits HistGradientBoosting's
    OpenMP threads (LightGBM's are its ``n_jobs``).
    """
    if kind == "lightgbm":
        import lightgbm as lgb

        callbacks, extra = [_stop_at(deadline)], {}
        if validation is not None:
            callbacks.append(lgb.early_stopping(STOPPING_ROUNDS, first_metric_only=True,
                                                verbose=False))
            extra = {"eval_set": [validation[:2]], "eval_sample_weight": [validation[2]]}
        with warnings.catch_warnings():
            # LightGBM 4.7 deprecates eval_set for eval_X / eval_y, which do not
            # encode string class labels as eval_set does
            warnings.filterwarnings("ignore", message=".*eval_set.*deprecated")
            est.fit(X, y, sample_weight=weight, callbacks=callbacks, **extra)
        return est.booster_.current_iteration()
    with threadpool_limits(limits=n_threads, user_api="openmp"):  # None: no limit
        return _fit_hgb(est, X, y, weight, deadline, validation)


def _fit_hgb(est, X, y, weight, deadline, validation):
    total, start, extra = est.max_iter, time.monotonic(), {}
    if validation is not None:
        est.set_params(early_stopping=True, n_iter_no_change=STOPPING_ROUNDS, scoring="loss")
        extra = dict(zip(("X_val", "y_val", "sample_weight_val"), validation))
    est.set_params(warm_start=True, max_iter=min(total, CHECKPOINT))
    while True:  # warm-started chunks sized to the time left
        before = getattr(est, "n_iter_", 0)
        est.fit(X, y, sample_weight=weight, **extra)
        left = deadline - time.monotonic()
        if est.n_iter_ >= total or left <= 0 or est.n_iter_ < est.max_iter or \
                est.n_iter_ == before:  # done, out of time, or stopped early
            break
        per_round = (time.monotonic() - start) / est.n_iter_
        est.set_params(max_iter=min(total, est.n_iter_ + max(1, int(0.8 * left / per_round))))
    est.set_params(warm_start=False, early_stopping=False, max_iter=est.n_iter_)
    return est.n_iter_


def _staged(est, kind, task, X, rounds):
    """``(rounds so far, prediction)`` at most ``N_CHECKPOINTS`` times, every ``CHECKPOINT``
    rounds or more, and at the last round."""
    step = max(CHECKPOINT, -(-rounds // N_CHECKPOINTS))
    if kind == "lightgbm":
        raw = 0.0
        for first in range(0, rounds, step):
            n = min(step, rounds - first)
            raw = raw + est.predict(X, raw_score=True, start_iteration=first, num_iteration=n)
            yield first + n, _from_raw(raw, task)
        return
    stages = est.staged_predict_proba(X) if is_classification(task) else est.staged_predict(X)
    for i, prediction in enumerate(stages, 1):
        if i % step == 0 or i == rounds:
            yield i, prediction


def _from_raw(raw, task):
    """LightGBM's raw scores as it would predict them (sigmoid, softmax or identity)."""
    if task == "regression":
        return raw
    if task == "binary":
        p = 1.0 / (1.0 + np.exp(-raw))
        return np.column_stack([1.0 - p, p])
    z = np.exp(raw - raw.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _soft_loss(task, teacher, student):
    """How far the student is from the teacher: cross-entropy, or mean squared difference."""
    if task == "regression":
        return float(np.mean((teacher - student) ** 2))
    return float(-np.mean(np.sum(teacher * np.log(np.clip(student, 1e-15, 1)), axis=1)))


def _choose_size(model, kind, task, rows, deadline, seed):
    """Train each size of ``LEAVES`` on the training rows; score every checkpoint held out.

    Returns the candidates (by leaves) and the choice: the best score against
    the held-out true labels (or, without labels, the smallest loss to the
    teacher), ties of the score to the smaller loss to the teacher, then to fewer leaves
    and rounds.
    """
    classes = getattr(model, "classes_", None)
    scorer = resolve_scorer(model.metric, task, classes)[1]
    table = _table(model, task, seed)
    X, target, weight = _student_rows(table, rows["X_train"], rows["t_train"], task, classes,
                                      fit=True)
    X_hold = table.transform(rows["X_hold"])
    validation = _student_rows(table, rows["X_hold"], rows["t_hold"], task, classes, fit=False)
    phase_end = time.monotonic() + CANDIDATE_SHARE * (deadline - time.monotonic())
    candidates, chosen = {}, None
    for i, leaves in enumerate(LEAVES):
        stop = time.monotonic() + (phase_end - time.monotonic()) / (len(LEAVES) - i)
        est = _booster(kind, task, leaves, MAX_ROUNDS, seed, _threads(model, len(target)))
        began = time.monotonic()
        trained = _fit_booster(est, kind, X, target, weight, stop, validation,
                               _threads(model, len(target)))
        seconds = time.monotonic() - began
        best = None
        for rounds, prediction in _staged(est, kind, task, X_hold, trained):
            # (score, fidelity): ties of the score (ROC AUC saturates on few rows) go
            # to the student closer to the teacher
            key = (score_predictions(scorer, task, rows["y_hold"], prediction, classes)
                   if rows["labelled"] else 0.0, -_soft_loss(task, rows["t_hold"], prediction))
            if best is None or key > best["key"]:
                best = {"leaves": leaves, "rounds": rounds, "key": key,
                        "score": key[0] if rows["labelled"] else key[1],
                        "prediction": prediction}
        candidates[leaves] = {"pipeline": Pipeline([("table", table), ("model", est)]),
                              "trained_rounds": trained, "seconds": seconds,
                              "best_rounds": best["rounds"], "best_score": best["score"]}
        if chosen is None or best["key"] > chosen["key"]:
            chosen = best
        if time.monotonic() > phase_end:
            break
    chosen["fidelity"] = _fidelity(task, rows["t_hold"], chosen.pop("prediction"))
    chosen["candidates"] = [{"num_leaves": int(k), "rounds_trained": int(c["trained_rounds"]),
                             "best_rounds": int(c["best_rounds"]),
                             "best_score": float(c["best_score"]),
                             "seconds": float(c["seconds"])} for k, c in candidates.items()]
    if rows["labelled"]:  # in-sample for the teacher, which was fitted on these rows (usually)
        chosen["teacher_score"] = score_predictions(scorer, task, rows["y_hold"],
                                                    rows["t_hold"], classes)
    return candidates, chosen


def _fidelity(task, teacher, student):
    """How closely the student follows the teacher on the held-out rows."""
    if task == "regression":
        spread = float(np.var(teacher))
        r2 = 1.0 - float(np.mean((teacher - student) ** 2)) / spread if spread > 0 else 1.0
        return {"r2_to_teacher": r2}
    return {"label_agreement": float(np.mean(teacher.argmax(axis=1) == student.argmax(axis=1))),
            "mean_abs_proba_difference": float(np.mean(np.abs(teacher - student)))}


def _threads(model, n_rows):
    """One thread below ``MIN_ROWS_FOR_THREADS`` rows (OpenMP threads that wait on a busy
    machine made 100 rounds on 5,000 rows 11x slower with 2 than with 1), else the
    teacher's ``n_jobs`` (None: all cores)."""
    if n_rows < MIN_ROWS_FOR_THREADS:
        return 1
    n_jobs = getattr(model, "n_jobs", None)
    return int(n_jobs) if isinstance(n_jobs, Integral) and n_jobs > 0 else None


def _refit(model, kind, task, rows, chosen, candidate, deadline, seed):
    """The chosen size refitted on all rows, or None when it would not fit in the time left."""
    rounds = chosen["rounds"]
    estimate = candidate["seconds"] * rounds / candidate["trained_rounds"] * \
        (len(rows["X_all"]) / len(rows["X_train"]))
    if time.monotonic() + 1.25 * estimate + 0.5 > deadline:
        _truncate(candidate["pipeline"].named_steps["model"], kind, rounds)
        return None
    classes = getattr(model, "classes_", None)
    table = _table(model, task, seed)
    X, target, weight = _student_rows(table, rows["X_all"], rows["t_all"], task, classes,
                                      fit=True)
    est = _booster(kind, task, chosen["leaves"], rounds, seed, _threads(model, len(target)))
    if _fit_booster(est, kind, X, target, weight, deadline,
                    n_threads=_threads(model, len(target))) < rounds:  # cut short: keep the
        _truncate(candidate["pipeline"].named_steps["model"], kind, rounds)  # validated one
        return None
    return Pipeline([("table", table), ("model", est)])


def _truncate(est, kind, rounds):
    """Keep the first ``rounds`` rounds of a fitted booster."""
    if kind == "lightgbm":
        import lightgbm as lgb

        # a new booster of exactly these rounds (early stopping's best_iteration_ dropped)
        est._Booster = lgb.Booster(model_str=est.booster_.model_to_string(num_iteration=rounds))
        est._best_iteration = 0
        est.set_params(n_estimators=rounds)
    elif est.n_iter_ > rounds:
        est._predictors = est._predictors[:rounds]
        est.n_iter_ = rounds
        est.set_params(max_iter=rounds)


def _decision(model, student, task, X):
    """Binary tasks: the teacher's threshold, held by ``FixedThresholdClassifier``."""
    threshold = getattr(model, "threshold_", None)
    if task != "binary" or threshold is None:
        return student
    return FixedThresholdClassifier(FrozenEstimator(student), threshold=threshold,
                                    response_method="predict_proba").fit(
        X.iloc[:2], model.classes_)


def _record(model, kind, rows, chosen, refitted, seconds, time_budget):
    """``distillation_``: what was chosen and why, in plain Python values."""
    ensemble = getattr(model, "ensemble_", None)
    return {
        "task": model.task_, "classes": [_plain_label(c) for c in getattr(model, "classes_", [])],
        "columns": [str(c) for c in model.feature_names_in_],
        "teacher": {"kind": type(model).__name__,
                    "ensemble": None if ensemble is None else ensemble.attrs.get("kind"),
                    "members": None if ensemble is None else len(ensemble),
                    "best_family": model.best_config_["family"]},
        "student": kind, "num_leaves": int(chosen["leaves"]), "n_rounds": int(chosen["rounds"]),
        "refitted_on_all_rows": bool(refitted),
        "selected_by": "true labels" if rows["labelled"] else "teacher outputs",
        "holdout_score": float(chosen["score"]), "metric": model.metric_,
        "teacher_holdout_score": chosen.get("teacher_score"),
        "fidelity_holdout": chosen["fidelity"], "candidates": chosen["candidates"],
        "rows_given": int(rows["n_given"]), "rows_real": int(rows["n_real"]),
        "rows_synthetic": int(rows["n_synthetic"]), "rows_holdout": int(rows["n_holdout"]),
        "seconds": float(seconds), "time_budget": float(time_budget),
    }


def _plain_label(label):
    return label.item() if isinstance(label, np.generic) else label


def describe_student(student, *, target=None, train_file=None, dtypes=None, teacher_file=None):
    """The model-file metadata of a distilled student (see ``automl._model_file``).

    The keys the command line reads (``columns``, ``task``, ``classes``,
    ``target``, ``metric``) mean what they mean for an AutoPipeline; the
    ``metric`` is what the student's ``score`` computes (accuracy or R²).
    """
    from automl._model_file import _plain, package_versions

    record = student.distillation_
    versions = package_versions()
    return _plain({
        "kind": "distilled", "target": target, "train_file": train_file,
        "teacher_file": teacher_file, "columns": record["columns"], "dtypes": dtypes or {},
        "task": record["task"], "classes": record["classes"],
        "metric": "r2" if record["task"] == "regression" else "accuracy",
        "threshold": getattr(student, "threshold", None), "distillation": record,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"), "versions": versions,
    })
