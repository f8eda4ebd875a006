"""The space of whole pipelines: preprocessing choices plus one model family.

A candidate is a flat ``config`` dict: preprocessing keys (``categories``,
``clip``, ``scaler``, ``log``, ``interactions``, ``select``, ``select_k``,
``imbalance``, ``log_target``) and the model's hyper-parameters under
``model__<name>``. :func:`build_pipeline` turns it into an unfitted
:class:`imblearn.pipeline.Pipeline` made of scikit-learn, imbalanced-learn and
our own estimators only.
"""

from dataclasses import replace

from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from skopt.space import Categorical, Real
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.preprocessing import (
    PolynomialFeatures,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)

from automl.search.families._base import MODEL_PREFIX
from automl.selectors import make_selection_chain
from automl.transformers import (
    CrossFeatures,
    LogTransformer,
    OutlierClipper,
    TablePreprocessor,
)
from automl.transformers._log import signed_expm1, signed_log1p

_POLY_MAX_FEATURES = 15
_SELECT_MIN_FEATURES = 10
# Native categories start the portfolio from this many training rows; below,
# encoded ones (measured on one split per dataset with LightGBM: native
# better on adult, bank_marketing, ames_housing, diamonds, abalone; worse on
# credit_g and soybean, both under 1,000 rows).
_NATIVE_MIN_SAMPLES = 1000
# Random undersampling is offered only when it leaves this many rows (100
# per training fold of 5-fold CV). Below that, on the portfolio's corpus
# (benchmarks/portfolio/undersampling_by_rows.py: 500 configurations, 20
# imbalanced tables), its candidates scored a median 0.31-0.51 log loss
# below their family's other configurations, against 0.08-0.11 above.
_UNDER_MIN_ROWS = 125


def _native_possible(family, ctx):
    return family.native_categories and ctx.native_categoricals > 0


def uses_native_categories(config):
    """Whether the candidate's table keeps categories for the model (its own table).

    Not with selection or SMOTE, which would turn the categories into
    numbers: those candidates keep encoded categories.
    """
    return (config.get("categories") == "native" and not config.get("select", False)
            and config.get("imbalance") != "smote")


def preprocessing_space(family, ctx):
    """scikit-optimize dimensions of the preprocessing choices for ``family``."""
    space = {}
    if _native_possible(family, ctx):
        space["categories"] = Categorical(["encoded", "native"])
    if family.wants_scaling:
        space["clip"] = Categorical(["none", "iqr", "zscore"])
        space["scaler"] = Categorical(["standard", "robust", "quantile"])
        space["log"] = Categorical([False, True])
    if family.linear:
        interactions = ["none", "cross"]
        if ctx.n_features <= _POLY_MAX_FEATURES:
            interactions.append("poly2")
        space["interactions"] = Categorical(interactions)
    if ctx.n_features >= _SELECT_MIN_FEATURES:
        space["select"] = Categorical([False, True])
        space["select_k"] = Real(0.2, 1.0)
    if ctx.classification and ctx.imbalanced:
        options = ["none", "smote", "random_over"]
        if undersampled_rows(ctx) >= _UNDER_MIN_ROWS:
            options.append("random_under")
        if family.class_weight:
            options.append("class_weight")
        space["imbalance"] = Categorical(options)
    if not ctx.classification and ctx.skewed_target:
        space["log_target"] = Categorical([False, True])
    return space


def candidate_space(family, ctx):
    """All dimensions of a candidate of ``family``: preprocessing then model."""
    space = preprocessing_space(family, ctx)
    space.update({MODEL_PREFIX + k: v for k, v in family.space(ctx).items()})
    return space


def portfolio(families, ctx, learned=None):
    """The candidates every search starts with, in order.

    With a learned portfolio (``learned``, e.g. the one the package ships,
    :func:`automl.search._learned_portfolio.shipped_portfolio`; None: none)
    that covers ``ctx``'s task and size: its entries of ``families``, in its
    order (:func:`with_changes`), then the default of every family it left
    out. Otherwise the hand-written one: each family's default
    (:func:`default_config`), then each family's ``variants`` of it (their
    changes to keys outside the family's space for ``ctx`` left out, e.g.
    native categories on a table without any). A candidate listed twice (two
    entries that the space makes equal) runs once: the strategies never
    propose a candidate twice.
    """
    entries = learned.entries_for(ctx.task, ctx.n_samples) if learned else []
    by_name = {f.name: f for f in families}
    entries = [e for e in entries if e.family in by_name]
    if not entries:
        return _handwritten(families, ctx)
    configs = [(by_name[e.family], with_changes(by_name[e.family], ctx, e.changes))
               for e in entries]
    covered = {e.family for e in entries}
    return configs + [(f, default_config(f, ctx)) for f in families if f.name not in covered]


def _handwritten(families, ctx):
    configs = [(f, default_config(f, ctx)) for f in families]
    for family, config in list(configs):
        for changes in family.variants:
            variant = with_changes(family, ctx, changes)
            if variant != config:
                configs.append((family, variant))
    return configs


def with_changes(family, ctx, changes):
    """``family``'s default candidate for ``ctx`` with the ``changes`` its space admits.

    A change to a key outside the family's space for ``ctx``, or to a value
    outside that key's range, is left out, so that one learned entry applies
    to every dataset of its task kind.

    Examples
    --------
    >>> from automl.search import SearchContext, families_for
    >>> from automl.search._space import with_changes
    >>> ctx = SearchContext(task="binary", n_samples=500, n_features=4)
    >>> lr = next(f for f in families_for("binary", None) if f.name == "logistic_regression")
    >>> config = with_changes(lr, ctx, {"scaler": "robust", "categories": "native",
    ...                                 "model__C": 1e9})
    >>> config["scaler"], "categories" in config, config["model__C"]
    ('robust', False, 1.0)
    """
    config = default_config(family, ctx)
    space = candidate_space(family, ctx)
    config.update({k: v for k, v in changes.items() if k in space and v in space[k]})
    return config


def default_config(family, ctx):
    """The portfolio's candidate for ``family``: plain preprocessing, default model."""
    config = {}
    if _native_possible(family, ctx):
        config["categories"] = "native" if ctx.n_samples >= _NATIVE_MIN_SAMPLES else "encoded"
    if family.wants_scaling:
        config.update(clip="none", scaler="standard", log=False)
    if family.linear:
        config["interactions"] = "none"
    if ctx.n_features >= _SELECT_MIN_FEATURES:
        config.update(select=False, select_k=1.0)
    if ctx.classification and ctx.imbalanced:
        # class weights move the decision threshold towards the rare classes,
        # which label metrics reward; for the boosters they distort
        # probabilities (log loss) and did not help a ranking: measured on
        # bank_marketing (12 % positives), LightGBM's test AUC fell from
        # 0.9378 to 0.9331 with them, and it boosted 5x as many rounds. The
        # forests keep them (on mammography, 2 % positives, the 60 s test AUC
        # fell from 0.9596 to 0.9459 in two runs once the forests lost them)
        boosted = family.early_stopping is not None
        weights = family.class_weight and (ctx.label_metric or not boosted)
        config["imbalance"] = "class_weight" if weights else "none"
    if not ctx.classification and ctx.skewed_target:
        config["log_target"] = True
    config.update({MODEL_PREFIX + k: v for k, v in family.defaults(ctx).items()})
    return config


def model_params(config):
    """The model's hyper-parameters of ``config``, without their prefix."""
    params = {k[len(MODEL_PREFIX):]: v for k, v in config.items() if k.startswith(MODEL_PREFIX)}
    if config.get("imbalance") == "class_weight":
        params["class_weight"] = "balanced"
    return params


def _sampler(kind, ctx):
    if kind == "smote":
        smallest = min(ctx.class_counts.values()) if ctx.class_counts else 10
        k = max(1, min(5, int(0.6 * smallest) - 1))
        return SMOTE(k_neighbors=k, random_state=ctx.random_state)
    if kind == "random_over":
        return RandomOverSampler(random_state=ctx.random_state)
    return RandomUnderSampler(random_state=ctx.random_state)


def model_context(config, ctx):
    """``ctx`` as the model sees it: after random undersampling, fewer rows.

    Undersampling keeps the rarest class's count of every class, so a model
    sized from ``ctx.n_samples`` (HistGradientBoosting's early-stopping
    split, k-nearest neighbours' ``n_neighbors``) would be sized for rows it
    never gets: on a 898-row table whose rarest class has 8 rows it trains
    on 40.

    Examples
    --------
    >>> from automl.search import SearchContext
    >>> from automl.search._space import model_context
    >>> ctx = SearchContext(task="multiclass", n_samples=898, n_features=38,
    ...                     class_counts={"1": 8, "2": 99, "3": 684, "5": 67, "U": 40})
    >>> model_context({"imbalance": "random_under"}, ctx).n_samples
    40
    >>> model_context({"imbalance": "smote"}, ctx) is ctx
    True
    """
    if config.get("imbalance") != "random_under" or not ctx.class_counts:
        return ctx
    return replace(ctx, n_samples=undersampled_rows(ctx))


def undersampled_rows(ctx):
    """Rows left by random undersampling: every class cut to the rarest's count.

    ``ctx.n_samples`` when the class counts are unknown.

    Examples
    --------
    >>> from automl.search import SearchContext
    >>> from automl.search._space import undersampled_rows
    >>> undersampled_rows(SearchContext(task="binary", n_samples=508, n_features=3,
    ...                                 class_counts={"no": 500, "yes": 8}))
    16
    """
    if not ctx.class_counts:
        return ctx.n_samples
    counts = ctx.class_counts.values()
    return int(min(ctx.n_samples, len(counts) * min(counts)))


def build_pipeline(family, config, ctx, table=None):
    """Build the unfitted pipeline of a candidate.

    Parameters
    ----------
    family : ModelFamily
    config : dict
        A point of :func:`candidate_space` (missing keys take defaults).
    ctx : SearchContext
    table : TablePreprocessor, default=None
        The table preprocessor to start with (its parameters carry the
        user's column typing); a default one when None. With native
        categories (:func:`uses_native_categories`) the pipeline gets an
        unfitted copy of it that keeps them.

    Returns
    -------
    pipeline : imblearn.pipeline.Pipeline
    """
    table = table if table is not None else TablePreprocessor()
    if uses_native_categories(config):
        table = clone(table).set_params(categorical_encoding="native")
    steps = [("table", table)]
    clip = config.get("clip", "none")
    if clip != "none":
        steps.append(("clip", OutlierClipper(method=clip)))
    if config.get("log", False):
        steps.append(("log", LogTransformer()))
    scaler = config.get("scaler")
    if scaler == "standard":
        steps.append(("scale", StandardScaler()))
    elif scaler == "robust":
        steps.append(("scale", RobustScaler()))
    elif scaler == "quantile":
        steps.append(("scale", QuantileTransformer(
            n_quantiles=min(1000, max(10, ctx.n_samples // 2)),
            output_distribution="normal", random_state=ctx.random_state)))
    interactions = config.get("interactions", "none")
    if interactions == "cross":
        steps.append(("interactions", CrossFeatures(n_top=6)))
    elif interactions == "poly2":
        steps.append(("interactions", PolynomialFeatures(2, include_bias=False)))
    if config.get("select", False):
        chain = make_selection_chain(
            ctx.task, k=float(config.get("select_k", 0.5)), random_state=ctx.random_state
        )
        steps += [(f"select_{name}", step) for name, step in chain.steps
                  if step not in (None, "passthrough")]
    imbalance = config.get("imbalance", "none")
    if imbalance in ("smote", "random_over", "random_under"):
        steps.append(("sample", _sampler(imbalance, ctx)))
    model = family.build(ctx.task, model_params(config), model_context(config, ctx))
    if config.get("log_target", False):
        model = TransformedTargetRegressor(
            model, func=signed_log1p, inverse_func=signed_expm1, check_inverse=False
        )
    steps.append(("model", model))
    return Pipeline(steps)
