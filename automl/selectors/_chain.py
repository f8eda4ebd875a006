"""A ready-made feature-selection fragment: variance -> univariate -> RFE."""

from numbers import Integral, Real

from sklearn.feature_selection import RFE, VarianceThreshold
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _num_features

from automl.selectors._chi2 import Chi2Selector
from automl.selectors._kbest import resolve_n_features
from automl.selectors._mutual_info import MutualInfoSelector

_CLASSIFICATION = {"classification", "binary", "multiclass"}
_K_CONSTRAINT = [
    Interval(Integral, 1, None, closed="left"),
    Interval(RealNotInt, 0, 1, closed="right"),
]


class _AtLeastOneRFE(RFE):
    """scikit-learn's ``RFE``, always keeping between 1 and all features.

    What it adds: ``RFE`` turns a float ``n_features_to_select`` into
    ``int(fraction * n_features)``, which is 0 when few features reach it
    (for example one feature and 0.5), and then fails; an int above the
    number of features warns. Here the count is resolved like
    :class:`Chi2Selector`'s ``k``: a fraction is rounded down but at least 1,
    an int is capped at the number of features. Everything else is
    ``RFE``'s; the parameter is restored as given once fit returns.
    """

    def fit(self, X, y, **fit_params):
        """Fit ``RFE`` after resolving a fractional ``n_features_to_select``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        **fit_params : dict
            Passed to ``RFE.fit``.

        Returns
        -------
        self : object
            The fitted selector.
        """
        requested = self.n_features_to_select
        if requested is None:
            return super().fit(X, y, **fit_params)
        self.n_features_to_select = resolve_n_features(requested, _num_features(X))
        try:
            return super().fit(X, y, **fit_params)
        finally:
            self.n_features_to_select = requested


def _default_rfe_estimator(classification):
    model = LogisticRegression(max_iter=1000) if classification else Ridge()
    return Pipeline([("scale", StandardScaler()), ("model", model)])


@validate_params(
    {
        "task": [StrOptions({"classification", "binary", "multiclass", "regression"})],
        "variance_threshold": [Interval(Real, 0, None, closed="left"), None],
        "univariate": [StrOptions({"auto", "chi2", "mutual_info"}), None],
        "k": [*_K_CONSTRAINT, StrOptions({"all"})],
        "rfe": ["boolean"],
        "rfe_n_features": _K_CONSTRAINT,
        "rfe_estimator": [HasMethods(["fit"]), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_selection_chain(
    task,
    *,
    variance_threshold=0.0,
    univariate="auto",
    k=0.5,
    rfe=False,
    rfe_n_features=0.5,
    rfe_estimator=None,
    random_state=None,
):
    """Build a feature-selection ``Pipeline``: variance, univariate, then RFE.

    What scikit-learn lacks: a ready-made, task-aware chain of its own
    selectors. Each step is scikit-learn's where it has one
    (``VarianceThreshold``, ``RFE``); the univariate step is
    :class:`Chi2Selector` or :class:`MutualInfoSelector`.

    Parameters
    ----------
    task : {"classification", "binary", "multiclass", "regression"}
        The learning task; ``"binary"`` and ``"multiclass"`` mean
        classification.
    variance_threshold : float or None, default=0.0
        Threshold of the ``VarianceThreshold`` step (0 drops constant
        columns); None skips the step.
    univariate : {"auto", "chi2", "mutual_info"} or None, default="auto"
        The univariate step: ``"chi2"`` is :class:`Chi2Selector`
        (classification only), ``"mutual_info"`` is
        :class:`MutualInfoSelector`; ``"auto"`` picks chi2 for
        classification and mutual information for regression; None skips
        the step.
    k : int, float or "all", default=0.5
        Features kept by the univariate step: a count, a fraction (at least
        one feature is kept) or ``"all"``.
    rfe : bool, default=False
        Whether to end with recursive feature elimination (``RFE``).
    rfe_n_features : int or float, default=0.5
        Features kept by RFE, as a count or as a fraction of the features
        reaching it (rounded down, at least one).
    rfe_estimator : estimator or None, default=None
        The model RFE ranks features with; it must expose ``coef_`` or
        ``feature_importances_``. None uses ``StandardScaler`` followed by
        ``LogisticRegression(max_iter=1000)`` for classification or
        ``Ridge()`` for regression.
    random_state : int, RandomState instance or None, default=None
        Seed of :class:`MutualInfoSelector`, when it is used.

    Returns
    -------
    chain : sklearn.pipeline.Pipeline
        A pipeline of exactly three steps, ``("variance", ...)``,
        ``("univariate", ...)`` and ``("rfe", ...)``; a skipped step is
        ``"passthrough"``. With every step skipped it is the identity.

    See Also
    --------
    sklearn.feature_selection.VarianceThreshold : The first step.
    sklearn.feature_selection.RFE : The last step.
    sklearn.feature_selection.RFECV : RFE choosing the number of features by
        cross-validation, slower; it can replace the ``"rfe"`` step.

    Notes
    -----
    Skipped steps stay in the pipeline as ``"passthrough"`` so that step names
    never depend on the arguments: a hyperparameter search can tune
    ``univariate__k`` or switch a step on and off with
    ``set_params(rfe="passthrough")`` on the same pipeline.

    No step can keep zero features: fractions keep at least one and an int
    above the number of features keeps all. Two cases raise ``ValueError``
    instead, both scikit-learn's rules, left as they are:
    ``VarianceThreshold`` when no feature exceeds the threshold (for example
    when every column is constant), and ``RFE`` when fewer than two features
    reach it (with ``rfe=True``, keep ``k`` at 2 or more, or a fraction of at
    least ``2 / n_features``).

    The default RFE model is linear on standardized columns: it refits once
    per eliminated feature (``step=1``; change it with
    ``set_params(rfe__step=0.1)``), and linear fits are fast and
    deterministic, while standardizing makes coefficient sizes comparable
    across columns of different scales. A tree ensemble would capture
    non-linear importance but costs far more per refit and adds
    randomness; pass one as ``rfe_estimator`` if wanted. RFE is the
    ``_AtLeastOneRFE`` subclass of ``RFE``, which only changes how a
    fractional ``n_features_to_select`` is rounded.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from automl.selectors import make_selection_chain
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> chain = make_selection_chain("classification", k=0.5, rfe=True,
    ...                              rfe_n_features=5)
    >>> [name for name, _ in chain.steps]
    ['variance', 'univariate', 'rfe']
    >>> chain.fit_transform(X, y).shape
    (569, 5)
    >>> len(chain.get_feature_names_out())
    5
    """
    classification = task in _CLASSIFICATION
    if univariate == "chi2" and not classification:
        raise ValueError(
            "make_selection_chain: univariate='chi2' is for classification, but "
            "task='regression'. Use univariate='mutual_info' for regression."
        )
    if univariate is None:
        univariate_step = "passthrough"
    elif univariate == "chi2" or (univariate == "auto" and classification):
        univariate_step = Chi2Selector(k=k)
    else:
        univariate_step = MutualInfoSelector(
            k=k,
            task="classification" if classification else "regression",
            random_state=random_state,
        )

    if rfe:
        if rfe_estimator is None:
            rfe_step = _AtLeastOneRFE(
                _default_rfe_estimator(classification),
                n_features_to_select=rfe_n_features,
                importance_getter="named_steps.model.coef_",
            )
        else:
            rfe_step = _AtLeastOneRFE(rfe_estimator, n_features_to_select=rfe_n_features)
    else:
        rfe_step = "passthrough"

    variance_step = (
        "passthrough"
        if variance_threshold is None
        else VarianceThreshold(threshold=variance_threshold)
    )
    return Pipeline(
        [("variance", variance_step), ("univariate", univariate_step), ("rfe", rfe_step)]
    )
