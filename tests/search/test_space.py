"""The pipeline space: native categories for the boosters, class weights by metric."""

import numpy as np
import pandas as pd
import pytest

from automl import AutoPipeline
from automl.search import FAMILIES, SearchContext
from automl.search._space import (
    build_pipeline,
    candidate_space,
    default_config,
    uses_native_categories,
)
from automl.transformers import TablePreprocessor

BOOSTERS = ["lightgbm", "hist_gradient_boosting", "xgboost"]


def _ctx(n_samples=5000, native=2):
    return SearchContext(task="binary", n_samples=n_samples, n_features=12,
                         native_categoricals=native)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_only_boosters_choose_native_categories_and_only_with_categories(name):
    family = FAMILIES[name]
    booster = name in BOOSTERS
    assert ("categories" in candidate_space(family, _ctx())) is booster
    assert "categories" not in candidate_space(family, _ctx(native=0))
    assert default_config(family, _ctx()).get("categories") == ("native" if booster else None)
    # small data starts from encoded categories (native lost on credit_g, soybean)
    assert default_config(family, _ctx(n_samples=500)).get("categories") == (
        "encoded" if booster else None)


def test_selection_and_smote_keep_encoded_categories():
    assert uses_native_categories({"categories": "native"})
    assert not uses_native_categories({"categories": "encoded"})
    assert not uses_native_categories({"categories": "native", "select": True})
    assert not uses_native_categories({"categories": "native", "imbalance": "smote"})
    assert uses_native_categories({"categories": "native", "imbalance": "random_over"})


def test_native_candidate_gets_its_own_native_table():
    family = FAMILIES["lightgbm"]
    ctx = _ctx()
    table = TablePreprocessor(categorical_columns=["shop"])
    native = build_pipeline(family, default_config(family, ctx), ctx, table)
    assert native[0] is not table and native[0].categorical_encoding == "native"
    assert native[0].categorical_columns == ["shop"]  # the user's typing carries over
    encoded = build_pipeline(family, dict(default_config(family, ctx), categories="encoded"),
                             ctx, table)
    assert encoded[0] is table and table.categorical_encoding == "auto"


@pytest.mark.parametrize("label_metric, expected", [(False, "none"), (True, "class_weight")])
def test_class_weights_start_the_portfolio_only_for_label_metrics(label_metric, expected):
    ctx = SearchContext(task="binary", n_samples=5000, n_features=5, imbalanced=True,
                        label_metric=label_metric)
    assert default_config(FAMILIES["lightgbm"], ctx)["imbalance"] == expected
    assert default_config(FAMILIES["xgboost"], ctx)["imbalance"] == "none"  # no class_weight
    assert default_config(FAMILIES["random_forest"], ctx)["imbalance"] == "class_weight"
    assert "class_weight" in candidate_space(FAMILIES["lightgbm"], ctx)["imbalance"].categories


def _shops(n=1500, seed=0):
    # the target follows the shop, in an order unrelated to its name
    names = [f"s{i:02d}" for i in range(20)]
    effect = dict(zip(names, np.random.RandomState(0).permutation(20) / 20))  # fixed
    rng = np.random.RandomState(seed)
    shop = rng.choice(names, n)
    x = rng.randn(n)
    logit = 6 * (np.vectorize(effect.get)(shop) - 0.5) + x
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"shop": shop, "x": x}), y


@pytest.fixture(scope="module")
def mixed_search():
    X, y = _shops()
    model = AutoPipeline(time_budget=60, models=["lightgbm", "logistic_regression"],
                         max_trials=6, cv=3, ensemble_predict_cost=None, random_state=0)
    return model.fit(X, y), X, y


def test_search_tries_native_and_encoded_categories(mixed_search):
    model, X, y = mixed_search
    params = [t.config for t in model.trials_ if t.family.name == "lightgbm"]
    assert params[0]["categories"] == "native"  # the portfolio's, 1,500 rows
    assert {p["categories"] for p in params} == {"native", "encoded"}
    assert model.leaderboard_["status"].eq("ok").all()


def test_native_members_predict_on_raw_rows_and_pickle(mixed_search):
    import pickle

    model, X, y = mixed_search
    trials = {t.trial_id: t for t in model.trials_}
    native = {uses_native_categories(trials[i].config) for i in model.ensemble_["trial"]}
    # members with their own (native) table beside members of the shared one
    assert native == {True, False}
    X_new, y_new = _shops(300, seed=1)
    assert model.score(X_new, y_new) > 0.8
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.predict_proba(X_new), model.predict_proba(X_new))
    best = model.best_pipeline_
    if uses_native_categories(model.best_config_):
        assert best[0].categorical_encoding == "native"
        assert isinstance(best[0].transform(X_new), pd.DataFrame)


@pytest.mark.parametrize("name", ["mlp", "k_nearest_neighbors"])
def test_scaled_families_choose_a_scaler_but_no_interactions(name):
    family = FAMILIES[name]
    space = candidate_space(family, _ctx())
    assert {"clip", "scaler", "log"} <= set(space) and "interactions" not in space
    config = default_config(family, _ctx())
    assert config["scaler"] == "standard" and "interactions" not in config
    steps = [n for n, _ in build_pipeline(family, config, _ctx()).steps]
    assert steps == ["table", "scale", "model"]
    linear = candidate_space(FAMILIES["logistic_regression"], _ctx())
    assert {"clip", "scaler", "log", "interactions"} <= set(linear)


@pytest.mark.parametrize("counts, offered", [
    ({"no": 500, "yes": 62}, False),   # 124 rows left
    ({"no": 500, "yes": 63}, True),    # 126
    (None, True),                      # unknown counts: offered
])
def test_random_undersampling_is_offered_only_when_it_leaves_enough_rows(counts, offered):
    from automl.search._space import preprocessing_space, with_changes

    n = 500 + (counts or {"yes": 63})["yes"]
    ctx = SearchContext(task="binary", n_samples=n, n_features=4, imbalanced=True,
                        class_counts=counts)
    family = FAMILIES["logistic_regression"]
    options = list(preprocessing_space(family, ctx)["imbalance"].categories)
    assert ("random_under" in options) is offered
    assert {"none", "smote", "random_over", "class_weight"} <= set(options)
    # a learned portfolio's entry asking for it falls back to the default there
    config = with_changes(family, ctx, {"imbalance": "random_under"})
    assert (config["imbalance"] == "random_under") is offered
