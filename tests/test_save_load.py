"""automl.save / automl.load: skops' secure format from Python."""

import os

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.preprocessing import FunctionTransformer

import automl
from automl import ModelFileError


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(n_samples=300, n_features=5, weights=[0.8], random_state=0)
    y = np.where(y == 1, "yes", "no")
    model = automl.AutoClassifier(time_budget=60, max_trials=2, cv=3, random_state=0,
                                  callback=lambda info: None).fit(X, y)
    return X, y, model


def test_round_trip_keeps_predictions_and_the_decision(fitted, tmp_path):
    X, _, model = fitted
    path = tmp_path / "model.skops"
    automl.save(model, path)
    loaded = automl.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.threshold_ == model.threshold_
    assert loaded.decision_metric_ == "accuracy"
    assert loaded.callback is None and model.callback is not None  # the hook is not saved
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_no_overwrite_unless_forced(fitted, tmp_path):
    X, _, model = fitted
    path = tmp_path / "model.skops"
    path.write_text("keep me")
    with pytest.raises(FileExistsError, match="force=True"):
        automl.save(model, path)
    assert path.read_text() == "keep me"
    automl.save(model, path, force=True)
    assert automl.load(path).predict(X[:3]).shape == (3,)


def test_a_foreign_type_is_refused_by_name_unless_trusted(fitted, tmp_path):
    X, _, model = fitted
    evil = automl.AutoClassifier(**model.get_params())
    evil.__dict__.update({k: v for k, v in model.__dict__.items() if k.endswith("_")})
    evil.extra_step_ = FunctionTransformer(func=os.system)
    path = tmp_path / "evil.skops"
    automl.save(evil, path)
    with pytest.raises(ModelFileError, match=r"refusing to load.*posix\.system"):
        automl.load(path)
    loaded = automl.load(path, trusted=["posix.system"])
    assert loaded.extra_step_.func is os.system
    with pytest.raises(TypeError, match="list of type names"):
        automl.load(path, trusted="posix.system")


def test_save_refuses_what_is_not_a_fitted_autopipeline(tmp_path):
    with pytest.raises(TypeError, match="AutoPipeline"):
        automl.save(FunctionTransformer(), tmp_path / "m.skops")
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        automl.save(automl.AutoPipeline(), tmp_path / "m.skops")
    with pytest.raises(ModelFileError, match="no such file"):
        automl.load(tmp_path / "missing.skops")


def test_calibrated_thresholded_model_uses_only_trusted_types(tmp_path):
    # what fit_decision builds (prior correction, CalibratedClassifierCV on the
    # OOF probabilities, FixedThresholdClassifier) must load without trust=
    import skops.io
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression

    from automl._decision import PriorCorrectedClassifier, fit_decision, resolve_decision_metric
    from automl._model_file import foreign_types

    X, y = make_classification(n_samples=2000, n_features=5, weights=[0.9], random_state=0)
    fitted = LogisticRegression(class_weight="balanced").fit(X, y)
    member = PriorCorrectedClassifier(FrozenEstimator(fitted)).fit(X, y)
    oof = 0.5 + 0.3 * (member.predict_proba(X) - 0.5)  # under-confident: calibration pays
    _, scorer = resolve_decision_metric("accuracy", "auto", "roc_auc", "binary")
    decision = fit_decision(member, oof, X, y, np.array([0, 1]), "binary",
                            decision_metric="accuracy", scorer=scorer)
    assert decision.calibration != "none"
    skops.io.dump(decision.estimator, tmp_path / "m.skops")
    assert foreign_types(skops.io.get_untrusted_types(file=tmp_path / "m.skops")) == []
    untrusted = skops.io.get_untrusted_types(file=tmp_path / "m.skops")
    loaded = skops.io.load(tmp_path / "m.skops", trusted=untrusted)
    np.testing.assert_allclose(loaded.predict_proba(X), decision.estimator.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), decision.estimator.predict(X))
