"""Is a difference in test score beyond noise? A paired bootstrap over test rows.

Two systems scored on the same test rows differ partly by chance: which rows
landed in the test split. Resampling those rows (the same resample for both
systems) gives the spread of the difference; a difference whose 95 %
interval excludes 0 is called beyond noise. This is the criterion of the
benchmarks' "not worse beyond noise" targets.
"""

import numpy as np


def paired_bootstrap(score, n_rows, lower_is_better, n_boot=500, seed=0, level=0.95):
    """Difference ``a - b`` in goodness, with a percentile interval.

    Parameters
    ----------
    score : callable
        ``score(rows)`` returns the pair ``(score_a, score_b)`` on the test
        rows ``rows`` (an index array, repeats allowed).
    n_rows : int
        Number of test rows.
    lower_is_better : bool
        Whether the metric is a loss (RMSE, log loss): then the difference
        is ``b - a``, so that a positive difference always favours ``a``.
    n_boot : int
        Number of resamples. Resamples the metric cannot score (one class
        only, for ROC AUC) are skipped.

    Returns
    -------
    result : dict
        ``diff`` (on all rows), ``low`` and ``high`` (the interval) and
        ``verdict``: ``"better"`` or ``"worse"`` (for ``a``) when the
        interval excludes 0, else ``"noise"``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=400)
    >>> a, b = y + rng.normal(scale=0.1, size=400), y + rng.normal(scale=1.0, size=400)
    >>> def mse(rows):
    ...     return np.mean((a[rows] - y[rows]) ** 2), np.mean((b[rows] - y[rows]) ** 2)
    >>> paired_bootstrap(mse, 400, lower_is_better=True)["verdict"]
    'better'
    >>> paired_bootstrap(lambda rows: mse(rows)[::-1], 400, lower_is_better=True)["verdict"]
    'worse'
    >>> paired_bootstrap(lambda rows: (mse(rows)[0],) * 2, 400, lower_is_better=True)["verdict"]
    'noise'
    """
    sign = -1.0 if lower_is_better else 1.0
    a, b = score(np.arange(n_rows))
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        rows = rng.integers(0, n_rows, n_rows)
        try:
            sa, sb = score(rows)
        except ValueError:
            continue
        diffs.append(sign * (sa - sb))
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(diffs, [tail, 100 - tail]) if diffs else (np.nan, np.nan)
    verdict = "better" if low > 0 else "worse" if high < 0 else "noise"
    return {"diff": sign * (a - b), "low": float(low), "high": float(high), "verdict": verdict}
