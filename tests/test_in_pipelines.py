"""Every exported transformer, selector and sampler inside a user's own Pipeline.

Each runs under ``cross_val_score`` on a dataset scikit-learn ships, and the
pipeline must beat a dummy model fitted in the same test by a clear margin.
"""

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from automl.selectors import Chi2Selector, MutualInfoSelector, make_selection_chain
from automl.transformers import (
    CrossFeatures,
    DatetimeFeatures,
    LogTransformer,
    OutlierClipper,
    OutlierRemover,
    TablePreprocessor,
)

CLF_CV = StratifiedKFold(5, shuffle=True, random_state=0)
REG_CV = KFold(5, shuffle=True, random_state=0)


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True, as_frame=True)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True, as_frame=True)


@pytest.mark.parametrize("step", [
    OutlierClipper(),
    OutlierClipper(method="zscore"),
    LogTransformer(),
    CrossFeatures(n_top=4),
    TablePreprocessor(),
    make_pipeline(MinMaxScaler(), Chi2Selector(k=10)),
    MutualInfoSelector(k=10, random_state=0),
    make_selection_chain("classification", k=0.5, rfe=True, rfe_n_features=5),
], ids=lambda s: type(s).__name__ if not hasattr(s, "steps") else "+".join(n for n, _ in s.steps))
def test_classification_pipeline_beats_the_dummy(cancer, step):
    X, y = cancer
    pipe = make_pipeline(step, StandardScaler(), LogisticRegression(max_iter=2000))
    auc = cross_val_score(pipe, X, y, cv=CLF_CV, scoring="roc_auc").mean()
    dummy = cross_val_score(DummyClassifier(), X, y, cv=CLF_CV, scoring="roc_auc").mean()
    assert dummy == pytest.approx(0.5)
    assert auc > 0.95


@pytest.mark.parametrize("step", [
    OutlierClipper(),
    LogTransformer(columns="all"),
    CrossFeatures(n_top=4, selection="mutual_info", random_state=0),
    TablePreprocessor(),
    MutualInfoSelector(k=5, random_state=0),
], ids=lambda s: type(s).__name__)
def test_regression_pipeline_beats_the_dummy(diabetes, step):
    X, y = diabetes
    pipe = make_pipeline(step, Ridge(alpha=0.1))
    r2 = cross_val_score(pipe, X, y, cv=REG_CV, scoring="r2").mean()
    dummy = cross_val_score(DummyRegressor(), X, y, cv=REG_CV, scoring="r2").mean()
    assert dummy < 0.0 < 0.4 < r2


def test_outlier_remover_in_an_imblearn_pipeline(diabetes):
    X, y = diabetes
    pipe = ImbPipeline([("drop", OutlierRemover(max_fraction=0.05)), ("model", Ridge(0.1))])
    r2 = cross_val_score(pipe, X, y, cv=REG_CV, scoring="r2").mean()
    assert r2 > 0.4
    # rows are dropped when fitting only: every test row gets a prediction
    fitted = pipe.fit(X, y)
    assert len(fitted.named_steps["drop"].sample_indices_) < len(y)
    assert fitted.predict(X).shape == (len(y),)


def test_datetime_features_recover_a_seasonal_signal(diabetes):
    # The diabetes rows, each given a date; the target gains a summer bump
    # that only the month can explain.
    X, y = diabetes
    dates = pd.Series(pd.date_range("2015-01-01", periods=len(y), freq="5D"))
    summer = dates.dt.month.isin([6, 7, 8]).to_numpy()
    y = y + 120 * summer
    X = X.assign(visit=dates.astype(str).to_numpy())
    numeric = list(X.columns[:-1])
    with_dates = make_pipeline(
        make_column_transformer(("passthrough", numeric), (DatetimeFeatures(), ["visit"])),
        HistGradientBoostingRegressor(max_iter=100, random_state=0),
    )
    without = make_pipeline(
        make_column_transformer(("passthrough", numeric)),
        HistGradientBoostingRegressor(max_iter=100, random_state=0),
    )
    r2_with = cross_val_score(with_dates, X, y, cv=REG_CV, scoring="r2").mean()
    r2_without = cross_val_score(without, X, y, cv=REG_CV, scoring="r2").mean()
    assert r2_with > r2_without + 0.1
    assert np.isfinite(r2_with)
