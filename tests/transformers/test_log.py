import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline

from automl.transformers import LogTransformer


def test_known_values_for_both_signs():
    log = LogTransformer(columns="all").fit(np.array([[0.0], [1.0]]))
    out = log.transform(np.array([[0.0], [np.e - 1], [-(np.e**2 - 1)], [np.nan]]))
    np.testing.assert_allclose(out.ravel()[:3], [0.0, 1.0, -2.0])
    assert np.isnan(out[3, 0])


def test_auto_picks_right_skewed_columns_only():
    rng = np.random.RandomState(0)
    X = np.column_stack([
        rng.lognormal(0, 1.5, 500),      # right-skewed
        rng.normal(size=500),            # symmetric
        -rng.lognormal(0, 1.5, 500),     # left-skewed
    ])
    log = LogTransformer().fit(X)
    np.testing.assert_array_equal(log.log_columns_, [True, False, False])
    assert log.skewness_[0] > 1 > abs(log.skewness_[1])


def test_columns_by_name_and_position():
    X = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0]})
    np.testing.assert_array_equal(LogTransformer(columns=["c", "a"]).fit(X).log_columns_,
                                  [True, False, True])
    np.testing.assert_array_equal(LogTransformer(columns=[1]).fit(X).log_columns_,
                                  [False, True, False])
    with pytest.raises(ValueError, match=r"\['zz', 7\]"):
        LogTransformer(columns=["zz", 7]).fit(X)


def test_pandas_output_keeps_names():
    X = pd.DataFrame({"a": [1.0, 10.0, 100.0], "b": [3.0, 4.0, 5.0]})
    out = LogTransformer(columns=["a"]).set_output(transform="pandas").fit_transform(X)
    assert list(out.columns) == ["a", "b"]
    np.testing.assert_allclose(out["a"], np.log1p([1.0, 10.0, 100.0]))
    np.testing.assert_allclose(out["b"], [3.0, 4.0, 5.0])


@settings(max_examples=80, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 4)),
              elements=st.floats(-1e8, 1e8, allow_nan=False)))
def test_inverse_round_trips(X):
    log = LogTransformer(columns="all").fit(X)
    out = log.transform(X)
    assert out.shape == X.shape
    np.testing.assert_allclose(log.inverse_transform(out), X, rtol=1e-9, atol=1e-9)


def test_bad_input():
    with pytest.raises(TypeError, match="'s'"):
        LogTransformer().fit(pd.DataFrame({"s": ["a", "b"], "x": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="infinity in column 'x'"):
        LogTransformer().fit(pd.DataFrame({"x": [1.0, np.inf]}))


def test_in_pipeline_on_real_data():
    X, y = load_diabetes(return_X_y=True, scaled=False)
    pipe = Pipeline([("log", LogTransformer()), ("ridge", Ridge(alpha=1e-3))])
    scores = cross_val_score(pipe, X, y, cv=5)
    baseline = cross_val_score(Ridge(alpha=1e9), X, y, cv=5)
    assert scores.mean() > 0.4 > baseline.mean()
