"""Boosters stopped early on a validation split that the search holds out (XGBoost, LightGBM)."""

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing

from automl._task import is_classification
from automl.search.families._base import ModelFamily
from automl.search.families._steps import fit_head, innermost, transform_head

# Boosters are fitted with this many rounds at most and stopped early ...
MAX_BOOSTING_ROUNDS = 2000
# ... after this many rounds without progress on the validation split.
EARLY_STOPPING_ROUNDS = 50
# The validation split's share of the training rows.
VALIDATION_FRACTION = 0.1


def validation_split(y, ctx):
    """Row positions ``(fit, validation)`` of a booster's training rows ``y``.

    The validation rows are a random (stratified) 10 % (seeded by
    ``ctx.random_state``), or, when the rows are in time order
    (``ctx.time_ordered``), the latest 10 %: validating on the past would
    reward rounds that only interpolate in time.
    """
    stratify, n_val = None, max(1, int(VALIDATION_FRACTION * len(y)))
    if ctx.time_ordered:
        return np.arange(len(y) - n_val), np.arange(len(y) - n_val, len(y))
    if is_classification(ctx.task):
        counts = np.unique(y, return_counts=True)[1]
        if counts.min() > 1 and len(y) - n_val >= len(counts):
            stratify, n_val = y, max(n_val, len(counts))
    return train_test_split(np.arange(len(y)), test_size=n_val,
                            random_state=ctx.random_state, stratify=stratify)


class EvalSetBooster(ModelFamily):
    """A booster that :meth:`fit` stops early on a split of its training rows.

    It builds its model with :data:`MAX_BOOSTING_ROUNDS` rounds; :meth:`fit`
    holds out :func:`validation_split`, fits the pipeline's head on the rest
    and hands both to :meth:`fit_validated`. Its length is the best
    iteration on the validation rows; a refit runs that many rounds (+10 %),
    ``n_estimators``. A subclass writes :meth:`fit_validated` and
    :meth:`best_iteration`.
    """

    early_stopping = "eval_set"
    native_categories = True
    stops_at_deadline = True

    def fit(self, pipe, X, y, ctx, deadline):
        final = pipe.steps[-1][1]
        idx_fit, idx_val = validation_split(y, ctx)
        head = pipe[:-1]
        Xt, yt = fit_head(head, _safe_indexing(X, idx_fit), y[idx_fit])
        Xv, yv = transform_head(head, _safe_indexing(X, idx_val)), y[idx_val]
        if isinstance(final, TransformedTargetRegressor):
            yv = final.func(yv)
        self.fit_validated(final, innermost(final), (Xt, yt), (Xv, yv), deadline)
        return head, final, self.best_iteration(innermost(final, fitted=True))

    def fit_validated(self, final, inner, train, validation, deadline):
        """Fit ``final`` (``inner`` its innermost model) on ``train``, stopping on ``validation``.

        ``train`` and ``validation`` are ``(X, y)`` as the model sees them;
        the fit stops early, and at ``deadline`` (a ``time.time()``).
        """
        raise NotImplementedError

    def best_iteration(self, model):
        """The best number of rounds of the fitted innermost ``model``; None if unknown."""
        raise NotImplementedError

    def refit_params(self, length):
        return {"n_estimators": length}
