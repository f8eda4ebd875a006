"""Offline evaluation of a pool of candidate configurations on the meta-learning corpus (issue 24).

Every configuration of a fixed pool (``pool.json``) is cross-validated on
every dataset of the corpus (``../shared/meta/``, never the evaluation suite
``../shared/datasets/``), with one fixed CV per dataset, and the outcome is
stored per (dataset, configuration) under ``results/<dataset>/<id>.npz``:
fold scores with the package's default metric for the task, fit and predict
time as CPU seconds (``time.process_time``, one thread) and wall seconds,
status and error, and the out-of-fold predictions as float16 on a fixed
subsample of rows (the rows and their true targets stored once per dataset
in ``results/<dataset>/dataset.npz``), so that ensembles of configurations
can be simulated without refitting (``select_portfolio.py``).

A pool entry is a family and *changes* to that family's default candidate
(:func:`automl.search._space.default_config`); a change to a key outside
the dataset's candidate space, or to a value outside that key's range, is
left out, as the search does with the families' ``variants``. So one entry
applies to every dataset of its family's tasks.

Resumable: a pair whose file exists is skipped; files are written
atomically. Run single-threaded (``OMP_NUM_THREADS=1``, set here before
numpy loads); each candidate may use ``--cpu-cap`` CPU seconds (enforced with
``RLIMIT_CPU``), past which it is recorded as a timeout. ``kill -STOP`` /
``kill -CONT`` pause and continue it; the CPU cap and CPU times are not
affected, and the record of a candidate that was paused says so
(``paused: true``; its wall times include the pause).

Usage::

    python benchmarks/portfolio/evaluate.py            # start or resume
    python benchmarks/portfolio/evaluate.py --plan     # the work and its estimate, no fitting
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy loads: CPU seconds of one thread

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
import zlib  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "meta"
DEFAULT_RESULTS = HERE / "results"
DEFAULT_POOL = HERE / "pool.json"
# Rows kept per dataset (a stratified subsample above it), folds below and
# from FEW_FOLDS_ROWS rows, and the CV seed.
MAX_ROWS = 10_000
N_FOLDS, FEW_FOLDS, FEW_FOLDS_ROWS = 5, 3, 5_000
CV_SEED = 0
# Out-of-fold predictions kept: at most this many rows, and at most
# OOF_VALUES values per configuration (rows x stored columns) on many classes.
OOF_ROWS, OOF_VALUES = 2_000, 4_000
SAMPLES_PER_FAMILY = 8
CPU_CAP = 60.0
FLOAT16_MAX = 60_000.0


# ---------------------------------------------------------------- the pool
def _full_context(task):
    """A context under which every preprocessing key of the space exists."""
    from automl.search import SearchContext

    return SearchContext(task=task, n_samples=5_000, n_features=12, imbalanced=True,
                         skewed_target=True, native_categoricals=1,
                         class_counts={0: 100, 1: 900})


def _python(value):
    return value.item() if isinstance(value, np.generic) else value


def family_space(family):
    """Every dimension a candidate of ``family`` may have, over the tasks it handles."""
    from automl.search._space import candidate_space

    space = {}
    for task, kind in (("binary", "classification"), ("regression", "regression")):
        if kind in family.tasks:
            space.update(candidate_space(family, _full_context(task)))
    return space


def make_pool(samples_per_family=SAMPLES_PER_FAMILY, seed=0):
    """The pool: each family's default, its variants, then seeded samples of its space.

    Returns a list of ``{"id", "family", "changes"}``; the samples are
    interleaved across families (every family's first sample, then every
    second...), so that a prefix of the pool covers all families.
    """
    from automl.search import FAMILIES

    pool, samples = [], []
    for name, family in FAMILIES.items():
        pool.append({"id": f"{name}/default", "family": name, "changes": {}})
        pool += [{"id": f"{name}/variant{i}", "family": name, "changes": dict(v)}
                 for i, v in enumerate(family.variants)]
        space = family_space(family)
        rng = np.random.RandomState(seed + zlib.crc32(name.encode()) % 2**31)
        drawn = []
        for i in range(samples_per_family):
            changes = {k: _python(space[k].rvs(n_samples=1, random_state=rng)[0])
                       for k in sorted(space)}
            drawn.append({"id": f"{name}/s{i:02d}", "family": name, "changes": changes})
        samples.append(drawn)
    for i in range(samples_per_family):
        pool += [drawn[i] for drawn in samples]
    return pool


def load_pool(path, samples_per_family=SAMPLES_PER_FAMILY):
    """The pool in ``path``; written there first (atomically) when it does not exist."""
    path = Path(path)
    if not path.exists():
        _write_json(path, make_pool(samples_per_family))
    pool = json.loads(path.read_text())
    ids = [e["id"] for e in pool]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicated configuration ids.")
    return pool


def apply_changes(family, ctx, changes):
    """The candidate of ``family`` for ``ctx``: the search's :func:`with_changes`."""
    from automl.search._space import with_changes

    return with_changes(family, ctx, changes)


# ------------------------------------------------------------ the datasets
def load_corpus(corpus):
    """The corpus manifest's entries, cheapest first (capped rows x features, then name)."""
    corpus = Path(corpus).resolve()
    if corpus.name == "datasets" and corpus.parent.name == "shared":
        raise ValueError(f"{corpus} is the evaluation suite: learn only on ../shared/meta.")
    entries = json.loads((corpus / "manifest.json").read_text())
    for e in entries:
        e["path"] = str(corpus / e["file"])
    return sorted(entries, key=lambda e: (dataset_cost(e), e["name"]))


def dataset_cost(entry):
    return min(entry["rows"], MAX_ROWS) * max(1, entry["n_features"])


def _capped_rows(y, task, max_rows, seed):
    """Row positions kept: all, or a subsample keeping every class (at least 5 rows each)."""
    n = len(y)
    if n <= max_rows:
        return np.arange(n)
    rng = np.random.RandomState(seed)
    if task == "regression":
        return np.sort(rng.choice(n, max_rows, replace=False))
    keep = []
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        k = max(min(len(rows), 5), int(round(len(rows) * max_rows / n)))
        keep.append(rng.choice(rows, k, replace=False))
    return np.sort(np.concatenate(keep))


def oof_rows(covered, n_columns, seed=CV_SEED):
    """The fixed subsample of rows whose out-of-fold predictions are stored."""
    limit = int(min(OOF_ROWS, max(200, OOF_VALUES // max(1, n_columns))))
    if len(covered) <= limit:
        return np.asarray(covered)
    return np.sort(np.random.RandomState(seed).choice(covered, limit, replace=False))


def prepare(entry, max_rows=MAX_ROWS):
    """Everything one dataset's candidates share: data, folds, context, scorer, subsample."""
    import pandas as pd
    from scipy.stats import skew

    from automl._cv import is_time_ordered, make_cv
    from automl._metrics import resolve_scorer, scores_labels
    from automl._task import is_classification
    from automl.search import SearchContext
    from automl.transformers import TablePreprocessor
    from automl.transformers._table import count_native_categoricals

    df = pd.read_csv(entry["path"])
    task = entry["task"]
    y_all = df.pop(entry["target"]).to_numpy()
    groups_all = df.pop(entry["group_column"]).to_numpy() if entry.get("group_column") else None
    rows = _capped_rows(y_all, task, max_rows, CV_SEED)
    X = df.iloc[rows].reset_index(drop=True)
    numeric = X.select_dtypes(include="number").columns
    X[numeric] = X[numeric].replace([np.inf, -np.inf], np.nan)  # as AutoPipeline.fit does
    y = y_all[rows] if is_classification(task) else y_all[rows].astype(float)
    if is_classification(task) and y.dtype.kind == "f":
        # numeric classes read as floats (1.5, 2.0) are "continuous" to scikit-learn's
        # splitters and scorers: use their text, as a user would name classes
        y = pd.Series(y).astype(str).to_numpy(dtype=object)
    groups = None if groups_all is None else groups_all[rows]
    time_order = _time_order(X, entry.get("time_column"))
    n_folds = N_FOLDS if len(y) < FEW_FOLDS_ROWS else FEW_FOLDS
    folds, cv = make_cv(task, n_folds, y, groups=groups, time_order=time_order,
                        random_state=CV_SEED)
    classes = np.unique(y) if is_classification(task) else None
    metric, scorer = resolve_scorer("auto", task, classes)
    cats = [c for c in entry.get("categorical_columns") or [] if c in X.columns] or None
    class_counts, imbalanced, skewed = None, False, False
    if classes is not None:
        labels, counts = np.unique(y, return_counts=True)
        class_counts = dict(zip(labels.tolist(), counts.tolist()))
        imbalanced = bool(counts.min() / counts.sum() < 0.2)
    else:
        skewed = bool(skew(y) > 1.0)
    ctx = SearchContext(task=task, n_samples=len(y), n_features=X.shape[1], random_state=0,
                        n_jobs=1, imbalanced=imbalanced, skewed_target=skewed,
                        class_counts=class_counts,
                        native_categoricals=count_native_categoricals(X, cats),
                        label_metric=scores_labels(metric),
                        time_ordered=is_time_ordered(n_folds, time_order))
    table = TablePreprocessor(categorical_columns=cats,
                              target_type="continuous" if classes is None else task,
                              random_state=0)
    covered = np.unique(np.concatenate([test for _, test in folds]))
    sub = oof_rows(covered, _n_columns(task, classes))
    return {"entry": entry, "X": X, "y": y, "task": task, "classes": classes, "folds": folds,
            "cv": cv, "metric": metric, "scorer": scorer, "ctx": ctx, "table": table,
            "file_rows": rows, "sub": sub}


def _time_order(X, time_column):
    import pandas as pd

    if not time_column:
        return None
    col = X[time_column]
    if not pd.api.types.is_numeric_dtype(col):
        col = pd.to_datetime(col, errors="coerce", format="mixed")
    return np.argsort(col.to_numpy(), kind="stable")


def _n_columns(task, classes):
    """Columns stored per row: one for regression and binary (the positive class), else k."""
    return len(classes) if task == "multiclass" else 1


def compact(pred, prep):
    """Out-of-fold predictions of the subsample as float16.

    Binary: the positive class's probability; multiclass: every class's;
    regression: standardised by the dataset's target mean and std (float16
    holds neither house prices nor their precision).
    """
    pred = pred[prep["sub"]]
    if prep["task"] == "binary":
        pred = pred[:, 1]
    elif prep["task"] == "regression":
        mean, std = _target_scale(prep["y"])
        pred = np.clip((pred - mean) / std, -FLOAT16_MAX, FLOAT16_MAX)
    return pred.astype(np.float16)


def _target_scale(y):
    std = float(np.std(y))
    return float(np.mean(y)), std if std > 0 else 1.0


def dataset_info(prep):
    """The per-dataset record (``dataset.json``): meta-features, CV, what the stored rows are."""
    e, y = prep["entry"], prep["y"]
    info = {
        "name": e["name"], "task": prep["task"], "metric": prep["metric"], "cv": prep["cv"],
        "n_folds": len(prep["folds"]), "rows_in_file": e["rows"], "rows_used": len(y),
        "row_cap": MAX_ROWS, "n_features": e["n_features"], "n_categorical": e["n_categorical"],
        "missing_fraction": e.get("missing_fraction"),
        "minority_fraction": e.get("minority_fraction"), "n_classes": e.get("n_classes"),
        "target_skew": e.get("target_skew"), "group_column": e.get("group_column"),
        "time_column": e.get("time_column"), "n_oof_rows": len(prep["sub"]),
        "classes": None if prep["classes"] is None else [_python(c) for c in prep["classes"]],
        "context": {"imbalanced": prep["ctx"].imbalanced,
                    "skewed_target": prep["ctx"].skewed_target,
                    "native_categoricals": prep["ctx"].native_categoricals},
    }
    if prep["task"] == "regression":
        info["target_mean"], info["target_std"] = _target_scale(y)
    return info


def dataset_arrays(prep):
    """``rows`` (positions in the file) and ``y`` (class codes or standardised targets)."""
    y = prep["y"][prep["sub"]]
    if prep["classes"] is not None:
        y = np.searchsorted(prep["classes"], y).astype(np.int16)
    else:
        mean, std = _target_scale(prep["y"])
        y = ((y - mean) / std).astype(np.float64)
    return {"rows": prep["file_rows"][prep["sub"]].astype(np.int32), "y": y}


# ---------------------------------------------------------------- one pair
class CpuTimeout(Exception):
    """The candidate used its CPU seconds."""


_ARMED = {"on": False, "paused": False}


def _on_xcpu(signum, frame):
    if _ARMED["on"]:
        _ARMED["on"] = False
        raise CpuTimeout("CPU cap reached")


def _on_cont(signum, frame):
    _ARMED["paused"] = True


@contextmanager
def cpu_limit(seconds):
    """Raise :class:`CpuTimeout` in the block once it has used ``seconds`` of CPU.

    ``RLIMIT_CPU``'s soft limit (whole seconds of the process) is set past
    the CPU used so far, and its ``SIGXCPU`` raises; both are undone after.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    previous = signal.signal(signal.SIGXCPU, _on_xcpu)
    _ARMED["on"] = True
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    try:
        yield
    finally:
        _ARMED["on"] = False
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        signal.signal(signal.SIGXCPU, previous)


def cross_validate(prep, family, config, cpu_cap=CPU_CAP):
    """Cross-validate one candidate on the dataset's folds, timing fit and predict apart.

    The search's own steps (:func:`~automl.search._space.build_pipeline`,
    the family's own ``fit``,
    :func:`~automl.search._evaluate.predict_candidate`), without a deadline:
    each candidate runs as configured, within ``cpu_cap`` CPU seconds.
    """
    from sklearn.base import clone
    from sklearn.utils import _safe_indexing

    from automl._metrics import score_predictions
    from automl.search._evaluate import predict_candidate
    from automl.search._space import build_pipeline

    X, y, task, classes, ctx = prep["X"], prep["y"], prep["task"], prep["classes"], prep["ctx"]
    shape = (len(y), len(classes)) if classes is not None else (len(y),)
    out = {"fold_scores": [], "best_iteration": [], "fit_cpu_s": 0.0, "fit_wall_s": 0.0,
           "predict_cpu_s": 0.0, "predict_wall_s": 0.0, "n_predicted": 0}
    oof = np.full(shape, np.nan)
    far = time.time() + 1e7  # no deadline: boosters stop early on validation only
    with cpu_limit(cpu_cap), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for train, test in prep["folds"]:
            c0, w0 = time.process_time(), time.perf_counter()
            pipe = build_pipeline(family, config, ctx, clone(prep["table"]))
            head, final, best = family.fit(pipe, _safe_indexing(X, train), y[train], ctx, far)
            c1, w1 = time.process_time(), time.perf_counter()
            pred = predict_candidate(head, final, _safe_indexing(X, test), task, classes)
            c2, w2 = time.process_time(), time.perf_counter()
            out["fit_cpu_s"] += c1 - c0
            out["fit_wall_s"] += w1 - w0
            out["predict_cpu_s"] += c2 - c1
            out["predict_wall_s"] += w2 - w1
            out["n_predicted"] += len(test)
            out["fold_scores"].append(score_predictions(prep["scorer"], task, y[test], pred,
                                                        classes))
            out["best_iteration"].append(best)
            oof[test] = pred
    return out, oof


def run_pair(prep, item, cpu_cap=CPU_CAP):
    """Evaluate one pool item on one dataset: ``(record, compact oof or None)``."""
    from automl.search import FAMILIES

    family = FAMILIES[item["family"]]
    config = apply_changes(family, prep["ctx"], item["changes"])
    record = {"id": item["id"], "family": item["family"], "config": config,
              "metric": prep["metric"], "cpu_cap_s": cpu_cap, "status": "ok", "error": ""}
    _ARMED["paused"] = False
    c0, w0 = time.process_time(), time.perf_counter()
    oof = None
    try:
        result, full = cross_validate(prep, family, config, cpu_cap)
        record.update(result)
        record["score"] = float(np.mean(result["fold_scores"]))
        oof = compact(full, prep)
    except CpuTimeout:
        record.update(status="timeout", error=f"over {cpu_cap:g} CPU seconds")
    except Exception as exc:  # a candidate's failure is a result, not a crash
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        record.update(status="error", error=last[:500])
    record["total_cpu_s"] = time.process_time() - c0
    record["total_wall_s"] = time.perf_counter() - w0
    record["paused"] = _ARMED["paused"]
    if oof is not None and not np.isfinite(oof.astype(float)).all():
        record.update(status="error", error="non-finite out-of-fold predictions")
    return record, oof


# ------------------------------------------------------------------ storage
def _write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, indent=1, sort_keys=False) + "\n")
    os.replace(tmp, path)


def _write_npz(path, **arrays):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    os.replace(tmp, path)


def pair_path(results, dataset, config_id):
    return Path(results) / dataset / (config_id.replace("/", "__") + ".npz")


def is_done(results, dataset, config_id):
    return pair_path(results, dataset, config_id).exists()


def save_pair(results, dataset, record, oof):
    arrays = {"record": np.array(json.dumps(record, default=_python))}
    if oof is not None:
        arrays["oof"] = oof
    _write_npz(pair_path(results, dataset, record["id"]), **arrays)


def read_pair(path):
    """``(record, oof or None)`` of one stored pair."""
    with np.load(path, allow_pickle=False) as data:
        record = json.loads(str(data["record"]))
        oof = data["oof"] if "oof" in data.files else None
    return record, oof


def save_dataset(results, prep):
    """Write ``dataset.json`` and ``dataset.npz`` once; later runs check they still agree."""
    folder = Path(results) / prep["entry"]["name"]
    arrays = dataset_arrays(prep)
    stored = folder / "dataset.npz"
    if stored.exists():
        with np.load(stored) as old:
            if not (np.array_equal(old["rows"], arrays["rows"])
                    and np.allclose(old["y"], arrays["y"])):
                raise RuntimeError(f"{stored}: the stored rows differ from this run's; "
                                   "the results were made another way.")
        return
    _write_json(folder / "dataset.json", dataset_info(prep))
    _write_npz(stored, **arrays)


# ---------------------------------------------------------------- the loop
def applicable(pool, task):
    from automl.search import FAMILIES

    return [item for item in pool if FAMILIES[item["family"]].supports(task)]


def pending(entries, pool, results):
    """The (entry, items left) work list, in order: datasets cheapest first, the pool's order."""
    work = []
    for entry in entries:
        left = [i for i in applicable(pool, entry["task"])
                if not is_done(results, entry["name"], i["id"])]
        if left:
            work.append((entry, left))
    return work


def run(entries, pool, results, cpu_cap=CPU_CAP, log=print):
    """Evaluate everything not yet stored; returns the number of pairs evaluated."""
    done = 0
    for stale in Path(results).glob("*/.*.tmp"):  # a run stopped while writing
        stale.unlink()
    for entry, items in pending(entries, pool, results):
        try:
            prep = prepare(entry)
            save_dataset(results, prep)
        except Exception as exc:  # one unreadable dataset does not stop the others
            log(f"{time.strftime('%H:%M:%S')} {entry['name']} skipped: "
                f"{type(exc).__name__}: {exc}")
            continue
        for item in items:
            if is_done(results, entry["name"], item["id"]):
                continue
            record, oof = run_pair(prep, item, cpu_cap)
            record["code"] = CODE_VERSION
            save_pair(results, entry["name"], record, oof)
            done += 1
            log(f"{time.strftime('%H:%M:%S')} {entry['name']} {item['id']} {record['status']} "
                f"score={record.get('score', float('nan')):.4f} "
                f"cpu={record['total_cpu_s']:.1f}s wall={record['total_wall_s']:.1f}s "
                f"{record['error']}")
    return done


def _code_version():
    """The package's commit and a digest of its sources, taken once all of it is imported."""
    import automl._cv  # noqa: F401  (everything a candidate may use, loaded now)
    import automl._metrics  # noqa: F401
    import automl.search._evaluate  # noqa: F401
    import automl.search._label  # noqa: F401
    import automl.search._space  # noqa: F401
    import automl.selectors  # noqa: F401
    import automl.transformers  # noqa: F401

    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        head = ""
    import lightgbm
    import sklearn
    import xgboost

    # the working tree may differ from the commit: a digest of the package's sources
    digest = hashlib.sha1()
    for path in sorted((REPO / "automl").rglob("*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return (f"automl@{head or 'unknown'} (sources {digest.hexdigest()[:10]}) "
            f"sklearn {sklearn.__version__} lightgbm {lightgbm.__version__} "
            f"xgboost {xgboost.__version__}")


CODE_VERSION = ""


def measured_seconds(results, entries):
    """Mean CPU seconds per pair of each dataset with stored pairs: ``{name: (cost, s, n)}``."""
    out = {}
    for entry in entries:
        paths = list((Path(results) / entry["name"]).glob("*__*.npz"))
        if paths:
            seconds = [read_pair(p)[0]["total_cpu_s"] for p in paths]
            out[entry["name"]] = (dataset_cost(entry), float(np.mean(seconds)), len(seconds))
    return out


def estimate_seconds(measured, cost, cpu_cap=CPU_CAP):
    """CPU seconds per pair at ``cost`` (rows x features): a power law fitted to ``measured``.

    Fitted on the datasets with stored pairs (log seconds on log cost,
    least squares); with fewer than 2 of distinct cost, their mean. Capped
    at the CPU cap.
    """
    points = np.array([(c, s) for c, s, _ in measured.values() if s > 0], dtype=float)
    if not len(points):
        return float("nan")
    if len(np.unique(points[:, 0])) < 2:
        return float(min(cpu_cap, points[:, 1].mean()))
    slope, intercept = np.polyfit(np.log(points[:, 0]), np.log(points[:, 1]), 1)
    return float(min(cpu_cap, np.exp(intercept + slope * np.log(cost))))


def plan(entries, pool, results, cpu_cap=CPU_CAP):
    """Print the work left per dataset, the total and its estimated CPU time."""
    n_total = n_left = 0
    measured = measured_seconds(results, entries)
    left_seconds = 0.0
    for entry in entries:
        items = applicable(pool, entry["task"])
        left = sum(not is_done(results, entry["name"], i["id"]) for i in items)
        n_total += len(items)
        n_left += left
        per_pair = estimate_seconds(measured, dataset_cost(entry), cpu_cap)
        left_seconds += left * per_pair
        done = measured.get(entry["name"])
        seen = f"measured {done[1]:.1f} s/pair" if done else f"estimated {per_pair:.1f} s/pair"
        print(f"{entry['name']:32s} {entry['task']:10s} rows={min(entry['rows'], MAX_ROWS):6d} "
              f"features={entry['n_features']:4d} left={left}/{len(items)} {seen}")
    print(f"{len(entries)} datasets, pool of {len(pool)}, {n_left} of {n_total} pairs left; "
          f"estimated {left_seconds / 3600:.1f} CPU hours left (one core)")


def main(argv=None):
    global CODE_VERSION
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--results", default=str(DEFAULT_RESULTS))
    parser.add_argument("--pool", default=str(DEFAULT_POOL))
    parser.add_argument("--samples-per-family", type=int, default=SAMPLES_PER_FAMILY,
                        help="only when the pool file is first written")
    parser.add_argument("--cpu-cap", type=float, default=CPU_CAP)
    parser.add_argument("--datasets", default=None, help="comma-separated subset, in cost order")
    parser.add_argument("--first", type=int, default=None,
                        help="only the pool's first N configurations (e.g. a quick probe)")
    parser.add_argument("--plan", action="store_true", help="print the work left and stop")
    args = parser.parse_args(argv)
    entries = load_corpus(args.corpus)
    if args.datasets:
        wanted = set(args.datasets.split(","))
        unknown = wanted - {e["name"] for e in entries}
        if unknown:
            parser.error(f"unknown datasets: {sorted(unknown)}")
        entries = [e for e in entries if e["name"] in wanted]
    pool = load_pool(args.pool, args.samples_per_family)[:args.first]
    if args.plan:
        plan(entries, pool, args.results, args.cpu_cap)
        return 0
    signal.signal(signal.SIGCONT, _on_cont)
    CODE_VERSION = _code_version()
    print(f"pool of {len(pool)} from {args.pool}; {len(entries)} datasets; "
          f"results in {args.results}; {CODE_VERSION}", flush=True)
    n = run(entries, pool, args.results, args.cpu_cap,
            log=lambda m: print(m, flush=True))
    print(f"done: {n} pairs evaluated", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
