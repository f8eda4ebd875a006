"""What the search tried, as tables: the leaderboard and scikit-learn's ``cv_results_``.

Built where the final model is known (the faces layer), from the search's
trials and the :class:`~automl._final_model.FinalModel`.
"""

import numpy as np
import pandas as pd

from automl._selection import trial_sem, within_one_se


def leaderboard(trials, final=None, devices=None, ratio=0.0):
    """One row per trial, best first; failed trials last, without a rank.

    With ``final`` (a ``FinalModel``), an ensemble gets a row of its own,
    first, without a rank, and ``chosen`` marks what predicts. ``score_sem``
    is the standard error of the CV score (:func:`automl._selection.corrected_sem`
    with ``ratio``, rows validated over rows trained on per fold; 0 gives
    ``std / sqrt(n_folds)``); ``within_se`` marks the candidates on all rows
    whose gap to the best is within its standard error on the shared folds
    (:func:`automl._selection.within_one_se`).
    """
    oof = final.oof_scores if final is not None else {}
    full = [t for t in trials if t.ok and t.train_fraction == 1.0]
    near = set()
    if full:
        near = {t.trial_id for t, keep in zip(full, within_one_se(full, ratio)[2]) if keep}
    rows = [{
        "trial": t.trial_id,
        "family": t.family.name,
        "device": (devices or {}).get(t.family.name, "cpu"),
        "score": t.score,
        "score_std": t.score_std,
        "score_sem": trial_sem(t, ratio) if t.ok else float("nan"),
        "within_se": t.trial_id in near,
        "oof_score": oof.get(t.trial_id, float("nan")),
        "fit_time": t.fit_time,
        "train_fraction": t.train_fraction,
        "bracket": t.bracket,
        "rung": t.rung,
        "best_iteration": t.best_iteration,
        "status": t.status,
        "error": t.error,
        "params": dict(t.config),
    } for t in trials]
    columns = ["rank", "trial", "family", "device", "score", "score_std", "score_sem",
               "within_se", "oof_score", "fit_time",
               "train_fraction", "bracket", "rung", "best_iteration", "status", "error", "params",
               "chosen"]
    if not rows:
        return pd.DataFrame(columns=columns)
    board = pd.DataFrame(rows).astype({"bracket": "Int64", "rung": "Int64"})
    board["_full"] = board["train_fraction"].eq(1.0)
    board = board.sort_values(["status", "_full", "score"], ascending=[True, False, False],
                              key=lambda s: s.ne("ok") if s.name == "status" else s)
    board = board.drop(columns="_full").reset_index(drop=True)
    ok = board["status"].eq("ok")
    board.insert(0, "rank", pd.array([i + 1 if good else pd.NA for i, good in enumerate(ok)],
                                     dtype="Int64"))
    board["chosen"] = False
    if final is not None:
        if final.kind == "single":
            board.loc[board["trial"] == final.best_single.trial_id, "chosen"] = True
        else:
            members = {f"trial{t.trial_id}": float(w) for t, w in
                       zip(final.members, final.weights)}
            row = pd.DataFrame([{
                "rank": pd.NA, "trial": pd.NA, "family": f"ensemble ({final.kind})",
                "device": ", ".join(sorted({(devices or {}).get(t.family.name, "cpu")
                                            for t in final.members})),
                "score": final.oof_score, "score_std": float("nan"),
                "score_sem": float("nan"), "within_se": False,
                "oof_score": final.oof_score, "fit_time": float("nan"),
                "train_fraction": 1.0, "bracket": None, "rung": None, "best_iteration": None,
                "status": "ok", "error": "",
                "params": {"members": members}, "chosen": True,
            }]).astype({"rank": "Int64", "trial": "Int64", "bracket": "Int64", "rung": "Int64"})
            board = pd.concat([row, board], ignore_index=True)
    return board[columns]


def cv_results(trials):
    """The trials in the format of scikit-learn's ``BaseSearchCV.cv_results_``.

    A dict of arrays, one entry per trial in the order they were started:
    ``params`` (the family and the search's configuration, as
    ``best_config_``), ``param_family``, ``mean_test_score``,
    ``std_test_score``, ``rank_test_score`` (1 is best; failed trials rank
    last), ``split{k}_test_score`` (NaN where a trial has fewer folds),
    ``mean_fit_time`` (seconds per fold), ``train_fraction`` and ``status``.

    Examples
    --------
    >>> from automl._leaderboard import cv_results
    >>> cv_results([])["mean_test_score"]
    array([], dtype=float64)
    """
    n_splits = max((len(t.scores) for t in trials), default=0)
    mean = np.array([t.score if t.ok else np.nan for t in trials], dtype=float)
    results = {
        "params": [{"family": t.family.name, **t.config} for t in trials],
        "param_family": np.array([t.family.name for t in trials], dtype=object),
        "mean_test_score": mean,
        "std_test_score": np.array([t.score_std if t.ok else np.nan for t in trials]),
        "rank_test_score": _ranks(mean),
        "mean_fit_time": np.array([t.fit_time / max(1, len(t.scores)) for t in trials]),
        "train_fraction": np.array([t.train_fraction for t in trials], dtype=float),
        "status": np.array([t.status for t in trials], dtype=object),
    }
    for k in range(n_splits):
        results[f"split{k}_test_score"] = np.array(
            [t.scores[k] if t.ok and k < len(t.scores) else np.nan for t in trials])
    return results


def _ranks(scores):
    """1 for the best score; ties share the lower rank; NaN scores rank last."""
    order = np.where(np.isnan(scores), -np.inf, scores)
    return (order[None, :] > order[:, None]).sum(axis=1).astype(np.int32) + 1
