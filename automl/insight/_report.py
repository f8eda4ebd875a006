"""The report: one self-contained HTML file about a fitted AutoPipeline.

It works offline: the plots are inline SVG images, the styles are in the
file, there is no external script, style sheet or font (scikit-learn's
estimator diagram brings its own inline style and script). The sections:
the data, the performance on it (with bootstrap intervals and the task's
diagnostic plots), the importances, the error segments, the search and the
model. Without labels it shows the predictions and the data checks only;
without data, the search and the model.
"""

import html
import time
from pathlib import Path

import numpy as np

from automl.insight._data import as_frame, model_input, score_rows, subsample

EXTRA = "pip install 'automl[report]'"
# The error analysis and the diagnostic plots use at most this many rows
# (the point metrics use every row).
MAX_ANALYSIS_ROWS = 20_000
# The report's permutation importances use at most this many rows.
REPORT_IMPORTANCE_ROWS = 5_000


def require_matplotlib():
    """Raise ImportError naming the ``report`` extra when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(f"the report draws its plots with matplotlib, which is not "
                          f"installed: {EXTRA}") from None


def build_report(model, X=None, y=None, *, training=False, metadata=None, n_repeats=5,
                 random_state=None, max_rows=REPORT_IMPORTANCE_ROWS, title="automl report"):
    """The HTML text of the report on a fitted AutoPipeline.

    Parameters
    ----------
    model : fitted AutoPipeline
    X : DataFrame or array-like of shape (n_samples, n_features), default=None
        Rows to report on; None: the search and the model only.
    y : array-like of shape (n_samples,), default=None
        Their labels; None: predictions and data checks only.
    training : bool, default=False
        ``X, y`` are the training rows, in order: scored with the
        out-of-fold predictions (see :func:`~automl.insight.error_analysis`).
    metadata : dict, default=None
        A model file's metadata (:func:`automl._model_file.load_model`):
        the leaderboard's top when the model no longer has ``leaderboard_``.
    n_repeats : int, default=5
        Permutation repeats of the importances.
    random_state : int, default=None
        Seed of subsamples, permutations and bootstrap; None means 0.
    max_rows : int, default=5_000
        Rows the permutation importances are computed on (a random subset).
    title : str, default="automl report"

    Returns
    -------
    html : str
    """
    require_matplotlib()
    from automl.insight import _sections

    seed = 0 if random_state is None else random_state
    started = time.time()
    notes, body = [], []
    if X is not None:
        frame = as_frame(model, X)
        body.append(_sections.data_section(model, X, frame))
        if y is None:
            body.append(_sections.prediction_section(model, model_input(model, frame)))
        else:
            body.extend(_labelled(model, frame, y, training, n_repeats, seed, max_rows, notes))
    else:
        notes.append("No data was given: pass a labelled table for the performance, the "
                     "importances and the error segments.")
    body.append(_sections.search_section(model, metadata))
    body.append(_sections.model_section(model, metadata))
    notes.append(f"Built in {time.time() - started:.1f} s.")
    head = _sections.summary(model, X, y, training, metadata, notes)
    return _page(title, head, body)


def _labelled(model, frame, y, training, n_repeats, seed, max_rows, notes):
    """The sections that need labels: performance, importances, error segments."""
    from automl.insight import _sections

    scored = score_rows(model, frame, y, training=training, what="the report")
    notes.extend(scored.notes)
    sections = [_sections.performance_section(model, scored, seed)]
    # what follows is drawn from a subsample of large tables
    rows = subsample(len(scored.y), MAX_ANALYSIS_ROWS, seed)
    if len(rows) < len(scored.y):
        notes.append(f"Error segments and diagnostic plots on a random {len(rows):,} of "
                     f"{len(scored.y):,} rows; the metrics use every row.")
    sample = scored.take(rows)
    sections.append(_sections.diagnostics_section(sample))
    labels = np.asarray(y)[_kept_rows(model, frame, training)]
    sections.append(_sections.importance_section(model, scored.X, labels, n_repeats, seed,
                                                 max_rows, training))
    sections.append(_sections.errors_section(model, sample, seed))
    return sections


def _kept_rows(model, frame, training):
    """Positions of the rows ``score_rows`` kept (training rows without OOF are dropped)."""
    if not training:
        return np.arange(len(frame))
    oof = np.asarray(model.oof_predictions_, dtype=float).reshape(len(frame), -1)
    return np.flatnonzero(~np.isnan(oof).any(axis=1))


def write_report(model, path, X=None, y=None, *, force=False, **kwargs):
    """Write the report to ``path``, atomically; never over a file without ``force``.

    Takes the parameters of :func:`build_report`; returns ``path`` as a Path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.datasets import load_diabetes
    >>> from automl import AutoPipeline
    >>> from automl.insight import write_report
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> model = AutoPipeline(time_budget=20, task="regression", max_trials=1,
    ...                      models=["linear_regression"], random_state=0).fit(X, y)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> write_report(model, path, X, y, training=True, n_repeats=2).read_text()[:15]
    '<!DOCTYPE html>'
    """
    from automl._io import atomic_write

    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass force=True (--force) to overwrite it.")
    text = build_report(model, X, y, **kwargs)

    def write(tmp):
        Path(tmp).write_text(text, encoding="utf-8")

    atomic_write(path, write, force=force)
    return path


def _page(title, head, body):
    from automl.insight import _sections

    nav = "".join(f'<a href="#{sid}">{html.escape(name)}</a>'
                  for sid, name in _sections.anchors(body))
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{_sections.CSS}</style></head>"
            f"<body><main><h1>{html.escape(title)}</h1><nav>{nav}</nav>{head}"
            f"{''.join(body)}</main></body></html>\n")

