"""The search context: named, typed fields, fixed once built."""

import dataclasses
import pickle

import pytest

from automl.search import SearchContext


def test_context_fields_are_named_and_fixed_once_built():
    ctx = SearchContext(task="multiclass", n_samples=300, n_features=4,
                        class_counts={"a": 200, "b": 100}, time_ordered=True)
    assert ctx.classification and ctx.time_ordered and ctx.native_categoricals == 0
    assert (ctx.label_metric, ctx.lightgbm_gpu, ctx.cuml, ctx.encode_labels) == (
        True, False, False, True)  # what the families assumed when a key was missing
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.time_ordered = False
    refit = dataclasses.replace(ctx, n_jobs=4)
    assert (refit.n_jobs, ctx.n_jobs) == (4, 1) and refit.class_counts == ctx.class_counts
    assert pickle.loads(pickle.dumps(ctx)) == ctx  # handed to worker processes
    with pytest.raises(TypeError, match="extra"):
        SearchContext(task="binary", n_samples=1, n_features=1, extra={"cuml": True})
