"""scikit-learn's names where scikit-learn has the concept (issue 26)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_regression

from automl import AutoPipeline, AutoRegressor
from automl._task import detect_task, target_kind
from automl.selectors import MutualInfoSelector
from automl.transformers import CrossFeatures

FAST = dict(time_budget=120, max_trials=3, n_jobs=1, ensemble="none")


@pytest.fixture(scope="module")
def fitted():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X, y = X.iloc[:300, :8], y.iloc[:300]
    return AutoPipeline(random_state=0, **FAST).fit(X, y), X, y


def test_best_params_can_be_set_on_a_pipeline_of_the_same_steps(fitted):
    model, X, y = fitted
    params = model.best_params_
    assert params and all("__" in key for key in params)
    pipeline = model.best_pipeline_
    if hasattr(pipeline, "estimator"):  # probabilities moved back to the priors
        pipeline = pipeline.estimator
    fitted_params = pipeline.get_params()
    assert all(fitted_params[key] == value or repr(fitted_params[key]) == repr(value)
               for key, value in params.items())
    unfitted = clone(pipeline)
    for key, value in params.items():
        step, name = key.split("__", 1)
        assert name in unfitted.named_steps[step].get_params()
    assert unfitted.set_params(**params) is unfitted
    assert model.best_config_["family"] == model.leaderboard_.loc[
        model.leaderboard_["chosen"], "family"].iloc[0]


def test_cv_results_follow_scikit_learns_format(fitted):
    model, _, _ = fitted
    results = model.cv_results_
    n = len(model.trials_)
    for key in ("params", "mean_test_score", "std_test_score", "rank_test_score",
                "mean_fit_time", "split0_test_score", "param_family", "status"):
        assert len(results[key]) == n
    best = int(np.argmin(results["rank_test_score"]))
    assert results["mean_test_score"][best] == pytest.approx(model.best_score_)
    assert results["params"][best] == model.best_config_
    splits = [results[k] for k in results if k.startswith("split")]
    np.testing.assert_allclose(np.nanmean(np.vstack(splits), axis=0),
                               results["mean_test_score"])


def test_search_time_is_the_search_phase_and_fit_time_the_whole_fit(fitted):
    model, _, _ = fitted
    assert 0 < model.search_time_ < model.fit_time_


def test_random_state_takes_none_an_int_or_a_random_state():
    X, y = make_regression(120, 4, noise=5.0, random_state=0)
    kwargs = dict(FAST, max_trials=1, models=["linear_regression"])
    first = AutoRegressor(random_state=np.random.RandomState(3), **kwargs).fit(X, y)
    again = AutoRegressor(random_state=np.random.RandomState(3), **kwargs).fit(X, y)
    np.testing.assert_array_equal(first.predict(X), again.predict(X))  # same stream, same fit
    assert first._seed() != AutoRegressor(random_state=5, **kwargs)._seed()
    assert AutoRegressor(random_state=5)._seed() == 5
    AutoRegressor(random_state=None, **kwargs).fit(X, y)  # seeded from NumPy's global state
    with pytest.raises(ValueError, match="random_state"):
        AutoRegressor(random_state="zero", **kwargs).fit(X, y)


def test_one_rule_tells_classes_from_quantities_everywhere():
    # 50 whole-number values on 1,000 rows: a quantity for the estimator and
    # for the parts inside its pipelines alike
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(1000, 4)), columns=list("abcd"))
    y = rng.randint(0, 50, 1000)
    assert detect_task(y) == "regression" and target_kind(y) == "regression"
    assert MutualInfoSelector(k=2, random_state=0).fit(X, y).task_ == "regression"
    few = y % 4  # four values: classes, for all of them
    assert detect_task(few) == "multiclass" and target_kind(few) == "classification"
    assert MutualInfoSelector(k=2, random_state=0).fit(X, few).task_ == "classification"
    assert CrossFeatures(n_top=2).fit(X.to_numpy(), few).transform(X.to_numpy()).shape == (1000, 5)
