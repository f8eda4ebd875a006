import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from automl._validation import validate_frame
from automl.transformers._table import (
    TablePreprocessor,
    _category_lookup,
    count_native_categoricals,
)


def make_table():
    """Six rows holding every column kind the preprocessor knows."""
    return pd.DataFrame({
        "int": [1, 2, 3, 4, 5, 6],
        "float": [1.0, np.nan, 3.0, 4.0, 10.0, 2.0],        # median 3.0
        "flag": [True, False, True, True, False, True],
        "color": ["red", "blue", None, "red", "green", "blue"],
        "city": ["a", "b", "c", "d", "e", "f"],              # > max_onehot_cardinality
        "size": pd.Categorical(["S", "M", "L", "M", "S", "L"]),
        "when": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 11:00", "2024-01-03 12:00",
                                "2024-01-04 13:00", "2024-01-05 14:00", None]),
        "day": ["2023-05-01", "2023-06-15", "2023-07-01", "2023-08-31", "2023-09-01",
                "2023-10-02"],
        "const": ["k"] * 6,
        "empty": [np.nan] * 6,
    })


EXPECTED_NAMES = [
    "int", "float", "flag", "missingindicator_float",
    "color_blue", "color_green", "color_missing", "color_red",
    "size_L", "size_M", "size_S",
    "city",
    "when_day", "when_dayofweek", "when_hour",
    "day_month", "day_day", "day_dayofweek",
]


def test_known_answer_on_every_column_kind():
    X = make_table()
    assert X["color"].dtype == "str"  # pandas 3 default string dtype
    pre = TablePreprocessor(max_onehot_cardinality=4)
    out = pre.fit_transform(X)
    assert pre.column_kinds_ == {
        "int": "numeric", "float": "numeric", "flag": "numeric", "color": "categorical",
        "city": "categorical", "size": "categorical", "when": "datetime",
        "day": "datetime", "const": "dropped", "empty": "dropped",
    }
    assert pre.dropped_columns_ == {"const": "constant", "empty": "all missing"}
    assert pre.categorical_encoding_ == {"color": "onehot", "city": "ordinal", "size": "onehot"}
    assert pre.get_feature_names_out().tolist() == EXPECTED_NAMES
    assert out.dtype == np.float64 and out.shape == (6, len(EXPECTED_NAMES))
    row = dict(zip(EXPECTED_NAMES, out[1]))
    assert row["float"] == 3.0 and row["missingindicator_float"] == 1.0  # median-imputed
    assert row["flag"] == 0.0 and row["int"] == 2.0
    np.testing.assert_array_equal(out[2, 4:8], [0, 0, 1, 0])  # color None -> "missing"
    np.testing.assert_array_equal(out[1, 4:8], [1, 0, 0, 0])  # blue
    np.testing.assert_array_equal(out[1, 8:11], [0, 1, 0])    # size M
    np.testing.assert_array_equal(out[:, 11], [0, 1, 2, 3, 4, 5])  # ordinal codes (y=None)
    assert (row["when_day"], row["when_dayofweek"], row["when_hour"]) == (2, 1, 11)
    assert out[5, 12] == 3.0  # NaT -> median of days 1..5
    np.testing.assert_array_equal(out[3, 15:], [8, 31, 3])  # 2023-08-31, a Thursday
    np.testing.assert_array_equal(pre.transform(X), out)


def test_with_y_high_cardinality_is_target_encoded():
    X = make_table()
    y = np.array([0, 1, 0, 1, 0, 1])
    pre = TablePreprocessor(max_onehot_cardinality=4, random_state=0).fit(X, y)
    assert pre.categorical_encoding_["city"] == "target"
    assert pre.get_feature_names_out().tolist() == EXPECTED_NAMES
    new = pre.transform(X.assign(city=["zzz"] * 6))  # unseen -> the target mean
    np.testing.assert_allclose(new[:, 11], 0.5)


def test_target_encoding_copes_with_singleton_classes_and_regression():
    X = make_table()
    for y in ([0, 1, 2, 3, 4, 5], np.linspace(0, 1, 6)):
        out = TablePreprocessor(max_onehot_cardinality=4, random_state=0).fit_transform(X, y)
        assert np.isfinite(out).all()


def test_unseen_categories_give_all_zero_one_hot_rows():
    X = make_table()
    pre = TablePreprocessor(max_onehot_cardinality=4).fit(X)
    new = X.copy()
    new["color"] = ["purple", "red", "teal", None, 7, "blue"]
    new["size"] = pd.Categorical(["XL", "S", "M", "L", "S", "M"])
    out = pre.transform(new)
    np.testing.assert_array_equal(out[0, 4:11], 0)  # purple, XL: unseen
    np.testing.assert_array_equal(out[4, 4:8], 0)   # 7: unseen (as the string "7")
    np.testing.assert_array_equal(out[3, 4:8], [0, 0, 1, 0])
    out = pre.transform(X.assign(city=["a", "new", None, "b", "c", "d"]))
    np.testing.assert_array_equal(out[:, 11], [0, -1, -1, 1, 2, 3])  # ordinal: unseen -> -1


def test_forced_kinds_and_unknown_names():
    X = pd.DataFrame({"id": [3, 1, 2, 3], "t": [0, 86400, 2 * 86400, 3 * 86400],
                      "v": [1.0, 2.0, 3.0, 4.0]})
    pre = TablePreprocessor(categorical_columns=["id"], datetime_columns=["t"]).fit(X)
    assert pre.column_kinds_ == {"id": "categorical", "t": "datetime", "v": "numeric"}
    assert pre.get_feature_names_out().tolist() == [
        "v", "id_1", "id_2", "id_3", "t_day", "t_dayofweek"]
    with pytest.raises(ValueError, match=r"\['nope'\].*'categorical_columns'"):
        TablePreprocessor(categorical_columns=["id", "nope"]).fit(X)
    with pytest.raises(ValueError, match="both"):
        TablePreprocessor(categorical_columns=["t"], datetime_columns=["t"]).fit(X)


def test_mixed_object_column_is_categorical():
    X = pd.DataFrame({"m": pd.Series([1, "a", 2.5, None, "a"], dtype=object),
                      "n": pd.Series([1, 2, None, 4, 5], dtype=object),
                      "b": pd.Series([True, False, None, True, True], dtype="boolean")})
    pre = TablePreprocessor().fit(X)
    assert pre.column_kinds_ == {"m": "categorical", "n": "numeric", "b": "numeric"}
    assert pre.get_feature_names_out().tolist() == [
        "n", "b", "missingindicator_n", "missingindicator_b",
        "m_1", "m_2.5", "m_a", "m_missing"]


def test_categories_are_read_as_str_value_by_value():
    # 1, 1.0 and True are equal (one hash) but different categories: read by str
    from automl.transformers._table import _as_categories

    mixed = pd.Series([1, 1.0, True, "a", None, 1], dtype=object)
    assert _as_categories(mixed).tolist()[:4] == ["1", "1.0", "True", "a"]
    assert pd.isna(_as_categories(mixed)[4]) and _as_categories(mixed)[5] == "1"
    text = pd.Series(["b", None, "a", "b"], dtype="category")
    out = _as_categories(text)
    assert out.dtype == object and out[[0, 2, 3]].tolist() == ["b", "a", "b"]
    assert np.isnan(out[1]) and _as_categories(text.iloc[:0]).tolist() == []


@pytest.mark.parametrize("encoding, with_y", [
    ("auto", False), ("auto", True), ("native", False), ("native", True)])
def test_transform_gives_what_its_column_transformer_gives(encoding, with_y):
    # the category lookups done directly (TablePreprocessor._encode) against the
    # fitted ColumnTransformer, on unseen categories and gaps where fit had none
    X = make_table()
    X["numbers"] = pd.Series([1, 2, None, 4.5, 5, 6], dtype=object)  # numeric, not in the block
    y = np.array([0, 1, 0, 1, 1, 0]) if with_y else None
    pre = TablePreprocessor(max_onehot_cardinality=4, categorical_encoding=encoding,
                            random_state=0).fit(X, y)
    new = X.copy()
    new["numbers"] = pd.Series([None, 2, 7, 4.5, 5, 6], dtype=object)
    new["color"] = ["purple", None, "red", "blue", "green", None]
    new["city"] = ["a", "zz", None, "d", "e", "f"]
    new["size"] = pd.Categorical(["XL", None, "L", "M", "S", "L"])
    looked_up = {step for step, t, _ in pre.column_transformer_.transformers_
                 if _category_lookup(t) is not None}
    assert looked_up == ({"native"} if encoding == "native" else
                         {"onehot"} if with_y else {"onehot", "ordinal"})
    for batch in (new, new.iloc[:1], X):
        valid = validate_frame(pre, batch, reset=False)
        expected = np.asarray(pre.column_transformer_.transform(pre._prepare(valid)),
                              dtype=np.float64)
        got = pre._encode(*pre._prepare_columns(valid))
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, expected)


def test_clashing_names_get_prefixed():
    X = pd.DataFrame({"c": ["x", "y", "x"], "c_x": [1.0, 2.0, 3.0]})
    names = TablePreprocessor().fit(X).get_feature_names_out().tolist()
    assert names == ["numeric__c_x", "onehot__c_x", "onehot__c_y"]


def test_column_mismatch_at_transform_names_columns():
    X = make_table()
    pre = TablePreprocessor().fit(X)
    with pytest.raises(ValueError, match=r"Columns missing at transform time: \['float'\]"):
        pre.transform(X.drop(columns="float"))
    with pytest.raises(ValueError, match=r"Unexpected columns at transform time: \['extra'\]"):
        pre.transform(X.assign(extra=1))


def test_inf_empty_and_all_dropped_raise():
    X = make_table()
    with pytest.raises(ValueError, match="'float'.*infinite"):
        TablePreprocessor().fit(X.assign(float=[1.0, np.inf, 2, 3, 4, 5]))
    pre = TablePreprocessor().fit(X)
    with pytest.raises(ValueError, match="'int'.*infinite"):
        pre.transform(X.assign(int=[1.0, 2, 3, 4, 5, -np.inf]))
    with pytest.raises(ValueError, match="0 sample"):
        TablePreprocessor().fit(X.iloc[:0])
    with pytest.raises(ValueError, match="0 sample"):
        pre.transform(X.iloc[:0])
    with pytest.raises(ValueError, match="every column was dropped"):
        TablePreprocessor().fit(X[["const", "empty"]])


def test_set_output_pandas_gives_named_frame():
    X = make_table()
    X.index = range(10, 16)
    pre = TablePreprocessor(max_onehot_cardinality=4).set_output(transform="pandas")
    out = pre.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == EXPECTED_NAMES
    assert list(out.index) == list(range(10, 16))
    assert out.loc[11, "float"] == 3.0


def test_numpy_input_gets_x_names():
    X = np.array([["a", 1.0], ["b", np.nan], ["a", 3.0]], dtype=object)
    pre = TablePreprocessor().fit(X)
    assert pre.column_kinds_ == {"x0": "categorical", "x1": "numeric"}
    assert pre.get_feature_names_out().tolist() == ["x1", "missingindicator_x1", "x0_a", "x0_b"]
    assert not hasattr(pre, "feature_names_in_")


def _breast_cancer_with_gaps():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.copy()
    bands = pd.cut(X["mean radius"], bins=5, labels=["xs", "s", "m", "l", "xl"])
    X["size_band"] = bands.astype(str)  # a text column: the radius, binned
    X = X.drop(columns=["mean radius", "mean perimeter", "mean area"])
    rng = np.random.RandomState(0)
    for col in ["mean texture", "worst radius", "size_band"]:
        X.loc[rng.rand(len(X)) < 0.1, col] = np.nan
    return X, y


def test_pipeline_beats_dummy_under_cross_validation():
    X, y = _breast_cancer_with_gaps()
    assert X["size_band"].isna().sum() > 0
    pipe = Pipeline([
        ("pre", TablePreprocessor()),
        ("scale", StandardScaler()),
        ("model", LogisticRegression(max_iter=1000)),
    ])
    scores = cross_val_score(pipe, X, y, cv=3, n_jobs=1)
    dummy = cross_val_score(DummyClassifier(), X, y, cv=3, n_jobs=1)
    assert scores.mean() > 0.9 > dummy.mean() + 0.2


def test_native_categories_known_answer():
    X = make_table()
    pre = TablePreprocessor(categorical_encoding="native").fit(X)
    assert pre.categorical_encoding_ == {"color": "native", "city": "native", "size": "native"}
    out = pre.transform(X)
    assert isinstance(out, pd.DataFrame)
    names = ["int", "float", "flag", "missingindicator_float", "color", "city", "size",
             "when_day", "when_dayofweek", "when_hour", "day_month", "day_day", "day_dayofweek"]
    assert out.columns.tolist() == names == pre.get_feature_names_out().tolist()
    assert [str(t) for t in out.dtypes[["color", "city", "size"]]] == ["category"] * 3
    assert (out.dtypes.drop(["color", "city", "size"]) == np.float64).all()
    # codes in sorted order of the values, "missing" a category of its own
    assert out["color"].cat.codes.tolist() == [3, 0, 2, 3, 1, 0]  # blue, green, missing, red
    assert out["color"].cat.categories.tolist() == [0, 1, 2, 3]
    assert out["size"].cat.codes.tolist() == [2, 1, 0, 1, 2, 0]   # L, M, S
    # an unseen value is missing; the categories stay those of fit
    new = make_table().iloc[:2].assign(color=["purple", "red"])
    coded = pre.transform(new)
    assert coded["color"].isna().tolist() == [True, False]
    assert coded["color"].cat.categories.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(out.index, X.index)


def test_native_keeps_many_valued_columns_encoded():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"id": [f"u{i}" for i in rng.randint(0, 400, 2000)],
                      "few": rng.choice(["a", "b", "c"], 2000), "x": rng.randn(2000)})
    y = rng.randint(0, 2, 2000)
    pre = TablePreprocessor(categorical_encoding="native", random_state=0).fit(X, y)
    assert pre.categorical_encoding_ == {"id": "target", "few": "native"}
    assert TablePreprocessor(categorical_encoding="native").fit(X).categorical_encoding_ == {
        "id": "ordinal", "few": "native"}
    assert count_native_categoricals(X) == 1
    assert count_native_categoricals(X, categorical_columns=["x"]) == 1  # 2000 values: too many


def test_native_without_categories_is_the_float_array():
    X = make_table()[["int", "float"]]
    out = TablePreprocessor(categorical_encoding="native").fit_transform(X)
    np.testing.assert_array_equal(out, TablePreprocessor().fit_transform(X))


@pytest.mark.parametrize("engine", ["hgb", "lightgbm", "xgboost"])
def test_native_categories_reach_the_boosters(engine):
    # y depends on the category alone, in an order no numeric code follows:
    # a booster that splits on the category natively needs one split
    rng = np.random.RandomState(0)
    letters = np.array(list("abcdefgh"))
    X = pd.DataFrame({"cat": rng.choice(letters, 800), "noise": rng.randn(800)})
    y = np.isin(X["cat"], ["b", "e", "g"]).astype(int)
    if engine == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier
        model = HistGradientBoostingClassifier(max_iter=1, max_depth=1, random_state=0)
    elif engine == "lightgbm":
        from lightgbm import LGBMClassifier
        model = LGBMClassifier(n_estimators=1, max_depth=1, num_leaves=2, verbose=-1,
                               min_data_per_group=1, cat_smooth=0)
    else:
        from xgboost import XGBClassifier
        model = XGBClassifier(n_estimators=1, max_depth=1, tree_method="hist",
                              enable_categorical=True, max_cat_to_onehot=1)
    pipe = Pipeline([("table", TablePreprocessor(categorical_encoding="native")),
                     ("model", model)]).fit(X, y)
    # one depth-1 tree separates b, e, g (codes 1, 4, 6) from the rest: no
    # threshold on the codes as numbers could, a categorical split can
    proba = pipe.predict_proba(X)[:, 1]
    assert set(np.unique(proba[y == 1])).isdisjoint(np.unique(proba[y == 0]))
