"""FLAML's ``AutoML`` as a benchmark system (runs in its own virtual environment)."""

import importlib.metadata as md

from _common import parse_args, run_system
from flaml import AutoML  # imported before the fit is timed

METRICS = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}


def fit(train, task):
    X = train.drop(columns=[task["target"]])
    y = train[task["target"]]
    kwargs = {}
    if task["group_column"]:
        kwargs.update(groups=X.pop(task["group_column"]).to_numpy(), split_type="group")
    elif task["time_column"]:  # the driver hands over time-ordered training rows
        kwargs.update(split_type="time")
    model = AutoML()
    model.fit(X_train=X, y_train=y, time_budget=task["budget"], metric=METRICS[task["task"]],
              task="regression" if task["task"] == "regression" else "classification",
              n_jobs=task["n_jobs"], seed=task["seed"], verbose=0, **kwargs)

    def predict(test_X):
        if task["task"] == "regression":
            return model.predict(test_X), None, None
        return model.predict(test_X), model.predict_proba(test_X), list(model.classes_)

    return predict, {"version": md.version("flaml"), "best_estimator": model.best_estimator,
                     "n_trials": len(model.config_history), "best_loss": model.best_loss}


if __name__ == "__main__":
    run_system(fit, parse_args())
