"""``automl predict``'s drift lines, --strict, --quiet and --ood-column; ``automl info``'s profile.

On a model file written here by a real (small) search. The console script
runs for real in a subprocess once; the other cases call its ``main`` in
this process (the same code, without a Python start-up per case).
"""

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from automl import AutoPipeline
from automl._model_file import describe, save_model

AUTOML = shutil.which("automl") or str(Path(sys.executable).parent / "automl")


def run(*args, cwd):
    return subprocess.run([AUTOML, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def drift_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("automl: drift: ")]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A model of breast cancer (with a text column), clean and drifted CSV files."""
    root = tmp_path_factory.mktemp("cli_drift")
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    frame = X.iloc[:, :8].copy()
    frame["band"] = np.where(X["mean area"] > 700, "large", "small")
    frame.insert(0, "id", np.arange(len(frame)))
    train, test = frame.iloc[:400], frame.iloc[400:].reset_index(drop=True)
    features = train.drop(columns="id")
    model = AutoPipeline(time_budget=60, max_trials=2, models=["logistic_regression"], cv=3,
                         random_state=0).fit(features, y[:400])
    meta = describe(model, target="diagnosis", train_file="train.csv",
                    dtypes={c: str(t) for c, t in features.dtypes.items()})
    save_model(model, root / "model.skops", metadata=meta)
    old = copy.copy(model)
    del old.training_profile_  # a model saved before profiles existed
    save_model(old, root / "old.skops", metadata=meta)
    test.to_csv(root / "clean.csv", index=False)
    bad = test.copy()
    bad["mean radius"] += 5 * train["mean radius"].std()
    bad.loc[:4, "band"] = "medium"
    bad.to_csv(root / "drifted.csv", index=False)
    test.assign(**{"mean area": test["mean area"].astype(str) + " mm2"}).to_csv(
        root / "text.csv", index=False)
    return root, len(test)


def test_clean_rows_no_drift_line_and_an_ood_column(work, cli):
    root, n = work
    result = cli("predict", "model.skops", "clean.csv", "-o", "clean_pred.csv",
                 "--ood-column", "ood", "--id-column", "id", cwd=root)
    assert result.returncode == 0, result.stderr
    assert drift_lines(result.stderr) == []
    pred = pd.read_csv(root / "clean_pred.csv")
    assert list(pred.columns) == ["id", "diagnosis", "ood"]
    assert pred["ood"].between(0, 1).all() and pred["ood"].median() < 0.9


def test_drifted_rows_one_line_per_column_on_stderr(work):
    root, n = work
    result = run("predict", "model.skops", "drifted.csv", "-o", "drift_pred.csv",
                 "--ood-column", "ood", cwd=root)
    assert result.returncode == 0, result.stderr
    lines = drift_lines(result.stderr)
    assert len(lines) == 2
    assert lines[0].startswith("automl: drift: column 'mean radius': ")
    assert lines[1] == (f"automl: drift: column 'band': unseen categories in 5 of {n} rows "
                        f"({5 / n:.1%}), e.g. 'medium'")
    assert (root / "drift_pred.csv").exists()
    assert "predictions written" in result.stdout


def test_strict_makes_drift_an_error(work, cli):
    root, _ = work
    result = cli("predict", "model.skops", "drifted.csv", "-o", "strict.csv", "--strict",
                 cwd=root)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "automl: error: --strict: 2 column(s) drifted from the training data "
        "('mean radius', 'band'); nothing written.")
    assert not (root / "strict.csv").exists()


def test_quiet_silences_drift(work, cli):
    root, _ = work
    result = cli("predict", "model.skops", "drifted.csv", "-o", "quiet.csv", "--quiet",
                 cwd=root)
    assert result.returncode == 0 and result.stderr == "" and result.stdout == ""
    assert (root / "quiet.csv").exists()


def test_numbers_turned_text_explained_then_one_line_error(work, cli):
    root, _ = work
    result = cli("predict", "model.skops", "text.csv", "-o", "text_pred.csv", cwd=root)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("automl: drift: column 'mean area': type changed: numbers at "
                               "fit, now ")
    assert lines[-1].startswith("automl: error: ") and "mean area" in lines[-1]
    assert "Traceback" not in result.stderr


def test_info_shows_the_profile(work, cli):
    root, _ = work
    result = cli("info", "model.skops", cwd=root)
    assert result.returncode == 0, result.stderr
    assert ("drift profile 9 columns (8 numeric, 1 categorical) from 400 rows; OOD detector "
            "knn on 400 rows") in result.stdout
    assert "band: categorical, 2 categories (small " in result.stdout


def test_old_model_file_predicts_with_a_note(work, cli):
    root, n = work
    result = cli("predict", "old.skops", "drifted.csv", "-o", "old_pred.csv", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("automl: note: This model has no training profile")
    assert "drift checks are unavailable" in result.stderr
    assert len(pd.read_csv(root / "old_pred.csv")) == n
    info = cli("info", "old.skops", cwd=root)
    assert "drift profile none: drift checks are unavailable" in info.stdout
