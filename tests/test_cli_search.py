"""``automl fit``'s search options: --search, --models, --ensemble, --backend/--scheduler.

``main`` runs in this process (its worker pool is shared between the fits),
on the breast cancer table shipped with the package.
"""

import sys
from pathlib import Path

import pytest

import automl
from automl._cli import main
from automl._model_file import load_model
from automl.search import FAMILIES

DATA = ["--target", "diagnosis", "--drop", "patient_id"]
FAST = ["--time-budget", "30", "--cv", "3", "--quiet"]


@pytest.fixture(scope="module")
def data_file():
    return str(Path(automl.__file__).parent / "data" / "breast_cancer.csv")


def fit(capfd, *args):
    """``automl fit`` with ``args``: (exit status, stdout, stderr)."""
    capfd.readouterr()
    code = main(["fit", *map(str, args)])
    out = capfd.readouterr()
    return code, out.out, out.err


def test_hyperband_on_the_chosen_families_without_ensemble(data_file, tmp_path, capfd):
    out = tmp_path / "model.skops"
    code, stdout, _ = fit(capfd, data_file, *DATA, "--time-budget", "30", "--cv", "3",
                          "--max-trials", "5", "--search", "hyperband", "--models",
                          "logistic_regression,k_nearest_neighbors", "--ensemble", "none",
                          "--portfolio", "handwritten", "--top", "20", "-o", out)
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].split() == ["rank", "family", "score", "score_std", "fit_time",
                                "train_fraction", "bracket", "rung", "status"]
    rows = [line.split() for line in lines[1:6]]
    assert {row[1] for row in rows} == {"logistic_regression", "k_nearest_neighbors"}
    # the portfolio on all rows, outside brackets; then bracket s=2's first rung on 1/9
    where = sorted((row[5], row[6], row[7]) for row in rows)
    assert where == [("0.111111", "2", "0")] * 3 + [("1.000000", "<NA>", "<NA>")] * 2
    model, metadata = load_model(out)
    assert (model.search, model.ensemble) == ("hyperband", "none")
    assert model.models == ["logistic_regression", "k_nearest_neighbors"]
    assert metadata["ensemble"] == "single" and metadata["n_trials"] == 5


def test_tpe_on_all_families_but_those_left_out(data_file, tmp_path, capfd):
    pytest.importorskip("optuna")
    left_out = [name for name in FAMILIES if name != "logistic_regression"]
    out = tmp_path / "model.skops"
    # "--models -a,-b": a value, though it starts with a dash
    code, _, err = fit(capfd, data_file, *DATA, *FAST, "--max-trials", "3", "--search", "tpe",
                       "--models", ",".join("-" + n for n in left_out), "-o", out)
    assert (code, err) == (0, "")
    model = automl.load(out)
    assert model.search == "tpe" and model.models == ["logistic_regression"]
    assert model.best_config_["family"] == "logistic_regression"


@pytest.mark.parametrize("args, message", [
    (["--models", "lightgbm,nosuch"],
     "automl: error: --models: unknown family 'nosuch'; choose from"),
    (["--models", "lightgbm,-mlp"], "automl: error: --models: either families to include"),
    (["--models", ","], "automl: error: --models: unknown family"),
    (["--backend", "loky", "--scheduler", "tcp://127.0.0.1:8786"],
     "automl: error: --scheduler runs the search on Dask: it needs --backend dask"),
    (["--scheduler", "nosuchscheme://host:1"],
     "automl: error: cannot connect to the Dask scheduler at nosuchscheme://host:1"),
    (["--search", "annealing"], "automl fit: error: argument --search: invalid choice"),
    (["--ensemble", "bagging"], "automl fit: error: argument --ensemble: invalid choice"),
    (["--portfolio", "nowhere.json"], "automl: error: --portfolio nowhere.json: no such file"),
    (["--selection", "luckiest"], "automl fit: error: argument --selection: invalid choice"),
])
def test_bad_options_are_one_line_and_exit_2(data_file, tmp_path, capfd, args, message):
    try:
        code, _, err = fit(capfd, data_file, *DATA, *FAST, *args, "-o", tmp_path / "m.skops")
    except SystemExit as exc:  # argparse's own errors
        code, err = exc.code, capfd.readouterr().err
    assert code == 2
    assert err.startswith(message) and err.count("\n") == 1, err
    assert not (tmp_path / "m.skops").exists()


def test_learned_portfolio_and_selection_reach_the_model(data_file, tmp_path, capfd):
    out = tmp_path / "model.skops"
    code, _, err = fit(capfd, data_file, *DATA, *FAST, "--max-trials", "2", "--portfolio",
                       "learned", "--selection", "one_se", "--models",
                       "logistic_regression,random_forest", "-o", out)
    assert (code, err) == (0, "")
    model = automl.load(out)
    assert (model.portfolio, model.selection) == ("learned", "one_se")
    assert model.selection_["rule"] == "one_se"


def test_tpe_without_optuna_is_one_line_naming_the_extra(data_file, tmp_path, capfd,
                                                        monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # as if it were not installed
    code, _, err = fit(capfd, data_file, *DATA, *FAST, "--search", "tpe", "--models",
                    "logistic_regression", "-o", tmp_path / "m.skops")
    assert (code, err) == (2, 'automl: error: search="tpe" needs Optuna: '
                              'pip install "automl[tpe]"\n')


def test_backend_dask_without_a_client_is_one_line(data_file, tmp_path, capfd):
    pytest.importorskip("distributed")
    code, _, err = fit(capfd, data_file, *DATA, *FAST, "--backend", "dask", "-o",
                    tmp_path / "m.skops")
    assert code == 2 and err.startswith("automl: error: backend='dask' needs a "
                                        "distributed.Client") and err.count("\n") == 1


def test_the_search_runs_on_the_scheduler_given(data_file, tmp_path, capfd):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "model.skops"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        code, _, err = fit(capfd, data_file, *DATA, *FAST, "--max-trials", "2", "--models",
                           "logistic_regression", "--scheduler", cluster.scheduler_address,
                           "-o", out)
        # the second candidate (the first runs here while workers start) ran there
        prefixes = set(cluster.scheduler.task_prefixes)
    assert (code, err) == (0, "")
    assert "evaluate_candidate" in prefixes, prefixes
