"""``automl report`` on files written here: the console script in a subprocess once,
then ``automl._cli.main`` in-process (the same code, without an interpreter start
per call on a busy machine)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.preprocessing import FunctionTransformer

import automl
from automl import AutoPipeline
from automl._model_file import FORMAT, FORMAT_VERSION

AUTOML = shutil.which("automl") or str(Path(sys.executable).parent / "automl")


def run(*args, cwd, python=None):
    command = [sys.executable, "-c", python, *map(str, args)] if python else \
        [AUTOML, *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def table(n, seed):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"size": rng.normal(size=n), "colour": rng.choice(list("rgb"), n),
                          "noise": rng.normal(size=n)})
    frame["price"] = 3 * frame["size"] + frame["colour"].map({"r": 0, "g": 2, "b": -2}) \
        + rng.normal(scale=0.3, size=n)
    return frame


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A regression model file (price), a labelled and an unlabelled CSV."""
    root = tmp_path_factory.mktemp("cli_report")
    train = table(500, 0)
    model = AutoPipeline(time_budget=20, max_trials=2, models=["linear_regression"],
                         random_state=0).fit(train.drop(columns="price"), train["price"])
    automl.save(model, root / "model.skops", metadata={"target": "price"})
    test = table(400, 1)
    test.to_csv(root / "test.csv", index=False)
    test.drop(columns="price").to_csv(root / "new.csv", index=False)
    return root


def cli(*args, cwd, capsys):
    """``automl ARGS`` in-process, from ``cwd``: (status, stdout, stderr)."""
    from automl._cli import main

    old = os.getcwd()
    os.chdir(cwd)
    try:
        status = main([str(a) for a in args])
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return status, out, err


def sections(path):
    return re.findall(r'<section id="([^"]+)">', path.read_text(encoding="utf-8"))


def test_labelled_csv_gives_the_full_report(work, capsys):
    status, out, err = cli("report", "model.skops", "test.csv", "--target", "price", "-o",
                           "full.html", cwd=work, capsys=capsys)
    assert status == 0, err
    assert "Report (full report) written to full.html" in out
    assert sections(work / "full.html") == ["data", "performance", "diagnostics",
                                            "importances", "errors", "search", "model"]


def test_unlabelled_csv_through_the_console_script(work):
    (work / "new.html").write_text("old")
    result = run("report", "model.skops", "new.csv", "-o", "new.html", "--force", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "no labels: predictions and data checks" in result.stdout
    assert sections(work / "new.html") == ["data", "predictions", "search", "model"]


def test_never_overwrites_without_force_and_a_failed_report_leaves_the_old_file(work, capsys):
    out = work / "kept.html"
    out.write_text("mine")
    status, _, err = cli("report", "model.skops", "new.csv", "-o", "kept.html", cwd=work,
                         capsys=capsys)
    assert status == 2 and err.startswith("automl: error: ") and "--force" in err
    assert out.read_text() == "mine"
    bad = work / "bad.csv"
    pd.read_csv(work / "test.csv").assign(price="n/a").to_csv(bad, index=False)
    status, _, err = cli("report", "model.skops", "bad.csv", "--target", "price", "-o",
                         "kept.html", "--force", cwd=work, capsys=capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert out.read_text() == "mine"  # written atomically: nothing half-written
    assert not [p for p in work.iterdir() if p.name.startswith(".kept.html")]


def test_an_untrusted_model_file_fails_like_predict(work, tmp_path, capsys):
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "metadata": {},
               "model": FunctionTransformer(func=os.system)}
    skops.io.dump(payload, tmp_path / "evil.skops")
    shutil.copy(work / "new.csv", tmp_path)
    report = cli("report", "evil.skops", "new.csv", "-o", "r.html", cwd=tmp_path,
                 capsys=capsys)
    predict = cli("predict", "evil.skops", "new.csv", "-o", "p.csv", cwd=tmp_path,
                  capsys=capsys)
    assert report[0] == predict[0] == 2
    assert report[2] == predict[2] and "refusing to load" in report[2]
    assert not (tmp_path / "r.html").exists()


def test_unknown_target_column_is_a_one_line_error(work, capsys):
    status, _, err = cli("report", "model.skops", "test.csv", "--target", "prise", "-o",
                         "x.html", cwd=work, capsys=capsys)
    assert status == 2 and "did you mean 'price'" in err


def test_without_matplotlib_it_names_the_extra(work):
    blocked = ("import sys; sys.modules['matplotlib'] = None; "
               "from automl._cli import main; sys.exit(main(sys.argv[1:]))")
    result = run("report", "model.skops", "new.csv", "-o", "m.html", cwd=work, python=blocked)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "automl: error: the report draws its plots with matplotlib, which is not installed: "
        "pip install 'automl[report]'"]
    assert not (work / "m.html").exists()
