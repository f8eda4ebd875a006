"""Which candidate to try next: Bayesian, random, grid, successive halving, Hyperband, TPE.

Every strategy starts with the portfolio (one default pipeline per family,
in order), then proposes ``(family, config, train_fraction)`` triples and is
told each result; none proposes a candidate twice. Bayesian optimisation
keeps one scikit-optimize ``Optimizer`` per family (their spaces differ) and
spends more trials on the families that score best; TPE (Optuna's, in
``automl.search._tpe``) models the family and its parameters together;
successive halving and Hyperband (``automl.search._hyperband``) give random
candidates a share of the training rows and promote the best.
"""

import itertools

import numpy as np
from skopt import Optimizer
from skopt.space import Categorical, Integer, Space

from automl.search._hyperband import HyperbandScheduler, hyperband_schedule, min_fraction
from automl.search._space import candidate_space, portfolio


class Strategy:
    """Base: the portfolio first, then ``_propose``; never the same candidate twice.

    A candidate's identity is its family, its config and its row fraction
    (:func:`candidate_key`): a proposal already made is never made again.
    ``placement`` says in which bracket and rung a proposal runs (None
    outside Hyperband's brackets).
    """

    def __init__(self, families, ctx, random_state):
        self.families = families
        self.ctx = ctx
        self.rng = np.random.RandomState(random_state)
        self.spaces = {f.name: candidate_space(f, ctx) for f in families}
        self._portfolio = [(f, config, 1.0) for f, config in portfolio(families, ctx, ctx.portfolio)]
        self.best = {}  # family name -> best score
        self.seen = set()  # candidate keys proposed
        self.results = {}  # candidate key -> score told (None: failed)
        self._placements = {}  # candidate key -> (bracket, rung)

    def propose(self, skip=()):
        """Next ``(family, config, train_fraction)``, or None when exhausted."""
        while self._portfolio:
            family, config, frac = self._portfolio.pop(0)
            key = candidate_key(family, config, frac)
            if family.name not in skip and key not in self.seen:
                self.seen.add(key)
                return family, config, frac
        for _ in range(20):
            proposal = self._propose(skip)
            if proposal is None:
                return None
            family, config, frac = proposal
            key = candidate_key(family, config, frac)
            if key not in self.seen:
                self.seen.add(key)
                return proposal
            self._rejected(proposal)
        return None

    def placement(self, family, config, train_fraction):
        """``(bracket, rung)`` the proposal runs in; ``(None, None)`` outside brackets."""
        return self._placements.get(candidate_key(family, config, train_fraction), (None, None))

    def take_cheap_start(self):
        """Remove the portfolio's linear-model candidate and return it, or None.

        The search runs it in its own process while the workers start, so
        that a model exists however short the budget.
        """
        for i, (family, config, frac) in enumerate(self._portfolio):
            if family.linear:
                self.seen.add(candidate_key(family, config, frac))
                return self._portfolio.pop(i)
        return None

    def tell(self, family, config, train_fraction, score):
        """Record a result; ``score`` is None for a failed candidate."""
        self.results[candidate_key(family, config, train_fraction)] = score
        if score is not None and train_fraction == 1.0:
            self.best[family.name] = max(self.best.get(family.name, -np.inf), score)

    def _pick_family(self, skip):
        """The best family half of the time, the next best a quarter, else any."""
        choices = [f for f in self.families if f.name not in skip]
        if not choices:
            return None
        ranked = sorted(choices, key=lambda f: -self.best.get(f.name, -np.inf))
        u = self.rng.uniform()
        if u < 0.5 or len(ranked) == 1:
            return ranked[0]
        if u < 0.75:
            return ranked[1]
        return ranked[self.rng.randint(len(ranked))]

    def _propose(self, skip):  # pragma: no cover - abstract
        raise NotImplementedError

    def _rejected(self, proposal):
        """``_propose`` gave a candidate already proposed (it will not run)."""


def candidate_key(family, config, train_fraction=1.0):
    """A candidate's identity: family name, row fraction and config values."""
    name = getattr(family, "name", family)
    return (name, float(train_fraction)) + tuple(sorted((k, str(v)) for k, v in config.items()))


def _to_python(value):
    return value.item() if isinstance(value, np.generic) else value


class RandomStrategy(Strategy):
    """Random points of the chosen family's space."""

    def _propose(self, skip):
        family = self._pick_family(skip)
        if family is None:
            return None
        space = self.spaces[family.name]
        point = Space(list(space.values())).rvs(random_state=self.rng)[0]
        return family, dict(zip(space, map(_to_python, point))), 1.0


class BayesStrategy(Strategy):
    """One scikit-optimize ``Optimizer`` (extra-trees surrogate) per family."""

    def __init__(self, families, ctx, random_state):
        super().__init__(families, ctx, random_state)
        self.optimizers = {}
        for i, f in enumerate(families):
            dims = list(self.spaces[f.name].values())
            self.optimizers[f.name] = Optimizer(
                dims, base_estimator="ET", n_initial_points=4, acq_func="EI",
                random_state=int(self.rng.randint(2**31 - 1)) + i,
            )
        self.asked = {f.name: set() for f in families}  # proposed, not yet told

    def _propose(self, skip):
        family = self._pick_family(skip)
        if family is None:
            return None
        opt = self.optimizers[family.name]
        n = len(self.asked[family.name]) + 1
        # with candidates in flight, "constant liar" keeps the new point apart
        point = opt.ask() if n == 1 else opt.ask(n_points=n, strategy="cl_min")[-1]
        space = self.spaces[family.name]
        config = dict(zip(space, map(_to_python, point)))
        self.asked[family.name].add(candidate_key(family, config))
        return family, config, 1.0

    def _rejected(self, proposal):
        family, config, _ = proposal
        self.asked[family.name].discard(candidate_key(family, config))

    def tell(self, family, config, train_fraction, score):
        super().tell(family, config, train_fraction, score)
        space = self.spaces[family.name]
        if all(k in config for k in space):
            point = [config[k] for k in space]
            self.asked[family.name].discard(candidate_key(family, config))
            loss = -score if score is not None else _worst_loss(self.best)
            try:
                self.optimizers[family.name].tell(point, loss)
            except ValueError:  # a default outside the space: nothing to learn
                pass


def _worst_loss(best):
    finite = [v for v in best.values() if np.isfinite(v)]
    return -min(finite) + 1.0 if finite else 1e6


def _grid_values(dim, n=3):
    if isinstance(dim, Categorical):
        return list(dim.categories)
    low, high = dim.low, dim.high
    if getattr(dim, "prior", "uniform") == "log-uniform":
        values = np.geomspace(low, high, n)
    else:
        values = np.linspace(low, high, n)
    if isinstance(dim, Integer):
        return sorted({int(round(v)) for v in values})
    return [float(v) for v in values]


class GridStrategy(Strategy):
    """A coarse grid per family (3 values per numeric dimension), in turn."""

    def __init__(self, families, ctx, random_state):
        super().__init__(families, ctx, random_state)
        self.grids = {}
        for f in families:
            space = self.spaces[f.name]
            grid = [dict(zip(space, combo)) for combo in
                    itertools.product(*[_grid_values(d) for d in space.values()])]
            self.rng.shuffle(grid)
            self.grids[f.name] = iter(grid)
        self.turn = itertools.cycle([f for f in families])

    def _propose(self, skip):
        for _ in range(len(self.families)):
            family = next(self.turn)
            if family.name in skip:
                continue
            config = next(self.grids[family.name], None)
            if config is not None:
                return family, config, 1.0
        return None


class HyperbandStrategy(RandomStrategy):
    """Hyperband over the training rows (Li et al., 2018), after the portfolio.

    The brackets of :func:`~automl.search._hyperband.hyperband_schedule`
    with ``eta = 3``, the resource being the share of each training fold a
    candidate is fitted on (it is scored on the whole test fold), from
    ``min_fraction`` (:func:`~automl.search._hyperband.min_fraction`: 1/27
    from 1,350 rows, 1/9 from 450, 1/3 from 150, else 1 and Hyperband is
    random search) to all rows. On 569 rows: bracket s=2 runs 9 random
    candidates on 1/9 of the rows, the best 3 of them on 1/3, the best one
    on all; s=1 runs 5 on 1/3 then the best one on all; s=0 runs 3 on all;
    then again. Fresh candidates are drawn as :class:`RandomStrategy` does.
    Only candidates on all rows can be chosen as the final model.
    """

    eta = 3

    def __init__(self, families, ctx, random_state):
        super().__init__(families, ctx, random_state)
        brackets = hyperband_schedule(1.0, min_fraction(ctx.n_samples, self.eta), self.eta)
        self.scheduler = HyperbandScheduler(self._brackets(brackets), self._sample,
                                            candidate_key, self.results)

    def _brackets(self, brackets):
        return brackets

    def _sample(self, skip, fraction):
        for _ in range(20):
            proposal = RandomStrategy._propose(self, skip)
            if proposal is None:
                return None
            family, config, _ = proposal
            if candidate_key(family, config, fraction) not in self.seen:
                return family, config
        return None

    def _propose(self, skip):
        proposal = self.scheduler.next(skip)
        if proposal is None:
            return None
        family, config, frac, bracket, rung = proposal
        self._placements[candidate_key(family, config, frac)] = (bracket, rung)
        return family, config, frac

    def tell(self, family, config, train_fraction, score):
        super().tell(family, config, train_fraction, score)
        self.scheduler.tell(family, config, train_fraction, score)


class HalvingStrategy(HyperbandStrategy):
    """Successive halving over training rows: Hyperband's most aggressive bracket, repeated.

    After the portfolio, rounds of ``n_0`` random candidates are fitted on
    ``min_fraction`` of each training fold, the best third of them (by CV
    score) on three times as many rows, and so on up to all rows; then a
    fresh round. On 569 rows (``min_fraction`` 1/9): 9 candidates on 1/9
    of the rows, the best 3 on 1/3, the best one on all. On 1,350 rows or
    more: 27 on 1/27, 9 on 1/9, 3 on 1/3, 1 on all. A round waits for all
    its candidates before promoting; while it waits, the next round starts.
    """

    def _brackets(self, brackets):
        return brackets[:1]


class TPEStrategy(Strategy):
    """Optuna's tree-structured Parzen estimator over the conditional space.

    The family is a categorical choice and each family's dimensions are
    conditional on it (:class:`~automl.search._tpe.TPEProposer`); the
    portfolio's results are its first observations, and candidates still
    running are kept apart by Optuna's constant liar.
    """

    def __init__(self, families, ctx, random_state):
        super().__init__(families, ctx, random_state)
        from automl.search._tpe import TPEProposer

        self.by_name = {f.name: f for f in families}
        self.tpe = TPEProposer(self.spaces, seed=int(self.rng.randint(2**31 - 1)))
        self.numbers = {}  # candidate key -> the Optuna trial asked for it

    def _propose(self, skip):
        for _ in range(20):
            asked = self.tpe.ask(skip)
            if asked is None:
                return None
            name, config, number = asked
            key = candidate_key(name, config)
            if key in self.seen:  # asked again: what it scored stands
                if self.results.get(key) is not None:
                    self.tpe.tell(number, self.results[key])
                else:
                    self.tpe.discard(number)
                continue
            self.numbers[key] = number
            return self.by_name[name], config, 1.0
        return None

    def tell(self, family, config, train_fraction, score):
        super().tell(family, config, train_fraction, score)
        number = self.numbers.pop(candidate_key(family, config, train_fraction), None)
        if number is None:  # the portfolio's
            self.tpe.add(family.name, config, score)
        else:
            self.tpe.tell(number, score)


STRATEGIES = {
    "bayes": BayesStrategy,
    "random": RandomStrategy,
    "grid": GridStrategy,
    "halving": HalvingStrategy,
    "hyperband": HyperbandStrategy,
    "tpe": TPEStrategy,
}
