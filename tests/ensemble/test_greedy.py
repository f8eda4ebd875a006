"""Greedy ensemble selection: known answers on hand-made out-of-fold predictions."""

import numpy as np
import pytest
from sklearn.metrics import log_loss

from automl.ensemble import greedy_ensemble_selection


def neg_mse(y, p):
    return -float(np.mean((y - p) ** 2))


def neg_log_loss(y, p):
    return -log_loss(y, p, labels=[0, 1])


def test_selection_with_replacement_finds_two_to_one_weights():
    # y = 0; A predicts +1, B predicts -2: (2 A + 1 B) / 3 = 0 exactly.
    # Step 1 takes A (MSE 1 < 4), step 2 B (MSE 0.25 < 1), step 3 A (MSE 0).
    y = np.zeros(6)
    a, b = np.ones(6), np.full(6, -2.0)
    sel = greedy_ensemble_selection([a, b], y, neg_mse, n_iterations=6)
    np.testing.assert_allclose(sel.weights, [2 / 3, 1 / 3])
    assert sel.score == 0.0
    assert sel.trajectory[:3] == [-1.0, -0.25, 0.0]


def test_a_useless_candidate_gets_no_weight():
    rng = np.random.RandomState(0)
    y = rng.normal(size=50)
    good, noise = y + rng.normal(scale=0.1, size=50), rng.normal(scale=5, size=50)
    sel = greedy_ensemble_selection([noise, good], y, neg_mse, n_iterations=10)
    np.testing.assert_array_equal(sel.weights, [0.0, 1.0])
    assert sel.score == pytest.approx(neg_mse(y, good))


def test_complementary_classifiers_are_averaged_and_beat_each():
    y = np.array([0, 1, 0, 1])
    # A is sure and right on rows 0-1, unsure on 2-3; B the other way round.
    a = np.array([[0.99, 0.01], [0.01, 0.99], [0.45, 0.55], [0.55, 0.45]])
    b = np.array([[0.45, 0.55], [0.55, 0.45], [0.99, 0.01], [0.01, 0.99]])
    sel = greedy_ensemble_selection([a, b], y, neg_log_loss, n_iterations=4)
    np.testing.assert_allclose(sel.weights, [0.5, 0.5])
    assert sel.score > max(neg_log_loss(y, a), neg_log_loss(y, b))
    assert sel.score == pytest.approx(neg_log_loss(y, (a + b) / 2))


def test_ties_go_to_the_first_candidate_and_copies_share_nothing():
    y = np.arange(5.0)
    sel = greedy_ensemble_selection([y + 1, y + 1, y - 1], y, neg_mse, n_iterations=2)
    # step 1: tie between the two copies -> the first; step 2: the third cancels it
    np.testing.assert_allclose(sel.weights, [0.5, 0.0, 0.5])


def test_rows_without_a_prediction_are_ignored():
    y = np.array([0.0, 0.0, 5.0])
    a = np.array([1.0, 1.0, np.nan])  # row 2 was in no test fold
    b = np.array([-1.0, -1.0, 100.0])
    sel = greedy_ensemble_selection([a, b], y, neg_mse, n_iterations=2)
    np.testing.assert_allclose(sel.weights, [0.5, 0.5])
    assert sel.score == 0.0


def test_never_below_the_best_single_candidate():
    rng = np.random.RandomState(1)
    y = rng.normal(size=30)
    preds = [y + rng.normal(scale=s, size=30) for s in (0.5, 1.0, 2.0)]
    sel = greedy_ensemble_selection(preds, y, neg_mse, n_iterations=20)
    assert sel.score >= max(neg_mse(y, p) for p in preds)
    assert sel.weights.sum() == pytest.approx(1.0) and (sel.weights >= 0).all()


def test_bad_input():
    with pytest.raises(ValueError, match="at least one candidate"):
        greedy_ensemble_selection([], np.zeros(3), neg_mse)
    with pytest.raises(ValueError, match="No row"):
        greedy_ensemble_selection([np.full(2, np.nan)], np.zeros(2), neg_mse)


def _three_with_costs():
    # independent errors: A (sd 1.0, cost 1), B (sd 1.3, cost 0.05), C (sd 1.1, cost 0.3)
    rng = np.random.RandomState(0)
    y = np.zeros(4000)
    preds = [rng.normal(0, sd, len(y)) for sd in (1.0, 1.3, 1.1)]
    return preds, y, [1.0, 0.05, 0.3]


def test_a_cheap_member_makes_room_for_a_dearer_one():
    # A first (best), then B (cost 1.05 <= 1 + 0.2); C alone with A would cost
    # 1.3 > 1.2, but after B the three cost 1.35 <= 1 + 0.2 * 2 = 1.4.
    preds, y, costs = _three_with_costs()
    sel = greedy_ensemble_selection(preds, y, neg_mse, n_iterations=3, costs=costs,
                                    max_cost_per_member=0.2)
    assert (sel.weights > 0).tolist() == [True, True, True]
    assert sel.weights.tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3])


def test_a_member_over_the_cost_limit_is_never_chosen():
    # at 0.1 per member, B fits (1.05 <= 1.1) but C never does (1.35 > 1.2)
    preds, y, costs = _three_with_costs()
    limited = greedy_ensemble_selection(preds, y, neg_mse, n_iterations=20, costs=costs,
                                        max_cost_per_member=0.1)
    free = greedy_ensemble_selection(preds, y, neg_mse, n_iterations=20)
    assert limited.weights[2] == 0 and limited.weights[:2].min() > 0
    assert free.weights[2] > 0 and free.score > limited.score
    spent = np.dot(limited.weights > 0, costs)
    assert spent <= 1 + 0.1 * ((limited.weights > 0).sum() - 1)


def test_a_shared_cost_counts_once_and_costs_alone_change_nothing():
    preds, y, costs = _three_with_costs()
    free = greedy_ensemble_selection(preds, y, neg_mse, n_iterations=3)
    # no limit given: costs are ignored
    same = greedy_ensemble_selection(preds, y, neg_mse, n_iterations=3, costs=costs)
    assert same.weights.tolist() == free.weights.tolist()
    # the shared cost is paid once: 0.1 + 0.9 + 0.05 + 0.3 = 1.35 <= 1.4
    once = greedy_ensemble_selection(preds, y, neg_mse, n_iterations=3,
                                     costs=[0.9, 0.05, 0.3], shared_cost=0.1,
                                     max_cost_per_member=0.2)
    assert (once.weights > 0).tolist() == [True, True, True]
    # but it is paid: with C at 0.4, 0.1 + 0.9 + 0.05 + 0.4 = 1.45 > 1.4 ...
    paid = greedy_ensemble_selection(preds, y, neg_mse, n_iterations=3,
                                     costs=[0.9, 0.05, 0.4], shared_cost=0.1,
                                     max_cost_per_member=0.2)
    assert (paid.weights > 0).tolist() == [True, True, False]
    # ... while without it 1.35 fits
    unshared = greedy_ensemble_selection(preds, y, neg_mse, n_iterations=3,
                                         costs=[0.9, 0.05, 0.4], max_cost_per_member=0.2)
    assert (unshared.weights > 0).tolist() == [True, True, True]


def test_bad_costs():
    preds, y, _ = _three_with_costs()
    with pytest.raises(ValueError, match="one per candidate"):
        greedy_ensemble_selection(preds, y, neg_mse, costs=[1.0, 0.5], max_cost_per_member=0.2)
    with pytest.raises(ValueError, match="non-negative"):
        greedy_ensemble_selection(preds, y, neg_mse, costs=[1.0, -0.5, 0.1],
                                  max_cost_per_member=0.2)
    with pytest.raises(ValueError, match="max_cost_per_member"):
        greedy_ensemble_selection(preds, y, neg_mse, costs=[1.0, 0.5, 0.1],
                                  max_cost_per_member=-1)
    with pytest.raises(ValueError, match="No candidate costs at most"):
        greedy_ensemble_selection(preds, y, neg_mse, costs=[2.0, 3.0, 1.5],
                                  max_cost_per_member=0.2)
