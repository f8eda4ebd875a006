"""The sections of the HTML report, each a function returning an HTML fragment."""

import html
import re

import numpy as np
import pandas as pd
from sklearn.utils import estimator_html_repr

from automl.insight import _plots
from automl.insight._data import column_kinds, label_codes, metric_scorer
from automl.insight._errors import (
    confusion_table,
    per_class_metrics,
    residual_summary,
    row_losses,
    segment_table,
)
from automl.insight._importance import feature_importances
from automl.insight._performance import performance_table

CSS = """
body{margin:0;background:#f6f7f9;color:#1d2330;font:14px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:18px;margin:0 0 10px}
h3{font-size:14px;margin:16px 0 6px;color:#444}
nav{position:sticky;top:0;background:#f6f7f9;padding:6px 0;border-bottom:1px solid #dde;
z-index:2}nav a{margin-right:14px;color:#2d5fa3;text-decoration:none;font-weight:600}
section{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:16px 20px;
margin:16px 0}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:8px 14px;
min-width:130px}.card b{display:block;font-size:18px}.card span{color:#667;font-size:12px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0}
th,td{border-bottom:1px solid #eceef2;padding:3px 10px;text-align:right;white-space:nowrap}
th{background:#f2f4f7}.scroll th{position:sticky;top:0}td:first-child,th:first-child{text-align:left}
td.text{text-align:left;white-space:normal;max-width:520px}
img.plot{max-width:100%;height:auto;display:block;margin:6px 0}
.row{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.note{color:#5b6270;font-size:12.5px}.warn{color:#a33a2b}
details summary{cursor:pointer;color:#2d5fa3;margin:6px 0}
.scroll{max-height:420px;overflow:auto}
"""


def anchors(body):
    """``(id, title)`` of each section in ``body``, for the navigation bar."""
    found = []
    for part in body:
        match = re.match(r'<section id="([^"]+)"><h2>([^<]+)</h2>', part)
        if match:
            found.append((match.group(1), html.unescape(match.group(2))))
    return found


def section(sid, title, *parts):
    return f'<section id="{sid}"><h2>{html.escape(title)}</h2>{"".join(parts)}</section>'


def note(text, cls="note"):
    return f'<p class="{cls}">{html.escape(text)}</p>'


def table_html(frame, *, index=True, text_columns=(), float_format="{:.4g}", max_rows=None):
    """A small HTML table; numbers formatted, long text left-aligned and wrapped."""
    frame = frame if max_rows is None else frame.head(max_rows)
    head = ([html.escape(str(frame.index.name or ""))] if index else []) + \
        [html.escape(str(c)) for c in frame.columns]
    rows = []
    for key, row in frame.iterrows():
        cells = [f"<td>{html.escape(str(key))}</td>"] if index else []
        for col, value in row.items():
            cls = ' class="text"' if col in text_columns else ""
            cells.append(f"<td{cls}>{html.escape(_cell(value, float_format))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    header = "".join(f"<th>{h}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _cell(value, float_format):
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else float_format.format(value)
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value)


def cards(items):
    return '<div class="cards">' + "".join(
        f'<div class="card"><span>{html.escape(k)}</span><b>{html.escape(str(v))}</b></div>'
        for k, v in items) + "</div>"


# ------------------------------------------------------------------ summary
def summary(model, X, y, training, metadata, notes):
    """The cards at the top and how the report was computed."""
    kind = _ensemble_kind(model, metadata)
    items = [("task", model.task_), ("metric", model.metric_),
             ("CV score (best pipeline)", f"{model.best_score_:.4f}"), ("predicts with", kind)]
    if metadata and metadata.get("target"):
        items.insert(0, ("target", metadata["target"]))
    if X is not None:
        source = ("training rows, out of fold" if training else "given rows") if y is not None \
            else "unlabelled rows"
        items.append(("rows reported on", f"{len(X):,} ({source})"))
    if getattr(model, "search_time_", None) is not None:
        items.append(("search", f"{_n_trials(model, metadata)} pipelines, "
                      f"{model.search_time_:.0f} s"))
    text = "".join(note(n) for n in notes)
    return cards(items) + f'<div class="notes">{text}</div>'


def _ensemble_kind(model, metadata):
    frame = getattr(model, "ensemble_", None)
    if frame is not None:
        return frame.attrs.get("kind", "single")
    return (metadata or {}).get("ensemble", "single")


def _n_trials(model, metadata):
    trials = getattr(model, "trials_", None)
    return len(trials) if trials is not None else (metadata or {}).get("n_trials", "?")


# ------------------------------------------------------------------ data
def data_section(model, X, frame):
    """Rows, columns, their types as the model reads them, missing values, checks."""
    kinds = column_kinds(model, frame)
    missing = frame.isna().mean()
    info = pd.DataFrame({
        "type": [kinds[c] for c in frame.columns],
        "dtype": [str(t) for t in frame.dtypes],
        "missing %": (missing * 100).to_numpy(),
        "distinct": frame.nunique().to_numpy(),
        "values": [_example(frame[c]) for c in frame.columns],
    }, index=pd.Index([str(c) for c in frame.columns], name="column"))
    checks = _checks(X, frame, missing)
    plot = _plots.missing_bar(missing) if (missing > 0).any() else note("No missing values.")
    counts = info["type"].value_counts()
    return section("data", "Data",
                   cards([("rows", f"{len(frame):,}"), ("columns", frame.shape[1])]
                         + [(k, int(v)) for k, v in counts.items()]),
                   "".join(note(c, "warn") for c in checks),
                   '<div class="row"><div>', plot, "</div><div class=\"scroll\">",
                   table_html(info, text_columns=("values",)), "</div></div>")


def _example(column):
    values = column.dropna()
    if pd.api.types.is_datetime64_any_dtype(values.dtype) and len(values):
        return f"{values.min():%Y-%m-%d} to {values.max():%Y-%m-%d}"
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype) and len(values):
        return f"{values.min():.4g} to {values.max():.4g}"
    return ", ".join(v[:20] for v in values.astype(str).unique()[:3])


def _checks(X, frame, missing):
    checks = []
    if isinstance(X, pd.DataFrame):
        extra = [str(c) for c in X.columns if c not in frame.columns]
        if extra:
            checks.append(f"Columns the model does not use (ignored): {', '.join(extra[:20])}.")
    empty = missing.index[missing == 1].tolist()
    if empty:
        checks.append(f"Entirely missing columns: {', '.join(map(str, empty))}.")
    constant = [str(c) for c in frame.columns if frame[c].nunique(dropna=True) == 1]
    if constant:
        checks.append(f"Constant columns: {', '.join(constant)}.")
    duplicated = int(frame.duplicated().sum())
    if duplicated:
        checks.append(f"{duplicated:,} duplicated rows.")
    return checks


# ------------------------------------------------------------------ predictions
def prediction_section(model, X):
    """Unlabelled rows: the distribution of the predictions."""
    classification = hasattr(model, "classes_") and model.task_ != "regression"
    pred = np.asarray(model.predict(X))
    if classification:
        codes = label_codes(model, pred)
        proba = np.asarray(model.predict_proba(X))
        plot = _plots.prediction_distribution(codes, proba, np.asarray(model.classes_))
        confidence = proba.max(axis=1)
        extra = note(f"Mean confidence (largest class probability): {confidence.mean():.3f}; "
                     f"{(confidence < 0.6).mean() * 100:.1f} % of rows below 0.6.")
    else:
        plot = _plots.prediction_distribution(pred.astype(float), None, None)
        extra = note(f"Predictions: mean {pred.mean():.4g}, std {pred.std():.4g}, "
                     f"range {pred.min():.4g} to {pred.max():.4g}.")
    return section("predictions", "Predictions",
                   note("No labels were given: the predictions and the data checks only."),
                   plot, extra)


# ------------------------------------------------------------------ performance
def performance_section(model, scored, seed):
    name, scorer = metric_scorer(model)
    table = performance_table(scored, scorer, name, random_state=seed)
    table.index.name = "metric"
    return section("performance", "Performance", note(f"On {scored.source}; "
                                                      f"{table.attrs['note']}."),
                   table_html(table.rename(columns={"low": "95 % low", "high": "95 % high"})))


def diagnostics_section(scored):
    """ROC, precision-recall, calibration and confusion (classification); residuals."""
    if scored.classification:
        parts = [_plots.roc_pr_curves(scored.y, scored.proba, scored.classes),
                 '<div class="row">',
                 _plots.calibration_plot(scored.y, scored.proba, scored.classes),
                 _plots.confusion_heatmap(confusion_table(scored)), "</div>",
                 _plots.per_class_bars(per_class_metrics(scored))]
    else:
        summary_table = residual_summary(scored).to_frame().T
        parts = [_plots.regression_plots(scored.y, scored.pred),
                 '<div class="scroll">', table_html(summary_table, index=False), "</div>"]
    return section("diagnostics", "Diagnostics", *parts)


# ------------------------------------------------------------------ importances
def importance_section(model, X, y, n_repeats, seed, max_rows, training):
    table = feature_importances(model, X, y, n_repeats=n_repeats, random_state=seed,
                                max_rows=max_rows, training=training)
    return section("importances", "Importances",
                   note(f"Permutation importance: {table.attrs['note']}. Near zero or "
                        "negative: the model does not need the column."),
                   _plots.importance_bar(table),
                   "<details><summary>table</summary>",
                   table_html(table.set_index("column")), "</details>")


# ------------------------------------------------------------------ error segments
def errors_section(model, scored, seed):
    name, scorer = metric_scorer(model)
    losses, loss_name = row_losses(scored, name)
    table = segment_table(scored, losses, metric_name=name, scorer=scorer,
                          kinds=column_kinds(model, scored.X), random_state=seed)
    table.attrs.update(loss=loss_name, overall_error=float(losses.mean()))
    if table.empty:
        return section("errors", "Error segments",
                       note("No segment of 30 rows or more errs more than the model overall."))
    shown = table.head(20).drop(columns=["rank"]).set_index("column")
    return section("errors", "Error segments",
                   note(f"Per-row loss: {loss_name}; overall {losses.mean():.4g}. Each column "
                        "split into quantile bins, frequent categories, 'other' and "
                        "'missing'; segments under 30 rows left out; grey bars: the 95 % "
                        "bootstrap interval includes the overall loss."),
                   _plots.segments_bar(table),
                   "<details><summary>table (top 20)</summary>",
                   table_html(shown), "</details>")


# ------------------------------------------------------------------ search
def search_section(model, metadata):
    board = getattr(model, "leaderboard_", None)
    trials = getattr(model, "trials_", None)
    parts = []
    if trials:
        parts.append(_plots.search_progress(trials))
    else:
        parts.append(note("The search history is not kept in model files; the top of the "
                          "leaderboard comes from the file's metadata."))
    if board is None and metadata and metadata.get("leaderboard"):
        board = pd.DataFrame(metadata["leaderboard"])
    if board is not None and len(board):
        cols = [c for c in ["rank", "family", "score", "score_std", "oof_score", "fit_time",
                            "status", "chosen"] if c in board.columns]
        parts += ["<h3>Leaderboard (top 10)</h3>", table_html(board[cols].head(10), index=False)]
        failed = board[board["status"].ne("ok")] if "status" in board.columns else board[:0]
        if len(failed):
            cols = [c for c in ["family", "status", "error"] if c in failed.columns]
            parts += [f"<h3>Failed and stopped candidates ({len(failed)})</h3>",
                      '<div class="scroll">',
                      table_html(failed[cols], index=False, text_columns=("error",)), "</div>"]
    return section("search", "Search", *parts)


# ------------------------------------------------------------------ model
def model_section(model, metadata=None):
    parts = []
    members = getattr(model, "ensemble_", None)
    if members is None and metadata and metadata.get("members"):
        members = pd.DataFrame(metadata["members"])  # a model file keeps them there
    if members is not None and len(members) > 1 and members["weight"].notna().all():
        parts.append(_plots.barh([f"trial {t}: {f}" for t, f in zip(members["trial"],
                                                                    members["family"])],
                                 members["weight"].to_numpy(dtype=float), title="Ensemble weights",
                                 xlabel="weight"))
    if members is not None:
        parts.append(table_html(members, index=False))
    parts += ["<h3>What predicts (model_)</h3>", estimator_html_repr(model.model_)]
    best = getattr(model, "best_pipeline_", None)
    if best is not None and best is not model.model_:
        parts += ["<h3>The best single pipeline (best_pipeline_)</h3>",
                  estimator_html_repr(best)]
    return section("model", "Model", *parts)

