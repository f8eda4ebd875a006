import numpy as np
import pytest
from sklearn.model_selection import GroupKFold, KFold, TimeSeriesSplit

from automl._budget import affordable_fits
from automl._cv import default_n_splits, make_cv
from automl._metrics import resolve_scorer, score_predictions
from automl._task import detect_task


@pytest.mark.parametrize("y, task", [
    (["a", "b", "a", "b"], "binary"),
    ([True, False, True], "binary"),
    (["x", "y", "z", "x"], "multiclass"),
    ([0.1, 2.5, 3.7, 1.0], "regression"),
    (list(range(100)), "regression"),          # many distinct integers
    ([1, 2, 3] * 40, "multiclass"),            # few distinct integers
])
def test_detect_task(y, task):
    assert detect_task(y) == task


@pytest.mark.parametrize("y, task, match", [
    (["a", "a", "a"], "auto", "one class"),
    ([1.0, 1.0, 1.0], "regression", "constant"),
    (["a", "b", "c"], "regression", "numeric target"),
    (["a", "b", "c"], "binary", "3 classes"),
    ([0, 1], "ranking", "'task' parameter"),
])
def test_detect_task_errors(y, task, match):
    with pytest.raises(ValueError, match=match):
        detect_task(y, task)


@pytest.mark.parametrize("metric, task, name", [
    ("auto", "binary", "roc_auc"),
    ("auto", "multiclass", "neg_log_loss"),
    ("auto", "regression", "neg_root_mean_squared_error"),
    ("mae", "regression", "neg_mean_absolute_error"),
    ("f1", "multiclass", "f1_macro"),
    ("roc_auc", "multiclass", "roc_auc_ovr"),
    ("balanced_accuracy", "binary", "balanced_accuracy"),
])
def test_resolve_scorer_names(metric, task, name):
    assert resolve_scorer(metric, task, np.array([0, 1]))[0] == name


def test_resolve_scorer_errors():
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'"):
        resolve_scorer("acuracy", "binary")
    with pytest.raises(ValueError, match="for classification"):
        resolve_scorer("roc_auc", "regression")
    with pytest.raises(ValueError, match="for regression"):
        resolve_scorer("r2", "binary")


def test_scores_of_stored_predictions_match_sklearn_metrics():
    from sklearn.metrics import f1_score, log_loss, roc_auc_score, root_mean_squared_error

    y = np.array(["no", "yes", "yes", "no", "yes"])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3], [0.1, 0.9]])
    classes = np.array(["no", "yes"])
    _, auc = resolve_scorer("auto", "binary", classes)
    assert score_predictions(auc, "binary", y, proba, classes) == roc_auc_score(y == "yes", proba[:, 1])
    _, f1 = resolve_scorer("f1", "binary", classes)
    expected_f1 = f1_score(y, np.array(["no", "yes", "no", "no", "yes"]), pos_label="yes")
    assert score_predictions(f1, "binary", y, proba, classes) == pytest.approx(expected_f1)
    _, ll = resolve_scorer("log_loss", "binary", classes)
    assert score_predictions(ll, "binary", y, proba, classes) == pytest.approx(-log_loss(y, proba))
    _, rmse = resolve_scorer("rmse", "regression")
    assert score_predictions(rmse, "regression", np.array([1.0, 2.0]), np.array([1.0, 4.0])) == \
        pytest.approx(-root_mean_squared_error([1, 2], [1, 4]))


def test_cv_auto_depends_on_size():
    assert default_n_splits(500) == (5, 3)
    assert default_n_splits(5_000) == (5, 1)
    assert default_n_splits(20_000) == (3, 1)
    assert default_n_splits(100_000) == (1, 1)
    y = np.array([0, 1] * 250)
    folds, text = make_cv("binary", "auto", y)
    assert text == "RepeatedStratifiedKFold(n_splits=5, n_repeats=3)" and len(folds) == 15
    for _, test in folds:  # stratified: each test fold is half positives
        assert y[test].mean() == 0.5
    folds, text = make_cv("regression", "auto", np.arange(60_000.0))
    assert text.startswith("ShuffleSplit") and len(folds[0][1]) == 12_000


def test_cv_auto_shrinks_to_what_a_candidate_can_afford():
    # repeats go first, then folds, down to three; large data keeps its holdout
    assert [default_n_splits(500, m) for m in (15, 14, 10, 5, 2)] == [
        (5, 3), (5, 2), (5, 2), (5, 1), (3, 1)]
    assert default_n_splits(5_000, 4) == (3, 1) and default_n_splits(100_000, 0) == (1, 1)
    assert affordable_fits(10, 0.3) == 3 and affordable_fits(60, 0.05) == 120
    assert affordable_fits(10, 0.0) is None
    folds, text = make_cv("binary", "auto", np.array([0, 1] * 250), max_fits=2)
    assert text == "StratifiedKFold(n_splits=3)" and len(folds) == 3
    folds, text = make_cv("regression", "auto", np.zeros(500), time_order=np.arange(500),
                          max_fits=2)
    assert text == "TimeSeriesSplit(n_splits=3)"
    folds, text = make_cv("binary", 5, np.array([0, 1] * 250), max_fits=2)
    assert text == "StratifiedKFold(n_splits=5)"  # an int is the user's: kept


def test_cv_groups_never_share_a_group():
    y = np.array([0, 1] * 50)
    groups = np.repeat(np.arange(20), 5)
    folds, text = make_cv("binary", "auto", y, groups=groups)
    assert text.startswith("StratifiedGroupKFold")
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
    folds, text = make_cv("regression", 4, y.astype(float), groups=groups)
    assert text == "GroupKFold(n_splits=4)"


def test_cv_time_trains_on_the_past_only():
    rng = np.random.RandomState(0)
    times = rng.permutation(100)
    order = np.argsort(times)
    folds, text = make_cv("regression", "time", np.zeros(100), time_order=order)
    assert text.startswith("TimeSeriesSplit")
    for train, test in folds:
        assert times[train].max() < times[test].min()


def test_cv_time_folds_depend_on_size():
    for n, k in [(500, 5), (20_000, 5), (60_000, 3)]:
        folds, text = make_cv("regression", "auto", np.zeros(n), time_order=np.arange(n))
        assert text == f"TimeSeriesSplit(n_splits={k})" and len(folds) == k
    # the last fold trains on all but the last 1 / (k + 1) of the rows
    assert len(folds[-1][0]) == 60_000 - 60_000 // 4
    for cv in (2, 4):  # an int is the number of folds, as without a time order
        folds, text = make_cv("regression", cv, np.zeros(500), time_order=np.arange(500))
        assert text == f"TimeSeriesSplit(n_splits={cv})"


def test_cv_user_splitter_sees_rows_in_time_order():
    rng = np.random.RandomState(0)
    times = rng.permutation(200)
    order = np.argsort(times)
    y = rng.normal(size=200)
    folds, text = make_cv("regression", TimeSeriesSplit(3, gap=10), y, time_order=order)
    assert text == "TimeSeriesSplit" and len(folds) == 3
    for train, test in folds:
        assert times[test].min() - times[train].max() == 11
    # the rows as given are not in time order: the same splitter on them mixes past and future
    shuffled = make_cv("regression", TimeSeriesSplit(3, gap=10), y)[0]
    assert any(times[train].max() > times[test].min() for train, test in shuffled)
    # groups follow their rows
    groups = times // 10
    folds, _ = make_cv("regression", GroupKFold(4), y, groups=groups, time_order=order)
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
    # explicit (train, test) positions are the user's rows, not time positions
    pairs = [(np.arange(0, 100), np.arange(100, 200))]
    folds, _ = make_cv("regression", pairs, y, time_order=order)
    np.testing.assert_array_equal(folds[0][1], np.arange(100, 200))


def test_cv_user_splitter_and_bad_values():
    folds, text = make_cv("regression", KFold(3), np.zeros(30))
    assert len(folds) == 3 and text == "KFold"
    with pytest.raises(ValueError, match="'cv'"):
        make_cv("binary", "loo", np.array([0, 1] * 5))
