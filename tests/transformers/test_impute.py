"""MedianImputer: SimpleImputer's median output, at NumPy's speed."""

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from automl.transformers import MedianImputer


@pytest.mark.parametrize("n_rows", [7, 8, 700])  # odd, even, and numpy's large-array path
def test_same_output_and_names_as_simple_imputer(n_rows):
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(n_rows, 6)), columns=list("abcdef"))
    X.iloc[::3, 1] = np.nan
    X.iloc[1, 4] = np.nan
    X["f"] = np.nan  # entirely missing: dropped by both
    reference = SimpleImputer(strategy="median", add_indicator=True)
    with pytest.warns(UserWarning):  # scikit-learn warns about the empty column
        expected = reference.fit_transform(X)
    ours = MedianImputer().fit(X)
    np.testing.assert_allclose(ours.transform(X), expected)
    assert ours.get_feature_names_out().tolist() == reference.get_feature_names_out().tolist()
    unseen = X.copy()
    unseen.iloc[0, 0] = np.nan  # a gap where fit saw none: imputed, not flagged
    np.testing.assert_allclose(ours.transform(unseen), reference.transform(unseen))


def test_without_indicator_and_on_arrays():
    X = np.array([[1.0, np.nan], [2.0, 4.0], [9.0, 6.0]])
    imputer = MedianImputer(add_indicator="none").fit(X)
    assert imputer.transform(X).tolist() == [[1.0, 5.0], [2.0, 4.0], [9.0, 6.0]]
    assert imputer.get_feature_names_out().tolist() == ["x0", "x1"]


def test_infinite_values_are_refused():
    with pytest.raises(ValueError, match="infinity"):
        MedianImputer().fit(np.array([[1.0], [np.inf]]))
