"""Cross-validating one candidate: boosters stop at their fold's deadline."""

import time
import warnings

import joblib
import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from automl.search import FAMILIES, SearchContext
from automl.search._evaluate import (
    FOLD_TIME_SHARE,
    MLP_CHUNK_EPOCHS,
    CandidateTimeout,
    _fold_deadline,
    read_deadline,
    write_deadline,
    evaluate_candidate,
    fit_candidate,
    fit_hgb_until,
    fit_mlp_until,
    refit_config,
)
from automl.search._space import build_pipeline, default_config
from automl.transformers import TablePreprocessor


@pytest.fixture(scope="module")
def slow_problem():
    # ~1 s per 100 iterations on one core: 1,000 iterations take far longer
    # than the deadlines below
    X, y = make_classification(8000, 40, n_informative=20, flip_y=0.2, random_state=0)
    return X, y


def _slow_hgb(**params):
    return HistGradientBoostingClassifier(learning_rate=0.01, max_iter=1000, early_stopping=True,
                                          n_iter_no_change=1000, random_state=0, **params)


def test_hgb_in_chunks_is_the_plain_fit_when_time_allows():
    X, y = make_classification(2000, 10, random_state=0)
    plain = HistGradientBoostingClassifier(max_iter=300, random_state=0).fit(X, y)
    chunked = fit_hgb_until(HistGradientBoostingClassifier(max_iter=300, random_state=0), X, y,
                            time.time() + 600)
    assert chunked.n_iter_ == plain.n_iter_
    np.testing.assert_array_equal(chunked.predict_proba(X), plain.predict_proba(X))
    # the fitted model keeps the parameters it was built with
    assert (chunked.max_iter, chunked.warm_start) == (300, False)


def test_hgb_stops_at_the_deadline(slow_problem):
    X, y = slow_problem
    start = time.time()
    model = fit_hgb_until(_slow_hgb(), X, y, start + 1.0)
    # at least the first chunk, far from the end (which takes ~10 s on an idle core)
    assert 50 <= model.n_iter_ < 1000
    assert model.predict_proba(X).shape == (len(y), 2)


def test_hgb_deadline_already_passed_fits_only_the_first_chunk(slow_problem):
    X, y = slow_problem
    model = fit_hgb_until(_slow_hgb(), X, y, time.time() - 1)
    assert model.n_iter_ == 50


def test_hgb_in_a_transformed_target_regressor_continues_on_the_fitted_clone():
    X, y = load_diabetes(return_X_y=True)
    final = TransformedTargetRegressor(
        HistGradientBoostingRegressor(max_iter=200, learning_rate=0.05, early_stopping=False),
        func=np.log1p, inverse_func=np.expm1, check_inverse=False,
    )
    fit_hgb_until(final, X, y, time.time() + 600)
    assert final.regressor_.n_iter_ == 200  # grew past the first chunk of 50
    plain = HistGradientBoostingRegressor(max_iter=200, learning_rate=0.05,
                                          early_stopping=False).fit(X, np.log1p(y))
    np.testing.assert_allclose(final.predict(X), np.expm1(plain.predict(X)))
    assert final.regressor.warm_start is False and final.regressor_.warm_start is False


def test_fit_candidate_reports_the_hgb_length():
    X, y = make_classification(1000, 8, random_state=0)
    family = FAMILIES["hist_gradient_boosting"]
    ctx = SearchContext(task="binary", n_samples=1000, n_features=8)
    pipe = build_pipeline(family, default_config(family, ctx), ctx)
    _, final, best_iter = fit_candidate(pipe, X, y, "binary", time.time() + 600)
    assert best_iter == final.n_iter_ < 1000  # early stopping ended it
    # a model that ran its full max_iter (searched on time-ordered rows)
    # reports no length: its refit keeps the configured one
    ctx.extra["time_ordered"] = True
    config = dict(default_config(family, ctx), model__max_iter=40)
    _, final, best_iter = fit_candidate(build_pipeline(family, config, ctx), X, y, "binary",
                                        time.time() + 600)
    assert final.n_iter_ == 40 and best_iter is None


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_lightgbm_stops_early_on_its_validation_split_without_deprecation_warnings(task):
    X, y = make_classification(1000, 8, flip_y=0.3, random_state=0)
    if task == "regression":
        y = X[:, 0] + np.random.RandomState(0).normal(size=len(y))
    family = FAMILIES["lightgbm"]
    ctx = SearchContext(task=task, n_samples=1000, n_features=8)
    # a high learning rate on noisy labels overfits within a few dozen rounds
    config = dict(default_config(family, ctx), model__learning_rate=0.3)
    if task == "regression":  # the validation set goes through TransformedTargetRegressor
        config["log_target"] = True
    pipe = build_pipeline(family, config, ctx)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # LightGBM 4.7 deprecates eval_set
        _, final, best_iter = fit_candidate(pipe, X, y, task, time.time() + 600)
    inner = final.regressor_ if task == "regression" else final
    assert best_iter == inner.best_iteration_ < 200
    assert list(inner.evals_result_) == ["valid_0"]


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("relabel", [lambda k: np.array(["down", "flat", "up"])[k],
                                     lambda k: k + 1], ids=["strings", "from-one"])
def test_lightgbm_validation_scores_any_class_labels_like_zero_based_ones(n_classes, relabel):
    # LightGBM 4.7's LGBMClassifier does not encode eval_y (its issue #7400):
    # strings failed, labels other than 0..k-1 were scored against wrong classes
    X, k = make_classification(1000, 8, n_informative=4, n_classes=n_classes, flip_y=0.3,
                               random_state=0)
    family = FAMILIES["lightgbm"]
    ctx = SearchContext(task="binary" if n_classes == 2 else "multiclass", n_samples=1000,
                        n_features=8)
    config = dict(default_config(family, ctx), model__learning_rate=0.3)
    fitted = []
    for y in (k, relabel(k)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _, final, best_iter = fit_candidate(build_pipeline(family, config, ctx), X, y,
                                                ctx.task, time.time() + 600)
        fitted.append((final, best_iter))
    (zero_based, iter_zero_based), (relabelled, iter_relabelled) = fitted
    assert iter_relabelled == iter_zero_based < 200
    metric = "binary_logloss" if n_classes == 2 else "multi_logloss"
    np.testing.assert_allclose(relabelled.evals_result_["valid_0"][metric],
                               zero_based.evals_result_["valid_0"][metric])
    assert list(relabelled.classes_) == list(np.unique(relabel(k)))


def test_refit_config_fixes_the_hgb_length():
    family = FAMILIES["hist_gradient_boosting"]
    ctx = SearchContext(task="binary", n_samples=5000, n_features=5)
    config = refit_config(default_config(family, ctx), 80)
    model = family.build("binary", {k[7:]: v for k, v in config.items()
                                    if k.startswith("model__")}, ctx)
    assert (model.max_iter, model.early_stopping) == (88, False)
    booster = FAMILIES["lightgbm"]
    config = refit_config(default_config(booster, ctx), 80)
    assert booster.build("binary", {k[7:]: v for k, v in config.items()
                                    if k.startswith("model__")}, ctx).n_estimators == 88


def test_fold_deadline_is_a_fair_share_of_the_time_left():
    assert 0.5 < FOLD_TIME_SHARE < 1
    now = time.time()
    assert _fold_deadline(now + 30, 3) == pytest.approx(now + FOLD_TIME_SHARE * 10, abs=0.5)
    assert _fold_deadline(now + 30, 1) == pytest.approx(now + FOLD_TIME_SHARE * 30, abs=0.5)
    assert _fold_deadline(now - 5, 2) == pytest.approx(now, abs=0.5)


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
    joblib.dump({"X": X, "y": y, "folds": folds, "classes": np.array([0, 1]),
                 "table": TablePreprocessor()}, path)
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
    joblib.dump({"X": X, "y": y, "folds": list(KFold(3).split(X)), "classes": np.array([0, 1]),
                 "table": TablePreprocessor()}, path)
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
    joblib.dump({"X": X, "y": y, "folds": list(KFold(3).split(X)), "classes": np.array([0, 1]),
                 "table": TablePreprocessor()}, path)
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
    joblib.dump({"X": X, "y": y, "folds": list(KFold(3, shuffle=True, random_state=0).split(X)),
                 "classes": np.unique(y), "table": TablePreprocessor()}, path)
    family = FAMILIES[name]
    ctx = SearchContext(task="binary" if n_classes == 2 else "multiclass",
                        n_samples=len(y), n_features=5)
    scorer = get_scorer("roc_auc" if n_classes == 2 else "accuracy")
    with threadpool_limits(1):  # one thread, as in a worker
        result = evaluate_candidate(path, name, default_config(family, ctx), ctx, scorer,
                                    deadline=time.time() + 600)
    assert len(result["scores"]) == 3
    assert np.mean(result["scores"]) > 0.7  # chance: 0.5 AUC, 1/3 accuracy


def _mlp(**params):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(16,), max_iter=60, tol=0.0, n_iter_no_change=1000,
                         random_state=0, **params)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_mlp_deadline_already_passed_trains_only_the_first_chunk(early_stopping):
    X, y = make_classification(300, 8, random_state=0)
    model = fit_mlp_until(_mlp(early_stopping=early_stopping), X, y, time.time() - 1)
    assert len(model.loss_curve_) == MLP_CHUNK_EPOCHS
    assert (model.max_iter, model.warm_start) == (60, False)  # as built


@pytest.mark.parametrize("early_stopping", [False, True])
def test_mlp_in_chunks_trains_to_its_max_epochs_when_time_allows(early_stopping):
    X, y = make_classification(300, 8, random_state=0)
    model = fit_mlp_until(_mlp(early_stopping=early_stopping), X, y, time.time() + 600)
    assert len(model.loss_curve_) == 60  # six chunks, epochs counted across them
    assert (model.max_iter, model.warm_start) == (60, False)
    if early_stopping:
        assert len(model.validation_scores_) == 60
    # it learnt about as much as one plain fit of 60 epochs (Adam restarts
    # at each chunk, so not the same weights), far more than the first chunk
    plain = _mlp(early_stopping=early_stopping).fit(X, y)
    first = fit_mlp_until(_mlp(early_stopping=early_stopping), X, y, time.time() - 1)
    assert model.loss_curve_[-1] < 1.1 * plain.loss_curve_[-1] < 0.6 * first.loss_curve_[-1]
    assert model.score(X, y) >= plain.score(X, y) - 0.02 > first.score(X, y) + 0.2


def test_mlp_that_stops_itself_is_not_trained_further():
    from sklearn.neural_network import MLPClassifier

    X, y = make_classification(300, 8, random_state=0)
    built = MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, early_stopping=True,
                          n_iter_no_change=3, tol=1.0, random_state=0)  # never improves by 1.0
    model = fit_mlp_until(built, X, y, time.time() + 600)
    # the first epoch, then four without progress (one more than n_iter_no_change)
    assert len(model.validation_scores_) == 5


def test_mlp_regressor_family_learns_a_target_in_large_units():
    # gradient descent on house prices in dollars barely moves; standardised, it learns
    X, y = load_diabetes(return_X_y=True)
    ctx = SearchContext(task="regression", n_samples=len(y), n_features=X.shape[1])
    family = FAMILIES["mlp"]
    config = default_config(family, ctx)
    pipe = build_pipeline(family, {**config, "log_target": True}, ctx, TablePreprocessor())
    with threadpool_limits(1):  # one thread, as in a worker
        head, final, best = fit_candidate(pipe, X, y * 1000, "regression", time.time() + 600)
    assert best == len(final.regressor_.regressor_.loss_curve_)  # all it trained (no early stop)
    assert isinstance(final, TransformedTargetRegressor)  # log target around the scaled one
    prediction = final.predict(head.transform(X))
    r2 = 1 - np.sum((y * 1000 - prediction) ** 2) / np.sum((y * 1000 - np.mean(y * 1000)) ** 2)
    assert r2 > 0.4


@pytest.mark.parametrize("deadline", [-1, 600])
def test_mlp_refit_trains_the_epochs_its_fold_fit_settled_on(deadline):
    # A fold fit cut by its deadline after one chunk refits for that chunk's
    # epochs (+10 %), unstopped, not the family's 200: the refit's time
    # estimate comes from the fold fit.
    X, y = make_classification(2000, 8, random_state=0)
    family = FAMILIES["mlp"]
    ctx = SearchContext(task="binary", n_samples=len(y), n_features=8)
    config = default_config(family, ctx)
    pipe = build_pipeline(family, config, ctx, TablePreprocessor())
    _, final, epochs = fit_candidate(pipe, X, y, "binary", time.time() + deadline)
    assert final.early_stopping
    assert epochs == int(np.argmax(final.validation_scores_)) + 1
    if deadline < 0:
        assert len(final.loss_curve_) == MLP_CHUNK_EPOCHS and epochs <= MLP_CHUNK_EPOCHS
    refit = build_pipeline(family, refit_config(config, epochs), ctx, TablePreprocessor())
    model = refit.steps[-1][1]
    assert model.max_iter == max(1, round(epochs * 1.1)) and not model.early_stopping


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
    data = {"X": X, "y": y, "folds": list(KFold(3, shuffle=True, random_state=0).split(X)),
            "classes": np.array([0, 1]), "table": TablePreprocessor()}
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
