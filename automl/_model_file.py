"""Model files: skops' secure format by default, pickle only when asked.

A model file holds a fitted :class:`~automl.AutoPipeline` stripped of its
search history (``trials_`` and the pandas tables, which summarise into a
plain ``metadata`` dict), so that everything in it is a type our pipelines
are made of. Loading checks every type skops would have to trust against
that list and refuses the file otherwise: a model file from a stranger does
not get to run code.
"""

import copy
import importlib.metadata
import pickle
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from automl._io import atomic_write

FORMAT = "automl-model"
FORMAT_VERSION = 1
# Types from these packages make up our pipelines; anything else is foreign.
TRUSTED_PACKAGES = ("automl", "sklearn", "imblearn", "xgboost", "lightgbm")
TRUSTED_TYPES = {"numpy.dtype", "collections.OrderedDict"}
_VERSIONS = ("automl", "scikit-learn", "imbalanced-learn", "xgboost", "lightgbm", "numpy",
             "pandas", "scikit-optimize", "skops")


class ModelFileError(ValueError):
    """A model file that cannot or must not be loaded."""


def _plain(value):
    """``value`` as plain Python (lists, dicts, str, float, int, bool, None)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None or isinstance(value, str):
        return value
    if pd.api.types.is_scalar(value) and pd.isna(value):  # pd.NA, NaT
        return None
    return str(value)


def package_versions():
    """``{package: version or None}`` of the packages a model file depends on."""
    versions = {}
    for name in _VERSIONS:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def describe(model, *, target=None, train_file=None, dtypes=None):
    """The metadata of a fitted AutoPipeline, as plain Python values."""
    board = model.leaderboard_
    cols = ["rank", "family", "score", "score_std", "oof_score", "fit_time", "status"]
    versions = package_versions()
    return _plain({
        "target": target,
        "train_file": train_file,
        "columns": list(getattr(model, "feature_names_in_",  # arrays: x0, x1, ...
                                [f"x{i}" for i in range(model.n_features_in_)])),
        "dtypes": dtypes or {},
        "task": model.task_,
        "metric": model.metric_,
        "classes": list(getattr(model, "classes_", [])),
        "cv": model.cv_,
        "device": model.device_,
        "devices": model.devices_,
        "best_score": model.best_score_,
        "best_family": model.best_config_["family"],
        "ensemble": model.ensemble_.attrs.get("kind"),
        "ensemble_oof_score": model.ensemble_.attrs.get("oof_score"),
        # how predict chooses labels (automl._decision); absent in older models
        "decision_metric": getattr(model, "decision_metric_", None),
        "threshold": getattr(model, "threshold_", None),
        "calibration": getattr(model, "calibration_", None),
        "members": model.ensemble_.to_dict(orient="records"),
        "n_trials": len(model.trials_),
        "search_time": model.search_time_,
        "time_budget": model.time_budget,
        "leaderboard": board[cols].head(10).to_dict(orient="records"),
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "versions": versions,
    })


def _slim(model):
    """A shallow copy of ``model`` without what only the search needed."""
    slim = copy.copy(model)
    for attr in ("trials_", "leaderboard_", "ensemble_"):
        slim.__dict__.pop(attr, None)
    if "callback" in slim.__dict__:
        slim.callback = None  # a hook of the fit (often a lambda), not part of the model
    return slim


def save_model(model, path, *, metadata, force=False, unsafe_pickle=False):
    """Write a fitted AutoPipeline and its metadata to ``path``, atomically.

    Parameters
    ----------
    model : AutoPipeline
        Fitted.
    path : str or Path
    metadata : dict
        From :func:`describe`.
    force : bool, default=False
        Overwrite an existing file.
    unsafe_pickle : bool, default=False
        Use pickle (any Python object, but loading it can run code) instead
        of skops' secure format.
    """
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION,
               "metadata": metadata, "model": _slim(model)}

    def write(tmp):
        if unsafe_pickle:
            with open(tmp, "wb") as fh:
                pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            import zipfile

            import skops.io

            # deflated: tree models' arrays shrink several-fold; loading is unchanged
            skops.io.dump(payload, tmp, compression=zipfile.ZIP_DEFLATED)

    atomic_write(path, write, force=force)


def foreign_types(types):
    """The type names in ``types`` that are not ours to trust."""
    return sorted(t for t in types
                  if t not in TRUSTED_TYPES and t.split(".")[0] not in TRUSTED_PACKAGES)


def load_model(path, *, unsafe_pickle=False, trusted=None):
    """Load ``(model, metadata)`` from a file written by :func:`save_model`.

    With skops' format (the default), every type the file would instantiate
    must come from scikit-learn, imbalanced-learn, XGBoost, LightGBM or this
    package; a file naming any other type raises :class:`ModelFileError`
    listing them, before anything in it is built, unless ``trusted`` (a
    list of type names) names them. ``unsafe_pickle=True`` reads a pickle
    file instead, which trusts the file entirely.
    """
    extra = _trusted_names(trusted)
    import zipfile

    import skops.io

    if unsafe_pickle:
        warnings.warn(f"Loading {path} with pickle: only do this with files you trust.",
                      UserWarning, stacklevel=2)
        try:
            with open(path, "rb") as fh:
                payload = pickle.load(fh)
        except FileNotFoundError:
            raise ModelFileError(f"{path}: no such file.") from None
        except Exception as exc:
            raise ModelFileError(f"{path}: not a pickled model file ({exc}).") from None
    else:
        try:
            untrusted = skops.io.get_untrusted_types(file=path)
        except FileNotFoundError:
            raise ModelFileError(f"{path}: no such file.") from None
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise ModelFileError(
                f"{path}: not a model file in skops format ({type(exc).__name__}: {exc}); "
                "if it is a pickle you trust, pass --unsafe-pickle."
            ) from None
        foreign = [t for t in foreign_types(untrusted) if t not in extra]
        if foreign:
            raise ModelFileError(
                f"{path}: refusing to load: it contains types that are not part of our "
                f"pipelines: {', '.join(foreign)} (trust them only if you trust the file: "
                f"automl.load(path, trusted={foreign!r}))."
            )
        payload = skops.io.load(path, trusted=untrusted)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an automl model file.")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: model file format version {payload.get('format_version')}"
                             f" is not supported (this automl reads {FORMAT_VERSION}).")
    return payload["model"], payload["metadata"]


def _trusted_names(trusted):
    if trusted is None:
        return set()
    if isinstance(trusted, str) or not all(isinstance(t, str) for t in trusted):
        raise TypeError("trusted must be a list of type names such as "
                        f"['mypackage.MyTransformer']; got {trusted!r}.")
    return set(trusted)


def save(model, path, *, force=False, metadata=None):
    """Save a fitted AutoPipeline to ``path`` in skops' secure format.

    The file holds the model without its search history (``trials_``,
    ``leaderboard_``, ``ensemble_``: they summarise into metadata) and
    without ``callback``; it is written atomically (a temporary file, then
    renamed), so that an interrupted save leaves no partial file.

    Parameters
    ----------
    model : AutoPipeline, AutoClassifier or AutoRegressor
        Fitted; or the student their ``distill`` returned.
    path : str or Path
        The file to write (``.skops`` by convention).
    force : bool, default=False
        Overwrite an existing file; without it an existing ``path`` raises
        ``FileExistsError``.
    metadata : dict, default=None
        Added to what :func:`describe` records (the command line adds the
        target and the training file).

    See Also
    --------
    load : Read it back.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_breast_cancer
    >>> import automl
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> model = automl.AutoClassifier(time_budget=60, max_trials=1, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skops")
    >>> automl.save(model, path)
    >>> loaded = automl.load(path)
    >>> bool((loaded.predict(X) == model.predict(X)).all())
    True
    """
    from sklearn.utils.validation import check_is_fitted

    from automl._auto import AutoPipeline

    distilled = hasattr(model, "distillation_")  # a student of AutoPipeline.distill
    if not isinstance(model, AutoPipeline) and not distilled:
        raise TypeError(f"automl.save saves an AutoPipeline, AutoClassifier or AutoRegressor "
                        f"(or what their distill returns); got {type(model).__name__}.")
    check_is_fitted(model)
    if Path(path).exists() and not force:
        raise FileExistsError(f"{path} exists; pass force=True to overwrite it.")
    if distilled:
        from automl._distill import describe_student

        info = describe_student(model, **(metadata or {}))
    else:
        info = describe(model, **(metadata or {}))
    save_model(model, path, metadata=info, force=force)


def load(path, *, trusted=None):
    """Load a model saved by :func:`save` (or ``automl fit``), refusing foreign types.

    Every type the file would build must be one of our pipelines' (from
    this package, scikit-learn, imbalanced-learn, XGBoost, LightGBM, and a
    few of numpy's): a file naming any other type raises
    :class:`ModelFileError` naming them, before anything in it is built.

    Parameters
    ----------
    path : str or Path
    trusted : list of str, default=None
        Further type names to trust, e.g. ``["mypackage.MyScorer"]``; only
        for files you trust.

    Returns
    -------
    model : AutoPipeline
        Its file metadata (target, columns, versions, ...) are in
        ``automl._model_file.load_model``'s second value.

    See Also
    --------
    save : Write one.
    """
    return load_model(path, trusted=trusted)[0]
