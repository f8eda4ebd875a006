import numpy as np
import pandas as pd
import pytest

from automl.transformers._datetime import DatetimeFeatures


def test_known_parts_and_only_varying_ones():
    X = pd.DataFrame({
        "ts": pd.to_datetime(["2024-01-31 10:15", "2024-03-01 23:05", None]),
        "date": ["2023-12-25", "2023-12-26", "2023-12-27"],
    })
    parts = ("year", "month", "day", "dayofweek", "dayofyear", "hour", "minute")
    dt = DatetimeFeatures(parts=parts)
    out = dt.fit_transform(X)
    assert dt.get_feature_names_out().tolist() == [
        "ts_month", "ts_day", "ts_dayofweek", "ts_dayofyear", "ts_hour", "ts_minute",
        "date_day", "date_dayofweek", "date_dayofyear",
    ]
    assert dt.parts_ == [
        ("month", "day", "dayofweek", "dayofyear", "hour", "minute"),
        ("day", "dayofweek", "dayofyear"),
    ]
    np.testing.assert_array_equal(out[0], [1, 31, 2, 31, 10, 15, 25, 0, 359])
    np.testing.assert_array_equal(out[1], [3, 1, 4, 61, 23, 5, 26, 1, 360])
    assert np.isnan(out[2, :6]).all()  # NaT -> NaN
    np.testing.assert_array_equal(out[2, 6:], [27, 2, 361])


def test_unparseable_text_at_transform_gives_nan():
    dt = DatetimeFeatures().fit(pd.DataFrame({"d": ["2020-01-01", "2021-06-01"]}))
    out = dt.transform(pd.DataFrame({"d": ["not a date", "2022-02-03", None]}))
    assert dt.get_feature_names_out().tolist() == ["d_year", "d_month", "d_dayofweek"]
    assert np.isnan(out[0]).all() and np.isnan(out[2]).all()
    np.testing.assert_array_equal(out[1], [2022, 2, 3])


def test_no_parseable_value_at_fit_raises_naming_column():
    with pytest.raises(ValueError, match="'d'.*'nope'"):
        DatetimeFeatures().fit(pd.DataFrame({"d": ["nope", "never"]}))


def test_numbers_are_epoch_seconds_and_inf_raises():
    X = np.array([[0.0], [86400.0 * 31 + 3600]])
    dt = DatetimeFeatures().fit(X)
    assert dt.get_feature_names_out().tolist() == ["x0_month", "x0_dayofweek", "x0_hour"]
    np.testing.assert_array_equal(dt.transform(X), [[1, 3, 0], [2, 6, 1]])
    with pytest.raises(ValueError, match="'x0'.*infinite"):
        dt.transform(np.array([[np.inf]]))


def test_constant_column_keeps_first_part():
    dt = DatetimeFeatures().fit(pd.DataFrame({"d": ["2020-01-01", "2020-01-01"]}))
    assert dt.get_feature_names_out().tolist() == ["d_year"]


def test_mixed_utc_offsets_are_converted_to_utc():
    X = pd.DataFrame({"d": ["2020-01-01T12:00+01:00", "2020-01-01T12:00+02:00"]})
    out = DatetimeFeatures(parts=("hour",)).fit_transform(X)
    np.testing.assert_array_equal(out.ravel(), [11, 10])


def test_unknown_part_raises():
    with pytest.raises(ValueError, match="'week'"):
        DatetimeFeatures(parts=("year", "week")).fit(pd.DataFrame({"d": ["2020-01-01"]}))


def test_set_output_pandas_and_column_mismatch():
    X = pd.DataFrame({"a": ["2020-01-01", "2021-02-02"]})
    out = DatetimeFeatures().set_output(transform="pandas").fit(X).transform(X)
    assert list(out.columns) == ["a_year", "a_month", "a_day", "a_dayofweek"]
    with pytest.raises(ValueError, match=r"missing at transform time: \['a'\]"):
        DatetimeFeatures().fit(X).transform(X.rename(columns={"a": "b"}))
