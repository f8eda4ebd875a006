"""The model registry: every family is picklable, since fitted models keep it."""

import pickle

import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes

from automl import AutoRegressor
from automl.search import FAMILIES, SearchContext


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_family_pickles_and_builds_the_same_estimator(name):
    family = FAMILIES[name]
    again = pickle.loads(pickle.dumps(family))
    task = "binary" if family.supports("binary") else "regression"
    ctx = SearchContext(task=task, n_samples=100, n_features=5, cuml=False)
    built, rebuilt = (f.build(task, f.defaults(ctx), ctx) for f in (family, again))
    assert type(built) is type(rebuilt)
    assert clone(built).get_params().keys() == rebuilt.get_params().keys()


def test_fitted_forest_search_pickles():
    # Regression: the forest families' build was a closure, so a fitted
    # AutoPipeline whose trials_ held a forest could not be pickled.
    X, y = load_diabetes(return_X_y=True)
    model = AutoRegressor(models=["random_forest", "extra_trees"], time_budget=20,
                          max_trials=2, cv=3, random_state=0).fit(X, y)
    assert {t.family.name for t in model.trials_} == {"random_forest", "extra_trees"}
    again = pickle.loads(pickle.dumps(model))
    assert (again.predict(X) == model.predict(X)).all()


@pytest.mark.parametrize("time_ordered", [False, True])
def test_hist_gradient_boosting_tunes_its_length_on_time_ordered_rows(time_ordered):
    # Native early stopping validates on a random 10 %: on time-ordered rows
    # that is interpolation in time, so the length is searched instead.
    family = FAMILIES["hist_gradient_boosting"]
    ctx = SearchContext(task="binary", n_samples=5000, n_features=5, time_ordered=time_ordered)
    model = family.build("binary", family.defaults(ctx), ctx)
    assert model.early_stopping is not time_ordered
    assert model.max_iter == (100 if time_ordered else 1000)
    assert ("max_iter" in family.space(ctx)) is time_ordered


def test_nearest_neighbours_ask_for_no_more_neighbours_than_a_quarter_of_the_rows():
    family = FAMILIES["k_nearest_neighbors"]
    small = SearchContext(task="binary", n_samples=40, n_features=3)
    large = SearchContext(task="binary", n_samples=4000, n_features=3)
    params = {**family.defaults(small), "n_neighbors": 50}
    assert family.build("binary", params, small).n_neighbors == 10
    assert family.build("binary", params, large).n_neighbors == 50


def test_mlp_stops_early_only_with_enough_rows_and_regressor_scales_its_target():
    family = FAMILIES["mlp"]
    for n, early in [(500, False), (5000, True)]:
        ctx = SearchContext(task="binary", n_samples=n, n_features=3)
        assert family.build("binary", family.defaults(ctx), ctx).early_stopping is early
    ctx = SearchContext(task="regression", n_samples=500, n_features=3)
    built = family.build("regression", family.defaults(ctx), ctx)
    assert type(built.regressor).__name__ == "MLPRegressor"
    assert type(built.transformer).__name__ == "StandardScaler"


@pytest.mark.parametrize("native", [0, 3])
def test_lightgbm_extra_trees_variant_follows_every_default_in_the_handwritten_portfolio(native):
    from automl.search import families_for
    from automl.search._space import portfolio

    ctx = SearchContext(task="binary", n_samples=500, n_features=3, native_categoricals=native)
    families = families_for("binary")
    starts = portfolio(families, ctx)
    assert [f.name for f, _ in starts[:len(families)]] == [f.name for f in families]
    (family, variant), = starts[len(families):]
    default = starts[0][1]
    assert family.name == "lightgbm" and starts[0][0] is family
    # on native categories where the table has some (small data starts encoded)
    changes = {"model__extra_trees": True, **({"categories": "native"} if native else {})}
    assert variant == {**default, **changes}
    assert default["model__extra_trees"] is False
    assert default.get("categories") == ("encoded" if native else None)
    assert family.build("binary", family.defaults(ctx), ctx).extra_trees is False
    params = {**family.defaults(ctx), "extra_trees": True}
    assert family.build("binary", params, ctx).extra_trees is True
