"""Is a difference in test score beyond noise? A paired bootstrap over test rows.

Two systems scored on the same test rows differ partly by chance: which rows
landed in the test split. Resampling those rows (the same resample for both
systems) gives the spread of the difference; a difference whose 95 %
interval excludes 0 is called beyond noise. This is the criterion of the
benchmarks' "not worse beyond noise" targets.
"""

import numpy as np


def paired_bootstrap(score, n_rows, lower_is_better, n_boot=500, seed=0, level=0.95,
                     chunk_cells=4_000_000):
    """Difference ``a - b`` in goodness, with a percentile interval.

    Parameters
    ----------
    score : callable
        ``score(rows)`` takes a 2-D index array, one resample of the test
        rows per line (repeats allowed), and returns two arrays: the scores
        of ``a`` and of ``b`` on each resample (NaN where the metric cannot
        score it, e.g. ROC AUC on one class). Vectorised over resamples, so
        that thousands of resamples take seconds.
    n_rows : int
        Number of test rows.
    lower_is_better : bool
        Whether the metric is a loss (RMSE, log loss): then the difference
        is ``b - a``, so that a positive difference always favours ``a``.
    n_boot : int
        Number of resamples; those scored NaN are skipped.
    chunk_cells : int
        At most this many row indices are scored in one call.

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
    ...     return ((a[rows] - y[rows]) ** 2).mean(axis=1), ((b[rows] - y[rows]) ** 2).mean(axis=1)
    >>> paired_bootstrap(mse, 400, lower_is_better=True)["verdict"]
    'better'
    >>> paired_bootstrap(lambda rows: mse(rows)[::-1], 400, lower_is_better=True)["verdict"]
    'worse'
    >>> paired_bootstrap(lambda rows: (mse(rows)[0],) * 2, 400, lower_is_better=True)["verdict"]
    'noise'
    """
    sign = -1.0 if lower_is_better else 1.0
    a, b = (float(s[0]) for s in score(np.arange(n_rows)[None, :]))
    rng = np.random.default_rng(seed)
    per_chunk = max(1, chunk_cells // max(1, n_rows))
    diffs = []
    for start in range(0, n_boot, per_chunk):
        rows = rng.integers(0, n_rows, (min(per_chunk, n_boot - start), n_rows))
        sa, sb = score(rows)
        diffs.append(sign * (np.asarray(sa, dtype=float) - np.asarray(sb, dtype=float)))
    diffs = np.concatenate(diffs) if diffs else np.array([])
    diffs = diffs[np.isfinite(diffs)]
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(diffs, [tail, 100 - tail]) if len(diffs) else (np.nan, np.nan)
    verdict = "better" if low > 0 else "worse" if high < 0 else "noise"
    return {"diff": sign * (a - b), "low": float(low), "high": float(high), "verdict": verdict}
