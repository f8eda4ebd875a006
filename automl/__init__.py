"""AutoML for tabular data that returns plain scikit-learn objects."""

from automl._auto import AutoClassifier, AutoPipeline, AutoRegressor

__version__ = "0.1.0.dev0"
__all__ = ["AutoClassifier", "AutoPipeline", "AutoRegressor", "__version__"]
