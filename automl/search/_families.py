"""The model registry: each family builds its estimator and declares its space.

A family is data plus two functions, in the spirit of FLAML's learners:
``space(ctx)`` returns scikit-optimize dimensions for the model's
hyper-parameters and ``build(task, params, ctx)`` returns an unfitted
estimator. ``ctx`` (:class:`SearchContext`) carries what the data and the
user fixed (task, sizes, seed, threads, device), so that the device swaps
implementations here without touching the search: with ``device="cuda"``
XGBoost runs on the GPU, LightGBM uses its OpenCL learner when one answers,
and random forests and linear models become cuML's when it is installed
(see ``automl.search._device``).
"""

from dataclasses import dataclass, field
from functools import partial
from math import sqrt

from skopt.space import Categorical, Integer, Real
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import (
    AdaBoostClassifier,
    AdaBoostRegressor,
    BaggingClassifier,
    BaggingRegressor,
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from automl._task import is_classification

# Boosters are fitted with this many rounds at most and stopped early.
MAX_BOOSTING_ROUNDS = 2000
# Below this many rows HistGradientBoosting runs a fixed 100 rounds, unstopped.
_HGB_EARLY_STOPPING_MIN_ROWS = 200
# The MLP stops on a 10 % validation split from this many rows; below, on
# its training loss (and after this many epochs at most).
_MLP_EARLY_STOPPING_MIN_ROWS = 1000
_MLP_MAX_EPOCHS = 200


@dataclass
class SearchContext:
    """What the search knows before any candidate is fitted."""

    task: str
    n_samples: int
    n_features: int
    random_state: int = 0
    n_jobs: int = 1
    device: str = "cpu"
    imbalanced: bool = False
    skewed_target: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def classification(self):
        return is_classification(self.task)


@dataclass(frozen=True)
class ModelFamily:
    """One model family of the search.

    Attributes
    ----------
    name : str
        Short name, shown in the leaderboard.
    tasks : tuple of str
        ``"classification"`` and/or ``"regression"``.
    build : callable
        ``build(task, params, ctx) -> estimator``.
    space : callable
        ``space(ctx) -> dict`` of scikit-optimize dimensions.
    defaults : callable
        ``defaults(ctx) -> dict``: the portfolio's starting point, inside the space.
    linear : bool
        Whether the model is linear in its inputs: it wants them scaled and
        may gain from interactions.
    scaled : bool
        Whether the model wants scaled inputs though it is not linear
        (distances, gradient descent): the search chooses a scaler, clipping
        and a log transform for it, but no interactions.
    early_stopping : {"native", "eval_set", None}
        ``"native"``: the estimator stops itself on an internal validation
        split; ``"eval_set"``: the search passes a validation split of the
        training fold and reads the best iteration back.
    class_weight : bool
        Whether the estimator accepts ``class_weight="balanced"``.
    native_categories : bool
        Whether the estimator splits on pandas categorical columns natively
        (the search then chooses between encoded and native categories).
    stops_at_deadline : bool
        Whether a fit stops by itself at its fold's deadline (the boosters
        after a round, the MLP after a chunk of epochs), so that a fold that
        would overrun is cut short rather than not started.
    variants : tuple of dict
        Further starting points of the portfolio, tried after every family's
        default: each is changes to the default candidate, in its keys
        (``model__<name>`` for the model, or a preprocessing key); a change
        to a key not in the candidate's space is left out.
    """

    name: str
    tasks: tuple
    build: object
    space: object
    defaults: object
    linear: bool = False
    scaled: bool = False
    early_stopping: object = None
    class_weight: bool = False
    native_categories: bool = False
    variants: tuple = field(default=(), hash=False)  # dicts do not hash
    stops_at_deadline: bool = False

    @property
    def wants_scaling(self):
        return self.linear or self.scaled

    def supports(self, task):
        kind = "classification" if is_classification(task) else "regression"
        return kind in self.tasks


def _logistic_space(ctx):
    return {
        "C": Real(1e-3, 1e2, prior="log-uniform"),
        "penalty": Categorical(["l2", "l1", "elasticnet"]),
        "l1_ratio": Real(0.05, 0.95),
    }


def _on_cuml(ctx):
    return ctx.device == "cuda" and ctx.extra.get("cuml", False)


def _encoded(model):
    """cuML classifiers want labels 0..k-1, like XGBoost."""
    from automl.search._label import LabelEncodedClassifier

    return LabelEncodedClassifier(model)


def _logistic_build(task, p, ctx):
    l1_ratio = {"l2": 0.0, "l1": 1.0}.get(p["penalty"], p["l1_ratio"])
    if _on_cuml(ctx):
        from cuml.linear_model import LogisticRegression as CumlLogisticRegression

        penalty = {0.0: "l2", 1.0: "l1"}.get(l1_ratio, "elasticnet")
        return _encoded(CumlLogisticRegression(
            C=p["C"], penalty=penalty, l1_ratio=l1_ratio if penalty == "elasticnet" else None,
            max_iter=1000, class_weight=p.get("class_weight"),
        ))
    return LogisticRegression(
        C=p["C"], l1_ratio=l1_ratio, solver="lbfgs" if l1_ratio == 0 else "saga",
        max_iter=300, tol=1e-3, class_weight=p.get("class_weight"),
        random_state=ctx.random_state,
    )


def _linear_reg_space(ctx):
    return {
        "penalty": Categorical(["ridge", "lasso", "elasticnet"]),
        "alpha": Real(1e-4, 1e2, prior="log-uniform"),
        "l1_ratio": Real(0.05, 0.95),
    }


def _linear_reg_build(task, p, ctx):
    if _on_cuml(ctx):
        from cuml import linear_model as cl

        if p["penalty"] == "ridge":
            return cl.Ridge(alpha=p["alpha"])
        if p["penalty"] == "lasso":
            return cl.Lasso(alpha=p["alpha"], max_iter=2000, tol=1e-3)
        return cl.ElasticNet(alpha=p["alpha"], l1_ratio=p["l1_ratio"], max_iter=2000, tol=1e-3)
    if p["penalty"] == "ridge":
        return Ridge(alpha=p["alpha"])
    if p["penalty"] == "lasso":
        return Lasso(alpha=p["alpha"], max_iter=2000, tol=1e-3, random_state=ctx.random_state)
    return ElasticNet(alpha=p["alpha"], l1_ratio=p["l1_ratio"], max_iter=2000, tol=1e-3,
                      random_state=ctx.random_state)


def _forest_space(ctx):
    return {
        "n_estimators": Integer(50, 300),
        "max_features": Real(0.05, 1.0),
        "min_samples_leaf": Integer(1, 20, prior="log-uniform"),
    }


def _forest_defaults(ctx):
    return {"n_estimators": 150, "max_features": _sqrt_fraction(ctx) if ctx.classification
            else 0.5, "min_samples_leaf": 1}


def _sqrt_fraction(ctx):
    return float(min(1.0, max(0.05, sqrt(max(ctx.n_features, 1)) / max(ctx.n_features, 1))))


def _cuml_forest(task, p, ctx):
    from cuml.ensemble import RandomForestClassifier as CumlRFC
    from cuml.ensemble import RandomForestRegressor as CumlRFR

    kw = dict(n_estimators=p["n_estimators"], max_features=p["max_features"],
              min_samples_leaf=p["min_samples_leaf"], random_state=ctx.random_state)
    if is_classification(task):
        return _encoded(CumlRFC(**kw))
    return CumlRFR(**kw)


def _forest_build(classes, cuml=False):
    # a partial, not a closure, so that families (kept in trials_) pickle
    return partial(_build_forest, classes, cuml)


def _build_forest(classes, cuml, task, p, ctx):
    if cuml and _on_cuml(ctx):
        return _cuml_forest(task, p, ctx)
    cls = classes[0] if is_classification(task) else classes[1]
    kw = {"class_weight": p.get("class_weight")} if is_classification(task) else {}
    return cls(
        n_estimators=p["n_estimators"], max_features=p["max_features"],
        min_samples_leaf=p["min_samples_leaf"], n_jobs=ctx.n_jobs,
        random_state=ctx.random_state, **kw,
    )


def _bagging_space(ctx):
    return {
        "n_estimators": Integer(10, 100),
        "max_samples": Real(0.3, 1.0),
        "max_features": Real(0.3, 1.0),
    }


def _bagging_build(task, p, ctx):
    classification = is_classification(task)
    tree = DecisionTreeClassifier() if classification else DecisionTreeRegressor()
    cls = BaggingClassifier if classification else BaggingRegressor
    return cls(tree, n_estimators=p["n_estimators"], max_samples=p["max_samples"],
               max_features=p["max_features"], n_jobs=ctx.n_jobs, random_state=ctx.random_state)


def _adaboost_space(ctx):
    return {
        "n_estimators": Integer(50, 400),
        "learning_rate": Real(0.01, 2.0, prior="log-uniform"),
        "max_depth": Integer(1, 5),
    }


def _adaboost_build(task, p, ctx):
    if is_classification(task):
        return AdaBoostClassifier(DecisionTreeClassifier(max_depth=p["max_depth"]),
                                  n_estimators=p["n_estimators"],
                                  learning_rate=p["learning_rate"], random_state=ctx.random_state)
    return AdaBoostRegressor(DecisionTreeRegressor(max_depth=p["max_depth"]),
                             n_estimators=p["n_estimators"], learning_rate=p["learning_rate"],
                             random_state=ctx.random_state)


def _hgb_space(ctx):
    space = {
        "learning_rate": Real(0.01, 0.3, prior="log-uniform"),
        "max_leaf_nodes": Integer(8, 128, prior="log-uniform"),
        "min_samples_leaf": Integer(5, 100, prior="log-uniform"),
        "l2_regularization": Real(1e-6, 10.0, prior="log-uniform"),
        "max_features": Real(0.3, 1.0),
    }
    if ctx.extra.get("time_ordered"):
        # no native early stopping (below): the time-ordered folds tune the length
        space["max_iter"] = Integer(30, 1000, prior="log-uniform")
    return space


def _hgb_build(task, p, ctx):
    cls = HistGradientBoostingClassifier if is_classification(task) else HistGradientBoostingRegressor
    kw = {"class_weight": p.get("class_weight")} if is_classification(task) else {}
    # Early stopping holds out 10 % of the rows: too few to trust on tiny data.
    # Nor on time-ordered rows: the held-out 10 % is drawn at random, so it
    # validates interpolation in time and rarely stops (on electricity it ran
    # all 1,000 iterations and lost 0.009 test AUC to the 100-iteration default).
    early = (p.get("early_stopping", True) and ctx.n_samples >= _HGB_EARLY_STOPPING_MIN_ROWS
             and not ctx.extra.get("time_ordered", False))
    return cls(
        learning_rate=p["learning_rate"], max_leaf_nodes=p["max_leaf_nodes"],
        min_samples_leaf=p["min_samples_leaf"], l2_regularization=p["l2_regularization"],
        max_features=p["max_features"], max_iter=p.get("max_iter", 1000 if early else 100),
        early_stopping=early, n_iter_no_change=20,
        random_state=ctx.random_state, **kw,
    )


def _xgb_space(ctx):
    return {
        "learning_rate": Real(0.01, 0.3, prior="log-uniform"),
        "max_depth": Integer(2, 10),
        "min_child_weight": Real(0.1, 20.0, prior="log-uniform"),
        "subsample": Real(0.5, 1.0),
        "colsample_bytree": Real(0.3, 1.0),
        "reg_lambda": Real(1e-3, 10.0, prior="log-uniform"),
    }


def _xgb_build(task, p, ctx):
    from xgboost import XGBClassifier, XGBRegressor

    cls = XGBClassifier if is_classification(task) else XGBRegressor
    model = cls(
        n_estimators=p.get("n_estimators", MAX_BOOSTING_ROUNDS), learning_rate=p["learning_rate"],
        max_depth=p["max_depth"], min_child_weight=p["min_child_weight"],
        subsample=p["subsample"], colsample_bytree=p["colsample_bytree"],
        reg_lambda=p["reg_lambda"], tree_method="hist", device=ctx.device,
        enable_categorical=True,
        n_jobs=ctx.n_jobs, random_state=ctx.random_state, verbosity=0,
    )
    if is_classification(task) and ctx.extra.get("encode_labels", True):
        from automl.search._label import LabelEncodedClassifier

        model = LabelEncodedClassifier(model)
    return model


def _lgbm_space(ctx):
    return {
        "learning_rate": Real(0.01, 0.3, prior="log-uniform"),
        "num_leaves": Integer(8, 256, prior="log-uniform"),
        "min_child_samples": Integer(5, 100, prior="log-uniform"),
        "subsample": Real(0.5, 1.0),
        "colsample_bytree": Real(0.3, 1.0),
        "reg_lambda": Real(1e-3, 10.0, prior="log-uniform"),
        "extra_trees": Categorical([False, True]),
    }


def _lgbm_build(task, p, ctx):
    from lightgbm import LGBMClassifier, LGBMRegressor

    cls = LGBMClassifier if is_classification(task) else LGBMRegressor
    kw = {"class_weight": p.get("class_weight")} if is_classification(task) else {}
    if ctx.device == "cuda" and ctx.extra.get("lightgbm_gpu", False):
        kw["device_type"] = "gpu"  # the PyPI wheel's OpenCL learner
    return cls(
        n_estimators=p.get("n_estimators", MAX_BOOSTING_ROUNDS), learning_rate=p["learning_rate"],
        num_leaves=p["num_leaves"], min_child_samples=p["min_child_samples"],
        subsample=p["subsample"], subsample_freq=1 if p["subsample"] < 1 else 0,
        colsample_bytree=p["colsample_bytree"], reg_lambda=p["reg_lambda"],
        extra_trees=bool(p.get("extra_trees", False)),
        n_jobs=ctx.n_jobs, random_state=ctx.random_state, verbose=-1, **kw,
    )


def _knn_space(ctx):
    return {
        "n_neighbors": Integer(3, 100, prior="log-uniform"),
        "weights": Categorical(["uniform", "distance"]),
        "p": Categorical([1, 2]),
    }


def _knn_build(task, p, ctx):
    cls = KNeighborsClassifier if is_classification(task) else KNeighborsRegressor
    # a training fold holds at least half the rows (less with the halving
    # search's subsamples): ask for no more neighbours than a quarter
    k = int(max(1, min(p["n_neighbors"], ctx.n_samples // 4)))
    return cls(n_neighbors=k, weights=p["weights"], p=p["p"], n_jobs=ctx.n_jobs)


def _mlp_space(ctx):
    return {
        "width": Integer(32, 256, prior="log-uniform"),
        "depth": Integer(1, 3),
        "alpha": Real(1e-6, 1.0, prior="log-uniform"),
        "learning_rate_init": Real(1e-4, 1e-2, prior="log-uniform"),
    }


def _mlp_build(task, p, ctx):
    classification = is_classification(task)
    cls = MLPClassifier if classification else MLPRegressor
    # early stopping holds out 10 % of the rows, too few on small data; a
    # refit trains the epochs its CV fits settled on (``max_iter``), unstopped
    early = p.get("early_stopping", True) and ctx.n_samples >= _MLP_EARLY_STOPPING_MIN_ROWS
    model = cls(
        hidden_layer_sizes=(int(p["width"]),) * int(p["depth"]), alpha=p["alpha"],
        learning_rate_init=p["learning_rate_init"], batch_size=min(256, max(32, ctx.n_samples // 20)),
        max_iter=int(p.get("max_iter", _MLP_MAX_EPOCHS)), early_stopping=early,
        n_iter_no_change=10,
        random_state=ctx.random_state,
    )
    if classification:
        return model
    # gradient descent on a squared loss in the target's own units (house
    # prices in the 100,000s) barely moves from its start: fit it standardised
    return TransformedTargetRegressor(model, transformer=StandardScaler())


def _fixed(values):
    # a partial, not a lambda, so that families (kept in trials_) pickle
    return partial(_copy_defaults, values)


def _copy_defaults(values, ctx):
    return dict(values)


FAMILIES = {
    f.name: f
    for f in [
        ModelFamily(
            "lightgbm", ("classification", "regression"), _lgbm_build, _lgbm_space,
            _fixed({"learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 20,
                    "subsample": 1.0, "colsample_bytree": 0.8, "reg_lambda": 1e-3,
                    "extra_trees": False}),
            # split thresholds drawn at random (LightGBM's extra_trees), on
            # native categories where there are some (on one-hot columns
            # there is one threshold to draw, and it is the plain booster):
            # AutoGluon's best single model on soybean and credit_g, and
            # another kind of booster for the ensemble
            variants=({"model__extra_trees": True, "categories": "native"},),
            early_stopping="eval_set", class_weight=True, native_categories=True,
            stops_at_deadline=True,
        ),
        ModelFamily(
            "logistic_regression", ("classification",), _logistic_build, _logistic_space,
            _fixed({"C": 1.0, "penalty": "l2", "l1_ratio": 0.5}), linear=True, class_weight=True,
        ),
        ModelFamily(
            "linear_regression", ("regression",), _linear_reg_build, _linear_reg_space,
            _fixed({"penalty": "ridge", "alpha": 1.0, "l1_ratio": 0.5}), linear=True,
        ),
        ModelFamily(
            "hist_gradient_boosting", ("classification", "regression"), _hgb_build, _hgb_space,
            _fixed({"learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20,
                    "l2_regularization": 1e-6, "max_features": 1.0}),
            early_stopping="native", class_weight=True, native_categories=True,
            stops_at_deadline=True,
        ),
        ModelFamily(
            "xgboost", ("classification", "regression"), _xgb_build, _xgb_space,
            _fixed({"learning_rate": 0.1, "max_depth": 6, "min_child_weight": 1.0,
                    "subsample": 0.8, "colsample_bytree": 0.8, "reg_lambda": 1.0}),
            early_stopping="eval_set", native_categories=True, stops_at_deadline=True,
        ),
        ModelFamily(
            "extra_trees", ("classification", "regression"),
            _forest_build((ExtraTreesClassifier, ExtraTreesRegressor)), _forest_space,
            _forest_defaults, class_weight=True,
        ),
        ModelFamily(
            "random_forest", ("classification", "regression"),
            _forest_build((RandomForestClassifier, RandomForestRegressor), cuml=True),
            _forest_space,
            _forest_defaults, class_weight=True,
        ),
        ModelFamily(
            "bagging", ("classification", "regression"), _bagging_build, _bagging_space,
            _fixed({"n_estimators": 30, "max_samples": 1.0, "max_features": 1.0}),
        ),
        ModelFamily(
            "adaboost", ("classification", "regression"), _adaboost_build, _adaboost_space,
            _fixed({"n_estimators": 100, "learning_rate": 0.5, "max_depth": 3}),
        ),
        ModelFamily(
            "mlp", ("classification", "regression"), _mlp_build, _mlp_space,
            _fixed({"width": 128, "depth": 2, "alpha": 1e-4, "learning_rate_init": 1e-3}),
            scaled=True, stops_at_deadline=True,
        ),
        ModelFamily(
            "k_nearest_neighbors", ("classification", "regression"), _knn_build, _knn_space,
            _fixed({"n_neighbors": 15, "weights": "distance", "p": 2}), scaled=True,
        ),
    ]
}


def families_for(task, names=None):
    """The registered families that handle ``task``, in portfolio order.

    The order is the portfolio's: a strong booster first, then the cheap
    linear model, then the other boosters and the tree ensembles, so that
    useful pipelines exist early in a short budget; the MLP and k-nearest
    neighbours come last, models of another kind for the ensemble.

    Parameters
    ----------
    task : {"binary", "multiclass", "regression"}
    names : list of str, default=None
        Restrict to these families; an unknown name raises ``ValueError``.
    """
    if names is not None:
        unknown = sorted(set(names) - set(FAMILIES))
        if unknown:
            raise ValueError(
                f"Unknown model families {unknown} in 'models'; choose from {sorted(FAMILIES)}."
            )
    chosen = [f for f in FAMILIES.values() if f.supports(task) and (names is None or f.name in names)]
    if not chosen:
        raise ValueError(f"None of the model families {names} handles a {task} task.")
    return chosen


__all__ = ["FAMILIES", "ModelFamily", "SearchContext", "families_for"]
