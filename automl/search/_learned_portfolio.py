"""The learned portfolio: starting candidates chosen offline, shipped as data (issue 24).

``benchmarks/portfolio/`` evaluates a pool of candidate configurations on a
corpus of datasets (never the evaluation suite) and chooses, per task kind
and optionally per size band, an ordered list of them by greedy forward
selection over simulated ensembles (``select_portfolio.py``). That list,
written to ``portfolio.json`` in this package, is what
:func:`automl.search._space.portfolio` starts a search with when asked
(``AutoPipeline(portfolio="learned")``; the default is the hand-written
portfolio, which scored better on the evaluation suite); without the file,
or for a task or band it does not cover, the hand-written portfolio (one
default per family and the families' variants) is used.

An entry is a family and *changes* to that family's default candidate for
the dataset at hand (:func:`automl.search._space.with_changes`), so one
entry applies to every dataset of its task kind.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SHIPPED = Path(__file__).with_name("portfolio.json")
FORMAT = 1
TASK_GROUPS = {"binary": "classification", "multiclass": "classification",
               "regression": "regression"}


@dataclass(frozen=True)
class PortfolioEntry:
    """One learned starting candidate: ``family`` with ``changes`` to its default."""

    family: str
    changes: dict
    id: str = ""


@dataclass(frozen=True)
class LearnedPortfolio:
    """Ordered entries per task group, and per size band where the file has bands.

    Attributes
    ----------
    groups : dict
        ``{group: {"bands": {name: (low, high)}, "portfolios": {name: [PortfolioEntry]}}}``;
        ``"all"`` is the portfolio of a group without bands, or of rows no band holds.
    source : str
        Where it was read from.
    """

    groups: dict
    source: str = ""

    def entries_for(self, task, n_samples):
        """The entries for a ``task`` with ``n_samples`` training rows (empty if none).

        Examples
        --------
        >>> from automl.search._learned_portfolio import LearnedPortfolio, PortfolioEntry
        >>> small, big = PortfolioEntry("k_nearest_neighbors", {}), PortfolioEntry("lightgbm", {})
        >>> learned = LearnedPortfolio({"classification": {
        ...     "bands": {"rows<1000": (0, 1000), "rows>=1000": (1000, None)},
        ...     "portfolios": {"rows<1000": [small], "rows>=1000": [big]}}})
        >>> [e.family for e in learned.entries_for("binary", 500)]
        ['k_nearest_neighbors']
        >>> [e.family for e in learned.entries_for("multiclass", 20_000)]
        ['lightgbm']
        >>> learned.entries_for("regression", 500)
        []
        """
        group = self.groups.get(TASK_GROUPS.get(task, ""))
        if not group:
            return []
        portfolios = group["portfolios"]
        for name, (low, high) in group.get("bands", {}).items():
            if low <= n_samples and (high is None or n_samples < high) and name in portfolios:
                return list(portfolios[name])
        return list(portfolios.get("all", []))


def parse_portfolio(data, source=""):
    """A :class:`LearnedPortfolio` from the JSON ``select_portfolio.py`` writes.

    Raises
    ------
    ValueError
        Naming ``source`` and what is wrong: another format, or an entry
        without a family.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{source or 'portfolio'}: not a portfolio of format {FORMAT} "
                         f"(got {data.get('format') if isinstance(data, dict) else data!r})")
    groups = {}
    for name, group in data.get("groups", {}).items():
        portfolios = {}
        for band, entries in group.get("portfolios", {}).items():
            portfolios[band] = [_entry(e, source) for e in entries]
        bands = {band: (int(low), None if high is None else int(high))
                 for band, (low, high) in group.get("bands", {}).items()}
        groups[name] = {"bands": bands, "portfolios": portfolios}
    return LearnedPortfolio(groups, source)


def _entry(entry, source):
    if not isinstance(entry, dict) or not isinstance(entry.get("family"), str):
        raise ValueError(f"{source or 'portfolio'}: an entry has no family: {entry!r}")
    return PortfolioEntry(entry["family"], dict(entry.get("changes", {})), entry.get("id", ""))


def load_portfolio(path):
    """:func:`parse_portfolio` of the file at ``path``."""
    path = Path(path)
    return parse_portfolio(json.loads(path.read_text()), str(path))


@lru_cache(maxsize=1)
def shipped_portfolio():
    """The package's learned portfolio, or None when it ships none."""
    if not SHIPPED.exists():
        return None
    return load_portfolio(SHIPPED)
