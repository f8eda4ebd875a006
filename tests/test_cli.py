"""The ``automl`` console script on files written here.

It runs for real in a subprocess where the process matters (the fit that
writes the module's model file, a predict, ``--debug``'s traceback); the
other cases call its ``main`` in this process, with stdout and stderr
captured at the file descriptors (the same code and output, without a
Python start-up per case on a busy machine).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.preprocessing import FunctionTransformer

from automl._io import atomic_write, read_table
from automl._model_file import FORMAT, FORMAT_VERSION

AUTOML = shutil.which("automl") or str(Path(sys.executable).parent / "automl")
FAST = ["--time-budget", "20", "--max-trials", "3", "--cv", "3", "--quiet"]


def run(*args, cwd):
    return subprocess.run([AUTOML, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """CSV files of breast cancer (string labels, a text column, gaps) and a fitted model."""
    root = tmp_path_factory.mktemp("cli")
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    frame = X.iloc[:, :8].copy()
    frame.insert(0, "id", np.arange(1000, 1000 + len(frame)))
    frame["size band"] = np.where(X["mean area"] > 700, "large", "small")
    frame.loc[frame.index % 17 == 0, "mean texture"] = np.nan
    frame["diagnosis"] = np.where(y == 1, "benign", "malignant")
    train, test = frame.iloc[:400], frame.iloc[400:].sample(frac=1.0, random_state=0)
    train.to_csv(root / "train.csv", index=False)
    test.to_csv(root / "test.csv", sep=";", index=False)  # another delimiter, detected
    result = run("fit", "train.csv", "--target", "diagnosis", "--drop", "id", "-o", "model.skops",
                 *FAST[:-1], cwd=root)
    assert result.returncode == 0, result.stderr
    return root, test, result


def test_fit_prints_the_leaderboard_and_writes_a_skops_file(work):
    root, _, result = work
    assert "rank" in result.stdout and "Chosen:" in result.stdout
    assert "Model written to model.skops" in result.stdout
    assert skops.io.get_untrusted_types(file=root / "model.skops")  # a skops zip


def test_predict_keeps_row_count_order_and_ids(work):
    root, test, _ = work
    result = run("predict", "model.skops", "test.csv", "-o", "pred.csv", "--id-column", "id",
                 cwd=root)
    assert result.returncode == 0, result.stderr
    pred = pd.read_csv(root / "pred.csv")
    assert list(pred.columns) == ["id", "diagnosis"]
    assert pred["id"].tolist() == test["id"].tolist()  # same rows, same (shuffled) order
    accuracy = (pred["diagnosis"].to_numpy() == test["diagnosis"].to_numpy()).mean()
    assert accuracy > 0.9


def test_predict_proba_columns_named_by_class_and_parquet_output(work, cli):
    root, test, _ = work
    result = cli("predict", "model.skops", "test.csv", "-o", "proba.parquet", "--proba",
                 cwd=root)
    assert result.returncode == 0, result.stderr
    proba = pd.read_parquet(root / "proba.parquet")
    assert list(proba.columns) == ["proba_benign", "proba_malignant"]
    assert len(proba) == len(test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_evaluate_text_and_json(work, cli):
    root, _, _ = work
    result = cli("evaluate", "model.skops", "test.csv", "--json", cwd=root)
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["rows"] == 169 and scores["roc_auc"] > 0.95
    assert scores["accuracy"] > 0.9
    text = cli("evaluate", "model.skops", "test.csv", cwd=root).stdout
    assert "roc_auc" in text and "accuracy" in text


def test_info_says_what_the_model_is(work, cli):
    root, _, _ = work
    result = cli("info", "model.skops", "--json", cwd=root)
    info = json.loads(result.stdout)
    assert info["task"] == "binary" and info["target"] == "diagnosis"
    assert info["classes"] == ["benign", "malignant"]
    assert "id" not in info["columns"] and "size band" in info["columns"]
    assert info["versions"]["scikit-learn"]
    text = cli("info", "model.skops", cwd=root).stdout
    assert "task          binary" in text
    # how predict decides: the threshold tuned out of fold, for the decision metric
    assert info["decision_metric"] == "accuracy" and 0 < info["threshold"] < 1
    assert f"decides       malignant where P(malignant) >= {info['threshold']:.4g}, for accuracy" \
        in text


def test_regression_round_trip_with_parquet_input_and_tsv_output(tmp_path, cli):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X.assign(progression=y).to_parquet(tmp_path / "train.parquet")
    result = cli("fit", "train.parquet", "--target", "progression", "-o", "reg.skops", *FAST,
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # --quiet
    result = cli("predict", "reg.skops", "train.parquet", "-o", "pred.tsv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pred = pd.read_csv(tmp_path / "pred.tsv", sep="\t")
    assert pred.shape == (len(y), 1)
    assert np.corrcoef(pred["progression"], y)[0, 1] > 0.6
    result = cli("predict", "reg.skops", "train.parquet", "-o", "p.csv", "--proba", cwd=tmp_path)
    assert result.returncode == 2 and "regression" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["fit", "nope.csv", "--target", "y", "-o", "m.skops"], "nope.csv: no such file"),
    (["fit", "train.csv", "--target", "diagnosys", "-o", "m.skops"],
     "--target 'diagnosys' is not a column of train.csv; did you mean 'diagnosis'"),
    (["fit", "empty.csv", "--target", "y", "-o", "m.skops"], "empty"),
    (["fit", "garbage.csv", "--target", "y", "-o", "m.skops"], "cannot parse"),
    (["fit", "train.csv", "--target", "diagnosis", "-o", "model.skops"],
     "model.skops exists; pass --force"),
    (["predict", "test.csv", "test.csv", "-o", "p.csv"], "not a model file"),
    (["predict", "model.skops", "few_columns.csv", "-o", "p.csv"],
     "few_columns.csv lacks column(s) the model was trained on: 'mean radius'"),
    (["predict", "missing.skops", "test.csv", "-o", "p.csv"], "missing.skops: no such file"),
    (["evaluate", "model.skops", "test.csv", "--target", "nothere"], "'nothere' is not a column"),
])
def test_user_errors_are_one_line_with_exit_status_2(work, cli, args, message):
    root, test, _ = work
    (root / "empty.csv").write_text("")
    (root / "garbage.csv").write_text("a,b\n1,2\n3,4,5,6\n")
    test.drop(columns="mean radius").to_csv(root / "few_columns.csv", index=False)
    result = cli(*args, cwd=root)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("automl: error: "), result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(work):
    root, _, _ = work
    result = run("info", "missing.skops", "--debug", cwd=root)
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_the_input_file_is_never_modified(work, cli):
    root, _, _ = work
    before = (root / "test.csv").read_bytes()
    cli("predict", "model.skops", "test.csv", "-o", "again.csv", "--force", cwd=root)
    cli("predict", "model.skops", "test.csv", "-o", "test.csv", cwd=root)  # refused
    assert (root / "test.csv").read_bytes() == before


def test_secure_loader_refuses_a_foreign_type(tmp_path, cli):
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "metadata": {},
               "model": FunctionTransformer(func=os.system)}
    skops.io.dump(payload, tmp_path / "evil.skops")
    result = cli("info", "evil.skops", cwd=tmp_path)
    assert result.returncode == 2
    assert "refusing to load" in result.stderr and "system" in result.stderr


def test_pickle_only_with_the_flag(work, tmp_path, cli):
    root, _, _ = work
    shutil.copy(root / "train.csv", tmp_path)
    # what is tested is the file format, not the search: one candidate will do
    result = cli("fit", "train.csv", "--target", "diagnosis", "-o", "m.pkl", "--unsafe-pickle",
                 "--time-budget", "20", "--max-trials", "1", "--cv", "3", "--quiet",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning: --unsafe-pickle" in result.stderr
    refused = cli("info", "m.pkl", cwd=tmp_path)
    assert refused.returncode == 2 and "--unsafe-pickle" in refused.stderr
    trusted = cli("info", "m.pkl", "--unsafe-pickle", cwd=tmp_path)
    assert trusted.returncode == 0 and "warning: --unsafe-pickle" in trusted.stderr


def test_progress_line_on_a_terminal():
    import io

    from automl._cli import _Progress

    stream = io.StringIO()
    progress = _Progress(stream)
    progress({"n_trials": 3, "best_score": None, "time_left": 12.4, "trial": None})
    progress({"n_trials": 4, "best_score": 0.91234567, "time_left": -1.0, "trial": None})
    progress.close()
    assert stream.getvalue() == (
        "\r  trials    3 | best - |    12 s left "
        "\r  trials    4 | best 0.91235 |     0 s left \n"
    )


def test_atomic_write_leaves_nothing_when_interrupted(tmp_path):
    target = tmp_path / "out.csv"

    def write_then_die(tmp):
        Path(tmp).write_text("partial,")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, write_then_die)
    assert list(tmp_path.iterdir()) == []
    target.write_text("precious")
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, write_then_die, force=True)
    assert target.read_text() == "precious"  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_reader_detects_delimiters_encodings_and_compression(tmp_path):
    frame = pd.DataFrame({"name": ["café", "naïve"], "x": [1.5, 2.5]})
    frame.to_csv(tmp_path / "a.csv", sep="|", index=False, encoding="latin-1")
    frame.to_csv(tmp_path / "b.tsv.gz", sep="\t", index=False)
    for name in ("a.csv", "b.tsv.gz"):
        pd.testing.assert_frame_equal(read_table(tmp_path / name), frame)
