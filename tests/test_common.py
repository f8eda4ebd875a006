"""scikit-learn's and imbalanced-learn's own estimator checks on every estimator we export."""

import pytest
from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from sklearn.utils.estimator_checks import (
    check_global_output_transform_pandas,
    check_param_validation,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from automl import AutoClassifier, AutoPipeline, AutoRegressor
from automl.ensemble import WeightedEnsembleClassifier, WeightedEnsembleRegressor
from automl.search import LabelEncodedClassifier
from automl.selectors import Chi2Selector, MutualInfoSelector
from automl.transformers import (
    CrossFeatures,
    DatetimeFeatures,
    LogTransformer,
    MedianImputer,
    OutlierClipper,
    OutlierRemover,
    TablePreprocessor,
)

TRANSFORMERS = [
    OutlierClipper(),
    OutlierClipper(method="zscore"),
    LogTransformer(),
    LogTransformer(columns="all"),
    CrossFeatures(),
    CrossFeatures(operations=["product", "ratio", "difference"], include_original=False),
    CrossFeatures(selection="mutual_info", random_state=0),
    # numbers are read as Unix epoch seconds, so the checks' arrays are valid input
    DatetimeFeatures(),
    MedianImputer(),
    MedianImputer(add_indicator="none"),
    TablePreprocessor(),
    TablePreprocessor(categorical_encoding="native"),
    Chi2Selector(),
    Chi2Selector(k=0.5),
    MutualInfoSelector(random_state=0),
]
SAMPLERS = [OutlierRemover(), OutlierRemover(method="zscore", max_fraction=0.3)]
# Tiny searches: one fast family, a fixed number of trials, so that the
# checks' repeated fits are deterministic.
_TINY = dict(time_budget=30, max_trials=1, cv=2, random_state=0)
# AutoRegressor scores with R² here: check_regressors_train asks score() > 0.5,
# and score() follows the search metric (RMSE, negated, by default).
SEARCHES = [
    AutoClassifier(models=["logistic_regression"], **_TINY),
    AutoRegressor(models=["linear_regression"], metric="r2", **_TINY),
    AutoPipeline(models=["hist_gradient_boosting"], **_TINY),
]
OTHERS = [
    LabelEncodedClassifier(LogisticRegression()),
    WeightedEnsembleClassifier(
        [("lr", LogisticRegression()), ("tree", DecisionTreeClassifier(max_depth=3))],
        weights=[2, 1],
    ),
    WeightedEnsembleRegressor(
        [("ridge", Ridge()), ("tree", DecisionTreeRegressor(max_depth=3)), ("off", Ridge())],
        weights=[2, 1, 0],
    ),
]
ESTIMATORS = TRANSFORMERS + SAMPLERS + SEARCHES + OTHERS


def expected_failed_checks(estimator):
    if isinstance(estimator, OutlierRemover):
        return {
            "check_target_type": (
                "OutlierRemover accepts regression targets on purpose (outliers are "
                "dropped for any task); imblearn's check expects samplers to reject them."
            ),
            "check_samplers_one_label": (
                "Dropping outliers from a single-class sample is meaningful; the check "
                "expects a class-balancing sampler to refuse it."
            ),
            "check_samplers_fit": (
                "OutlierRemover balances no classes, so it has no sampling_strategy_."
            ),
            "check_samplers_pandas_sparse": (
                "Sparse input is not supported (quantiles of sparse columns are not "
                "computed); the sparse tag says so but imblearn's check ignores it."
            ),
            "check_samplers_multiclass_ova": (
                "Label-indicator (one-vs-all) targets are not supported; y must be 1-D."
            ),
        }
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@imblearn_checks(SAMPLERS, expected_failed_checks=expected_failed_checks)
def test_imblearn_compatible_sampler(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", TRANSFORMERS + SAMPLERS + SEARCHES, ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


# The pandas-output checks mix DataFrame and array input on purpose.
@pytest.mark.filterwarnings("ignore:X (does not have valid|has) feature names")
@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=repr)
@pytest.mark.parametrize(
    "check",
    [
        check_set_output_transform,
        check_set_output_transform_pandas,
        check_global_output_transform_pandas,
        check_transformer_get_feature_names_out,
        check_transformer_get_feature_names_out_pandas,
    ],
    ids=lambda c: c.__name__,
)
def test_output_api(estimator, check):
    check(type(estimator).__name__, estimator)
