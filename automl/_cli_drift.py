"""Drift checks on the command line: ``automl predict --strict/--ood-column``, ``automl info``.

``automl predict`` prints one line per drifted column on stderr
(``automl: drift: column 'age': ...``); ``--strict`` makes drift an error
(exit status 2, no output written); ``--quiet`` silences the lines.
"""

import sys
import warnings
from contextlib import contextmanager

from sklearn.exceptions import NotFittedError

from automl._cli import UserError
from automl.drift import DataDriftWarning
from automl.drift._warning import NO_PROFILE


@contextmanager
def drift_checked(model, args):
    """Run the predictions inside; report the drift they warned about.

    A ``ValueError`` of the model (a column whose values no longer parse)
    becomes a one-line user error, after the drift lines that explain it.
    """
    if getattr(model, "training_profile_", None) is None:
        if args.strict:
            raise UserError(f"--strict: {NO_PROFILE}")
        if not args.quiet:
            print(f"automl: note: {NO_PROFILE}", file=sys.stderr)
    failure = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataDriftWarning)
        try:
            yield
        except ValueError as exc:
            failure = exc
    problems = {}
    for record in caught:
        if issubclass(record.category, DataDriftWarning):
            problems.update(record.message.columns)
        else:  # shown only under --debug: the other warnings are ignored otherwise
            warnings.showwarning(record.message, record.category, record.filename,
                                 record.lineno)
    if not args.quiet:
        for name, what in problems.items():
            print(f"automl: drift: column {name!r}: {what}", file=sys.stderr)
    if failure is not None:
        raise UserError(str(failure).splitlines()[0]) from None
    if problems and args.strict:
        names = ", ".join(map(repr, problems))
        raise UserError(f"--strict: {len(problems)} column(s) drifted from the training "
                        f"data ({names}); nothing written.")


def ood_column(model, X, name, result):
    """The ``--ood-column`` values: the model's per-row out-of-distribution score."""
    if name in result.columns:
        raise UserError(f"--ood-column {name!r} clashes with an output column; choose another "
                        "name.")
    try:
        return model.ood_score(X)
    except NotFittedError as exc:
        raise UserError(f"--ood-column: {exc}") from None
    except AttributeError:  # a model object from before ood_score existed
        raise UserError(f"--ood-column: {NO_PROFILE}") from None


def profile_lines(model):
    """``automl info`` lines for the training profile."""
    profile = getattr(model, "training_profile_", None)
    if profile is None:
        return ["drift profile none: drift checks are unavailable (refit the model to get them)"]
    first, *rest = profile.summary(max_columns=12)
    return [f"drift profile {first}", *(f"              {line}" for line in rest)]
