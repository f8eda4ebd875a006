"""WeightedEnsembleClassifier / Regressor: alignment, weights, frozen members."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import cross_val_score
from sklearn.tree import DecisionTreeClassifier

from automl.ensemble import WeightedEnsembleClassifier, WeightedEnsembleRegressor


def test_members_that_missed_a_class_are_aligned_on_classes_():
    X, y = load_iris(return_X_y=True)
    y = np.array(["setosa", "versicolor", "virginica"])[y]
    two = LogisticRegression(max_iter=500).fit(X[y != "virginica"], y[y != "virginica"])
    three = LogisticRegression(max_iter=500).fit(X, y)
    ens = WeightedEnsembleClassifier(
        [("two", FrozenEstimator(two)), ("three", FrozenEstimator(three))], weights=[1, 3]
    ).fit(X, y)
    assert ens.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    proba = ens.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    expected = 0.25 * np.c_[two.predict_proba(X), np.zeros(len(X))] + 0.75 * three.predict_proba(X)
    np.testing.assert_allclose(proba, expected)
    assert set(ens.predict(X)) <= set(ens.classes_)


def test_frozen_members_are_not_refitted_and_zero_weights_are_dropped():
    X, y = load_diabetes(return_X_y=True)
    a = Ridge(alpha=0.1).fit(X[:200], y[:200])
    coef = a.coef_.copy()
    ens = WeightedEnsembleRegressor(
        [("a", FrozenEstimator(a)), ("unused", Ridge())], weights=[1.0, 0.0]
    ).fit(X, y)
    np.testing.assert_array_equal(a.coef_, coef)
    assert list(ens.named_estimators_) == ["a"]
    np.testing.assert_allclose(ens.predict(X), a.predict(X))


def test_in_cross_validation_and_pickle():
    X, y = load_iris(return_X_y=True)
    ens = WeightedEnsembleClassifier(
        [("lr", LogisticRegression(max_iter=500)), ("tree", DecisionTreeClassifier(max_depth=3))]
    )
    assert cross_val_score(ens, X, y, cv=5).mean() > 0.9
    fitted = clone(ens).fit(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))


@pytest.mark.parametrize("weights, match", [
    ([1.0], "1 values for 2 estimators"),
    ([-1.0, 2.0], "non-negative"),
    ([0.0, 0.0], "not all zero"),
])
def test_bad_weights(weights, match):
    X, y = load_iris(return_X_y=True)
    ens = WeightedEnsembleClassifier([("a", LogisticRegression()), ("b", LogisticRegression())],
                                     weights=weights)
    with pytest.raises(ValueError, match=match):
        ens.fit(X, y)


def test_names_must_be_unique_and_list_non_empty():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="unique"):
        WeightedEnsembleClassifier([("a", LogisticRegression())] * 2).fit(X, y)
    with pytest.raises(ValueError, match="non-empty"):
        WeightedEnsembleClassifier([]).fit(X, y)
