"""Hyperband (Li et al., 2018): successive-halving brackets over the training rows.

The resource is the share of each training fold a candidate is
cross-validated on (a proposal's ``train_fraction``): a bracket starts
``n_0`` random candidates on a small share of the rows, keeps the best
``1 / eta`` of them by CV score for ``eta`` times as many rows, and so on
up to all of them. Hyperband runs brackets from the most aggressive (many
candidates, few rows) to plain random search (a few candidates on all
rows), then starts over.

What this module adds to the paper's loop: brackets run asynchronously
beside each other, so that free workers never wait. A rung is promoted only
when all its candidates have reported; while one waits, the next bracket
starts. Only candidates on all rows are final models: the search keeps
``train_fraction == 1.0`` trials as finalists.

References
----------
Li, Jamieson, DeSalvo, Rostamizadeh and Talwalkar, "Hyperband: A Novel
Bandit-Based Approach to Hyperparameter Optimization", JMLR 18 (2018).
"""

import math

# A bracket's first rung has at least this many training rows per candidate
# (of all the rows: folds hold fewer) and at most this many rungs below all
# rows (1/27 of the rows at eta=3).
MIN_ROWS = 50
MAX_LOWER_RUNGS = 3


def hyperband_schedule(max_resource, min_resource, eta=3):
    """Hyperband's brackets: how many candidates each rung runs, on what resource.

    Parameters
    ----------
    max_resource : float
        The resource of a full evaluation (``R`` of the paper when
        ``min_resource`` is 1; here 1.0, all the rows).
    min_resource : float
        The smallest resource a candidate gets.
    eta : int, default=3
        The rung-to-rung ratio: each keeps the best ``1 / eta`` candidates
        of the one before, with ``eta`` times the resource.

    Returns
    -------
    list of (s, rungs)
        One bracket per ``s = s_max, ..., 0``, where
        ``s_max = floor(log_eta(max_resource / min_resource))``; ``rungs``
        is ``[(n_i, r_i), ...]`` for ``i = 0, ..., s`` with
        ``n = ceil((s_max + 1) / (s + 1) * eta**s)``, ``n_i = floor(n / eta**i)``
        and ``r_i = max_resource * eta**(i - s)``.

    Examples
    --------
    The paper's table (R = 81, eta = 3):

    >>> for s, rungs in hyperband_schedule(81, 1):
    ...     print(s, [(n, int(r)) for n, r in rungs])
    4 [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)]
    3 [(34, 3), (11, 9), (3, 27), (1, 81)]
    2 [(15, 9), (5, 27), (1, 81)]
    1 [(8, 27), (2, 81)]
    0 [(5, 81)]
    """
    if not (0 < min_resource <= max_resource):
        raise ValueError(f"Need 0 < min_resource <= max_resource; got {min_resource}, "
                         f"{max_resource}.")
    if int(eta) != eta or eta < 2:
        raise ValueError(f"eta must be an integer of at least 2; got {eta!r}.")
    ratio = max_resource / min_resource
    s_max = 0
    while eta ** (s_max + 1) <= ratio * (1 + 1e-9):
        s_max += 1
    brackets = []
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) * eta**s / (s + 1))
        rungs = [(n // eta**i, max_resource / eta ** (s - i)) for i in range(s + 1)]
        brackets.append((s, rungs))
    return brackets


def min_fraction(n_samples, eta=3):
    """The smallest row share of a bracket: a power of ``1 / eta``.

    The smallest ``eta**-s`` (``s <= MAX_LOWER_RUNGS``) that still gives
    ``MIN_ROWS`` rows of ``n_samples``; 1.0 (no lower rung) on tables under
    ``eta * MIN_ROWS`` rows.

    Examples
    --------
    >>> min_fraction(569), min_fraction(10_000), min_fraction(100)
    (0.1111111111111111, 0.037037037037037035, 1.0)
    """
    s = 0
    while s < MAX_LOWER_RUNGS and n_samples / eta ** (s + 1) >= MIN_ROWS:
        s += 1
    return 1.0 / eta**s


class _Bracket:
    """One bracket's rungs: what to run next, whom to promote."""

    def __init__(self, s, rungs):
        self.s = s
        self.rungs = rungs
        self.rung = 0
        self.to_sample = rungs[0][0]  # fresh candidates still to draw for rung 0
        self.queue = []  # promoted (family, config) waiting to run
        self.pending = set()  # keys running at this rung
        self.results = []  # (score, order, family, config) at this rung
        self.done = False

    @property
    def resource(self):
        return self.rungs[self.rung][1]

    def promote(self):
        """Move to the next rung with the best ``n_{i+1}`` results; False at the end."""
        if self.rung == len(self.rungs) - 1 or not self.results:
            self.done = True
            return False
        self.rung += 1
        self.results.sort(key=lambda r: (-r[0], r[1]))
        keep = self.results[: self.rungs[self.rung][0]]
        self.queue = [(family, config) for _, _, family, config in keep]
        self.results = []
        return True


class HyperbandScheduler:
    """Hyperband's brackets in turn, as many open at once as keep the workers busy.

    Parameters
    ----------
    brackets : list of (s, rungs)
        From :func:`hyperband_schedule`; run in this order, then again.
    sample : callable
        ``sample(skip, fraction) -> (family, config)`` or None: a fresh
        candidate of a family not in ``skip``, not yet run on ``fraction``.
    key : callable
        ``key(family, config, fraction)``: a candidate's identity.
    results : dict
        ``key -> score`` (None: failed) of what was already run, shared with
        the caller: a promotion already run elsewhere is not run again.

    Examples
    --------
    One bracket of 9 candidates on 1/9 of the rows; the best 3 go on to 1/3:

    >>> from itertools import count
    >>> from types import SimpleNamespace
    >>> family, ids = SimpleNamespace(name="f"), count()
    >>> sched = HyperbandScheduler(
    ...     hyperband_schedule(1.0, 1 / 9)[:1], lambda skip, frac: (family, {"x": next(ids)}),
    ...     key=lambda f, c, r: (f.name, c["x"], r), results={})
    >>> first = [sched.next(skip=()) for _ in range(9)]
    >>> first[0][2:]  # fraction, bracket s, rung
    (0.1111111111111111, 2, 0)
    >>> for family, config, frac, s, rung in first:
    ...     sched.tell(family, config, frac, score=config["x"])
    >>> [(p[1]["x"], round(p[2], 3), p[3:]) for p in (sched.next(skip=()) for _ in range(3))]
    [(8, 0.333, (2, 1)), (7, 0.333, (2, 1)), (6, 0.333, (2, 1))]
    """

    def __init__(self, brackets, sample, key, results):
        self.brackets = brackets
        self.sample = sample
        self.key = key
        self.results = results
        self.open = []
        self.owner = {}  # running key -> its bracket
        self._turn = 0

    def next(self, skip):
        """``(family, config, fraction, s, rung)`` to run next, or None."""
        for bracket in list(self.open):
            proposal = self._next_of(bracket, skip)
            if proposal is not None:
                return proposal
            if bracket.done:
                self.open.remove(bracket)
        # every open bracket waits for results (or is done): open the next one
        for _ in range(len(self.brackets)):
            s, rungs = self.brackets[self._turn % len(self.brackets)]
            self._turn += 1
            bracket = _Bracket(s, rungs)
            proposal = self._next_of(bracket, skip)
            if proposal is not None:
                self.open.append(bracket)
                return proposal
        return None

    def tell(self, family, config, fraction, score):
        """Record a result (``score`` None: failed) in the bracket that ran it."""
        key = self.key(family, config, fraction)
        bracket = self.owner.pop(key, None)
        if bracket is None:
            return
        bracket.pending.discard(key)
        if score is not None:
            bracket.results.append((score, len(bracket.results), family, config))

    def _next_of(self, bracket, skip):
        while not bracket.done:
            fraction = bracket.resource
            if bracket.rung == 0 and bracket.to_sample > 0:
                drawn = self.sample(skip, fraction)
                if drawn is None:
                    return None
                bracket.to_sample -= 1
                return self._start(bracket, *drawn)
            while bracket.queue:
                family, config = bracket.queue.pop(0)
                key = self.key(family, config, fraction)
                if family.name in skip or (key in self.results and self.results[key] is None):
                    continue  # too slow now, or it failed there before
                if key in self.results:  # run already (another bracket): its score stands
                    bracket.results.append((self.results[key], len(bracket.results),
                                            family, config))
                    continue
                if key in self.owner:  # running in another bracket right now
                    continue
                return self._start(bracket, family, config)
            if bracket.pending or not bracket.promote():
                return None

    def _start(self, bracket, family, config):
        key = self.key(family, config, bracket.resource)
        bracket.pending.add(key)
        self.owner[key] = bracket
        return family, config, bracket.resource, bracket.s, bracket.rung
