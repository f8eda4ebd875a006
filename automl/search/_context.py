"""What the search knows about the data before any candidate is fitted."""

from dataclasses import dataclass

from automl._task import is_classification


@dataclass(frozen=True)
class SearchContext:
    """What the data and the user fixed, as the model families and the space read it.

    Built once per fit (``AutoPipeline._context``) and handed, unchanged, to
    every worker; :func:`dataclasses.replace` gives a changed copy (the
    refit's threads).

    Parameters
    ----------
    task : {"binary", "multiclass", "regression"}
    n_samples : int
        Training rows.
    n_features : int
        Input columns.
    random_state : int, default=0
        The seed of every estimator built.
    n_jobs : int, default=1
        Threads per model.
    device : {"cpu", "cuda"}, default="cpu"
        Where the families may run (see :mod:`automl.search._device`).
    imbalanced : bool, default=False
        Whether the rarest class has under 20 % of the rows: the space then
        offers resampling and class weights.
    skewed_target : bool, default=False
        Whether a regression target is skewed: the space then offers a log
        of the target.
    class_counts : dict or None, default=None
        Rows per class label (classification); SMOTE sizes its neighbourhood
        from the rarest. None: unknown (SMOTE takes 5 neighbours).
    native_categoricals : int, default=0
        Columns the table can hand to a model as pandas categories
        (:func:`automl.transformers._table.count_native_categoricals`): with
        some, the boosters choose between native and encoded categories.
    label_metric : bool, default=True
        Whether the search metric scores labels (accuracy, F1) rather than
        probabilities or values: class weights then start the portfolio of
        the boosters on imbalanced data.
    time_ordered : bool, default=False
        Whether the folds are time-ordered (``TimeSeriesSplit``): boosters
        validate early stopping on the latest rows, and HistGradientBoosting
        searches its length instead of stopping on a random split.
    lightgbm_gpu : bool, default=False
        Whether LightGBM's OpenCL learner runs here (with ``device="cuda"``).
    cuml : bool, default=False
        Whether RAPIDS cuML can be imported (with ``device="cuda"``).
    encode_labels : bool, default=True
        Whether XGBoost classifiers get their labels encoded as ``0..k-1``
        (:class:`automl.search._label.LabelEncodedClassifier`).
    portfolio : LearnedPortfolio or None, default=None
        What the search starts with (:func:`automl.search._space.portfolio`):
        this learned portfolio where it covers the task and size, else (and
        with None) the hand-written one.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from automl.search import SearchContext
    >>> ctx = SearchContext(task="binary", n_samples=1000, n_features=8, time_ordered=True)
    >>> ctx.classification, replace(ctx, n_jobs=4).n_jobs, ctx.n_jobs
    (True, 4, 1)
    """

    task: str
    n_samples: int
    n_features: int
    random_state: int = 0
    n_jobs: int = 1
    device: str = "cpu"
    imbalanced: bool = False
    skewed_target: bool = False
    class_counts: dict | None = None
    native_categoricals: int = 0
    label_metric: bool = True
    time_ordered: bool = False
    lightgbm_gpu: bool = False
    cuml: bool = False
    encode_labels: bool = True
    portfolio: object = None

    @property
    def classification(self):
        """Whether the task is binary or multiclass classification."""
        return is_classification(self.task)
