"""The device switch: GPU detection without GPU libraries, and the registry's swaps.

The CPU path is tested everywhere; tests marked ``gpu`` run only where the
NVIDIA driver reports a GPU.
"""

import importlib.util

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge

from automl import AutoPipeline
from automl.search import FAMILIES, SearchContext
from automl.search._device import cuda_device_count, family_device, resolve_device

HAS_GPU = cuda_device_count() > 0
gpu = pytest.mark.skipif(not HAS_GPU, reason="no NVIDIA GPU on this machine")
no_gpu = pytest.mark.skipif(HAS_GPU, reason="this machine has a GPU")


def _build(name, task, device, **fields):
    ctx = SearchContext(task=task, n_samples=100, n_features=5, device=device,
                        **{"cuml": False, "lightgbm_gpu": False, **fields})
    family = FAMILIES[name]
    return family.build(task, family.defaults(ctx), ctx), ctx


def test_hidden_devices_count_as_none(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert cuda_device_count() == 0
    assert resolve_device("auto") == "cpu"
    with pytest.raises(ValueError, match="device='cuda' but no usable NVIDIA GPU"):
        resolve_device("cuda")


@no_gpu
def test_auto_is_cpu_and_cuda_is_refused_without_a_gpu():
    assert resolve_device("auto") == "cpu" and resolve_device("cpu") == "cpu"
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="no usable NVIDIA GPU"):
        AutoPipeline(device="cuda", time_budget=5).fit(X, y)


def test_cpu_run_reports_the_cpu_everywhere():
    X, y = load_breast_cancer(return_X_y=True)
    model = AutoPipeline(device="cpu", time_budget=20, max_trials=2, cv=3,
                         random_state=0).fit(X, y)
    assert model.device_ == "cpu"
    assert set(model.devices_.values()) == {"cpu"}
    assert set(model.leaderboard_["device"]) == {"cpu"}


def test_registry_swaps_per_family_on_cuda():
    # Built, not fitted: the switch itself needs no GPU.
    xgb, ctx = _build("xgboost", "binary", "cuda")
    assert xgb.estimator.get_params()["device"] == "cuda"
    assert family_device("xgboost", ctx) == "cuda"
    lgbm, _ = _build("lightgbm", "binary", "cuda")
    assert "device_type" not in lgbm.get_params() or lgbm.get_params()["device_type"] is None
    assert family_device("lightgbm", ctx) == "cpu"  # no OpenCL device answered
    lgbm_gpu, ctx_gpu = _build("lightgbm", "binary", "cuda", lightgbm_gpu=True)
    assert lgbm_gpu.get_params()["device_type"] == "gpu"
    assert family_device("lightgbm", ctx_gpu) == "cuda (OpenCL)"
    # without cuML, forests and linear models stay scikit-learn's, on the CPU
    rf, _ = _build("random_forest", "binary", "cuda")
    assert isinstance(rf, RandomForestClassifier)
    assert isinstance(_build("logistic_regression", "binary", "cuda")[0], LogisticRegression)
    assert isinstance(_build("linear_regression", "regression", "cuda")[0], Ridge)
    assert family_device("random_forest", ctx) == "cpu"
    assert family_device("random_forest", SearchContext(
        task="binary", n_samples=1, n_features=1, device="cuda", cuml=True
    )) == "cuda (cuML)"
    assert family_device("hist_gradient_boosting", ctx_gpu) == "cpu"
    cpu_xgb, cpu_ctx = _build("xgboost", "binary", "cpu")
    assert cpu_xgb.estimator.get_params()["device"] == "cpu"
    assert family_device("xgboost", cpu_ctx) == "cpu"


@gpu
def test_xgboost_trains_on_the_gpu():
    X, y = load_breast_cancer(return_X_y=True)
    model = AutoPipeline(device="cuda", models=["xgboost"], time_budget=60, max_trials=2,
                         cv=3, random_state=0).fit(X, y)
    assert model.device_ == "cuda" and model.devices_["xgboost"] == "cuda"
    booster = model.best_pipeline_.steps[-1][1].estimator_.get_booster()
    assert '"device":"cuda' in booster.save_config().replace(" ", "")
    assert model.best_score_ > 0.97


@gpu
@pytest.mark.skipif(importlib.util.find_spec("cuml") is None, reason="cuML is not installed")
def test_cuml_families_on_the_gpu():
    X, y = load_breast_cancer(return_X_y=True)
    model = AutoPipeline(device="cuda", models=["random_forest", "logistic_regression"],
                         time_budget=60, max_trials=2, cv=3, random_state=0).fit(X, y)
    assert model.devices_["random_forest"] == "cuda (cuML)"
    assert np.isfinite(model.predict_proba(X)).all() and model.best_score_ > 0.95
