"""AutoPipeline's ensembles: greedy selection, stacking and fold bagging, end to end."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, make_classification, make_friedman1
from sklearn.ensemble import StackingRegressor
from sklearn.metrics import roc_auc_score

from automl import AutoClassifier, AutoPipeline, AutoRegressor
from automl._final_model import oof_score
from automl.ensemble import WeightedEnsembleClassifier

# No predict-cost limit: these tests are about which members the OOF scores pick.
RUN = dict(time_budget=60, max_trials=6, random_state=0, ensemble_predict_cost=None, cv=3)


@pytest.fixture(scope="module")
def diabetes_greedy():
    """A greedy ensemble without a predict-cost limit, on diabetes."""
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y, AutoRegressor(fold_bagging=False, keep_oof="all", **RUN).fit(X, y)


@pytest.fixture(scope="module")
def cancer_single():
    """The best single pipeline, refitted on all rows, on breast cancer."""
    X, y = load_breast_cancer(return_X_y=True)
    return X, y, AutoClassifier(fold_bagging=False, ensemble="none", keep_oof="best",
                                 **RUN).fit(X, y)


def _member_oof(model, y):
    """OOF score of each trial, as AutoPipeline scores them."""
    from automl._metrics import resolve_scorer, score_predictions

    classes = getattr(model, "classes_", None)
    _, scorer = resolve_scorer(model.metric, model.task_, classes)
    return {t.trial_id: oof_score(t, np.asarray(y),
                                  lambda yt, p: score_predictions(scorer, model.task_, yt, p,
                                                                  classes))
            for t in model.trials_ if t.ok}


def _ensemble(model):
    """The ensemble inside a classifier's ``model_`` (see ``automl._decision``)."""
    inner = model.model_.estimator_.estimator  # FixedThresholdClassifier(FrozenEstimator(.))
    steps = dict(getattr(inner, "steps", []))
    return steps["probabilities"].estimator_.estimator if "calibration" in steps else inner


def test_greedy_ensemble_beats_every_member_out_of_fold(diabetes_greedy):
    X, y, model = diabetes_greedy
    members = model.ensemble_
    assert members.attrs["kind"] == "greedy" and len(members) >= 2
    assert members["weight"].sum() == pytest.approx(1.0)
    assert (members["fitted_on"] == "all rows").all()
    oof = _member_oof(model, y)
    assert members.attrs["oof_score"] > max(oof.values())
    board = model.leaderboard_
    top = board.iloc[0]
    assert top["family"] == "ensemble (greedy)" and top["chosen"] and pd.isna(top["rank"])
    assert top["oof_score"] == pytest.approx(members.attrs["oof_score"])
    assert board["chosen"].sum() == 1
    # the ensemble is a Pipeline: one shared table preprocessor, then the average
    assert [name for name, _ in model.model_.steps] == ["table", "ensemble"]
    averaged = model.model_.named_steps["ensemble"]
    Xt = model.model_.named_steps["table"].transform(X)
    expected = sum(w * est.predict(Xt) for est, w in zip(averaged.estimators_, averaged.weights_))
    np.testing.assert_allclose(model.predict(X), expected)
    # and the ensemble scores better than the best single pipeline on the training rows' OOF,
    # while best_pipeline_ is still that single pipeline
    assert model.best_pipeline_.predict(X).shape == (len(y),)


def test_classification_ensemble_probabilities_and_class_order():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    y = np.where(y == 1, "benign", "malignant")
    model = AutoClassifier(fold_bagging=False, **RUN).fit(X, y)
    assert model.ensemble_.attrs["kind"] == "greedy"
    # model_ holds the decision threshold (and a calibration) around the ensemble
    assert isinstance(_ensemble(model).named_steps["ensemble"], WeightedEnsembleClassifier)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.classes_) == ["benign", "malignant"]
    assert list(model.model_.classes_) == ["benign", "malignant"]
    # column 1 is "malignant": it must rank the malignant rows high
    assert roc_auc_score(y == "malignant", proba[:, 1]) > 0.97
    assert set(model.predict(X)) == {"benign", "malignant"}


def test_no_leakage_a_memoriser_does_not_win():
    # Noisy labels (30 % flipped): out of fold nothing passes AUC ~0.85, but
    # extra trees with min_samples_leaf=1 reproduce their training labels.
    # Were in-fold predictions used, that memoriser would take all the weight
    # and the ensemble's score would be near 1.
    X, y = make_classification(n_samples=400, n_features=6, n_informative=3, flip_y=0.3,
                               random_state=0)
    model = AutoClassifier(models=["logistic_regression", "extra_trees"], search="random",
                           fold_bagging=False, **RUN).fit(X, y)
    memoriser = next(t for t in model.trials_
                     if t.ok and t.config.get("model__min_samples_leaf") == 1)
    from automl.search import SearchContext, build_pipeline

    ctx = SearchContext(task="binary", n_samples=len(y), n_features=X.shape[1])
    in_fold = build_pipeline(memoriser.family, memoriser.config, ctx).fit(
        pd.DataFrame(X, columns=[f"x{i}" for i in range(6)]), y)
    in_fold_auc = roc_auc_score(
        y, in_fold.predict_proba(pd.DataFrame(X, columns=[f"x{i}" for i in range(6)]))[:, 1])
    assert in_fold_auc > 0.99
    assert model.ensemble_.attrs["oof_score"] < 0.9
    weights = dict(zip(model.ensemble_["trial"], model.ensemble_["weight"]))
    assert weights.get(memoriser.trial_id, 0.0) < 0.5


def test_ensemble_none_keeps_the_best_pipeline():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    # three candidates to choose from are enough to show that none is combined
    model = AutoRegressor(ensemble="none", **{**RUN, "max_trials": 3}).fit(X, y)
    assert model.ensemble_.attrs["kind"] == "single" and len(model.ensemble_) == 1
    assert model.model_ is model.best_pipeline_
    assert not model.leaderboard_["family"].str.startswith("ensemble").any()
    assert model.leaderboard_.loc[model.leaderboard_["chosen"], "rank"].tolist() == [1]


def test_stacking_final_estimator_fitted_on_out_of_fold_predictions():
    X, y = make_friedman1(n_samples=400, noise=1.0, random_state=0)
    # a long budget (max_trials ends the search): on a busy machine the refits'
    # estimates grow, and the stack must still fit in the time left
    # the hand-written portfolio's first six: the learned one's poly2 ridge is
    # within noise of friedman1's truth, and no stack beats it
    model = AutoPipeline(ensemble="stacking", portfolio="handwritten",
                         **{**RUN, "cv": 5, "time_budget": 600}).fit(X, y)
    assert model.ensemble_.attrs["kind"] == "stacking"
    stack = model.model_
    assert isinstance(stack, StackingRegressor)
    # scikit-learn fitted the final estimator on cross_val_predict over the
    # search's own k-fold partition, one column per member
    assert len(stack.cv) == 5
    tests = np.sort(np.concatenate([te for _, te in stack.cv]))
    np.testing.assert_array_equal(tests, np.arange(len(y)))
    assert stack.final_estimator_.n_features_in_ == len(model.ensemble_)
    assert model.ensemble_.attrs["oof_score"] > model.ensemble_.attrs["best_single_oof_score"]
    assert model.leaderboard_.iloc[0]["family"] == "ensemble (stacking)"


def test_stacking_falls_back_to_greedy_without_a_partition():
    X, y = make_friedman1(n_samples=400, noise=1.0, random_state=0)
    model = AutoPipeline(ensemble="stacking", **{**RUN, "cv": "time"}).fit(X, y)
    assert model.ensemble_.attrs["kind"] in ("greedy", "single")
    assert any("partition" in note or "no better" in note for note in model.ensemble_notes_)


@pytest.mark.parametrize("fold_bagging, fitted_on", [(True, "folds (bagged)"),
                                                     (False, "all rows")])
def test_fold_bagging_is_a_choice_and_is_reported(fold_bagging, fitted_on, request):
    if fold_bagging:
        X, y = load_breast_cancer(return_X_y=True)
        model = AutoClassifier(fold_bagging=True, ensemble="none", **RUN).fit(X, y)
    else:
        X, y, model = request.getfixturevalue("cancer_single")
    assert model.ensemble_["fitted_on"].tolist() == [fitted_on]
    best = model.best_pipeline_
    if fold_bagging:
        # the 3 fold models, averaged with equal weights
        assert len(best.estimators_) == 3
        np.testing.assert_allclose(best.weights_, [1 / 3] * 3)
        expected = np.mean([m.predict_proba(pd.DataFrame(X, columns=[f"x{i}" for i in range(30)]))
                            for m in best.estimators_], axis=0)
        np.testing.assert_allclose(model.predict_proba(X), expected)
    else:
        assert type(best).__name__ == "Pipeline"
    assert model.score(X, y) > 0.97


def test_bagged_fold_models_keep_their_own_table_on_time_ordered_data():
    # Regression (nlswork): every fold pipeline shared one table preprocessor
    # object, left fitted on the last fold. With a time split the early folds
    # see fewer categories, so their models expect fewer columns than that
    # table outputs and predict failed ("X has 7 features, ... expecting 4").
    rng = np.random.RandomState(0)
    n = 300
    shop = np.where(np.arange(n) < 150, rng.choice(["a", "b"], n), rng.choice(["c", "d", "e"], n))
    X = pd.DataFrame({"day": np.arange(n), "x": rng.normal(size=n), "shop": shop})
    level = pd.Series(shop).map({"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}).to_numpy()
    y = 2 * X["x"].to_numpy() + level + rng.normal(scale=0.1, size=n)
    model = AutoRegressor(models=["random_forest"], max_trials=1, time_budget=20,
                          time_column="day", fold_bagging=True, ensemble="none",
                          random_state=0).fit(X, y)
    folds = [frozen.estimator for frozen in model.best_pipeline_.estimators_]
    assert len(folds) == 5 and model.cv_ == "TimeSeriesSplit(n_splits=5)"
    # one table per fold, fitted on that fold's rows: early folds know 2 shops
    widths = [fold[0].transform(X).shape[1] for fold in folds]
    assert widths[0] < widths[-1] and len({id(fold[0]) for fold in folds}) == 5
    np.testing.assert_allclose(model.predict(X), np.mean([f.predict(X) for f in folds], axis=0))


def test_fitted_members_are_timed_as_shares_of_the_best_pipeline():
    # The fitted members are timed (not only their CV estimate), in units of
    # the best pipeline's predict time: the table they share once, a linear
    # member a few per cent, a forest ten times the size of the best one
    # several times the best one's own part.
    from types import SimpleNamespace

    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline

    from automl._final_model import _measured_costs
    from automl.transformers import TablePreprocessor

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    ctx = _final_context(X, y.to_numpy(), "regression", None, None, [], len(y))
    table = ctx.refitter.fitted_table()

    def member(trial_id, model):
        return SimpleNamespace(trial_id=trial_id), Pipeline(
            [("table", table), ("model", model.fit(ctx.refitter.transformed(), y))])

    best = member(0, RandomForestRegressor(n_estimators=30, random_state=0))
    cheap = member(1, Ridge())
    slow = member(2, RandomForestRegressor(n_estimators=300, random_state=0))
    result = SimpleNamespace(best_single=best[0], estimator=best[1])
    costs, shared = _measured_costs([best, cheap, slow], {0: False, 1: False, 2: False},
                                    ctx, result)
    # (on 442 rows the table is a large share: fixed per-call overhead)
    assert 0 < shared < 1 and costs[0] == pytest.approx(1 - shared)
    # 10x the trees: 4-10x the time by measurement, per-call overhead included
    assert costs[1] < 0.2 and costs[2] > 2 * costs[0]
    # a member with its own table (bagged) is timed whole; the others still share
    costs, shared_too = _measured_costs([best, cheap], {0: False, 1: True}, ctx, result)
    assert 0 < shared_too < 1 and costs[0] == pytest.approx(1 - shared_too)
    assert costs[1] > 0.5 * shared_too  # its own table included
    # all with their own tables: nothing shared, the best is the reference
    costs, none = _measured_costs([best, cheap], {0: True, 1: True}, ctx, result)
    assert none == 0 and costs[0] == 1.0


def test_the_default_ensemble_keeps_within_its_predict_cost(diabetes_greedy):
    # The default limits the ensemble's measured predict time to
    # 1 + 0.2 * (members - 1) times the best pipeline's. Whether an ensemble
    # fits in it depends on timings, so both outcomes are accepted, each
    # with its evidence; which members go is tested on hand-made ones below.
    X, y, free = diabetes_greedy
    run = {k: v for k, v in RUN.items() if k != "ensemble_predict_cost"}
    capped = AutoRegressor(fold_bagging=False, **run).fit(X, y)
    assert capped.get_params()["ensemble_predict_cost"] == 0.2
    assert np.isnan(free.ensemble_.attrs["predict_cost"])
    m = len(capped.ensemble_)
    if capped.ensemble_.attrs["kind"] == "greedy":
        assert m >= 2
        assert capped.ensemble_.attrs["predict_cost"] <= 1 + 0.2 * (m - 1) + 1e-9
        assert (capped.ensemble_.attrs["oof_score"]
                > capped.ensemble_.attrs["best_single_oof_score"])
    else:
        assert capped.ensemble_.attrs["kind"] == "single" and m == 1
        assert capped.ensemble_notes_  # says why
    assert free.ensemble_.attrs["oof_score"] >= capped.ensemble_.attrs["oof_score"]


def test_members_that_predict_too_slowly_once_fitted_are_chosen_again():
    # The CV estimates let all three in; timed once fitted, the big forest
    # costs several times the best pipeline, over 1 + 0.2 * 2: the weights
    # are chosen again on the measured times, without it.
    import time as _time
    from types import SimpleNamespace

    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline

    from automl._final_model import FinalModel, _fit_greedy
    from automl._metrics import resolve_scorer
    from automl.transformers import TablePreprocessor

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    y = y.to_numpy()
    scorer = resolve_scorer("rmse", "regression")[1]
    ctx = _final_context(X, y, "regression", None, scorer, [], len(y), seconds=300)
    table = ctx.refitter.fitted_table()
    rng = np.random.RandomState(0)
    trials = []
    for trial_id, (model, sd) in enumerate([
            (RandomForestRegressor(n_estimators=30, random_state=0), 10.0),
            (Ridge(), 11.0),
            (RandomForestRegressor(n_estimators=300, random_state=0), 9.0)]):
        # independent OOF errors: any two average to a better score
        trials.append(SimpleNamespace(trial_id=trial_id, oof=y + rng.normal(0, sd, len(y)),
                                      fit_time=0.0, scores=[0.0], models_path=None,
                                      config={}))
        ctx.refitter.refitted[trial_id] = Pipeline(
            [("table", table), ("model", model.fit(ctx.refitter.transformed(), y))])
    best_oof = ctx.scoring.score(y, trials[0].oof)
    result = FinalModel(estimator=ctx.refitter.refit(trials[0]), kind="single", members=[trials[0]],
                        weights=np.ones(1), oof_score=best_oof, best_single=trials[0],
                        best_single_oof=best_oof, bagged={0: False},
                        best_pipeline=ctx.refitter.refit(trials[0]))
    chosen = [(t, 1 / 3) for t in trials]
    free = _fit_greedy(chosen, 0.0, ctx, False, result, None)
    assert [t.trial_id for t in free.members] == [0, 1, 2] and np.isnan(free.predict_cost)
    capped = _fit_greedy(chosen, 0.0, ctx, False, result, 0.2)
    assert sorted(t.trial_id for t in capped.members) == [0, 1]
    assert capped.oof_score > best_oof
    assert capped.predict_cost <= 1.2
    assert any("chosen again on their measured times" in n for n in result.notes)


def test_estimated_costs_count_own_tables_per_member():
    # predict_time: (table, rest) seconds per row on the CV folds
    from types import SimpleNamespace

    from automl._final_model import _estimated_costs

    best = SimpleNamespace(predict_time=(2.0, 8.0), config={})
    shared = SimpleNamespace(predict_time=(2.0, 3.0), config={})
    native = SimpleNamespace(predict_time=(1.0, 4.0), config={"categories": "native"})
    own = lambda t: t.config.get("categories") == "native"  # noqa: E731
    costs, table = _estimated_costs([best, shared, native], best, own)
    # the shared table (0.2 of the best's 10 s) once; the native member its whole pipeline
    assert table == pytest.approx(0.2)
    assert costs == pytest.approx([0.8, 0.3, 0.5])
    # a native best pays its own table; the others share the first sharer's
    costs, table = _estimated_costs([native, shared], native, own)
    assert table == pytest.approx(2.0 / 5.0)
    assert costs == pytest.approx([1.0, 3.0 / 5.0])
    # all own tables: nothing shared
    costs, table = _estimated_costs([best, shared], best, lambda t: True)
    assert table == 0.0 and costs == pytest.approx([1.0, 0.5])


def test_mixed_ensemble_runs_the_shared_table_once_and_averages_exactly():
    from types import SimpleNamespace

    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.tree import DecisionTreeRegressor

    from automl._final_model import _assemble
    from automl.ensemble import WeightedEnsembleRegressor
    from automl.transformers import TablePreprocessor

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    y = y.to_numpy()
    ctx = _final_context(X, y, "regression", None, None, [], len(y))
    table = ctx.refitter.fitted_table()
    shared_a = Pipeline([("table", table), ("model", Ridge(1.0).fit(ctx.refitter.transformed(), y))])
    shared_b = Pipeline([("table", table), ("model", Ridge(100.0).fit(ctx.refitter.transformed(), y))])
    own = Pipeline([("table", TablePreprocessor()),
                    ("model", DecisionTreeRegressor(max_depth=3, random_state=0))]).fit(X, y)
    members = [(SimpleNamespace(trial_id=i), f) for i, f in enumerate([shared_a, own, shared_b])]
    weights = [0.5, 0.3, 0.2]
    expected = sum(w * f.predict(X) for (_, f), w in zip(members, weights))
    mixed = _assemble(WeightedEnsembleRegressor, members, weights, {0: False, 1: True, 2: False},
                      ctx)
    np.testing.assert_allclose(mixed.predict(X), expected)
    names = [name for name, _ in mixed.estimators]
    assert names == ["trial1", "shared_table"]  # the two sharing members in one part
    assert isinstance(dict(mixed.estimators)["shared_table"], Pipeline)
    # all sharing: the table once, then the average
    shared_only = _assemble(WeightedEnsembleRegressor, [members[0], members[2]], [0.5, 0.2],
                            {0: False, 2: False}, ctx)
    assert isinstance(shared_only, Pipeline) and shared_only[0] is table
    np.testing.assert_allclose(shared_only.predict(X),
                               (0.5 * shared_a.predict(X) + 0.2 * shared_b.predict(X)) / 0.7)


def test_a_candidate_no_better_than_the_class_priors_is_left_out_of_the_ensemble():
    # A model that learnt only each fold's class balance scores 0.5 ROC AUC on
    # every fold, yet its per-fold constants shift the folds against each
    # other and can raise the pooled out-of-fold AUC of an ensemble with a
    # member whose scores run high on one fold. That gain exists on no test
    # set: the candidate is left out.
    import time as _time
    from types import SimpleNamespace

    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import Pipeline

    from automl._final_model import build_final_model, constant_score
    from automl._metrics import resolve_scorer
    from automl.transformers import TablePreprocessor

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X, y = X.iloc[:400], y.to_numpy()[:400]
    classes = np.array([0, 1])
    folds = [(np.arange(200, 400), np.arange(200)), (np.arange(200), np.arange(200, 400))]
    scorer = resolve_scorer("roc_auc", "binary", classes)[1]
    ctx = _final_context(X, y, "binary", classes, scorer, folds, 200, seconds=300,
                         metric="roc_auc")
    assert constant_score(ctx) == 0.5
    table = ctx.refitter.fitted_table()
    rng = np.random.RandomState(0)
    first_fold = np.arange(400) < 200

    def proba(logit):
        p = 1 / (1 + np.exp(-logit))
        return np.column_stack([1 - p, p])

    shifted = proba(2 * y - 1 + rng.normal(0, 1.2, 400) + 2.0 * first_fold)
    plain = proba(2 * y - 1 + rng.normal(0, 1.5, 400))
    balance = proba(np.where(first_fold, -1.0, 1.0))  # constant within each fold
    trials = []
    for trial_id, oof in enumerate([shifted, plain, balance]):
        fold_scores = [roc_auc_score(y[test], oof[test, 1]) for _, test in folds]
        trials.append(SimpleNamespace(
            trial_id=trial_id, oof=oof, score=float(np.mean(fold_scores)), scores=fold_scores,
            fit_time=0.0, models_path=None, config={}, predict_time=(1e-5, 1e-5),
            family=SimpleNamespace(name="naive_bayes")))
        ctx.refitter.refitted[trial_id] = Pipeline(
            [("table", table), ("model", GaussianNB().fit(ctx.refitter.transformed(), y))])
    assert trials[2].score == 0.5  # no better than the class priors on its folds
    # on the pooled rows it would help: with it, the shifted member's folds line up
    with_balance = np.mean([shifted[:, 1], plain[:, 1], 2 * balance[:, 1]], axis=0)
    without = np.mean([shifted[:, 1], plain[:, 1]], axis=0)
    assert roc_auc_score(y, with_balance) > roc_auc_score(y, without) + 0.01

    final = build_final_model(trials, ensemble="greedy", fold_bagging=False, ctx=ctx)
    assert final.kind == "greedy"
    assert sorted(t.trial_id for t in final.members) == [0, 1]


def _family_trials(names):
    from types import SimpleNamespace

    return [SimpleNamespace(trial_id=i, family=SimpleNamespace(name=name))
            for i, name in enumerate(names)]


def test_the_library_adds_the_best_of_each_family_missing_from_the_top():
    from automl._final_model import ensemble_library

    trials = _family_trials(["gbm", "gbm", "rf", "gbm", "knn", "rf", "mlp", "knn"])
    library = ensemble_library(trials, n_best=3)
    # the 3 best, then knn's and mlp's best in score order; rf is already in
    assert [t.trial_id for t in library] == [0, 1, 2, 4, 6]
    assert ensemble_library(trials, n_best=20) == trials
    assert ensemble_library(trials[:2], n_best=1) == trials[:1]


def test_a_family_below_the_top_candidates_can_join_the_ensemble():
    # The 20 best are near copies of one model; a weaker model of another
    # family, whose errors are independent of theirs, makes the ensemble.
    import time as _time

    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline

    from automl._final_model import MAX_CANDIDATES, build_final_model
    from automl._metrics import resolve_scorer
    from automl.transformers import TablePreprocessor

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    y = y.to_numpy()
    n = len(y)
    folds = [(np.arange(n // 2, n), np.arange(n // 2)), (np.arange(n // 2), np.arange(n // 2, n))]
    scorer = resolve_scorer("neg_root_mean_squared_error", "regression", None)[1]
    ctx = _final_context(X, y, "regression", None, scorer, folds, n // 2, seconds=300,
                         metric="neg_root_mean_squared_error")
    table = ctx.refitter.fitted_table()
    rng = np.random.RandomState(0)
    shared_error = rng.normal(0, 30, n)
    oofs = [y + shared_error + rng.normal(0, 1, n) for _ in range(MAX_CANDIDATES)]
    oofs.append(y + rng.normal(0, 40, n))  # worse alone, independent errors
    names = ["gbm"] * MAX_CANDIDATES + ["linear"]
    trials = _family_trials(names)
    for trial, oof in zip(trials, oofs):
        fold_scores = [-np.sqrt(np.mean((y[test] - oof[test]) ** 2)) for _, test in folds]
        trial.__dict__.update(oof=oof, scores=fold_scores, score=float(np.mean(fold_scores)),
                              fit_time=0.0, models_path=None, config={},
                              predict_time=(1e-5, 1e-5))
        ctx.refitter.refitted[trial.trial_id] = Pipeline(
            [("table", table), ("model", Ridge(alpha=trial.trial_id + 1.0).fit(ctx.refitter.transformed(), y))])
    trials.sort(key=lambda t: -t.score)
    assert trials[-1].family.name == "linear"  # the weakest candidate
    final = build_final_model(trials, ensemble="greedy", fold_bagging=False, ctx=ctx)
    assert final.kind == "greedy"
    assert "linear" in {t.family.name for t in final.members}
    assert final.oof_score > final.best_single_oof


def test_oof_predictions_are_the_ensemble_weights_over_the_members_oof(diabetes_greedy):
    X, y, model = diabetes_greedy
    trials = {t.trial_id: t for t in model.trials_}
    members = model.ensemble_
    expected = sum(w * trials[t].oof for t, w in zip(members["trial"], members["weight"]))
    np.testing.assert_allclose(model.oof_predictions_, expected)
    rmse = float(np.sqrt(np.mean((model.oof_predictions_ - np.asarray(y)) ** 2)))
    assert -rmse == pytest.approx(members.attrs["oof_score"])


def test_oof_predictions_of_a_single_pipeline_are_its_trials(cancer_single):
    X, y, model = cancer_single
    best = next(t for t in model.trials_ if t.trial_id == model.ensemble_["trial"].iloc[0])
    assert model.oof_predictions_.shape == (len(y), 2)
    if model.calibration_ == "none":  # else calibrated, cross-fitted (automl._decision)
        np.testing.assert_allclose(model.oof_predictions_, best.oof)
    assert roc_auc_score(y, model.oof_predictions_[:, 1]) == pytest.approx(model.best_score_,
                                                                           abs=0.02)


def _final_context(X, y, task, classes, scorer, folds, n_samples_fold, seconds=1e9, metric=None):
    """The final phase's context on ``(X, y)``, with ``seconds`` on the clock."""
    from automl._budget import Budget
    from automl._final_model import FinalModelContext, OOFScoring
    from automl._refit import Refitter
    from automl.transformers import TablePreprocessor

    refitter = Refitter(X, y, TablePreprocessor(), None, classes=classes)
    return FinalModelContext(OOFScoring(y, task, classes, scorer, metric=metric), refitter,
                             folds, Budget(seconds), n_samples_fold)
