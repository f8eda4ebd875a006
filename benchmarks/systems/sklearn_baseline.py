"""scikit-learn's defaults as benchmark baselines: ``--model hgb|rf|linear``.

- ``hgb``: ``HistGradientBoosting*`` default, text and the manifest's
  categorical columns as pandas categories (its native support, at most 255
  levels; beyond that ordinal codes as numbers).
- ``rf``: ``RandomForest*`` default (``n_jobs`` from the task), the same
  columns ordinal-encoded, missing values left to the forest.
- ``linear``: median imputation and standard scaling of numbers, one-hot
  encoding of categories (at most 32 levels a column, rare ones pooled), then
  ``LogisticRegression`` or ``RidgeCV``.
"""

import importlib.metadata as md

import numpy as np
import pandas as pd
from _common import parse_args, run_system
from sklearn import ensemble, linear_model
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler


def categorical_columns(X, task):
    listed = set(task.get("categorical_columns") or [])
    return [c for c in X.columns if c in listed or not pd.api.types.is_numeric_dtype(X[c])]


def category_levels(X, cats):
    """The training levels of each categorical column, as sorted text."""
    return {c: pd.Index(X[c].dropna().astype(str).unique()).sort_values() for c in cats}


def as_categories(X, levels, max_levels=255):
    """Categorical columns as pandas categories of the training levels.

    HistGradientBoosting's native support takes at most 255 levels: past
    that, a column becomes its ordinal codes as numbers (unknown is NaN).
    """
    X = X.copy()
    for c, lv in levels.items():
        codes = pd.Categorical(X[c].astype(str).where(X[c].notna()), categories=lv)
        X[c] = codes if len(lv) <= max_levels else (
            pd.Series(codes.codes, index=X.index).replace(-1, np.nan))
    return X


def as_text(X, cats):
    """Categorical columns as text, missing values as the level "missing"."""
    X = X.copy()
    for c in cats:
        X[c] = X[c].astype(str).where(X[c].notna(), "missing")
    return X


def make_model(name, task, cats, n_jobs, seed):
    regression = task == "regression"
    if name == "hgb":
        cls = ensemble.HistGradientBoostingRegressor if regression else ensemble.HistGradientBoostingClassifier
        return cls(random_state=seed, categorical_features="from_dtype")
    if name == "rf":
        cls = ensemble.RandomForestRegressor if regression else ensemble.RandomForestClassifier
        encode = ColumnTransformer(
            [("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                    encoded_missing_value=-2), cats)],
            remainder="passthrough")
        return make_pipeline(encode, cls(n_jobs=n_jobs, random_state=seed))
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categories = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=32))
    prepare = ColumnTransformer([("cat", categories, cats),
                                 ("num", numbers, make_column_selector(dtype_include="number"))])
    model = (linear_model.RidgeCV() if regression
             else linear_model.LogisticRegression(max_iter=2000))
    return make_pipeline(prepare, model)


def fit_baseline(name, train, task):
    """Fit baseline ``name`` on the training rows; ``(predict, info)`` as ``run_system`` wants."""
    X = train.drop(columns=[task["target"]] + ([task["group_column"]] if task["group_column"] else []))
    y = train[task["target"]].to_numpy()
    cats = categorical_columns(X, task)
    levels = category_levels(X, cats)
    if name == "hgb":
        X = as_categories(X, levels)
        X = X.drop(columns=[c for c in X.columns if X[c].nunique(dropna=False) <= 1])
    else:
        X = as_text(X, cats)
    model = make_model(name, task["task"], [c for c in cats if c in X.columns],
                       task["n_jobs"], task["seed"]).fit(X, y)

    def predict(test_X):
        test_X = as_categories(test_X, levels) if name == "hgb" else as_text(test_X, cats)
        test_X = test_X[X.columns]
        if task["task"] == "regression":
            return model.predict(test_X), None, None
        return model.predict(test_X), model.predict_proba(test_X), list(model.classes_)

    return predict, {"version": md.version("scikit-learn"), "model": name}


def main():
    args = parse_args({"--model": {"choices": ["hgb", "rf", "linear"], "required": True}})
    run_system(lambda train, task: fit_baseline(args.model, train, task), args)


if __name__ == "__main__":
    main()
