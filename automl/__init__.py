"""AutoML for tabular data that returns plain scikit-learn objects."""

from automl._auto import AutoClassifier, AutoPipeline, AutoRegressor
from automl._model_file import ModelFileError, load, save
from automl._onnx import onnx_inputs, to_onnx
from automl.drift import DataDriftWarning

__version__ = "0.1.0.dev0"
__all__ = ["AutoClassifier", "AutoPipeline", "AutoRegressor", "DataDriftWarning",
           "ModelFileError", "__version__", "load", "onnx_inputs", "save", "to_onnx"]
