"""Permutation importances per input column: known answers on planted data."""

import numpy as np
import pytest


def test_the_two_informative_columns_rank_first_and_noise_is_near_zero(regression):
    model, _, _, X_test, y_test = regression
    table = model.feature_importances(X_test, y_test, n_repeats=5, random_state=0)
    assert set(table["column"].tolist()[:2]) == {"num", "cat"}
    assert table["column"].iloc[-1] == "noise"
    by = table.set_index("column")["importance"]
    # RMSE is about 1.2 on these rows: both signals cost far more than that when shuffled
    assert by["num"] > 1.0 and by["cat"] > 1.0
    assert abs(by["noise"]) < 0.05 * by["cat"]
    assert table["rank"].tolist() == [1, 2, 3]
    assert table.attrs["metric"] == "neg_root_mean_squared_error"


def test_names_are_the_input_columns_even_for_encoded_categories(binary):
    model, _, _, X_test, y_test = binary
    table = model.feature_importances(X_test, y_test, n_repeats=2, random_state=0)
    assert sorted(table["column"]) == sorted(X_test.columns)  # no one-hot or date parts
    assert table.iloc[0]["column"] in ("num", "cat")


def test_subsample_is_said_and_seeded(regression):
    model, _, _, X_test, y_test = regression
    a = model.feature_importances(X_test, y_test, n_repeats=2, random_state=3, max_rows=300)
    b = model.feature_importances(X_test, y_test, n_repeats=2, random_state=3, max_rows=300)
    np.testing.assert_allclose(a["importance"], b["importance"])
    assert a.attrs["n_rows"] == 300 and "random 300 of 1,205 rows" in a.attrs["note"]


def test_without_data_it_says_data_is_needed(regression):
    model = regression[0]
    with pytest.raises(ValueError, match="feature_importances needs data: pass X and y"):
        model.feature_importances()
