"""Predictions users can act on: prior correction, calibration, decision threshold."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss
from sklearn.model_selection import FixedThresholdClassifier, train_test_split

from automl import AutoPipeline
from automl._cv import make_cv
from automl._decision import (
    PriorCorrectedClassifier,
    choose_calibration,
    fit_calibrator,
    correct_proba,
    resolve_decision_metric,
    tune_threshold,
)
from automl._task import task_decision

FAST = dict(time_budget=60, random_state=0, n_jobs=1, cv=3)


def _members(estimator):
    """Every estimator inside a fitted ``model_`` (pipelines, ensembles, wrappers)."""
    found, todo = [], [estimator]
    while todo:
        est = todo.pop()
        found.append(est)
        for attr in ("estimator_", "estimator", "estimators_"):
            inner = getattr(est, attr, None)
            if isinstance(inner, list):
                todo.extend(inner)
            elif inner is not None and hasattr(inner, "fit"):
                todo.append(inner)
        todo.extend(step for _, step in getattr(est, "steps", []))
    return found


# ------------------------------------------------------------------ prior shift
def test_prior_correction_moves_balanced_probabilities_to_the_priors():
    # 0.5 / 0.5 under uniform priors, with priors 0.9 / 0.1: exactly the priors
    np.testing.assert_allclose(correct_proba([[0.5, 0.5]], [0.9, 0.1]), [[0.9, 0.1]])
    # Bayes' rule: odds times the prior ratio
    p = correct_proba([[0.2, 0.8]], [0.75, 0.25])
    np.testing.assert_allclose(p[0, 1] / p[0, 0], 4 * (0.25 / 0.75))
    assert np.isnan(correct_proba([[np.nan, np.nan]], [0.9, 0.1])).all()


def test_planted_class_weighted_model_is_corrected_back_to_the_training_prior():
    # Features carry no signal: a class-weighted logistic regression predicts
    # about 0.5 everywhere (its balanced prior); the true probability is the
    # training prior, 0.1.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4000, 3))
    y = (rng.uniform(size=4000) < 0.1).astype(int)
    weighted = LogisticRegression(class_weight="balanced").fit(X, y)
    assert weighted.predict_proba(X)[:, 1].mean() == pytest.approx(0.5, abs=0.02)
    corrected = PriorCorrectedClassifier(FrozenEstimator(weighted)).fit(X, y)
    assert corrected.predict_proba(X)[:, 1].mean() == pytest.approx(y.mean(), abs=0.01)
    assert (corrected.predict(X) == 0).all()  # the majority class, as the priors say


def test_autopipeline_corrects_its_class_weighted_member_and_its_oof():
    rng = np.random.RandomState(1)
    X = pd.DataFrame(rng.normal(size=(1200, 3)), columns=["a", "b", "c"])
    y = (rng.uniform(size=1200) < 0.1).astype(int)
    model = AutoPipeline(models=["logistic_regression"], max_trials=1, ensemble="none",
                         keep_oof="all", **FAST).fit(X, y)
    trial = model.trials_[0]
    # the planted shift: class weights or a resampler (both train on balanced classes)
    assert trial.config["imbalance"] in ("class_weight", "smote", "random_over", "random_under")
    raw = np.nanmean(trial.oof[:, 1])
    assert raw == pytest.approx(0.5, abs=0.05)
    assert np.nanmean(model.oof_predictions_[:, 1]) == pytest.approx(y.mean(), abs=0.02)
    assert model.predict_proba(X)[:, 1].mean() == pytest.approx(y.mean(), abs=0.02)
    assert any(isinstance(m, PriorCorrectedClassifier) for m in _members(model.model_))


# ------------------------------------------------------------------ labels
@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(n_samples=2500, n_features=8, n_informative=3, weights=[0.95],
                               flip_y=0.03, class_sep=0.8, random_state=0)
    return train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)


def test_predict_is_at_least_as_accurate_as_the_majority_class(imbalanced):
    X_tr, X_te, y_tr, y_te = imbalanced
    model = AutoPipeline(models=["logistic_regression", "extra_trees"], max_trials=2,
                         keep_oof="all", **FAST).fit(X_tr, y_tr)
    majority = max(np.mean(y_te), 1 - np.mean(y_te))
    assert accuracy_score(y_te, model.predict(X_te)) >= majority
    # what it replaced: the arg-max of the class-weighted logistic regression's
    # own probabilities labels worse than the constant, out of fold
    weighted = [t for t in model.trials_ if t.ok and t.config.get("imbalance") == "class_weight"
                and t.family.name == "logistic_regression"]
    assert weighted
    raw = weighted[0].oof
    assert accuracy_score(y_tr, raw.argmax(axis=1)) < max(np.mean(y_tr), 1 - np.mean(y_tr))
    # model_ is what predicts, a scikit-learn estimator holding the threshold
    assert isinstance(model.model_, FixedThresholdClassifier)
    assert model.model_.threshold == model.threshold_
    frame = pd.DataFrame(X_te, columns=[f"x{i}" for i in range(X_te.shape[1])])
    np.testing.assert_array_equal(model.model_.predict(frame), model.predict(X_te))
    assert model.decision_metric_ == "accuracy"


def test_f1_threshold_beats_one_half_out_of_fold(imbalanced):
    X_tr, _, y_tr, _ = imbalanced
    model = AutoPipeline(models=["logistic_regression"], max_trials=1, ensemble="none",
                         decision_metric="f1", **FAST).fit(X_tr, y_tr)
    assert model.decision_metric_ == "f1"
    p = model.oof_predictions_[:, 1]
    seen = ~np.isnan(p)
    tuned = f1_score(y_tr[seen], p[seen] >= model.threshold_)
    half = f1_score(y_tr[seen], p[seen] >= 0.5)
    assert model.threshold_ != 0.5
    assert tuned > half
    assert tuned == pytest.approx(model.decision_["oof_decision_score"])


def test_threshold_tuning_finds_the_known_best_cut():
    # positives have p in [0.3, 0.4], negatives below 0.3: any cut in (0.29, 0.3]
    # is perfect for accuracy; 0.5 labels every row negative
    p = np.r_[np.linspace(0.0, 0.29, 90), np.linspace(0.3, 0.4, 10)]
    codes = np.r_[np.zeros(90, int), np.ones(10, int)]
    _, scorer = resolve_decision_metric("accuracy", "accuracy", "accuracy", "binary")
    threshold, best, at_half = tune_threshold(p, codes, scorer)
    assert 0.29 < threshold <= 0.3 and best == 1.0 and at_half == pytest.approx(0.9)


def test_counted_metrics_equal_scikit_learns_at_every_threshold():
    from automl._decision import _COUNTED, _binary_scores, label_score

    rng = np.random.RandomState(0)
    p = np.round(rng.beta(1, 8, 1000), 3)  # ties included
    codes = (rng.uniform(size=1000) < p).astype(int)
    grid = np.unique(np.r_[np.quantile(p, np.linspace(0, 1, 30)), 0.0, 0.5, 1.0, 2.0])
    for name in _COUNTED:
        _, scorer = resolve_decision_metric(name, "auto", "roc_auc", "binary")
        counted = _binary_scores(p, codes, grid, scorer)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # precision with no positive predicted
            called = [label_score(scorer, codes, (p >= t).astype(int), 2) for t in grid]
        np.testing.assert_allclose(counted, called, atol=1e-12, err_msg=name)


# ------------------------------------------------------------------ calibration
def test_calibration_chosen_only_where_it_lowers_oof_log_loss():
    rng = np.random.RandomState(0)
    true = rng.beta(1, 6, size=5000)
    codes = (rng.uniform(size=5000) < true).astype(int)
    calibrated = np.c_[1 - true, true]
    method, _, losses = choose_calibration(calibrated, codes)
    assert method is None  # already calibrated: nothing gains two standard errors
    squashed = 0.5 + 0.25 * (true - 0.5)  # probabilities pulled towards 0.5
    method, crossed, losses = choose_calibration(np.c_[1 - squashed, squashed], codes)
    assert method in ("sigmoid", "isotonic")
    assert log_loss(codes, crossed) < log_loss(codes, np.c_[1 - squashed, squashed]) - 0.02
    assert losses[method] == pytest.approx(log_loss(codes, crossed))


def _early_rows_overconfident(n=5000, k=1000):
    """Calibrated probabilities, but the first ``k`` rows (in time) over-confident."""
    from scipy.special import expit, logit

    rng = np.random.RandomState(0)
    true = rng.beta(2, 2, size=n)
    codes = (rng.uniform(size=n) < true).astype(int)
    p = true.copy()
    p[:k] = expit(4 * logit(true[:k]))
    return np.c_[1 - p, p], codes


def test_calibration_is_judged_forward_in_time_on_time_ordered_rows():
    proba, codes = _early_rows_overconfident()
    # shuffled, the calibrator learns the early rows' correction and gains
    assert choose_calibration(proba, codes)[0] == "sigmoid"
    # fitted on earlier rows and judged on later ones, as the final model is,
    # the correction of the early rows does not carry over
    method, crossed, losses = choose_calibration(proba, codes, order=np.arange(len(codes)))
    assert method is None and crossed is proba
    assert losses["sigmoid"] > losses["none"] - 0.005


def test_a_ranking_metric_tries_only_calibrations_that_keep_the_ranking():
    rng = np.random.RandomState(0)
    true = rng.beta(1, 6, size=5000)
    codes = (rng.uniform(size=5000) < true).astype(int)
    squashed = 0.5 + 0.25 * (true - 0.5)
    method, _, losses = choose_calibration(np.c_[1 - squashed, squashed], codes, ranking=True)
    assert method == "sigmoid" and set(losses) == {"none", "sigmoid"}
    calibrator = fit_calibrator(np.c_[1 - squashed, squashed], codes, method, [0, 1])
    new = rng.uniform(0.3, 0.7, size=300)
    calibrated = calibrator.predict_proba(np.c_[1 - new, new])[:, 1]
    assert (np.argsort(calibrated, kind="stable") == np.argsort(new, kind="stable")).all()


def test_time_ordered_fit_judges_calibration_forward_and_keeps_auc_ranking():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"t": np.arange(1500.0), "a": rng.normal(size=1500)})
    y = (X["a"] + rng.normal(size=1500) > 0).astype(int)
    model = AutoPipeline(models=["logistic_regression"], max_trials=1, time_column="t",
                         **FAST).fit(X, y)
    assert model.decision_["calibration_judged"] == "forward in time"
    assert model.decision_["calibration_methods"] == ["sigmoid"]  # roc_auc ranks rows
    shuffled = AutoPipeline(models=["logistic_regression"], max_trials=1, metric="neg_log_loss",
                            **FAST).fit(X, y)
    assert shuffled.decision_["calibration_judged"] == "stratified 5-fold"
    assert shuffled.decision_["calibration_methods"] == ["sigmoid", "isotonic"]


def test_multiclass_calibration_with_integer_labels_keeps_the_columns_in_place():
    # scikit-learn 1.9's temperature scaling read labels 1-5 as column indices
    from automl._decision import fit_calibrator, row_log_loss

    rng = np.random.RandomState(0)
    true = rng.dirichlet([5, 1, 0.5, 0.3, 0.2], 4000)
    codes = np.array([rng.choice(5, p=p) for p in true])
    squashed = 0.6 * true + 0.4 / 5  # under-confident
    labels = np.array([1, 2, 3, 4, 5])
    for method in ("temperature", "sigmoid", "isotonic"):
        calibrator = fit_calibrator(squashed[:3000], labels[codes[:3000]], method, labels)
        calibrated = calibrator.predict_proba(squashed[3000:])
        assert (row_log_loss(calibrated, codes[3000:]).mean()
                < row_log_loss(squashed[3000:], codes[3000:]).mean())
        assert list(calibrator.classes_) == [1, 2, 3, 4, 5]


# ------------------------------------------------------------------ parameter
def test_decision_metric_defaults_and_validation():
    assert resolve_decision_metric("auto", "auto", "roc_auc", "binary")[0] == "accuracy"
    assert resolve_decision_metric("auto", "balanced_accuracy", "balanced_accuracy",
                                   "binary")[0] == "balanced_accuracy"
    assert resolve_decision_metric("auto", len, "len", "binary")[0] == "accuracy"
    assert resolve_decision_metric("f1", "auto", "neg_log_loss", "multiclass")[0] == "f1_macro"
    with pytest.raises(ValueError, match="does not score class labels"):
        resolve_decision_metric("roc_auc", "auto", "roc_auc", "binary")
    with pytest.raises(ValueError, match="decision_metric='nope'"):
        resolve_decision_metric("nope", "auto", "roc_auc", "binary")
    with pytest.raises(ValueError, match="regression"):
        resolve_decision_metric("f1", "auto", "rmse", "regression")
    X, y = make_classification(n_samples=60, random_state=0)
    with pytest.raises(ValueError, match="does not score class labels"):
        AutoPipeline(decision_metric="neg_log_loss", max_trials=1).fit(X, y)


# ------------------------------------------------------------------ the target
def test_integer_target_decision_is_said_and_multiclass_predicts_the_argmax():
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    score = pd.Series(np.clip(np.round(2 + 1.5 * X["a"] + rng.normal(size=600)), 0, 4)
                      .astype(int), name="exam_score")
    with pytest.warns(UserWarning, match=r"'exam_score' has 5 distinct whole-number values: "
                                         r"taken as a multiclass .*task='regression'"):
        model = AutoPipeline(models=["logistic_regression"], max_trials=1, ensemble="none",
                             **FAST).fit(X, score)
    assert model.task_ == "multiclass" and model.threshold_ is None
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    line = task_decision(np.arange(300) % 150, "regression", name="n")
    assert "150 distinct" in line and "regression" in line and "task='multiclass'" in line


# ------------------------------------------------------------------ groups + time
def test_groups_with_time_column_give_time_folds_that_keep_groups_apart():
    rng = np.random.RandomState(0)
    n = 300
    time_order = rng.permutation(n)
    position = np.empty(n, int)
    position[time_order] = np.arange(n)
    groups = position // 20 + rng.randint(0, 2, n)  # each group spans two time blocks
    folds, text = make_cv("binary", "auto", rng.randint(0, 2, n), groups=groups,
                          time_order=time_order)
    assert text == "TimeSeriesSplit(n_splits=5, groups kept apart)"
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        assert position[train].max() < position[test].min()  # the past only
        assert len(train) > 0
    with pytest.raises(ValueError, match="Pass only one of groups and time_column"):
        make_cv("binary", "auto", np.zeros(n), groups=np.arange(n) % 2, time_order=time_order)


def test_interrupt_during_ensembling_keeps_the_best_refitted_pipeline(monkeypatch):
    import automl._final_model as final_model

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(final_model, "greedy_ensemble_selection", ctrl_c)
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    with pytest.warns(UserWarning, match=r"Interrupted during the refit / ensembling: "
                                         r"keeping trial \d+ \(.*refitted on all rows"):
        model = AutoPipeline(models=["logistic_regression", "random_forest"], max_trials=2,
                             fold_bagging=False, **FAST).fit(X, y)
    assert model.ensemble_.attrs["kind"] == "single"
    assert any(note.startswith("interrupted") for note in model.ensemble_notes_)
    assert model.score(X, y) > 0.8


def test_forward_calibration_leaves_the_earliest_rows_without_a_calibrated_oof():
    from automl._decision import calibration_splits, fit_decision

    # every row's probabilities squashed towards 0.5: a calibration gains
    # whichever way it is judged; in time order the first sixth of the rows
    # is in no calibration split's test part
    rng = np.random.RandomState(0)
    n = 3000
    true = rng.beta(1, 3, size=n)
    y = (rng.uniform(size=n) < true).astype(int)
    squashed = 0.5 + 0.25 * (true - 0.5)
    oof = np.c_[1 - squashed, squashed]
    X = rng.normal(size=(n, 2))
    model = LogisticRegression().fit(X, y)
    _, scorer = resolve_decision_metric("accuracy", "accuracy", "accuracy", "binary")
    decision = fit_decision(model, oof, X, y, np.array([0, 1]), "binary",
                            decision_metric="accuracy", scorer=scorer, time_order=np.arange(n))
    assert decision.calibration in ("sigmoid", "isotonic")
    predicted = np.zeros(n, dtype=bool)
    predicted[np.concatenate([t for _, t in calibration_splits(y, np.arange(n))])] = True
    assert predicted.sum() == n - n // 6 and not predicted[: n // 6].any()
    np.testing.assert_array_equal(np.isnan(decision.oof).any(axis=1), ~predicted)
    assert decision.report["decision_rows"] == predicted.sum()
    threshold, _, _ = tune_threshold(decision.oof[predicted, 1], y[predicted], scorer)
    assert decision.threshold == threshold
    # shuffled folds predict every row
    shuffled = fit_decision(model, oof, X, y, np.array([0, 1]), "binary",
                            decision_metric="accuracy", scorer=scorer)
    assert not np.isnan(shuffled.oof).any() and shuffled.report["decision_rows"] == n
