"""Robust selection (issue 29): standard errors, the one-SE rule, validated ensembles."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import KFold, RepeatedKFold

from automl import AutoPipeline
from automl._leaderboard import leaderboard
from automl._selection import (
    corrected_sem,
    fold_size_ratio,
    heldout_groups,
    one_se_choice,
    order_for_selection,
    paired_gap,
    selection_summary,
    validated_ensemble_selection,
    within_one_se,
)
from automl.ensemble import greedy_ensemble_selection
from automl.search import families_for
from automl.search._search import Trial

FAMILIES = {f.name: f for f in families_for("binary", None)}


def neg_mse(y, p):
    return -np.mean((y - p) ** 2)


def trial(trial_id, family, scores, fit_time, train_fraction=1.0, status="ok"):
    return Trial(trial_id, FAMILIES[family], {}, train_fraction=train_fraction, status=status,
                 scores=list(scores), fit_time=fit_time)


@pytest.fixture
def trials():
    """Best first, on the same five folds; ratio 1/4 gives corrected SEs of the gaps.

    Gaps to the best fold by fold: trial 2 [.01, -.01, .01, -.01, .02] (mean
    0.004, SE sqrt(180e-6 * 0.45) = 0.009: within); trial 3 [0, .01, 0, .01,
    .005] (mean 0.005, SE 0.0034: a steady gap, beyond noise); trial 4 [.04,
    -.01, .04, -.01, .02] (mean 0.016, SE sqrt(630e-6 * 0.45) = 0.0168:
    within). The best's own SE: 0.0158 * sqrt(1/5 + 1/4) = 0.0106.
    """
    return [
        trial(1, "lightgbm", [0.90, 0.91, 0.92, 0.89, 0.88], fit_time=50.0),            # 0.900
        trial(2, "xgboost", [0.89, 0.92, 0.91, 0.90, 0.86], fit_time=20.0),             # 0.896
        trial(3, "random_forest", [0.90, 0.90, 0.92, 0.88, 0.875], fit_time=10.0),      # 0.895
        trial(4, "logistic_regression", [0.86, 0.92, 0.88, 0.90, 0.86], fit_time=1.0),  # 0.884
    ]


def test_corrected_sem_known_values():
    scores = [0.90, 0.91, 0.92, 0.89, 0.88]  # sample std sqrt(0.00025)
    assert corrected_sem(scores, 0.25) == pytest.approx(np.sqrt(0.00025 * (0.2 + 0.25)))
    assert corrected_sem(scores, 0.0) == pytest.approx(np.std(scores, ddof=1) / np.sqrt(5))
    assert np.isnan(corrected_sem([0.9], 0.25))  # a single holdout has no spread


def test_fold_size_ratio_of_repeated_kfold():
    folds = list(RepeatedKFold(n_splits=5, n_repeats=3, random_state=0).split(np.zeros(100)))
    assert fold_size_ratio(folds) == pytest.approx(0.25)


def test_paired_gap_known_values(trials):
    best, second, steady, linear = trials
    assert paired_gap(best, second, 0.25) == pytest.approx((0.004, 0.009))
    assert paired_gap(best, steady, 0.25) == pytest.approx((0.005, np.sqrt(25e-6 * 0.45)))
    assert paired_gap(best, linear, 0.25) == pytest.approx((0.016, np.sqrt(630e-6 * 0.45)))
    # not on the same folds: the best's own standard error
    other = trial(5, "mlp", [0.89, 0.89, 0.89], fit_time=1.0)
    assert paired_gap(best, other, 0.25) == pytest.approx(
        (0.01, corrected_sem(best.scores, 0.25)))


def test_within_one_se_counts_the_candidates_near_the_best(trials):
    best, sem, mask = within_one_se(trials, 0.25)
    assert best.trial_id == 1
    assert sem == pytest.approx(np.sqrt(0.00025 * 0.45))
    # the forest's steady gap is beyond noise; the linear model's, larger but
    # fold by fold noisier, is not
    assert mask.tolist() == [True, True, False, True]


def test_a_steady_gap_on_very_different_folds_is_beyond_noise():
    # time-ordered folds: each a period with its own level (electricity)
    best = trial(1, "lightgbm", [0.95, 0.80, 0.90, 0.70, 0.85], fit_time=9.0)
    close = trial(2, "logistic_regression", [s - 0.005 for s in best.scores], fit_time=1.0)
    _, sem, mask = within_one_se([best, close], 0.25)
    assert 0.005 < sem  # unpaired, the gap would look like noise
    assert mask.tolist() == [True, False]
    assert one_se_choice([best, close], 0.25) is best


def test_one_se_rule_takes_the_simplest_within_one_se(trials):
    assert one_se_choice(trials, 0.25).trial_id == 4
    ordered = order_for_selection(trials, "one_se", 0.25)
    assert [t.trial_id for t in ordered] == [4, 1, 2, 3]
    assert order_for_selection(trials, "best", 0.25) is trials
    # the naive standard errors (ratio 0) leave out the linear model too
    # (gap 0.016, SE 0.0112): the faster of the two boosters
    assert one_se_choice(trials, 0.0).trial_id == 2


def test_one_se_rule_ties_on_fit_time_go_to_the_higher_score(trials):
    trials[1] = trial(2, "xgboost", trials[1].scores, fit_time=trials[0].fit_time)
    assert one_se_choice(trials, 0.0).trial_id == 1   # 0.900 against 0.896


def test_one_se_rule_prefers_a_simpler_family_to_a_faster_one(trials):
    trials[3] = trial(4, "logistic_regression", trials[3].scores, fit_time=60.0)
    assert one_se_choice(trials, 0.25).trial_id == 4   # slower than the boosters, but linear


def test_selection_summary_reports_how_sure_the_choice_is(trials):
    summary = selection_summary(trials, "one_se", 0.25, trials[3])
    assert summary["best_trial"] == 1 and summary["chosen_trial"] == 4
    assert summary["n_within_se"] == 3 and summary["n_candidates"] == 4
    assert summary["best_score"] == pytest.approx(0.90)
    assert summary["se_method"] == "nadeau_bengio_paired"


def test_leaderboard_has_standard_errors_and_within_se(trials):
    failed = Trial(5, FAMILIES["mlp"], {}, status="error", error="boom")
    partial = trial(6, "lightgbm", [0.95, 0.95, 0.96, 0.95, 0.94], 1.0, train_fraction=1 / 3)
    board = leaderboard(trials + [failed, partial], ratio=0.25).set_index("trial")
    assert board.loc[1, "score_sem"] == pytest.approx(corrected_sem(trials[0].scores, 0.25))
    # a candidate on a third of the rows trained on a third as many
    assert board.loc[6, "score_sem"] == pytest.approx(corrected_sem(partial.scores, 0.75))
    assert board["within_se"].to_dict() == {1: True, 2: True, 3: False, 4: True, 5: False,
                                            6: False}
    assert np.isnan(board.loc[5, "score_sem"])


def test_heldout_groups_are_the_first_disjoint_test_folds():
    folds = list(RepeatedKFold(n_splits=4, n_repeats=2, random_state=0).split(np.zeros(20)))
    groups = heldout_groups(folds, 20)
    for g, (_, test) in enumerate(folds[:4]):
        assert (groups[test] == g).all()
    holdout = [(np.arange(15), np.arange(15, 20))]  # one fold: its rows dealt into groups
    groups = heldout_groups(holdout, 20, random_state=0)
    assert (groups[:15] == -1).all() and sorted(groups[15:]) == [0, 1, 2, 3, 4]


def planted_overfit():
    """``b`` knows the targets of group 0's rows (a leak) and is noise elsewhere."""
    rng = np.random.RandomState(3)
    y = rng.normal(size=200)
    a = y + rng.normal(size=200)
    groups = np.arange(200) % 5
    b = np.where(groups == 0, y, a + rng.normal(size=200))
    return [a, b], y, groups


def test_validated_weights_differ_from_in_sample_ones_on_a_planted_overfit():
    predictions, y, groups = planted_overfit()
    in_sample = greedy_ensemble_selection(predictions, y, neg_mse, n_iterations=20)
    assert in_sample.weights.tolist() == pytest.approx([0.8, 0.2])
    assert in_sample.score > neg_mse(y, predictions[0])  # the in-sample rule would take it
    found = validated_ensemble_selection(predictions, y, neg_mse, groups, n_iterations=20)
    assert found.fold_weights[0, 1] == 0.0  # without the leaked rows, b is worthless
    assert not np.allclose(found.weights, in_sample.weights)
    assert found.gain < -found.gain_se  # worse on held-out rows, beyond noise
    assert not found.accepted


def test_ensemble_dropped_when_heldout_gain_within_noise():
    rng = np.random.RandomState(2)
    y = rng.normal(size=200)
    a = y + rng.normal(size=200)
    near_copy = a + 0.3 * rng.normal(size=200)  # only adds noise: any in-sample gain is luck
    groups = np.arange(200) % 5
    in_sample = greedy_ensemble_selection([a, near_copy], y, neg_mse, n_iterations=20)
    assert (in_sample.weights > 0).all() and in_sample.score > neg_mse(y, a)
    found = validated_ensemble_selection([a, near_copy], y, neg_mse, groups, n_iterations=20)
    assert abs(found.gain) <= found.gain_se
    assert not found.accepted
    independent = y + rng.normal(size=200)  # errors independent of a's: a real gain
    found = validated_ensemble_selection([a, independent], y, neg_mse, groups, n_iterations=20)
    assert found.accepted and found.gain > found.gain_se
    assert found.weights.sum() == pytest.approx(1.0) and (found.weights > 0.3).all()


def test_validated_selection_with_kfold_groups_on_classification():
    X, y = load_breast_cancer(return_X_y=True)
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    groups = heldout_groups(folds, len(y))
    good = np.clip(y + np.random.RandomState(0).normal(0, 0.3, len(y)), 0, 1)
    proba = [np.column_stack([1 - good, good]), np.full((len(y), 2), 0.5)]
    def accuracy(t, p):
        return np.mean(p.argmax(axis=1) == t)
    found = validated_ensemble_selection(proba, y, accuracy, groups, n_iterations=10)
    assert found.weights.tolist() == [1.0, 0.0] and not found.accepted


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X.iloc[:300], y.iloc[:300]


@pytest.mark.parametrize("rule", ["one_se", "robust"])
def test_fit_with_a_robust_rule_reports_the_choice(cancer, rule):
    X, y = cancer
    model = AutoPipeline(time_budget=60, max_trials=4, n_jobs=1, random_state=0, cv=3,
                         models=["logistic_regression", "k_nearest_neighbors"],
                         selection=rule).fit(X, y)
    board, summary = model.leaderboard_, model.selection_
    assert {"score_sem", "within_se"} <= set(board.columns)
    full = board[board["status"].eq("ok") & board["trial"].notna()]
    assert summary["rule"] == rule
    assert summary["n_within_se"] == int(full["within_se"].sum()) >= 1
    assert summary["n_candidates"] == len(full)
    best = full.sort_values("score", ascending=False).iloc[0]
    assert summary["best_trial"] == best["trial"]
    assert summary["best_score_sem"] == pytest.approx(best["score_sem"])
    chosen = full.set_index("trial").loc[summary["chosen_trial"]]
    assert bool(chosen["within_se"])  # the rule chose within one SE of the best
    assert model.best_score_ == pytest.approx(chosen["score"])
    if rule == "robust":
        assert {"ensemble_heldout_gain", "ensemble_validated"} <= set(summary)
        if model.ensemble_.attrs["kind"] == "greedy":
            assert summary["ensemble_validated"]
        else:
            assert any("held-out" in note or "no better" in note
                       for note in model.ensemble_notes_)


def test_fit_with_bagged_ensemble_selection_reports_its_bags(cancer):
    X, y = cancer
    model = AutoPipeline(time_budget=60, max_trials=6, n_jobs=1, random_state=0, cv=3,
                         models=["logistic_regression", "k_nearest_neighbors"],
                         selection="bagged_ensemble").fit(X, y)
    summary = model.selection_
    assert summary["rule"] == "bagged_ensemble"
    assert 1 <= summary["ensemble_bags"] <= 20
    assert summary["ensemble_bags_pruned"] >= 0 and not summary["ensemble_bags_fallback"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    if model.ensemble_.attrs["kind"] == "greedy":
        weights = model.ensemble_["weight"].to_numpy()
        assert weights.sum() == pytest.approx(1.0) and (weights > 0).all()
