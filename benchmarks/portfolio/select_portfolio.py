"""Portfolio selection from the stored offline results (issue 24).

Reads ``results/`` (written by ``evaluate.py``), simulates greedy ensembles
of configurations from their stored out-of-fold predictions, and chooses an
ordered portfolio per task kind (classification, regression) by greedy
forward selection: each step adds the configuration whose addition most
raises the mean normalised score of the simulated ensemble across datasets,
per CPU second (the selection methods below). The methods are compared with
the datasets held out from their own selection (k-fold over datasets), and
the better one is trained on every dataset and written to
``portfolio.json``, bit for bit the same from the same results.

Named ``select_portfolio.py``, not ``select.py``: a ``select.py`` beside a
script would shadow the standard library's ``select`` module (which
``subprocess`` imports) for every script run from this folder.

Normalised score on a dataset: 0 = the constant predictor (class priors or
the mean), 1 = the best the pool reaches there (the better of its best single
configuration and the greedy ensemble of its 20 best), clipped to [0, 1] (a
configuration that failed or timed out scores 0). Without the ensemble in
the top and the clip, a table where nothing beats the constant predictor by
more than noise (RMSE 0.999995 of the mean's) gives its ensembles scores of
10 and outweighs every other dataset. Datasets where the best single
configuration beats the constant predictor by less than ``MIN_SIGNAL`` of
its score have nothing to rank configurations by, and are left out. Scores are those of
the stored subsample's out-of-fold predictions (the task's default metric:
ROC AUC, log loss, RMSE), so that single configurations and ensembles are
scored on the same rows.

``portfolio.json``: ``groups.classification`` and ``groups.regression``,
each with the chosen ``method``, its held-out table and ``portfolios``: a
list of ``{"id", "family", "changes", "expected_gain", "relative_cpu"}`` in
order under ``"all"`` and, for ``size_bands``, one under each band's name
(``"rows<1000"``, ``"1000<=rows<5000"``, ``"rows>=5000"``; ``"all"`` where a
band had too few datasets). ``changes`` are edits of the family's default
candidate, applied as ``evaluate.apply_changes`` does.

Usage::

    python benchmarks/portfolio/select_portfolio.py   # table + automl/search/portfolio.json
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from evaluate import DEFAULT_POOL, DEFAULT_RESULTS, load_pool, read_pair  # noqa: E402

DEFAULT_OUT = HERE.parents[1] / "automl" / "search" / "portfolio.json"
ENSEMBLE_ITERATIONS = 20
MAX_LENGTH = 12
MIN_GAIN = 1e-4
# weights j / (n + j) at which a candidate is mixed into the current ensemble
# of n selections, to estimate its gain (the chosen one's ensemble is then
# rebuilt by the full greedy selection)
MIX_STEPS = (1, 3, 8)
LENGTHS = (1, 2, 4, 8)
BUDGETS = (5.0, 15.0, 60.0)
SIZE_BANDS = ((0, 1_000), (1_000, 5_000), (5_000, None))
TASK_GROUPS = {"binary": "classification", "multiclass": "classification",
               "regression": "regression"}
FLOOR_SECONDS = 0.05
# the pool's ensemble of its best singles defines a dataset's top score
TOP_ENSEMBLE_MEMBERS = 20
# a dataset counts when its best single configuration beats the constant
# predictor by this fraction of the constant's score (0.005 ROC AUC, 1 % of RMSE)
MIN_SIGNAL = 0.01
AUC_BINS = 4096


# ----------------------------------------------------------------- scoring
def score_many(kind, y, pred):
    """Scores (greater is better) of predictions stacked on the leading axes.

    ``kind``: ``"auc"`` (``pred`` the positive class's probability, ``y`` 0/1
    codes), ``"logloss"`` (``pred`` ``(..., n, k)`` probabilities, ``y``
    class codes; returns the negative log loss) or ``"rmse"`` (negative).
    """
    pred = np.asarray(pred, dtype=np.float64)
    if kind == "rmse":
        return -np.sqrt(np.mean((pred - y) ** 2, axis=-1))
    if kind == "logloss":
        proba = np.clip(pred, 1e-15, 1.0)
        proba = proba / proba.sum(axis=-1, keepdims=True)
        picked = np.take_along_axis(proba, np.broadcast_to(
            y[:, None], proba.shape[:-1] + (1,)), axis=-1)[..., 0]
        return np.mean(np.log(picked), axis=-1)
    return _binned_auc(y == 1, pred)


def _binned_auc(positive, pred, n_bins=AUC_BINS):
    """ROC AUC of each row of ``pred`` (probabilities), from histograms instead of a sort.

    Scores in one of ``n_bins`` equal bins of [0, 1] count as tied (half a
    win), so that this is the Mann-Whitney statistic of the scores rounded
    to bins: exact for scores on the bin grid, and within the resolution of
    the stored float16 predictions otherwise; a sort per ensemble tried was
    most of the selection's time.
    """
    n_pos, n_neg = positive.sum(), (~positive).sum()
    shape = pred.shape[:-1]
    if not n_pos or not n_neg:
        return np.zeros(shape)
    flat = pred.reshape(-1, pred.shape[-1])
    bins = np.clip(np.floor(flat * n_bins).astype(np.int64), 0, n_bins - 1)
    bins += (np.arange(len(flat)) * n_bins)[:, None]
    pos = np.bincount(bins[:, positive].ravel(), minlength=len(flat) * n_bins)
    neg = np.bincount(bins[:, ~positive].ravel(), minlength=len(flat) * n_bins)
    pos, neg = pos.reshape(len(flat), n_bins), neg.reshape(len(flat), n_bins)
    below = np.cumsum(neg, axis=1) - neg
    wins = (pos * (below + 0.5 * neg)).sum(axis=1)
    return (wins / (n_pos * n_neg)).reshape(shape)


def constant_score(kind, y, n_classes=2):
    """The constant predictor's score: priors of the stored rows, or their mean."""
    if kind == "auc":
        return 0.5
    if kind == "rmse":
        return float(score_many(kind, y, np.full(len(y), np.mean(y))))
    priors = np.bincount(y, minlength=n_classes) / len(y)
    return float(score_many(kind, y, np.tile(priors, (len(y), 1))))


def normalised(score, const, best):
    """0 = constant predictor, 1 = best, clipped to [0, 1] (all 0 when best <= const)."""
    span = best - const
    if not span > 0:
        return np.zeros_like(np.asarray(score, dtype=float))
    return np.clip((np.asarray(score, dtype=float) - const) / span, 0.0, 1.0)


# ------------------------------------------------------------ the datasets
class Dataset:
    """One dataset's stored results: predictions, scores, CPU seconds per configuration."""

    def __init__(self, name, task, y, preds, seconds, meta=None):
        self.name, self.task, self.meta = name, task, meta or {}
        self.group = TASK_GROUPS[task]
        self.kind = {"binary": "auc", "multiclass": "logloss"}.get(task, "rmse")
        self.y = np.asarray(y)
        self.preds = {k: np.asarray(v, dtype=np.float64) for k, v in preds.items()}
        self.seconds = dict(seconds)
        self.ids = list(self.seconds)
        n_classes = next(iter(self.preds.values())).shape[-1] if self.kind == "logloss" else 2
        self.const = constant_score(self.kind, self.y, n_classes)
        self.single = {k: float(score_many(self.kind, self.y, p)) for k, p in self.preds.items()}
        self.best_single = max(self.single.values(), default=self.const)
        top = sorted(self.single, key=self.single.get)[-TOP_ENSEMBLE_MEMBERS:]
        self.best = max(self.best_single, ensemble_state(self, top[::-1])[0])

    @property
    def has_signal(self):
        """Whether the best single configuration beats the constant predictor beyond ``MIN_SIGNAL``."""
        return self.best_single - self.const > MIN_SIGNAL * abs(self.const)

    def norm(self, score):
        return normalised(score, self.const, self.best)

    def relative_seconds(self, config_id):
        """CPU seconds of ``config_id`` relative to this dataset's median configuration."""
        median = max(FLOOR_SECONDS, float(np.median(list(self.seconds.values()))))
        return max(FLOOR_SECONDS, self.seconds.get(config_id, median)) / median


def load_results(results, pool, complete_only=True):
    """The stored datasets (only those with every applicable configuration done, by default)."""
    from automl.search import FAMILIES

    datasets = []
    for folder in sorted(p for p in Path(results).iterdir() if (p / "dataset.json").exists()):
        info = json.loads((folder / "dataset.json").read_text())
        with np.load(folder / "dataset.npz") as arrays:
            y = arrays["y"]
        wanted = [i["id"] for i in pool if FAMILIES[i["family"]].supports(info["task"])]
        preds, seconds = {}, {}
        for config_id in wanted:
            path = folder / (config_id.replace("/", "__") + ".npz")
            if not path.exists():
                continue
            record, oof = read_pair(path)
            seconds[config_id] = float(record["total_cpu_s"])
            if record["status"] == "ok" and oof is not None:
                preds[config_id] = _expand(oof, info["task"])
        if not preds or (complete_only and len(seconds) < len(wanted)):
            continue
        datasets.append(Dataset(info["name"], info["task"], y, preds, seconds, info))
    return datasets


def _expand(oof, task):
    oof = oof.astype(np.float64)
    if task == "multiclass":
        return oof / np.maximum(oof.sum(axis=1, keepdims=True), 1e-12)
    return oof


# -------------------------------------------------------------- ensembles
def ensemble_state(dataset, members, n_iterations=ENSEMBLE_ITERATIONS):
    """Greedy ensemble selection with replacement (Caruana) over ``members``' predictions.

    The same procedure as :func:`automl.ensemble.greedy_ensemble_selection`
    (ties to the first listed, weights of the best step), with the scorer
    vectorised over the candidates. Returns ``(score, total, count)``: the
    best step's score and its summed predictions and selection count;
    ``(constant score, None, 0)`` when no member has predictions.
    """
    members = [m for m in members if m in dataset.preds]
    if not members:
        return dataset.const, None, 0
    stacked = np.stack([dataset.preds[m] for m in members])
    total = np.zeros_like(stacked[0])
    best = (-np.inf, None, 0)
    for step in range(1, n_iterations + 1):
        scores = score_many(dataset.kind, dataset.y, (total + stacked) / step)
        chosen = int(np.argmax(scores))
        total = total + stacked[chosen]
        if scores[chosen] > best[0]:
            best = (float(scores[chosen]), total.copy(), step)
        if len(members) == 1:
            break
    return best


def mixed_scores(dataset, state, candidates):
    """Estimated ensemble score with each candidate added: mixed in at the best of a few weights."""
    score, total, count = state
    out = np.full(len(candidates), score, dtype=float)
    have = [i for i, c in enumerate(candidates) if c in dataset.preds]
    if not have:
        return out
    stacked = np.stack([dataset.preds[candidates[i]] for i in have])
    if total is None:
        out[have] = score_many(dataset.kind, dataset.y, stacked)
        return out
    mixes = np.stack([(total + j * stacked) / (count + j) for j in MIX_STEPS], axis=1)
    out[have] = np.maximum(score, score_many(dataset.kind, dataset.y, mixes).max(axis=1))
    return out


def portfolio_scores(dataset, portfolio, lengths=LENGTHS, budgets=BUDGETS):
    """Normalised ensemble scores of the portfolio's first ``L`` members and within CPU budgets."""
    out = {}
    for length in lengths:
        out[f"L={length}"] = float(dataset.norm(ensemble_state(dataset, portfolio[:length])[0]))
    for budget in budgets:
        spent, members = 0.0, []
        for config_id in portfolio:
            spent += dataset.seconds.get(config_id, 0.0)
            if spent > budget:
                break
            members.append(config_id)
        out[f"<={budget:g}s"] = float(dataset.norm(ensemble_state(dataset, members)[0]))
    return out


# -------------------------------------------------------------- selection
def greedy_portfolio(datasets, candidates, per_second=True, max_length=MAX_LENGTH,
                     min_gain=MIN_GAIN):
    """Greedy forward selection of configurations on ``datasets``.

    Each step adds the candidate with the largest gain in mean normalised
    ensemble score (estimated by :func:`mixed_scores`), divided by its mean
    relative CPU time when ``per_second``; it stops at ``max_length`` or
    when no candidate gains ``min_gain``. Returns a list of
    ``(config_id, gain, relative_seconds)``.
    """
    candidates = list(candidates)
    if not datasets or not candidates:
        return []
    states = [ensemble_state(d, []) for d in datasets]
    cost = np.array([np.mean([d.relative_seconds(c) for d in datasets]) for c in candidates])
    chosen = []
    while len(chosen) < max_length:
        current = np.mean([d.norm(s[0]) for d, s in zip(datasets, states)])
        new = np.mean([d.norm(mixed_scores(d, s, candidates))
                       for d, s in zip(datasets, states)], axis=0)
        gain = new - current
        gain[[c in {x for x, _, _ in chosen} for c in candidates]] = -np.inf
        value = gain / cost if per_second else gain
        best = int(np.argmax(value))  # first of the ties: the pool's order
        if not gain[best] >= min_gain:
            break
        chosen.append((candidates[best], float(gain[best]), float(cost[best])))
        members = [c for c, _, _ in chosen]
        states = [ensemble_state(d, members) for d in datasets]
    return chosen


def _band(dataset):
    rows = dataset.meta.get("rows_used", 0)
    for low, high in SIZE_BANDS:
        if rows >= low and (high is None or rows < high):
            return _band_name(low, high)
    return _band_name(*SIZE_BANDS[-1])


def _band_name(low, high):
    return f"rows>={low}" if high is None else f"rows<{high}" if low == 0 else f"{low}<=rows<{high}"


def handwritten(pool, task):
    """The package's hand-written portfolio as pool ids: each family's default, then the variants."""
    from automl.search import families_for

    families = families_for(task)
    ids = {i["id"] for i in pool}
    order = [f"{f.name}/default" for f in families]
    order += [f"{f.name}/variant{i}" for f in families for i in range(len(f.variants))]
    return [i for i in order if i in ids]


class Method:
    """A selection method: ``fit(datasets)`` then ``portfolio(dataset)`` for a new dataset."""

    def __init__(self, name, candidates, per_second=True, by_band=False, fixed=None):
        self.name, self.candidates = name, candidates
        self.per_second, self.by_band, self.fixed = per_second, by_band, fixed

    def fit(self, datasets):
        if self.fixed is not None:
            self.portfolios_ = {"all": [(c, None, None) for c in self.fixed]}
            return self
        self.portfolios_ = {"all": greedy_portfolio(datasets, self.candidates, self.per_second)}
        if self.by_band:
            for low, high in SIZE_BANDS:
                band = [d for d in datasets if _band(d) == _band_name(low, high)]
                # too few datasets in the band: the portfolio of all of them
                if len(band) >= 3:
                    self.portfolios_[_band_name(low, high)] = greedy_portfolio(
                        band, self.candidates, self.per_second)
        return self

    def portfolio(self, dataset):
        key = _band(dataset) if self.by_band else "all"
        return [c for c, _, _ in self.portfolios_.get(key, self.portfolios_["all"])]


def make_methods(pool, group):
    """The compared methods for a task group."""
    from automl.search import FAMILIES

    kind = "classification" if group == "classification" else "regression"
    candidates = [i["id"] for i in pool if kind in FAMILIES[i["family"]].tasks]
    task = "binary" if group == "classification" else "regression"
    return [
        Method("greedy_per_second", candidates, per_second=True),
        Method("greedy_gain", candidates, per_second=False),
        Method("size_bands", candidates, per_second=True, by_band=True),
        Method("handwritten", candidates, fixed=handwritten(pool, task)),
    ]


def dataset_folds(datasets, k, seed=0):
    """k folds over datasets (leave-one-out when k >= the number of datasets)."""
    order = np.random.RandomState(seed).permutation(len(datasets))
    k = max(2, min(k, len(datasets)))
    return [sorted(order[i::k].tolist()) for i in range(k)]


def held_out(datasets, methods, k):
    """Each method's scores on each dataset, learned without it (k-fold over datasets)."""
    rows = []
    if len(datasets) < 2:
        return rows
    for fold in dataset_folds(datasets, k):
        test = [datasets[i] for i in fold]
        train = [d for i, d in enumerate(datasets) if i not in fold]
        for method in methods:
            method.fit(train)
            for d in test:
                rows.append({"method": method.name, "dataset": d.name,
                             **portfolio_scores(d, method.portfolio(d))})
    return rows


def summarise(rows):
    """Mean of each column per method, in the methods' order."""
    table = {}
    for row in rows:
        table.setdefault(row["method"], []).append(row)
    out = {}
    for method, group in table.items():
        columns = [k for k in group[0] if k not in ("method", "dataset")]
        out[method] = {c: round(float(np.mean([r[c] for r in group])), 4) for c in columns}
        out[method]["n_datasets"] = len(group)
    return out


def markdown(summary, title):
    if not summary:
        return f"{title}: no datasets with complete results yet.\n"
    columns = [c for c in next(iter(summary.values())) if c != "n_datasets"]
    lines = [f"{title} (mean normalised score, datasets held out from their own selection)", "",
             "| method | " + " | ".join(columns) + " | datasets |",
             "|---" * (len(columns) + 2) + "|"]
    for method, row in summary.items():
        lines.append(f"| {method} | " + " | ".join(f"{row[c]:.4f}" for c in columns)
                     + f" | {row['n_datasets']} |")
    return "\n".join(lines) + "\n"


def choose(summary):
    """The learned method with the best mean over the budget columns (ties: listed first)."""
    learned = {m: v for m, v in summary.items() if m != "handwritten"}
    if not learned:
        return "greedy_per_second"

    def value(row):
        return np.mean([row[c] for c in row if c.startswith("<=")])

    return max(learned, key=lambda m: (round(value(learned[m]), 6), -list(learned).index(m)))


def _entries(chosen, pool, group):
    """The portfolio's entries, each change kept only where the group's space has its key."""
    from evaluate import _full_context

    from automl.search import FAMILIES
    from automl.search._space import candidate_space

    ctx = _full_context("binary" if group == "classification" else "regression")
    by_id = {i["id"]: i for i in pool}

    def changes(config_id):
        space = candidate_space(FAMILIES[by_id[config_id]["family"]], ctx)
        return {k: v for k, v in by_id[config_id]["changes"].items() if k in space}

    return [{"id": c, "family": by_id[c]["family"], "changes": changes(c),
             "expected_gain": None if g is None else round(g, 6),
             "relative_cpu": None if s is None else round(s, 4)} for c, g, s in chosen]


def build(results, pool, k=5, partial=False):
    """Everything ``portfolio.json`` holds, and the Markdown tables."""
    datasets = load_results(results, pool, complete_only=not partial)
    out = {"format": 1, "generated_by": "python benchmarks/portfolio/select_portfolio.py",
           "pool": "benchmarks/portfolio/pool.json", "results": "benchmarks/portfolio/results",
           "ensemble_iterations": ENSEMBLE_ITERATIONS, "partial": partial, "groups": {}}
    text = []
    for group in ("classification", "regression"):
        members = [d for d in datasets if d.group == group and d.has_signal]
        no_signal = [d.name for d in datasets if d.group == group and not d.has_signal]
        methods = make_methods(pool, group)
        summary = summarise(held_out(members, methods, k))
        text.append(markdown(summary, f"{group}, {len(members)} datasets, {k}-fold over datasets"))
        text.append(f"left out, no configuration beats the constant predictor by "
                    f"{MIN_SIGNAL:.0%}: {', '.join(no_signal) or 'none'}\n")
        name = choose(summary)
        method = next(m for m in methods if m.name == name).fit(members)
        out["groups"][group] = {
            "datasets": [d.name for d in members], "no_signal": no_signal,
            "method": name, "held_out": summary,
            # rows of each band's portfolio, as automl.search._learned_portfolio reads them
            "bands": {_band_name(low, high): [low, high] for low, high in SIZE_BANDS
                      if _band_name(low, high) in method.portfolios_},
            "portfolios": {band: _entries(chosen, pool, group)
                           for band, chosen in method.portfolios_.items()},
        }
    return out, "\n".join(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(DEFAULT_RESULTS))
    parser.add_argument("--pool", default=str(DEFAULT_POOL))
    parser.add_argument("--out", default=str(DEFAULT_OUT),
                        help="the portfolio file (default: the one the package ships)")
    parser.add_argument("--folds", type=int, default=5, help="k of k-fold over datasets")
    parser.add_argument("--partial", action="store_true",
                        help="also datasets not yet done with the whole pool (a preview)")
    args = parser.parse_args(argv)
    pool = load_pool(args.pool)
    out, text = build(args.results, pool, args.folds, args.partial)
    print(text)
    path = Path(args.out)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(out, indent=1) + "\n")
    tmp.replace(path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
