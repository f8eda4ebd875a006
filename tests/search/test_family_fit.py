"""How each model family fits by a deadline, reports its length and refits for it."""

import time
import warnings
from dataclasses import replace

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from automl.search import FAMILIES, SearchContext
from automl.search._space import build_pipeline, default_config, model_params
from automl.search.families._hist_gradient_boosting import fit_hgb_until
from automl.search.families._mlp import MLP_CHUNK_EPOCHS, fit_mlp_until
from automl.transformers import TablePreprocessor


@pytest.fixture(autouse=True)
def one_thread():
    # one thread, as in a worker: many oversubscribe a busy machine and crawl
    with threadpool_limits(1):
        yield


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


def test_hgb_fit_reports_its_length():
    X, y = make_classification(1000, 8, random_state=0)
    family = FAMILIES["hist_gradient_boosting"]
    ctx = SearchContext(task="binary", n_samples=1000, n_features=8)
    pipe = build_pipeline(family, default_config(family, ctx), ctx)
    _, final, best_iter = family.fit(pipe, X, y, ctx, time.time() + 600)
    assert best_iter == final.n_iter_ < 1000  # early stopping ended it
    # a model that ran its full max_iter (searched on time-ordered rows)
    # reports no length: its refit keeps the configured one
    ctx = replace(ctx, time_ordered=True)
    config = dict(default_config(family, ctx), model__max_iter=40)
    _, final, best_iter = family.fit(build_pipeline(family, config, ctx), X, y, ctx,
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
        _, final, best_iter = family.fit(pipe, X, y, ctx, time.time() + 600)
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
            _, final, best_iter = family.fit(build_pipeline(family, config, ctx), X, y, ctx,
                                             time.time() + 600)
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
    config = family.refit_config(default_config(family, ctx), 80)
    model = family.build("binary", model_params(config), ctx)
    assert (model.max_iter, model.early_stopping) == (88, False)
    booster = FAMILIES["lightgbm"]
    config = booster.refit_config(default_config(booster, ctx), 80)
    assert booster.build("binary", model_params(config), ctx).n_estimators == 88


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
        head, final, best = family.fit(pipe, X, y * 1000, ctx, time.time() + 600)
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
    _, final, epochs = family.fit(pipe, X, y, ctx, time.time() + deadline)
    assert final.early_stopping
    assert epochs == int(np.argmax(final.validation_scores_)) + 1
    if deadline < 0:
        assert len(final.loss_curve_) == MLP_CHUNK_EPOCHS and epochs <= MLP_CHUNK_EPOCHS
    refit = build_pipeline(family, family.refit_config(config, epochs), ctx, TablePreprocessor())
    model = refit.steps[-1][1]
    assert model.max_iter == max(1, round(epochs * 1.1)) and not model.early_stopping


def test_one_family_end_to_end_from_its_space_to_its_refit():
    # HistGradientBoosting on breast_cancer (569 rows): space, default,
    # build, a fit stopped early, its length, the refit's config and length
    from sklearn.base import clone
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    family = FAMILIES["hist_gradient_boosting"]
    ctx = SearchContext(task="binary", n_samples=len(y), n_features=X.shape[1])
    space = family.space(ctx)
    assert set(space) == {"learning_rate", "max_leaf_nodes", "min_samples_leaf",
                          "l2_regularization", "max_features"}  # no max_iter: it stops early
    config = default_config(family, ctx)
    params = model_params(config)
    assert params == family.default_params
    assert all(value in space[name] for name, value in params.items())  # inside the space
    pipe = build_pipeline(family, config, ctx)
    built = pipe.steps[-1][1]
    assert (built.max_iter, built.early_stopping, built.random_state) == (1000, True, 0)

    head, final, length = family.fit(pipe, X, y, ctx, time.time() + 600)
    # stopped early on its own split: the plain fit's length, 111 of 1,000 iterations
    plain = clone(final).fit(head.transform(X), y)
    assert length == final.n_iter_ == plain.n_iter_ == 111
    assert (final.max_iter, final.warm_start) == (1000, False)  # as built
    # a deadline already passed: the first chunk only, and that is its length
    _, _, cut = family.fit(build_pipeline(family, config, ctx), X, y, ctx, time.time() - 1)
    assert cut == 50

    refit = family.refit_config(config, length)
    assert refit == {**config, "model__max_iter": 122, "model__early_stopping": False}
    _, model, refit_length = family.fit(build_pipeline(family, refit, ctx), X, y, ctx,
                                        time.time() + 600)
    # unstopped, it runs the 122 iterations (111 + 10 %) and reports no length of its own
    assert (model.n_iter_, model.early_stopping, refit_length) == (122, False, None)


@pytest.mark.parametrize("name", ["random_forest", "logistic_regression", "k_nearest_neighbors"])
def test_families_without_a_length_refit_as_configured(name):
    family = FAMILIES[name]
    X, y = make_classification(200, 5, random_state=0)
    ctx = SearchContext(task="binary", n_samples=len(y), n_features=5)
    config = default_config(family, ctx)
    _, final, length = family.fit(build_pipeline(family, config, ctx), X, y, ctx,
                                  time.time() + 600)
    assert length is None and final.predict(X).shape == (200,)
    assert family.refit_config(config, length) == config
    refit = family.refit_config(config, 80)  # a length it never reports changes nothing
    assert refit == config and refit is not config


def _rare_class_table():
    """898 rows of 5 classes, the rarest of 8 rows, labels that read as integers (anneal's)."""
    rng = np.random.default_rng(0)
    labels = np.array(["3"] * 684 + ["2"] * 99 + ["5"] * 67 + ["U"] * 40 + ["1"] * 8,
                      dtype=object)
    codes = np.unique(labels, return_inverse=True)[1]
    X = rng.normal(size=(len(labels), 4)) + codes[:, None]
    counts = dict(zip(*np.unique(labels, return_counts=True)))
    ctx = SearchContext(task="multiclass", n_samples=len(labels), n_features=4,
                        imbalanced=True, class_counts=counts)
    return X, labels, ctx


@pytest.mark.parametrize("family_name, changes, sized", [
    ("k_nearest_neighbors", {"model__n_neighbors": 56}, lambda m: m.n_neighbors == 40 // 4),
    ("hist_gradient_boosting", {}, lambda m: m.early_stopping is False),
])
def test_models_after_random_undersampling_are_sized_for_the_rows_they_get(
        family_name, changes, sized):
    # Regression: undersampling to the rarest class left 40 of 898 rows;
    # HistGradientBoosting's stratified early-stopping split (4 rows for 5
    # classes) and 56 neighbours (of 36 rows) raised.
    X, y, ctx = _rare_class_table()
    family = FAMILIES[family_name]
    config = dict(default_config(family, ctx), imbalance="random_under", **changes)
    train = np.arange(len(y)) % 5 != 0
    pipe = build_pipeline(family, config, ctx)
    family.fit(pipe, X[train], y[train], ctx, time.time() + 60)
    assert sized(pipe.steps[-1][1])
    assert pipe.predict_proba(X[~train]).shape == (int((~train).sum()), 5)
    assert pipe.classes_.tolist() == ["1", "2", "3", "5", "U"]


@pytest.mark.parametrize("family_name", ["random_forest", "extra_trees"])
def test_forest_class_weights_with_labels_that_read_as_integers(family_name):
    # Regression: scikit-learn's forests raised "The classes, [1, 2, 3, 5],
    # are not in class_weight" for class_weight="balanced" on such labels.
    X, y, ctx = _rare_class_table()
    family = FAMILIES[family_name]
    config = dict(default_config(family, ctx), imbalance="class_weight")
    pipe = build_pipeline(family, config, ctx).fit(X, y)
    codes = np.unique(y, return_inverse=True)[1]
    plain = family.build("multiclass", dict(model_params(config), class_weight="balanced"), ctx)
    plain = plain.estimator.fit(X, codes)  # the same forest on encoded labels
    assert pipe.classes_.tolist() == ["1", "2", "3", "5", "U"]
    np.testing.assert_allclose(pipe.predict_proba(X), plain.predict_proba(X), rtol=0, atol=1e-12)
    assert set(pipe.predict(X)) <= set(y)
