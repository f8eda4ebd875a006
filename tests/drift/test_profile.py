"""TrainingProfile: known answers for each kind of drift, and silence on i.i.d. batches."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets
from sklearn.model_selection import train_test_split

from automl.drift import TrainingProfile
from automl.drift._profile import REPORT_COLUMNS


def mixed_table(n=1200, seed=0):
    """Numbers, a few categories, an ID-like text column, dates, and gaps."""
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame({
        "age": rng.normal(40, 10, n).round(1),
        "income": np.exp(rng.normal(10, 0.8, n)),
        "visits": rng.poisson(3, n),
        "color": rng.choice(["red", "green", "blue", "white"], n, p=[0.4, 0.3, 0.2, 0.1]),
        "city": rng.choice([f"city{i}" for i in range(40)], n),
        "ticket": [f"T{i:06d}" for i in rng.permutation(10 * n)[:n]],
        "member": rng.rand(n) < 0.3,
        "joined": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.randint(0, 900, n), "D"),
    })
    frame.loc[rng.rand(n) < 0.1, "income"] = np.nan
    frame.loc[rng.rand(n) < 0.05, "color"] = None
    return frame


def bundled(name):
    if name == "mixed":
        return mixed_table()
    return getattr(datasets, f"load_{name}")(as_frame=True).frame


@pytest.fixture(scope="module")
def cancer():
    X = datasets.load_breast_cancer(as_frame=True).data
    train, test = train_test_split(X, test_size=0.3, random_state=0)
    return TrainingProfile(ood_detector=None, random_state=0).fit(train), train, test


@pytest.fixture(scope="module")
def mixed():
    X = mixed_table()
    train, test = X.iloc[:800], X.iloc[800:].reset_index(drop=True)
    return TrainingProfile(ood_detector=None, random_state=0).fit(train), train, test


def test_numeric_column_shifted_by_five_sd_is_named_and_no_other(cancer):
    profile, train, test = cancer
    shifted = test.assign(**{"mean radius": test["mean radius"] + 5 * train["mean radius"].std()})
    problems = profile.check(shifted)
    assert list(problems) == ["mean radius"]
    assert "outside the training range" in problems["mean radius"]
    assert "distribution shifted (PSI" in problems["mean radius"]


def test_unseen_category_is_named_with_its_row_count(mixed):
    profile, _, test = mixed
    batch = test.copy()
    batch.loc[:6, "color"] = "purple"  # rows 0..6: seven rows
    problems = profile.check(batch)
    assert list(problems) == ["color"]
    assert problems["color"] == (f"unseen categories in 7 of {len(batch)} rows (1.8%), "
                                 "e.g. 'purple'")


def test_categories_are_compared_as_str_of_each_value():
    from automl.drift._columns import _categories

    mixed = pd.Series([1, 1.0, True, "a", None, 1], dtype=object)
    values, missing = _categories(mixed)
    assert values[[0, 1, 2, 3, 5]].tolist() == ["1", "1.0", "True", "a", "1"]
    assert missing.tolist() == [False, False, False, False, True, False]
    numbers = pd.Series([2, None, 10], dtype="category")
    values, missing = _categories(numbers)
    assert values[[0, 2]].tolist() == ["2", "10"] and missing.tolist() == [False, True, False]
    fit = pd.DataFrame({"c": pd.Series(["x", "y"] * 100, dtype="category")})
    batch = pd.DataFrame({"c": pd.Series(["x", "z", "z", None] * 25, dtype="category")})
    problems = TrainingProfile(ood_detector=None).fit(fit).check(batch)
    assert problems["c"].startswith("unseen categories in 50 of 100 rows (50.0%), e.g. 'z'")


def test_a_single_row_with_an_unseen_category_is_named(mixed):
    profile, _, test = mixed
    problems = profile.check(test.iloc[:1].assign(color="purple"))
    assert problems == {"color": "unseen categories in 1 of 1 rows (100.0%), e.g. 'purple'"}


def test_new_ids_in_an_id_like_column_are_expected(mixed):
    profile, _, test = mixed
    assert profile.columns_["ticket"]["singleton_rate"] == 1.0  # every ticket seen once
    report = profile.compare(test)
    row = report.set_index("column").loc["ticket"]
    assert row["unseen_fraction"] == 1.0 and not row["flag"]


def test_a_column_filled_with_missing_values_is_named(mixed):
    profile, train, test = mixed
    rate = train["income"].isna().mean()
    problems = profile.check(test.assign(income=np.nan))
    assert problems == {"income": f"100.0% missing (training {rate:.1%})"}


def test_twice_as_many_missing_values_on_a_large_batch(mixed):
    profile, train, test = mixed
    batch = test.copy()
    batch.loc[batch.index[:120], "age"] = np.nan  # 30 % missing; none at training
    assert profile.check(batch) == {"age": "30.0% missing (training 0.0%)"}


def test_numbers_that_become_strings_get_a_type_message(mixed):
    profile, _, test = mixed
    batch = test.assign(age=test["age"].astype(str) + " years")
    problems = profile.check(batch)
    assert list(problems) == ["age"]
    assert problems["age"].startswith(
        f"type changed: numbers at fit, now {len(batch)} value(s) that are not numbers (dtype ")
    first = batch["age"].iloc[0]
    assert f"; e.g. {first!r}, " in problems["age"]


def test_numbers_written_as_text_still_parse(mixed):
    profile, _, test = mixed
    assert profile.check(test.assign(age=test["age"].astype(str))) == {}


def test_text_column_that_becomes_numbers(mixed):
    profile, _, test = mixed
    problems = profile.check(test.assign(color=np.arange(len(test)) % 3))
    assert problems["color"].startswith("type changed: text at fit, now numbers (dtype int64)")


def test_dates_that_no_longer_parse(mixed):
    profile, _, test = mixed
    problems = profile.check(test.assign(joined="soon"))
    assert problems["joined"].startswith("type changed: dates at fit, now 400 value(s)")


def test_a_value_in_another_unit_is_named_even_alone(cancer):
    profile, _, test = cancer
    row = test.iloc[:1].copy()
    row["mean area"] *= 1000  # square millimetres became square micrometres
    assert list(profile.check(row)) == ["mean area"]


def test_dates_after_the_training_range_flagged_except_in_the_time_column(mixed):
    _, train, test = mixed
    later = test.assign(joined=test["joined"] + pd.Timedelta(days=3000))
    plain = TrainingProfile(ood_detector=None).fit(train)
    timed = TrainingProfile(ood_detector=None, time_column="joined").fit(train)
    assert "outside the training range [2020-01-01" in plain.check(later)["joined"]
    assert "joined" not in timed.check(later)


DATASETS = ["breast_cancer", "diabetes", "wine", "iris", "digits", "mixed"]


@pytest.mark.parametrize("name", DATASETS)
def test_no_false_alarm_on_iid_splits(name):
    X = bundled(name)
    for seed in range(3):
        for test_size in (0.2, 0.5):
            train, test = train_test_split(X, test_size=test_size, random_state=seed)
            profile = TrainingProfile(ood_detector=None, random_state=seed).fit(train)
            assert profile.check(test) == {}, (seed, test_size)
            assert profile.check(test.iloc[:10]) == {}
            assert profile.check(test.iloc[:1]) == {}


def test_compare_gives_one_row_per_column(mixed):
    profile, _, test = mixed
    report = profile.compare(test.assign(color="purple"))
    assert list(report.columns) == REPORT_COLUMNS
    assert report["column"].tolist() == list(test.columns)
    assert report.loc[report["flag"], "column"].tolist() == ["color"]
    color = report.set_index("column").loc["color"]
    assert color["unseen_fraction"] == 1.0 and color["psi"] > 1


def test_profile_is_plain_and_small(mixed):
    profile, train, _ = mixed
    text = json.dumps(profile.columns_)  # plain Python values only
    assert len(text) < 20_000  # kilobytes, the 800 tickets included
    assert profile.columns_["age"]["kind"] == "numeric"
    assert profile.columns_["joined"]["kind"] == "datetime"
    assert profile.columns_["member"]["kind"] == "numeric"
    assert profile.columns_["visits"]["min"] == float(train["visits"].min())
    assert profile.columns_["color"]["categories"][0] == "red"
    assert profile.summary()[0].startswith("8 columns (")


def test_arrays_get_generic_names():
    rng = np.random.RandomState(0)
    profile = TrainingProfile(ood_detector=None).fit(rng.normal(size=(300, 3)))
    batch = rng.normal(size=(200, 3))
    batch[:, 1] += 8
    assert list(profile.check(batch)) == ["x1"]
