"""scikit-learn transformers and samplers that drop into any Pipeline.

Each adds something scikit-learn lacks; where scikit-learn has the tool
(``StandardScaler``, ``PolynomialFeatures``, ``SimpleImputer``, ...), use it.
"""

from automl.transformers._cross import CrossFeatures
from automl.transformers._datetime import DatetimeFeatures
from automl.transformers._impute import MedianImputer
from automl.transformers._log import LogTransformer
from automl.transformers._outliers import OutlierClipper, OutlierRemover, outlier_bounds
from automl.transformers._table import TablePreprocessor

__all__ = [
    "CrossFeatures",
    "DatetimeFeatures",
    "LogTransformer",
    "MedianImputer",
    "OutlierClipper",
    "OutlierRemover",
    "TablePreprocessor",
    "outlier_bounds",
]
