"""The light profile of a training table, checked against every batch at predict time."""

import time
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from automl.drift._columns import has_number_dtype, compare_column, profile_column
from automl.drift._ood import OODDetector
from automl.transformers import TablePreprocessor
from automl._validation import validate_frame

REPORT_COLUMNS = ["column", "kind", "psi", "missing_rate", "training_missing_rate",
                  "unseen_fraction", "out_of_range_fraction", "type_changed", "flag", "problems"]


class TrainingProfile(BaseEstimator):
    """What the training table looked like, column by column, to check new batches.

    At fit each column is typed as :class:`~automl.transformers.TablePreprocessor`
    types it (numeric, categorical, datetime; dropped columns are not
    checked) and summarised in a plain dict: numeric and datetime columns by
    their range, a few quantiles, ten quantile bins and the missing rate;
    categorical columns by the categories seen (up to 1,000) and their
    frequencies. An :class:`OODDetector` is fitted on a sample of the rows
    for :meth:`ood_score`. :meth:`check` and :meth:`compare` then say how a
    batch differs. scikit-learn has no such check; what this adds to the
    population stability index and a range check is the choice of
    thresholds that keep i.i.d. batches silent (see Notes).

    Parameters
    ----------
    categorical_columns : list of str, default=None
        Columns to treat as categorical whatever their dtype.
    time_column : str, default=None
        A column ordering rows in time: dates after its training range are
        expected there and not flagged.
    ood_detector : {"knn", "isolation_forest"} or None, default="knn"
        The detector of :meth:`ood_score` (see :class:`OODDetector`); None
        fits none.
    sample_size : int, default=10000
        Rows sampled for the typing, the quantiles and the bins (ranges,
        missing rates and categories use every row).
    random_state : int, RandomState instance or None, default=None
        Seeds the samples and the detector.

    Attributes
    ----------
    columns_ : dict of str to dict
        For each input column its summary: ``kind``, ``dtype``,
        ``missing_rate``, and ``min``, ``max``, ``quantiles`` (numeric,
        datetime as Unix seconds) or ``categories`` (up to 1,000) and
        ``frequencies`` (of the top 20) (categorical). Plain Python values
        only: a few kilobytes per column at most.
    detector_ : OODDetector or None
        The fitted detector, None when ``ood_detector`` is None.
    n_samples_ : int
        Rows profiled.
    notes_ : list of str
        What was skipped, and why.
    fit_time_ : float
        Seconds the fit took.
    n_features_in_ : int
        Number of columns seen during fit.
    feature_names_in_ : ndarray
        Column names seen during fit, when ``X`` has string column names.

    Notes
    -----
    A column is flagged (thresholds in ``automl.drift._columns``; every
    statistical test at significance ``ALPHA = 1e-4``, so that a clean
    batch of tens of columns stays silent) when:

    - numeric or datetime values lie more than 10 % of the training span
      beyond the training minimum or maximum, in at least 1 % of the rows
      and in more rows than i.i.d. rows would be (the mass beyond the range
      of ``n`` values is a Beta(2, n - 1) variable, so their count is
      beta-binomial); or one value lies more than three training spans
      beyond it (a unit change; a single row suffices; not in a column
      whose 1 % and 99 % training quantiles are equal, whose span rests on
      a few rows);
    - the missing rate exceeds the training rate by more than 0.1 and by
      four binomial standard deviations of the batch;
    - rows hold categories never seen in training, in at least 1 % of the
      rows (any row of a batch under 100 rows) and more than the
      Good-Turing estimate (the share of training rows whose category
      occurs once) plus four standard deviations: a column of a few
      categories flags a single unseen row, an ID-like column never;
    - values no longer parse as the type seen at fit (numbers become text,
      dates do not parse), or a text column now holds numbers;
    - the population stability index over ten bins exceeds 0.25 (the usual
      "significant shift") and is significant (``n_eff * PSI`` against a
      chi-square with ``bins - 1`` degrees of freedom), on batches of at
      least 100 rows.

    The ``time_column`` is not flagged for dates after its training range,
    nor for its shift. These thresholds gave no false alarm on i.i.d.
    splits (20 %, 50 %, the first 10 rows and a single row; three seeds) of
    scikit-learn's breast cancer, diabetes, wine, iris and digits tables and
    a synthetic table of numbers, categories, IDs, dates and gaps
    (``tests/drift/test_profile.py``; ``benchmarks/bench_drift.py``
    counts them against a plain "1 % of rows beyond the range plus 10 %,
    or PSI above 0.25" rule, which does raise false alarms there).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from automl.drift import TrainingProfile
    >>> rng = np.random.RandomState(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=500), "color": rng.choice(["red", "blue"], 500)})
    >>> profile = TrainingProfile(ood_detector=None).fit(X)
    >>> profile.columns_["color"]["categories"]
    ['blue', 'red']
    >>> new = pd.DataFrame({"x": [0.1, 40.0], "color": ["red", "green"]})  # 40: a unit change
    >>> for name, problem in profile.check(new).items():
    ...     print(name, "->", problem)
    x -> 1 of 2 rows (50.0%) outside the training range [-2.773, 2.696]
    color -> unseen categories in 1 of 2 rows (50.0%), e.g. 'green'
    """

    _parameter_constraints: dict = {
        "categorical_columns": [list, tuple, None],
        "time_column": [str, None],
        "ood_detector": [StrOptions({"knn", "isolation_forest"}), None],
        "sample_size": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, categorical_columns=None, time_column=None, ood_detector="knn",
                 sample_size=10000, random_state=None):
        self.categorical_columns = categorical_columns
        self.time_column = time_column
        self.ood_detector = ood_detector
        self.sample_size = sample_size
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Profile the columns of ``X`` and fit the detector.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The training table, raw.
        y : None
            Ignored.

        Returns
        -------
        self : TrainingProfile
        """
        start = time.perf_counter()
        X = validate_frame(self, X, reset=True).reset_index(drop=True)
        rng = np.random.RandomState(
            self.random_state if isinstance(self.random_state, Integral) else None)
        sample = X.iloc[np.sort(rng.permutation(len(X))[:self.sample_size])]
        cats = [c for c in (self.categorical_columns or []) if c in X.columns] or None
        kinds = TablePreprocessor(categorical_columns=cats).fit(sample).column_kinds_
        self.columns_ = {name: profile_column(X[name], kind, sample[name])
                         for name, kind in kinds.items()}
        self.n_samples_ = len(X)
        self.notes_ = []
        self.detector_ = None
        if self.ood_detector is not None:
            self.detector_ = OODDetector(method=self.ood_detector, categorical_columns=cats,
                                         random_state=self.random_state).fit(X)
        self.fit_time_ = time.perf_counter() - start
        return self

    def _batch(self, X):
        check_is_fitted(self)
        return validate_frame(self, X, reset=False).reset_index(drop=True)

    def compare(self, X):
        """One row per column: how ``X`` differs from the training table.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        report : DataFrame
            Columns ``column``, ``kind``, ``psi`` (population stability
            index over ten bins, NaN for unchecked columns),
            ``missing_rate``, ``training_missing_rate``, ``unseen_fraction``
            (categorical), ``out_of_range_fraction`` (numeric, datetime),
            ``type_changed``, ``flag`` and ``problems`` (in words, ``""``
            when the column is not flagged).
        """
        rows = []
        for name, entry, stats in self._compare(X):
            problems = stats.pop("problems")
            rows.append({"column": name, "kind": entry["kind"], **stats,
                         "training_missing_rate": entry["missing_rate"],
                         "flag": bool(problems), "problems": "; ".join(problems)})
        return pd.DataFrame(rows, columns=REPORT_COLUMNS)

    def check(self, X):
        """The flagged columns of ``X``: ``{column: what is wrong}``, in column order.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        problems : dict of str to str
        """
        return {name: "; ".join(stats["problems"])
                for name, _, stats in self._compare(X) if stats["problems"]}

    def _compare(self, X):
        """``(name, entry, stats)`` per column; numeric columns as one float block."""
        X = self._batch(X)
        dtypes = X.dtypes
        fast = [name for name, entry in self.columns_.items()
                if entry["kind"] == "numeric" and has_number_dtype(dtypes[name])]
        if fast:
            block = X[fast].to_numpy(dtype=np.float64, na_value=np.nan)
            block = np.where(np.isinf(block), np.nan, block)
        where = {name: j for j, name in enumerate(fast)}
        for name, entry in self.columns_.items():
            future_ok = name == self.time_column
            if name in where:
                stats = compare_column(entry, None, future_ok=future_ok,
                                       values=block[:, where[name]])
            else:
                stats = compare_column(entry, X[name], future_ok=future_ok)
            yield name, entry, stats

    def ood_score(self, X):
        """Per-row out-of-distribution score in [0, 1], from ``detector_``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        score : ndarray of shape (n_samples,)
            Higher is less like the training rows (see :class:`OODDetector`).
        """
        X = self._batch(X)
        if self.detector_ is None:
            why = "; ".join(self.notes_) or "ood_detector=None"
            raise NotFittedError(f"This profile has no out-of-distribution detector ({why}).")
        return self.detector_.score(X)

    def summary(self, max_columns=20):
        """Short lines describing the profile, for ``automl info``."""
        check_is_fitted(self)
        kinds = pd.Series([e["kind"] for e in self.columns_.values()]).value_counts()
        detector = (f"OOD detector {self.detector_.method} on {self.detector_.n_reference_} "
                    "rows" if self.detector_ is not None else "no OOD detector")
        lines = [f"{len(self.columns_)} columns ("
                 + ", ".join(f"{n} {k}" for k, n in kinds.items())
                 + f") from {self.n_samples_} rows; {detector}"]
        for name, entry in list(self.columns_.items())[:max_columns]:
            lines.append(f"{name}: {_describe(entry)}")
        if len(self.columns_) > max_columns:
            lines.append(f"... and {len(self.columns_) - max_columns} more")
        return lines + [f"note: {note}" for note in self.notes_]


def _describe(entry):
    kind, missing = entry["kind"], f"missing {entry['missing_rate']:.1%}"
    if kind in ("numeric", "datetime") and entry.get("min") is not None:
        show = (lambda v: str(pd.Timestamp(v, unit="s"))) if kind == "datetime" else (
            lambda v: f"{v:.4g}")
        median = entry["quantiles"][len(entry["quantiles"]) // 2]
        return (f"{kind}, range [{show(entry['min'])}, {show(entry['max'])}], "
                f"median {show(median)}, {missing}")
    if kind == "categorical":
        top = ", ".join(f"{c} {f:.0%}" for c, f in zip(entry["categories"][:3],
                                                     entry["frequencies"][:3]))
        return f"categorical, {entry['n_categories']} categories ({top}), {missing}"
    return kind
