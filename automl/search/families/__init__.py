"""The model families of the search, one object each, and their registry.

A family (:class:`ModelFamily`, in the spirit of FLAML's learner classes)
is everything the search knows about one kind of model: its space, its
default and variants, how to build it for a :class:`SearchContext`, how it
fits by a deadline (stopping early where it can) and reports its length,
how its refit's length follows from its CV fits, and where it runs on a GPU
(XGBoost natively, LightGBM with its OpenCL learner when one answers,
random forests and linear models as cuML's when it is installed; see
:mod:`automl.search._device`).

Adding a family: a module with a subclass of :class:`ModelFamily` (set
its attributes, write ``space`` and ``build``; ``fit`` and
``refit_params`` where it has a length), and an instance in
:data:`FAMILIES`' list below, at its place in the portfolio's order.

Examples
--------
>>> from automl.search import SearchContext
>>> from automl.search.families import FAMILIES, families_for
>>> [f.name for f in families_for("regression")][:3]
['lightgbm', 'linear_regression', 'hist_gradient_boosting']
>>> family = FAMILIES["hist_gradient_boosting"]
>>> ctx = SearchContext(task="binary", n_samples=5000, n_features=8)
>>> model = family.build("binary", family.defaults(ctx), ctx)
>>> model.max_iter, model.early_stopping
(1000, True)
>>> family.refit_config({"model__learning_rate": 0.1}, best_iteration=80)
{'model__learning_rate': 0.1, 'model__max_iter': 88, 'model__early_stopping': False}
"""

from automl.search.families._base import ModelFamily
from automl.search.families._forests import (
    AdaBoostFamily,
    BaggingFamily,
    ExtraTreesFamily,
    RandomForestFamily,
)
from automl.search.families._hist_gradient_boosting import HistGradientBoostingFamily
from automl.search.families._lightgbm import LightGBMFamily
from automl.search.families._linear import LinearRegressionFamily, LogisticRegressionFamily
from automl.search.families._mlp import MLPFamily
from automl.search.families._neighbors import KNeighborsFamily
from automl.search.families._xgboost import XGBoostFamily

# The portfolio's order: a strong booster first, then the cheap linear
# model, then the other boosters and the tree ensembles, so that useful
# pipelines exist early in a short budget; the MLP and k-nearest neighbours
# come last, models of another kind for the ensemble.
FAMILIES = {
    f.name: f
    for f in [
        LightGBMFamily(),
        LogisticRegressionFamily(),
        LinearRegressionFamily(),
        HistGradientBoostingFamily(),
        XGBoostFamily(),
        ExtraTreesFamily(),
        RandomForestFamily(),
        BaggingFamily(),
        AdaBoostFamily(),
        MLPFamily(),
        KNeighborsFamily(),
    ]
}


def families_for(task, names=None):
    """The registered families that handle ``task``, in portfolio order.

    Parameters
    ----------
    task : {"binary", "multiclass", "regression"}
    names : list of str, default=None
        Restrict to these families; an unknown name raises ``ValueError``.

    Returns
    -------
    families : list of ModelFamily
    """
    if names is not None:
        unknown = sorted(set(names) - set(FAMILIES))
        if unknown:
            raise ValueError(
                f"Unknown model families {unknown} in 'models'; choose from {sorted(FAMILIES)}."
            )
    chosen = [f for f in FAMILIES.values() if f.supports(task) and (names is None or f.name in names)]
    if not chosen:
        raise ValueError(f"None of the model families {names} handles a {task} task.")
    return chosen


__all__ = ["FAMILIES", "ModelFamily", "families_for"]
