"""scikit-learn's HistGradientBoosting, grown in chunks to a deadline."""

import time

from skopt.space import Integer, Real
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from automl._task import is_classification
from automl.search.families._base import ModelFamily
from automl.search.families._steps import fit_head, inner_target, innermost

# Below this many rows HistGradientBoosting runs a fixed 100 rounds, unstopped.
HGB_EARLY_STOPPING_MIN_ROWS = 200
HGB_VALIDATION_FRACTION = 0.1  # scikit-learn's default split for early stopping
# It grows in warm-started chunks so that it can stop at a deadline: the
# first chunk's length, and the share of a fold's time left that the next
# chunk is sized to fill.
HGB_FIRST_CHUNK = 50
HGB_CHUNK_TIME_SHARE = 0.8


class HistGradientBoostingFamily(ModelFamily):
    """``HistGradientBoostingClassifier`` / ``Regressor``, stopped early on its own split.

    Its length is the iterations it stopped at (early stopping or the
    deadline); a refit runs that many (+10 %), unstopped. On time-ordered
    rows it does not stop early (its split is drawn at random) and its
    length, ``max_iter``, is searched instead.
    """

    name = "hist_gradient_boosting"
    default_params = {"learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20,
                      "l2_regularization": 1e-6, "max_features": 1.0}
    early_stopping = "native"
    class_weight = True
    native_categories = True
    stops_at_deadline = True

    def space(self, ctx):
        space = {
            "learning_rate": Real(0.01, 0.3, prior="log-uniform"),
            "max_leaf_nodes": Integer(8, 128, prior="log-uniform"),
            "min_samples_leaf": Integer(5, 100, prior="log-uniform"),
            "l2_regularization": Real(1e-6, 10.0, prior="log-uniform"),
            "max_features": Real(0.3, 1.0),
        }
        if ctx.time_ordered:
            # no native early stopping (below): the time-ordered folds tune the length
            space["max_iter"] = Integer(30, 1000, prior="log-uniform")
        return space

    def build(self, task, params, ctx):
        classification = is_classification(task)
        cls = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
        kw = {"class_weight": params.get("class_weight")} if classification else {}
        # Early stopping holds out 10 % of the rows: too few to trust on tiny data.
        # Nor on time-ordered rows: the held-out 10 % is drawn at random, so it
        # validates interpolation in time and rarely stops (on electricity it ran
        # all 1,000 iterations and lost 0.009 test AUC to the 100-iteration default).
        early = (params.get("early_stopping", True)
                 and ctx.n_samples >= HGB_EARLY_STOPPING_MIN_ROWS and not ctx.time_ordered
                 and _stratified_split_possible(ctx))
        return cls(
            learning_rate=params["learning_rate"], max_leaf_nodes=params["max_leaf_nodes"],
            min_samples_leaf=params["min_samples_leaf"],
            l2_regularization=params["l2_regularization"], max_features=params["max_features"],
            max_iter=params.get("max_iter", 1000 if early else 100),
            early_stopping=early, n_iter_no_change=20,
            random_state=ctx.random_state, **kw,
        )

    def fit(self, pipe, X, y, ctx, deadline):
        head, final = pipe[:-1], pipe.steps[-1][1]
        fit_hgb_until(final, *fit_head(head, X, y), deadline)
        model = innermost(final, fitted=True)
        # the length it stopped at (early stopping or a deadline); one that ran
        # to max_iter refits as configured (max_iter is searched on time-ordered rows)
        length = int(model.n_iter_) if model.n_iter_ < model.max_iter else None
        return head, final, length

    def refit_params(self, length):
        return {"max_iter": length, "early_stopping": False}


def _stratified_split_possible(ctx):
    """Whether scikit-learn's stratified early-stopping split can be drawn in any fold.

    It needs a row of every class among the held-out rows and two of every
    class to split; a training fold holds at least half of ``ctx.n_samples``
    rows and of each class.
    """
    if not ctx.class_counts:
        return True
    fold_rows = ctx.n_samples / 2
    return bool(HGB_VALIDATION_FRACTION * fold_rows >= len(ctx.class_counts)
                and min(ctx.class_counts.values()) / 2 >= 2)


def fit_hgb_until(final, X, y, deadline):
    """Fit a HistGradientBoosting model (or one in a ``TransformedTargetRegressor``) by a deadline.

    The model grows in warm-started chunks: :data:`HGB_FIRST_CHUNK`
    iterations, then chunks sized from the measured time per iteration to
    fill :data:`HGB_CHUNK_TIME_SHARE` of the time left, until it stops early,
    reaches its ``max_iter`` or passes ``deadline`` (a ``time.time()``).
    Early stopping keeps its validation split and score history across
    chunks (scikit-learn's warm start). The fitted model keeps the
    parameters it was built with; ``n_iter_`` says how far it got.
    """
    inner = innermost(final)
    max_iter, warm_start = inner.max_iter, inner.warm_start
    start = time.time()
    inner.set_params(warm_start=True, max_iter=min(max_iter, HGB_FIRST_CHUNK))
    final.fit(X, y)  # a TransformedTargetRegressor fits a clone: continue on that
    model = innermost(final, fitted=True)
    y_model = inner_target(final, y)
    while model.n_iter_ == model.max_iter < max_iter and time.time() < deadline:
        per_iter = (time.time() - start) / model.n_iter_
        left = HGB_CHUNK_TIME_SHARE * (deadline - time.time())
        chunk = max(1, min(max_iter - model.n_iter_, int(left / max(per_iter, 1e-9))))
        model.set_params(max_iter=model.n_iter_ + chunk).fit(X, y_model)
    for estimator in (inner, model):  # the same object unless in a TransformedTargetRegressor
        estimator.set_params(max_iter=max_iter, warm_start=warm_start)
    return final
