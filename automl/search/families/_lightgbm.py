"""LightGBM, stopped early on the search's validation split; its OpenCL learner on a GPU."""

import functools
import inspect
import time
import warnings

from skopt.space import Categorical, Integer, Real
from sklearn.base import is_classifier

from automl._task import is_classification
from automl.search.families._eval_set import (
    EARLY_STOPPING_ROUNDS,
    MAX_BOOSTING_ROUNDS,
    EvalSetBooster,
)


class LightGBMFamily(EvalSetBooster):
    """``LGBMClassifier`` / ``LGBMRegressor``; the PyPI wheel's OpenCL learner on a GPU.

    The GPU learner is used with ``device="cuda"`` when an OpenCL device
    answers (``ctx.lightgbm_gpu``).
    """

    name = "lightgbm"
    default_params = {"learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 20,
                      "subsample": 1.0, "colsample_bytree": 0.8, "reg_lambda": 1e-3,
                      "extra_trees": False}
    # split thresholds drawn at random (LightGBM's extra_trees), on native
    # categories where there are some (on one-hot columns there is one
    # threshold to draw, and it is the plain booster): AutoGluon's best
    # single model on soybean and credit_g, and another kind of booster for
    # the ensemble
    variants = ({"model__extra_trees": True, "categories": "native"},)
    class_weight = True

    def space(self, ctx):
        return {
            "learning_rate": Real(0.01, 0.3, prior="log-uniform"),
            "num_leaves": Integer(8, 256, prior="log-uniform"),
            "min_child_samples": Integer(5, 100, prior="log-uniform"),
            "subsample": Real(0.5, 1.0),
            "colsample_bytree": Real(0.3, 1.0),
            "reg_lambda": Real(1e-3, 10.0, prior="log-uniform"),
            "extra_trees": Categorical([False, True]),
        }

    def build(self, task, params, ctx):
        from lightgbm import LGBMClassifier, LGBMRegressor

        classification = is_classification(task)
        cls = LGBMClassifier if classification else LGBMRegressor
        kw = {"class_weight": params.get("class_weight")} if classification else {}
        if self.gpu(ctx):
            kw["device_type"] = "gpu"  # the PyPI wheel's OpenCL learner
        subsample = params["subsample"]
        return cls(
            n_estimators=params.get("n_estimators", MAX_BOOSTING_ROUNDS),
            learning_rate=params["learning_rate"], num_leaves=params["num_leaves"],
            min_child_samples=params["min_child_samples"],
            subsample=subsample, subsample_freq=1 if subsample < 1 else 0,
            colsample_bytree=params["colsample_bytree"], reg_lambda=params["reg_lambda"],
            extra_trees=bool(params.get("extra_trees", False)),
            n_jobs=ctx.n_jobs, random_state=ctx.random_state, verbose=-1, **kw,
        )

    def fit_validated(self, final, inner, train, validation, deadline):
        from lightgbm import early_stopping

        _fit_lgbm_validated(final, train, validation, callbacks=[
            early_stopping(EARLY_STOPPING_ROUNDS, verbose=False),
            _deadline_callback(deadline),
        ])

    def best_iteration(self, model):
        value = getattr(model, "best_iteration_", None)
        return int(value) if value is not None and value > 0 else None

    @staticmethod
    def gpu(ctx):
        """Whether the OpenCL learner runs under ``ctx``."""
        return ctx.device == "cuda" and ctx.lightgbm_gpu

    def runs_on(self, ctx):
        return "cuda (OpenCL)" if self.gpu(ctx) else "cpu"


def _fit_lgbm_validated(model, train, validation, callbacks):
    """Fit a LightGBM model with ``validation``, an ``(X, y)``, as its validation set.

    LightGBM 4.7 renamed ``eval_set`` to ``eval_X`` and ``eval_y`` and warns
    on the old name, but its ``LGBMClassifier`` does not label-encode
    ``eval_y`` (LightGBM issue #7400): string labels fail and integer labels
    other than ``0..k-1`` are scored against the wrong classes. Classifiers
    therefore keep ``eval_set`` (its deprecation warning silenced) while
    LightGBM still takes it; regressors, and versions without ``eval_set``,
    take ``eval_X``/``eval_y``; versions without those take ``eval_set``.
    """
    takes = _lgbm_fit_parameters()
    (Xv, yv) = validation
    if "eval_X" in takes and not (is_classifier(model) and "eval_set" in takes):
        model.fit(*train, eval_X=(Xv,), eval_y=(yv,), callbacks=callbacks)
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*'eval_set' is deprecated")
        model.fit(*train, eval_set=[(Xv, yv)], callbacks=callbacks)


@functools.cache
def _lgbm_fit_parameters():
    from lightgbm import LGBMModel

    return frozenset(inspect.signature(LGBMModel.fit).parameters)


def _deadline_callback(deadline):
    from lightgbm.callback import EarlyStopException

    def stop_at_deadline(env):
        if time.time() > deadline:
            raise EarlyStopException(env.iteration, env.evaluation_result_list)

    return stop_at_deadline
