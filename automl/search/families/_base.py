"""The base class of the model families: what a family says and does, in one object."""

from automl._task import is_classification

# A candidate's config names the model's hyper-parameters ``model__<name>``.
MODEL_PREFIX = "model__"
# A refit on all the training rows grows its CV fits' length by this factor
# (more rows, a little longer to the same optimum).
REFIT_LENGTH_FACTOR = 1.1


def with_model_params(config, **params):
    """A copy of ``config`` with the model's hyper-parameters ``params`` set."""
    return {**config, **{MODEL_PREFIX + k: v for k, v in params.items()}}


def refit_length(best_iteration):
    """The length of a refit on all rows from its CV fits' ``best_iteration``.

    Examples
    --------
    >>> from automl.search.families._base import refit_length
    >>> refit_length(80), refit_length(1)
    (88, 1)
    """
    return max(1, int(round(best_iteration * REFIT_LENGTH_FACTOR)))


class ModelFamily:
    """One model family of the search, like a FLAML learner class.

    A family declares its hyper-parameter space, its default and its
    variants (the portfolio's starting points), builds its estimator for a
    context, fits a candidate's pipeline by a deadline (with early stopping
    where it has some) and reports its length, turns that length into its
    refit's configuration, and says where it runs on a device. A subclass
    sets the class attributes and writes :meth:`space` and :meth:`build`;
    one with a length (boosting rounds, epochs) also :meth:`fit` and
    :meth:`refit_params`. The defaults are those of a model without a
    length that runs on the CPU. Instances hold no state: the registry
    (:data:`automl.search.families.FAMILIES`) keeps one of each.

    Attributes
    ----------
    name : str
        Short name, shown in the leaderboard.
    tasks : tuple of str
        ``"classification"`` and/or ``"regression"``.
    default_params : dict
        The portfolio's starting point, inside the space (see :meth:`defaults`).
    variants : tuple of dict
        Further starting points of the portfolio, tried after every family's
        default: each is changes to the default candidate, in its keys
        (``model__<name>`` for the model, or a preprocessing key); a change
        to a key not in the candidate's space is left out.
    linear : bool
        Whether the model is linear in its inputs: it wants them scaled and
        may gain from interactions.
    scaled : bool
        Whether the model wants scaled inputs though it is not linear
        (distances, gradient descent): the search chooses a scaler, clipping
        and a log transform for it, but no interactions.
    early_stopping : {"native", "eval_set", None}
        ``"native"``: the estimator stops itself on an internal validation
        split; ``"eval_set"``: :meth:`fit` passes a validation split of the
        training fold and reads the best iteration back.
    class_weight : bool
        Whether the estimator accepts ``class_weight="balanced"``.
    native_categories : bool
        Whether the estimator splits on pandas categorical columns natively
        (the search then chooses between encoded and native categories).
    stops_at_deadline : bool
        Whether :meth:`fit` stops by itself at its deadline (the boosters
        after a round, the MLP after a chunk of epochs), so that a fold that
        would overrun is cut short rather than not started.
    cuml : bool
        Whether :meth:`build` swaps in RAPIDS cuML's model on the GPU when
        cuML is installed.

    Examples
    --------
    A family of its own (the registry's list takes an instance):

    >>> from skopt.space import Real
    >>> from sklearn.linear_model import Ridge
    >>> from automl.search import SearchContext
    >>> from automl.search.families import ModelFamily
    >>> class RidgeFamily(ModelFamily):
    ...     name, tasks, default_params, linear = "ridge", ("regression",), {"alpha": 1.0}, True
    ...     def space(self, ctx):
    ...         return {"alpha": Real(1e-3, 1e3, prior="log-uniform")}
    ...     def build(self, task, params, ctx):
    ...         return Ridge(alpha=params["alpha"])
    >>> family = RidgeFamily()
    >>> ctx = SearchContext(task="regression", n_samples=100, n_features=3)
    >>> family.build(ctx.task, family.defaults(ctx), ctx)
    Ridge()
    >>> family.supports("binary"), family.runs_on(ctx), family.refit_config({"model__alpha": 2}, 80)
    (False, 'cpu', {'model__alpha': 2})
    """

    name = None
    tasks = ("classification", "regression")
    default_params = {}
    variants = ()
    linear = False
    scaled = False
    early_stopping = None
    class_weight = False
    native_categories = False
    stops_at_deadline = False
    cuml = False

    def __repr__(self):
        return f"{type(self).__name__}()"

    @property
    def wants_scaling(self):
        """Whether the search chooses a scaler, clipping and a log transform for it."""
        return self.linear or self.scaled

    def supports(self, task):
        """Whether the family handles ``task`` (binary, multiclass or regression)."""
        kind = "classification" if is_classification(task) else "regression"
        return kind in self.tasks

    def space(self, ctx):
        """scikit-optimize dimensions of the model's hyper-parameters under ``ctx``."""
        raise NotImplementedError

    def defaults(self, ctx):
        """The model's hyper-parameters that start the portfolio (a new dict)."""
        return dict(self.default_params)

    def build(self, task, params, ctx):
        """An unfitted estimator for ``task`` with hyper-parameters ``params``."""
        raise NotImplementedError

    def fit(self, pipe, X, y, ctx, deadline):
        """Fit the candidate's pipeline ``pipe`` (built by this family) by ``deadline``.

        Parameters
        ----------
        pipe : imblearn.pipeline.Pipeline
            Unfitted; its last step is this family's model.
        X, y : the training rows.
        ctx : SearchContext
        deadline : float
            A ``time.time()`` at which a family that :attr:`stops_at_deadline`
            stops; the others ignore it.

        Returns
        -------
        head : Pipeline
            The fitted steps before the model (samplers in it acted only
            during this fit).
        final : estimator
            The fitted model.
        length : int or None
            How long the model trained (best boosting iteration, epochs),
            for :meth:`refit_config`; None for a model without a length.
        """
        pipe.fit(X, y)
        return pipe[:-1], pipe.steps[-1][1], None

    def refit_config(self, config, best_iteration):
        """The candidate's config for a refit on all rows, given its CV fits' length.

        A new dict: ``config`` with :meth:`refit_params` for the length
        :func:`refit_length` of ``best_iteration``; ``config`` as it is
        when the CV fits reported no length.
        """
        if not best_iteration:
            return dict(config)
        return with_model_params(config, **self.refit_params(refit_length(best_iteration)))

    def refit_params(self, length):
        """The model's hyper-parameters that make a refit ``length`` long (none here)."""
        return {}

    def uses_cuml(self, ctx):
        """Whether :meth:`build` swaps in cuML's model under ``ctx``."""
        return self.cuml and ctx.device == "cuda" and ctx.cuml

    def runs_on(self, ctx):
        """Where the family runs under ``ctx``: ``"cpu"`` or a GPU description."""
        return "cuda (cuML)" if self.uses_cuml(ctx) else "cpu"
