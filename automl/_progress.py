"""Progress of a search: a bar in a terminal or a notebook, or a line per trial.

``AutoPipeline(verbose=1)`` and the command line show a progress bar on
stderr: time spent out of the budget, candidates finished and the best score
so far. The bar is tqdm's (``tqdm.auto``: a widget in Jupyter when
ipywidgets is installed, a self-rewriting text line elsewhere); without
tqdm, :class:`PlainProgress` rewrites one line itself. It stays silent when
stderr is neither a terminal nor a notebook (a log file, a CI job), unless
``force=True``. ``verbose=2`` prints one line per candidate instead, to
stdout, anywhere.
"""

import sys

try:  # tqdm is a dependency; the plain line stands in should it be missing
    import tqdm as _tqdm_module
except ImportError:  # pragma: no cover - exercised by forcing plain=True in tests
    _tqdm_module = None


def in_notebook():
    """Whether this runs in a Jupyter (IPython kernel) session."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def interactive(stream):
    """Whether ``stream`` shows a progress display as it updates (terminal or notebook)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or in_notebook()


def _best(info):
    return "-" if info["best_score"] is None else f"{info['best_score']:.5f}"


class PlainProgress:
    """One self-rewriting line: trials, best score, time left.

    Parameters
    ----------
    stream : file, default=None
        Where to write; ``sys.stderr`` when None.

    Examples
    --------
    >>> import io
    >>> from automl._progress import PlainProgress
    >>> stream = io.StringIO()
    >>> progress = PlainProgress(stream)
    >>> progress({"n_trials": 3, "best_score": 0.9, "time_left": 12.4})
    >>> progress.close()
    >>> stream.getvalue()
    '\\r  trials    3 | best 0.90000 |    12 s left \\n'
    """

    def __init__(self, stream=None):
        self.stream = sys.stderr if stream is None else stream

    def __call__(self, info):
        self.stream.write(f"\r  trials {info['n_trials']:4d} | best {_best(info)} | "
                          f"{max(0.0, info['time_left']):5.0f} s left ")
        self.stream.flush()

    def close(self):
        self.stream.write("\n")
        self.stream.flush()


class TqdmProgress:
    """A tqdm bar over the time budget, with trials and the best score beside it.

    Parameters
    ----------
    time_budget : float
        Seconds: the bar's length.
    stream : file, default=None
        Where a text bar is written; ``sys.stderr`` when None.
    """

    def __init__(self, time_budget, stream=None):
        from tqdm.auto import tqdm

        self.total = float(time_budget)
        self.bar = tqdm(total=round(self.total, 1), file=sys.stderr if stream is None else stream,
                        desc="automl", unit="s", leave=True, dynamic_ncols=True,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")
        self.bar.set_postfix_str("trials 0 | best -", refresh=True)

    def __call__(self, info):
        left = max(0.0, info["time_left"])
        self.bar.n = round(min(self.total, self.total - left), 1)
        self.bar.set_postfix_str(f"trials {info['n_trials']} | best {_best(info)} | "
                                 f"{left:.0f} s left", refresh=False)
        self.bar.refresh()

    def close(self):
        self.bar.close()


class SearchProgress:
    """What ``AutoPipeline.fit`` reports during its search; a context manager.

    Called after each finished candidate with the search's ``info`` dict:
    updates the display (``verbose=1``), then calls the user's ``callback``
    and returns what it returns (a true value stops the search).

    Parameters
    ----------
    verbose : int
        0: nothing; 1: a progress bar where it can be seen (see
        :func:`interactive`); 2 or more: a line per candidate (:meth:`log`).
    time_budget : float
    callback : callable, default=None
    stream : file, default=None
        ``sys.stderr`` when None.
    force : bool, default=False
        Show the bar with ``verbose=1`` even where nobody sees it update.
    plain : bool, default=False
        Use :class:`PlainProgress` even when tqdm is installed.

    Examples
    --------
    >>> import io
    >>> from automl._progress import SearchProgress
    >>> stream = io.StringIO()
    >>> with SearchProgress(1, 60, callback=lambda info: info["n_trials"] >= 2,
    ...                     stream=stream, force=True, plain=True) as progress:
    ...     stop = progress({"n_trials": 2, "best_score": 0.5, "time_left": 30.0})
    >>> stop, "trials    2" in stream.getvalue()
    (True, True)
    """

    def __init__(self, verbose, time_budget, callback=None, stream=None, force=False,
                 plain=False):
        self.verbose = int(verbose or 0)
        self.callback = callback
        stream = sys.stderr if stream is None else stream
        self.display = None
        if self.verbose == 1 and (force or interactive(stream)):
            if _tqdm_module is None or plain:
                self.display = PlainProgress(stream)
            else:
                self.display = TqdmProgress(time_budget, stream)

    @property
    def log(self):
        """``print`` with ``verbose >= 2``, else None (what ``run_search`` takes)."""
        return print if self.verbose >= 2 else None

    def __call__(self, info):
        if self.display is not None:
            self.display(info)
        if self.callback is not None:
            return self.callback(info)
        return None

    def close(self):
        if self.display is not None:
            self.display.close()
            self.display = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
