"""The clock of a fit (automl._budget): the promise and each phase's share."""

from types import SimpleNamespace

import pytest

from automl._budget import (
    FOLD_TIME_SHARE,
    MAX_ENSEMBLE_SHARE,
    MIN_RESERVE,
    REFIT_MARGIN,
    Budget,
    affordable_fits,
    fits_in,
    fold_deadline,
    overrun_allowance,
    profile_reserve,
    refit_seconds,
    time_for_fold,
)


def test_the_promise_is_the_budget_plus_five_seconds_or_ten_percent():
    assert overrun_allowance(10) == 5.0 and overrun_allowance(50) == 5.0
    assert overrun_allowance(60) == pytest.approx(6.0) and overrun_allowance(600) == 60.0
    budget = Budget(120, start=0.0)
    assert budget.end == 120.0 and budget.limit == 132.0


def test_the_search_and_the_final_model_leave_the_profile_its_share():
    assert profile_reserve(10) == pytest.approx(0.2) and profile_reserve(1000) == 2.0
    budget = Budget(50, start=100.0)
    assert budget.deadline == pytest.approx(150.0 - 1.0)
    assert budget.search_end(4.0) == pytest.approx(145.0)


def test_time_left_and_elapsed_count_from_the_start(monkeypatch):
    # the module's clock fixed: known answers, whatever the machine is doing
    import automl._budget as budget_module

    monkeypatch.setattr(budget_module, "time", SimpleNamespace(time=lambda: 1_000.0))
    budget = Budget(30, start=990.0)
    # time left is to the deadline, the end less the profile's share
    assert budget.elapsed() == 10.0
    assert budget.time_left() == pytest.approx(20.0 - profile_reserve(30))
    ahead = Budget(30, start=1_100.0)  # starts later: all of it still to come
    assert ahead.elapsed() == -100.0
    assert ahead.time_left() == pytest.approx(130.0 - profile_reserve(30))


def test_final_reserve_keeps_the_best_refit_and_caps_the_ensemble_share():
    budget = Budget(100, start=0.0)
    assert budget.final_reserve([]) == MIN_RESERVE  # nothing finished yet
    assert budget.final_reserve([0.1]) == MIN_RESERVE  # a tiny refit: the floor
    assert budget.final_reserve([4.0, 1.0]) == REFIT_MARGIN * 4.0  # one refit only
    # three refits of 4 s: 18 s with the margin, within 20 % of 100 s
    assert budget.final_reserve([4.0, 4.0, 4.0, 4.0], n_refits=3) == pytest.approx(18.0)
    # the next ones are capped at the ensemble's share; the best one's refit is not
    assert budget.final_reserve([10.0, 10.0, 10.0], n_refits=3) == MAX_ENSEMBLE_SHARE * 100
    assert budget.final_reserve([30.0, 10.0], n_refits=3) == REFIT_MARGIN * 30.0


def test_refit_estimate_scales_one_cv_fit_by_the_rows():
    assert refit_seconds(10.0, 5, 1000, 800) == pytest.approx(2.5)
    assert refit_seconds(3.0, 0, 100, 0) == pytest.approx(300.0)  # guards: one fit, one row
    assert fits_in(2.0, 3.0) and not fits_in(2.0, 2.99)


def test_the_cheapest_cross_validation_is_held_to_a_tenth_of_the_budget():
    assert affordable_fits(10, 0.3) == 3 and affordable_fits(60, 0.05) == 120
    assert affordable_fits(10, 0.0) is None and affordable_fits(10, None) is None


def test_a_fold_starts_only_when_the_folds_so_far_say_it_can_finish():
    assert time_for_fold(0.0, 0, 0.1)  # the first fold always may, while time is left
    assert not time_for_fold(0.0, 0, 0.0)
    assert time_for_fold(4.0, 2, 2.0) and not time_for_fold(4.0, 2, 1.9)
    assert time_for_fold(4.0, 2, 1.0, cut_short=True)  # stopped at its own deadline instead


def test_fold_deadline_is_a_fair_share_of_the_time_left(monkeypatch):
    assert 0.5 < FOLD_TIME_SHARE < 1
    assert fold_deadline(130.0, 3, now=100.0) == pytest.approx(100 + FOLD_TIME_SHARE * 10)
    assert fold_deadline(130.0, 1, now=100.0) == pytest.approx(100 + FOLD_TIME_SHARE * 30)
    assert fold_deadline(95.0, 2, now=100.0) == 100.0  # past: now
    import automl._budget as budget_module

    monkeypatch.setattr(budget_module, "time", SimpleNamespace(time=lambda: 500.0))
    # without ``now``, the module's clock
    assert fold_deadline(530.0, 3) == pytest.approx(500 + FOLD_TIME_SHARE * 10)
