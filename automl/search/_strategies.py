"""Which candidate to try next: Bayesian, random, grid, or successive halving.

Every strategy starts with the portfolio (one default pipeline per family,
in order), then proposes ``(family, config, train_fraction)`` triples and is
told each result. Bayesian optimisation keeps one scikit-optimize
``Optimizer`` per family (their spaces differ) and spends more trials on the
families that score best.
"""

import itertools

import numpy as np
from skopt import Optimizer
from skopt.space import Categorical, Integer, Space

from automl.search._space import candidate_space, portfolio


class Strategy:
    """Base: the portfolio first, then ``_propose``."""

    def __init__(self, families, ctx, random_state):
        self.families = families
        self.ctx = ctx
        self.rng = np.random.RandomState(random_state)
        self.spaces = {f.name: candidate_space(f, ctx) for f in families}
        self._portfolio = [(f, config, 1.0) for f, config in portfolio(families, ctx)]
        self.best = {}  # family name -> best score
        self.seen = set()

    def propose(self, skip=()):
        """Next ``(family, config, train_fraction)``, or None when exhausted."""
        while self._portfolio:
            family, config, frac = self._portfolio.pop(0)
            if family.name not in skip:
                self.seen.add(_key(family.name, config))
                return family, config, frac
        for _ in range(20):
            proposal = self._propose(skip)
            if proposal is None:
                return None
            family, config, frac = proposal
            key = _key(family.name, config) + (frac,)
            if key not in self.seen:
                self.seen.add(key)
                return proposal
        return None

    def take_cheap_start(self):
        """Remove the portfolio's linear-model candidate and return it, or None.

        The search runs it in its own process while the workers start, so
        that a model exists however short the budget.
        """
        for i, (family, config, _) in enumerate(self._portfolio):
            if family.linear:
                self.seen.add(_key(family.name, config))
                return self._portfolio.pop(i)
        return None

    def tell(self, family, config, train_fraction, score):
        """Record a result; ``score`` is None for a failed candidate."""
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


def _key(name, config):
    return (name,) + tuple(sorted((k, str(v)) for k, v in config.items()))


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
        self.asked[family.name].add(_key(family.name, config))
        return family, config, 1.0

    def tell(self, family, config, train_fraction, score):
        super().tell(family, config, train_fraction, score)
        space = self.spaces[family.name]
        if all(k in config for k in space):
            point = [config[k] for k in space]
            self.asked[family.name].discard(_key(family.name, config))
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


class HalvingStrategy(RandomStrategy):
    """Successive halving over training rows (the Hyperband idea).

    Rounds of random candidates are cross-validated on a third of the
    training rows of each fold, then the best third of them on all of them;
    the portfolio runs on all rows. Repeats with fresh candidates until the
    budget ends.
    """

    eta = 3
    n_rungs = 3

    def __init__(self, families, ctx, random_state):
        super().__init__(families, ctx, random_state)
        self.queue = []
        self.rung_results = {}

    def _propose(self, skip):
        if not self.queue:
            self._next_rung()
        while self.queue:
            family, config, frac = self.queue.pop(0)
            if family.name not in skip:
                return family, config, frac
        return None

    def _next_rung(self):
        # promote from the highest partial rung that has results
        for frac in sorted(self.rung_results, reverse=True):
            results = self.rung_results[frac]
            if frac < 1.0 and results:
                results.sort(key=lambda r: -r[2])
                keep = results[: max(1, len(results) // self.eta)]
                self.rung_results[frac] = []
                next_frac = min(1.0, frac * self.eta)
                self.queue = [(f, c, next_frac) for f, c, _ in keep]
                return
        frac = float(self.eta ** -(self.n_rungs - 1))
        n = self.eta ** (self.n_rungs - 1)
        self.queue = [RandomStrategy._propose(self, ())[:2] + (frac,) for _ in range(n)]

    def tell(self, family, config, train_fraction, score):
        super().tell(family, config, train_fraction, score)
        if train_fraction < 1.0 and score is not None:
            self.rung_results.setdefault(train_fraction, []).append((family, config, score))


STRATEGIES = {
    "bayes": BayesStrategy,
    "random": RandomStrategy,
    "grid": GridStrategy,
    "halving": HalvingStrategy,
}

