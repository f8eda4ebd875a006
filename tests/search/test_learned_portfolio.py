"""The learned portfolio (issue 24): read from a file, used first by every strategy."""

import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from automl import AutoClassifier
from automl.search import SearchContext, families_for
from automl.search._learned_portfolio import load_portfolio, parse_portfolio
from automl.search._space import default_config, portfolio, with_changes
from automl.search._strategies import STRATEGIES

CTX = SearchContext(task="binary", n_samples=800, n_features=6)
FAMILIES = families_for("binary", ["logistic_regression", "random_forest", "lightgbm"])


def learned_file(tmp_path, classification=None, bands=None):
    """A portfolio file as ``select_portfolio.py`` writes it."""
    group = {"method": "greedy_per_second", "portfolios": classification or {"all": [
        {"id": "lightgbm/s03", "family": "lightgbm",
         "changes": {"model__num_leaves": 15, "not_a_key": 1}},
        {"id": "mlp/default", "family": "mlp", "changes": {}},
        {"id": "logistic_regression/s01", "family": "logistic_regression",
         "changes": {"scaler": "robust"}},
    ]}}
    if bands:
        group["bands"] = bands
    path = tmp_path / "portfolio.json"
    path.write_text(json.dumps({"format": 1, "groups": {"classification": group}}))
    return path


def test_learned_entries_come_first_in_their_order_then_the_missing_defaults(tmp_path):
    learned = load_portfolio(learned_file(tmp_path))
    configs = portfolio(FAMILIES, CTX, learned)
    names = [f.name for f, _ in configs]
    # mlp is not among the families asked for; random forest, left out by
    # the portfolio, starts after it with its default
    assert names == ["lightgbm", "logistic_regression", "random_forest"]
    lgbm, lr, rf = (c for _, c in configs)
    assert lgbm["model__num_leaves"] == 15 and "not_a_key" not in lgbm
    assert lr["scaler"] == "robust"
    forest = next(f for f in FAMILIES if f.name == "random_forest")
    assert rf == default_config(forest, CTX)


def test_without_a_learned_portfolio_for_the_task_the_handwritten_one(tmp_path):
    learned = load_portfolio(learned_file(tmp_path))
    handwritten = portfolio(FAMILIES, CTX, False)
    assert [f.name for f, _ in handwritten][:3] == [f.name for f in FAMILIES]
    regression = SearchContext(task="regression", n_samples=800, n_features=6)
    reg_families = families_for("regression", ["linear_regression", "random_forest"])
    assert portfolio(reg_families, regression, learned) == portfolio(reg_families, regression,
                                                                     False)


def test_size_bands_choose_the_portfolio_by_rows(tmp_path):
    small = [{"family": "logistic_regression", "changes": {}}]
    large = [{"family": "lightgbm", "changes": {}}]
    path = learned_file(tmp_path, {"rows<1000": small, "rows>=1000": large},
                        bands={"rows<1000": [0, 1000], "rows>=1000": [1000, None]})
    learned = load_portfolio(path)
    first = portfolio(FAMILIES, CTX, learned)[0][0].name
    big = SearchContext(task="binary", n_samples=50_000, n_features=6)
    assert first == "logistic_regression"
    assert portfolio(FAMILIES, big, learned)[0][0].name == "lightgbm"


def test_bad_portfolio_files_are_refused_with_the_file_named(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": 0, "groups": {}}))
    with pytest.raises(ValueError, match="old.json.*format 1"):
        load_portfolio(path)
    with pytest.raises(ValueError, match="no family"):
        parse_portfolio({"format": 1, "groups": {"regression": {
            "portfolios": {"all": [{"changes": {}}]}}}}, "x.json")


@pytest.mark.parametrize("name", sorted(set(STRATEGIES) - {"tpe"}))
def test_every_strategy_proposes_the_learned_portfolio_first(tmp_path, name):
    learned = load_portfolio(learned_file(tmp_path))
    ctx = SearchContext(task="binary", n_samples=800, n_features=6, portfolio=learned)
    strategy = STRATEGIES[name](FAMILIES, ctx, random_state=0)
    first = [strategy.propose()[:2] for _ in range(3)]
    expected = portfolio(FAMILIES, ctx, learned)
    assert [(f.name, c) for f, c in first] == [(f.name, c) for f, c in expected]


def test_auto_pipeline_starts_from_the_portfolio_file_it_is_given(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    model = AutoClassifier(time_budget=30, max_trials=2, n_jobs=1, random_state=0, cv=3,
                           portfolio=str(learned_file(tmp_path)),
                           models=["logistic_regression", "lightgbm"]).fit(X, y)
    first = sorted(model.trials_, key=lambda t: t.trial_id)[0]
    assert first.family.name == "lightgbm" and first.config["model__num_leaves"] == 15
    assert np.isfinite(model.best_score_)
    with pytest.raises(ValueError, match="portfolio.*Got 'nowhere.json' instead: it could not"):
        AutoClassifier(portfolio="nowhere.json", max_trials=1).fit(X, y)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("n_samples", [300, 3000, 30000])
def test_the_shipped_portfolio_covers_every_task_and_size_with_known_families(task, n_samples):
    from automl.search import FAMILIES as ALL_FAMILIES
    from automl.search._learned_portfolio import SHIPPED, shipped_portfolio

    learned = shipped_portfolio()
    assert learned is not None and learned.source == str(SHIPPED)
    entries = learned.entries_for(task, n_samples)
    assert len(entries) >= 8 and len({e.id for e in entries}) == len(entries)
    assert {e.family for e in entries} <= set(ALL_FAMILIES)
    # the search starts with the first entry, as the file gives it
    ctx = SearchContext(task=task, n_samples=n_samples, n_features=6)
    family, config = portfolio(families_for(task), ctx, learned)[0]
    assert family.name == entries[0].family
    assert config == with_changes(family, ctx, entries[0].changes)
    changed = {k: v for k, v in entries[0].changes.items() if k in config}
    assert all(config[k] == v for k, v in changed.items())


@pytest.mark.parametrize("setting, first_family", [
    ("handwritten", "lightgbm"),  # the hand-written portfolio: defaults in registry order
    ("learned", None),  # the shipped file's first classification entry
])
def test_auto_pipeline_starts_from_the_hand_written_portfolio_unless_told(setting, first_family):
    from automl.search._learned_portfolio import shipped_portfolio

    X, y = load_breast_cancer(return_X_y=True)
    # no linear family: the search would run it first as its cheap start, whatever the order
    families = ["k_nearest_neighbors", "lightgbm"]
    if first_family is None:
        first_family = next(e.family for e in shipped_portfolio().entries_for("binary", len(y))
                            if e.family in families)
        assert first_family != "lightgbm"  # else the two cases would not tell them apart
    kwargs = {} if setting == "handwritten" else {"portfolio": setting}
    model = AutoClassifier(time_budget=30, max_trials=1, n_jobs=1, random_state=0, cv=3,
                           models=families, **kwargs).fit(X, y)
    assert model.portfolio == setting
    assert model.trials_[0].family.name == first_family
