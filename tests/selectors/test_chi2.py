import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils._param_validation import InvalidParameterError

from automl.selectors import Chi2Selector

# Column 0 separates the classes, column 2 a little, column 1 not at all.
X_TINY = np.array([[1.0, -2.0, 0.0], [2.0, -1.0, 0.0], [9.0, -2.0, 1.0], [8.0, -1.0, 1.0]])
Y_TINY = np.array([0, 0, 1, 1])


def test_tiny_array_known_scores_and_columns():
    # By hand, shifted column 1 is [0, 1, 0, 1]. Class sums and expected sums:
    # col 0: [3, 17] vs [10, 10] -> 49/10 + 49/10 = 9.8
    # col 1: [1, 1] vs [1, 1] -> 0;  col 2: [0, 2] vs [1, 1] -> 2
    selector = Chi2Selector(k=2).fit(X_TINY, Y_TINY)
    np.testing.assert_allclose(selector.scores_, [9.8, 0.0, 2.0])
    np.testing.assert_array_equal(selector.feature_min_, [1.0, -2.0, 0.0])
    np.testing.assert_array_equal(selector.get_support(indices=True), [0, 2])
    np.testing.assert_array_equal(selector.transform(X_TINY), X_TINY[:, [0, 2]])
    np.testing.assert_array_equal(Chi2Selector(k=1).fit(X_TINY, Y_TINY).get_support(), [True, False, False])


def test_scores_equal_sklearn_chi2_on_shifted_data():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 3, size=120)
    X = rng.normal(size=(120, 5)) + y[:, None] * [1.0, 0.0, 0.5, 0.0, 2.0]
    X[:, 3] = np.abs(X[:, 3]) + 5  # a positive column: left unshifted
    selector = Chi2Selector(k="all").fit(X, y)
    expected_scores, expected_p = chi2(X - np.minimum(X.min(axis=0), 0), y)
    np.testing.assert_allclose(selector.scores_, expected_scores)
    np.testing.assert_allclose(selector.pvalues_, expected_p)
    # Every column below zero: exactly chi2 on X - X.min(axis=0).
    X_neg = X - 100
    np.testing.assert_allclose(
        Chi2Selector(k="all").fit(X_neg, y).scores_, chi2(X_neg - X_neg.min(axis=0), y)[0]
    )


def test_same_selection_as_selectkbest_chi2_on_non_negative_data():
    X, y = load_breast_cancer(return_X_y=True)
    ours = Chi2Selector(k=7).fit(X, y)
    theirs = SelectKBest(chi2, k=7).fit(X, y)
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    np.testing.assert_allclose(ours.scores_, theirs.scores_)


def test_features_of_any_sign_and_new_values_below_the_minimum():
    X = X_TINY * [-1, 1, -1] - 50
    selector = Chi2Selector(k=2).fit(X, Y_TINY)
    np.testing.assert_array_equal(selector.get_support(indices=True), [0, 2])
    X_new = np.full((2, 3), -1e6)  # below feature_min_: nothing is shifted at transform
    np.testing.assert_array_equal(selector.transform(X_new), X_new[:, [0, 2]])


def test_drops_shuffled_copies_of_informative_features_on_a_common_scale():
    # chi2 grows with a column's scale, so compare columns on a common scale.
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    rng = np.random.RandomState(0)
    noise = X.apply(lambda col: rng.permutation(col.to_numpy())).add_prefix("noise ")
    X = MinMaxScaler().set_output(transform="pandas").fit_transform(pd.concat([X, noise], axis=1))
    kept = Chi2Selector(k=15).fit(X, y).get_feature_names_out()
    assert len(kept) == 15
    assert not [name for name in kept if name.startswith("noise")]


@pytest.mark.parametrize("y", [[0.1, 0.5, 1.7, 2.2], np.linspace(0, 1, 4), [1.0, 2.0, 3.0, 5.0]])
def test_regression_target_raises(y):
    with pytest.raises(ValueError, match="classification.*MutualInfoSelector for regression"):
        Chi2Selector().fit(X_TINY, y)


@pytest.mark.parametrize(
    "labels", [["a", "a", "b", "c"], [3, 3, 1, 2], [0.0, 0.0, 1.0, 1.0], [True, False, True, True]]
)
def test_class_labels_of_any_kind(labels):
    # Floats are class labels only when binary; more values mean regression.
    selector = Chi2Selector(k=1).fit(X_TINY, labels)
    assert selector.transform(X_TINY).shape == (4, 1)


def test_integer_and_string_labels_of_many_classes_are_classes():
    # Regression: 22 integer classes in 480 rows (a spectrometer table) read
    # as a count to the package's task rule, and the selector refused them
    # inside a classification search.
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(22), 20)
    informative = y + rng.uniform(0, 0.5, len(y))
    X = np.column_stack([informative, rng.uniform(0, 1, (len(y), 3))])
    for labels in (y, y.astype(str)):
        selector = Chi2Selector(k=1).fit(X, labels)
        assert selector.get_support().tolist() == [True, False, False, False]


@pytest.mark.parametrize(
    "k, n_kept",
    [(1, 1), (2, 2), (0.5, 1), (0.67, 2), (1.0, 3), (1e-9, 1), ("all", 3), (3, 3), (100, 3)],
)
def test_k_int_fraction_all_and_larger_than_n_features(k, n_kept):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # k > n_features keeps all, silently
        selector = Chi2Selector(k=k).fit(X_TINY, Y_TINY)
    assert selector.k_ == n_kept
    assert selector.transform(X_TINY).shape == (4, n_kept)


def test_fraction_is_rounded_down_without_float_error():
    X = np.random.RandomState(0).rand(30, 100)
    y = np.arange(30) % 2
    assert Chi2Selector(k=0.57).fit(X, y).k_ == 57


def test_never_zero_features_even_with_all_constant_columns():
    # Constant columns score NaN (0/0); they still fill k rather than nothing.
    X = np.zeros((4, 3))
    selector = Chi2Selector(k=0.1).fit(X, Y_TINY)
    assert np.isnan(selector.scores_).all()
    assert selector.transform(X).shape == (4, 1)


@pytest.mark.parametrize("k", [0, -1, 1.5, 0.0, "half", None])
def test_bad_k(k):
    with pytest.raises(InvalidParameterError, match="'k' parameter"):
        Chi2Selector(k=k).fit(X_TINY, Y_TINY)


@pytest.mark.parametrize("bad, what", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_nan_and_inf_raise_naming_the_column(bad, what):
    X = pd.DataFrame(X_TINY, columns=["a", "b", "c"])
    X.loc[2, "b"] = bad
    with pytest.raises(ValueError, match=f"{what} in column 'b'"):
        Chi2Selector().fit(X, Y_TINY)
    selector = Chi2Selector().fit(X_TINY * 1, Y_TINY)
    with pytest.raises(ValueError, match=f"{what} in column at index 1"):
        selector.transform(X.to_numpy())


def test_requires_y():
    with pytest.raises(ValueError, match="requires y"):
        Chi2Selector().fit(X_TINY)


def test_dataframe_names_and_pandas_output():
    X = pd.DataFrame(X_TINY, columns=["strong", "useless", "weak"])
    selector = Chi2Selector(k=2).fit(X, Y_TINY)
    assert list(selector.get_feature_names_out()) == ["strong", "weak"]
    out = Chi2Selector(k=2).set_output(transform="pandas").fit_transform(X, Y_TINY)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["strong", "weak"]
    np.testing.assert_array_equal(out.to_numpy(), X_TINY[:, [0, 2]])
