"""Finished benchmark runs kept in a folder that can be committed.

The runner's store (``benchmarks/.work/compare/``) holds the splits, every
system's outputs and the run records; it is git-ignored and large (the
training tables). A fresh checkout therefore starts with no finished runs, and
re-measuring ours after a change would mean running every peer again (about
75 of the 96 minutes of the 60 s suite on 2 cores).

The archive keeps only what a report needs, per budget, seed and dataset:

- ``task.json`` and ``test_y.parquet``: the split's description and test labels;
- ``<system>.json``: the run record (scores, times, memory, status, error);
- ``<system>.parquet``: the run's test predictions, for the paired bootstrap.

:func:`save_runs` copies finished runs from a store into the archive;
:func:`restore_runs` copies archived runs into a store where the store has
none, so that the runner skips them. The training rows are not archived: the
runner writes the split again from the manifest when a system has to run
(the split is seeded, so it is the same one).
"""

import json
import os
import shutil
from pathlib import Path

SPLIT_FILES = ("task.json", "test_y.parquet")


def _copy_atomic(src, dst):
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def budget_folder(root, budget, seed):
    """The folder of one budget and seed, in a store or an archive (they name it alike)."""
    return Path(root) / f"{budget:g}s-seed{seed}"


def differing_keys(a, b):
    """The keys whose values differ between two task descriptions, sorted."""
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def save_runs(store, archive, budget, seed, datasets, systems, replace=True):
    """Copy the stored runs of ``systems`` on ``datasets`` into ``archive``.

    A run replaces the archived run of the same system and dataset, unless
    ``replace`` is false (then only runs the archive lacks are added). Failed
    and timed-out runs are archived too (their record says why; they have no
    predictions). Returns the number of runs saved.
    """
    saved = 0
    for dataset in datasets:
        src = budget_folder(store, budget, seed) / dataset
        dst = budget_folder(archive, budget, seed) / dataset
        for system in systems:
            record = src / "runs" / f"{system}.json"
            if not record.exists() or (not replace and (dst / f"{system}.json").exists()):
                continue
            for name in SPLIT_FILES:
                _copy_atomic(src / "data" / name, dst / name)
            predictions = src / "work" / system / "predictions.parquet"
            if json.loads(record.read_text())["status"] == "ok":
                _copy_atomic(predictions, dst / f"{system}.parquet")
            else:
                (dst / f"{system}.parquet").unlink(missing_ok=True)
            _copy_atomic(record, dst / f"{system}.json")
            saved += 1
    return saved


def restore_runs(archive, store, budget, seed, datasets, systems):
    """Copy archived runs into ``store`` where it has no run of that system.

    Returns the ``(dataset, system)`` pairs restored. A store whose split
    description differs from the archived one (another manifest or split
    code) is refused with ``ValueError``: mixing runs on different test rows
    would compare nothing.
    """
    restored = []
    for dataset in datasets:
        src = budget_folder(archive, budget, seed) / dataset
        dst = budget_folder(store, budget, seed) / dataset
        if not (src / "task.json").exists():
            continue
        archived = json.loads((src / "task.json").read_text())
        if (dst / "data" / "task.json").exists():
            current = json.loads((dst / "data" / "task.json").read_text())
            differ = differing_keys(current, archived)
            if differ:
                raise ValueError(
                    f"dataset {dataset!r}: the task in {dst / 'data'} differs from the "
                    f"archived one in {src} ({', '.join(differ)}); use another --store "
                    "or remove that folder")
        for system in systems:
            record = src / f"{system}.json"
            if not record.exists() or (dst / "runs" / f"{system}.json").exists():
                continue
            for name in SPLIT_FILES:
                if not (dst / "data" / name).exists():
                    _copy_atomic(src / name, dst / "data" / name)
            if (src / f"{system}.parquet").exists():
                _copy_atomic(src / f"{system}.parquet",
                             dst / "work" / system / "predictions.parquet")
            _copy_atomic(record, dst / "runs" / f"{system}.json")
            restored.append((dataset, system))
    return restored


def set_aside_stale_runs(store, budget, seed, datasets, systems, code):
    """Move aside the stored runs of ``systems`` that were not made at ``code``.

    For ``--rerun``: a store that outlived a change still holds that system's
    runs at the old code, and the runner would skip them. Their records are
    renamed ``<system>.json.stale`` (the archive keeps its own copy), so the
    system runs again; runs already made at ``code`` stay, so a sitting cut
    short resumes. Returns the ``(dataset, system)`` pairs set aside.
    """
    moved = []
    for dataset in datasets:
        runs = budget_folder(store, budget, seed) / dataset / "runs"
        for system in systems:
            record = runs / f"{system}.json"
            if record.exists() and json.loads(record.read_text()).get("code") != code:
                os.replace(record, runs / f"{system}.json.stale")
                moved.append((dataset, system))
    return moved
