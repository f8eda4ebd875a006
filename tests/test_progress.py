"""Progress of the search from Python: a bar, a line per trial, a callback that stops it."""

import io
import re

import pytest
from sklearn.datasets import load_breast_cancer

from automl import AutoPipeline
from automl._progress import PlainProgress, SearchProgress, TqdmProgress

INFO = {"n_trials": 3, "best_score": 0.9123456, "time_left": 12.4, "trial": None}


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bar_only_where_it_can_be_seen():
    quiet = io.StringIO()  # a log file: not a terminal
    with SearchProgress(1, 60, stream=quiet) as progress:
        assert progress.display is None
        progress(INFO)
    assert quiet.getvalue() == ""
    terminal = _Terminal()
    with SearchProgress(1, 60, stream=terminal) as progress:
        assert isinstance(progress.display, TqdmProgress)
        progress(INFO)
    text = terminal.getvalue()
    assert "trials 3 | best 0.91235 | 12 s left" in text and "\r" in text
    forced = io.StringIO()
    with SearchProgress(1, 60, stream=forced, force=True, plain=True) as progress:
        assert isinstance(progress.display, PlainProgress)
        progress(INFO)
    assert forced.getvalue() == "\r  trials    3 | best 0.91235 |    12 s left \n"


def test_verbose_levels_and_the_callback_result():
    assert SearchProgress(0, 60).log is None and SearchProgress(1, 60).log is None
    assert SearchProgress(2, 60).log is print
    with SearchProgress(2, 60, stream=_Terminal()) as progress:
        assert progress.display is None  # lines, not a bar
    seen = []
    progress = SearchProgress(0, 60, callback=lambda info: seen.append(info) or True)
    assert progress(INFO) is True and seen == [INFO]


def test_callback_returning_true_stops_the_search(capsys):
    X, y = load_breast_cancer(return_X_y=True)
    model = AutoPipeline(time_budget=120, random_state=0, cv=3, verbose=2,
                         callback=lambda info: info["best_score"] is not None).fit(X, y)
    statuses = model.leaderboard_["status"].tolist()
    assert statuses.count("ok") >= 1
    assert len(statuses) <= 3  # stopped after the first success, not after 120 s of trials
    assert set(statuses) <= {"ok", "stopped"}
    out = capsys.readouterr().out
    assert re.search(r"^trial +\d+ \w+ +score 0\.\d+", out, re.M)  # verbose=2: a line per trial
    assert model.predict(X[:3]).shape == (3,)
