"""OODDetector and adversarial validation: planted far-away rows are told from held-out rows."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from automl.drift import OODDetector, TrainingProfile, adversarial_auc, drift_report
from automl.drift._ood import calibrated
from automl.drift._report import ADVERSARIAL_THRESHOLD


def moved_far(test, train, seed=0, n_columns=3, sds=4.0):
    """Each row with ``n_columns`` random columns moved ``sds`` standard deviations out."""
    rng = np.random.RandomState(seed)
    far = test.copy()
    std = train.std()
    for i in range(len(far)):
        cols = rng.choice(far.columns, n_columns, replace=False)
        sign = rng.choice([-1.0, 1.0], n_columns)
        far.iloc[i, [far.columns.get_loc(c) for c in cols]] += sign * sds * std[cols].to_numpy()
    return far


@pytest.fixture(scope="module")
def cancer():
    X = load_breast_cancer(as_frame=True).data
    return train_test_split(X, test_size=0.3, random_state=0)


@pytest.mark.parametrize("method, at_least", [("knn", 0.9), ("isolation_forest", 0.7)])
def test_rows_moved_far_score_higher_than_held_out_rows(cancer, method, at_least):
    # the default, distances, separates these; the forest less well (benchmarks/bench_drift.py)
    train, test = cancer
    detector = OODDetector(method=method, random_state=0).fit(train)
    inside, outside = detector.score(test), detector.score(moved_far(test, train))
    assert inside.min() >= 0 and outside.max() <= 1
    auc = roc_auc_score(np.r_[np.zeros(len(inside)), np.ones(len(outside))],
                        np.r_[inside, outside])
    assert auc >= at_least


def test_held_out_rows_score_about_uniformly(cancer):
    train, test = cancer
    score = OODDetector(random_state=0).fit(train).score(test)
    # calibrated on held-out training rows: i.i.d. rows are spread over [0, 1]
    assert 0.3 < score.mean() < 0.7
    assert (score > 0.99).mean() < 0.05


def test_mixed_table_and_few_rows():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.normal(size=40), "c": rng.choice(["x", "y"], 40)})
    detector = OODDetector(random_state=0).fit(X)  # fewer rows than n_reference: left-one-out
    assert detector.n_reference_ == 40 and len(detector.calibration_) == 40
    score = detector.score(pd.DataFrame({"a": [0.0, 50.0], "c": ["x", "z"]}))
    assert score[0] < score[1] and score[1] > 0.97


def test_calibration_is_monotone_and_bounded():
    cal = np.sort(np.random.RandomState(0).rand(100))
    raw = np.linspace(-1, 10, 500)
    out = calibrated(raw, cal)
    assert np.all(np.diff(out) >= 0) and out.min() == 0 and out.max() < 1


def test_adversarial_validation_tells_shifted_batches_apart():
    rng = np.random.RandomState(0)
    a, b = rng.normal(size=(500, 5)), rng.normal(size=(500, 5))
    assert abs(adversarial_auc(a, b) - 0.5) < 0.1
    shifted = b.copy()
    shifted[:, 2] *= 3
    assert adversarial_auc(a, shifted) > ADVERSARIAL_THRESHOLD
    assert np.isnan(adversarial_auc(a, b[:20]))  # too few rows to tell


def test_drift_report_on_wine_iid_and_shifted():
    X = load_wine(as_frame=True).data
    train, test = train_test_split(X, test_size=0.4, random_state=0)
    profile = TrainingProfile(random_state=0).fit(train)
    clean = drift_report(profile, test)
    assert not clean["flag"].any() and not clean.attrs["adversarial_flag"]
    assert clean.attrs["n_rows"] == len(test) and clean.attrs["n_flagged"] == 0
    shifted = test.assign(alcohol=test["alcohol"] + 5 * train["alcohol"].std())
    report = drift_report(profile, shifted)
    assert report.loc[report["flag"], "column"].tolist() == ["alcohol"]
    assert report.attrs["adversarial_auc"] > 0.9 and report.attrs["adversarial_flag"]
    no_adv = drift_report(profile, shifted, adversarial=False)
    assert np.isnan(no_adv.attrs["adversarial_auc"])
