"""Insight into a fitted AutoPipeline: importances, error analysis, an HTML report.

Everything here reads the public attributes of a fitted model and calls its
public ``predict`` / ``predict_proba``: it works the same on a model just
fitted and on one loaded from a model file.
"""

from automl.insight._errors import (
    confusion_table,
    error_analysis,
    per_class_metrics,
    residual_summary,
)
from automl.insight._importance import feature_importances
from automl.insight._report import build_report, write_report

__all__ = [
    "build_report",
    "confusion_table",
    "error_analysis",
    "feature_importances",
    "per_class_metrics",
    "residual_summary",
    "write_report",
]
