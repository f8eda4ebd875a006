"""Fake system: the training class priors for every row (or the mean for regression)."""

import os

import numpy as np
from _common import parse_args, run_system


def fit(train, task):
    if os.environ.get("FAKE_COUNT_FILE"):  # lets a test count the runs
        with open(os.environ["FAKE_COUNT_FILE"], "a") as fh:
            fh.write("run\n")
    y = train[task["target"]].to_numpy()

    def predict(test_X):
        n = len(test_X)
        if task["task"] == "regression":
            return np.full(n, y.mean()), None, None
        classes = task["classes"]
        priors = np.array([np.mean(y == c) for c in classes])
        return np.full(n, classes[int(np.argmax(priors))]), np.tile(priors, (n, 1)), classes

    return predict, {"version": "constant 1"}


if __name__ == "__main__":
    run_system(fit, parse_args())
