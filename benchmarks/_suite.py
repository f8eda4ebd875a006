"""The benchmark suite: datasets, the outer split, metrics, the normalised score.

Shared by the benchmark scripts so that every benchmark scores the same rows
with the same metric.
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_MANIFEST = HERE.parent.parent / "shared" / "datasets" / "manifest.json"
BUNDLED = ["breast_cancer", "wine", "digits", "diabetes", "iris"]
# The size target: the budget must hold on 100,000 rows x 100 columns.
SYNTHETIC = {"name": "synthetic_100k_x_100", "synthetic": True, "task": "binary"}
LOWER_IS_BETTER = {"rmse", "logloss"}


def load_suite(manifest, synthetic=True):
    """The datasets to run: the manifest's entries, or scikit-learn's bundled ones."""
    if manifest and Path(manifest).exists():
        entries = json.loads(Path(manifest).read_text())
        for e in entries:
            e["path"] = str(Path(manifest).parent / e["file"])
        return entries + ([SYNTHETIC] if synthetic else [])
    return [{"name": n, "bundled": True} for n in BUNDLED]


def select(suite, names):
    """The entries of ``suite`` named in ``names`` (all when empty), in the suite's order.

    An unknown name raises ``ValueError`` naming it.
    """
    if not names:
        return list(suite)
    unknown = sorted(set(names) - {e["name"] for e in suite})
    if unknown:
        raise ValueError(f"unknown datasets: {unknown}")
    return [e for e in suite if e["name"] in set(names)]


def load_named(name, manifest):
    """``X, y`` of scikit-learn's bundled dataset ``name``, else of the manifest's entry."""
    from sklearn import datasets

    if hasattr(datasets, f"load_{name}"):
        return getattr(datasets, f"load_{name}")(return_X_y=True, as_frame=True)
    return load_dataset(select(load_suite(manifest, synthetic=False), [name])[0])[:2]


def load_dataset(entry):
    """Return ``X, y, task, groups, time`` for a suite entry."""
    import numpy as np
    import pandas as pd
    from sklearn import datasets

    if entry.get("synthetic"):
        from sklearn.datasets import make_classification

        X, y = make_classification(n_samples=100_000, n_features=100, n_informative=20,
                                   random_state=0)
        return pd.DataFrame(X, columns=[f"f{i}" for i in range(100)]), pd.Series(y), "binary", None, None
    if entry.get("bundled"):
        loader = getattr(datasets, f"load_{entry['name']}")
        X, y = loader(return_X_y=True, as_frame=True)
        task = "regression" if entry["name"] == "diabetes" else (
            "binary" if len(np.unique(y)) == 2 else "multiclass")
        return X, y, task, None, None
    df = pd.read_csv(entry["path"])
    y = df.pop(entry["target"])
    groups = df.pop(entry["group_column"]) if entry.get("group_column") else None
    time_col = entry.get("time_column")
    return df, y, entry["task"], groups, time_col


def outer_split(X, y, task, groups, time_col, seed=0):
    """75/25 split: by group, by time (last quarter), else stratified."""
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    idx = np.arange(len(y))
    if time_col is not None:
        t = X[time_col]
        t = pd.to_datetime(t, errors="coerce", format="mixed") if not pd.api.types.is_numeric_dtype(t) else t
        order = np.argsort(t.to_numpy(), kind="stable")
        cut = int(0.75 * len(order))
        return order[:cut], order[cut:]
    if groups is not None:
        splitter = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=seed)
        return next(splitter.split(X, y, groups))
    stratify = y if task != "regression" else None
    return train_test_split(idx, test_size=0.25, random_state=seed, stratify=stratify)


def primary_score(task, y_true, pred, proba, classes):
    """The AutoML Benchmark metric alone: ROC AUC, log loss or RMSE."""
    from sklearn.metrics import log_loss, roc_auc_score, root_mean_squared_error

    if task == "regression":
        return root_mean_squared_error(y_true, pred)
    if task == "binary":
        return roc_auc_score(y_true == classes[1], proba[:, 1])
    return log_loss(y_true, _clipped(proba), labels=classes)


def _clipped(proba):
    """Probabilities kept off 0 and renormalised, as both log-loss paths score them."""
    import numpy as np

    proba = np.clip(proba, 1e-15, 1)
    return proba / proba.sum(axis=1, keepdims=True)


def primary_score_resampled(task, y_true, pred, proba, classes, rows):
    """:func:`primary_score` on many resamples of the test rows at once.

    ``rows`` is a 2-D index array, one resample per line; returns one score
    per line (NaN for ROC AUC on a resample with one class). The same numbers
    as :func:`primary_score` on ``y_true[r]``, ``pred[r]``, ``proba[r]``, but
    vectorised: per-row losses are averaged for RMSE and log loss, and ROC AUC
    is the Mann-Whitney statistic with each row weighted by its count.
    """
    import numpy as np

    rows = np.atleast_2d(rows)
    if task == "regression":
        err2 = (np.asarray(pred, dtype=float) - np.asarray(y_true, dtype=float)) ** 2
        return np.sqrt(err2[rows].mean(axis=1))
    if task != "binary":
        codes = np.searchsorted(classes, y_true)
        loss = -np.log(_clipped(proba)[np.arange(len(codes)), codes])
        return loss[rows].mean(axis=1)
    score = np.asarray(proba[:, 1], dtype=float)
    order = np.argsort(score, kind="stable")
    positive = (np.asarray(y_true) == classes[1])[order]
    _, group_start, group_size = np.unique(score[order], return_index=True, return_counts=True)
    first = np.repeat(group_start, group_size)  # each sorted row's tie group: [first, last)
    last = first + np.repeat(group_size, group_size)
    rank_of = np.empty(len(order), dtype=int)
    rank_of[order] = np.arange(len(order))
    out = np.empty(len(rows))
    for i, resample in enumerate(rows):
        counts = np.bincount(rank_of[resample], minlength=len(order)).astype(float)
        neg = np.concatenate([[0.0], np.cumsum(np.where(positive, 0.0, counts))])
        below, tied = neg[first], neg[last] - neg[first]
        n_pos, n_neg = counts[positive].sum(), neg[-1]
        wins = np.sum(np.where(positive, counts, 0.0) * (below + 0.5 * tied))
        out[i] = wins / (n_pos * n_neg) if n_pos and n_neg else np.nan
    return out


def metrics(task, y_true, pred, proba, classes):
    """The AutoML Benchmark metric (and its direction) plus accuracy or R²."""
    from sklearn.metrics import accuracy_score, r2_score

    name = {"regression": "rmse", "binary": "auc"}.get(task, "logloss")
    secondary = r2_score(y_true, pred) if task == "regression" else accuracy_score(y_true, pred)
    return {"metric": name, "score": primary_score(task, y_true, pred, proba, classes),
            "secondary": secondary}


def constant_score(task, y_train, y_test, classes):
    """The metric of the constant predictor (training mean or class priors)."""
    import numpy as np

    n = len(y_test)
    if task == "regression":
        pred = np.full(n, float(np.mean(y_train)))
        return metrics(task, y_test, pred, None, classes)["score"]
    priors = np.array([np.mean(y_train == c) for c in classes])
    proba = np.tile(priors, (n, 1))
    pred = np.full(n, classes[np.argmax(priors)])
    return metrics(task, y_test, pred, proba, classes)["score"]


def normalised(score, const, best, metric):
    """Test score on the scale 0 = the constant predictor, 1 = ``best``.

    None where ``best`` is no better than the constant predictor (no scale).
    ``metric`` names the direction (:data:`LOWER_IS_BETTER`).

    Examples
    --------
    >>> normalised(0.75, 0.5, 1.0, "auc")
    0.5
    >>> normalised(3.0, 4.0, 2.0, "rmse")
    0.5
    >>> normalised(0.5, 0.5, 0.5, "auc") is None
    True
    """
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    span = sign * (best - const)
    return sign * (score - const) / span if span > 0 else None
