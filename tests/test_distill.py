"""Distillation: the student predicts like its teacher, in the teacher's terms, and ships."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import FixedThresholdClassifier
from sklearn.pipeline import Pipeline

import automl
from automl import AutoClassifier, AutoRegressor
from automl._cli import main
from automl._distill import distill


def _table(n, seed):
    rng = np.random.RandomState(seed)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                         "colour": rng.choice(["red", "green", "blue"], n)})


def _teacher(cls, X, y, models):
    # max_trials binds, not the budget: the same teacher on a busy machine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(time_budget=60, max_trials=1, models=models, cv=3, n_jobs=1,
                   random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def binary():
    """A planted binary case: the class is the sign of a + (colour == red), a linear rule."""
    X = _table(300, 0)
    y = np.where(X["a"] + (X["colour"] == "red") > 0.3, "yes", "no")
    return X, y, _teacher(AutoClassifier, X, y, ["logistic_regression"])


@pytest.fixture(scope="module")
def multiclass():
    X = _table(300, 1)
    y = np.select([X["a"] > 0.5, X["b"] > 0], ["high", "mid"], "low")
    return X, y, _teacher(AutoClassifier, X, y, ["logistic_regression"])


@pytest.fixture(scope="module")
def regression():
    """A planted regression case: the teacher is a linear model of a and b."""
    X = _table(300, 2)
    y = 3 * X["a"] - 2 * X["b"] + np.random.RandomState(0).normal(scale=0.1, size=300)
    return X, y.to_numpy(), _teacher(AutoRegressor, X, y, ["linear_regression"])


@pytest.fixture(scope="module")
def binary_student(binary):
    X, y, teacher = binary
    return teacher.distill(X, y, time_budget=10, random_state=0)


def test_binary_student_has_the_teachers_interface_and_follows_it(binary, binary_student):
    X, y, teacher = binary
    student = binary_student
    X_new = _table(500, 10)
    assert list(student.classes_) == ["no", "yes"]
    assert list(student.feature_names_in_) == ["a", "b", "colour"]
    proba = student.predict_proba(X_new)
    assert proba.shape == (500, 2) and np.allclose(proba.sum(axis=1), 1)
    assert set(student.predict(X_new)) <= {"no", "yes"}
    # the planted rule is simple: on fresh rows the student decides as the teacher does
    agreement = np.mean(student.predict(X_new) == teacher.predict(X_new))
    assert agreement >= 0.95
    assert np.mean(np.abs(proba - teacher.predict_proba(X_new))) < 0.05
    record = student.distillation_
    assert record["selected_by"] == "true labels"
    assert record["rows_real"] == 300 and record["rows_synthetic"] == 240
    assert record["num_leaves"] in (15, 63) and 1 <= record["n_rounds"] <= 1000


def test_binary_student_uses_the_teachers_threshold(binary, binary_student):
    X, y, teacher = binary
    student = binary_student
    if teacher.threshold_ is None:
        assert isinstance(student, Pipeline)
    else:
        assert isinstance(student, FixedThresholdClassifier)
        assert student.threshold == teacher.threshold_
        p = student.predict_proba(X)[:, 1]
        assert np.array_equal(student.predict(X), np.where(p >= teacher.threshold_, "yes", "no"))


def test_multiclass_student_with_string_labels(multiclass):
    X, y, teacher = multiclass
    student = distill(teacher, X, y, time_budget=10, random_state=0)
    assert isinstance(student, Pipeline)
    assert list(student.classes_) == ["high", "low", "mid"]
    X_new = _table(400, 11)
    assert student.predict_proba(X_new).shape == (400, 3)
    assert np.mean(student.predict(X_new) == teacher.predict(X_new)) >= 0.9


def test_regression_student_matches_a_linear_teacher(regression):
    X, y, teacher = regression
    student = distill(teacher, X, y, time_budget=10, random_state=0)
    X_new = _table(400, 12)
    X_new = X_new[(X_new["a"].abs() < 2) & (X_new["b"].abs() < 2)]  # inside the training range
    expected = teacher.predict(X_new)
    got = student.predict(X_new)
    assert got.shape == expected.shape
    r2 = 1 - np.mean((got - expected) ** 2) / np.var(expected)
    assert r2 > 0.95
    assert student.distillation_["fidelity_holdout"]["r2_to_teacher"] > 0.9


def test_without_labels_the_size_is_chosen_by_fidelity(regression):
    X, _, teacher = regression
    student = distill(teacher, X, time_budget=10, augment=False, random_state=0)
    record = student.distillation_
    assert record["selected_by"] == "teacher outputs"
    assert record["rows_synthetic"] == 0 and record["teacher_holdout_score"] is None


def test_hist_gradient_boosting_student(multiclass):
    X, y, teacher = multiclass
    student = distill(teacher, X, y, time_budget=10, student="hist_gradient_boosting",
                      random_state=0)
    assert type(student.named_steps["model"]).__name__ == "HistGradientBoostingClassifier"
    assert student.named_steps["model"].n_iter_ == student.distillation_["n_rounds"]
    assert list(student.classes_) == ["high", "low", "mid"]
    assert student.predict_proba(X).shape == (300, 3)


def test_student_round_trips_through_a_skops_file(binary, binary_student, tmp_path):
    X, y, teacher = binary
    student = binary_student
    path = tmp_path / "small.skops"
    automl.save(student, path)
    loaded = automl.load(path)
    assert np.array_equal(loaded.predict_proba(X), student.predict_proba(X))
    assert np.array_equal(loaded.predict(X), student.predict(X))
    with pytest.raises(FileExistsError):
        automl.save(student, path)


@pytest.mark.parametrize("kwargs, match", [
    ({"time_budget": 0}, "time_budget"),
    ({"student": "xgboost"}, "student must be one of"),
    ({"random_state": -1}, "random_state"),
])
def test_bad_parameters(binary, kwargs, match):
    X, y, teacher = binary
    with pytest.raises(ValueError, match=match):
        distill(teacher, X, y, **kwargs)


def test_bad_input(binary):
    X, y, teacher = binary
    with pytest.raises(ValueError, match="does not keep its training table"):
        teacher.distill()
    with pytest.raises(ValueError, match="never saw: maybe"):
        distill(teacher, X, np.where(y == "yes", "maybe", y))
    with pytest.raises(ValueError, match="one label per row"):
        distill(teacher, X, y[:10])
    with pytest.raises(ValueError, match="at least 20 rows"):
        distill(teacher, X.iloc[:5], y[:5])
    with pytest.raises(ValueError, match="missing at predict time"):
        distill(teacher, X.drop(columns="b"), y)
    with pytest.raises(TypeError, match="fitted AutoPipeline"):
        distill(teacher.model_, X, y)


def test_cli_distill_writes_a_student_that_predicts(binary, tmp_path, capsys):
    X, y, teacher = binary
    model, train = tmp_path / "model.skops", tmp_path / "train.csv"
    automl.save(teacher, model, metadata={"target": "label", "train_file": str(train)})
    X.assign(label=y).to_csv(train, index=False)
    small = tmp_path / "small.skops"
    argv = ["distill", str(model), str(train), "--target", "label", "-o", str(small),
            "--time-budget", "10"]
    assert main(argv) == 0
    assert "Student written to" in capsys.readouterr().out
    loaded = automl.load(small)
    assert list(loaded.classes_) == ["no", "yes"]
    assert np.mean(loaded.predict(X) == teacher.predict(X)) >= 0.95
    assert main(argv) == 2  # no overwrite without --force
    assert "exists; pass --force" in capsys.readouterr().err
    assert main(["info", str(small)]) == 0
    out = capsys.readouterr().out
    assert "distilled" in out and "leaves" in out and "best logistic_regression" in out
    assert "MB (skops, deflated): Booster" in out  # LightGBM's trees take the space
    assert main(["info", str(model)]) == 0
    assert "MB (skops, deflated)" in capsys.readouterr().out
    predictions = tmp_path / "p.csv"
    assert main(["predict", str(small), str(train), "-o", str(predictions), "--quiet"]) == 0
    assert pd.read_csv(predictions)["label"].tolist() == list(loaded.predict(X))
    assert main(["evaluate", str(small), str(train), "--json"]) == 0
    assert '"accuracy"' in capsys.readouterr().out


def test_cli_distill_errors_are_one_line(binary, tmp_path, capsys):
    X, y, teacher = binary
    model, train = tmp_path / "model.skops", tmp_path / "train.csv"
    automl.save(teacher, model, metadata={"target": "label"})
    X.assign(label=y).to_csv(train, index=False)
    cases = [
        ["--target", "lable"],             # a typo: did you mean
        ["--time-budget", "0"],
    ]
    for extra in cases:
        assert main(["distill", str(model), str(train), "-o", str(tmp_path / "s.skops"),
                     *extra]) == 2
        err = capsys.readouterr().err
        assert err.startswith("automl: error: ") and err.count("\n") == 1
    X.drop(columns="colour").to_csv(train, index=False)
    assert main(["distill", str(model), str(train), "-o", str(tmp_path / "s.skops")]) == 2
    assert "lacks column(s)" in capsys.readouterr().err


def test_file_parts_account_for_the_file(binary_student, tmp_path):
    from automl._model_size import file_parts

    path = tmp_path / "small.skops"
    automl.save(binary_student, path)
    parts = file_parts(path)
    assert next(iter(parts)) == "Booster"  # the largest: LightGBM's trees
    assert {"TablePreprocessor", "FixedThresholdClassifier", "file metadata"} <= set(parts) or \
        {"TablePreprocessor", "file metadata"} <= set(parts)
    assert 0.9 * path.stat().st_size <= sum(parts.values()) <= path.stat().st_size
