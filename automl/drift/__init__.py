"""Predict-time safety: is a batch like the training data?

A :class:`TrainingProfile` summarises a training table (ranges, quantiles,
missing rates, categories) and holds an :class:`OODDetector`; at predict
time :func:`warn_drift` emits one :class:`DataDriftWarning` naming the
columns that drifted, :func:`drift_report` gives the per-column statistics
and an adversarial-validation score, and the detector scores each row.
Nothing here changes a prediction.
"""

from automl.drift._ood import OODDetector
from automl.drift._profile import TrainingProfile
from automl.drift._report import adversarial_auc, drift_report
from automl.drift._warning import DataDriftWarning, fit_profile, warn_drift

__all__ = [
    "DataDriftWarning",
    "OODDetector",
    "TrainingProfile",
    "adversarial_auc",
    "drift_report",
    "fit_profile",
    "warn_drift",
]
