"""ONNX export of one fitted pipeline: :func:`to_onnx`, :func:`onnx_inputs`, ``automl export``.

skl2onnx converts scikit-learn's steps and models, onnxmltools LightGBM
and XGBoost. What this module adds is what they cannot know: converters
for this package's own steps (:class:`~automl.transformers.TablePreprocessor`
with its imputation and encodings, :class:`~automl.transformers.OutlierClipper`,
:class:`~automl.transformers.LogTransformer`, the selectors), the decision
wrappers a fitted model carries (the tuned threshold of
``FixedThresholdClassifier``, the log target), and a refusal that names the
step that does not convert (an ensemble of pipelines does not: distill it
first, see ``AutoPipeline.distill``). A LabelEncodedClassifier (how the
XGBoost family takes any labels) converts as its model, with its classes.

The graph has one input per column the table preprocessor kept, of shape
``(n_rows, 1)``: ``float`` for numeric columns, ``string`` for categorical
ones (values as ``str``, ``"missing"`` where missing). skl2onnx makes
input names identifiers (``education-num`` becomes ``education_num``); the
graph's metadata (``automl_input_columns``, see :func:`input_columns`) maps
each back to its column, and :func:`onnx_inputs` builds the feed from a
DataFrame with the model's columns. Its
outputs are skl2onnx's: ``label`` and ``probabilities`` (one column per
class, in the order of ``classes_``) for classifiers, ``variable`` for
regressors. Numbers travel as float32, as ONNX tree ensembles take them,
so a value within float32 rounding of a split threshold can take the other
branch; the tests bound the differences.
"""

import json

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import FixedThresholdClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, TargetEncoder

from automl.search import LabelEncodedClassifier
from automl.selectors import Chi2Selector, MutualInfoSelector
from automl.transformers import LogTransformer, OutlierClipper, TablePreprocessor
from automl.transformers._log import signed_expm1, signed_log1p
from automl.transformers._table import MISSING, category_codes

TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
# metadata_props key: {input name: column}, as skl2onnx makes names identifiers
COLUMNS_KEY = "automl_input_columns"
EXTRA = 'ONNX export needs skl2onnx, onnxmltools and onnxruntime: pip install "automl[onnx]"'
FLOAT, INT64, STRING, BOOL = 1, 7, 8, 9  # onnx.TensorProto's element types
ONE_ROW_SHAPE = [None, 1]


def _require():
    try:
        import onnxmltools  # noqa: F401
        import skl2onnx  # noqa: F401
    except ImportError as exc:
        raise ImportError(EXTRA) from exc


# ----------------------------------------------------------------- what converts
def _unwrap(model):
    """``(pipeline, threshold, log_target, classes)`` of a model; a ValueError names what is not.

    ``threshold`` is the FixedThresholdClassifier around it (None without);
    ``log_target`` the TransformedTargetRegressor of its last step, and
    ``classes`` the labels of a LabelEncodedClassifier there (None
    without): the pipeline then ends with the model they wrap.
    """
    estimator = getattr(model, "model_", model)
    threshold = None
    if isinstance(estimator, FixedThresholdClassifier):
        threshold, estimator = estimator, estimator.estimator_
    while isinstance(estimator, FrozenEstimator):
        estimator = estimator.estimator
    if not (isinstance(estimator, Pipeline) and estimator.steps
            and isinstance(estimator.steps[0][1], TablePreprocessor)):
        raise ValueError(
            f"ONNX export takes one pipeline that starts with a TablePreprocessor; this model "
            f"is a {_describe(estimator)}. Distill it into one (model.distill(X, y), or "
            "automl distill) and export the student.")
    # samplers do nothing at predict time, nor do skipped steps
    steps = [(name, step) for name, step in estimator.steps
             if step not in (None, "passthrough") and not hasattr(step, "fit_resample")]
    name, last = steps[-1]
    log_target = classes = None
    if isinstance(last, TransformedTargetRegressor):
        if not (last.func is signed_log1p and last.inverse_func is signed_expm1):
            raise ValueError(f"step {name!r}: only the log target (signed_log1p) converts")
        log_target, steps[-1] = last, (name, last.regressor_)
    elif isinstance(last, LabelEncodedClassifier):
        classes, steps[-1] = last.classes_, (name, last.estimator_)
    return Pipeline(steps), threshold, log_target, classes


def _describe(estimator):
    inner = getattr(estimator, "steps", None)
    if inner:
        return f"{type(estimator).__name__} whose first step is {type(inner[0][1]).__name__}"
    return type(estimator).__name__


def _check_convertible(pipeline):
    """A ValueError naming what does not convert: a step, native categories, datetime columns."""
    from skl2onnx._supported_operators import sklearn_operator_name_map

    for name, step in pipeline.steps:
        if type(step) not in sklearn_operator_name_map:
            raise ValueError(f"step {name!r} ({type(step).__name__}) does not convert to ONNX")
    table = pipeline.steps[0][1]
    name, final = pipeline.steps[-1]
    native = [c for c, e in table.categorical_encoding_.items() if e == "native"]
    if native and hasattr(final, "predict") and not type(final).__module__.startswith("lightgbm"):
        # skl2onnx would convert HistGradientBoosting's categorical splits as
        # thresholds on the codes, silently wrong; XGBoost's are refused
        raise ValueError(
            f"step {name!r} ({type(final).__name__}) splits on native categories "
            f"({', '.join(map(repr, native))}), which convert to ONNX only for LightGBM; "
            "distill with student='lightgbm', or use categorical_encoding='auto'")
    dates = [c for c, kind in table.column_kinds_.items() if kind == "datetime"]
    if dates:
        raise ValueError(f"step {pipeline.steps[0][0]!r} (TablePreprocessor): datetime "
                         f"columns do not convert to ONNX: {', '.join(map(repr, dates))}")


# ---------------------------------------------------------------- graph helpers
def _const(scope, container, stem, values, onnx_type):
    name = scope.get_unique_variable_name(stem)
    values = np.asarray(values)
    container.add_initializer(name, onnx_type, list(values.shape), values.ravel().tolist())
    return name


def _node(scope, container, op, inputs, domain="", **attrs):
    out = scope.get_unique_variable_name(op.lower())
    container.add_node(op, inputs, out, op_domain=domain,
                       name=scope.get_unique_operator_name(op), **attrs)
    return out


def _concat(scope, container, names):
    return names[0] if len(names) == 1 else _node(scope, container, "Concat", names, axis=1)


def _columns(scope, container, X, indices):
    idx = _const(scope, container, "columns", np.asarray(indices, dtype=np.int64), INT64)
    return _node(scope, container, "Gather", [X, idx], axis=1)


def _label_encoder(scope, container, column, categories, values, default):
    """``ai.onnx.ml.LabelEncoder``: each category to its value, anything else to ``default``."""
    keys = [str(c) for c in categories]
    if np.issubdtype(np.asarray(values).dtype, np.integer):
        attrs = dict(values_int64s=[int(v) for v in values], default_int64=int(default))
    else:
        attrs = dict(values_floats=[float(v) for v in values], default_float=float(default))
    return _node(scope, container, "LabelEncoder", [column], domain="ai.onnx.ml",
                 keys_strings=keys, **attrs)


# ------------------------------------------------------- the table preprocessor
def _numeric_block(scope, container, imputer, columns):
    """MedianImputer: the kept columns with NaN as the median, then the missing indicators."""
    X = _concat(scope, container, columns)
    kept = _columns(scope, container, X, imputer._kept)
    medians = _const(scope, container, "medians",
                     imputer.statistics_[imputer._kept][None, :].astype(np.float32), FLOAT)
    filled = _node(scope, container, "Where",
                   [_node(scope, container, "IsNaN", [kept]), medians, kept])
    if not len(imputer.indicator_features_):
        return filled
    flagged = _columns(scope, container, X, imputer.indicator_features_)
    indicators = _node(scope, container, "Cast", [_node(scope, container, "IsNaN", [flagged])],
                       to=FLOAT)
    return _node(scope, container, "Concat", [filled, indicators], axis=1)


def _one_hot(scope, container, encoder, columns):
    blocks = []
    for column, cats in zip(columns, encoder.categories_):
        codes = _label_encoder(scope, container, column, cats, np.arange(len(cats)), -1)
        every = _const(scope, container, "categories", np.arange(len(cats))[None, :], INT64)
        blocks.append(_node(scope, container, "Cast",
                            [_node(scope, container, "Equal", [codes, every])], to=FLOAT))
    return _concat(scope, container, blocks)


def _ordinal(scope, container, encoder, columns):
    return _concat(scope, container, [
        _label_encoder(scope, container, column, cats, np.arange(len(cats), dtype=float),
                       encoder.unknown_value)
        for column, cats in zip(columns, encoder.categories_)])


def _target(scope, container, encoder, columns):
    """TargetEncoder.transform: each category's encoding, the target mean for unknown ones."""
    means = np.atleast_1d(encoder.target_mean_)
    blocks = []
    for j, (column, cats) in enumerate(zip(columns, encoder.categories_)):
        for c, mean in enumerate(means):
            blocks.append(_label_encoder(scope, container, column, cats,
                                         encoder.encodings_[j * len(means) + c], mean))
    return _concat(scope, container, blocks)


CATEGORY_ENCODERS = {OneHotEncoder: _one_hot, OrdinalEncoder: _ordinal, TargetEncoder: _target}


def _table_block(scope, container, step, transformer, columns):
    if step == "numeric":
        return _numeric_block(scope, container, transformer, columns)
    encoder = transformer.steps[-1][1]
    convert = CATEGORY_ENCODERS.get(type(encoder))
    if convert is None:  # pragma: no cover - TablePreprocessor builds no other
        raise ValueError(f"TablePreprocessor's {step} encoder does not convert to ONNX")
    return convert(scope, container, encoder, columns)


def _convert_table(scope, operator, container):
    table = operator.raw_operator
    order = table._prepared_order()
    by_name = dict(zip(order, (v.full_name for v in operator.inputs)))
    blocks = []
    for step, transformer, positions in table.column_transformer_.transformers_:
        if step == "remainder" or len(positions) == 0:
            continue
        columns = [by_name[order[i]] for i in positions]
        blocks.append(_table_block(scope, container, step, transformer, columns))
    container.add_node("Concat", blocks, operator.outputs[0].full_name, axis=1,
                       name=scope.get_unique_operator_name("Concat"))


def _table_shape(operator):
    from skl2onnx.common.data_types import FloatTensorType

    n_out = len(operator.raw_operator.get_feature_names_out())
    operator.outputs[0].type = FloatTensorType([None, n_out])


# ------------------------------------------------------------ the other own steps
def _same_shape(operator):
    from skl2onnx.common.data_types import FloatTensorType

    operator.outputs[0].type = FloatTensorType(operator.inputs[0].type.shape)


def _convert_clipper(scope, operator, container):
    """np.clip to the learned bounds; NaN passes through."""
    clipper, X = operator.raw_operator, operator.inputs[0].full_name
    low = _const(scope, container, "low", clipper.lower_bounds_[None, :].astype(np.float32), FLOAT)
    high = _const(scope, container, "high", clipper.upper_bounds_[None, :].astype(np.float32),
                  FLOAT)
    clipped = _node(scope, container, "Max", [_node(scope, container, "Min", [X, high]), low])
    container.add_node("Where", [_node(scope, container, "IsNaN", [X]), X, clipped],
                       operator.outputs[0].full_name, name=scope.get_unique_operator_name("Where"))


def _signed_log1p(scope, container, X):
    """``sign(x) * log1p(|x|)``, as :func:`~automl.transformers._log.signed_log1p`."""
    one = _const(scope, container, "one", np.ones(1, dtype=np.float32), FLOAT)
    size = _node(scope, container, "Abs", [X])
    value = _node(scope, container, "Log", [_node(scope, container, "Add", [size, one])])
    return _node(scope, container, "Mul", [_node(scope, container, "Sign", [X]), value])


def _convert_log(scope, operator, container):
    log, X = operator.raw_operator, operator.inputs[0].full_name
    mask = _const(scope, container, "log_columns", log.log_columns_[None, :], BOOL)
    container.add_node("Where", [mask, _signed_log1p(scope, container, X), X],
                       operator.outputs[0].full_name, name=scope.get_unique_operator_name("Where"))


def _register():
    """Register the converters of our steps and of LightGBM and XGBoost (idempotent)."""
    from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
    from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )
    from skl2onnx.operator_converters.feature_selection import convert_sklearn_feature_selection
    from skl2onnx.shape_calculators.feature_selection import calculate_sklearn_select

    update_registered_converter(TablePreprocessor, "AutomlTablePreprocessor", _table_shape,
                                _convert_table)
    update_registered_converter(OutlierClipper, "AutomlOutlierClipper", _same_shape,
                                _convert_clipper)
    update_registered_converter(LogTransformer, "AutomlLogTransformer", _same_shape,
                                _convert_log)
    for selector in (Chi2Selector, MutualInfoSelector):
        update_registered_converter(selector, f"Automl{selector.__name__}",
                                    calculate_sklearn_select, convert_sklearn_feature_selection)
    classifier_options = {"nocl": [True, False], "zipmap": [False, True, "columns"]}
    boosters = []
    try:
        from lightgbm import LGBMClassifier, LGBMRegressor

        boosters += [(LGBMClassifier, convert_lightgbm), (LGBMRegressor, convert_lightgbm)]
    except ImportError:
        pass
    try:
        from xgboost import XGBClassifier, XGBRegressor

        boosters += [(XGBClassifier, convert_xgboost), (XGBRegressor, convert_xgboost)]
    except ImportError:
        pass
    for cls, convert in boosters:
        classifier = cls.__name__.endswith("Classifier")
        update_registered_converter(
            cls, f"Automl{cls.__name__}",
            calculate_linear_classifier_output_shapes if classifier
            else calculate_linear_regressor_output_shapes,
            convert, options=classifier_options if classifier else None)


# ------------------------------------------------------------------ the export
def _initial_types(table):
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    kinds = {"numeric": FloatTensorType, "categorical": StringTensorType}
    return [(name, kinds[table.column_kinds_[name]](ONE_ROW_SHAPE))
            for name in table._prepared_order()]


def to_onnx(model, *, target_opset=None):
    """The ONNX graph of a fitted pipeline, with its threshold and log target.

    Parameters
    ----------
    model : AutoPipeline, Pipeline or FixedThresholdClassifier, fitted
        An AutoPipeline whose ``model_`` is one pipeline, or the student
        :func:`automl.distill` returns, or any fitted pipeline that starts
        with a :class:`~automl.transformers.TablePreprocessor`.
    target_opset : dict, default=None
        ONNX operator set versions by domain; None means
        ``{"": 17, "ai.onnx.ml": 3}``.

    Returns
    -------
    onnx_model : onnx.ModelProto
        Inputs and outputs as the module docstring describes; feed it
        ``onnx_inputs(onnx_model, X)``.

    Raises
    ------
    ImportError
        When skl2onnx or onnxmltools is missing (the ``onnx`` extra).
    ValueError
        When a step does not convert, naming it: an ensemble of pipelines,
        datetime columns, a step without a converter.

    Examples
    --------
    >>> import numpy as np, pandas as pd, onnxruntime
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from automl import onnx_inputs, to_onnx
    >>> from automl.transformers import TablePreprocessor
    >>> X = pd.DataFrame({"size": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0],
    ...                   "color": ["red", "blue", "red", None, "blue", "red"]})
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> model = make_pipeline(TablePreprocessor(), LogisticRegression()).fit(X, y)
    >>> graph = to_onnx(model)
    >>> [i.name for i in graph.graph.input]
    ['size', 'color']
    >>> session = onnxruntime.InferenceSession(graph.SerializeToString())
    >>> label, proba = session.run(None, onnx_inputs(graph, X))
    >>> bool((label == model.predict(X)).all())
    True
    >>> bool(np.allclose(proba, model.predict_proba(X), atol=1e-5))
    True
    """
    _require()
    from skl2onnx import convert_sklearn

    pipeline, threshold, log_target, classes = _unwrap(model)
    _register()
    _check_convertible(pipeline)
    final = pipeline.steps[-1][1]
    options = {id(final): {"zipmap": False}} if hasattr(final, "predict_proba") else None
    try:
        graph = convert_sklearn(pipeline, initial_types=_initial_types(pipeline.steps[0][1]),
                                options=options, target_opset=target_opset or TARGET_OPSET)
    except (RuntimeError, TypeError, ValueError, NotImplementedError) as exc:
        raise ValueError(f"step {pipeline.steps[-1][0]!r} or one before it did not convert to "
                         f"ONNX: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                         ) from exc
    _record_columns(graph, pipeline.steps[0][1]._prepared_order())
    if classes is not None:
        _apply_classes(graph, classes)
    if threshold is not None:
        _apply_threshold(graph, threshold)
    if log_target is not None:
        _apply_log_target(graph)
    return graph


def _replace_output(graph, name, make_nodes, initializers):
    """The graph output ``name`` made by ``make_nodes(raw)`` from its old value (now ``raw``)."""
    taken = {o for node in graph.graph.node for o in node.output}
    raw = next(f"{name}_{k}" for k in range(len(taken) + 1) if f"{name}_{k}" not in taken)
    nodes = make_nodes(raw)
    for node in graph.graph.node:
        node.output[:] = [raw if o == name else o for o in node.output]
        node.input[:] = [raw if i == name else i for i in node.input]
    graph.graph.initializer.extend(initializers)
    graph.graph.node.extend(nodes)
    _drop_dangling(graph)


def _record_columns(graph, columns):
    """Keep in the metadata which column each input is (skl2onnx may rename them)."""
    names = [i.name for i in graph.graph.input]
    entry = graph.metadata_props.add()
    entry.key, entry.value = COLUMNS_KEY, json.dumps(dict(zip(names, columns)))


def input_columns(onnx_model):
    """``{input name: column name}`` of a graph :func:`to_onnx` made."""
    meta = {p.key: p.value for p in onnx_model.metadata_props}
    names = [i.name for i in onnx_model.graph.input]
    return json.loads(meta[COLUMNS_KEY]) if COLUMNS_KEY in meta else dict(zip(names, names))


def _label_tensor(labels, name):
    from onnx import numpy_helper

    labels = np.asarray(labels)
    return numpy_helper.from_array(
        labels.astype(object) if labels.dtype.kind in "OUS" else labels.astype(np.int64), name)


def _apply_classes(graph, classes):
    """``label``: the classes of a LabelEncodedClassifier at the positions its model predicts."""
    from onnx import helper

    _replace_output(graph, "label", lambda raw: [
        helper.make_node("Gather", ["encoded_classes", raw], ["label"])],
        [_label_tensor(classes, "encoded_classes")])
    if np.asarray(classes).dtype.kind in "OUS":  # the graph's label was int64 codes
        for out in graph.graph.output:
            if out.name == "label":
                out.type.tensor_type.elem_type = STRING


def _apply_threshold(graph, fixed):
    """``label`` from the positive class's probability and the threshold, as sklearn decides."""
    from onnx import helper, numpy_helper

    if fixed.response_method not in ("auto", "predict_proba"):
        raise ValueError(f"a FixedThresholdClassifier on {fixed.response_method} does not "
                         "convert to ONNX: only thresholds on predict_proba")
    classes = np.asarray(fixed.classes_)
    pos_label = classes[1] if fixed.pos_label is None else fixed.pos_label
    positive = int(np.flatnonzero(classes == pos_label)[0])
    # scikit-learn: classes[[0, 1]] when the positive class is classes[1], else reversed
    labels = classes[[0, 1]] if positive == 1 else classes[[1, 0]]
    initializers = [
        numpy_helper.from_array(np.array(positive, dtype=np.int64), "threshold_class"),
        numpy_helper.from_array(np.array(fixed.threshold, dtype=np.float32), "threshold_value"),
        _label_tensor(labels, "threshold_labels"),
    ]
    nodes = [
        helper.make_node("Gather", ["probabilities", "threshold_class"], ["threshold_p"], axis=1),
        helper.make_node("GreaterOrEqual", ["threshold_p", "threshold_value"], ["threshold_ge"]),
        helper.make_node("Cast", ["threshold_ge"], ["threshold_index"], to=INT64),
        helper.make_node("Gather", ["threshold_labels", "threshold_index"], ["label"]),
    ]
    _replace_output(graph, "label", lambda raw: nodes, initializers)  # the arg-max label goes


def _apply_log_target(graph):
    """``variable``: the regressor's output mapped back, ``sign(v) * expm1(|v|)``."""
    from onnx import helper, numpy_helper

    def nodes(raw):
        return [
            helper.make_node("Abs", [raw], ["log_target_abs"]),
            helper.make_node("Exp", ["log_target_abs"], ["log_target_exp"]),
            helper.make_node("Sub", ["log_target_exp", "log_target_one"], ["log_target_expm1"]),
            helper.make_node("Sign", [raw], ["log_target_sign"]),
            helper.make_node("Mul", ["log_target_sign", "log_target_expm1"], ["variable"]),
        ]

    one = numpy_helper.from_array(np.ones(1, dtype=np.float32), "log_target_one")
    _replace_output(graph, "variable", nodes, [one])


def _drop_dangling(graph):
    """Remove the nodes whose outputs nothing uses (a replaced output's)."""
    while True:
        used = {i for node in graph.graph.node for i in node.input}
        used |= {o.name for o in graph.graph.output}
        keep = [n for n in graph.graph.node if any(o in used for o in n.output)]
        if len(keep) == len(graph.graph.node):
            return
        del graph.graph.node[:]
        graph.graph.node.extend(keep)


# --------------------------------------------------------------- the inputs
def onnx_inputs(onnx_model, X):
    """The feed of an exported graph for the rows of ``X``: ``{column: (n_rows, 1) array}``.

    Numeric columns as float32 (booleans as 0/1), categorical ones as
    ``str`` objects with ``"missing"`` where missing, as the table
    preprocessor reads them.

    Parameters
    ----------
    onnx_model : onnx.ModelProto
        A graph :func:`to_onnx` made.
    X : DataFrame
        Rows with (at least) the graph's input columns.

    Returns
    -------
    feed : dict of str to ndarray
        For ``onnxruntime.InferenceSession.run(None, feed)``.
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a DataFrame with the model's columns, got {type(X).__name__}")
    feed, columns = {}, input_columns(onnx_model)
    for spec in onnx_model.graph.input:
        name = columns[spec.name]
        if name not in X.columns:
            raise ValueError(f"X has no column {name!r}, an input of the ONNX model")
        column = X[name]
        if spec.type.tensor_type.elem_type == STRING:
            codes, labels = category_codes(column)
            values = np.append(labels, MISSING)[codes].astype(object)
        else:
            try:
                values = column.astype(np.float64).to_numpy(dtype=np.float32)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"column {name!r} is numeric in the ONNX model; its "
                                 f"values do not convert to numbers: {exc}") from exc
        feed[spec.name] = values.reshape(-1, 1)
    return feed
