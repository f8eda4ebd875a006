"""Our AutoPipeline as a benchmark system (runs in the repository's environment)."""

import functools
import importlib.metadata as md
import time
from collections import Counter

from _common import parse_args, run_system

from automl import AutoPipeline  # imported before the fit is timed

ANYTIME_SECONDS = (5, 15, 30, 60, 300)


def anytime_cv(trials, started, seconds=ANYTIME_SECONDS):
    """The best CV score (scorer sign) among candidates on all rows recorded ``t`` s after ``started``."""
    out = {}
    for t in seconds:
        scores = [tr.score for tr in trials
                  if tr.ok and tr.train_fraction == 1.0 and tr.end_time - started <= t]
        out[str(t)] = max(scores) if scores else None
    return out


def fit(train, task, search="bayes", selection="best", portfolio="handwritten"):
    X = train.drop(columns=[task["target"]])
    y = train[task["target"]]
    groups = X.pop(task["group_column"]) if task["group_column"] else None
    model = AutoPipeline(time_budget=task["budget"], task=task["task"],
                         time_column=task["time_column"],
                         categorical_columns=task["categorical_columns"] or None,
                         n_jobs=task["n_jobs"], random_state=task["seed"], search=search,
                         selection=selection, portfolio=portfolio)
    started = time.time()
    model.fit(X, y, groups=groups)

    def predict(test_X):
        if task["task"] == "regression":
            return model.predict(test_X), None, None
        return model.predict(test_X), model.predict_proba(test_X), list(model.classes_)

    # trials that raised: a family failing on every dataset of a kind is a bug
    # (LightGBM's string labels went unseen for a day as quiet "error" rows)
    errors = Counter(t.family.name for t in model.trials_ if t.status == "error")
    info = {"version": md.version("automl"), "n_trials": len(model.trials_), "search": search,
            "selection": model.selection_, "portfolio": portfolio,
            # candidates cross-validated on all rows (halving, hyperband: on fewer too)
            "n_trials_all_rows": sum(t.train_fraction == 1.0 for t in model.trials_),
            "failed_trials": dict(errors),
            "best_family": model.best_config_["family"],
            "ensemble": model.ensemble_.attrs["kind"], "n_members": len(model.ensemble_),
            # which kinds of model the search tried and the final model weighs
            "trials_by_family": dict(Counter(t.family.name for t in model.trials_)),
            "weight_by_family": {family: round(float(w), 3) for family, w in
                                 model.ensemble_.groupby("family")["weight"].sum().items()},
            # the search's own estimate (scorer sign: greater is better), to
            # compare with the test score when profiling a loss
            "cv_best": model.best_score_, "cv_ensemble": model.ensemble_.attrs["oof_score"],
            "metric": model.metric_, "cv": model.cv_,
            # why no ensemble, or why members were dropped
            "ensemble_notes": list(model.ensemble_notes_),
            # the search's anytime curve: its best CV score after 5, 15, ... s of the fit
            "anytime_cv": anytime_cv(model.trials_, started)}
    return predict, info


if __name__ == "__main__":
    args = parse_args({"--search": {"default": "bayes", "help": "AutoPipeline's search="},
                       "--selection": {"default": "best", "help": "AutoPipeline's selection="},
                       "--portfolio": {"default": "handwritten", "help": "AutoPipeline's portfolio="}})
    run_system(functools.partial(fit, search=args.search, selection=args.selection,
                                 portfolio=args.portfolio), args)
