"""Ensembles of trees without early stopping: forests, bagging and AdaBoost."""

from math import sqrt

from skopt.space import Integer, Real
from sklearn.ensemble import (
    AdaBoostClassifier,
    AdaBoostRegressor,
    BaggingClassifier,
    BaggingRegressor,
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from automl._task import is_classification
from automl.search._label import LabelEncodedClassifier
from automl.search.families._base import ModelFamily


def _sqrt_fraction(ctx):
    """``sqrt(n_features)`` as a fraction of the features, within [0.05, 1]."""
    return float(min(1.0, max(0.05, sqrt(max(ctx.n_features, 1)) / max(ctx.n_features, 1))))


class _ForestFamily(ModelFamily):
    """A forest of scikit-learn: ``classes`` is ``(classifier, regressor)``."""

    classes = None
    class_weight = True

    def space(self, ctx):
        return {
            "n_estimators": Integer(50, 300),
            "max_features": Real(0.05, 1.0),
            "min_samples_leaf": Integer(1, 20, prior="log-uniform"),
        }

    def defaults(self, ctx):
        # scikit-learn's defaults: sqrt of the features for classifiers
        return {"n_estimators": 150,
                "max_features": _sqrt_fraction(ctx) if ctx.classification else 0.5,
                "min_samples_leaf": 1}

    def build(self, task, params, ctx):
        if self.uses_cuml(ctx):
            return _cuml_forest(task, params, ctx)
        classification = is_classification(task)
        cls = self.classes[0] if classification else self.classes[1]
        kw = {"class_weight": params.get("class_weight")} if classification else {}
        model = cls(
            n_estimators=params["n_estimators"], max_features=params["max_features"],
            min_samples_leaf=params["min_samples_leaf"], n_jobs=ctx.n_jobs,
            random_state=ctx.random_state, **kw,
        )
        if kw.get("class_weight") is not None:
            # scikit-learn's forests (1.9) look string labels that read as
            # integers ("1", "2") up as ints in the class weights they
            # computed, and raise: they get encoded labels instead
            return LabelEncodedClassifier(model)
        return model


def _cuml_forest(task, params, ctx):
    from cuml.ensemble import RandomForestClassifier as CumlRFC
    from cuml.ensemble import RandomForestRegressor as CumlRFR

    kw = dict(n_estimators=params["n_estimators"], max_features=params["max_features"],
              min_samples_leaf=params["min_samples_leaf"], random_state=ctx.random_state)
    if is_classification(task):
        return LabelEncodedClassifier(CumlRFC(**kw))  # cuML wants labels 0..k-1
    return CumlRFR(**kw)


class ExtraTreesFamily(_ForestFamily):
    """scikit-learn's extremely randomised trees."""

    name = "extra_trees"
    classes = (ExtraTreesClassifier, ExtraTreesRegressor)


class RandomForestFamily(_ForestFamily):
    """scikit-learn's random forest; cuML's on the GPU when cuML is installed."""

    name = "random_forest"
    classes = (RandomForestClassifier, RandomForestRegressor)
    cuml = True


class BaggingFamily(ModelFamily):
    """Bagged decision trees, on samples of the rows and of the features."""

    name = "bagging"
    default_params = {"n_estimators": 30, "max_samples": 1.0, "max_features": 1.0}

    def space(self, ctx):
        return {
            "n_estimators": Integer(10, 100),
            "max_samples": Real(0.3, 1.0),
            "max_features": Real(0.3, 1.0),
        }

    def build(self, task, params, ctx):
        classification = is_classification(task)
        tree = DecisionTreeClassifier() if classification else DecisionTreeRegressor()
        cls = BaggingClassifier if classification else BaggingRegressor
        return cls(tree, n_estimators=params["n_estimators"], max_samples=params["max_samples"],
                   max_features=params["max_features"], n_jobs=ctx.n_jobs,
                   random_state=ctx.random_state)


class AdaBoostFamily(ModelFamily):
    """AdaBoost of shallow decision trees (a fixed number of rounds, unstopped)."""

    name = "adaboost"
    default_params = {"n_estimators": 100, "learning_rate": 0.5, "max_depth": 3}

    def space(self, ctx):
        return {
            "n_estimators": Integer(50, 400),
            "learning_rate": Real(0.01, 2.0, prior="log-uniform"),
            "max_depth": Integer(1, 5),
        }

    def build(self, task, params, ctx):
        classification = is_classification(task)
        tree_cls = DecisionTreeClassifier if classification else DecisionTreeRegressor
        cls = AdaBoostClassifier if classification else AdaBoostRegressor
        return cls(tree_cls(max_depth=params["max_depth"]), n_estimators=params["n_estimators"],
                   learning_rate=params["learning_rate"], random_state=ctx.random_state)
