"""The side-by-side benchmark runner, on fake systems with known results.

The fake systems (``fake_systems/``) are tiny scripts: one knows the rule
behind the data (a perfect score), one predicts the class priors (the
constant predictor), one crashes, one hangs with a child process, one fits
past its budget. The real peers are not run here.
"""

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "systems"))

import _report
import compare_systems as cs
from _common import call_latency, group_folds, order_proba
from _noise import paired_bootstrap
from _suite import primary_score, primary_score_resampled

FAKES = Path(__file__).resolve().parent / "fake_systems"


def fake(name):
    return cs.System(name, FAKES / f"{name}.py")


def write_entry(folder, frame, **entry):
    path = Path(folder) / f"{entry['name']}.csv"
    frame.to_csv(path, index=False)
    return {"group_column": None, "time_column": None, "categorical_columns": [],
            "path": str(path), **entry}


@pytest.fixture
def rule_entry(tmp_path):
    """Binary data whose label is "yes" exactly where x0 > 0."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2"])
    frame["colour"] = rng.choice(["red", "green"], size=400)
    frame["label"] = np.where(X[:, 0] > 0, "yes", "no")
    return write_entry(tmp_path, frame, name="rule", task="binary", target="label",
                       categorical_columns=["colour"])


def test_prepare_dataset_splits_by_group(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=300), "g": np.repeat(np.arange(30), 10),
                          "y": rng.normal(size=300)})
    entry = write_entry(tmp_path, frame, name="grouped", task="regression", target="y",
                        group_column="g")
    spec = cs.prepare_dataset(entry, tmp_path / "data", budget=5, seed=0, n_jobs=1)
    train = pd.read_parquet(tmp_path / "data" / "train.parquet")
    test_X = pd.read_parquet(tmp_path / "data" / "test_X.parquet")
    assert spec["split"] == "group" and spec["group_column"] == "g"
    assert "g" in train.columns and "g" not in test_X.columns
    test_groups = set(frame["g"]) - set(train["g"])
    assert len(test_groups) > 0
    assert len(test_X) == 10 * len(test_groups) == spec["n_test"]
    assert spec["n_train"] + spec["n_test"] == 300


def test_prepare_dataset_splits_by_time_and_keeps_categories(tmp_path):
    rng = np.random.default_rng(2)
    days = pd.date_range("2020-01-01", periods=200, freq="D").astype(str)
    order = rng.permutation(200)
    frame = pd.DataFrame({"day": days[order], "shop": rng.choice(["a", "b", "c"], 200),
                          "y": rng.choice(["up", "down"], 200)})
    entry = write_entry(tmp_path, frame, name="timed", task="binary", target="y",
                        time_column="day", categorical_columns=["shop"])
    spec = cs.prepare_dataset(entry, tmp_path / "data", budget=5, seed=0, n_jobs=1)
    train = pd.read_parquet(tmp_path / "data" / "train.parquet")
    test_X = pd.read_parquet(tmp_path / "data" / "test_X.parquet")
    assert spec["split"] == "time" and spec["classes"] == ["down", "up"]
    assert train["day"].max() < test_X["day"].min()  # every test row is later
    assert train["day"].is_monotonic_increasing  # handed over in time order
    assert isinstance(train["shop"].dtype, pd.CategoricalDtype)
    assert spec["n_train"] == 150 and spec["n_test"] == 50


def test_known_scores_failures_timeouts_and_overruns(tmp_path, rule_entry, monkeypatch):
    pid_file = tmp_path / "child.pid"
    monkeypatch.setenv("FAKE_PID_FILE", str(pid_file))
    lines = []

    def run(names, limit):
        return cs.run_benchmark([rule_entry], [fake(n) for n in names], budget=0.5,
                                store=tmp_path / "store", limit=limit, log=lines.append)

    # Only the hung system waits out its hard limit: a short one of its own. The
    # others finish by themselves, the slow one after budget + 5.5 s of sleep plus
    # its start: a limit far above that keeps it "ok" on a busy machine.
    hang_limit = 6
    records = run(["oracle", "constant", "crash"], 60) + run(["hang"], hang_limit) \
        + run(["slow"], 60)
    by = {r["system"]: r for r in records}
    assert len(lines) == 5

    assert by["oracle"]["status"] == "ok"
    assert by["oracle"]["score"] == 1.0 and by["oracle"]["secondary"] == 1.0
    assert by["constant"]["score"] == pytest.approx(0.5)
    assert by["constant"]["score"] == pytest.approx(by["constant"]["const_score"])
    assert by["crash"]["status"] == "failed"
    assert by["crash"]["error"] == "RuntimeError: the fake system crashed on purpose"
    assert by["hang"]["status"] == "timeout"
    assert by["hang"]["wall_s"] >= hang_limit  # killed at its limit, never before
    child = int(pid_file.read_text())
    time.sleep(0.5)
    assert not _alive(child), "the hung system's child process outlived the kill"
    assert by["slow"]["status"] == "ok" and by["slow"]["overran"] is True
    assert by["oracle"]["overran"] is False
    assert by["oracle"]["peak_mb"] > 10  # a Python process with pandas

    scored = {r["system"]: r for r in cs.normalised_scores(records)}
    assert scored["oracle"]["norm"] == 1.0 and scored["oracle"]["rank"] == 1
    assert scored["constant"]["norm"] == pytest.approx(0.0)
    assert scored["crash"]["norm"] == 0.0  # a failure counts as the constant predictor
    assert scored["constant"]["rank"] == scored["slow"]["rank"] == 2.5
    assert scored["crash"]["rank"] == scored["hang"]["rank"] == 4.5

    rows, _, incomplete = cs.summarise(records, ours="oracle")
    summary = {r["system"]: r for r in rows}
    assert incomplete == []
    assert rows[0]["system"] == "oracle"
    assert (summary["constant"]["ours_wins"], summary["constant"]["ties"],
            summary["constant"]["ours_losses"]) == (1, 0, 0)
    assert summary["slow"]["overruns"] == 1 and summary["hang"]["overruns"] == 1
    assert summary["oracle"]["overruns"] == 0
    assert summary["crash"]["failed"] == 1 and summary["hang"]["timeouts"] == 1

    verdicts = cs.noise_verdicts(records, tmp_path / "store", ours="oracle", n_boot=100)
    assert {(v["system"], v["verdict"]) for v in verdicts} == {("constant", "better"), ("slow", "better")}
    assert verdicts[0]["diff"] == pytest.approx(0.5) and verdicts[0]["low"] > 0.4
    assert {v["n_boot"] for v in verdicts} == {100}
    rows, _, _ = cs.summarise(records, ours="oracle", verdicts=verdicts)
    summary = {r["system"]: r for r in rows}
    assert (summary["constant"]["ours_better_beyond_noise"], summary["constant"]["ours_worse_beyond_noise"]) == (1, 0)
    assert summary["crash"]["ours_better_beyond_noise"] == 0  # a failure is not compared


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is dead, only not yet reaped
        return fh.read().split()[2] != "Z"


def test_runner_resumes_and_retries_failed_runs(tmp_path, rule_entry, monkeypatch):
    count = tmp_path / "count"
    monkeypatch.setenv("FAKE_COUNT_FILE", str(count))
    systems = [fake("constant"), fake("crash")]
    first = cs.run_benchmark([rule_entry], systems, 1, tmp_path / "store", limit=30, log=lambda s: None)
    ran = []
    again = cs.run_benchmark([rule_entry], systems, 1, tmp_path / "store", limit=30, log=ran.append)
    assert ran == [] and count.read_text() == "run\n"
    assert again == first
    retried = cs.run_benchmark([rule_entry], systems, 1, tmp_path / "store", limit=30,
                               retry_failed=True, log=ran.append)
    assert len(ran) == 1 and "crash" in ran[0] and count.read_text() == "run\n"
    assert [r["system"] for r in retried] == ["constant", "crash"]


def _record(dataset, system, metric, score, const, status="ok", **extra):
    return {"dataset": dataset, "system": system, "metric": metric, "score": score,
            "const_score": const, "status": status, "budget": 10, "fit_s": 9.0,
            "overran": False, "peak_mb": 100.0, "predict_ms_per_1k": 1.0, **extra}


def test_normalisation_ranks_and_wins_on_hand_made_records():
    records = [
        _record("r", "ours", "rmse", 2.0, 10.0), _record("r", "peer", "rmse", 6.0, 10.0),
        _record("r", "base", "rmse", None, 10.0, status="failed"),
        _record("b", "ours", "auc", 0.7, 0.5), _record("b", "peer", "auc", 0.9, 0.5),
        _record("b", "base", "auc", 0.7002, 0.5),
        _record("m", "ours", "logloss", 0.5, 1.5), _record("m", "peer", "logloss", 1.0, 1.5),
    ]
    scored = {(r["dataset"], r["system"]): r for r in cs.normalised_scores(records)}
    assert scored["r", "ours"]["norm"] == 1.0 and scored["r", "peer"]["norm"] == 0.5
    assert scored["r", "base"]["norm"] == 0.0 and scored["r", "base"]["rank"] == 3
    assert scored["b", "peer"]["norm"] == 1.0 and scored["b", "ours"]["norm"] == pytest.approx(0.5)
    assert scored["m", "ours"]["norm"] == 1.0 and scored["m", "peer"]["norm"] == 0.5
    assert scored["b", "ours"]["rank"] == 3 and scored["b", "base"]["rank"] == 2

    rows, frame, incomplete = cs.summarise(records, ours="ours", tie=0.001)
    summary = {r["system"]: r for r in rows}
    assert incomplete == ["m"]  # "base" has no run there: left out of the summary
    assert set(frame["dataset"]) == {"r", "b"}
    assert summary["ours"]["mean_norm"] == pytest.approx(0.75)
    assert summary["peer"]["mean_norm"] == pytest.approx(0.75)
    assert summary["ours"]["mean_rank"] == pytest.approx(2.0)
    assert (summary["peer"]["ours_wins"], summary["peer"]["ties"], summary["peer"]["ours_losses"]) == (1, 0, 1)
    # 0.7 against 0.7002 AUC is 0.001 normalised apart: a tie
    assert (summary["base"]["ours_wins"], summary["base"]["ties"], summary["base"]["ours_losses"]) == (1, 1, 0)
    assert summary["base"]["failed"] == 1


def test_report_writes_markdown_csv_and_png(tmp_path):
    pytest.importorskip("matplotlib")
    records = [
        _record("r", "ours", "rmse", 2.0, 10.0, info={
            "n_trials": 9, "failed_trials": {"xgboost": 1, "lightgbm": 2},
            "best_family": "ridge", "ensemble": "single", "n_members": 1}),
        _record("r", "peer", "rmse", 6.0, 10.0),
        _record("b", "ours", "auc", 0.7, 0.5), _record("b", "peer", "auc", 0.9, 0.5,
                                                       overran=True, fit_s=16.0),
    ]
    out = tmp_path / "results" / "report.md"
    text = cs.write_report(records, out, 10, "python benchmarks/compare_systems.py", ["ours", "peer"],
                           ours="ours")
    assert out.read_text() == text
    assert "| ours | 2 | 1.50 | 0.7500 |  |  | 0 | 0 |" in text
    assert "| peer | 2 | 1.50 | 0.7500 | 1/0/1 |  | 1 | 0 |" in text
    assert "peer on b (16 s)" in text
    assert "| r | rmse | **2.0000** | 6.0000 |" in text
    # the searches' profile: trials that raised, by family
    assert "| r | 9 | lightgbm 2, xgboost 1 | ridge | single (1) |" in text
    csv = pd.read_csv(out.with_suffix(".csv"))
    assert len(csv) == 4 and {"norm", "rank", "score"} <= set(csv.columns)
    assert out.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_paired_bootstrap_tells_a_real_difference_from_noise():
    rng = np.random.default_rng(0)
    y = rng.normal(size=500)
    close = y + rng.normal(scale=0.5, size=500)
    far = y + rng.normal(scale=1.0, size=500)
    also_close = y + (close - y)[rng.permutation(500)]  # the same errors, on other rows

    def mse(a, b):
        return lambda rows: (((a[rows] - y[rows]) ** 2).mean(axis=1),
                             ((b[rows] - y[rows]) ** 2).mean(axis=1))

    better = paired_bootstrap(mse(close, far), 500, lower_is_better=True)
    assert better["verdict"] == "better" and better["low"] > 0 and better["diff"] == pytest.approx(
        np.mean((far - y) ** 2) - np.mean((close - y) ** 2))
    assert paired_bootstrap(mse(far, close), 500, lower_is_better=True)["verdict"] == "worse"
    assert paired_bootstrap(mse(close, also_close), 500, lower_is_better=True)["verdict"] == "noise"
    # higher is better: the difference keeps its sign
    def constant(rows):
        return np.full(len(rows), 0.9), np.full(len(rows), 0.8)

    r2 = paired_bootstrap(constant, 10, lower_is_better=False)
    assert r2["diff"] == pytest.approx(0.1) and r2["verdict"] == "better"


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_resampled_score_equals_the_metric_on_each_resample(task):
    rng = np.random.default_rng(1)
    n = 300
    classes = np.array(["a", "b"] if task == "binary" else ["a", "b", "c"])
    y = rng.choice(classes, n) if task != "regression" else rng.normal(size=n)
    pred = rng.normal(size=n) if task == "regression" else rng.choice(classes, n)
    proba = None
    if task != "regression":
        # rounded so that ROC AUC meets tied scores; one exact 0 for the log loss clip
        proba = np.round(rng.dirichlet(np.ones(len(classes)), n), 2)
        proba[0] = [0.0] + [1.0 / (len(classes) - 1)] * (len(classes) - 1)
    rows = rng.integers(0, n, (25, n))
    fast = primary_score_resampled(task, y, pred, proba, classes, rows)
    slow = [primary_score(task, y[r], pred[r], None if proba is None else proba[r], classes)
            for r in rows]
    np.testing.assert_allclose(fast, slow, rtol=1e-9)
    one_class = np.flatnonzero(y == classes[0])[:5][None, :]
    if task == "binary":
        assert np.isnan(primary_score_resampled(task, y, pred, proba, classes, one_class)[0])


def test_proba_columns_are_put_in_the_task_class_order():
    proba = np.array([[0.2, 0.8], [0.6, 0.4]])
    assert order_proba(proba, ["b", "a"], ["a", "b"]).tolist() == [[0.8, 0.2], [0.4, 0.6]]
    assert order_proba(proba, [0, 1], ["0", "1"]).tolist() == proba.tolist()
    with pytest.raises(ValueError, match="no column for classes"):
        order_proba(proba, ["a", "b"], ["a", "c"])


def test_cli_refuses_a_missing_peer_environment(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cs.main(["--systems", "flaml", "--venvs", str(tmp_path), "--manifest", "none"])
    assert exc.value.code == 2
    assert "run benchmarks/peers/setup.sh first" in capsys.readouterr().err


def test_records_are_json(tmp_path, rule_entry):
    cs.run_benchmark([rule_entry], [fake("oracle")], 1, tmp_path / "store", limit=30, log=lambda s: None)
    path = tmp_path / "store" / "1s-seed0" / "rule" / "runs" / "oracle.json"
    assert json.loads(path.read_text())["info"] == {"version": "oracle 1"}


def test_baseline_seed_spread_refits_the_stored_split(tmp_path, rule_entry, capsys):
    # The label is x0 > 0: a forest ranks the test rows almost perfectly
    # whatever its seed; the same seed gives the same score, and the table
    # names the dataset and shows ours where a run of ours is stored.
    import baseline_seed_spread as spread

    root = tmp_path / "store" / "5s-seed0"
    cs.prepare_dataset(rule_entry, root / "rule" / "data", budget=5, seed=0, n_jobs=1)
    task, scores = spread.seed_scores(root / "rule" / "data", "rf", [0, 0, 1])
    assert task["task"] == "binary" and len(scores) == 3
    assert scores[0] == scores[1] and min(scores) > 0.95
    (root / "rule" / "runs").mkdir()
    (root / "rule" / "runs" / "automl.json").write_text(json.dumps({"score": 0.9876}))
    spread.main(["--store", str(tmp_path / "store"), "--budget", "5", "--model", "rf",
                 "--seeds", "2"])
    row = capsys.readouterr().out.strip().splitlines()[-1]
    assert row.startswith("| rule | auc |") and row.endswith("| 0.9876 |")


def test_archived_runs_are_restored_and_only_the_rerun_system_runs_again(tmp_path, rule_entry,
                                                                          monkeypatch):
    # A first sitting runs two systems and archives them; a fresh store (a new
    # checkout) takes the constant system's run from the archive and runs the
    # oracle again: the constant system does not run, its record and
    # predictions come back unchanged, and the bootstrap reads them.
    count = tmp_path / "count"
    monkeypatch.setenv("FAKE_COUNT_FILE", str(count))
    systems = [fake("oracle"), fake("constant"), fake("crash")]
    first = cs.run_benchmark([rule_entry], systems, 1, tmp_path / "old", limit=30,
                             log=lambda s: None)
    archive = tmp_path / "archive"
    assert cs.save_runs(tmp_path / "old", archive, 1, 0, ["rule"], ["oracle", "constant", "crash"]) == 3
    kept = sorted(p.name for p in (archive / "1s-seed0" / "rule").iterdir())
    assert kept == ["constant.json", "constant.parquet", "crash.json", "oracle.json",
                    "oracle.parquet", "task.json", "test_y.parquet"]  # no training rows

    restored = cs.restore_runs(archive, tmp_path / "new", 1, 0, ["rule"], ["constant", "crash"])
    assert restored == [("rule", "constant"), ("rule", "crash")]
    assert not (tmp_path / "new" / "1s-seed0" / "rule" / "data" / "train.parquet").exists()
    count.write_text("")
    ran, finished = [], []
    again = cs.run_benchmark([rule_entry], systems, 1, tmp_path / "new", limit=30, log=ran.append,
                             on_finished=finished.append)
    assert len(ran) == 1 and "oracle" in ran[0]  # the split was made again for it
    assert [r["system"] for r in finished] == ["oracle"]
    assert count.read_text() == ""  # the constant system did not run
    old = {r["system"]: r for r in first}
    new = {r["system"]: r for r in again}
    assert new["constant"] == old["constant"] and new["crash"] == old["crash"]
    assert new["oracle"]["score"] == old["oracle"]["score"] == 1.0
    verdicts = cs.noise_verdicts(again, tmp_path / "new", ours="oracle", n_boot=50)
    assert [(v["system"], v["verdict"]) for v in verdicts] == [("constant", "better")]

    # restoring again finds every run in the store: nothing is copied over it
    assert cs.restore_runs(archive, tmp_path / "new", 1, 0, ["rule"], ["oracle", "constant"]) == []
    # adding without replacing keeps the archived oracle run; replacing takes the new one
    assert cs.save_runs(tmp_path / "new", archive, 1, 0, ["rule"], ["oracle", "constant"],
                        replace=False) == 0
    archived_oracle = json.loads((archive / "1s-seed0" / "rule" / "oracle.json").read_text())
    assert archived_oracle["finished"] == old["oracle"]["finished"]
    assert archived_oracle["wall_s"] == old["oracle"]["wall_s"] != new["oracle"]["wall_s"]
    assert cs.save_runs(tmp_path / "new", archive, 1, 0, ["rule"], ["oracle"]) == 1
    archived_oracle = json.loads((archive / "1s-seed0" / "rule" / "oracle.json").read_text())
    assert archived_oracle["wall_s"] == new["oracle"]["wall_s"]


def test_rerun_sets_aside_stored_runs_made_at_other_code(tmp_path, rule_entry):
    # A store that outlived a change holds ours' run at the old code: the
    # runner would skip it, so --rerun moves it aside; a run at the current
    # code stays (a cut-off sitting resumes), and other systems are untouched.
    store = tmp_path / "store"
    cs.run_benchmark([rule_entry], [fake("constant"), fake("oracle")], 1, store, limit=30,
                     log=lambda s: None)
    runs = store / "1s-seed0" / "rule" / "runs"
    now = cs.code_version()
    assert cs.set_aside_stale_runs(store, 1, 0, ["rule"], ["oracle"], now) == []
    old = json.loads((runs / "oracle.json").read_text())
    (runs / "oracle.json").write_text(json.dumps(dict(old, code="0ld0c0d")))
    assert cs.set_aside_stale_runs(store, 1, 0, ["rule", "absent"], ["oracle"], now) == [
        ("rule", "oracle")]
    assert not (runs / "oracle.json").exists() and (runs / "constant.json").exists()
    assert json.loads((runs / "oracle.json.stale").read_text())["code"] == "0ld0c0d"
    ran = []
    again = cs.run_benchmark([rule_entry], [fake("constant"), fake("oracle")], 1, store,
                             limit=30, log=ran.append)
    assert len(ran) == 1 and "oracle" in ran[0]
    assert {r["system"]: r["code"] for r in again} == {"constant": now, "oracle": now}


def test_archived_runs_on_another_split_are_refused(tmp_path, rule_entry):
    cs.run_benchmark([rule_entry], [fake("constant")], 1, tmp_path / "old", limit=30,
                     log=lambda s: None)
    archive = tmp_path / "archive"
    cs.save_runs(tmp_path / "old", archive, 1, 0, ["rule"], ["constant"])
    task_file = archive / "1s-seed0" / "rule" / "task.json"
    task = json.loads(task_file.read_text())
    task_file.write_text(json.dumps(dict(task, n_test=task["n_test"] + 1)))

    # into a store that already holds the split: refused, naming the key
    with pytest.raises(ValueError, match=r"'rule'.*differs.*\(n_test\)"):
        cs.restore_runs(archive, tmp_path / "old", 1, 0, ["rule"], ["constant", "oracle"])
    # into a fresh store: taken, but the split made for the next run disagrees
    cs.restore_runs(archive, tmp_path / "new", 1, 0, ["rule"], ["constant"])
    with pytest.raises(ValueError, match=r"'rule'.*differs.*\(n_test\)"):
        cs.run_benchmark([rule_entry], [fake("constant"), fake("oracle")], 1, tmp_path / "new",
                         limit=30, log=lambda s: None)
    assert not (tmp_path / "new" / "1s-seed0" / "rule" / "data" / "train.parquet").exists()


def test_records_say_when_and_at_which_commit_they_ran(tmp_path, rule_entry):
    records = cs.run_benchmark([rule_entry], [fake("constant")], 1, tmp_path / "store",
                               limit=30, log=lambda s: None)
    assert records[0]["finished"][:4].isdigit() and records[0]["code"] == cs.code_version()
    lines = _report.provenance(pd.DataFrame(
        [dict(records[0], system="a", finished="2026-11-25 10:00", code="abc1234"),
         dict(records[0], system="a", finished="2026-11-29 09:00", code="def5678"),
         dict(records[0], system="b", finished="2026-11-29 09:30", code="def5678")]))
    assert lines == ["Runs finished: a 2026-11-25 to 2026-11-29 at abc1234, def5678; "
                     "b 2026-11-29 at def5678."]


def test_cli_rerun_needs_an_archive(capsys):
    with pytest.raises(SystemExit) as exc:
        cs.main(["--systems", "hgb", "--rerun", "hgb", "--manifest", "none", "--report-only"])
    assert exc.value.code == 2
    assert "--rerun needs --archive" in capsys.readouterr().err


def test_cli_takes_runs_from_the_archive_and_adds_new_ones(tmp_path, capsys):
    # The real linear baseline on a bundled dataset: a first command archives
    # its run; a second, on a fresh store, takes it from the archive and runs
    # only the system it lacks. The report of the second covers both.
    common = ["--manifest", "none", "--datasets", "breast_cancer", "--budget", "5",
              "--n-boot", "0", "--archive", str(tmp_path / "archive")]
    cs.main([*common, "--systems", "linear", "--store", str(tmp_path / "a"),
             "--out", str(tmp_path / "a.md")])
    capsys.readouterr()
    archived = tmp_path / "archive" / "5s-seed0" / "breast_cancer"
    assert (archived / "linear.json").exists() and (archived / "linear.parquet").exists()

    cs.main([*common, "--systems", "linear,rf", "--store", str(tmp_path / "b"),
             "--out", str(tmp_path / "b.md")])
    out = capsys.readouterr()
    assert "1 runs taken from" in out.err
    first = json.loads((tmp_path / "a" / "5s-seed0" / "breast_cancer" / "runs" / "linear.json")
                       .read_text())
    second = json.loads((tmp_path / "b" / "5s-seed0" / "breast_cancer" / "runs" / "linear.json")
                        .read_text())
    assert second == first  # taken, not run again
    assert (archived / "rf.json").exists()
    report = pd.read_csv(tmp_path / "b.csv")
    assert sorted(report["system"]) == ["linear", "rf"] and (report["status"] == "ok").all()
    assert report["score"].min() > 0.95  # breast cancer: both rank the test rows well


def test_code_version_names_the_last_commit_that_changed_code(tmp_path):
    # A commit that only adds results keeps the earlier code commit; an
    # uncommitted edit of code is flagged.
    import subprocess

    def git(*args):
        return subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t",
                               "-c", "user.email=t@t", *args], capture_output=True, text=True,
                              check=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "automl").mkdir()
    (tmp_path / "automl" / "m.py").write_text("x = 1\n")
    git("add", "-A"); git("commit", "-qm", "code")
    code = git("rev-parse", "--short", "HEAD")
    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "benchmarks" / "results" / "r.md").write_text("a table\n")
    git("add", "-A"); git("commit", "-qm", "results")
    assert git("rev-parse", "--short", "HEAD") != code
    assert cs.code_version(tmp_path) == code
    (tmp_path / "automl" / "m.py").write_text("x = 2\n")
    assert cs.code_version(tmp_path) == code + "+changes"
    assert cs.code_version(tmp_path / "nowhere") == ""


def test_group_folds_keep_each_group_in_one_of_k_balanced_folds():
    rng = np.random.RandomState(0)
    groups = rng.choice([f"person{i}" for i in range(500)], size=5000)
    folds = group_folds(groups, 8)
    frame = pd.DataFrame({"group": groups, "fold": folds})
    assert (frame.groupby("group")["fold"].nunique() == 1).all()
    assert sorted(set(folds)) == list(range(8))
    sizes = np.bincount(folds)
    assert sizes.max() - sizes.min() <= frame["group"].value_counts().max()
    # fewer groups than folds: one fold per group
    few = group_folds(np.array(["a", "b", "a", "c", "b"]), 8)
    assert sorted(set(few)) == [0, 1, 2] and few[0] == few[2] and few[1] == few[4]


def test_anytime_cv_takes_the_best_full_row_score_recorded_by_each_time():
    import automl_system
    from automl.search import FAMILIES
    from automl.search._search import Trial

    knn = FAMILIES["k_nearest_neighbors"]

    def trial(score, at, fraction=1.0, status="ok"):
        return Trial(0, knn, {}, fraction, status, [score], end_time=100.0 + at)

    trials = [trial(0.70, 3), trial(0.90, 10, fraction=1 / 3), trial(0.80, 12),
              trial(0.99, 20, status="error"), trial(0.85, 50)]
    curve = automl_system.anytime_cv(trials, started=100.0, seconds=(2, 5, 15, 30, 60))
    assert curve == {"2": None, "5": 0.70, "15": 0.80, "30": 0.80, "60": 0.85}


def test_call_latency_times_single_row_and_thousand_row_calls():
    calls = []

    def predict(rows):
        calls.append(len(rows))
        time.sleep(0.01 if len(rows) == 1 else 0.02)

    test_X = pd.DataFrame({"a": np.arange(1500)})
    latency = call_latency(predict, test_X, single_calls=5, batch_calls=3)
    assert calls == [1] * 5 + [1000] * 3
    # sleeps are lower bounds: a busy machine only adds to them
    assert latency["predict_ms_1_row"] >= 10 and latency["predict_ms_1k_rows"] >= 20
    calls.clear()
    call_latency(predict, test_X.iloc[:40], single_calls=1, batch_calls=1)
    assert calls == [1, 40]  # a split under 1,000 rows: all of it


def test_report_has_the_latency_tables_when_runs_measured_them(tmp_path):
    pytest.importorskip("matplotlib")
    records = [_record("r", "ours", "rmse", 2.0, 10.0, predict_ms_1_row=12.5,
                       predict_ms_1k_rows=80.0),
               _record("r", "peer", "rmse", 6.0, 10.0, predict_ms_1_row=3.4,
                       predict_ms_1k_rows=40.0)]
    text = cs.write_report(records, tmp_path / "r.md", 10, "cmd", ["ours", "peer"], ours="ours")
    assert "## Predict ms of one call on 1 row" in text
    assert "| r | rmse | 12.5 | 3.4 |" in text and "| r | rmse | 80.0 | 40.0 |" in text
    older = [_record("r", "ours", "rmse", 2.0, 10.0), _record("r", "peer", "rmse", 6.0, 10.0)]
    text = cs.write_report(older, tmp_path / "o.md", 10, "cmd", ["ours", "peer"], ours="ours")
    assert "one call on 1 row" not in text


def test_subprocess_peak_memory_counts_the_child_and_its_shared_pages_once(tmp_path):
    from _harness import run_subprocess

    # a child holding 200 MB of its own, and a grandchild holding 100 MB
    code = ("import subprocess, sys, time\n"
            "own = b'x' * (200 * 2**20)\n"
            "sub = subprocess.Popen([sys.executable, '-c', "
            "'import time; b = bytes(b\"x\") * (100 * 2**20); time.sleep(3)'])\n"
            "time.sleep(3); sub.wait()\n")
    done = run_subprocess([sys.executable, "-c", code], limit=60, pss=True, poll=0.1)
    assert done.returncode == 0
    mb = done.peak_bytes / 2**20
    assert mb >= 300  # both processes' rows, summed
    # proportional set size: the interpreter's shared library pages count once
    assert 300 <= done.peak_pss_bytes / 2**20 < mb
    plain = run_subprocess([sys.executable, "-c", "pass"], limit=60)
    assert plain.peak_pss_bytes == 0  # not sampled unless asked
