"""Fake system: fails during fit."""

from _common import parse_args, run_system


def fit(train, task):
    raise RuntimeError("the fake system crashed on purpose")


if __name__ == "__main__":
    run_system(fit, parse_args())
