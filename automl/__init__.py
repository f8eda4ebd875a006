"""AutoML for tabular data that returns plain scikit-learn objects."""

__version__ = "0.1.0.dev0"
__all__ = ["__version__"]
