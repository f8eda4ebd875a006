"""Turn a raw table (numbers, text, categories, dates, gaps) into a float matrix."""

import weakref
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, TargetEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from automl._validation import check_finite, validate_frame
from automl.transformers._datetime import DatetimeFeatures, looks_like_iso_dates, parse_datetimes
from automl.transformers._impute import MedianImputer

MISSING = "missing"
# Native categorical columns hold at most this many categories (the category
# "missing" included), so that every engine takes them: HistGradientBoosting
# bins a categorical feature's codes into at most 255 bins.
MAX_NATIVE_CATEGORIES = 250


def _is_numeric(column):
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return True
    if dtype == object:
        values = column.dropna()
        return len(values) > 0 and all(
            isinstance(v, (int, float, bool, np.number, np.bool_)) for v in values
        )
    return False


def _is_datetime(column):
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
        column.dtype
    ):
        return True
    text = pd.api.types.is_string_dtype(column.dtype) or isinstance(
        column.dtype, pd.CategoricalDtype
    )
    return text and looks_like_iso_dates(column.astype(object))


def category_codes(column):
    """``(codes, labels)``: ``labels[codes]`` is ``column`` read as ``str``, -1 where missing.

    How TablePreprocessor (and the drift checks) read a categorical column:
    each value as ``str(value)``. Each distinct value is converted once (a
    categorical column's categories, or the distinct values of another
    column), not each row, so a batch costs what its distinct values cost.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        labels = np.array([str(c) for c in column.cat.categories], dtype=object)
        return column.cat.codes.to_numpy(), labels
    codes, uniques = pd.factorize(column.to_numpy(dtype=object))
    # exact when every distinct value is a str: 1, 1.0 and True hash alike
    # but print differently
    if not all(type(u) is str for u in uniques):
        missing = column.isna().to_numpy()
        codes, uniques = pd.factorize(column.astype(str).to_numpy(dtype=object))
        codes = np.where(missing, -1, codes)
    return codes, np.asarray(uniques, dtype=object)


def _as_categories(column):
    """Object array of ``str`` values, with ``np.nan`` where missing."""
    codes, labels = category_codes(column)
    return np.append(labels, np.nan)[codes]


def _category_lookup(transformer):
    """The encoding of a fitted ``SimpleImputer(MISSING) + encoder`` pipeline, or None.

    For the one-hot (unknown: all zeros) and ordinal (unknown: its
    ``unknown_value``) encoders that TablePreprocessor builds, as a function
    of the list of prepared categorical columns (object arrays of str, NaN
    where missing); None for any other step (it transforms itself).
    """
    steps = getattr(transformer, "steps", None)
    if steps is None or len(steps) != 2:
        return None
    imputer, encoder = steps[0][1], steps[1][1]
    if not (type(imputer) is SimpleImputer and imputer.strategy == "constant"
            and imputer.fill_value == MISSING):
        return None
    if getattr(encoder, "max_categories", None) is not None or \
            getattr(encoder, "min_frequency", None) is not None:
        return None  # infrequent categories are grouped: leave it to the encoder
    if type(encoder) is OneHotEncoder and encoder.handle_unknown == "ignore" \
            and encoder.drop_idx_ is None:
        return lambda columns: _one_hot(columns, encoder)
    if type(encoder) is OrdinalEncoder and encoder.handle_unknown == "use_encoded_value":
        return lambda columns: _ordinal(columns, encoder)
    return None


# what is derived from a fitted encoder's categories ({category: position}
# tables, native dtypes), built on first use and kept beside it (never
# pickled); weak keys, so that an encoder garbage collected takes it along
_FROM_CATEGORIES = weakref.WeakKeyDictionary()


def _from_categories(encoder, what, build):
    """``build(encoder.categories_)``, computed once per fitted encoder (again after a refit)."""
    derived = _FROM_CATEGORIES.setdefault(encoder, {})
    categories, value = derived.get(what, (None, None))
    if categories is not encoder.categories_:
        value = build(encoder.categories_)
        derived[what] = (encoder.categories_, value)
    return value


def _category_positions(encoder):
    return _from_categories(encoder, "positions", lambda categories: [
        {c: i for i, c in enumerate(cats)} for cats in categories])


def _native_dtypes(encoder):
    """The categorical dtype of each native output column: codes 0 .. n_categories - 1."""
    return _from_categories(encoder, "dtypes", lambda categories: [
        pd.CategoricalDtype(categories=range(len(cats))) for cats in categories])


def _codes(values, positions):
    """Positions of ``values`` (str, or NaN read as MISSING) in a category table; -1 unknown."""
    return np.fromiter((positions.get(v if isinstance(v, str) else MISSING, -1) for v in values),
                       dtype=np.int64, count=len(values))


def _one_hot(columns, encoder):
    out = []
    for column, positions in zip(columns, _category_positions(encoder)):
        codes = _codes(column, positions)
        block = np.zeros((len(codes), len(positions)))
        known = codes >= 0
        block[np.flatnonzero(known), codes[known]] = 1.0
        out.append(block)
    return np.hstack(out)


def _ordinal(columns, encoder):
    tables = _category_positions(encoder)
    out = np.empty((len(columns[0]), len(tables)))
    for j, (column, positions) in enumerate(zip(columns, tables)):
        codes = _codes(column, positions)
        out[:, j] = np.where(codes >= 0, codes, encoder.unknown_value)
    return out


def _as_float(estimator, column, name):
    try:
        if column.dtype == object:
            column = pd.Series(
                [np.nan if pd.isna(v) else float(v) for v in column], dtype=np.float64
            )
        return check_finite(estimator, column, name)
    except (TypeError, ValueError) as exc:
        if "infinite" in str(exc):
            raise
        raise ValueError(
            f"TablePreprocessor: column {name!r} was numeric at fit but holds "
            f"non-numeric values now ({exc})."
        ) from None


def _has_numeric_dtype(dtype):
    """Whether ``dtype`` is boolean or numeric (not object, not categorical)."""
    return not isinstance(dtype, pd.CategoricalDtype) and (
        pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype))


def _float_block(estimator, X, names):
    """``X[names]`` as one float64 array; a ``ValueError`` names a column holding infinity."""
    values = X[names].to_numpy(dtype=np.float64, na_value=np.nan)
    infinite = np.isinf(values).any(axis=0)
    if infinite.any():
        name = names[int(np.argmax(infinite))]
        check_finite(estimator, X[name], name)
    return values


def _numeric_block_summary(estimator, X, names):
    """``{column: "numeric" | "dropped"}`` for the columns of numeric dtype among ``names``.

    Typed together on one float array: a column is dropped when it is all
    missing, or has no missing value and a single value (missing counts as a
    value, as for the other kinds).
    """
    dtypes = dict(zip(X.columns, X.dtypes))
    names = [n for n in names if _has_numeric_dtype(dtypes[n])]
    if not names:
        return {}
    values = _float_block(estimator, X, names)
    missing = np.isnan(values)
    low = np.where(missing, np.inf, values).min(axis=0)
    high = np.where(missing, -np.inf, values).max(axis=0)
    dropped = missing.all(axis=0) | (~missing.any(axis=0) & (low == high))
    return {n: "dropped" if d else "numeric" for n, d in zip(names, dropped)}


def count_native_categoricals(X, categorical_columns=None):
    """How many columns of ``X`` ``categorical_encoding="native"`` would keep as categories.

    The column typing of :class:`TablePreprocessor`, without fitting encoders.
    """
    table = TablePreprocessor(categorical_columns=categorical_columns)
    cardinality = table._type_columns(validate_frame(table, X, reset=True))
    return sum(n < MAX_NATIVE_CATEGORIES for n in cardinality.values())


class TablePreprocessor(TransformerMixin, BaseEstimator):
    """Encode a raw table into a numeric float matrix, column kind by column kind.

    At fit, each column is typed as numeric, categorical or datetime (or
    dropped), and a scikit-learn :class:`~sklearn.compose.ColumnTransformer`
    is built from scikit-learn's imputers and encoders:

    - numeric (including booleans, as 0/1): median imputation plus a missing
      indicator for each column that had gaps at fit;
    - categorical with at most ``max_onehot_cardinality`` distinct values:
      missing values become the category ``"missing"``, then one-hot encoding;
    - categorical with more values: target encoding (cross-fitted in
      ``fit_transform``), or ordinal codes when ``y`` is None;
    - datetime: :class:`DatetimeFeatures` (year, month, ...), then median
      imputation.

    With ``categorical_encoding="native"``, categorical columns of up to
    ``MAX_NATIVE_CATEGORIES`` (250) values are instead left as categories for
    models that split on them natively (HistGradientBoosting, LightGBM,
    XGBoost with ``enable_categorical=True``): the output is then a
    DataFrame in which these columns have a pandas categorical dtype (codes
    ``0 .. k-1``, in sorted order of the values; unseen values are missing),
    and the others are float64. This is what scikit-learn's encoders lack: one
    table encoding whose output carries to the model which columns are
    categories.

    Parameters
    ----------
    categorical_columns : list of str, default=None
        Columns to treat as categorical whatever their dtype, e.g.
        integer-coded IDs.
    datetime_columns : list of str, default=None
        Columns to treat as datetimes whatever their dtype (numbers are read as
        Unix epoch seconds).
    max_onehot_cardinality : int, default=10
        Categorical columns with at most this many distinct non-missing values
        at fit are one-hot encoded; those with more are target encoded.
    categorical_encoding : {"auto", "native"}, default="auto"
        ``"auto"``: one-hot or target encoding by cardinality, as above.
        ``"native"``: categorical columns of at most 250 values stay
        categories (pandas categorical dtype in a DataFrame output); those
        with more are encoded as with ``"auto"``.
    target_type : {"auto", "continuous", "binary", "multiclass"}, default="auto"
        Passed to scikit-learn's ``TargetEncoder``. Set it when ``"auto"``
        would guess wrong, e.g. ``"continuous"`` for a regression target whose
        values are whole numbers.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffled cross-fitting folds of the target encoder.

    Attributes
    ----------
    column_kinds_ : dict of str to str
        For each input column: ``"numeric"``, ``"categorical"``,
        ``"datetime"`` or ``"dropped"``.
    dropped_columns_ : dict of str to str
        Dropped columns and why: ``"constant"`` or ``"all missing"``.
    categorical_encoding_ : dict of str to str
        For each categorical column: ``"onehot"``, ``"target"``, ``"ordinal"``
        (high-cardinality columns when fitted without ``y``) or ``"native"``.
    column_transformer_ : ColumnTransformer
        The fitted scikit-learn transformer that does the encoding; it expects
        the table as prepared internally (see Notes), not the raw input.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    DatetimeFeatures : The datetime part of this transformer.
    sklearn.compose.make_column_transformer : Build such a transformer by hand.
    skrub.TableVectorizer : A richer table encoder with the same purpose.

    Notes
    -----
    Column typing, at fit: ``categorical_columns`` and ``datetime_columns``
    first (a name that is not a column raises a ``ValueError`` naming it);
    then boolean and numeric dtypes (and object columns holding only numbers)
    are numeric; datetime dtypes, and text in which every value is an ISO 8601
    date (``"2024-01-31"``, ``"2024-01-31 10:00"``), are datetimes; any other
    text, object or ``category`` column is categorical. Columns that are
    entirely missing or hold a single value (missing counting as a value) are
    dropped and listed in ``dropped_columns_``; if all are, fit raises.

    Categorical values are cast to ``str`` (so a column mixing numbers and
    text works; ``1`` and ``1.0`` become different categories). Missing values
    are a category of their own, ``"missing"`` (which merges with a genuine
    ``"missing"`` string). Categories unseen at fit give all-zero one-hot
    columns, the target mean for target encoding, and -1 for ordinal codes.
    The target encoder's ``fit_transform`` is cross-fitted (each row encoded
    by a model that did not see it), so ``fit_transform(X, y)`` differs from
    ``fit(X, y).transform(X)`` on target-encoded columns, by design. The folds
    are 5 shuffled ones, stratified for class targets (fewer when the largest
    class has fewer than 5 rows), and ``TargetEncoder`` infers the target type
    from ``y``. Without ``y``, high-cardinality columns fall back to
    ``OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)``.

    A DataFrame without string column names, or another input such as a
    NumPy array, gets the column names ``x0, x1, ...``, which
    ``categorical_columns`` and ``datetime_columns`` then refer to. At
    transform, a DataFrame whose columns differ from those seen at fit raises
    a ``ValueError`` naming the missing and unexpected columns. Empty input
    and infinite values raise a ``ValueError`` too (the latter naming the
    column); text in a datetime column that does not parse becomes NaN, then
    the training median.

    The output is a dense float64 array (a DataFrame when some columns are
    native categories), columns grouped by encoder (numeric, one-hot, target
    or ordinal, native, datetime); ``get_feature_names_out`` gives
    names like ``age``, ``missingindicator_age``, ``color_red``,
    ``date_year``, prefixed by the kind (``numeric__age``) only when two
    names would clash.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from automl.transformers._table import TablePreprocessor
    >>> X = pd.DataFrame({
    ...     "age": [20.0, np.nan, 40.0, 30.0],
    ...     "color": ["red", "blue", None, "red"],
    ...     "date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"],
    ...     "const": [1, 1, 1, 1],
    ... })
    >>> pre = TablePreprocessor().fit(X)
    >>> pre.column_kinds_
    {'age': 'numeric', 'color': 'categorical', 'date': 'datetime', 'const': 'dropped'}
    >>> pre.dropped_columns_
    {'const': 'constant'}
    >>> pre.get_feature_names_out().tolist()
    ['age', 'missingindicator_age', 'color_blue', 'color_missing', 'color_red', 'date_month', 'date_dayofweek']
    >>> out = pre.transform(X)
    >>> out.shape, out.dtype
    ((4, 7), dtype('float64'))
    >>> out[1, :2].tolist()  # the median age, and its missing indicator
    [30.0, 1.0]
    >>> native = TablePreprocessor(categorical_encoding="native").fit_transform(X)
    >>> native["color"].cat.codes.tolist()  # blue, missing, red in sorted order
    [2, 0, 1, 2]
    >>> str(native["color"].dtype), str(native["age"].dtype)
    ('category', 'float64')
    """

    _parameter_constraints: dict = {
        "categorical_columns": [list, tuple, None],
        "datetime_columns": [list, tuple, None],
        "max_onehot_cardinality": [Interval(Integral, 0, None, closed="left")],
        "categorical_encoding": [StrOptions({"auto", "native"})],
        "target_type": [StrOptions({"auto", "continuous", "binary", "multiclass"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        categorical_columns=None,
        datetime_columns=None,
        max_onehot_cardinality=10,
        categorical_encoding="auto",
        target_type="auto",
        random_state=None,
    ):
        self.categorical_columns = categorical_columns
        self.datetime_columns = datetime_columns
        self.max_onehot_cardinality = max_onehot_cardinality
        self.categorical_encoding = categorical_encoding
        self.target_type = target_type
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Type the columns and fit the encoders.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The raw table.
        y : array-like of shape (n_samples,), default=None
            Target, used by the target encoder of high-cardinality columns.

        Returns
        -------
        self : TablePreprocessor
            The fitted transformer.
        """
        self._fit_transform(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit, then encode ``X``, cross-fitting the target encoder.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The raw table.
        y : array-like of shape (n_samples,), default=None
            Target, used by the target encoder of high-cardinality columns.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            The encoded table, float64 (a DataFrame when some columns are
            native categories).
        """
        return self._fit_transform(X, y)

    def _fit_transform(self, X, y):
        X = validate_frame(self, X, reset=True)
        if X.shape[0] < 2:
            raise ValueError(
                f"TablePreprocessor needs at least 2 samples to type columns, got "
                f"n_samples = {X.shape[0]}."
            )
        cardinality = self._type_columns(X)
        dtypes = dict(zip(X.columns, X.dtypes))
        # numeric columns of numeric dtypes: prepared together, as one block
        self._numeric_block = [n for n, k in self.column_kinds_.items()
                               if k == "numeric" and _has_numeric_dtype(dtypes[n])]
        if all(kind == "dropped" for kind in self.column_kinds_.values()):
            raise ValueError(
                "TablePreprocessor: every column was dropped (constant or all missing): "
                f"{self.dropped_columns_}. There is nothing left to encode."
            )
        self.column_transformer_ = self._make_column_transformer(cardinality, y)
        out = self.column_transformer_.fit_transform(self._prepare(X), y)
        try:
            self.column_transformer_.get_feature_names_out()
        except ValueError:  # clashing short names: use "<kind>__<name>"
            self.column_transformer_.set_params(verbose_feature_names_out=True)
        return self._output(out, X.index)

    def _forced_kinds(self, X):
        """``{column: "categorical" | "datetime"}`` from the two column-list params."""
        forced = {}
        for param in ("categorical_columns", "datetime_columns"):
            names = list(getattr(self, param) or [])
            unknown = [c for c in names if c not in X.columns]
            if unknown:
                raise ValueError(
                    f"TablePreprocessor: columns {unknown} named in {param!r} are not in "
                    f"X (its columns: {list(X.columns)})."
                )
            kind = param.removesuffix("_columns")
            for name in names:
                if forced.setdefault(name, kind) != kind:
                    raise ValueError(
                        f"TablePreprocessor: column {name!r} is named in both "
                        "'categorical_columns' and 'datetime_columns'."
                    )
        return forced

    def _type_columns(self, X):
        """Set ``column_kinds_`` and ``dropped_columns_``; return categorical cardinalities."""
        forced = self._forced_kinds(X)
        block = _numeric_block_summary(self, X, [c for c in X.columns if c not in forced])
        self.column_kinds_, self.dropped_columns_, cardinality = {}, {}, {}
        for name in X.columns:
            if name in block:
                kind = block[name]
                if kind == "dropped":
                    self.dropped_columns_[name] = "all missing" if X[name].isna().all() \
                        else "constant"
                self.column_kinds_[name] = kind
                continue
            column = X[name]
            if column.isna().all():
                self.column_kinds_[name] = "dropped"
                self.dropped_columns_[name] = "all missing"
                continue
            if name in forced:
                kind = forced[name]
            elif _is_numeric(column):
                kind = "numeric"
            elif _is_datetime(column):
                kind = "datetime"
            else:
                kind = "categorical"
            values = pd.Series({
                "numeric": lambda: _as_float(self, column, name),
                "categorical": lambda: _as_categories(column),
                "datetime": lambda: parse_datetimes(column).to_numpy(),
            }[kind]())
            if values.nunique(dropna=False) == 1:
                kind = "dropped"
                self.dropped_columns_[name] = "constant"
            elif kind == "categorical":
                cardinality[name] = values.nunique(dropna=True)
            self.column_kinds_[name] = kind
        return cardinality

    def _make_column_transformer(self, cardinality, y):
        by_kind = {}
        for name, kind in self.column_kinds_.items():
            by_kind.setdefault(kind, []).append(name)
        self.categorical_encoding_ = {}
        high = "ordinal" if y is None else "target"
        native = self.categorical_encoding == "native"
        for name in by_kind.get("categorical", []):
            if native and cardinality[name] < MAX_NATIVE_CATEGORIES:  # "missing" makes one more
                self.categorical_encoding_[name] = "native"
                continue
            many = cardinality[name] > self.max_onehot_cardinality
            self.categorical_encoding_[name] = high if many else "onehot"
        if y is None:
            high_encoder = OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
            )
        else:
            high_encoder = TargetEncoder(
                target_type=self.target_type, cv=self._target_encoder_cv(y)
            )
        steps = {
            "numeric": MedianImputer(),
            "onehot": make_pipeline(
                SimpleImputer(strategy="constant", fill_value=MISSING),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
            ),
            high: make_pipeline(
                SimpleImputer(strategy="constant", fill_value=MISSING), high_encoder
            ),
            "native": make_pipeline(
                SimpleImputer(strategy="constant", fill_value=MISSING),
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
            ),
            "datetime": make_pipeline(DatetimeFeatures(), SimpleImputer(strategy="median")),
        }
        columns = {
            "numeric": by_kind.get("numeric", []),
            "datetime": by_kind.get("datetime", []),
            **{
                encoding: [c for c, e in self.categorical_encoding_.items() if e == encoding]
                for encoding in ("onehot", high, "native")
            },
        }
        # columns by position in the prepared table (scikit-learn looks names up one by one)
        position = {name: i for i, name in enumerate(self._prepared_order())}
        transformers = [
            (step, steps[step], [position[name] for name in columns[step]])
            for step in ("numeric", "onehot", high, "native", "datetime")
            if columns[step]
        ]
        return ColumnTransformer(
            transformers, sparse_threshold=0, verbose_feature_names_out=False
        ).set_output(transform="default")

    def _target_encoder_cv(self, y):
        # TargetEncoder's own random_state is deprecated in scikit-learn 1.9;
        # pass the shuffled splitter, with fewer folds when classes are small.
        y = np.asarray(y)
        kind = type_of_target(y) if self.target_type == "auto" else self.target_type
        if kind in ("binary", "multiclass"):
            largest = np.unique(y, return_counts=True)[1].max()
            if largest >= 2:
                n_splits = min(5, largest)
                return StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
        n_splits = max(2, min(5, len(y)))
        return KFold(n_splits, shuffle=True, random_state=self.random_state)

    def _prepared_order(self):
        """The columns of :meth:`_prepare`'s table: the numeric block, then the others."""
        block = getattr(self, "_numeric_block", [])
        in_block = set(block)
        return block + [name for name, kind in self.column_kinds_.items()
                        if kind != "dropped" and name not in in_block]

    def _prepare(self, X):
        """The kept columns as a table: float (numeric), str objects (categorical), raw (datetime).

        What the column transformer is fitted on; :meth:`_prepare_columns`
        gives the same columns as arrays.
        """
        block, values, columns = self._prepare_columns(X)
        parts = []
        if block:
            parts.append(pd.DataFrame(values, columns=block, copy=False))
        if columns:
            parts.append(pd.DataFrame({name: self._as_series(name, column)
                                       for name, column in columns.items()}))
        return pd.concat(parts, axis=1) if len(parts) > 1 else parts[0]

    def _prepare_columns(self, X):
        """``(block, values, columns)``: the kept columns of ``X``, prepared.

        The numeric columns that had numeric dtypes at fit are converted
        together, as one float array ``values`` (their names ``block``): a
        wide numeric table costs what NumPy costs, not a pandas operation per
        column. ``columns`` maps each other kept column, in the prepared
        order, to its floats, its str objects (NaN where missing) or its raw
        values (datetime).
        """
        X = X.reset_index(drop=True)
        block = getattr(self, "_numeric_block", [])  # absent in models fitted before it
        values = self._block_values(X, block) if block else None
        columns = {}
        for name in self._prepared_order()[len(block):]:
            column, kind = X[name], self.column_kinds_[name]
            if kind == "numeric":
                columns[name] = np.asarray(_as_float(self, column, name), dtype=np.float64)
            elif kind == "categorical":
                columns[name] = _as_categories(column)
            elif kind == "datetime":
                is_category = isinstance(column.dtype, pd.CategoricalDtype)
                columns[name] = column.astype(object) if is_category else column
        return block, values, columns

    def _as_series(self, name, column):
        if isinstance(column, pd.Series):
            return column.reset_index(drop=True)
        if self.column_kinds_[name] == "categorical":  # object: pandas would infer "str"
            return pd.Series(column, dtype=object)
        return pd.Series(column, dtype=np.float64)

    def _block_values(self, X, block):
        """The numeric block as floats; a column that no longer converts is named."""
        try:
            return _float_block(self, X, block)
        except (TypeError, ValueError) as exc:
            if "infinite" in str(exc):
                raise
            for name in block:  # the first column that fails raises, naming itself
                _as_float(self, X[name], name)
            raise

    def transform(self, X):
        """Encode ``X`` with the encoders fitted at fit.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            A table with the columns seen at fit.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            The encoded table, float64 (a DataFrame when some columns are
            native categories).
        """
        check_is_fitted(self)
        X = validate_frame(self, X, reset=False)
        return self._output(self._encode(*self._prepare_columns(X)), X.index)

    def _encode(self, block, values, columns):
        """``column_transformer_.transform`` of the prepared columns, lookups done directly.

        The same numbers as the fitted ColumnTransformer gives on
        :meth:`_prepare`'s table: each fitted step transforms its columns,
        except the imputed one-hot, ordinal and native encoders, whose
        categories are looked up in one dict per column
        (:func:`_category_lookup`). What this skips is the per-call cost of
        scikit-learn's and pandas' checks, most of a one-row call.
        """
        order, blocks = self._prepared_order(), []
        for step, transformer, positions in self.column_transformer_.transformers_:
            if step == "remainder" or len(positions) == 0:
                continue  # TablePreprocessor's remainder is always dropped
            names = [order[i] for i in positions]
            lookup = _category_lookup(transformer)
            if lookup is not None:
                blocks.append(lookup([columns[name] for name in names]))
            elif names == block:
                blocks.append(transformer.transform(pd.DataFrame(values, columns=block,
                                                                 copy=False)))
            else:
                blocks.append(transformer.transform(self._frame(names, block, values, columns)))
        return np.hstack([np.asarray(b, dtype=np.float64) for b in blocks])

    def _frame(self, names, block, values, columns):
        """The prepared columns ``names`` as a table, as :meth:`_prepare` makes it."""
        where = {name: j for j, name in enumerate(block)}
        return pd.DataFrame({name: pd.Series(values[:, where[name]]) if name in where
                             else self._as_series(name, columns[name]) for name in names})

    def _output(self, out, index):
        """The float64 array, or a DataFrame whose native columns are categorical."""
        out = np.asarray(out, dtype=np.float64)
        native = self.column_transformer_.output_indices_.get("native", slice(0, 0))
        if native.stop <= native.start:
            return out
        names = self.get_feature_names_out()
        frame = {name: out[:, j] for j, name in enumerate(names)}
        encoder = self.column_transformer_.named_transformers_["native"][-1]
        for j, dtype in zip(range(native.start, native.stop), _native_dtypes(encoder)):
            codes = np.where(np.isnan(out[:, j]), -1, out[:, j]).astype(np.int64)
            frame[names[j]] = pd.Categorical.from_codes(codes, dtype=dtype)
        return pd.DataFrame(frame, index=index, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Must be None or match ``feature_names_in_`` (or ``x0, x1, ...``).

        Returns
        -------
        feature_names_out : ndarray of str objects
            The output names.
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features)  # only checks them
        return np.asarray(self.column_transformer_.get_feature_names_out(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags
