"""The search: pipeline spaces, model families, the budgeted optimisation loop.

Use :class:`automl.AutoPipeline` for the whole job; the parts here are for
those who want to build or inspect pipelines themselves.
"""

from automl.search._context import SearchContext
from automl.search.families import FAMILIES, ModelFamily, families_for
from automl.search._label import LabelEncodedClassifier
from automl.search._search import SearchResult, Trial, run_search
from automl.search._space import build_pipeline, candidate_space, default_config

__all__ = [
    "FAMILIES",
    "LabelEncodedClassifier",
    "ModelFamily",
    "SearchContext",
    "SearchResult",
    "Trial",
    "build_pipeline",
    "candidate_space",
    "default_config",
    "families_for",
    "run_search",
]
