"""The command line's errors are one line and exit status 2, argparse's included."""

import numpy as np
import pandas as pd
import pytest

from automl._cli import main


@pytest.mark.parametrize("argv, expected", [
    (["fit", "train.csv", "--target", "y", "-o", "m.skops", "--time-budget", "abc"],
     "automl fit: error: argument --time-budget: invalid float value: 'abc' "
     "(see 'automl fit --help')"),
    (["predict"], "automl predict: error: the following arguments are required: model, data, "
                  "-o/--output (see 'automl predict --help')"),
    (["frobnicate"], "automl: error: argument COMMAND: invalid choice: 'frobnicate'"),
])
def test_usage_errors_are_one_line(argv, expected, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(expected)


def test_an_output_in_a_missing_folder_is_one_line(tmp_path, capsys):
    rng = np.random.RandomState(0)
    data = tmp_path / "train.csv"
    pd.DataFrame({"a": rng.normal(size=60), "y": np.arange(60) % 2}).to_csv(data, index=False)
    model = tmp_path / "m.skops"
    assert main(["fit", str(data), "--target", "y", "-o", str(model), "--time-budget", "20",
                 "--max-trials", "1", "--quiet"]) == 0
    capsys.readouterr()
    missing = tmp_path / "no" / "such" / "p.csv"
    assert main(["predict", str(model), str(data), "-o", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == f"automl: error: {missing.parent}: no such folder (for p.csv).\n"
    assert not missing.parent.exists()
