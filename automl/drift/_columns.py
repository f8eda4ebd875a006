"""Per-column summaries of a training table, and the comparison of a new batch with them.

Each function takes one column (a pandas Series) and returns plain Python
values (floats, lists of str), so that a profile is a dict that skops and
pickle store as it is, and that ``automl info`` can print.
"""

import numpy as np
import pandas as pd
from scipy.stats import betabinom, chi2

from automl.transformers._datetime import parse_datetimes
from automl.transformers._table import category_codes

# Values further than this share of the training span beyond the training
# minimum or maximum are "outside the range"; a column is flagged when at
# least MIN_FRACTION of the batch is, and more rows are than i.i.d.
# rows would be with probability ALPHA (see _out_of_range_p), or when one
# value lies further out than three training spans (GROSS_MARGIN; not for
# columns whose 1 % and 99 % training quantiles are equal).
RANGE_MARGIN = 0.1
GROSS_MARGIN = 3.0
# Out-of-range values and unseen categories are flagged only in at least this
# share of the batch (any row of a batch under 100 rows).
MIN_FRACTION = 0.01
# Significance of the tests that keep i.i.d. batches silent.
ALPHA = 1e-4
# A missing rate is "far above training" when it exceeds it by this much and
# by more than this many binomial standard deviations of the batch.
MISSING_EXCESS = 0.1
N_SIGMA = 4.0
# Population stability index: above 0.25 is the usual "significant shift";
# it is only judged on batches of at least PSI_MIN_ROWS rows, and must also be
# significant at ALPHA (n_eff * PSI is about chi-square with bins - 1 degrees
# of freedom under i.i.d. rows, n_eff = m n / (m + n)).
PSI_THRESHOLD = 0.25
PSI_MIN_ROWS = 100
# Quantile bins of the PSI, and the categories kept for it (the rest is "other").
N_BINS = 10
# Categories stored per column; above that the column's unseen check is off.
MAX_CATEGORIES = 1000
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def _is_text(column):
    if isinstance(column.dtype, pd.CategoricalDtype):  # text unless its categories are numbers
        return not pd.api.types.is_numeric_dtype(column.dtype.categories.dtype)
    return not (pd.api.types.is_numeric_dtype(column.dtype)
                or pd.api.types.is_bool_dtype(column.dtype)
                or pd.api.types.is_datetime64_any_dtype(column.dtype))


def has_number_dtype(dtype):
    return not isinstance(dtype, pd.CategoricalDtype) and (
        pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype))


def _numbers(column):
    """``(values as a float array, mask of non-missing values that are not numbers)``."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return np.full(len(column), np.nan), column.notna().to_numpy()
    if has_number_dtype(column.dtype):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        values = np.where(np.isinf(values), np.nan, values)
        return values, np.zeros(len(column), dtype=bool)
    values = pd.to_numeric(column.astype(object).map(_bool_as_number), errors="coerce")
    values = values.to_numpy(dtype=np.float64, na_value=np.nan)
    values = np.where(np.isinf(values), np.nan, values)
    return values, np.isnan(values) & column.notna().to_numpy()


def _bool_as_number(value):
    return float(value) if isinstance(value, (bool, np.bool_)) else value


def _seconds(column):
    """``(epoch seconds as float, mask of non-missing values that do not parse)``."""
    if has_number_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        return values, np.zeros(len(column), dtype=bool)
    dates = parse_datetimes(column.astype(object) if isinstance(
        column.dtype, pd.CategoricalDtype) else column)
    dates = pd.to_datetime(dates, errors="coerce", utc=True)
    seconds = (dates - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    seconds = seconds.to_numpy(dtype=np.float64, na_value=np.nan)
    return seconds, np.isnan(seconds) & column.notna().to_numpy()


def _categories(column):
    """``(values as str in an object array, mask of missing values)``, as
    TablePreprocessor reads categories (``str(value)``)."""
    codes, labels = category_codes(column)
    return np.append(labels, None)[codes], codes < 0


def _examples(values, limit=3):
    return [str(v) for v in pd.unique(np.asarray(values, dtype=object))[:limit]]


def _date(seconds):
    return str(pd.Timestamp(seconds, unit="s"))


def _bins(values, n_bins):
    """Interior edges of up to ``n_bins`` quantile bins of ``values``."""
    edges = np.unique(np.quantile(values, np.linspace(0, 1, n_bins + 1)[1:-1]))
    return edges


def _fractions(codes, n_bins):
    """Smoothed bin fractions (a half count each), so that empty bins stay finite."""
    counts = np.bincount(codes, minlength=n_bins).astype(float)
    return (counts + 0.5) / (counts.sum() + 0.5 * n_bins)


def psi(expected, actual):
    """Population stability index of two vectors of bin fractions.

    Examples
    --------
    >>> round(psi([0.5, 0.5], [0.5, 0.5]), 3), round(psi([0.5, 0.5], [0.9, 0.1]), 3)
    (0.0, 0.879)
    """
    expected, actual = np.asarray(expected, float), np.asarray(actual, float)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


# -------------------------------------------------------------- profile
def profile_column(column, kind, sample):
    """The summary of one training column of kind ``kind``.

    ``column`` is the whole column (ranges, missing rates and categories are
    exact); ``sample`` the same column on a row sample (quantiles and bins).
    """
    base = {"kind": kind, "dtype": str(column.dtype), "text": bool(_is_text(column)),
            "n_rows": int(len(column)), "missing_rate": float(column.isna().mean())}
    if kind == "numeric":
        return {**base, **_profile_range(_numbers(column)[0], _numbers(sample)[0])}
    if kind == "datetime":
        return {**base, **_profile_range(_seconds(column)[0], _seconds(sample)[0])}
    if kind == "categorical":
        values, missing = _categories(column)
        return {**base, **_profile_categories(pd.Series(values[~missing]))}
    return base


def _profile_range(values, sample):
    present, sampled = values[~np.isnan(values)], sample[~np.isnan(sample)]
    if len(present) == 0:
        return {"min": None, "max": None}
    edges = _bins(sampled, N_BINS)
    codes = np.searchsorted(edges, sampled, side="right")
    return {
        "min": float(present.min()), "max": float(present.max()),
        "quantiles": [float(q) for q in np.quantile(sampled, QUANTILES)],
        "edges": edges.tolist(), "fractions": _fractions(codes, len(edges) + 1).tolist(),
        "n_binned": int(len(sampled)),
    }


def _profile_categories(values):
    counts = values.value_counts(dropna=True)
    n = max(int(counts.sum()), 1)
    top = counts.iloc[:N_BINS - 1]
    return {
        "n_categories": int(len(counts)),
        "categories": [str(c) for c in counts.index[:MAX_CATEGORIES]],
        "frequencies": [float(f) for f in counts.to_numpy()[:20] / n],  # the top 20
        # Good-Turing: the share of rows whose category occurs once is the
        # expected share of new rows in a category never seen
        "singleton_rate": float((counts == 1).sum() / n),
        "complete": bool(len(counts) <= MAX_CATEGORIES),
        "bins": [str(c) for c in top.index],
        "fractions": _category_fractions(counts, top),
    }


def _category_fractions(counts, top):
    n_bins = len(top) + 1
    totals = np.append(top.to_numpy(dtype=float), counts.sum() - top.sum())
    return ((totals + 0.5) / (totals.sum() + 0.5 * n_bins)).tolist()


# -------------------------------------------------------------- compare
def compare_column(entry, column, *, future_ok=False, values=None):
    """How the batch ``column`` differs from the training summary ``entry``.

    Returns a dict of statistics (``psi``, ``missing_rate``,
    ``unseen_fraction``, ``out_of_range_fraction``, ``type_changed``) and
    ``problems``, the list of what is wrong, in words (empty when nothing is).
    ``future_ok``: values after the training range are expected (the time
    column) and not flagged. ``values``: a numeric column already as a
    float array (NaN where missing), given instead of ``column``.
    """
    if values is not None:
        m = len(values)
        missing = float(np.isnan(values).mean()) if m else 0.0
    else:
        m = len(column)
        missing = float(column.isna().mean()) if m else 0.0
    result = {"psi": np.nan, "missing_rate": missing, "unseen_fraction": np.nan,
              "out_of_range_fraction": np.nan, "type_changed": False, "problems": []}
    if m == 0 or entry["kind"] not in ("numeric", "datetime", "categorical"):
        return result
    problems = result["problems"]
    if entry["kind"] == "categorical":
        _compare_categories(entry, column, result)
    else:
        _compare_range(entry, column, result, future_ok, values)
    p0 = entry["missing_rate"]
    limit = p0 + max(MISSING_EXCESS, N_SIGMA * np.sqrt(p0 * (1 - p0) / m))
    if missing > limit:
        problems.append(f"{missing:.1%} missing (training {p0:.1%})")
    return result


def _compare_range(entry, column, result, future_ok, values=None):
    kind = entry["kind"]
    if values is None:
        values, bad = (_numbers if kind == "numeric" else _seconds)(column)
    else:
        bad = np.zeros(0, dtype=bool)
    m = len(values)
    problems = result["problems"]
    if bad.any():
        result["type_changed"] = True
        problems.append(_type_message(entry, column, bad))
    if entry.get("min") is None:
        return
    present = values[~np.isnan(values)]
    if len(present) == 0:
        result["out_of_range_fraction"] = 0.0
        return
    span = entry["max"] - entry["min"]
    lowest, highest = present.min(), present.max()
    low, high = entry["min"] - RANGE_MARGIN * span, entry["max"] + RANGE_MARGIN * span
    k, gross = 0, False
    if lowest < low or (highest > high and not future_ok):
        out = (present < low) if future_ok else ((present < low) | (present > high))
        k = int(out.sum())
        # not for a column nearly constant at fit (its 1 % and 99 % quantiles
        # equal): its span rests on a few rows
        spread = entry["quantiles"][-1] > entry["quantiles"][0]
        gross = spread and (lowest < entry["min"] - GROSS_MARGIN * span or (
            not future_ok and highest > entry["max"] + GROSS_MARGIN * span))
    result["out_of_range_fraction"] = float(k / m)
    n_train = entry["n_rows"] * (1 - entry["missing_rate"])
    if gross or (k and k / m >= MIN_FRACTION
                 and _out_of_range_p(k, len(present), n_train, future_ok) < ALPHA):
        show = _date if kind == "datetime" else (lambda v: f"{v:.4g}")
        problems.append(f"{k} of {m} rows ({k / m:.1%}) outside the "
                        f"training range [{show(entry['min'])}, {show(entry['max'])}]")
    codes = np.searchsorted(entry["edges"], present, side="right")
    fractions = _fractions(codes, len(entry["fractions"]))
    _judge_psi(entry, fractions, len(present), result, judge=not future_ok)


def _out_of_range_p(k, m, n, one_sided):
    """P(at least k of m i.i.d. values fall outside the range of n training values).

    The probability mass beyond the minimum and the maximum of n values is
    the sum of two of the n + 1 uniform spacings, Beta(2, n - 1) (one
    spacing, Beta(1, n), for one side); the count of new values beyond is
    then beta-binomial. (The test ignores the margin: conservative.)
    """
    a = 1 if one_sided else 2
    return float(betabinom.sf(k - 1, m, a, max(n + 1 - a, 1)))


def _type_message(entry, column, bad):
    examples = ", ".join(repr(v) for v in _examples(column.to_numpy()[bad]))
    was = "numbers" if entry["kind"] == "numeric" else "dates"
    return (f"type changed: {was} at fit, now {int(bad.sum())} value(s) that are not "
            f"{was} (dtype {column.dtype}; e.g. {examples})")


def _compare_categories(entry, column, result):
    m = len(column)
    codes, labels = category_codes(column)
    problems = result["problems"]
    if entry["text"] and not _is_text(column) and (codes >= 0).any():
        result["type_changed"] = True
        problems.append(f"type changed: text at fit, now numbers (dtype {column.dtype})")
    codes = codes[codes >= 0]
    if entry["complete"]:
        known = set(entry["categories"])
        unseen = ~np.array([label in known for label in labels], dtype=bool)[codes]
        k = int(unseen.sum())
        result["unseen_fraction"] = k / m
        p0 = entry["singleton_rate"]
        if k and k / m >= MIN_FRACTION and k / m > p0 + N_SIGMA * np.sqrt(p0 * (1 - p0) / m):
            examples = ", ".join(repr(v) for v in _examples(labels[codes[unseen]]))
            problems.append(f"unseen categories in {k} of {m} rows ({k / m:.1%}), e.g. "
                            f"{examples}")
    if len(codes):
        bins = {c: i for i, c in enumerate(entry["bins"])}
        which = np.array([bins.get(label, len(bins)) for label in labels], dtype=np.int64)[codes]
        _judge_psi(entry, _fractions(which, len(bins) + 1), len(codes), result)


def _judge_psi(entry, fractions, n, result, judge=True):
    value = psi(entry["fractions"], fractions)
    result["psi"] = value
    if not (judge and n >= PSI_MIN_ROWS and value > PSI_THRESHOLD):
        return
    n_ref = entry.get("n_binned", entry["n_rows"] * (1 - entry["missing_rate"]))
    n_eff = n * n_ref / (n + n_ref)
    if chi2.sf(n_eff * value, len(fractions) - 1) < ALPHA:
        result["problems"].append(f"distribution shifted (PSI {value:.2f} > {PSI_THRESHOLD})")
