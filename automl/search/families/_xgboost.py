"""XGBoost, stopped early on the search's validation split; on the GPU with ``device="cuda"``."""

import time

from skopt.space import Integer, Real

from automl._task import is_classification
from automl.search._label import LabelEncodedClassifier
from automl.search.families._eval_set import (
    EARLY_STOPPING_ROUNDS,
    MAX_BOOSTING_ROUNDS,
    EvalSetBooster,
)
from automl.search.families._steps import innermost


class XGBoostFamily(EvalSetBooster):
    """``XGBClassifier`` (labels encoded ``0..k-1``) / ``XGBRegressor``, histogram trees.

    It runs natively on the GPU when the search's device is ``"cuda"``.
    """

    name = "xgboost"
    default_params = {"learning_rate": 0.1, "max_depth": 6, "min_child_weight": 1.0,
                      "subsample": 0.8, "colsample_bytree": 0.8, "reg_lambda": 1.0}

    def space(self, ctx):
        return {
            "learning_rate": Real(0.01, 0.3, prior="log-uniform"),
            "max_depth": Integer(2, 10),
            "min_child_weight": Real(0.1, 20.0, prior="log-uniform"),
            "subsample": Real(0.5, 1.0),
            "colsample_bytree": Real(0.3, 1.0),
            "reg_lambda": Real(1e-3, 10.0, prior="log-uniform"),
        }

    def build(self, task, params, ctx):
        from xgboost import XGBClassifier, XGBRegressor

        cls = XGBClassifier if is_classification(task) else XGBRegressor
        model = cls(
            n_estimators=params.get("n_estimators", MAX_BOOSTING_ROUNDS),
            learning_rate=params["learning_rate"], max_depth=params["max_depth"],
            min_child_weight=params["min_child_weight"], subsample=params["subsample"],
            colsample_bytree=params["colsample_bytree"], reg_lambda=params["reg_lambda"],
            tree_method="hist", device=ctx.device, enable_categorical=True,
            n_jobs=ctx.n_jobs, random_state=ctx.random_state, verbosity=0,
        )
        if is_classification(task) and ctx.encode_labels:
            model = LabelEncodedClassifier(model)
        return model

    def fit_validated(self, final, inner, train, validation, deadline):
        inner.set_params(early_stopping_rounds=EARLY_STOPPING_ROUNDS,
                         callbacks=[_deadline_callback(deadline)])
        final.fit(*train, eval_set=[validation], verbose=False)
        # the callback is a local class: drop it so the fitted model pickles
        inner.set_params(callbacks=None)
        innermost(final, fitted=True).set_params(callbacks=None)

    def best_iteration(self, model):
        value = getattr(model, "best_iteration", None)  # counted from 0; absent unless stopped
        return int(value) + 1 if value is not None and value > 0 else None

    def runs_on(self, ctx):
        return "cuda" if ctx.device == "cuda" else "cpu"


def _deadline_callback(deadline):
    from xgboost.callback import TrainingCallback

    class StopAtDeadline(TrainingCallback):
        def after_iteration(self, model, epoch, evals_log):
            return time.time() > deadline

    return StopAtDeadline()
