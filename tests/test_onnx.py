"""ONNX export (automl.to_onnx, ``automl export``): the ONNX runtime predicts what we predict.

Every graph runs in a real onnxruntime session and is compared with the
fitted scikit-learn object on the same rows, unseen categories and gaps
included. Numbers travel as float32 in ONNX: probabilities agree to 1e-5
here, and labels exactly.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import FixedThresholdClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

import automl
from automl import AutoClassifier, onnx_inputs, to_onnx
from automl._distill import distill
from automl._onnx import input_columns
from automl.ensemble import WeightedEnsembleClassifier
from automl.search import LabelEncodedClassifier
from automl.selectors import Chi2Selector
from automl.transformers import CrossFeatures, LogTransformer, OutlierClipper, TablePreprocessor
from automl.transformers._log import signed_expm1, signed_log1p

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")
pytest.importorskip("onnxmltools")


def run(graph, X):
    """The graph's outputs on ``X`` in onnxruntime, by name."""
    session = ort.InferenceSession(graph.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, onnx_inputs(graph, X))))


def table(n, seed, *, unseen=False):
    """Numbers with gaps, a boolean, a 3-category and a 30-category column; a binary target."""
    rng = np.random.default_rng(seed)
    size = rng.normal(50, 20, n)
    size[rng.random(n) < 0.1] = np.nan
    city = rng.integers(0, 30, n)
    X = pd.DataFrame({
        "size": size,
        "rooms": rng.integers(1, 6, n).astype(float),
        "new": rng.random(n) < 0.3,
        "color": rng.choice(["red", "green", "blue", None], n, p=[0.4, 0.3, 0.2, 0.1]),
        "city": [f"c{c}" for c in city],
    })
    if unseen:  # categories never seen at fit, and a column entirely missing here
        X.loc[:4, "color"] = "purple"
        X.loc[5:9, "city"] = "elsewhere"
    logit = (np.nan_to_num(size, nan=50) - 50) / 15 + (city % 3 == 0) - X["new"] \
        + (X["color"] == "red")
    y = (logit + rng.logistic(size=n) > 0.5).astype(int)
    return X, y


@pytest.fixture(scope="module")
def data():
    X, y = table(600, 0)
    X_new, _ = table(200, 1, unseen=True)
    return X, y, X_new


@pytest.mark.parametrize("params, fit_y", [
    ({}, True),                                           # one-hot and target encoding
    ({}, False),                                          # ordinal codes without y
    ({"categorical_encoding": "native"}, True),           # native categories (as codes)
    ({"max_onehot_cardinality": 40}, True),               # all one-hot
])
def test_the_table_gives_what_transform_gives(data, params, fit_y):
    X, y, X_new = data
    pre = TablePreprocessor(**params).fit(X, y if fit_y else None)
    graph = to_onnx(Pipeline([("table", pre)]))
    assert [i.name for i in graph.graph.input] == ["size", "rooms", "new", "color", "city"]
    expected = pre.transform(X_new)
    if isinstance(expected, pd.DataFrame):  # native columns: their codes, NaN when unseen
        expected = np.column_stack([
            expected[c].cat.codes.replace(-1, np.nan) if hasattr(expected[c], "cat")
            else expected[c] for c in expected.columns]).astype(float)
    got = run(graph, X_new)["variable"]
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_multiclass_target_encoding(data):
    X, y, X_new = data
    y3 = np.where(X["city"].str[1:].astype(int) % 3 == 0, "a", np.where(y == 1, "b", "c"))
    pre = TablePreprocessor(max_onehot_cardinality=5).fit(X, y3)
    assert pre.categorical_encoding_["city"] == "target"
    got = run(to_onnx(Pipeline([("table", pre)])), X_new)["variable"]
    np.testing.assert_allclose(got, pre.transform(X_new), rtol=1e-6, atol=1e-6)


def assert_same_predictions(model, graph, X, atol=1e-5):
    out = run(graph, X)
    np.testing.assert_array_equal(out["label"], model.predict(X))
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(X), atol=atol)


@pytest.mark.parametrize("steps", [
    [StandardScaler(), LogisticRegression(max_iter=1000)],
    [OutlierClipper(), LogTransformer(), StandardScaler(), Chi2Selector(k=0.5),
     LogisticRegression(max_iter=1000)],
    [StandardScaler(), PolynomialFeatures(2), LogisticRegression(max_iter=500)],
    [RandomForestClassifier(30, random_state=0)],
], ids=["linear", "own_steps", "poly2", "forest"])
def test_pipelines_predict_alike(data, steps):
    X, y, X_new = data
    model = make_pipeline(TablePreprocessor(), *steps).fit(X, y)
    assert_same_predictions(model, to_onnx(model), X_new)


def test_neighbors_predict_alike_where_the_neighbours_are_not_tied(data):
    # rows imputed to the median share distances: where the 7th and 8th
    # neighbours are equally far, the ONNX runtime's TopK and scikit-learn may
    # keep different ones, so only those rows may differ
    X, y, X_new = data
    model = make_pipeline(TablePreprocessor(random_state=0), KNeighborsClassifier(7)).fit(X, y)
    out = run(to_onnx(model), X_new)
    distances, _ = model[-1].kneighbors(model[0].transform(X_new), n_neighbors=8)
    tied = np.isclose(distances[:, 6], distances[:, 7], rtol=1e-5, atol=1e-5)
    assert 0 < tied.sum() < len(X_new) / 4  # 2 of 200 rows with these seeds
    np.testing.assert_array_equal(out["label"][~tied], model.predict(X_new)[~tied])
    np.testing.assert_allclose(out["probabilities"][~tied], model.predict_proba(X_new)[~tied],
                               atol=1e-5)


@pytest.mark.parametrize("booster", ["hist_gradient_boosting", "lightgbm", "xgboost"])
def test_boosters_on_native_categories_predict_alike(data, booster):
    X, y, X_new = data
    if booster == "hist_gradient_boosting":
        model = HistGradientBoostingClassifier(max_iter=40, random_state=0)
        encoding = "auto"  # skl2onnx has no categorical splits for it
    elif booster == "lightgbm":
        from lightgbm import LGBMClassifier

        model, encoding = LGBMClassifier(n_estimators=40, verbose=-1, random_state=0), "native"
    else:
        from xgboost import XGBClassifier

        model, encoding = XGBClassifier(n_estimators=40, random_state=0), "auto"
    pipe = make_pipeline(TablePreprocessor(categorical_encoding=encoding), model).fit(X, y)
    assert_same_predictions(pipe, to_onnx(pipe), X_new)


def test_multiclass_and_regression_boosters(data):
    from lightgbm import LGBMClassifier, LGBMRegressor

    X, y, X_new = data
    y3 = np.where(X["city"].str[1:].astype(int) % 3 == 0, "a", np.where(y == 1, "b", "c"))
    native = TablePreprocessor(categorical_encoding="native")
    clf = make_pipeline(native, LGBMClassifier(n_estimators=30, verbose=-1)).fit(X, y3)
    assert_same_predictions(clf, to_onnx(clf), X_new)
    target = np.nan_to_num(X["size"], nan=50) + 10 * (X["color"] == "red")
    reg = make_pipeline(TablePreprocessor(categorical_encoding="native", target_type="continuous"),
                        LGBMRegressor(n_estimators=30, verbose=-1)).fit(X, target)
    got = run(to_onnx(reg), X_new)["variable"].ravel()
    np.testing.assert_allclose(got, reg.predict(X_new), rtol=1e-5, atol=1e-4)


def test_encoded_labels_are_decoded(data):
    from xgboost import XGBClassifier

    X, y, X_new = data
    labels = np.where(y == 1, "yes", "no")
    pipe = make_pipeline(TablePreprocessor(), LabelEncodedClassifier(
        XGBClassifier(n_estimators=30, random_state=0))).fit(X, labels)
    graph = to_onnx(pipe)
    assert_same_predictions(pipe, graph, X_new)
    fixed = FixedThresholdClassifier(pipe, threshold=0.25,
                                     response_method="predict_proba").fit(X, labels)
    np.testing.assert_array_equal(run(to_onnx(fixed), X_new)["label"], fixed.predict(X_new))


def test_samplers_and_skipped_steps_do_nothing_at_predict_time(data):
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import Pipeline as SamplingPipeline

    X, y, X_new = data
    model = SamplingPipeline([("table", TablePreprocessor()), ("skip", "passthrough"),
                              ("sample", RandomOverSampler(random_state=0)),
                              ("model", LogisticRegression(max_iter=1000))]).fit(X, y)
    assert_same_predictions(model, to_onnx(model), X_new)


def test_the_threshold_decides_the_label(data):
    X, y, X_new = data
    pipe = make_pipeline(TablePreprocessor(), LogisticRegression(max_iter=1000)).fit(X, y)
    for threshold, pos_label in [(0.8, 1), (0.2, 1), (0.3, 0)]:
        fixed = FixedThresholdClassifier(pipe, threshold=threshold, pos_label=pos_label,
                                         response_method="predict_proba").fit(X, y)
        out = run(to_onnx(fixed), X_new)
        np.testing.assert_array_equal(out["label"], fixed.predict(X_new))
        # a threshold that decides differently from the arg-max
        assert (fixed.predict(X_new) != pipe.predict(X_new)).any()
    labels = np.where(y == 1, "yes", "no")
    linear = make_pipeline(TablePreprocessor(), LogisticRegression(max_iter=1000))
    fixed = FixedThresholdClassifier(linear, threshold=0.7,
                                     response_method="predict_proba").fit(X, labels)
    np.testing.assert_array_equal(run(to_onnx(fixed), X_new)["label"], fixed.predict(X_new))


def test_the_log_target_is_mapped_back(data):
    X, _, X_new = data
    y = np.exp(np.nan_to_num(X["size"], nan=50) / 25) + X["rooms"] * 3
    model = make_pipeline(TablePreprocessor(target_type="continuous"), TransformedTargetRegressor(
        Ridge(), func=signed_log1p, inverse_func=signed_expm1, check_inverse=False)).fit(X, y)
    got = run(to_onnx(model), X_new)["variable"].ravel()
    np.testing.assert_allclose(got, model.predict(X_new), rtol=1e-5)


@pytest.fixture(scope="module")
def fitted(data):
    """An AutoClassifier of one pipeline (its threshold tuned) and its LightGBM student."""
    X, y, _ = data
    # max_trials ends the search; the budget only has to outlast a busy machine
    model = AutoClassifier(time_budget=120, max_trials=4, cv=3, random_state=0, ensemble="none",
                           models=["logistic_regression", "lightgbm"]).fit(X, y)
    student = distill(model, X, y, time_budget=30, random_state=0)
    return model, student


def test_an_auto_pipeline_of_one_pipeline_exports(data, fitted):
    _, _, X_new = data
    model, _ = fitted
    assert isinstance(model.model_, FixedThresholdClassifier)  # binary: a tuned threshold
    assert_same_predictions(model, to_onnx(model), X_new)


def test_the_distilled_student_exports(data, fitted):
    _, y, X_new = data
    model, student = fitted
    graph = to_onnx(student)
    out = run(graph, X_new)
    np.testing.assert_array_equal(out["label"], student.predict(X_new))
    np.testing.assert_allclose(out["probabilities"], student.predict_proba(X_new), atol=1e-5)
    assert set(np.unique(out["label"])) <= set(model.classes_)


def test_what_does_not_convert_is_named(data):
    X, y, _ = data
    members = [(name, make_pipeline(TablePreprocessor(), est)) for name, est in
               [("linear", LogisticRegression(max_iter=1000)),
                ("neighbors", KNeighborsClassifier())]]
    ensemble = WeightedEnsembleClassifier(members).fit(X, y)
    with pytest.raises(ValueError, match="this model is a WeightedEnsembleClassifier. Distill"):
        to_onnx(ensemble)
    cross = make_pipeline(TablePreprocessor(), CrossFeatures(n_top=2),
                          LogisticRegression(max_iter=1000))
    with pytest.raises(ValueError, match=r"step 'crossfeatures' \(CrossFeatures\) does not"):
        to_onnx(cross.fit(X, y))
    for model in (HistGradientBoostingClassifier(max_iter=5), RandomForestClassifier(5)):
        native = make_pipeline(TablePreprocessor(categorical_encoding="native"), model)
        with pytest.raises(ValueError, match=r"splits on native categories \('color', 'city'\)"
                                             ", which convert to ONNX only for LightGBM"):
            to_onnx(native.fit(X, y))
    dated = X.assign(day=pd.date_range("2024-01-01", periods=len(X)).astype(str))
    pipe = make_pipeline(TablePreprocessor(), LogisticRegression(max_iter=1000)).fit(dated, y)
    with pytest.raises(ValueError, match="datetime columns do not convert to ONNX: 'day'"):
        to_onnx(pipe)
    with pytest.raises(ValueError, match="Distill it into one"):
        to_onnx(LogisticRegression().fit(X[["rooms"]], y))


def test_column_names_that_are_not_identifiers(data):
    X, y, X_new = data
    names = {"size": "floor-area (m2)", "color": "colour name"}
    model = make_pipeline(TablePreprocessor(), LogisticRegression(max_iter=1000)).fit(
        X.rename(columns=names), y)
    graph = to_onnx(model)
    columns = input_columns(graph)
    assert list(columns.values()) == ["floor-area (m2)", "rooms", "new", "colour name", "city"]
    assert list(columns) == [i.name for i in graph.graph.input]
    assert_same_predictions(model, graph, X_new.rename(columns=names))


def test_onnx_inputs_errors(data):
    X, y, _ = data
    linear = make_pipeline(TablePreprocessor(), LogisticRegression(max_iter=1000))
    graph = to_onnx(linear.fit(X, y))
    with pytest.raises(ValueError, match="X has no column 'city'"):
        onnx_inputs(graph, X.drop(columns="city"))
    with pytest.raises(ValueError, match="column 'size' is numeric in the ONNX model"):
        onnx_inputs(graph, X.assign(size="big"))
    with pytest.raises(TypeError, match="X must be a DataFrame"):
        onnx_inputs(graph, X.to_numpy())


def test_without_the_extra_the_error_names_it(data, monkeypatch):
    X, y, _ = data
    monkeypatch.setitem(sys.modules, "skl2onnx", None)  # as if it were not installed
    pipe = make_pipeline(TablePreprocessor(), LogisticRegression(max_iter=1000)).fit(X, y)
    with pytest.raises(ImportError, match=r'pip install "automl\[onnx\]"'):
        to_onnx(pipe)


def test_cli_export_writes_a_graph_that_predicts_alike(data, fitted, tmp_path, cli):
    _, _, X_new = data
    _, student = fitted
    path = tmp_path / "student.skops"
    automl.save(student, path)
    out = tmp_path / "student.onnx"
    done = cli("export", path, "-o", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "inputs size, rooms, new, color, city; outputs label, probabilities" in done.stdout
    import onnx

    graph = onnx.load(str(out))
    np.testing.assert_allclose(run(graph, X_new)["probabilities"], student.predict_proba(X_new),
                               atol=1e-5)
    again = cli("export", path, "-o", out, cwd=tmp_path)  # never overwrites unasked
    assert again.returncode == 2 and "exists; pass --force" in again.stderr
    assert onnx.load(str(out)) == graph


def test_cli_export_refuses_in_one_line_naming_the_column(data, tmp_path, cli):
    X, y, _ = data
    dated = X.assign(day=pd.date_range("2024-01-01", periods=len(X)).astype(str))
    model = AutoClassifier(time_budget=60, max_trials=1, cv=3, ensemble="none", random_state=0,
                           models=["logistic_regression"]).fit(dated, y)
    path = tmp_path / "model.skops"
    automl.save(model, path)
    done = cli("export", path, "-o", tmp_path / "m.onnx", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr == (f"automl: error: {path}: step 'table' (TablePreprocessor): datetime "
                           "columns do not convert to ONNX: 'day'\n")
    assert not Path(tmp_path / "m.onnx").exists()
