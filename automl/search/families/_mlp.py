"""scikit-learn's multi-layer perceptron, trained in chunks of epochs to a deadline."""

import time

import numpy as np
from skopt.space import Integer, Real
from sklearn.compose import TransformedTargetRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from automl._task import is_classification
from automl.search.families._base import ModelFamily
from automl.search.families._steps import fit_head, inner_target, innermost

# The MLP stops on a 10 % validation split from this many rows; below, on
# its training loss (and after this many epochs at most).
MLP_EARLY_STOPPING_MIN_ROWS = 1000
MLP_MAX_EPOCHS = 200
# It trains in warm-started chunks of this many epochs, so that it stops at
# a deadline.
MLP_CHUNK_EPOCHS = 10


class MLPFamily(ModelFamily):
    """``MLPClassifier`` / ``MLPRegressor`` (its target standardised), stopped at a deadline.

    Its length is its epochs: to its best validation score with early
    stopping, else all it trained; a refit trains that many (+10 %),
    unstopped.
    """

    name = "mlp"
    default_params = {"width": 128, "depth": 2, "alpha": 1e-4, "learning_rate_init": 1e-3}
    scaled = True
    stops_at_deadline = True

    def space(self, ctx):
        return {
            "width": Integer(32, 256, prior="log-uniform"),
            "depth": Integer(1, 3),
            "alpha": Real(1e-6, 1.0, prior="log-uniform"),
            "learning_rate_init": Real(1e-4, 1e-2, prior="log-uniform"),
        }

    def build(self, task, params, ctx):
        classification = is_classification(task)
        cls = MLPClassifier if classification else MLPRegressor
        # early stopping holds out 10 % of the rows, too few on small data; a
        # refit trains the epochs its CV fits settled on (``max_iter``), unstopped
        early = (params.get("early_stopping", True)
                 and ctx.n_samples >= MLP_EARLY_STOPPING_MIN_ROWS)
        model = cls(
            hidden_layer_sizes=(int(params["width"]),) * int(params["depth"]),
            alpha=params["alpha"], learning_rate_init=params["learning_rate_init"],
            batch_size=min(256, max(32, ctx.n_samples // 20)),
            max_iter=int(params.get("max_iter", MLP_MAX_EPOCHS)), early_stopping=early,
            n_iter_no_change=10,
            random_state=ctx.random_state,
        )
        if classification:
            return model
        # gradient descent on a squared loss in the target's own units (house
        # prices in the 100,000s) barely moves from its start: fit it standardised
        return TransformedTargetRegressor(model, transformer=StandardScaler())

    def fit(self, pipe, X, y, ctx, deadline):
        head, final = pipe[:-1], pipe.steps[-1][1]
        fit_mlp_until(final, *fit_head(head, X, y), deadline)
        return head, final, mlp_epochs(innermost(final, fitted=True))

    def refit_params(self, length):
        return {"max_iter": length, "early_stopping": False}


def mlp_epochs(model):
    """The epochs an MLP's refit should train: to its best validation score, or all it trained.

    A fold fit cut short by its deadline thus gives a refit of the same
    length, which its refit time estimate assumes.
    """
    if model.early_stopping:
        return int(np.argmax(model.validation_scores_)) + 1
    return len(model.loss_curve_)


def fit_mlp_until(final, X, y, deadline):
    """Fit a scikit-learn MLP (or one inside target transforms) by a deadline.

    The network trains :data:`MLP_CHUNK_EPOCHS` epochs at a time, warm
    started, until it stops itself (early stopping, or no progress of its
    training loss), reaches its ``max_iter`` epochs or passes ``deadline``
    (a ``time.time()``). Each chunk restarts Adam's moment estimates; the
    weights, the best score and the count of epochs without progress carry
    over. The fitted model keeps the parameters it was built with.
    """
    inner = innermost(final)
    max_iter, warm_start = inner.max_iter, inner.warm_start
    inner.set_params(warm_start=True, max_iter=min(max_iter, MLP_CHUNK_EPOCHS))
    final.fit(X, y)  # target transforms fit a clone: continue on that
    model = innermost(final, fitted=True)
    y_model = inner_target(final, y)
    epochs = model.n_iter_
    while model.n_iter_ == model.max_iter and epochs < max_iter and time.time() < deadline:
        model.set_params(max_iter=min(MLP_CHUNK_EPOCHS, max_iter - epochs)).fit(X, y_model)
        epochs += model.n_iter_
    for estimator in (inner, model):
        estimator.set_params(max_iter=max_iter, warm_start=warm_start)
    return final
