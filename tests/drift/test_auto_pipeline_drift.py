"""AutoPipeline's drift hooks: one warning per call, unchanged predictions, saved profiles."""

import copy
import pickle
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split

from automl import AutoPipeline, DataDriftWarning
from automl._model_file import describe, load_model, save_model
from automl._budget import profile_reserve
from automl.drift import TrainingProfile, fit_profile


@pytest.fixture(scope="module")
def fitted():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :8].copy()
    X["band"] = np.where(X["mean area"] > 700, "large", "small")
    X.loc[X.index % 13 == 0, "mean texture"] = np.nan
    X_tr, X_te, y_tr, _ = train_test_split(X, y, test_size=0.3, random_state=0)
    model = AutoPipeline(time_budget=60, max_trials=2, models=["logistic_regression"], cv=3,
                         random_state=0).fit(X_tr, y_tr)
    return model, X_tr, X_te


def drifted(X_te, X_tr):
    bad = X_te.copy()
    bad["mean radius"] += 5 * X_tr["mean radius"].std()
    bad.loc[bad.index[:7], "band"] = "medium"
    return bad


def record(call, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call(*args)
    return result, [w for w in caught if issubclass(w.category, DataDriftWarning)], caught


def test_fit_keeps_a_profile_and_a_detector(fitted):
    model, X_tr, _ = fitted
    profile = model.training_profile_
    assert isinstance(profile, TrainingProfile)
    assert list(profile.columns_) == list(X_tr.columns)
    assert profile.columns_["band"]["categories"] == ["small", "large"]
    assert profile.detector_ is not None and profile.notes_ == []


def test_no_warning_on_held_out_rows(fitted):
    model, _, X_te = fitted
    _, drift, _ = record(model.predict, X_te)
    assert drift == []


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_one_warning_per_call_naming_the_columns(fitted, method):
    model, X_tr, X_te = fitted
    bad = drifted(X_te, X_tr)
    _, drift, _ = record(getattr(model, method), bad)
    assert len(drift) == 1
    warning = drift[0].message
    assert list(warning.columns) == ["mean radius", "band"]
    assert "unseen categories in 7 of 171 rows" in str(warning)
    assert str(warning).startswith("2 of 9 columns differ from the training data")
    assert drift[0].filename == __file__  # points at the caller


def test_drift_never_changes_a_prediction(fitted):
    model, X_tr, X_te = fitted
    bad = drifted(X_te, X_tr)
    bare = copy.copy(model)
    bare.training_profile_ = None  # no checks at all
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(model.predict(bad), bare.predict(bad))
        np.testing.assert_array_equal(model.predict_proba(bad), bare.predict_proba(bad))


def test_drift_warning_can_be_made_an_error(fitted):
    model, X_tr, X_te = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataDriftWarning)
        with pytest.raises(DataDriftWarning, match="column 'mean radius'"):
            model.predict(drifted(X_te, X_tr))


def test_drift_report_and_ood_score_methods(fitted):
    model, X_tr, X_te = fitted
    report = model.drift_report(drifted(X_te, X_tr))
    assert report.loc[report["flag"], "column"].tolist() == ["mean radius", "band"]
    assert report.attrs["adversarial_auc"] > 0.9
    clean = model.ood_score(X_te)
    far = model.ood_score(X_te.assign(**{"mean area": X_te["mean area"] * 10}))
    assert clean.shape == (len(X_te),) and 0 <= clean.min() and far.max() <= 1
    assert (far > clean).mean() > 0.9


def test_profile_round_trips_through_skops_and_pickle(fitted, tmp_path):
    model, X_tr, X_te = fitted
    bad = drifted(X_te, X_tr)
    save_model(model, tmp_path / "m.skops", metadata=describe(model))
    loaded, _ = load_model(tmp_path / "m.skops")  # our trusted-types check passes
    again = pickle.loads(pickle.dumps(model))
    for other in (loaded, again):
        assert other.training_profile_.columns_ == model.training_profile_.columns_
        np.testing.assert_allclose(other.ood_score(bad), model.ood_score(bad))
        _, drift, _ = record(other.predict, bad)
        assert list(drift[0].message.columns) == ["mean radius", "band"]


def test_old_model_without_profile_loads_and_predicts_with_a_note(fitted, tmp_path):
    model, _, X_te = fitted
    old = copy.copy(model)
    del old.training_profile_  # as saved before this attribute existed
    save_model(old, tmp_path / "old.skops", metadata=describe(model))
    loaded, _ = load_model(tmp_path / "old.skops")
    pred, drift, caught = record(loaded.predict, X_te)
    np.testing.assert_array_equal(pred, model.predict(X_te))
    assert drift == []
    assert any("drift checks are unavailable" in str(w.message) for w in caught)
    with pytest.raises(NotFittedError, match="ood_score is unavailable"):
        loaded.ood_score(X_te)
    with pytest.raises(NotFittedError, match="drift_report is unavailable"):
        loaded.drift_report(X_te)


def test_array_input(fitted):
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)))
    y = (X[0] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    model = AutoPipeline(time_budget=60, max_trials=1, models=["logistic_regression"], cv=2,
                         random_state=0).fit(X.to_numpy(), y)
    far = rng.normal(size=(50, 3))
    far[:, 2] += 10
    _, drift, _ = record(model.predict, far)
    assert list(drift[0].message.columns) == ["x2"]


def test_detector_skipped_with_a_note_when_time_is_up(fitted):
    _, X_tr, X_te = fitted
    late = fit_profile(X_tr, deadline=time.time() - 1.0, random_state=0)
    assert late.detector_ is None and "time budget was used up" in late.notes_[0]
    assert late.check(X_te) == {}  # the column checks are still made
    with pytest.raises(NotFittedError, match="time budget was used up"):
        late.ood_score(X_te)
    on_time = fit_profile(X_tr, deadline=time.time() + 60, random_state=0)
    assert on_time.detector_ is not None and on_time.notes_ == []
    assert profile_reserve(10) == pytest.approx(0.2) and profile_reserve(1000) == 2.0
