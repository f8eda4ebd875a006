"""AutoGluon-Tabular's ``TabularPredictor`` as a benchmark system (its own environment).

``--presets`` picks AutoGluon's preset (``medium_quality`` or ``best_quality``).
"""

import importlib.metadata as md
from pathlib import Path

from _common import group_folds, parse_args, run_system
from autogluon.tabular import TabularPredictor  # imported before the fit is timed

# AutoGluon's own number of bagging folds for its best_quality preset.
BAG_FOLDS = 8
METRICS = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "root_mean_squared_error"}


def main():
    args = parse_args({"--presets": {"default": "medium_quality"}})

    def fit(train, task):
        bagged = args.presets.startswith(("best", "high", "extreme"))
        # AutoGluon uses groups for its bagging folds only, leaving out one
        # value of the column per fold (LeaveOneGroupOut): 4,298 folds on
        # nlswork's people, 38 on cces_vote_2016's states, and no model
        # finished in the budget. It gets group-aware fold numbers instead,
        # as its documentation suggests.
        group = None
        if task["group_column"]:
            train_groups = train[task["group_column"]]
            train = train.drop(columns=[task["group_column"]])
            if bagged:
                group = "_bag_fold"
                train[group] = group_folds(train_groups, BAG_FOLDS)
        model = TabularPredictor(label=task["target"], problem_type=task["task"],
                                 eval_metric=METRICS[task["task"]], groups=group,
                                 path=str(Path(args.out) / "models"), verbosity=0)
        model.fit(train, time_limit=task["budget"], presets=args.presets,
                  num_cpus=task["n_jobs"], num_gpus=0)

        def predict(test_X):
            if task["task"] == "regression":
                return model.predict(test_X).to_numpy(), None, None
            proba = model.predict_proba(test_X)
            return model.predict(test_X).to_numpy(), proba.to_numpy(), list(proba.columns)

        info = {"version": md.version("autogluon.tabular"), "presets": args.presets,
                "best_model": model.model_best, "n_models": len(model.model_names())}
        return predict, info

    run_system(fit, args)


if __name__ == "__main__":
    main()
