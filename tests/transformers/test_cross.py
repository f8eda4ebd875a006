import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline

from automl.transformers import CrossFeatures


def test_names_and_values_for_every_operation():
    X = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [2.0, 0.0, 8.0], "c": [0.0, 0.0, 0.1]})
    cross = CrossFeatures(n_top=2, operations=["product", "ratio", "difference"]).fit(X)
    np.testing.assert_array_equal(cross.top_columns_, [0, 1])  # c has the least variance
    assert list(cross.get_feature_names_out()) == ["a", "b", "c", "a*b", "a/b", "a-b"]
    out = cross.transform(X)
    np.testing.assert_allclose(out[:, 3], [2.0, 0.0, 32.0])
    np.testing.assert_allclose(out[:, 4], [0.5, 0.0, 0.5])  # 2/0 -> 0
    np.testing.assert_allclose(out[:, 5], [-1.0, 2.0, -4.0])


def test_without_originals_and_pandas_output():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 5.0, 9.0], "c": [3.0, 2.0, 1.0]})
    cross = CrossFeatures(n_top=3, include_original=False).set_output(transform="pandas")
    out = cross.fit_transform(X)
    assert list(out.columns) == ["a*b", "a*c", "b*c"]
    np.testing.assert_allclose(out["b*c"], [3.0, 10.0, 9.0])


def test_mutual_info_selection_picks_the_informative_columns():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 6)) * [1, 1, 10, 10, 10, 10]  # noise has most variance
    y = X[:, 0] * X[:, 1]
    by_var = CrossFeatures(n_top=2).fit(X, y)
    by_mi = CrossFeatures(n_top=2, selection="mutual_info", random_state=0).fit(X, y)
    assert set(by_var.top_columns_) <= {2, 3, 4, 5}
    np.testing.assert_array_equal(by_mi.top_columns_, [0, 1])
    with pytest.raises(ValueError, match="needs y"):
        CrossFeatures(selection="mutual_info").fit(X)


def test_nan_passes_through():
    X = np.array([[1.0, 2.0], [np.nan, 3.0], [3.0, 4.0]])
    out = CrossFeatures(operations=["product", "ratio"]).fit_transform(X)
    assert np.isnan(out[1, 2]) and np.isnan(out[1, 3])
    np.testing.assert_allclose(out[[0, 2], 2], [2.0, 12.0])


def test_bad_operations():
    with pytest.raises(ValueError, match="'operations'"):
        CrossFeatures(operations=["power"]).fit(np.ones((3, 2)))


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 6)),
              elements=st.floats(-1e3, 1e3, allow_nan=False)), st.integers(2, 6))
def test_row_count_and_width(X, n_top):
    cross = CrossFeatures(n_top=n_top, operations=["product", "ratio"]).fit(X)
    out = cross.transform(X)
    k = min(n_top, X.shape[1])
    assert out.shape == (X.shape[0], X.shape[1] + k * (k - 1))
    assert np.isfinite(out).all()


def test_crossing_helps_a_linear_model_on_real_data():
    X, y = load_diabetes(return_X_y=True)
    y = y + 5e4 * X[:, 2] * X[:, 8]  # a bmi x s5 interaction, about as strong as y
    plain = cross_val_score(LinearRegression(), X, y, cv=5).mean()
    crossed = cross_val_score(
        Pipeline([("cross", CrossFeatures(n_top=10)), ("lr", LinearRegression())]), X, y, cv=5
    ).mean()
    assert crossed > plain + 0.05


def test_an_integer_label_with_many_classes_takes_the_stated_task():
    from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

    # 25 classes seen 4 times each: the package's rule calls it regression
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(25), 4)
    X = np.column_stack([y % 5 + rng.normal(scale=0.1, size=100), rng.normal(size=100),
                         rng.normal(size=100)])
    auto = CrossFeatures(n_top=2, selection="mutual_info", random_state=0).fit(X, y)
    stated = CrossFeatures(n_top=2, selection="mutual_info", task="classification",
                           random_state=0).fit(X, y)
    np.testing.assert_allclose(auto.scores_, mutual_info_regression(X, y, random_state=0))
    np.testing.assert_allclose(stated.scores_, mutual_info_classif(X, y, random_state=0))
    assert not np.allclose(auto.scores_, stated.scores_)


def test_task_is_validated():
    with pytest.raises(ValueError, match="task"):
        CrossFeatures(selection="mutual_info", task="labels").fit(np.ones((5, 2)), [0, 1] * 2 + [0])
