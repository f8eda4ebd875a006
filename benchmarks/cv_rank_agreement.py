"""Do a cross-validation scheme's scores rank models as the test period does?

For each time-ordered dataset of the suite (the manifest names a time column),
the benchmark's outer split (the last quarter in time is the test set) is
made, a fixed roster of twelve models is fitted on the training part under
each scheme, and again on the whole training part to score the test set.
Printed per dataset and scheme: the Spearman correlation of the mean CV
scores with the test scores, and the test loss of the model the CV puts
first against the best model on test (its regret).

Schemes: ``TimeSeriesSplit`` with 3 and 5 folds (what ``make_cv`` chooses
for time-ordered data), and a shuffled 5-fold k-fold as a reference that
leaks the future into training.

    python benchmarks/cv_rank_agreement.py --out benchmarks/results/DATE-cv-rank-agreement.md
"""

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd

from _report import write_text
from _suite import DEFAULT_MANIFEST, load_dataset, load_suite, outer_split

SCHEMES = ("ts3", "ts5", "kfold5")


def roster(task):
    """Twelve models of the families the search uses, at fixed settings."""
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn import ensemble, linear_model

    classification = task != "regression"
    kind = "Classifier" if classification else "Regressor"
    hgb = getattr(ensemble, f"HistGradientBoosting{kind}")
    forest = getattr(ensemble, f"RandomForest{kind}")
    extra = getattr(ensemble, f"ExtraTrees{kind}")
    booster = getattr(lgb, f"LGBM{kind}")
    xgboost = getattr(xgb, f"XGB{kind}")

    def lgbm(**kw):
        return lambda: booster(verbose=-1, random_state=0, n_jobs=2, **kw)

    return {
        "hgb": lambda: hgb(random_state=0),
        "lgbm": lgbm(),
        "lgbm_slow": lgbm(n_estimators=600, learning_rate=0.03),
        "lgbm_15_leaves": lgbm(n_estimators=600, learning_rate=0.03, num_leaves=15),
        "lgbm_127_leaves": lgbm(n_estimators=600, learning_rate=0.03, num_leaves=127,
                                min_child_samples=5),
        "lgbm_7_leaves": lgbm(n_estimators=300, learning_rate=0.1, num_leaves=7),
        "xgb": lambda: xgboost(n_jobs=2, random_state=0),
        "xgb_depth_4": lambda: xgboost(n_jobs=2, random_state=0, max_depth=4,
                                       learning_rate=0.05, n_estimators=500),
        "rf": lambda: forest(150, n_jobs=2, random_state=0, max_features=0.5),
        "rf_leaf_10": lambda: forest(150, min_samples_leaf=10, n_jobs=2, random_state=0,
                                     max_features=0.5),
        "extra_trees": lambda: extra(150, n_jobs=2, random_state=0, max_features=0.5,
                                     min_samples_leaf=3),
        "linear": (lambda: linear_model.LogisticRegression(max_iter=2000)) if classification
        else linear_model.Ridge,
    }


def encode(train, test, time_col):
    """Numbers as they are, the time column as days, other strings as codes; NaN -> -1."""
    from sklearn.preprocessing import OrdinalEncoder

    train, test = train.copy(), test.copy()
    for col in train.columns:
        if pd.api.types.is_numeric_dtype(train[col]):
            continue
        if col == time_col:
            for frame in (train, test):
                frame[col] = pd.to_datetime(frame[col], format="mixed").astype("int64") // 86_400e9
            continue
        enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
        train[col] = enc.fit_transform(train[[col]].astype(str)).ravel()
        test[col] = enc.transform(test[[col]].astype(str)).ravel()
    return train.fillna(-1), test.fillna(-1)


def folds(scheme, n):
    from sklearn.model_selection import KFold, TimeSeriesSplit

    rows = np.zeros((n, 1))
    if scheme == "kfold5":
        return list(KFold(5, shuffle=True, random_state=0).split(rows))
    return list(TimeSeriesSplit(int(scheme[2:])).split(rows))


def agreement(entry):
    """Per scheme: (Spearman of CV with test, CV's first choice, its regret); per model scores."""
    from scipy.stats import spearmanr
    from sklearn.metrics import roc_auc_score, root_mean_squared_error

    X, y, task, groups, time_col = load_dataset(entry)
    train, test = outer_split(X, y, task, groups, time_col)
    order = np.asarray(train)  # the time split returns the training rows in time order
    X_train, X_test = encode(X.iloc[order], X.iloc[test], time_col)
    y_train, y_test = y.iloc[order].to_numpy(), y.iloc[test].to_numpy()
    if task == "binary":
        positive = np.unique(y_train)[1]
        y_train, y_test = (y_train == positive).astype(int), (y_test == positive).astype(int)

    def score(model, X_fit, y_fit, X_eval, y_eval):  # greater is better
        model.fit(X_fit, y_fit)
        if task == "binary":
            return roc_auc_score(y_eval, model.predict_proba(X_eval)[:, 1])
        return -root_mean_squared_error(y_eval, model.predict(X_eval))

    splits = {s: folds(s, len(y_train)) for s in SCHEMES}
    scores = {}
    for name, make in roster(task).items():
        row = {"test": score(make(), X_train, y_train, X_test, y_test)}
        for scheme, pairs in splits.items():
            row[scheme] = np.mean([score(make(), X_train.iloc[a], y_train[a], X_train.iloc[b], y_train[b])
                                   for a, b in pairs])
        scores[name] = row
        print(f"  {entry['name']} {name}: " + ", ".join(f"{k} {v:.4f}" for k, v in row.items()),
              file=sys.stderr, flush=True)
    frame = pd.DataFrame(scores).T
    best_test = frame["test"].max()
    result = {}
    for scheme in SCHEMES:
        first = frame[scheme].idxmax()
        result[scheme] = (spearmanr(frame[scheme], frame["test"])[0], first,
                          best_test - frame.loc[first, "test"])
    return result, frame


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST))
    parser.add_argument("--datasets", default=None,
                        help="comma-separated subset of the time-ordered datasets")
    parser.add_argument("--out", default=None, help="also write the Markdown here")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    suite = load_suite(args.manifest, synthetic=False)
    names = args.datasets.split(",") if args.datasets else None
    # the folds are made on the training rows in time order: time-ordered data only
    suite = [e for e in suite if e.get("time_column") and e.get("task") != "multiclass"
             and (names is None or e["name"] in names)]
    if not suite:
        raise SystemExit("no time-ordered binary or regression dataset in the suite")
    lines = ["| dataset | scheme | Spearman CV vs test | CV's first | its test regret |",
             "|---|---|---|---|---|"]
    details = []
    start = time.time()
    for entry in suite:
        result, frame = agreement(entry)
        for scheme, (rho, first, regret) in result.items():
            lines.append(f"| {entry['name']} | {scheme} | {rho:.2f} | {first} | {regret:.4f} |")
        details += ["", f"{entry['name']} (scores greater-is-better: AUC, or -RMSE):", "",
                    "| model | " + " | ".join(frame.columns) + " |",
                    "|---" * (len(frame.columns) + 1) + "|"]
        details += [f"| {name} | " + " | ".join(f"{v:.4f}" for v in row) + " |"
                    for name, row in frame.iterrows()]
    text = "\n".join(lines + details + ["", f"Took {time.time() - start:.0f} s."]) + "\n"
    print(text)
    if args.out:
        write_text(args.out, text)


if __name__ == "__main__":
    main()
