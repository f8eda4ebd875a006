"""Linear models: logistic regression and penalised least squares (cuML's on the GPU)."""

from skopt.space import Categorical, Real
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge

from automl.search._label import LabelEncodedClassifier
from automl.search.families._base import ModelFamily


class LogisticRegressionFamily(ModelFamily):
    """scikit-learn's ``LogisticRegression`` with an L2, L1 or elastic-net penalty.

    lbfgs for the L2 penalty, saga for the others; cuML's
    ``LogisticRegression`` (labels encoded ``0..k-1``) on the GPU when cuML
    is installed.
    """

    name = "logistic_regression"
    tasks = ("classification",)
    default_params = {"C": 1.0, "penalty": "l2", "l1_ratio": 0.5}
    linear = True
    class_weight = True
    cuml = True

    def space(self, ctx):
        return {
            "C": Real(1e-3, 1e2, prior="log-uniform"),
            "penalty": Categorical(["l2", "l1", "elasticnet"]),
            "l1_ratio": Real(0.05, 0.95),
        }

    def build(self, task, params, ctx):
        l1_ratio = {"l2": 0.0, "l1": 1.0}.get(params["penalty"], params["l1_ratio"])
        if self.uses_cuml(ctx):
            from cuml.linear_model import LogisticRegression as CumlLogisticRegression

            penalty = {0.0: "l2", 1.0: "l1"}.get(l1_ratio, "elasticnet")
            return LabelEncodedClassifier(CumlLogisticRegression(
                C=params["C"], penalty=penalty,
                l1_ratio=l1_ratio if penalty == "elasticnet" else None,
                max_iter=1000, class_weight=params.get("class_weight"),
            ))
        return LogisticRegression(
            C=params["C"], l1_ratio=l1_ratio, solver="lbfgs" if l1_ratio == 0 else "saga",
            max_iter=300, tol=1e-3, class_weight=params.get("class_weight"),
            random_state=ctx.random_state,
        )


class LinearRegressionFamily(ModelFamily):
    """scikit-learn's ``Ridge``, ``Lasso`` or ``ElasticNet`` (cuML's on the GPU)."""

    name = "linear_regression"
    tasks = ("regression",)
    default_params = {"penalty": "ridge", "alpha": 1.0, "l1_ratio": 0.5}
    linear = True
    cuml = True

    def space(self, ctx):
        return {
            "penalty": Categorical(["ridge", "lasso", "elasticnet"]),
            "alpha": Real(1e-4, 1e2, prior="log-uniform"),
            "l1_ratio": Real(0.05, 0.95),
        }

    def build(self, task, params, ctx):
        penalty, alpha = params["penalty"], params["alpha"]
        if self.uses_cuml(ctx):
            from cuml import linear_model as cl

            if penalty == "ridge":
                return cl.Ridge(alpha=alpha)
            if penalty == "lasso":
                return cl.Lasso(alpha=alpha, max_iter=2000, tol=1e-3)
            return cl.ElasticNet(alpha=alpha, l1_ratio=params["l1_ratio"], max_iter=2000,
                                 tol=1e-3)
        if penalty == "ridge":
            return Ridge(alpha=alpha)
        if penalty == "lasso":
            return Lasso(alpha=alpha, max_iter=2000, tol=1e-3, random_state=ctx.random_state)
        return ElasticNet(alpha=alpha, l1_ratio=params["l1_ratio"], max_iter=2000, tol=1e-3,
                          random_state=ctx.random_state)
