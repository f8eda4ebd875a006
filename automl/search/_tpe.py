"""The tree-structured Parzen estimator over our conditional space, through Optuna.

Optuna's ``TPESampler`` (Bergstra et al., 2011; multivariate, with
``group=True`` for conditional spaces) does the modelling; Optuna's
define-by-run ask/tell interface makes the space conditional: each trial
first chooses the family, then suggests that family's dimensions only, named
``<family>:<key>`` so that two families' dimensions of one name stay apart.
What this module adds: the scikit-optimize dimensions of
:func:`~automl.search._space.candidate_space` as Optuna distributions,
results of candidates not asked for (the portfolio) as observations, and
failed candidates told as the worst score seen rather than dropped, so that
the sampler learns to avoid them.
"""

import warnings

from skopt.space import Categorical, Integer, Real

_EXTRA = 'search="tpe" needs Optuna: pip install "automl[tpe]"'


def require_optuna():
    """Import Optuna, or raise a one-line ``ImportError`` naming the extra."""
    try:
        import optuna
    except ImportError:
        raise ImportError(_EXTRA) from None
    return optuna


def to_distribution(dim):
    """The Optuna distribution of a scikit-optimize dimension.

    ``Real`` and ``Integer`` keep their bounds (inclusive) and a
    ``"log-uniform"`` prior becomes ``log=True``; ``Categorical`` keeps its
    categories.

    Examples
    --------
    >>> from skopt.space import Integer, Real
    >>> to_distribution(Real(1e-3, 1e2, prior="log-uniform"))
    FloatDistribution(high=100.0, log=True, low=0.001, step=None)
    >>> to_distribution(Integer(3, 100))
    IntDistribution(high=100, log=False, low=3, step=1)
    """
    distributions = require_optuna().distributions
    log = getattr(dim, "prior", "uniform") == "log-uniform"
    if isinstance(dim, Categorical):
        return distributions.CategoricalDistribution(list(dim.categories))
    if isinstance(dim, Integer):
        return distributions.IntDistribution(int(dim.low), int(dim.high), log=log)
    if isinstance(dim, Real):
        return distributions.FloatDistribution(float(dim.low), float(dim.high), log=log)
    raise TypeError(f"No Optuna distribution for the dimension {dim!r}.")


def _suggest(trial, name, dist):
    optuna = require_optuna()
    if isinstance(dist, optuna.distributions.CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, optuna.distributions.IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, log=dist.log)
    return trial.suggest_float(name, dist.low, dist.high, log=dist.log)


class TPEProposer:
    """Ask for and tell candidates of a conditional space with Optuna's TPE.

    Parameters
    ----------
    spaces : dict
        ``family name -> {key: scikit-optimize dimension}``.
    seed : int, default=0
    n_startup_trials : int, default=10
        Random candidates before the model (the portfolio's results count).

    Examples
    --------
    >>> from skopt.space import Real
    >>> tpe = TPEProposer({"a": {"x": Real(0, 1)}, "b": {"y": Real(0, 1)}}, seed=0)
    >>> name, config, number = tpe.ask(skip=("a",))
    >>> name, sorted(config)
    ('b', ['y'])
    >>> tpe.tell(number, 0.5)
    """

    def __init__(self, spaces, seed=0, n_startup_trials=10):
        optuna = require_optuna()
        self._optuna = optuna
        self.dists = {name: {key: (f"{name}:{key}", to_distribution(dim))
                             for key, dim in space.items()} for name, space in spaces.items()}
        self.names = list(spaces)
        with warnings.catch_warnings():  # multivariate and group are experimental in Optuna
            warnings.simplefilter("ignore")
            sampler = optuna.samplers.TPESampler(
                seed=seed, n_startup_trials=n_startup_trials, multivariate=True, group=True,
                constant_liar=True, warn_independent_sampling=False)
        self.study = self._quietly(optuna.create_study, direction="maximize", sampler=sampler)
        self.worst = None  # the lowest score told so far

    def ask(self, skip=()):
        """``(family name, config, trial number)`` of a family not in ``skip``, or None.

        When the sampler draws a skipped family (near the end of a search the
        families it prefers may be too slow for the time left), the family is
        fixed to the best of the others and the sampler draws the rest: at
        most two asks, however strongly it prefers the skipped ones.
        """
        allowed = [name for name in self.names if name not in skip]
        if not allowed:
            return None
        trial = self.study.ask()
        name = trial.suggest_categorical("family", self.names)
        if name in skip:
            self.discard(trial.number)  # a failed trial: the sampler ignores it
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._quietly(self.study.enqueue_trial, {"family": self._best_of(allowed)})
            trial = self.study.ask()
            name = trial.suggest_categorical("family", self.names)
        config = {key: _suggest(trial, pname, dist)
                  for key, (pname, dist) in self.dists[name].items()}
        return name, config, trial.number

    def _best_of(self, names):
        """The family of ``names`` with the best score told (the first when none has one)."""
        best = {}
        complete = self._optuna.trial.TrialState.COMPLETE
        for trial in self.study.get_trials(deepcopy=False, states=(complete,)):
            family = trial.params.get("family")
            best[family] = max(best.get(family, float("-inf")), trial.value)
        return max(names, key=lambda name: best.get(name, float("-inf")))

    def tell(self, number, score):
        """The result of an asked trial; ``score`` None (failed) counts as the worst seen."""
        if score is not None:
            self.worst = score if self.worst is None else min(self.worst, score)
        value = score if score is not None else self.worst
        if value is None:
            self.discard(number)
        else:
            self._quietly(self.study.tell, number, value)

    def discard(self, number):
        """Drop an asked trial without a result."""
        self._quietly(self.study.tell, number, state=self._optuna.trial.TrialState.FAIL)

    def add(self, name, config, score):
        """Observe a candidate that was not asked for (the portfolio's); False if outside."""
        if score is None or name not in self.dists:
            return False
        params, dists = {"family": name}, {"family": self._family_distribution()}
        for key, (pname, dist) in self.dists[name].items():
            params[pname], dists[pname] = config.get(key), dist
        try:
            trial = self._optuna.trial.create_trial(params=params, distributions=dists,
                                                    value=score)
        except ValueError:  # a default outside the space: nothing to learn
            return False
        self.worst = score if self.worst is None else min(self.worst, score)
        self.study.add_trial(trial)
        return True

    def _family_distribution(self):
        return self._optuna.distributions.CategoricalDistribution(self.names)

    def _quietly(self, fn, *args, **kwargs):
        """Call ``fn`` without Optuna's per-trial log lines (restoring the user's level)."""
        logging = self._optuna.logging
        level = logging.get_verbosity()
        logging.set_verbosity(logging.WARNING)
        try:
            return fn(*args, **kwargs)
        finally:
            logging.set_verbosity(level)
