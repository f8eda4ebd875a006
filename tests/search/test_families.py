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
    ctx = SearchContext(task=task, n_samples=100, n_features=5, extra={"cuml": False})
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
    ctx = SearchContext(task="binary", n_samples=5000, n_features=5,
                        extra={"time_ordered": time_ordered})
    model = family.build("binary", family.defaults(ctx), ctx)
    assert model.early_stopping is not time_ordered
    assert model.max_iter == (100 if time_ordered else 1000)
    assert ("max_iter" in family.space(ctx)) is time_ordered
