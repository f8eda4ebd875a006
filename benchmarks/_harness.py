"""What the benchmark scripts share to run things: subprocesses, limits, provenance.

- :func:`run_subprocess`: a command in its own process group, its resident
  memory sampled, the whole group killed past a hard limit;
- :func:`promise`, :func:`overran`, :func:`hard_limit`: the budget promise
  (budget + max(5 s, 10 %), refit included) and when a run is killed;
- :func:`code_version`: the commit a run measured;
- :func:`system_module`: the code of a system script (``systems/``) for a
  driver that needs it (the baselines, ``_common``).

The scripts of this folder import it by its bare name: run as
``python benchmarks/<script>.py``, this folder is first on ``sys.path``.
"""

import importlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYSTEMS_DIR = HERE / "systems"


def promise(budget):
    """Seconds a fit of ``budget`` may take: budget + max(5 s, 10 %), refit included."""
    return budget + max(5.0, 0.1 * budget)


def overran(fit_s, budget):
    """Whether a fit broke the budget promise (:func:`promise`)."""
    return fit_s is not None and fit_s > promise(budget)


def hard_limit(budget):
    """Seconds after which a benchmark subprocess is killed: 2 x budget + 120 s.

    It covers start-up, loading the data and predicting, on a busy machine
    too; a run killed there hung or broke the promise by far.
    """
    return 2 * budget + 120


@dataclass
class Finished:
    """How a subprocess ended: ``returncode`` is None when it was killed at the limit."""

    returncode: object
    wall_s: float
    peak_bytes: int
    stdout: str
    stderr: str
    peak_pss_bytes: int = 0


def run_subprocess(cmd, limit, env=None, poll=0.2, keep_stdout=False, tail_lines=30, pss=False):
    """Run ``cmd`` in its own process group; kill the group past ``limit`` seconds.

    The resident memory of the process and its descendants is sampled every
    ``poll`` seconds (the peak is returned); with ``pss`` their proportional
    set size too (shared pages split between the processes that map them,
    so libraries loaded by every worker count once; Linux). Killing the process group
    (``SIGKILL``) also ends children that a hung run left behind. stdout is
    kept only with ``keep_stdout`` (else discarded); stderr's last
    ``tail_lines`` lines are kept.

    Returns
    -------
    finished : Finished
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, stdout=out if keep_stdout else subprocess.DEVNULL,
                                stderr=err, env=env, start_new_session=True)
        peak, peak_pss, killed = 0, 0, False
        while proc.poll() is None:
            rss, proportional = tree_memory(proc.pid, pss=pss)
            peak, peak_pss = max(peak, rss), max(peak_pss, proportional)
            if time.perf_counter() - start > limit:
                _kill_group(proc)
                killed = True
                break
            time.sleep(poll)
        return Finished(None if killed else proc.returncode, time.perf_counter() - start, peak,
                        _read(out) if keep_stdout else "",
                        "\n".join(_read(err).splitlines()[-tail_lines:]), peak_pss)


def _read(fh):
    fh.seek(0)
    return fh.read()


def _kill_group(proc):
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def tree_memory(pid, pss=False):
    """``(rss, pss)`` of a process and its descendants, in bytes.

    ``rss``: their resident memory summed. ``pss`` (Linux, only when asked;
    else 0): their proportional set size summed, which counts a page shared
    by ``k`` of them as ``1/k`` page each.
    """
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0, 0
    rss = proportional = 0
    for p in procs:
        try:
            if pss:
                info = p.memory_full_info()
                rss, proportional = rss + info.rss, proportional + info.pss
            else:
                rss += p.memory_info().rss
        except psutil.Error:
            pass
    return rss, proportional


def ram_gb():
    """This machine's memory in GiB (NaN without psutil)."""
    try:
        import psutil

        return psutil.virtual_memory().total / 2**30
    except ImportError:
        return float("nan")


def code_version(root=HERE.parent):
    """The last commit that changed this repository's code, ``+changes`` for uncommitted edits.

    Code is the package, the benchmark scripts, the peers' pins and
    ``pyproject.toml``; results and documents do not count, so a sitting that
    commits its finished runs as it goes keeps naming the code it measures.
    '' outside git.
    """
    paths = ["--", ":(top)automl", ":(top)benchmarks/*.py", ":(top)benchmarks/systems",
             ":(top)benchmarks/peers", ":(top)pyproject.toml"]

    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=30).stdout.strip()

    try:
        commit = git("log", "-1", "--format=%h", *paths)
        dirty = git("status", "--porcelain", "--untracked-files=no", *paths)
    except (OSError, subprocess.SubprocessError):
        return ""
    return commit + ("+changes" if commit and dirty else "")


def is_older_code(code, current):
    """Whether the commit of ``code`` (a :func:`code_version`) is an ancestor of ``current``'s."""
    commit, now = (str(c).split("+")[0] for c in (code, current))
    if not commit or not now or commit == now:
        return False
    try:
        return subprocess.run(["git", "-C", str(HERE.parent), "merge-base", "--is-ancestor",
                               commit, now], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def system_module(name):
    """A module of ``systems/`` (``_common``, ``sklearn_baseline``), imported by its name.

    The system scripts run with that folder as their own and import each
    other by bare name, so a driver that needs their code (the baselines'
    model, ``order_proba``) appends the folder to ``sys.path``: here, the one
    place that does.
    """
    if str(SYSTEMS_DIR) not in sys.path:
        sys.path.append(str(SYSTEMS_DIR))
    return importlib.import_module(name)
