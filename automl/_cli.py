"""The ``automl`` command line: fit, predict, evaluate, report, distill, export and info.

Every user error prints one line, ``automl: error: ...``, to stderr and
exits with status 2; ``--debug`` shows the traceback instead.
"""

import argparse
import contextlib
import difflib
import json
import sys
import warnings
from pathlib import Path

EXIT_USAGE = 2


class UserError(Exception):
    """An error in what the user asked for: one line, exit status 2."""


class _ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors are one line too, pointing to ``--help``."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _table(path, args):
    from automl._io import read_table

    try:
        return read_table(path, sep=args.sep, encoding=args.encoding)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _column(frame, name, what, path):
    if name in frame.columns:
        return name
    close = difflib.get_close_matches(name, [str(c) for c in frame.columns], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else \
        f"; its columns: {', '.join(map(str, list(frame.columns)[:20]))}"
    raise UserError(f"{what} {name!r} is not a column of {path}{hint}")


def _load(path, args):
    from automl._model_file import ModelFileError, load_model

    try:
        return load_model(path, unsafe_pickle=args.unsafe_pickle)
    except ModelFileError as exc:
        raise UserError(str(exc)) from None


# the progress display is AutoPipeline's own (verbose=1, automl._progress);
# without tqdm it is this one self-rewriting line
from automl._progress import PlainProgress as _Progress  # noqa: E402,F401


# ------------------------------------------------------------------ commands
def cmd_fit(args):
    from automl import save
    from automl._model_file import describe, save_model
    from automl._task import task_decision

    out = Path(args.output)
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; pass --force to overwrite it.")
    frame = _table(args.train, args)
    target = _column(frame, args.target, "--target", args.train)
    drop = [c.strip() for c in (args.drop or "").split(",") if c.strip()]
    for name in drop:
        _column(frame, name, "--drop", args.train)
    groups = None
    if args.groups:
        groups = frame[_column(frame, args.groups, "--groups", args.train)].to_numpy()
        drop.append(args.groups)
    if args.time_column:
        _column(frame, args.time_column, "--time-column", args.train)
    y = frame[target]
    X = frame.drop(columns=[target, *[c for c in drop if c != target]])
    if X.shape[1] == 0:
        raise UserError(f"{args.train}: no feature column left besides the target.")
    model = _auto_pipeline(args)
    try:
        with _dask_scheduler(args.scheduler):
            model.fit(X, y, groups=groups)
    except (ValueError, ImportError) as exc:  # bad data, a missing extra: their own message
        raise UserError(str(exc).splitlines()[0]) from None
    line = task_decision(y.to_numpy(), model.task_, target) if args.task == "auto" else None
    if line and not args.quiet:  # warnings are off in the command line: say it here
        print(f"automl: note: {line.replace('task=', '--task ')}", file=sys.stderr)
    extra = {"target": target, "train_file": str(args.train),
             "dtypes": {str(c): str(t) for c, t in X.dtypes.items()}}
    if args.unsafe_pickle:
        save_model(model, out, metadata=describe(model, **extra), force=args.force,
                   unsafe_pickle=True)
    else:
        save(model, out, force=args.force, metadata=extra)
    if not args.quiet:
        board = model.leaderboard_
        cols = ["rank", "family", "score", "score_std", "fit_time", "status"]
        if args.search in ("halving", "hyperband"):  # where each candidate ran
            cols[5:5] = ["train_fraction", "bracket", "rung"]
        print(board[cols].head(args.top).to_string(index=False))
        print(f"\n{len(model.trials_)} pipelines in {model.search_time_:.1f} s; metric "
              f"{model.metric_} (greater is better, losses negated), CV {model.cv_}.")
        kind = model.ensemble_.attrs["kind"]
        if kind == "single":
            print(f"Chosen: {model.best_config_['family']} (CV score {model.best_score_:.5f})")
        else:
            members = ", ".join(f"{r.family} {r.weight:.2f}" for r in model.ensemble_.itertuples())
            print(f"Chosen: {kind} ensemble of {members} "
                  f"(out-of-fold score {model.ensemble_.attrs['oof_score']:.5f})")
        print(f"Model written to {out}")
    return 0


def _models(text):
    """``--models``: families to include (``a,b``) or to exclude (``-a,-b``), as names."""
    if text is None:
        return None
    from automl.search import FAMILIES

    names = [n.strip() for n in text.split(",") if n.strip()]
    excluded = [n[1:] for n in names if n.startswith("-")]
    if excluded and len(excluded) != len(names):
        raise UserError("--models: either families to include (a,b) or to exclude (-a,-b), "
                        "not both.")
    unknown = sorted(set(excluded or names) - set(FAMILIES))
    if unknown or not names:
        raise UserError(f"--models: unknown family {', '.join(map(repr, unknown or ['']))}; "
                        f"choose from {', '.join(FAMILIES)}")
    return [n for n in FAMILIES if n not in excluded] if excluded else names


@contextlib.contextmanager
def _dask_scheduler(address):
    """``--scheduler``: a ``distributed.Client`` of that scheduler, current during the fit."""
    if not address:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise UserError("--scheduler needs dask's distributed package: "
                        "pip install 'automl[dask]'") from None
    try:  # not the process's default client: nothing of it outlives the fit
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot connect to the Dask scheduler at {address}: "
                        f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    with client, client.as_current():
        yield client


def _features(frame, metadata, path):
    missing = [c for c in metadata["columns"] if c not in frame.columns]
    if missing:
        raise UserError(f"{path} lacks column(s) the model was trained on: "
                        f"{', '.join(map(repr, missing))}")
    return frame[metadata["columns"]]


def cmd_predict(args):
    import pandas as pd

    from automl._io import write_table

    out = Path(args.output)
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; pass --force to overwrite it.")
    from automl._cli_drift import drift_checked, ood_column

    model, metadata = _load(args.model, args)
    frame = _table(args.data, args)
    if args.id_column:
        _column(frame, args.id_column, "--id-column", args.data)
    X = _features(frame, metadata, args.data)
    result = pd.DataFrame(index=range(len(frame)))
    if args.id_column:
        result[args.id_column] = frame[args.id_column].to_numpy()
    if args.proba and metadata["task"] == "regression":
        raise UserError("--proba needs a classification model; this one is regression.")
    with drift_checked(model, args):
        if args.proba:
            proba = model.predict_proba(X)
            for i, label in enumerate(model.classes_):
                result[f"proba_{label}"] = proba[:, i]
        else:
            result[metadata["target"] or "prediction"] = model.predict(X)
    if args.ood_column:
        result[args.ood_column] = ood_column(model, X, args.ood_column, result)
    write_table(result, out, force=args.force)
    if not args.quiet:
        print(f"{len(result)} predictions written to {out}")
    return 0


def cmd_evaluate(args):
    import numpy as np
    from sklearn import metrics as skm

    model, metadata = _load(args.model, args)
    frame = _table(args.data, args)
    target = _column(frame, args.target or metadata["target"], "--target", args.data)
    X, y = _features(frame, metadata, args.data), frame[target].to_numpy()
    results = {"rows": int(len(y)), metadata["metric"]: float(model.score(X, y))}
    if metadata["task"] == "regression":
        pred = model.predict(X)
        results.update(rmse=float(skm.root_mean_squared_error(y, pred)),
                       mae=float(skm.mean_absolute_error(y, pred)),
                       r2=float(skm.r2_score(y, pred)))
    else:
        unknown = sorted(set(map(str, y)) - set(map(str, model.classes_)))
        if unknown:
            raise UserError(f"{args.data}: labels the model never saw: {', '.join(unknown)}")
        y = np.asarray(y).astype(np.asarray(model.classes_).dtype)
        pred, proba = model.predict(X), model.predict_proba(X)
        results.update(accuracy=float(skm.accuracy_score(y, pred)),
                       balanced_accuracy=float(skm.balanced_accuracy_score(y, pred)),
                       log_loss=float(skm.log_loss(y, proba, labels=model.classes_)))
        if len(model.classes_) == 2:
            results["roc_auc"] = float(skm.roc_auc_score(y == model.classes_[1], proba[:, 1]))
    if args.json:
        print(json.dumps(results))
    else:
        for name, value in results.items():
            print(f"{name:20s} {value:.6g}" if isinstance(value, float) else f"{name:20s} {value}")
    return 0


def cmd_report(args):
    """The HTML report: full with labels, predictions and data checks without."""
    try:
        from automl.insight import write_report
        from automl.insight._report import require_matplotlib

        require_matplotlib()
    except ImportError as exc:
        raise UserError(str(exc)) from None
    out = Path(args.output)
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; pass --force to overwrite it.")
    model, metadata = _load(args.model, args)
    frame = _table(args.data, args)
    target = args.target or metadata.get("target")  # the training target, when the file has it
    if args.target:
        _column(frame, args.target, "--target", args.data)
    y = frame[target] if target in frame.columns else None
    X = _features(frame, metadata, args.data)
    try:
        write_report(model, out, X, y, force=args.force, metadata=metadata,
                     title=f"automl report: {Path(args.model).name} on {Path(args.data).name}")
    except ValueError as exc:
        raise UserError(str(exc).splitlines()[0]) from None
    if not args.quiet:
        kind = "full report" if y is not None else "no labels: predictions and data checks"
        print(f"Report ({kind}) written to {out}")
    return 0


def cmd_info(args):
    from automl._cli_drift import profile_lines
    from automl._model_size import size_lines

    model, metadata = _load(args.model, args)
    if args.json:
        print(json.dumps(metadata))
        return 0
    if metadata.get("kind") == "distilled":  # automl distill's student
        from automl._cli_distill import info_lines

        print("\n".join(info_lines(metadata) + size_lines(args.model)))
        return 0
    m = metadata
    lines = [
        f"task          {m['task']} (target {m['target']!r}"
        + (f", classes {', '.join(map(str, m['classes']))})" if m["classes"] else ")"),
        f"trained on    {m['train_file']}: {len(m['columns'])} columns",
        f"columns       {', '.join(m['columns'])}",
        f"metric        {m['metric']}, CV {m['cv']}",
        f"device        {m['device']} ("
        + ", ".join(f"{k} {v}" for k, v in m["devices"].items()) + ")",
        f"best          {m['best_family']}, CV score {m['best_score']:.5f}",
        f"predicts with {m['ensemble']}"
        + (f" ensemble, out-of-fold score {m['ensemble_oof_score']:.5f}: "
           + ", ".join(f"{r['family']} {r['weight']:.2f}" for r in m["members"])
           if m["ensemble"] != "single" else " pipeline"),
        _decision_line(m),
        f"search        {m['n_trials']} pipelines in {m['search_time']:.1f} s "
        f"(budget {m['time_budget']:g} s)",
        f"created       {m['created']}",
        *profile_lines(model),
        *size_lines(args.model),
        "versions      " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
    ]
    print("\n".join(lines))
    return 0


def _decision_line(m):
    """``predict``'s rule: the tuned threshold (binary), the decision metric, the calibration."""
    if not m.get("decision_metric"):
        return "decides       " + ("the predicted value" if m["task"] == "regression" else
                                   "the most probable class")
    rule = ("the most probable class" if m.get("threshold") is None else
            f"{m['classes'][1]} where P({m['classes'][1]}) >= {m['threshold']:.4g}")
    return (f"decides       {rule}, for {m['decision_metric']} "
            f"(calibration {m.get('calibration') or 'none'})")


def cmd_export(args):
    from automl._io import atomic_write
    from automl._onnx import to_onnx

    out = Path(args.output)
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; pass --force to overwrite it.")
    model, _ = _load(args.model, args)
    try:
        graph = to_onnx(model)
    except ImportError as exc:
        raise UserError(str(exc)) from None
    except ValueError as exc:
        raise UserError(f"{args.model}: {str(exc).splitlines()[0]}") from None
    data = graph.SerializeToString()
    atomic_write(out, lambda tmp: Path(tmp).write_bytes(data), force=args.force)
    if not args.quiet:
        names = [i.name for i in graph.graph.input]
        print(f"ONNX model written to {out} ({len(data) / 2**20:.2f} MB): inputs "
              f"{', '.join(names)}; outputs {', '.join(o.name for o in graph.graph.output)}")
    return 0


def _cmd_distill(args):
    from automl._cli_distill import cmd_distill

    return cmd_distill(args)


def cmd_example_data(args):
    print(Path(__file__).parent / "data" / "breast_cancer.csv")
    return 0


# ------------------------------------------------------------------ parser
def _auto_pipeline(args):
    """The unfitted ``AutoPipeline`` that ``automl fit``'s options describe."""
    from automl import AutoPipeline

    cv = args.cv
    if cv is not None and cv.isdigit():
        cv = int(cv)
    if args.portfolio not in ("handwritten", "learned") and not Path(args.portfolio).is_file():
        raise UserError(f"--portfolio {args.portfolio}: no such file (or: handwritten, learned).")
    if args.scheduler and args.backend == "loky":
        raise UserError("--scheduler runs the search on Dask: it needs --backend dask, not loky.")
    return AutoPipeline(
        time_budget=args.time_budget, task=args.task, metric=args.metric,
        cv=cv or "auto", time_column=args.time_column, max_trials=args.max_trials,
        n_jobs=args.n_jobs, device=args.device, random_state=args.seed,
        search=args.search, models=_models(args.models), ensemble=args.ensemble,
        portfolio=args.portfolio, selection=args.selection,
        backend="dask" if args.scheduler else args.backend,
        # a progress bar on a terminal (silent elsewhere); --verbose: the search log
        verbose=2 if args.verbose else 0 if args.quiet else 1,
    )


def _add_fit_parser(sub, common):
    """``automl fit`` and its options."""
    fit = sub.add_parser("fit", parents=[common], help="search for the best model, save it")
    fit.add_argument("train", help="training table (.csv, .tsv, .parquet, optionally .gz)")
    fit.add_argument("--target", required=True, help="column to predict")
    fit.add_argument("-o", "--output", required=True, help="model file to write (.skops)")
    fit.add_argument("--task", default="auto",
                     choices=["auto", "binary", "multiclass", "regression"])
    fit.add_argument("--metric", default="auto", help="e.g. roc_auc, log_loss, rmse, r2, f1")
    fit.add_argument("--time-budget", type=float, default=60.0, help="seconds (default 60)")
    fit.add_argument("--max-trials", type=int, default=None)
    fit.add_argument("--cv", default=None, help="'auto', 'time' or a number of folds")
    fit.add_argument("--groups", help="column of group labels: group k-fold")
    fit.add_argument("--time-column", help="column ordering the rows in time")
    fit.add_argument("--drop", help="comma-separated columns to ignore (ids, leaks)")
    fit.add_argument("--seed", type=int, default=0)
    fit.add_argument("--n-jobs", type=int, default=None)
    fit.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    fit.add_argument("--search", default="bayes",
                     choices=["bayes", "random", "grid", "halving", "hyperband", "tpe"],
                     help="how candidates are chosen after the portfolio (default bayes; "
                          "tpe needs the 'tpe' extra)")
    fit.add_argument("--portfolio", default="handwritten", metavar="handwritten|learned|FILE",
                     help="the candidates every search starts with: the hand-written portfolio "
                          "(the default), the learned one the package ships, or a portfolio "
                          "file made by benchmarks/portfolio/select_portfolio.py")
    fit.add_argument("--selection", default="best",
                     choices=["best", "one_se", "validated_ensemble", "robust",
                              "bagged_ensemble"],
                     help="how far the final choice trusts the CV scores (default best)")
    fit.add_argument("--models", help="comma-separated model families to search (a,b), or to "
                                      "leave out (-a,-b)")
    fit.add_argument("--ensemble", default="greedy", choices=["greedy", "stacking", "none"])
    fit.add_argument("--backend", default="auto", choices=["auto", "loky", "dask"],
                     help="where candidates run: local processes (loky) or a Dask cluster")
    fit.add_argument("--scheduler", metavar="ADDRESS",
                     help="the Dask scheduler to run the search on, e.g. tcp://host:8786 "
                          "(implies --backend dask)")
    fit.add_argument("--top", type=int, default=10, help="leaderboard rows to print")
    fit.add_argument("--force", action="store_true", help="overwrite the model file")
    fit.add_argument("--verbose", action="store_true", help="print the search log")
    fit.set_defaults(func=cmd_fit)


def _add_predict_parser(sub, common):
    """``automl predict`` and its options."""
    predict = sub.add_parser("predict", parents=[common], help="predict a table")
    predict.add_argument("model")
    predict.add_argument("data")
    predict.add_argument("-o", "--output", required=True,
                         help="predictions file; its extension sets the format")
    predict.add_argument("--proba", action="store_true",
                         help="class probabilities, one column per class")
    predict.add_argument("--id-column", help="column copied to the output beside predictions")
    predict.add_argument("--force", action="store_true", help="overwrite the output file")
    predict.add_argument("--strict", action="store_true",
                         help="data drift is an error (exit 2, nothing written)")
    predict.add_argument("--ood-column", metavar="NAME",
                         help="add each row's out-of-distribution score in [0, 1] as NAME")
    predict.set_defaults(func=cmd_predict)


def _parser():
    common = _ArgumentParser(add_help=False)
    common.add_argument("--sep", help="delimiter of text input (detected when omitted)")
    common.add_argument("--encoding", help="encoding of text input (UTF-8, else Latin-1)")
    common.add_argument("--unsafe-pickle", action="store_true",
                        help="write/read the model with pickle instead of skops' secure "
                             "format (loading a pickle can run code: trusted files only)")
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    common.add_argument("--quiet", action="store_true", help="print nothing but errors")

    parser = _ArgumentParser(
        prog="automl", description="AutoML on CSV/TSV/Parquet tables; models are "
                                   "plain scikit-learn pipelines.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add_fit_parser(sub, common)

    _add_predict_parser(sub, common)

    evaluate = sub.add_parser("evaluate", parents=[common], help="score on labelled data")
    evaluate.add_argument("model")
    evaluate.add_argument("data")
    evaluate.add_argument("--target", help="label column (default: the training target)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=cmd_evaluate)

    report = sub.add_parser("report", parents=[common],
                            help="an HTML report on a table (needs the 'report' extra)")
    report.add_argument("model")
    report.add_argument("data")
    report.add_argument("--target", help="label column (default: the training target, if "
                                         "present); without labels: predictions and checks")
    report.add_argument("-o", "--output", required=True, help="HTML file to write")
    report.add_argument("--force", action="store_true", help="overwrite the output file")
    report.set_defaults(func=cmd_report)

    distill = sub.add_parser("distill", parents=[common],
                             help="distil a model into one booster: smaller, faster to predict")
    distill.add_argument("model", help="the model file to distil (the teacher)")
    distill.add_argument("train", help="the rows to distil on, ideally the training table")
    distill.add_argument("--target", help="label column (default: the training target, if "
                                          "present); it chooses the student's size")
    distill.add_argument("-o", "--output", required=True, help="student model file to write")
    distill.add_argument("--time-budget", type=float, default=60.0, help="seconds (default 60)")
    distill.add_argument("--student", default="auto",
                         choices=["auto", "lightgbm", "hist_gradient_boosting"])
    distill.add_argument("--no-augment", action="store_true",
                         help="train on the given rows only, without synthetic rows")
    distill.add_argument("--seed", type=int, default=0)
    distill.add_argument("--force", action="store_true", help="overwrite the output file")
    distill.set_defaults(func=_cmd_distill)

    info = sub.add_parser("info", parents=[common], help="describe a model file")
    info.add_argument("model")
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=cmd_info)

    export = sub.add_parser("export", parents=[common],
                            help="write one pipeline (a distilled student) as an ONNX file")
    export.add_argument("model", help="the model file to export")
    export.add_argument("-o", "--output", required=True, help="ONNX file to write")
    export.add_argument("--force", action="store_true", help="overwrite the output file")
    export.set_defaults(func=cmd_export)

    example = sub.add_parser("example-data", help="path of the CSV file shipped for the demo")
    example.set_defaults(func=cmd_example_data, debug=False)
    return parser


def _models_joined(argv):
    """``--models -mlp`` as ``--models=-mlp``: a value to exclude, not an option."""
    out, items = [], iter(argv)
    for item in items:
        value = next(items, None) if item == "--models" else None
        out.append(item if value is None else f"--models={value}")
    return out


def main(argv=None):
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(_models_joined(sys.argv[1:] if argv is None else argv))
    if getattr(args, "unsafe_pickle", False):
        print("automl: warning: --unsafe-pickle: pickle model files can run code when "
              "loaded; use them only with files you trust.", file=sys.stderr)
    try:
        with warnings.catch_warnings():
            if not getattr(args, "debug", False):
                warnings.simplefilter("ignore")
            return args.func(args)
    except (UserError, FileExistsError, FileNotFoundError) as exc:
        if args.debug:
            raise
        print(f"automl: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("automl: interrupted", file=sys.stderr)
        return 130


def run():
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
