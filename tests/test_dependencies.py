"""Canaries: our pipelines rely on scikit-optimize, which is no longer developed.

These fail if a dependency upgrade breaks what we build on, and flip (strict
xfail) when a known upstream bug gets fixed, so that workarounds can go.
"""

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from lightgbm import LGBMClassifier
from skopt import BayesSearchCV
from skopt.space import Categorical, Integer, Real
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from xgboost import XGBClassifier

from automl.transformers import OutlierClipper, OutlierRemover


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:300], y[:300]


def test_bayes_search_over_imblearn_pipeline(data):
    X, y = data
    pipe = Pipeline([
        ("drop", OutlierRemover()),
        ("clip", OutlierClipper()),
        ("scale", StandardScaler()),
        ("smote", SMOTE(random_state=0)),
        ("model", LogisticRegression(max_iter=2000)),
    ])
    search = BayesSearchCV(
        pipe,
        {
            "drop__iqr_factor": Real(1.0, 5.0),
            "clip__method": Categorical(["iqr", "zscore"]),
            "model__C": Real(1e-3, 1e2, prior="log-uniform"),
        },
        n_iter=5,
        cv=StratifiedKFold(3),
        scoring="roc_auc",
        random_state=0,
        n_points=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 5  # batches of 2, the last cut to 1
    assert search.best_score_ > 0.95
    assert 1.0 <= search.best_params_["drop__iqr_factor"] <= 5.0


@pytest.mark.parametrize("model", [
    XGBClassifier(n_estimators=20, n_jobs=1),
    LGBMClassifier(n_estimators=20, n_jobs=1, verbose=-1),
])
def test_bayes_search_with_boosters_and_groups(data, model):
    X, y = data
    groups = np.arange(len(y)) % 10
    search = BayesSearchCV(
        Pipeline([("drop", OutlierRemover()), ("model", model)]),
        {"model__max_depth": Integer(2, 6), "model__learning_rate": Real(0.05, 0.5)},
        n_iter=3, cv=GroupKFold(3), scoring="roc_auc", random_state=0,
    ).fit(X, y, groups=groups)
    assert search.best_score_ > 0.9


@pytest.mark.xfail(strict=True, reason=(
    "skopt 0.10.2's GradientBoostingQuantileRegressor lists its mixins in the old "
    "order, so scikit-learn >= 1.6 does not see a regressor; we use base_estimator "
    "'ET'/'GP' instead. Delete this test and the note when it passes."))
def test_skopt_gbrt_surrogate(data):
    X, y = data
    BayesSearchCV(
        LogisticRegression(max_iter=500), {"C": Real(1e-2, 1e2, prior="log-uniform")},
        n_iter=3, cv=3, optimizer_kwargs={"base_estimator": "GBRT"}, random_state=0,
    ).fit(X, y)
