"""The report's figures: matplotlib, drawn off-screen, returned as inline SVG images.

Figures are made with :class:`matplotlib.figure.Figure` directly (no
``pyplot``: no global state, no GUI backend) and written as SVG with text
as paths, so that the report needs no font. Scatter plots draw at most
``MAX_POINTS`` points.
"""

import base64
import html
import io

import numpy as np
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import auc, precision_recall_curve, roc_curve

MAX_POINTS = 4000
MAX_CURVES = 8  # one-vs-rest curves drawn for at most this many classes
PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3",
           "#8c8c8c", "#ccb974", "#64b5cd"]
BAD, GOOD, MUTED = "#c44e52", "#4c72b0", "#b0b0b0"


def new_figure(width=6.4, height=3.6, ncols=1):
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def to_img(fig, alt):
    """An ``<img>`` with the figure as an inline SVG data URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", dpi=120, metadata={"Date": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<img class="plot" alt="{html.escape(alt)}" '
            f'src="data:image/svg+xml;base64,{data}">')


def _style(ax, title=None, xlabel=None, ylabel=None):
    if title:
        ax.set_title(title, fontsize=10, loc="left")
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=9)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.25, linewidth=0.6)


def _height(n_bars):
    return max(1.5, min(9.0, 0.8 + 0.28 * n_bars))


def barh(labels, values, *, title, xlabel, errors=None, colors=None, alt=None, note=None):
    """Horizontal bars, first label on top."""
    labels = [str(lab)[:40] for lab in labels]
    fig, ax = new_figure(height=_height(len(labels)))
    pos = np.arange(len(labels))[::-1]
    ax.barh(pos, values, xerr=errors, color=colors or GOOD, height=0.7 if len(pos) > 2 else 0.5,
            error_kw={"elinewidth": 0.8})
    ax.set_yticks(pos, labels)
    ax.axvline(0, color="#333333", linewidth=0.6)
    _style(ax, title, xlabel)
    ax.grid(axis="y", visible=False)
    if note:
        ends = np.maximum(np.asarray(values, dtype=float), 0)
        for p, end, text in zip(pos, ends, note):
            ax.annotate(text, (end, p), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=7, color="#222222")
        ax.set_xlim(0, max(ends.max(), 1e-9) * 1.6)
    return to_img(fig, alt or title)


def missing_bar(share):
    """Share of missing values of the columns that have some."""
    share = share[share > 0].sort_values(ascending=False).head(30)
    return barh(share.index, share.to_numpy() * 100, title="Missing values",
                xlabel="% of rows missing", colors=[BAD] * len(share))


def importance_bar(table, max_columns=25):
    top = table.head(max_columns)
    colors = [GOOD if v > 0 else MUTED for v in top["importance"]]
    return barh(top["column"], top["importance"].to_numpy(), errors=top["std"].to_numpy(),
                colors=colors, title="Permutation importance of each input column",
                xlabel=f"drop of {table.attrs.get('metric', 'the metric')} when shuffled")


def segments_bar(table, max_segments=15):
    top = table.head(max_segments)
    labels = [f"{c} = {s}" for c, s in zip(top["column"], top["segment"])]
    colors = [BAD if sig else MUTED for sig in top["significant"]]
    note = [f"{n:,} rows, {e:.3g} vs {table.attrs['overall_error']:.3g}"
            for n, e in zip(top["rows"], top["error"])]
    return barh(labels, top["excess_share"].to_numpy() * 100, colors=colors, note=note,
                title="Segments holding the most excess error (grey: not significant)",
                xlabel=f"share of the total {table.attrs['loss']} in excess of the overall (%)")


def confusion_heatmap(matrix):
    n = len(matrix)
    fig, ax = new_figure(width=min(7.0, 2.8 + 0.45 * n), height=min(6.5, 2.4 + 0.45 * n))
    values = matrix.to_numpy()
    share = values / np.maximum(values.sum(axis=1, keepdims=True), 1)
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    labels = [str(c)[:14] for c in matrix.index]
    ax.set_xticks(range(n), labels, rotation=45 if n > 4 else 0, ha="right" if n > 4 else "center")
    ax.set_yticks(range(n), labels)
    if n <= 15:
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{values[i, j]:,}", ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.6 else "black")
    _style(ax, "Confusion matrix", "predicted (colour: share of the true class)", "true")
    ax.grid(False)
    return to_img(fig, "Confusion matrix")


def per_class_bars(table):
    names = [str(c)[:14] for c in table.index]
    fig, ax = new_figure(width=max(5.0, min(9.0, 1.5 + 0.9 * len(names))), height=2.8)
    x = np.arange(len(names))
    for k, metric in enumerate(["precision", "recall", "f1-score"]):
        ax.bar(x + (k - 1) * 0.27, table[metric], width=0.27, label=metric, color=PALETTE[k])
    ax.set_xticks(x, names, rotation=45 if len(names) > 5 else 0)
    ax.set_ylim(0, 1.2)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.legend(fontsize=7, ncols=3, loc="upper right", frameon=False)
    _style(ax, "Per-class metrics", None, None)
    return to_img(fig, "Per-class precision, recall and F1")


def _one_vs_rest(y, proba, classes):
    if len(classes) == 2:
        return [(str(classes[1]), y == 1, proba[:, 1])]
    counts = np.bincount(y, minlength=len(classes))
    order = np.argsort(-counts)[:MAX_CURVES]
    return [(str(classes[k]), y == k, proba[:, k]) for k in order if 0 < counts[k] < len(y)]


def _thin(n, points=800):
    """At most about ``points`` evenly spaced positions of ``n``, ends kept."""
    return np.unique(np.linspace(0, n - 1, min(n, points)).round().astype(int))


def roc_pr_curves(y, proba, classes):
    fig, (roc_ax, pr_ax) = new_figure(width=8.0, height=3.6, ncols=2)
    for k, (name, truth, score) in enumerate(_one_vs_rest(y, proba, classes)):
        if truth.all() or not truth.any():
            continue
        fpr, tpr, _ = roc_curve(truth, score)
        keep = _thin(len(fpr))
        roc_ax.plot(fpr[keep], tpr[keep], color=PALETTE[k % 10],
                    label=f"{name} (AUC {auc(fpr, tpr):.3f})")
        precision, recall, _ = precision_recall_curve(truth, score)
        keep = _thin(len(recall))
        pr_ax.plot(recall[keep], precision[keep], color=PALETTE[k % 10], label=name)
        pr_ax.axhline(truth.mean(), color=PALETTE[k % 10], linestyle=":", linewidth=0.8)
    roc_ax.plot([0, 1], [0, 1], color=MUTED, linestyle="--", linewidth=0.8)
    roc_ax.legend(fontsize=7, loc="lower right")
    pr_ax.legend(fontsize=7, loc="lower left")
    _style(roc_ax, "ROC curve", "false positive rate", "true positive rate")
    _style(pr_ax, "Precision-recall (dotted: base rate)", "recall", "precision")
    return to_img(fig, "ROC and precision-recall curves")


def calibration_plot(y, proba, classes):
    fig, ax = new_figure(width=4.4, height=3.6)
    ax.plot([0, 1], [0, 1], color=MUTED, linestyle="--", linewidth=0.8, label="perfect")
    for k, (name, truth, score) in enumerate(_one_vs_rest(y, proba, classes)):
        if truth.all() or not truth.any():
            continue
        frac, mean_pred = calibration_curve(truth, score, n_bins=10, strategy="quantile")
        ax.plot(mean_pred, frac, marker="o", markersize=3, color=PALETTE[k % 10], label=name)
    ax.legend(fontsize=7, loc="upper left")
    _style(ax, "Calibration (quantile bins)", "mean predicted probability", "observed frequency")
    return to_img(fig, "Calibration curve")


def _points(n, random_state=0):
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.random.default_rng(random_state).choice(n, MAX_POINTS, replace=False)


def regression_plots(y, pred):
    rows = _points(len(y))
    ys, ps = y[rows], pred[rows]
    fig, (a, r, h) = new_figure(width=10.0, height=3.4, ncols=3)
    a.scatter(ps, ys, s=4, alpha=0.4, color=GOOD, linewidths=0, rasterized=True)
    lo, hi = np.nanmin([ys.min(), ps.min()]), np.nanmax([ys.max(), ps.max()])
    a.plot([lo, hi], [lo, hi], color=BAD, linewidth=0.8)
    _style(a, "Predicted against actual", "predicted", "actual")
    r.scatter(ps, ys - ps, s=4, alpha=0.4, color=GOOD, linewidths=0, rasterized=True)
    r.axhline(0, color=BAD, linewidth=0.8)
    _style(r, "Residuals", "predicted", "actual - predicted")
    h.hist(y - pred, bins=50, color=GOOD)
    _style(h, "Residual distribution", "actual - predicted", "rows")
    note = f" ({len(rows):,} of {len(y):,} rows drawn)" if len(rows) < len(y) else ""
    return to_img(fig, "Regression diagnostics" + note)


def prediction_distribution(pred, proba, classes):
    fig, ax = new_figure(width=6.0, height=3.2)
    if classes is not None:
        counts = np.bincount(pred, minlength=len(classes))
        ax.bar([str(c)[:14] for c in classes], counts / counts.sum() * 100, color=GOOD)
        _style(ax, "Predicted classes", None, "% of rows")
    else:
        ax.hist(pred, bins=50, color=GOOD)
        _style(ax, "Predicted values", "prediction", "rows")
    return to_img(fig, "Distribution of the predictions")


def search_progress(trials):
    """Best CV score so far against the time spent on candidates, by family."""
    fig, (prog, spent) = new_figure(width=10.0, height=3.8, ncols=2)
    times = np.nancumsum([t.fit_time if np.isfinite(t.fit_time) else 0.0 for t in trials])
    families = sorted({t.family.name for t in trials})
    color = {f: PALETTE[i % 10] for i, f in enumerate(families)}
    best, best_x, best_y = {}, [], []
    for t, x in zip(trials, times):
        if not (t.ok and t.train_fraction == 1.0):
            continue
        name = t.family.name
        prog.scatter([x], [t.score], s=24, color=color[name], alpha=0.8, linewidths=0, zorder=3)
        if t.score > best.get(name, -np.inf):
            best[name] = t.score
        if not best_y or t.score > best_y[-1]:
            best_x.append(x)
            best_y.append(t.score)
    if best_y:
        prog.step(best_x + [times[-1]], best_y + [best_y[-1]], where="post", color="black",
                  linewidth=1.2, label="best so far")
        # the worst 10 % (failed-to-learn candidates) would flatten the rest
        scores = [t.score for t in trials if t.ok and t.train_fraction == 1.0]
        low = np.quantile(scores, 0.1) if len(scores) >= 10 else min(scores)
        span = max(best_y[-1] - low, 0.01 * abs(best_y[-1]), 1e-3)
        prog.set_ylim(low - 0.08 * span, best_y[-1] + 0.08 * span)
    for name in families:
        prog.scatter([], [], color=color[name], label=name, s=24)
    prog.legend(fontsize=6, loc="best", ncols=2, framealpha=0.7)
    prog.ticklabel_format(axis="y", useOffset=False)
    _style(prog, "Search: CV score of each candidate", "time spent on candidates (s, summed "
           "over workers)", "CV score")
    _family_time(spent, trials, families)
    return to_img(fig, "Search progress and time per family")


def _family_time(ax, trials, families):
    statuses = ["ok", "timeout", "error"]
    colors = {"ok": GOOD, "timeout": "#dd8452", "error": BAD}
    left = np.zeros(len(families))
    pos = np.arange(len(families))[::-1]
    for status in statuses:
        widths = np.array([sum(t.fit_time for t in trials if t.family.name == f and
                               np.isfinite(t.fit_time) and
                               (t.status == status or (status == "error" and
                                                       t.status not in statuses)))
                           for f in families])
        counts = [sum(1 for t in trials if t.family.name == f and t.status == status)
                  for f in families]
        ax.barh(pos, widths, left=left, color=colors[status],
                label=f"{status} ({sum(counts)})")
        left += widths
    ax.set_yticks(pos, families)
    ax.legend(fontsize=7, loc="lower right")
    _style(ax, "Time spent per family (candidates by status)", "fit time (s)")
    ax.grid(axis="y", visible=False)
