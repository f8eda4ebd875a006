"""DataDriftWarning, and the one warning per predict call that names the drifted columns."""

import time
import warnings

from automl.drift._profile import TrainingProfile

NO_PROFILE = ("This model has no training profile (it was fitted before automl checked "
              "drift, or the check was skipped): drift checks are unavailable; refit it "
              "to get them.")


class DataDriftWarning(UserWarning):
    """Rows given to ``predict`` differ from the training data.

    One warning per call names every affected column; ``columns`` maps each
    to what is wrong. Filter it like any warning, or make it an error with
    ``warnings.simplefilter("error", DataDriftWarning)``.

    Examples
    --------
    >>> from automl import DataDriftWarning
    >>> w = DataDriftWarning("1 column differs", columns={"x": "12.0% missing"})
    >>> issubclass(DataDriftWarning, UserWarning), w.columns
    (True, {'x': '12.0% missing'})
    """

    def __init__(self, message, columns=None):
        super().__init__(message)
        self.columns = dict(columns or {})


def drift_message(problems, n_columns):
    """The text of the warning for ``problems`` (``{column: what}``)."""
    head = (f"{len(problems)} of {n_columns} columns differ from the training data; "
            "predictions may be unreliable:")
    return "\n".join([head, *(f"  column {name!r}: {what}" for name, what in problems.items())])


def warn_drift(profile, X, *, stacklevel=2):
    """Emit one :class:`DataDriftWarning` when ``X`` drifted from ``profile``.

    ``profile`` None (a model saved before profiles existed) gives a
    ``UserWarning`` that drift checks are unavailable instead. Returns the
    problems found, ``{column: what}``.
    """
    if profile is None:
        warnings.warn(NO_PROFILE, UserWarning, stacklevel=stacklevel + 1)
        return {}
    problems = profile.check(X)
    if problems:
        warnings.warn(DataDriftWarning(drift_message(problems, len(profile.columns_)),
                                       problems), stacklevel=stacklevel + 1)
    return problems


def fit_profile(X, *, deadline=None, categorical_columns=None, time_column=None,
                random_state=None):
    """Fit a :class:`TrainingProfile` within what is left of a time budget.

    The column summaries are always made (a pass over the columns); the
    out-of-distribution detector only when ``deadline`` (a ``time.time()``)
    has not passed, else it is skipped with a note in ``notes_``. A profile
    that cannot be made (unusual input) gives None rather than failing the
    fit it belongs to.
    """
    late = deadline is not None and time.time() >= deadline
    profile = TrainingProfile(categorical_columns=categorical_columns, time_column=time_column,
                              ood_detector=None if late else "knn", random_state=random_state)
    try:
        profile.fit(X)
    except (ValueError, TypeError):
        return None
    if late:
        profile.notes_.append("the time budget was used up before the out-of-distribution "
                              "detector was fitted; ood_score is unavailable")
    return profile
