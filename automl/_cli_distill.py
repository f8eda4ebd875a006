"""``automl distill``: a model file's AutoPipeline distilled into one booster, saved.

``automl distill model.skops train.csv --target y -o small.skops`` loads the
teacher, reads the table (its training columns; ``--target`` defaults to the
training target when the table has it, and without labels the student's
size is chosen by fidelity to the teacher), runs
:func:`automl._distill.distill` and writes the student atomically; the file
loads with ``automl.load`` and works with ``automl predict``, ``evaluate``
and ``info``.
"""

import sys
from pathlib import Path

from automl._cli import UserError, _column, _features, _load, _table


def cmd_distill(args):
    from automl._distill import describe_student, distill
    from automl._model_file import save_model

    out = Path(args.output)
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; pass --force to overwrite it.")
    if args.time_budget <= 0:
        raise UserError(f"--time-budget must be positive; got {args.time_budget:g}.")
    teacher, metadata = _load(args.model, args)
    if metadata.get("kind") == "distilled":
        raise UserError(f"{args.model} is already a distilled student; distil the model file "
                        "it came from.")
    frame = _table(args.train, args)
    target = args.target or metadata.get("target")
    if args.target:
        _column(frame, args.target, "--target", args.train)
    y = frame[target].to_numpy() if target in frame.columns else None
    if y is None and not args.quiet:
        print(f"automl: note: {args.train} has no target column; the student's size is chosen "
              "by fidelity to the teacher instead of by the true labels.", file=sys.stderr)
    X = _features(frame, metadata, args.train)
    try:
        student = distill(teacher, X, y, time_budget=args.time_budget, student=args.student,
                          augment=not args.no_augment, random_state=args.seed)
    except ValueError as exc:
        raise UserError(str(exc).splitlines()[0]) from None
    info = describe_student(student, target=target, train_file=str(args.train),
                            dtypes=metadata.get("dtypes"), teacher_file=str(args.model))
    save_model(student, out, metadata=info, force=args.force, unsafe_pickle=args.unsafe_pickle)
    if not args.quiet:
        print("\n".join(summary_lines(info)))
        print(f"Student written to {out} ({out.stat().st_size / 2**20:.2f} MB; "
              f"teacher {Path(args.model).stat().st_size / 2**20:.2f} MB)")
    return 0


def summary_lines(m):
    """What the student is and how it compares with its teacher, from its metadata."""
    d = m["distillation"]
    rows = f"{d['rows_real']:,} rows" + (f" of {d['rows_given']:,}" if d["rows_given"] >
                                          d["rows_real"] else "")
    lines = [
        f"student       {d['student']}, {d['num_leaves']} leaves x {d['n_rounds']} rounds, "
        f"{'refitted on all rows' if d['refitted_on_all_rows'] else 'fitted on the training part'}",
        f"trained on    {rows} + {d['rows_synthetic']:,} synthetic, teacher's soft outputs",
        f"size chosen   by {d['selected_by']} on {d['rows_holdout']:,} held-out rows",
    ]
    if d.get("teacher_holdout_score") is not None:
        lines.append(f"held out      {d['metric']}: student {d['holdout_score']:.5f}, teacher "
                     f"{d['teacher_holdout_score']:.5f} (teacher in-sample)")
    fidelity = ", ".join(f"{k.replace('_', ' ')} {v:.4f}" for k, v in
                         d["fidelity_holdout"].items())
    lines.append(f"fidelity      {fidelity}")
    return lines


def info_lines(m):
    """``automl info`` for a distilled student's file."""
    d = m["distillation"]
    teacher = d["teacher"]
    label = f"classes {', '.join(map(str, m['classes']))}" if m["classes"] else "regression"
    return [
        f"task          {m['task']} (target {m['target']!r}, {label})",
        f"distilled     from {m.get('teacher_file') or 'an AutoPipeline'} ({teacher['ensemble']}"
        f" ensemble of {teacher['members']}, best {teacher['best_family']})",
        f"trained on    {m['train_file']}: {len(m['columns'])} columns",
        f"columns       {', '.join(m['columns'])}",
        *summary_lines(m),
        "decides       " + ("the predicted value" if m["task"] == "regression" else
                            "the most probable class" if m.get("threshold") is None else
                            f"{m['classes'][1]} where P({m['classes'][1]}) >= "
                            f"{m['threshold']:.4g} (the teacher's threshold)"),
        f"seconds       {d['seconds']:.1f} (budget {d['time_budget']:g} s)",
        f"created       {m['created']}",
        "drift profile none: drift checks are unavailable for distilled students",
        "versions      " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
    ]
