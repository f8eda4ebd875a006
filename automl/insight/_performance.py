"""Metrics on labelled rows with bootstrap intervals."""

import warnings

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from automl.insight._data import Scored, score_of

N_BOOTSTRAP = 200
# A search metric scored by its scikit-learn scorer gets fewer resamples.
N_SCORER_BOOTSTRAP = 50
# Each resample draws at most this many rows; on larger tables the interval
# is rescaled by sqrt(m / n) (the m-out-of-n bootstrap), so that 100,000 rows
# take seconds.
MAX_RESAMPLE_ROWS = 20_000


def _roc_auc(y, score):
    """Binary ROC AUC by the rank-sum (Mann-Whitney) formula, ties counted half."""
    ranks = rankdata(score)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return (ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _balanced_accuracy(y, pred, k):
    hits = np.bincount(y[pred == y], minlength=k)
    counts = np.bincount(y, minlength=k)
    present = counts > 0
    return float((hits[present] / counts[present]).mean())


def _metrics(scored):
    """``{name: (function(y, pred, proba), search metric name, sign)}`` of the task.

    Plain numpy versions of scikit-learn's metrics (checked against them in
    the tests): the bootstrap calls them hundreds of times, where
    scikit-learn's input validation would cost more than the metric.
    """
    if scored.classification:
        k = len(scored.classes)
        found = {
            "accuracy": (lambda y, p, q: float((p == y).mean()), "accuracy", 1),
            "balanced accuracy": (lambda y, p, q: _balanced_accuracy(y, p, k),
                                  "balanced_accuracy", 1),
            "log loss": (lambda y, p, q: float(-np.log(np.clip(q[np.arange(len(y)), y],
                                                               1e-15, 1)).mean()),
                         "neg_log_loss", -1),
        }
        if k == 2:
            found["ROC AUC"] = (lambda y, p, q: _roc_auc(y, q[:, 1]), "roc_auc", 1)
            found["Brier score"] = (lambda y, p, q: float(((q[:, 1] - y) ** 2).mean()),
                                    "neg_brier_score", -1)
        return found
    return {
        "RMSE": (lambda y, p, q: float(np.sqrt(((y - p) ** 2).mean())),
                 "neg_root_mean_squared_error", -1),
        "MAE": (lambda y, p, q: float(np.abs(y - p).mean()), "neg_mean_absolute_error", -1),
        "R²": (lambda y, p, q: float(1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()),
               "r2", 1),
    }


def performance_table(scored, scorer, metric_name, *, n_bootstrap=N_BOOTSTRAP, random_state=0):
    """The search metric and the task's usual metrics, with 95 % bootstrap intervals.

    Returns a DataFrame indexed by metric: ``value`` (on all rows), ``low``,
    ``high``. ``attrs["note"]`` says how the interval was drawn. A search
    metric that is not among the usual ones is scored by its scikit-learn
    scorer, on ``N_SCORER_BOOTSTRAP`` resamples.
    """
    funcs = {}
    usual = _metrics(scored)
    if not any(metric == metric_name for _, metric, _ in usual.values()):
        funcs[f"{metric_name} (search metric)"] = (
            lambda y, p, q: score_of(scorer, _replay(scored, y, p, q)), metric_name, 1)
    for name, (func, metric, sign) in usual.items():
        funcs[name + (" (search metric)" if metric == metric_name else "")] = (func, metric, sign)
    n = len(scored.y)
    m = min(n, MAX_RESAMPLE_ROWS)
    rng = np.random.default_rng(random_state)
    names = list(funcs)
    few = {name for name in names if name == f"{metric_name} (search metric)"
           and funcs[name][1] == metric_name and name not in usual}
    boots = {name: [] for name in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = {name: _safe(funcs[name][0], scored.y, scored.pred, scored.proba)
                  for name in names}
        for b in range(n_bootstrap):
            d = rng.integers(0, n, size=m)
            y, pred = scored.y[d], scored.pred[d]  # one draw, every metric
            proba = None if scored.proba is None else scored.proba[d]
            for name in names:
                if name not in few or b < N_SCORER_BOOTSTRAP:
                    boots[name].append(_safe(funcs[name][0], y, pred, proba))
    rows = {}
    for name in names:
        value, draws = values[name], np.array(boots[name])
        draws = draws[np.isfinite(draws)]
        if len(draws) < 10 or not np.isfinite(value):
            rows[name] = (value, np.nan, np.nan)
            continue
        low, high = np.quantile(draws - draws.mean(), [0.025, 0.975]) * np.sqrt(m / n)
        rows[name] = (value, value + low, value + high)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["value", "low", "high"])
    note = f"95 % percentile bootstrap intervals, {n_bootstrap} resamples"
    if m < n:
        note += (f" of {m:,} rows each, rescaled by sqrt({m:,} / {n:,}) "
                 "(m-out-of-n bootstrap)")
    table.attrs["note"] = note
    return table


def _replay(scored, y, pred, proba):
    return Scored(None, y, pred, proba, scored.task, scored.classes, scored.source)


def _safe(func, y, pred, proba):
    try:
        return float(func(y, pred, proba))
    except ValueError:
        return float("nan")
