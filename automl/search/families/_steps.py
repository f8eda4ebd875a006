"""The parts of a candidate's pipeline: the head before the model, the model in its wrappers.

A candidate's model may sit inside target transforms
(:class:`~sklearn.compose.TransformedTargetRegressor`: a log of the target,
the MLP's standardised target) and a label encoder
(:class:`~automl.search._label.LabelEncodedClassifier`). The families fit
the head and the model apart (the model with a validation split or in
chunks), and reach the innermost model to set or read its length.
"""

import numpy as np
from sklearn.compose import TransformedTargetRegressor

from automl.search._label import LabelEncodedClassifier


def innermost(final, fitted=False):
    """The innermost model of ``final``, through its wrappers.

    ``fitted=True``: the fitted one of a fitted ``final`` (the wrappers fit
    clones, ``regressor_`` and ``estimator_``).
    """
    suffix = "_" if fitted else ""
    if isinstance(final, TransformedTargetRegressor):
        return innermost(getattr(final, "regressor" + suffix), fitted)
    if isinstance(final, LabelEncodedClassifier):
        return innermost(getattr(final, "estimator" + suffix), fitted)
    return final


def inner_target(final, y):
    """``y`` as the innermost fitted model of ``final`` saw it (through its target transforms)."""
    while isinstance(final, TransformedTargetRegressor):
        y = np.asarray(final.transformer_.transform(np.asarray(y).reshape(-1, 1))).ravel()
        final = final.regressor_
    return y


def fit_head(head, X, y):
    """Fit the steps before the model; ``(X, y)`` as the model sees them (resampled or not)."""
    if not head.steps:
        return X, y
    if hasattr(head.steps[-1][1], "fit_resample"):
        return head.fit_resample(X, y)
    return head.fit_transform(X, y), y


def transform_head(head, X):
    """``X`` through the fitted steps of ``head``; samplers act at fit time only."""
    for _, step in head.steps:
        if step not in (None, "passthrough") and not hasattr(step, "fit_resample"):
            X = step.transform(X)
    return X
