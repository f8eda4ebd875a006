import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.feature_selection import SelectKBest, f_regression, mutual_info_regression
from sklearn.utils._param_validation import InvalidParameterError

from automl.selectors import MutualInfoSelector


def _one_informative_column(n_samples=300, n_features=6, informative=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    return X, X[:, informative]


def test_picks_the_column_that_determines_a_class_target():
    X, signal = _one_informative_column()
    y = np.where(signal > 0.3, "yes", "no")
    selector = MutualInfoSelector(k=1, random_state=0).fit(X, y)
    assert selector.task_ == "classification"
    np.testing.assert_array_equal(selector.get_support(indices=True), [3])
    assert selector.scores_[3] > 5 * np.delete(selector.scores_, 3).max()
    assert selector.pvalues_ is None


def test_picks_a_non_linear_regression_signal_that_f_regression_misses():
    X, signal = _one_informative_column(informative=1)
    y = signal**2  # uncorrelated with column 1, but determined by it
    selector = MutualInfoSelector(k=1, random_state=0).fit(X, y)
    assert selector.task_ == "regression"
    np.testing.assert_array_equal(selector.get_support(indices=True), [1])
    assert SelectKBest(f_regression, k=1).fit(X, y).get_support(indices=True)[0] != 1


def test_deterministic_with_a_fixed_random_state():
    X, y = load_diabetes(return_X_y=True)
    selector = MutualInfoSelector(k=4, random_state=42)
    first = selector.fit(X, y).scores_.copy()
    np.testing.assert_array_equal(selector.fit(X, y).scores_, first)
    np.testing.assert_array_equal(clone(selector).fit(X, y).scores_, first)
    # Same numbers as scikit-learn's function with the same seed.
    np.testing.assert_allclose(first, mutual_info_regression(X, y, random_state=42))
    other = MutualInfoSelector(k=4, random_state=1).fit(X, y).scores_
    assert not np.array_equal(first, other)


def test_diabetes_selection_keeps_the_known_strong_features():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    selector = MutualInfoSelector(k=3, random_state=0).fit(X, y)
    # type_of_target calls this whole-valued float target "multiclass".
    assert selector.task_ == "regression"
    assert {"bmi", "s5"} <= set(selector.get_feature_names_out())
    # 214 whole numbers on 442 rows: a quantity, by the package's one rule
    # (automl._task.detect_task), whatever their dtype
    assert MutualInfoSelector(random_state=0).fit(X, y.astype(int)).task_ == "regression"
    assert MutualInfoSelector(random_state=0).fit(X, (y > 140).astype(int)).task_ == "classification"


def test_task_override_and_params_reach_sklearn():
    X, signal = _one_informative_column()
    y_int = np.digitize(signal, [-1, 0, 1])  # 4 classes
    auto = MutualInfoSelector(k=2, random_state=0).fit(X, y_int)
    forced = MutualInfoSelector(k=2, task="regression", random_state=0).fit(X, y_int)
    assert (auto.task_, forced.task_) == ("classification", "regression")
    assert auto.kbest_.score_func.func.__name__ == "mutual_info_classif"
    assert forced.kbest_.score_func.keywords["n_neighbors"] == 3
    with pytest.raises(ValueError, match="Unknown label type"):
        MutualInfoSelector(task="classification").fit(X, signal)


@pytest.mark.parametrize(
    "k, n_kept", [(0.5, 3), (0.01, 1), (1.0, 6), ("all", 6), (6, 6), (50, 6), (2, 2)]
)
def test_k_forms(k, n_kept):
    X, y = _one_informative_column()
    assert MutualInfoSelector(k=k, random_state=0).fit(X, y).transform(X).shape == (300, n_kept)


def test_too_few_samples_raise_a_clear_error():
    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match="more samples than n_neighbors=3"):
        MutualInfoSelector(task="regression").fit(X, [0.5, 1.5, 2.5])
    assert MutualInfoSelector(task="regression", n_neighbors=2).fit(X, [0.5, 1.5, 2.5]).k_ == 2
    with pytest.raises(ValueError, match="class with at least 2 samples"):
        MutualInfoSelector().fit(X, [0, 1, 2])


@pytest.mark.parametrize(
    "params, name",
    [({"task": "binary"}, "task"), ({"n_neighbors": 0}, "n_neighbors"), ({"k": 0}, "k")],
)
def test_bad_params(params, name):
    X, y = _one_informative_column()
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        MutualInfoSelector(**params).fit(X, y)


def test_nan_raises_naming_the_column_and_pandas_output():
    X, y = _one_informative_column()
    df = pd.DataFrame(X, columns=list("abcdef"))
    out = MutualInfoSelector(k=2, random_state=0).set_output(transform="pandas").fit_transform(df, y)
    assert isinstance(out, pd.DataFrame) and "d" in out.columns and out.shape == (300, 2)
    df.loc[5, "e"] = np.nan
    with pytest.raises(ValueError, match="NaN in column 'e'"):
        MutualInfoSelector().fit(df, y)
