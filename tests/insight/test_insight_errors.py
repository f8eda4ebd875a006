"""Error analysis: known answers on planted noise, trust rules, confusion and residuals."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.metrics import get_scorer

from automl.insight import error_analysis
from automl.insight._data import Scored
from automl.insight._errors import row_losses, segment_table
from automl.insight._performance import _metrics, performance_table


@pytest.mark.filterwarnings("ignore::automl.DataDriftWarning")  # "e" is unseen: meant
def test_planted_noise_segment_ranks_first_and_five_rows_never_do(regression):
    model, _, _, X_test, y_test = regression
    table = model.error_analysis(X_test, y_test)
    first = table.iloc[0]
    assert (first["column"], first["segment"]) == ("cat", "c")
    tiny = (X_test["cat"] == "e").to_numpy()
    tiny_error = np.mean((y_test[tiny] - model.predict(X_test[tiny])) ** 2)
    assert tiny.sum() == 5 and tiny_error > 2 * first["error"]  # worse, but only 5 rows
    assert first["significant"] and first["error_low"] > table.attrs["overall_error"]
    assert table["rows"].min() >= 30  # the 5 rows of "e" (the worst, error ~64) are never reported
    assert not ((table["column"] == "cat") & table["segment"].isin(["e", "other"])).any()
    assert table.attrs["loss"] == "squared error"
    residuals = table.attrs["residuals"]
    assert residuals["rows"] == len(y_test) and residuals["rmse"] > 1


def test_training_rows_use_the_out_of_fold_predictions(regression):
    model, X, y, _, _ = regression
    table = model.error_analysis(X, y, training=True)
    assert (table.iloc[0]["column"], table.iloc[0]["segment"]) == ("cat", "c")
    assert table.attrs["source"] == "training rows, out-of-fold predictions"
    oof_rmse = np.sqrt(np.mean((y - model.oof_predictions_) ** 2))
    assert table.attrs["residuals"]["rmse"] == pytest.approx(oof_rmse)
    with pytest.raises(ValueError, match="trained on 800"):
        model.error_analysis(X.iloc[:100], y[:100], training=True)


def test_without_data_it_says_data_is_needed(regression):
    with pytest.raises(ValueError, match="error_analysis needs data"):
        regression[0].error_analysis()


def _scored_regression(losses_by_group):
    """Rows with residuals sqrt(loss) in the given groups of column ``g``."""
    groups, residual = [], []
    for name, values in losses_by_group.items():
        groups += [name] * len(values)
        residual += list(np.sqrt(values))
    X = pd.DataFrame({"g": groups})
    y = np.asarray(residual, dtype=float)
    return Scored(X, y, np.zeros(len(y)), None, "regression", None, "test")


def test_small_segment_with_the_largest_error_is_left_out_and_unsure_ones_marked():
    rng = np.random.default_rng(0)
    scored = _scored_regression({
        "base": rng.exponential(1.0, 2000),
        "tiny": np.full(5, 500.0),                # 5 rows, by far the worst
        "unsure": rng.exponential(1.1, 40),       # slightly worse, interval spans overall
        "bad": rng.exponential(3.0, 200),         # clearly worse
    })
    losses, _ = row_losses(scored, "neg_root_mean_squared_error")
    table = segment_table(scored, losses, metric_name="neg_root_mean_squared_error",
                          scorer=get_scorer("neg_root_mean_squared_error"),
                          kinds={"g": "categorical"}, min_rows=30)
    assert "tiny" not in set(table["segment"]) and table.iloc[0]["segment"] == "bad"
    assert table.iloc[0]["significant"]
    # shares add up: the excess over the overall mean, as a share of the total loss
    bad = losses[scored.X["g"].to_numpy() == "bad"]
    assert table.iloc[0]["excess_share"] == pytest.approx(
        (bad.sum() - losses.mean() * len(bad)) / losses.sum())
    unsure = table[table["segment"] == "unsure"]
    if len(unsure):  # when worse than overall, it is marked and ranked after "bad"
        assert not unsure.iloc[0]["significant"] and unsure.index[0] > 0


def test_numbers_are_binned_and_missing_is_a_segment_of_its_own():
    rng = np.random.default_rng(1)
    x = rng.normal(size=1000)
    x[:100] = np.nan
    scored = Scored(pd.DataFrame({"x": x}), np.where(np.isnan(x), 3.0, 0.0),
                    np.zeros(1000), None, "regression", None, "test")
    losses, _ = row_losses(scored, "neg_mean_squared_error")
    table = segment_table(scored, losses, metric_name="neg_mean_squared_error",
                          scorer=get_scorer("neg_mean_squared_error"), kinds={"x": "numeric"})
    assert table.iloc[0]["segment"] == "missing" and table.iloc[0]["rows"] == 100
    assert len(table) == 1  # the five quantile bins have no error


def test_classification_adds_confusion_matrix_and_per_class_metrics(binary):
    model, _, _, X_test, y_test = binary
    table = error_analysis(model, X_test, y_test)
    matrix = table.attrs["confusion_matrix"]
    pred = model.predict(X_test)
    assert matrix.loc["yes", "yes"] == int(((pred == "yes") & (y_test == "yes")).sum())
    assert matrix.to_numpy().sum() == len(y_test)
    per_class = table.attrs["per_class"]
    assert per_class.loc["yes", "recall"] == pytest.approx(
        skm.recall_score(y_test, pred, pos_label="yes"))
    assert table.attrs["loss"] == "log loss" and table.attrs["metric"] == "roc_auc"


def test_fast_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    q = np.clip(0.3 * y + 0.7 * rng.random(500), 0, 1)
    q[:20] = 0.5  # ties
    proba = np.c_[1 - q, q]
    pred = (q > 0.5).astype(int)
    scored = Scored(None, y, pred, proba, "binary", np.array(["n", "p"]), "test")
    found = {k: f(y, pred, proba) for k, (f, _, _) in _metrics(scored).items()}
    assert found["ROC AUC"] == pytest.approx(skm.roc_auc_score(y, q))
    assert found["log loss"] == pytest.approx(skm.log_loss(y, proba))
    assert found["balanced accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert found["Brier score"] == pytest.approx(skm.brier_score_loss(y, q))
    yr, pr = rng.normal(size=300), rng.normal(size=300)
    reg = Scored(None, yr, pr, None, "regression", None, "test")
    found = {k: f(yr, pr, None) for k, (f, _, _) in _metrics(reg).items()}
    assert found["R²"] == pytest.approx(skm.r2_score(yr, pr))
    assert found["RMSE"] == pytest.approx(skm.root_mean_squared_error(yr, pr))


def test_bootstrap_intervals_contain_the_value_and_shrink_with_rows():
    rng = np.random.default_rng(0)
    widths = []
    for n in (200, 5000):
        y = rng.normal(size=n)
        scored = Scored(None, y, y + rng.normal(size=n), None, "regression", None, "t")
        table = performance_table(scored, get_scorer("r2"), "r2", n_bootstrap=100)
        row = table.loc["R² (search metric)"]
        assert row["low"] < row["value"] < row["high"]
        widths.append(row["high"] - row["low"])
    assert widths[1] < widths[0] / 3


def test_a_search_metric_outside_the_usual_ones_is_scored_by_its_scorer():
    from automl._metrics import resolve_scorer

    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 400)
    q = np.clip(0.4 * y + 0.6 * rng.random(400), 0, 1)
    proba = np.c_[1 - q, q]
    pred = proba.argmax(axis=1)
    scored = Scored(None, y, pred, proba, "binary", np.array(["n", "p"]), "test")
    _, scorer = resolve_scorer("f1", "binary", np.arange(2))
    table = performance_table(scored, scorer, "f1", n_bootstrap=60)
    row = table.loc["f1 (search metric)"]
    assert row["value"] == pytest.approx(skm.f1_score(y, pred))
    assert row["low"] < row["value"] < row["high"]
