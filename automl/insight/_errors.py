"""Where a model errs: error segments, confusion matrix, per-class metrics, residuals.

A segment is the rows where one input column takes one value range: a
quantile bin of a number or a date, one of the frequent categories of a
string column, the other categories together, or the missing values. Each
row carries its own loss (log loss for probability metrics, 0/1 error for
label metrics, squared or absolute error for regression), so that a
segment's *excess* (its rows' loss above the overall mean loss) adds up:
the share of the total loss that would go if the segment erred as much as
the model does on average. Segments are ranked by it. What this adds to a
plain group-by is the trust test: segments of fewer than ``min_rows`` rows
are left out, and a segment whose bootstrap interval of the mean loss
includes the overall loss is marked ``significant=False`` and ranked
after the others.
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report, confusion_matrix

from automl._metrics import scores_labels
from automl.insight._data import column_kinds, metric_scorer, score_of, score_rows

MIN_ROWS = 30
N_BINS = 5
MAX_CATEGORIES = 10
N_BOOTSTRAP = 200
# Above this many rows in a segment, the interval is the normal one of the
# mean (what the bootstrap converges to) rather than resampled.
BOOTSTRAP_MAX_ROWS = 5000


def row_losses(scored, metric_name):
    """``(losses, name)``: each row's loss under the metric's kind."""
    if scored.classification:
        if scores_labels(metric_name):
            return (scored.pred != scored.y).astype(float), "error rate"
        p = scored.proba[np.arange(len(scored.y)), scored.y]
        return -np.log(np.clip(p, 1e-15, 1.0)), "log loss"
    residual = scored.y - scored.pred
    if "absolute" in metric_name:
        return np.abs(residual), "absolute error"
    return residual ** 2, "squared error"


def segment_labels(column, kind, *, n_bins=N_BINS, max_categories=MAX_CATEGORIES,
                   min_rows=MIN_ROWS):
    """One label per row: its segment of ``column`` (``"missing"`` for missing values)."""
    missing = column.isna().to_numpy()
    values = column
    if kind in ("numeric", "datetime") and column.nunique() > 2 * n_bins:
        if kind == "datetime" or not pd.api.types.is_numeric_dtype(column.dtype):
            values = pd.to_datetime(column, errors="coerce", format="mixed") \
                if kind == "datetime" else pd.to_numeric(column, errors="coerce")
        bins = pd.qcut(values, n_bins, duplicates="drop")
        names = np.array([_interval_text(i) for i in bins.cat.categories] + ["missing"],
                         dtype=object)
        labels = names[bins.cat.codes.to_numpy()]  # code -1 (missing): the last name
    else:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        order = np.argsort(-counts, kind="stable")[:max_categories]
        names = np.full(len(uniques) + 1, "other", dtype=object)
        frequent = order[counts[order] >= min_rows]
        names[frequent] = [str(uniques[k]) for k in frequent]
        labels = names[codes]  # code -1 (missing) reads the last name, reset below
    labels[missing] = "missing"
    return labels


def _interval_text(interval):
    if not isinstance(interval, pd.Interval):
        return "missing"
    return f"{_fmt(interval.left)} to {_fmt(interval.right)}"


def _fmt(value):
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return f"{value:.4g}"


def _interval(losses, rng, n_bootstrap):
    """95 % interval of the mean of ``losses``: bootstrap, or normal on large segments."""
    n = len(losses)
    if n > BOOTSTRAP_MAX_ROWS:
        half = 1.96 * losses.std(ddof=1) / np.sqrt(n)
        return losses.mean() - half, losses.mean() + half
    means = losses[rng.integers(0, n, size=(n_bootstrap, n))].mean(axis=1)
    return tuple(np.quantile(means, [0.025, 0.975]))


def segment_table(scored, losses, *, metric_name, scorer, min_rows=MIN_ROWS, n_bins=N_BINS,
                  max_categories=MAX_CATEGORIES, n_bootstrap=N_BOOTSTRAP, kinds=None,
                  random_state=0):
    """Every segment of every column worse than the overall loss, ranked by excess loss."""
    rng = np.random.default_rng(random_state)
    overall, total = losses.mean(), losses.sum()
    kinds = kinds or {}
    rows = []
    for name in scored.X.columns:
        labels = segment_labels(scored.X[name], kinds.get(name, "categorical"), n_bins=n_bins,
                                max_categories=max_categories, min_rows=min_rows)
        for label in pd.unique(labels):
            where = np.flatnonzero(labels == label)
            seg = losses[where]
            if len(where) < min_rows or seg.mean() <= overall:
                continue
            low, high = _interval(seg, rng, n_bootstrap)
            excess = float(seg.sum() - overall * len(where))
            rows.append({"column": str(name), "segment": str(label), "rows": len(where),
                         "error": float(seg.mean()), "error_low": float(low),
                         "error_high": float(high), "gap": float(seg.mean() - overall),
                         "excess_share": excess / total if total > 0 else 0.0,
                         "significant": bool(low > overall),
                         "score": score_of(scorer, scored.take(where, with_X=False))})
    columns = ["column", "segment", "rows", "error", "error_low", "error_high", "gap",
               "excess_share", "significant", "score"]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(["significant", "excess_share"], ascending=[False, False],
                              kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def confusion_table(scored):
    """The confusion matrix as a DataFrame: rows are true classes, columns predicted."""
    labels = np.arange(len(scored.classes))
    matrix = confusion_matrix(scored.y, scored.pred, labels=labels)
    names = [str(c) for c in scored.classes]
    return pd.DataFrame(matrix, index=pd.Index(names, name="true"),
                        columns=pd.Index(names, name="predicted"))


def per_class_metrics(scored):
    """Precision, recall, F1 and support of each class."""
    names = [str(c) for c in scored.classes]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = classification_report(scored.y, scored.pred, labels=np.arange(len(names)),
                                       target_names=names, output_dict=True, zero_division=0)
    table = pd.DataFrame({n: report[n] for n in names}).T
    table.index.name = "class"
    table["support"] = table["support"].astype(int)
    return table[["precision", "recall", "f1-score", "support"]]


def residual_summary(scored):
    """Residuals (actual minus predicted): bias, spread, quantiles, RMSE, MAE, R²."""
    residual = scored.y - scored.pred
    q = np.quantile(residual, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
    ss_tot = ((scored.y - scored.y.mean()) ** 2).sum()
    return pd.Series({
        "rows": len(residual), "mean (bias)": residual.mean(), "std": residual.std(),
        "rmse": np.sqrt((residual ** 2).mean()), "mae": np.abs(residual).mean(),
        "r2": 1 - (residual ** 2).sum() / ss_tot if ss_tot > 0 else float("nan"),
        "q01": q[0], "q05": q[1], "q25": q[2], "median": q[3], "q75": q[4], "q95": q[5],
        "q99": q[6], "max |residual|": np.abs(residual).max(),
    }, name="residual")


def error_analysis(model, X=None, y=None, *, training=False, min_rows=MIN_ROWS, n_bins=N_BINS,
                   max_categories=MAX_CATEGORIES, n_bootstrap=N_BOOTSTRAP, random_state=None):
    """The segments of the input where a fitted AutoPipeline errs most.

    Parameters
    ----------
    model : fitted AutoPipeline
    X : DataFrame or array-like of shape (n_samples, n_features)
        Labelled rows, ideally not used in training.
    y : array-like of shape (n_samples,)
    training : bool, default=False
        ``X, y`` are the training rows, in the order ``fit`` saw them:
        score them with ``oof_predictions_`` (out of fold, no leakage)
        instead of predicting them with the model that was fitted on them.
    min_rows : int, default=30
        Segments with fewer rows are too small to trust and left out.
    n_bins : int, default=5
        Quantile bins of a numeric or date column (one segment per value
        when it has at most ``2 * n_bins`` distinct values).
    max_categories : int, default=10
        Frequent categories (at least ``min_rows`` rows) kept as segments of
        their own; the rest form ``"other"``.
    n_bootstrap : int, default=200
        Resamples of the 95 % interval of a segment's mean loss.
    random_state : int, default=None
        Seed of the bootstrap; None means 0.

    Returns
    -------
    segments : pandas.DataFrame
        The segments whose mean loss is above the overall one, ranked
        (``rank``): significant ones first (their interval lies above the
        overall loss), then by ``excess_share``, the share of the total loss
        that is the segment's excess. Columns: ``column``, ``segment``,
        ``rows``, ``error`` (mean per-row loss) with ``error_low`` /
        ``error_high``, ``gap`` (to the overall loss), ``excess_share``,
        ``significant`` and ``score`` (the search metric on the segment).
        ``attrs``: ``loss`` (its name), ``overall_error``, ``overall_score``,
        ``metric``, ``source``, ``notes``, and ``confusion_matrix`` and
        ``per_class`` (classification) or ``residuals`` (regression).

    Raises
    ------
    ValueError
        Without ``X`` and ``y``: the model does not keep its training table.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from automl import AutoPipeline
    >>> from automl.insight import error_analysis
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=400), "city": rng.choice(["A", "B"], 400)})
    >>> y = X["x"] + np.where(X["city"] == "B", rng.normal(scale=2, size=400), 0)
    >>> model = AutoPipeline(time_budget=20, max_trials=1, models=["linear_regression"],
    ...                      random_state=0).fit(X, y)
    >>> segments = error_analysis(model, X, y, training=True)
    >>> segments.loc[0, ["column", "segment"]].tolist()
    ['city', 'B']
    """
    scored = score_rows(model, X, y, training=training, what="error_analysis")
    name, scorer = metric_scorer(model)
    losses, loss_name = row_losses(scored, name)
    table = segment_table(scored, losses, metric_name=name, scorer=scorer, min_rows=min_rows,
                          n_bins=n_bins, max_categories=max_categories, n_bootstrap=n_bootstrap,
                          kinds=column_kinds(model, scored.X),
                          random_state=0 if random_state is None else random_state)
    table.attrs.update(loss=loss_name, overall_error=float(losses.mean()),
                       overall_score=score_of(scorer, scored), metric=name,
                       source=scored.source, notes=list(scored.notes), min_rows=min_rows)
    if scored.classification:
        table.attrs.update(confusion_matrix=confusion_table(scored),
                           per_class=per_class_metrics(scored))
    else:
        table.attrs["residuals"] = residual_summary(scored)
    return table
