"""Bagged ensemble selection: known answers on hand-made out-of-fold predictions."""

import numpy as np
import pytest

from automl.ensemble import bagged_ensemble_selection, greedy_ensemble_selection


def neg_mse(y, p):
    return -float(np.mean((y - p) ** 2))


def test_one_bag_of_every_candidate_is_plain_greedy_selection():
    rng = np.random.RandomState(0)
    y = rng.normal(size=40)
    candidates = [y + rng.normal(scale=s, size=40) for s in (0.5, 0.7, 1.0, 2.0)]
    plain = greedy_ensemble_selection(candidates, y, neg_mse, n_iterations=20)
    bagged = bagged_ensemble_selection(candidates, y, neg_mse, n_bags=1, bag_fraction=1.0,
                                       n_iterations=20, random_state=0)
    np.testing.assert_allclose(bagged.weights, plain.weights)
    assert bagged.score == pytest.approx(plain.score)
    assert bagged.bag_scores == [pytest.approx(plain.score)]
    assert not bagged.fallback and bagged.n_pruned == 0


def test_weights_are_the_mean_of_the_bags():
    # y = 0; A = +1 and B = -1 average to 0 exactly, C = +0.5: each bag of two
    # (drawn as the function draws them) is selected on its own, then averaged
    y = np.zeros(8)
    a, b, c = np.ones(8), -np.ones(8), np.full(8, 0.5)
    bagged = bagged_ensemble_selection([a, b, c], y, neg_mse, n_bags=30, bag_fraction=2 / 3,
                                       n_iterations=10, random_state=0)
    per_bag = []
    rng = np.random.RandomState(0)
    for _ in range(30):
        drawn = np.sort(rng.choice(3, 2, replace=False))
        found = greedy_ensemble_selection([[a, b, c][i] for i in drawn], y, neg_mse,
                                          n_iterations=10)
        weights = np.zeros(3)
        weights[drawn] = found.weights
        per_bag.append(weights)
    np.testing.assert_allclose(bagged.weights, np.mean(per_bag, axis=0))
    assert bagged.weights.sum() == pytest.approx(1.0)
    averaged = sum(w * p for w, p in zip(bagged.weights, [a, b, c]))
    assert bagged.score == pytest.approx(neg_mse(y, averaged))


def test_bagging_spreads_weight_over_near_copies():
    # two kinds of model, five near-copies of each (errors e_a or e_b, plus a
    # little noise of their own): plain greedy bets on the copies luckiest on
    # these rows, the bags spread the weight over the copies
    rng = np.random.RandomState(1)
    y = rng.normal(size=60)
    e_a, e_b = rng.normal(size=60), rng.normal(size=60)
    candidates = [y + e + rng.normal(scale=0.05, size=60) for e in [e_a] * 5 + [e_b] * 5]
    plain = greedy_ensemble_selection(candidates, y, neg_mse, n_iterations=10)
    bagged = bagged_ensemble_selection(candidates, y, neg_mse, n_bags=20, n_iterations=10,
                                       random_state=0)
    assert (plain.weights > 0).sum() == 3 and plain.weights.max() == pytest.approx(0.5)
    assert (bagged.weights > 0).sum() == 8 and bagged.weights.max() < 0.25
    # each kind keeps about the share plain selection gives it
    assert bagged.weights[:5].sum() == pytest.approx(plain.weights[:5].sum(), abs=0.05)
    assert bagged.score == pytest.approx(plain.score, abs=0.01)


def test_the_lightest_members_are_pruned_to_keep_the_cost_limit():
    # Pairs (A, B) and (C, D) are each perfect: A = C = y - 1, B = D = y + 1.
    # A and C cost 1 (the reference), B and D 0.5; each member may add 0.5:
    # a pair costs 1.5 <= 1.5, but the union of the bags' pairs, 3.0 > 2.5.
    y = np.arange(6.0)
    candidates = [y - 1, y + 1, y - 1, y + 1]
    params = dict(costs=[1.0, 0.5, 1.0, 0.5], max_cost_per_member=0.5, n_iterations=4)
    bagged = bagged_ensemble_selection(candidates, y, neg_mse, n_bags=20, random_state=0,
                                       **params)
    members = bagged.weights > 0
    assert bagged.n_pruned >= 1 and not bagged.fallback
    spent = np.dot(params["costs"], members)
    assert spent <= 1 + 0.5 * (members.sum() - 1)
    assert bagged.weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(10))
def test_no_bag_within_the_cost_limit_falls_back_to_plain_greedy(seed):
    # only the first candidate is cheap enough to start an ensemble; a bag of
    # one that draws another has nothing to select
    y = np.arange(5.0)
    candidates = [y + 0.5, y - 0.5, y + 0.1]
    params = dict(costs=[1.0, 2.0, 2.0], max_cost_per_member=0.1, n_iterations=4)
    plain = greedy_ensemble_selection(candidates, y, neg_mse, **params)
    bagged = bagged_ensemble_selection(candidates, y, neg_mse, n_bags=1, bag_fraction=1 / 3,
                                       random_state=seed, **params)
    drew_the_cheap_one = np.random.RandomState(seed).choice(3, 1, replace=False)[0] == 0
    assert bagged.fallback is not drew_the_cheap_one
    assert len(bagged.bag_scores) == int(drew_the_cheap_one)
    np.testing.assert_allclose(bagged.weights, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(plain.weights, [1.0, 0.0, 0.0])


def test_an_exhausted_time_limit_still_runs_one_bag():
    y = np.zeros(4)
    bagged = bagged_ensemble_selection([np.ones(4), -np.ones(4)], y, neg_mse, n_bags=5,
                                       bag_fraction=1.0, time_limit=0.0, random_state=0)
    # one bag, whose selection made its one step: the first of the tied two
    assert len(bagged.bag_scores) == 1
    np.testing.assert_allclose(bagged.weights, [1.0, 0.0])


@pytest.mark.parametrize("kwargs, message", [
    (dict(bag_fraction=0.0), "bag_fraction"),
    (dict(bag_fraction=1.5), "bag_fraction"),
    (dict(n_bags=0), "n_bags"),
])
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bagged_ensemble_selection([np.zeros(3)], np.zeros(3), neg_mse, **kwargs)


def test_no_candidate_is_an_error():
    with pytest.raises(ValueError, match="at least one candidate"):
        bagged_ensemble_selection([], np.zeros(3), neg_mse)
