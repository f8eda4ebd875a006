"""The offline portfolio evaluation and selection (benchmarks/portfolio/), on tiny real data.

Real fits of cheap configurations on two small synthetic datasets written as
a corpus; planted prediction tables for the selection, whose best choices
are known.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import log_loss, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "portfolio"))

import evaluate as ev  # noqa: E402
import select_portfolio as sp  # noqa: E402

POOL = [
    {"id": "logistic_regression/default", "family": "logistic_regression", "changes": {}},
    {"id": "linear_regression/default", "family": "linear_regression", "changes": {}},
    {"id": "k_nearest_neighbors/default", "family": "k_nearest_neighbors", "changes": {}},
    {"id": "k_nearest_neighbors/s00", "family": "k_nearest_neighbors",
     "changes": {"model__n_neighbors": 5, "model__weights": "uniform", "model__p": 1}},
]


def _entry(name, task, frame, target):
    return {"name": name, "task": task, "target": target, "rows": len(frame),
            "n_features": frame.shape[1] - 1, "n_categorical": 1, "categorical_columns": ["c"],
            "group_column": None, "time_column": None, "missing_fraction": 0.0,
            "minority_fraction": None, "n_classes": None, "target_skew": None,
            "file": f"{name}.csv.gz"}


@pytest.fixture
def corpus(tmp_path):
    """Two tiny datasets (binary, regression) as the evaluation reads a corpus."""
    folder = tmp_path / "meta"
    folder.mkdir()
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    # classes written as numbers with a fraction (as in the corpus): floats to pandas
    clf = pd.DataFrame(X, columns=list("abcd")).assign(c=np.where(X[:, 0] > 0, "u", "v"),
                                                        y=y + 0.5)
    X, y = make_regression(n_samples=70, n_features=3, noise=5.0, random_state=0)
    reg = pd.DataFrame(X, columns=list("abd")).assign(c=np.where(X[:, 1] > 0, "u", "v"), y=y)
    entries = []
    for name, task, frame in (("tiny_clf", "binary", clf), ("tiny_reg", "regression", reg)):
        frame.to_csv(folder / f"{name}.csv.gz", index=False)
        entries.append(_entry(name, task, frame, "y"))
    (folder / "manifest.json").write_text(json.dumps(entries))
    return folder


def test_run_stores_every_pair_and_resume_skips_done_work(corpus, tmp_path):
    results = tmp_path / "results"
    entries = ev.load_corpus(corpus)
    # logistic or linear regression, and both k-nearest neighbours, on each
    assert ev.run(entries, POOL, results, log=lambda m: None) == 6
    record, oof = ev.read_pair(ev.pair_path(results, "tiny_clf", "k_nearest_neighbors/s00"))
    assert record["status"] == "ok" and record["metric"] == "roc_auc"
    assert len(record["fold_scores"]) == 5 and record["fit_cpu_s"] > 0
    assert oof.dtype == np.float16 and oof.shape == (80,)  # binary: the positive class
    with np.load(results / "tiny_clf" / "dataset.npz") as stored:
        assert stored["rows"].tolist() == list(range(80))
    info = json.loads((results / "tiny_clf" / "dataset.json").read_text())
    assert info["classes"] == ["0.5", "1.5"] and info["cv"] == "StratifiedKFold(n_splits=5)"
    assert ev.run(entries, POOL, results, log=lambda m: None) == 0
    ev.pair_path(results, "tiny_reg", "linear_regression/default").unlink()
    (results / "tiny_reg" / ".leftover.npz.1.tmp").write_bytes(b"")  # a stopped write
    assert ev.run(entries, POOL, results, log=lambda m: None) == 1
    assert not list(results.glob("*/.*.tmp"))


def test_a_candidate_past_its_cpu_cap_raises():
    with pytest.raises(ev.CpuTimeout):
        with ev.cpu_limit(0.2):
            while True:
                sum(range(1000))


def test_the_suite_is_refused_as_a_corpus(tmp_path):
    (tmp_path / "shared" / "datasets").mkdir(parents=True)
    with pytest.raises(ValueError, match="evaluation suite"):
        ev.load_corpus(tmp_path / "shared" / "datasets")


def test_pool_is_reproducible_and_changes_respect_the_dataset_space():
    from automl.search import SearchContext
    from automl.search import FAMILIES

    pool = ev.make_pool(samples_per_family=2)
    assert pool == ev.make_pool(samples_per_family=2)
    assert len({i["id"] for i in pool}) == len(pool) == len(FAMILIES) * 3 + 1
    ctx = SearchContext(task="binary", n_samples=500, n_features=20)
    config = ev.apply_changes(FAMILIES["logistic_regression"], ctx,
                              {"interactions": "poly2", "model__C": 3.0, "log_target": True})
    # poly2 is offered up to 15 features only; log_target is for regression
    assert config["interactions"] == "none" and config["model__C"] == 3.0
    assert "log_target" not in config


def test_handwritten_portfolio_is_the_search_s_own_order():
    from automl.search import SearchContext, families_for
    from automl.search._space import portfolio

    ctx = SearchContext(task="binary", n_samples=2000, n_features=5,
                        native_categoricals=1)
    expected, seen = [], {}
    for family, _ in portfolio(families_for("binary"), ctx):
        n = seen[family.name] = seen.get(family.name, -1) + 1
        expected.append(f"{family.name}/default" if n == 0 else f"{family.name}/variant{n - 1}")
    assert sp.handwritten(ev.make_pool(samples_per_family=1), "binary") == expected


def test_scores_match_scikit_learn_and_normalise():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 50)
    p = np.round(rng.rand(50), 1)  # ties
    assert sp.score_many("auc", y, p) == pytest.approx(roc_auc_score(y, p))
    k3 = rng.randint(0, 3, 40)
    proba = rng.dirichlet(np.ones(3), 40)
    assert sp.score_many("logloss", k3, proba) == pytest.approx(-log_loss(k3, proba))
    assert sp.normalised(0.5, 0.5, 0.9) == 0 and sp.normalised(0.9, 0.5, 0.9) == 1
    assert sp.normalised(0.7, 0.5, 0.9) == pytest.approx(0.5)
    assert sp.normalised(0.3, 0.5, 0.9) == 0  # worse than constant counts as constant
    assert sp.normalised(0.95, 0.5, 0.9) == 1  # past the top counts as the top


def _planted(name, seconds):
    """A regression table: ``low`` and ``high`` err by 1 in opposite ways, ``good`` by 0.8."""
    y = np.linspace(-2, 2, 40)
    preds = {"good": y + 0.8, "low": y - 1.0, "high": y + 1.0, "bad": np.zeros(40) + 0.3}
    return sp.Dataset(name, "regression", y, preds, seconds, {"rows_used": 40})


def test_greedy_selection_picks_the_known_best():
    seconds = {"good": 10.0, "low": 10.0, "high": 10.0, "bad": 10.0}
    data = [_planted(f"d{i}", seconds) for i in range(3)]
    chosen = sp.greedy_portfolio(data, ["bad", "low", "high", "good"], per_second=False)
    # the best single first, then the one whose errors cancel its (5 x good
    # + 4 x low is exact); then nothing gains, and the selection stops
    assert [c for c, _, _ in chosen] == ["good", "low"]
    # the top is the exact ensemble (RMSE 0): good alone reaches 1 - 0.8 / sd(y)
    const = sp.constant_score("rmse", data[0].y)
    assert data[0].best == pytest.approx(0.0, abs=1e-9)
    assert chosen[0][1] == pytest.approx(1 - sp.score_many("rmse", data[0].y, data[0].y + 0.8) / const)
    assert float(data[0].norm(sp.ensemble_state(data[0], ["good", "low"])[0])) == pytest.approx(1.0)


def test_a_table_without_signal_has_a_top_of_one_and_is_left_out():
    y = np.linspace(-2, 2, 40)
    # both barely beat the mean; their average is far better than either, relatively
    preds = {"a": 0.001 * y + 0.5, "b": 0.001 * y - 0.5}
    flat = sp.Dataset("flat", "regression", y, preds, {"a": 1.0, "b": 1.0})
    assert not flat.has_signal
    assert float(flat.norm(sp.ensemble_state(flat, ["a", "b"])[0])) == pytest.approx(1.0)
    assert _planted("d", {"good": 1.0, "low": 1.0, "high": 1.0, "bad": 1.0}).has_signal


def test_gain_per_second_prefers_the_cheap_near_best():
    seconds = {"good": 50.0, "low": 1.0, "high": 50.0, "bad": 50.0}
    data = [_planted(f"d{i}", seconds) for i in range(3)]
    chosen = sp.greedy_portfolio(data, ["bad", "low", "high", "good"], per_second=True)
    assert chosen[0][0] == "low"


def test_selection_is_reproducible_from_stored_results(corpus, tmp_path):
    results = tmp_path / "results"
    entries = ev.load_corpus(corpus)
    ev.run(entries, POOL, results, log=lambda m: None)
    pool_path = tmp_path / "pool.json"
    pool_path.write_text(json.dumps(POOL))
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    for out in outs:
        sp.main(["--results", str(results), "--pool", str(pool_path), "--out", str(out)])
    assert outs[0].read_bytes() == outs[1].read_bytes()
    groups = json.loads(outs[0].read_text())["groups"]
    assert groups["classification"]["datasets"] == ["tiny_clf"]
    first = groups["regression"]["portfolios"]["all"][0]
    assert first["id"] in {"linear_regression/default", "k_nearest_neighbors/default",
                           "k_nearest_neighbors/s00"}
