"""make_selection_chain, plus the shared property and estimator checks of the selectors.

The estimator checks at the end belong in tests/test_common.py once the
selectors are listed there.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import RFE, VarianceThreshold
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from automl.selectors import Chi2Selector, MutualInfoSelector, make_selection_chain


def _steps(chain):
    return [(name, step if isinstance(step, str) else type(step)) for name, step in chain.steps]


# --- structure -------------------------------------------------------------


@pytest.mark.parametrize("task", ["classification", "binary", "multiclass"])
def test_default_classification_chain(task):
    chain = make_selection_chain(task)
    assert isinstance(chain, Pipeline)
    assert _steps(chain) == [
        ("variance", VarianceThreshold),
        ("univariate", Chi2Selector),
        ("rfe", "passthrough"),
    ]
    assert chain.named_steps["variance"].threshold == 0.0
    assert chain.named_steps["univariate"].k == 0.5


def test_default_regression_chain_uses_mutual_information():
    chain = make_selection_chain("regression", k=3, random_state=7)
    univariate = chain.named_steps["univariate"]
    assert isinstance(univariate, MutualInfoSelector)
    assert (univariate.k, univariate.task, univariate.random_state) == (3, "regression", 7)


def test_rfe_step_and_its_default_estimators():
    clf = make_selection_chain("binary", rfe=True, rfe_n_features=4).named_steps["rfe"]
    reg = make_selection_chain("regression", rfe=True).named_steps["rfe"]
    assert isinstance(clf, RFE) and clf.n_features_to_select == 4
    assert reg.n_features_to_select == 0.5
    assert isinstance(clf.estimator.named_steps["model"], LogisticRegression)
    assert isinstance(reg.estimator.named_steps["model"], Ridge)
    forest = RandomForestClassifier(n_estimators=5)
    custom = make_selection_chain("classification", rfe=True, rfe_estimator=forest)
    assert custom.named_steps["rfe"].estimator is forest
    assert custom.named_steps["rfe"].importance_getter == "auto"


def test_optional_steps_and_mutual_info_for_classification():
    chain = make_selection_chain(
        "classification", variance_threshold=None, univariate="mutual_info", random_state=0
    )
    assert _steps(chain)[0] == ("variance", "passthrough")
    assert chain.named_steps["univariate"].task == "classification"
    X, y = load_breast_cancer(return_X_y=True)
    assert chain.fit_transform(X, y).shape == (569, 15)


def test_every_step_skipped_is_the_identity():
    chain = make_selection_chain("regression", variance_threshold=None, univariate=None)
    assert [step for _, step in chain.steps] == ["passthrough"] * 3
    X = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(chain.fit_transform(X, [1.0, 2.0, 3.0, 4.0]), X)


def test_bad_arguments_name_the_parameter():
    with pytest.raises(InvalidParameterError, match="'task' parameter"):
        make_selection_chain("ranking")
    with pytest.raises(InvalidParameterError, match="'univariate' parameter"):
        make_selection_chain("regression", univariate="f_test")
    with pytest.raises(InvalidParameterError, match="'rfe_n_features' parameter"):
        make_selection_chain("regression", rfe=True, rfe_n_features=0)
    with pytest.raises(ValueError, match="univariate='chi2' is for classification"):
        make_selection_chain("regression", univariate="chi2")


# --- never zero features -----------------------------------------------------


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_extreme_fractions_still_keep_one_feature(task):
    X, y = load_breast_cancer(return_X_y=True)
    univariate_only = make_selection_chain(task, k=1e-9, random_state=0)
    assert univariate_only.fit_transform(X, y).shape == (569, 1)
    with_rfe = make_selection_chain(task, k=2, rfe=True, rfe_n_features=1e-9, random_state=0)
    assert with_rfe.fit_transform(X, y).shape == (569, 1)


def test_rfe_fraction_that_rounds_to_zero_keeps_one_feature():
    X, y = load_breast_cancer(return_X_y=True)
    # Plain RFE turns 0.4 of two features into 0 features and fails; ours keeps 1.
    with pytest.raises(ValueError):
        RFE(LogisticRegression(), n_features_to_select=0.4).fit(X[:, :2], y)
    chain = make_selection_chain("classification", k=2, rfe=True, rfe_n_features=0.4)
    assert chain.fit_transform(X, y).shape == (569, 1)
    assert chain.named_steps["rfe"].n_features_to_select == 0.4  # parameter untouched


def test_rfe_needs_two_features_to_reach_it():
    # Documented: scikit-learn's RFE refuses a single feature.
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="minimum of 2 is required"):
        make_selection_chain("classification", k=1, rfe=True).fit(X, y)


def test_int_counts_above_the_remaining_features_keep_all_silently():
    X, y = load_breast_cancer(return_X_y=True)
    chain = make_selection_chain("classification", k=4, rfe=True, rfe_n_features=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert chain.fit_transform(X, y).shape == (569, 4)


def test_variance_threshold_above_every_variance_raises():
    # Documented: VarianceThreshold refuses to keep zero features.
    X = np.ones((5, 3))
    with pytest.raises(ValueError, match="No feature in X meets the variance threshold"):
        make_selection_chain("classification").fit(X, [0, 1, 0, 1, 0])


# --- in a model pipeline, on real data ----------------------------------------


def test_classification_chain_under_cross_validation_beats_the_dummy():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    selected = Pipeline(
        [
            ("select", make_selection_chain("classification", k=0.5, rfe=True, rfe_n_features=8)),
            ("model", model),
        ]
    )
    score = cross_val_score(selected, X, y, cv=5).mean()
    baseline = cross_val_score(model, X, y, cv=5).mean()
    dummy = cross_val_score(DummyClassifier(), X, y, cv=5).mean()
    assert score > dummy + 0.25
    assert score > baseline - 0.03  # 8 of 30 features lose almost nothing


def test_regression_chain_under_cross_validation_beats_the_dummy():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    selected = Pipeline(
        [("select", make_selection_chain("regression", k=0.5, random_state=0)), ("model", Ridge(0.1))]
    )
    score = cross_val_score(selected, X, y, cv=5).mean()
    baseline = cross_val_score(Ridge(0.1), X, y, cv=5).mean()
    dummy = cross_val_score(DummyRegressor(), X, y, cv=5).mean()
    assert score > dummy + 0.35
    assert score > baseline - 0.03


def test_chain_drops_injected_noise_columns():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    rng = np.random.RandomState(0)
    noise = X.apply(lambda col: rng.permutation(col.to_numpy())).add_prefix("noise ")
    X = pd.concat([X, noise], axis=1)  # same distributions, no link to y
    chain = make_selection_chain(
        "classification", univariate="mutual_info", k=20, rfe=True, rfe_n_features=8,
        random_state=0,
    )
    out = chain.set_output(transform="pandas").fit_transform(X, y)
    kept = list(out.columns)
    assert len(kept) == 8
    assert not [name for name in kept if name.startswith("noise")]
    assert kept == list(chain.get_feature_names_out())


# --- properties and estimator checks (to move to tests/test_common.py) --------


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(6, 25), st.integers(1, 6)),
        elements=st.floats(-1e3, 1e3, allow_nan=False),
    ),
    st.sampled_from([1, 2, 0.3, 1e-6, "all"]),
    st.integers(0, 2**16),
)
def test_selectors_keep_rows_and_at_least_one_column(X, k, seed):
    n_samples, n_features = X.shape
    y_class = np.arange(n_samples) % 3  # every class appears at least twice
    y_reg = np.random.RandomState(seed).normal(size=n_samples)
    selectors = [
        (Chi2Selector(k=k), y_class),
        (MutualInfoSelector(k=k, random_state=0), y_class),
        (MutualInfoSelector(k=k, random_state=0), y_reg),
        (make_selection_chain("classification", variance_threshold=None, k=k), y_class),
        (make_selection_chain("regression", variance_threshold=None, k=k), y_reg),
    ]
    for selector, y in selectors:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence/constant-column warnings on odd data
            out = selector.fit(X, y).transform(X)
        assert out.shape[0] == n_samples
        assert 1 <= out.shape[1] <= n_features
