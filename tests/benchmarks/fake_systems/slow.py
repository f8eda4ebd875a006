"""Fake system: predicts the constant, but its fit takes longer than the budget allows."""

import time

from _common import parse_args, run_system
from constant import fit as constant_fit


def fit(train, task):
    time.sleep(task["budget"] + 5.5)  # past budget + max(5 s, 10 %)
    return constant_fit(train, task)


if __name__ == "__main__":
    run_system(fit, parse_args())
