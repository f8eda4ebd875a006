import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from automl.transformers import OutlierClipper, OutlierRemover, outlier_bounds

# Column 0: Q1=2, Q3=4, IQR=2 -> [-1, 7]; mean=22, std=39 -> [-95, 139].
# Column 1 is constant: left alone.
X_SMALL = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0], [100.0, 5.0]])


def test_iqr_bounds_known_answer():
    lower, upper, spread = outlier_bounds(X_SMALL, "iqr", iqr_factor=1.5)
    np.testing.assert_allclose(lower, [-1.0, -np.inf])
    np.testing.assert_allclose(upper, [7.0, np.inf])
    np.testing.assert_allclose(spread, [2.0, 0.0])


def test_zscore_bounds_known_answer():
    X = np.array([[2.0], [4], [4], [4], [5], [5], [7], [9]])  # mean 5, std 2
    lower, upper, spread = outlier_bounds(X, "zscore", z_threshold=2.5)
    np.testing.assert_allclose([lower[0], upper[0], spread[0]], [0.0, 10.0, 2.0])


def test_clipper_clips_and_keeps_nan_and_constant_columns():
    clipper = OutlierClipper().fit(X_SMALL)
    out = clipper.transform(np.array([[50.0, 1000.0], [-20.0, -1000.0], [np.nan, 5.0]]))
    np.testing.assert_array_equal(out[:, 0][:2], [7.0, -1.0])
    assert np.isnan(out[2, 0])
    np.testing.assert_array_equal(out[:, 1], [1000.0, -1000.0, 5.0])


def test_clipper_ignores_nan_when_learning():
    X = np.vstack([X_SMALL, [[np.nan, np.nan]]])
    clipper = OutlierClipper().fit(X)
    np.testing.assert_allclose(clipper.upper_bounds_, [7.0, np.inf])


def test_clipper_zscore_factor_is_used():
    X = np.array([[2.0], [4], [4], [4], [5], [5], [7], [9]])  # mean 5, std 2
    clipper = OutlierClipper(method="zscore", z_threshold=1.0).fit(X)
    np.testing.assert_allclose([clipper.lower_bounds_[0], clipper.upper_bounds_[0]], [3, 7])
    np.testing.assert_array_equal(clipper.transform(X).ravel(), [3, 4, 4, 4, 5, 5, 7, 7])


def test_remover_drops_exactly_the_outlier_rows():
    X = np.array([[1.0], [2.0], [3.0], [4.0], [100.0], [-50.0], [2.5], [3.5], [2.0], [3.0]])
    y = np.arange(10) % 2
    remover = OutlierRemover(max_fraction=0.5)
    X_kept, y_kept = remover.fit_resample(X, y)
    np.testing.assert_array_equal(remover.sample_indices_, [0, 1, 2, 3, 6, 7, 8, 9])
    np.testing.assert_array_equal(X_kept.ravel(), X[[0, 1, 2, 3, 6, 7, 8, 9]].ravel())
    np.testing.assert_array_equal(y_kept, y[remover.sample_indices_])


def test_remover_respects_max_fraction_keeping_least_extreme():
    X = np.array([[1.0], [2.0], [3.0], [4.0], [100.0], [-50.0], [2.5], [3.5], [2.0], [3.0]])
    y = np.zeros(10)
    y[0] = 1
    remover = OutlierRemover(max_fraction=0.1).fit(X, y)
    # only one row may go: the most extreme one (100 is further out than -50)
    np.testing.assert_array_equal(np.setdiff1d(np.arange(10), remover.sample_indices_), [4])


def test_remover_never_drops_a_whole_class():
    X = np.array([[1.0], [2.0], [3.0], [2.0], [3.0], [2.5], [100.0], [90.0]])
    y = np.array(["a"] * 6 + ["b"] * 2)
    X_kept, y_kept = OutlierRemover(max_fraction=0.5).fit_resample(X, y)
    assert set(y_kept) == {"a", "b"}
    # the less extreme of the two 'b' rows (90) is kept
    assert 90.0 in X_kept.ravel() and 100.0 not in X_kept.ravel()


def test_remover_regression_target_and_dataframe_types():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 100.0, 2.0, 3.0, 2.5, 3.5, 3.0]},
                     index=list("abcdefghij"))
    y = pd.Series(np.linspace(0, 1, 10), index=X.index, name="t")
    X_kept, y_kept = OutlierRemover().fit_resample(X, y)
    assert isinstance(X_kept, pd.DataFrame) and isinstance(y_kept, pd.Series)
    assert list(X_kept.index) == [c for c in "abcdefghij" if c != "e"]
    assert y_kept.name == "t" and (y_kept.index == X_kept.index).all()


def test_remover_inside_imblearn_pipeline_drops_rows_at_fit_only():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    X[:10] *= 50
    y = X @ [1.0, 2.0, 3.0] + rng.normal(size=200)

    class CountingRidge(Ridge):
        def fit(self, X, y, sample_weight=None):
            self.n_fit_rows_ = X.shape[0]
            return super().fit(X, y, sample_weight)

    pipe = ImbPipeline([("drop", OutlierRemover(max_fraction=0.05)), ("model", CountingRidge())])
    pipe.fit(X, y)
    assert pipe[-1].n_fit_rows_ == 190
    assert pipe.predict(X).shape == (200,)


@pytest.mark.parametrize("est", [OutlierClipper(), OutlierRemover()])
def test_bad_input_names_the_column(est):
    method = est.fit_resample if hasattr(est, "fit_resample") else est.fit
    y = np.arange(4) % 2
    X = pd.DataFrame({"ok": [1.0, 2, 3, 4], "bad": [1.0, np.inf, 3, 4]})
    with pytest.raises(ValueError, match="infinity in column 'bad'"):
        method(X, y)
    X = pd.DataFrame({"ok": [1.0, 2, 3, 4], "empty": [np.nan] * 4})
    with pytest.raises(ValueError, match="'empty' is entirely NaN"):
        method(X, y)
    X = pd.DataFrame({"ok": [1.0, 2, 3, 4], "city": ["a", "b", "c", "d"]})
    with pytest.raises(TypeError, match="city"):
        method(X, y)
    with pytest.raises(ValueError, match="0 sample"):
        method(np.empty((0, 2)), np.empty(0))


def test_clipper_rejects_changed_columns_at_transform():
    X = pd.DataFrame({"a": [1.0, 2, 3], "b": [1.0, 2, 3]})
    clipper = OutlierClipper().fit(X)
    with pytest.raises(ValueError, match="Feature names"):
        clipper.transform(X.rename(columns={"b": "c"}))


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 40), st.integers(1, 4)), elements=finite),
       st.sampled_from(["iqr", "zscore"]))
def test_clipped_output_lies_within_learned_bounds(X, method):
    clipper = OutlierClipper(method=method).fit(X)
    out = clipper.transform(X)
    assert out.shape == X.shape
    assert np.all(out >= clipper.lower_bounds_) and np.all(out <= clipper.upper_bounds_)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 60), st.integers(1, 3)), elements=finite),
       st.floats(0, 1), st.integers(1, 3))
def test_remover_never_exceeds_max_fraction(X, max_fraction, n_classes):
    y = np.arange(len(X)) % n_classes
    X_kept, y_kept = OutlierRemover(max_fraction=max_fraction).fit_resample(X, y)
    assert len(X) - len(X_kept) <= np.floor(max_fraction * len(X))
    assert set(y_kept) == set(y)
    assert len(X_kept) == len(y_kept)


@pytest.mark.parametrize("step", [OutlierClipper(), OutlierClipper(method="zscore")])
def test_clipper_in_sklearn_pipeline_on_real_data(step):
    X, y = load_diabetes(return_X_y=True)
    pipe = Pipeline([("clip", step), ("scale", StandardScaler()), ("ridge", Ridge())])
    scores = cross_val_score(pipe, X, y, cv=5)
    baseline = cross_val_score(Ridge(alpha=1e6), X, y, cv=5)  # nearly constant
    assert scores.mean() > 0.4 > baseline.mean()


def test_remover_in_imblearn_pipeline_on_real_data():
    X, y = load_diabetes(return_X_y=True)
    pipe = ImbPipeline([("drop", OutlierRemover()), ("ridge", Ridge())])
    scores = cross_val_score(pipe, X, y, cv=5)
    plain = cross_val_score(Ridge(), X, y, cv=5)
    assert scores.mean() > 0.4 and abs(scores.mean() - plain.mean()) < 0.05
