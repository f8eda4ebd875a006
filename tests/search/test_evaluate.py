"""Cross-validating one candidate: boosters stop at their fold's deadline.

How each family fits by a deadline is tested in ``test_family_fit.py``.
"""

import time

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from automl.search import FAMILIES, SearchContext
from automl.search._data import SearchData
from automl.search._evaluate import (
    CandidateTimeout,
    read_deadline,
    write_deadline,
    evaluate_candidate,
)
from automl.search._space import default_config
from automl.transformers import TablePreprocessor


def test_deadline_file_round_trip(tmp_path):
    path = str(tmp_path / "deadline")
    assert read_deadline(path) == np.inf  # nothing written yet
    assert read_deadline(None) == np.inf
    write_deadline(path, 1234.5)
    write_deadline(path, 1000.25)  # replaced, not appended
    assert read_deadline(path) == 1000.25
    assert [p.name for p in tmp_path.iterdir()] == ["deadline"]  # no temporary file left


def test_a_slow_booster_scores_every_fold_by_the_deadline(slow_problem, tmp_path):
    # Without fold shares, the first folds would run their full length and
    # the candidate would stop between folds, with nothing to show.
    X, y = slow_problem
    path = str(tmp_path / "data.joblib")
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    joblib.dump(SearchData(X, y, folds, np.array([0, 1]), TablePreprocessor()), path)
    family = FAMILIES["hist_gradient_boosting"]
    ctx = SearchContext(task="binary", n_samples=len(y), n_features=X.shape[1])
    config = dict(default_config(family, ctx), model__learning_rate=0.01)
    # 3 folds of 1,000 rounds take ~30 s on an idle core: 12 s make them share
    with threadpool_limits(1):  # one thread, as in a worker (many crawl on a busy machine)
        result = evaluate_candidate(path, family.name, config, ctx, get_scorer("roc_auc"),
                                    deadline=time.time() + 12.0)
    assert len(result["scores"]) == 3
    assert not np.isnan(result["oof"]).any()
    assert 50 <= result["best_iteration"] < 1000
    assert np.mean(result["scores"]) > 0.8


def test_a_candidate_reads_the_moved_deadline_before_each_fold(slow_problem, tmp_path):
    # The driver moved the search's end into the past after the candidate
    # was submitted: the candidate stops before its first fold.
    X, y = slow_problem
    path = str(tmp_path / "data.joblib")
    joblib.dump(SearchData(X, y, list(KFold(3).split(X)), np.array([0, 1]), TablePreprocessor()), path)
    write_deadline(path + ".deadline", time.time() - 1)
    family = FAMILIES["logistic_regression"]
    ctx = SearchContext(task="binary", n_samples=len(y), n_features=X.shape[1])
    with pytest.raises(CandidateTimeout):
        evaluate_candidate(path, family.name, default_config(family, ctx), ctx,
                           get_scorer("roc_auc"), deadline=time.time() + 600,
                           deadline_path=path + ".deadline")
    result = evaluate_candidate(path, family.name, default_config(family, ctx), ctx,
                                get_scorer("roc_auc"), deadline=time.time() + 600)
    assert len(result["scores"]) == 3  # without the file, the submitted deadline holds


def test_the_search_writes_its_moving_end_for_the_workers(tmp_path):
    from automl.search._search import run_search

    X, y = make_classification(300, 5, random_state=0)
    path = str(tmp_path / "data.joblib")
    joblib.dump(SearchData(X, y, list(KFold(3).split(X)), np.array([0, 1]), TablePreprocessor()), path)
    ctx = SearchContext(task="binary", n_samples=len(y), n_features=5)
    deadline = time.time() + 120
    result = run_search(families=[FAMILIES["logistic_regression"]], ctx=ctx,
                        scorer=get_scorer("roc_auc"), data_path=path, deadline=deadline,
                        reserve=lambda finished: 7.0 if finished else 0.5, max_trials=2)
    assert [t.status for t in result.trials] == ["ok", "ok"]
    # the end after the last finished trial: the reserve grew from 0.5 to 7 s
    assert read_deadline(path + ".deadline") == pytest.approx(deadline - 7.0)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("name", sorted(n for n, f in FAMILIES.items()
                                        if "classification" in f.tasks))
def test_every_classifier_family_scores_string_labels_on_every_fold(tmp_path, name, n_classes):
    # a family that fails here fails silently in the search (an "error" row)
    X, k = make_classification(300, 5, n_informative=3, n_classes=n_classes, random_state=0)
    y = np.array(["bad", "good", "neutral"])[k]
    path = str(tmp_path / "data.joblib")
    joblib.dump(SearchData(X, y, list(KFold(3, shuffle=True, random_state=0).split(X)),
                           np.unique(y), TablePreprocessor()), path)
    family = FAMILIES[name]
    ctx = SearchContext(task="binary" if n_classes == 2 else "multiclass",
                        n_samples=len(y), n_features=5)
    scorer = get_scorer("roc_auc" if n_classes == 2 else "accuracy")
    with threadpool_limits(1):  # one thread, as in a worker
        result = evaluate_candidate(path, name, default_config(family, ctx), ctx, scorer,
                                    deadline=time.time() + 600)
    assert len(result["scores"]) == 3
    assert np.mean(result["scores"]) > 0.7  # chance: 0.5 AUC, 1/3 accuracy


def test_a_fold_that_cannot_finish_in_time_is_not_started():
    from automl.search._evaluate import _check_time_for_fold

    now = time.time()
    started = time.perf_counter() - 4.0  # two folds took 4 s: 2 s each
    _check_time_for_fold(now + 3.0, started, 2, 5)  # 3 s left: the next fold fits
    with pytest.raises(CandidateTimeout) as info:
        _check_time_for_fold(now + 1.0, started, 2, 5)  # 1 s left: it would not
    assert (info.value.folds_done, info.value.n_folds) == (2, 5)
    assert info.value.seconds == pytest.approx(4.0, abs=0.5)
    with pytest.raises(CandidateTimeout):
        _check_time_for_fold(now - 1.0, time.perf_counter(), 0, 5)  # past the deadline
    _check_time_for_fold(now + 0.5, time.perf_counter(), 0, 5)  # the first fold always may
    _check_time_for_fold(now + 1.0, started, 2, 5, cut_short=True)  # a booster is cut instead


def test_fold_tables_are_shared_between_candidates_and_change_nothing(monkeypatch):
    from automl.search import _evaluate

    X, y = make_classification(300, 8, random_state=0)
    data = SearchData(X, y, list(KFold(3, shuffle=True, random_state=0).split(X)), np.array([0, 1]), TablePreprocessor())
    ctx = SearchContext(task="binary", n_samples=len(y), n_features=X.shape[1])
    scorer = get_scorer("roc_auc")

    def run(name):
        family = FAMILIES[name]
        return evaluate_candidate(data, name, default_config(family, ctx), ctx, scorer,
                                  deadline=time.time() + 600)

    shared = [run("logistic_regression"), run("random_forest")]
    entries = _evaluate._TABLE_CACHE["entries"]
    assert len(entries) == 3  # one fitted table per fold, used by both candidates
    kept = {key: value[0] for key, value in entries.items()}
    run("logistic_regression")
    assert all(_evaluate._TABLE_CACHE["entries"][key][0] is table for key, table in kept.items())
    _evaluate.clear_shared_tables()
    monkeypatch.setattr(_evaluate, "MAX_SHARED_TABLE_CELLS", 0)  # each fold fits its own
    alone = [run("logistic_regression"), run("random_forest")]
    assert _evaluate._TABLE_CACHE["entries"] == {}
    for a, b in zip(shared, alone):
        np.testing.assert_allclose(a["scores"], b["scores"])
        np.testing.assert_allclose(a["oof"], b["oof"])
    _evaluate.clear_shared_tables()
