"""AutoPipeline: a budgeted search over whole pipelines, as a scikit-learn estimator."""

import os
import shutil
import tempfile
import warnings
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.stats import skew
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.utils import ClassifierTags, RegressorTags, get_tags
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from automl._budget import ENSEMBLE_REFITS, REFIT_MARGIN, Budget, affordable_fits, refit_seconds
from automl._cv import is_time_ordered, make_cv
from automl._decision import Decision, correct_trials, decide, resolve_decision_metric
from automl._final_model import (
    FinalModelContext,
    OOFScoring,
    build_final_model,
    interrupted_final_model,
)
from automl._leaderboard import cv_results, leaderboard
from automl._metrics import ranks_rows, resolve_scorer, score_predictions, scores_labels
from automl._plan import FitPlan, TimedTable
from automl._progress import SearchProgress
from automl._refit import Refitter, changed_params, refitted_pipeline
from automl._selection import (
    SELECTION_RULES,
    fold_size_ratio,
    order_for_selection,
    selection_summary,
)
from automl._task import detect_task, is_classification, task_decision
from automl._validation import check_fit_input, check_predict_input
from automl.drift import drift_report, fit_profile, warn_drift
from automl.drift._warning import NO_PROFILE
from automl.search import SearchContext, families_for, run_search
from automl.search._data import SearchData
from automl.search._device import family_device, gpu_capabilities, resolve_device
from automl.search._executor import cpu_count, dask_backend_active, dask_client
from automl.search._learned_portfolio import load_portfolio, shipped_portfolio
from automl.transformers import TablePreprocessor
from automl.transformers._table import count_native_categoricals


class AutoPipeline(BaseEstimator):
    """Find the best pipeline for a table within a time budget.

    The search cross-validates whole pipelines (column typing, imputation,
    encoding, outlier clipping, scaling, log transforms, interaction features,
    feature selection, class-imbalance handling, a log target for skewed
    regression targets, and a model from eleven families) chosen by Bayesian
    optimisation (scikit-optimize), starting from a portfolio of strong
    defaults so that a useful model exists within seconds. Candidates run in
    worker processes and are stopped when the budget ends. The best pipeline
    is refitted on all rows and exposed as a plain scikit-learn /
    imbalanced-learn ``Pipeline``.

    Parameters
    ----------
    time_budget : float, default=60
        Seconds for the whole ``fit``, refit included. The promise, in wall
        time and on a busy machine too: ``fit`` returns within
        ``time_budget + max(5, 0.1 * time_budget)`` seconds, with a model
        whenever the cheapest candidate can be cross-validated in that time
        (else the error says what budget would do). How the phases share
        it is kept in one place, ``automl._budget``. See Notes.
    task : {"auto", "binary", "multiclass", "regression"}, default="auto"
        The task; ``"auto"`` infers it from ``y`` (see Notes). With ``"auto"``
        scikit-learn cannot tell a classifier from a regressor before ``fit``;
        use :class:`AutoClassifier` or :class:`AutoRegressor` where it must.
    metric : str or callable, default="auto"
        ``"auto"`` is ROC AUC for binary, log loss for multiclass and RMSE for
        regression; also ``"accuracy"``, ``"balanced_accuracy"``, ``"f1"``,
        ``"r2"``, ``"mae"``, ``"rmse"``, any scikit-learn scorer name, or a
        scorer callable ``scorer(estimator, X, y)``. Scores are reported
        greater-is-better, as scikit-learn does (losses are negated).
    decision_metric : str, default="auto"
        The label metric ``predict`` chooses labels for: ``"accuracy"``,
        ``"balanced_accuracy"``, ``"f1"``, ``"precision"``, ``"recall"``,
        ``"matthews_corrcoef"`` or another scikit-learn label scorer name.
        ``"auto"``: ``metric`` when it scores labels, else ``"accuracy"``.
        For binary tasks the threshold on ``predict_proba(X)[:, 1]`` is tuned
        on the out-of-fold predictions for it (``threshold_``); multiclass
        tasks predict the most probable class. Classification only.
    cv : "auto", "time", int or cross-validation splitter, default="auto"
        ``"auto"``: stratified k-fold for classification and k-fold for
        regression, repeated on small data and a single holdout on very large
        data; group k-fold when ``fit`` gets ``groups``; ``TimeSeriesSplit``
        with ``time_column`` or ``"time"`` (five folds up to 50,000 rows,
        three above). Fewer repeats, then fewer folds (down to three) when
        the cheapest candidate's cross-validation would take more than a
        tenth of the budget, as measured by fitting the table preprocessor
        on all rows (not with ``max_trials``, so that such a search stays
        reproducible). An int fixes the number of folds. A splitter is used as
        it is; with ``time_column`` it sees the rows in time order.
    time_column : str, default=None
        Column of ``X`` ordering the rows in time; switches to
        ``TimeSeriesSplit``. It stays a feature (its date parts).
    search : {"bayes", "random", "grid", "halving", "hyperband", "tpe"}, default="bayes"
        How candidates are chosen after the portfolio (every search starts
        with it and never runs a candidate twice). ``"bayes"``: one
        scikit-optimize optimiser (extra-trees surrogate) per family, more
        trials for the families that score best; ``"random"``; ``"grid"``: 3
        values per numeric dimension; ``"tpe"``: Optuna's tree-structured
        Parzen estimator over the family and its parameters together (``pip
        install "automl[tpe]"``); ``"halving"``: successive halving, random
        candidates on a share of each training fold, the best third of them
        on three times as many rows, up to all rows (9 on 1/9, 3 on 1/3, 1 on
        all from 450 rows; 27 on 1/27 first from 1,350); ``"hyperband"``:
        Hyperband (Li et al., 2018, eta = 3), brackets from that one down to
        plain random search on all rows, in turn. The leaderboard's
        ``train_fraction``, ``bracket`` and ``rung`` say where a candidate
        ran; only candidates on all rows can be the final model.
    models : list of str, default=None
        Restrict the search to these families (see
        ``automl.search.FAMILIES``); all that fit the task by default.
    max_trials : int, default=None
        Stop after this many candidates even if time is left. With
        ``n_jobs=1`` and a fixed ``random_state``, a search that ends on
        ``max_trials`` is reproducible.
    categorical_columns : list of str, default=None
        Columns to treat as categorical even if numeric (integer codes).
    ensemble : {"greedy", "stacking", "none"}, default="greedy"
        How the best candidates are combined, from their out-of-fold
        predictions: ``"greedy"`` is ensemble selection with replacement
        (Caruana et al., 2004) optimising ``metric``, giving a weighted
        average; ``"stacking"`` fits scikit-learn's ``StackingClassifier`` /
        ``StackingRegressor`` over the greedy selection's members, its final
        estimator trained on out-of-fold predictions (k-fold CV only; it
        falls back to greedy otherwise); ``"none"`` keeps the best pipeline.
        An ensemble is used only if its out-of-fold score beats the best
        single pipeline's. Candidates that score no better than the class
        priors (or the mean target) on their folds are never members.
    ensemble_predict_cost : float or None, default=0.2
        Each ensemble member beyond the first may add on average at most
        this share of the best pipeline's predict time: an ensemble of m
        members predicts in at most ``1 + ensemble_predict_cost * (m - 1)``
        times the best pipeline's time. The greedy selection keeps within
        it on the times estimated on the CV test folds (cheap members make
        room for a dearer one), the fitted members are then timed on
        training rows (refitted members share one table preprocessor) and,
        if they break it, the weights are chosen again on those times.
        None: no limit, the most accurate ensemble whatever it costs to
        predict.
    fold_bagging : "auto" or bool, default="auto"
        Whether a chosen pipeline is refitted on all rows (``False``) or
        replaced by the average of the models fitted on the CV folds
        during the search (``True``, AutoGluon's bagging; it saves the refit
        and costs k times the predict time). ``"auto"`` refits the best
        pipeline when its refit fits in the time left, else bags it, and
        leaves out the ensemble members that cannot be refitted in time.
        ``ensemble_`` says which was used.
    selection : {"best", "one_se", "validated_ensemble", "robust", \
"bagged_ensemble"}, default="best"
        How far the final choice trusts the CV scores, which grow more
        optimistic as more candidates are compared on the same folds (see
        ``automl._selection``). ``"best"``: the highest CV score, and the
        greedy ensemble when its out-of-fold score beats it. ``"one_se"``:
        among the candidates on all rows within one standard error of the
        best (``leaderboard_["within_se"]``: the standard error of each
        one's gap to the best, fold by fold), the one of the simplest
        family, then with the least fit time per fold. ``"validated_ensemble"``: the greedy weights are
        chosen on all folds but one, in turn, and scored on the one left
        out; the ensemble (with the mean of those weights) is used only when
        its held-out gain over the best single pipeline exceeds its standard
        error. ``"robust"``: both. ``"bagged_ensemble"``: the greedy
        weights are the mean of 20 greedy selections, each on a random half
        of the candidates (Caruana et al., 2006), so that a member weighs
        what it adds across many sub-libraries rather than on the luckiest
        draw; ``selection_["ensemble_bags"]`` says how many ran in the time
        left. ``"best"`` is the default because it
        measured best (``benchmarks/README.md``, issue 29): the others were
        worse beyond noise on electricity and nlswork, better nowhere.
    keep_oof : {"best", "all"} or None, default=None
        Which entries of ``trials_`` keep their out-of-fold predictions
        (``Trial.oof``, one value per row and class) after ``fit``: none
        (the default, so that a fitted model does not grow with the number
        of trials), the best single pipeline's and the ensemble members'
        (``"best"``), or every trial's (``"all"``, e.g. to simulate other
        ensembles). ``oof_predictions_``, those of the final model, are
        always kept.
    portfolio : "handwritten", "learned" or path, default="handwritten"
        The candidates every search starts with, in order, before its
        strategy proposes its own. ``"handwritten"``: one default per family
        and the families' variants. ``"learned"``: the portfolio learned
        offline on a corpus of 117 datasets that the package ships
        (``automl/search/portfolio.json``, made by
        ``benchmarks/portfolio/select_portfolio.py``) where it covers the task
        and size, else the hand-written one; it is not the default because
        it scored below the hand-written one on the evaluation suite at 15 s
        and 60 s (``benchmarks/README.md``). A path: a learned portfolio file
        of that format.
    n_jobs : int, default=None
        Candidates evaluated in parallel (worker processes); None means 1,
        -1 means one per CPU core.
    backend : {"auto", "loky", "dask"}, default="auto"
        Where candidates run. ``"loky"``: local worker processes, killed at
        the deadline. ``"dask"``: the workers of the current
        ``distributed.Client`` (``n_jobs`` candidates in flight, all its
        threads when None); the data is scattered to them once; a running
        candidate stops at its own deadline check; fold bagging is off.
        ``"auto"``: dask inside ``joblib.parallel_backend("dask")``, else
        loky.
    device : {"auto", "cpu", "cuda"}, default="auto"
        ``"cuda"``: XGBoost on the GPU; LightGBM on it through its OpenCL
        learner when an OpenCL device answers; random forests and linear
        models as cuML's when cuML is installed; the other families on the
        CPU. ``"auto"``: ``"cuda"`` when the NVIDIA driver reports a GPU,
        else ``"cpu"``. ``device_`` and the leaderboard's ``device`` column
        say what was used. No GPU library is needed for ``"cpu"``.
    random_state : int, RandomState instance or None, default=None
        Seed of the folds, the optimiser and the models, as in scikit-learn:
        an int makes ``fit`` repeatable (with ``max_trials`` and
        ``n_jobs=1``); a ``RandomState`` or None (NumPy's global one) draws
        the fit's seed from it, so that two fits differ.
    verbose : int, default=0
        1: a progress bar on stderr (tqdm: time used, candidates finished,
        best score, time left), updating in place in a terminal and in
        Jupyter, silent elsewhere (a log file); 2: one line per candidate
        on stdout, anywhere.
    callback : callable, default=None
        Called after each finished candidate with a dict: ``n_trials``,
        ``trial``, ``best_score`` (None before the first success) and
        ``time_left`` in seconds. A true return value stops the search
        (the candidates still running are stopped) and ``fit`` goes on to
        the refit with what it has, e.g.
        ``callback=lambda info: (info["best_score"] or 0) > 0.99``.

    Attributes
    ----------
    model_ : estimator
        What ``predict`` and ``predict_proba`` use, a plain scikit-learn
        estimator (``model_.predict(X)`` is ``predict(X)``). For
        classification it wraps the fitted pipeline or ensemble: in a
        ``Pipeline`` with ``CalibratedClassifierCV`` when ``calibration_``
        is not ``"none"``, then, for binary tasks, in
        ``FixedThresholdClassifier(threshold=threshold_)``; members trained
        with class weights or resampling predict through
        :class:`~automl._decision.PriorCorrectedClassifier`, back to the
        training class priors (see ``automl._decision``). Inside, or for
        regression: ``best_pipeline_``, or the ensemble (a
        ``Pipeline`` of the shared table preprocessor and a
        :class:`~automl.ensemble.WeightedEnsembleClassifier` /
        ``WeightedEnsembleRegressor``; the weighted ensemble of whole
        pipelines on raw rows when a member has a table of its own, being
        fold-bagged or keeping native categories; or a scikit-learn stacking
        estimator).
    best_pipeline_ : imblearn.pipeline.Pipeline
        The best single pipeline, refitted on all training rows (or its
        fold models averaged, see ``fold_bagging``).
    ensemble_ : pandas.DataFrame
        The members of ``model_``: trial, family, weight (NaN for
        stacking), ``fitted_on`` (``"all rows"`` or ``"folds (bagged)"``)
        and out-of-fold score. One row when a single pipeline is used;
        ``ensemble_.attrs`` holds ``kind`` (``"single"``, ``"greedy"`` or
        ``"stacking"``), its out-of-fold score and ``predict_cost``: its
        predict time as a multiple of the best pipeline's, measured on
        training rows when ``ensemble_predict_cost`` is set (NaN otherwise).
    ensemble_notes_ : list of str
        Why an ensemble was not used, or fell back, when it was not.
    selection_ : dict
        How sure the choice is: ``rule`` (``selection``), ``se_method``
        (``"nadeau_bengio_paired"``), ``best_trial``, ``best_score`` and
        ``best_score_sem`` (the highest CV score on all rows and its
        standard error), ``n_candidates``, ``n_within_se`` (candidates
        within one standard error of the best, the best included),
        ``chosen_trial`` and ``chosen_score`` (``best_pipeline_``'s); with a
        validated ensemble, ``ensemble_heldout_gain``,
        ``ensemble_heldout_gain_se`` and ``ensemble_validated``. See
        :func:`automl._selection.selection_summary`.
    best_score_ : float
        Its mean cross-validated score.
    best_config_ : dict
        The best single pipeline's family (``"family"``) and its point of
        the search space (model hyper-parameters as ``model__<name>``,
        preprocessing choices by name), as in ``leaderboard_["params"]``.
    best_params_ : dict
        The parameters of the best single pipeline's steps (not the table
        preprocessor) that differ from their defaults, in ``set_params``
        form (``"model__max_depth"``), its refit length included: they can
        be set on an unfitted pipeline of the same steps.
    cv_results_ : dict of ndarray
        Every trial in the format of scikit-learn's ``GridSearchCV``
        (``params``, ``mean_test_score``, ``std_test_score``,
        ``rank_test_score``, ``split<k>_test_score``, ``mean_fit_time``),
        plus ``param_family``, ``train_fraction`` and ``status``; for tools
        that read scikit-learn's searches.
    leaderboard_ : pandas.DataFrame
        One row per candidate: rank, model family, params, CV mean and std,
        out-of-fold score, fit time, status and error; an ensemble adds a
        row of its own (family ``"ensemble (greedy)"`` or ``"ensemble
        (stacking)"``, no rank, its ``score`` being its out-of-fold score).
        ``chosen`` marks the row ``predict`` uses. ``score_sem`` is the
        standard error of the CV score (Nadeau and Bengio's, corrected for
        folds sharing training rows) and ``within_se`` marks the candidates
        whose gap to the best is within its standard error on the shared
        folds (see ``selection_``).
    task_ : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    device_ : str
        ``"cpu"`` or ``"cuda"``, as resolved from ``device``.
    devices_ : dict
        Where each model family ran: ``"cpu"``, ``"cuda"``, ``"cuda (cuML)"``
        or ``"cuda (OpenCL)"``.
    metric_ : str
        The name of the metric optimised.
    cv_ : str
        The cross-validation scheme used.
    classes_ : ndarray
        Class labels, as given (classification only).
    oof_predictions_ : ndarray of shape (n_samples,) or (n_samples, n_classes)
        Out-of-fold predictions of ``model_`` on the training rows, in their
        order: class probabilities (columns in the order of ``classes_``)
        or predicted values; each row predicted by models that did not see
        it (the members' out-of-fold predictions averaged with the
        ensemble's weights), so that it can be scored without leakage. NaN
        for rows that are in no validation fold (the first rows of
        time-ordered folds). They went through what ``predict_proba`` does:
        the prior correction of members trained on balanced classes and,
        when ``calibration_`` names one, the calibration, cross-fitted (each
        row calibrated by a calibrator fitted on the other OOF rows).
    threshold_ : float or None
        Binary tasks: ``predict`` answers ``classes_[1]`` where
        ``predict_proba(X)[:, 1] >= threshold_``, tuned on
        ``oof_predictions_`` for ``decision_metric_``. None otherwise.
    decision_metric_ : str or None
        The label metric ``predict`` optimises (None for regression).
    calibration_ : str
        ``"sigmoid"``, ``"isotonic"`` or ``"temperature"``: scikit-learn's
        ``CalibratedClassifierCV`` fitted on the OOF predictions, kept because
        it lowered their log loss (cross-fitted) by more than two standard
        errors; ``"none"`` otherwise (and for regression). It works on the
        OOF arrays (about a second on 30,000 rows), after the refit.
    decision_ : dict
        The OOF evidence: log loss and Brier score without and with each
        calibration tried, the decision metric at ``threshold_`` and at 0.5.
    trials_ : list of Trial
        The raw trials: family, configuration, fold scores, times, and
        out-of-fold predictions where ``keep_oof`` keeps them (else None).
    search_time_ : float
        Wall seconds of the search phase (the trials), without the
        preparation before it and the refit, ensemble and profile after it.
    fit_time_ : float
        Wall seconds the whole ``fit`` took (within the promise of
        ``time_budget``).
    training_profile_ : automl.drift.TrainingProfile or None
        A light profile of the training table (per column its range,
        quantiles and missing rate, or its categories and their
        frequencies) and an out-of-distribution detector fitted on a sample
        of its rows; ``predict`` and ``predict_proba`` check each batch
        against it and emit one :class:`~automl.DataDriftWarning` naming the
        columns that drifted (predictions are never changed). See
        :meth:`drift_report` and :meth:`ood_score`. None (or absent, in
        models saved before it existed) when it could not be made.
    n_features_in_ : int
        Number of columns seen during fit.
    feature_names_in_ : ndarray
        Column names seen during fit.

    See Also
    --------
    AutoClassifier, AutoRegressor : The same with the task fixed.

    Notes
    -----
    Task inference: strings, booleans and categories are classification;
    non-integer floats are regression; integers with at most 20 distinct
    values, seen on average ten times each (any three values on small data),
    are classification; the selectors inside the pipelines use the same rule.

    Bad input: empty ``X``, ``X`` and ``y`` of different lengths, missing
    target values, one class, a constant target, duplicated column names and
    columns missing at predict time raise ``ValueError``; infinite values are
    treated as missing and entirely missing columns are dropped, each with a
    warning; extra columns at predict time are ignored with a warning.
    A candidate that fails is recorded in ``leaderboard_`` and the search
    goes on; if all fail, ``fit`` raises with the first error.

    ``score`` uses the search metric, as ``GridSearchCV.score`` does.

    Time: candidates run in worker processes, stopped at the search's end
    (which moves earlier as the refit of the best ones needs more room).
    While the workers start (seconds, more on a busy machine), the cheapest
    candidate (the linear model's default) is cross-validated in this
    process, so that short budgets end with a model. A fold is not started
    when the candidate's folds so far took longer on average than the time
    left; each fold's boosters (XGBoost, LightGBM, HistGradientBoosting)
    and the MLP instead stop at that fold's share of the time left, so that
    a slow candidate ends with every fold scored on shorter models rather
    than with none; the refit keeps the length reached in the folds. The
    table preprocessor of each fold is fitted once per worker and shared by
    the candidates that start with the same one (it sees the fold's
    training rows only). The refit runs with as many threads as the search
    had workers, the time its estimate (from the workers' fits) assumes.

    Categorical columns: the boosters try them both encoded (one-hot or
    target encoding) and as native categories
    (``TablePreprocessor(categorical_encoding="native")``), starting from
    native ones on 1,000 rows or more. On imbalanced classes, the boosters
    start with class weights only when the metric scores labels (accuracy,
    F1, ...): they distort probabilities and did not help ROC AUC; the
    forests and linear models start with them; the search can still choose
    them, or a resampler.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from automl import AutoPipeline
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> model = AutoPipeline(time_budget=20, max_trials=3, random_state=0).fit(X, y)
    >>> model.task_, model.metric_
    ('binary', 'roc_auc')
    >>> bool(model.best_score_ > 0.95)
    True
    """

    _parameter_constraints: dict = {
        "time_budget": [Interval(Real, 0, None, closed="neither")],
        "task": [StrOptions({"auto", "binary", "multiclass", "regression"})],
        "metric": [str, callable],
        "decision_metric": [str],
        "cv": [StrOptions({"auto", "time"}), Interval(Integral, 2, None, closed="left"), "cv_object"],
        "time_column": [str, None],
        "search": [StrOptions({"bayes", "random", "grid", "halving", "hyperband", "tpe"})],
        "models": [list, None],
        "max_trials": [Interval(Integral, 1, None, closed="left"), None],
        "categorical_columns": [list, None],
        "ensemble": [StrOptions({"greedy", "stacking", "none"})],
        "fold_bagging": [StrOptions({"auto"}), "boolean"],
        "selection": [StrOptions(set(SELECTION_RULES))],
        "keep_oof": [StrOptions({"best", "all"}), None],
        "portfolio": [StrOptions({"handwritten", "learned"}), str, os.PathLike],
        "ensemble_predict_cost": [Interval(Real, 0, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "backend": [StrOptions({"auto", "loky", "dask"})],
        "device": [StrOptions({"auto", "cpu", "cuda"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callback": [callable, None],
    }

    def __init__(
        self,
        time_budget=60,
        *,
        task="auto",
        metric="auto",
        decision_metric="auto",
        cv="auto",
        time_column=None,
        search="bayes",
        models=None,
        max_trials=None,
        categorical_columns=None,
        ensemble="greedy",
        ensemble_predict_cost=0.2,
        fold_bagging="auto",
        selection="best",
        keep_oof=None,
        portfolio="handwritten",
        n_jobs=None,
        backend="auto",
        device="auto",
        random_state=None,
        verbose=0,
        callback=None,
    ):
        self.time_budget = time_budget
        self.task = task
        self.metric = metric
        self.decision_metric = decision_metric
        self.cv = cv
        self.time_column = time_column
        self.search = search
        self.models = models
        self.max_trials = max_trials
        self.categorical_columns = categorical_columns
        self.ensemble = ensemble
        self.ensemble_predict_cost = ensemble_predict_cost
        self.fold_bagging = fold_bagging
        self.selection = selection
        self.keep_oof = keep_oof
        self.portfolio = portfolio
        self.n_jobs = n_jobs
        self.backend = backend
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callback = callback

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, groups=None):
        """Search for the best pipeline within ``time_budget`` and refit it.

        Four phases, each a method: plan (task, metric, CV, context, the
        clock), search (the trials), finalise (refit, ensemble) and describe
        (calibration, threshold, leaderboard, fitted attributes).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training data: numbers, strings, categories, booleans, datetimes,
            missing values.
        y : array-like of shape (n_samples,)
            Target.
        groups : array-like of shape (n_samples,), default=None
            Group labels: switches to group k-fold cross-validation.

        Returns
        -------
        self : AutoPipeline
            The fitted estimator.
        """
        budget = Budget(self.time_budget)
        target_name = getattr(y, "name", None)
        X, y, groups = check_fit_input(self, X, y, groups, time_column=self.time_column)
        plan = self._plan(X, y, groups, budget, target_name)
        folder = tempfile.mkdtemp(prefix="automl-")
        try:
            result = self._search(plan, folder)
            final = self._finalise(plan, result.trials)
        finally:
            for trial in getattr(self, "trials_", []):
                trial.models_path = None  # the files go with the temporary folder
            shutil.rmtree(folder, ignore_errors=True)
        self._describe(plan, result, final)
        _drop_oof(self.trials_, final, self.keep_oof)
        return self

    def _plan(self, X, y, groups, budget, target_name):
        """Plan phase: the task, the metric, the folds and what the search knows."""
        seed = self._seed()
        self.task_ = self._resolve_task(y)
        if self.task == "auto" and type(self) is AutoPipeline:
            line = task_decision(y, self.task_, target_name)
            if line:
                warnings.warn(line, UserWarning, stacklevel=3)
        classes = None
        if is_classification(self.task_):
            classes = self.classes_ = np.unique(y)
        else:
            y = y.astype(np.float64)
        self.metric_, scorer = resolve_scorer(self.metric, self.task_, classes)
        self.decision_metric_ = resolve_decision_metric(
            self.decision_metric, self.metric, self.metric_, self.task_)[0]
        table = TablePreprocessor(
            categorical_columns=self._categoricals(X),
            target_type="continuous" if classes is None else self.task_,
            random_state=seed,
        )
        # the table on all rows: the refit's, and the measure of what a fold costs
        fitted_table = TimedTable(table, X, y)
        time_order = self._time_order(X)
        folds, self.cv_ = make_cv(self.task_, self.cv, y, groups=groups, time_order=time_order,
                                  random_state=seed, max_fits=self._affordable_fits(fitted_table))
        self.device_ = resolve_device(self.device)
        # time-ordered folds: boosters validate early stopping on the latest rows
        time_ordered = is_time_ordered(self.cv, time_order)
        ctx = self._context(X, y, seed, time_ordered=time_ordered)
        return FitPlan(X=X, y=y, classes=classes, scorer=scorer, seed=seed, table=table,
                       fitted_table=fitted_table, folds=folds, ctx=ctx,
                       families=families_for(self.task_, self.models),
                       n_workers=self._n_workers(), budget=budget,
                       time_order=_time_positions(time_ordered, time_order, len(y)))

    def _search(self, plan, folder):
        """Search phase: the trials, until the search's end or ``max_trials``."""
        data_path = SearchData(plan.X, plan.y, plan.folds, plan.classes, plan.table).dump(
            os.path.join(folder, "data.joblib"))
        # room for the refit of the best and, with an ensemble, of the next
        # best (members that still do not fit in time are left out)
        n_refits = 1 if self.ensemble == "none" else ENSEMBLE_REFITS
        n_rows, n_rows_fold = len(plan.y), plan.n_samples_fold

        def reserve(finished):
            estimates = [refit_seconds(t.fit_time, len(t.scores), n_rows, n_rows_fold)
                         for t in finished[:n_refits]]
            return plan.budget.final_reserve(estimates, n_refits)

        plan.setup_seconds = plan.budget.elapsed()
        with SearchProgress(self.verbose, self.time_budget, self.callback) as progress:
            result = run_search(
                families=plan.families, ctx=plan.ctx, scorer=plan.scorer, data_path=data_path,
                strategy=self.search, deadline=plan.budget.deadline, reserve=reserve,
                max_trials=self.max_trials, n_workers=plan.n_workers, random_state=plan.seed,
                log=progress.log, callback=progress,
                models_dir=None if self.fold_bagging is False else folder,
                dask_client=self._dask_client(),
            )
        plan.search_seconds = plan.budget.elapsed() - plan.setup_seconds
        self.trials_ = result.trials
        return result

    def _finalise(self, plan, trials):
        """Final phase: the best candidates refitted on all rows, maybe ensembled."""
        ok = sorted([t for t in trials if t.ok and t.train_fraction == 1.0],
                    key=lambda t: -t.score)
        if not ok:
            self._raise_no_candidate(trials, plan.setup_seconds)
        # the refit has the threads the user gave the search (its time is
        # estimated from the workers' fits; more threads than cores crawl
        # on a busy machine)
        refit_threads = min(plan.n_workers, cpu_count())
        refitter = Refitter(plan.X, plan.y, plan.table, replace(plan.ctx, n_jobs=refit_threads),
                            classes=plan.classes, fitted_table=plan.fitted_table)
        scoring = OOFScoring(plan.y, self.task_, plan.classes, plan.scorer, metric=self.metric)
        final_ctx = FinalModelContext(scoring, refitter, plan.folds, plan.budget,
                                      plan.n_samples_fold)
        if plan.classification:  # OOF of members trained balanced, back to the priors
            ok = correct_trials(ok, refitter.prior)
        ok = order_for_selection(ok, self.selection, fold_size_ratio(plan.folds))
        try:
            with threadpool_limits(refit_threads):
                return build_final_model(
                    ok, ensemble=self.ensemble, fold_bagging=self.fold_bagging,
                    max_predict_cost=self.ensemble_predict_cost, ctx=final_ctx,
                    selection=self.selection)
        except KeyboardInterrupt:  # Ctrl-C: the best model fitted so far, if any
            final = interrupted_final_model(ok, final_ctx)
            if final is None:
                raise
            return final

    def _describe(self, plan, result, final):
        """Describe phase: decision rule, leaderboard, training profile, fitted attributes."""
        decision = self._decide(final, plan)
        self.model_ = decision.estimator
        self.threshold_, self.calibration_ = decision.threshold, decision.calibration
        self.decision_ = decision.report
        self.oof_predictions_ = decision.oof
        self.best_pipeline_ = final.best_pipeline
        best = final.best_single
        self.best_score_ = best.score
        self.best_config_ = {"family": best.family.name, **best.config}
        self.best_params_ = changed_params(refitted_pipeline(best, plan.ctx, plan.table))
        self.ensemble_ = _members_frame(final)
        self.ensemble_notes_ = list(final.notes)
        self.devices_ = {f.name: family_device(f.name, plan.ctx) for f in plan.families}
        ratio = fold_size_ratio(plan.folds)
        self.leaderboard_ = leaderboard(result.trials, final, devices=self.devices_, ratio=ratio)
        full = [t for t in result.trials if t.ok and t.train_fraction == 1.0]
        self.selection_ = selection_summary(full, self.selection, ratio, best, final)
        self.cv_results_ = cv_results(result.trials)
        self.training_profile_ = fit_profile(
            plan.X, deadline=plan.budget.end, categorical_columns=self._categoricals(plan.X),
            time_column=self.time_column, random_state=plan.seed)
        self.search_time_ = plan.search_seconds
        self.fit_time_ = plan.budget.elapsed()

    def _seed(self):
        """The fit's integer seed: ``random_state`` as scikit-learn reads it."""
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _decide(self, final, plan):
        """Calibration and decision threshold on the OOF predictions (``automl._decision``)."""
        try:
            return decide(final.estimator, final.oof, plan.X, plan.y, task=self.task_,
                          classes=getattr(self, "classes_", None),
                          decision_metric=self.decision_metric_, random_state=plan.seed,
                          ranking=ranks_rows(self.metric_), time_order=plan.time_order)
        except KeyboardInterrupt:
            warnings.warn("Interrupted while calibrating: keeping the model without "
                          "calibration or a tuned threshold.", UserWarning, stacklevel=3)
            return Decision(final.estimator, final.oof, self.decision_metric_)

    def _affordable_fits(self, fitted_table):
        """Fits one candidate may make, from the table's time (None: sizes decide).

        A fold of the cheapest candidate costs about twice the table's fit
        on all rows (the table's fit and transform on the fold, then the
        model); its cross-validation is held to a tenth of the budget. With
        ``max_trials`` the folds follow the data size alone, so that such a
        search stays reproducible on a busy machine.
        """
        if self.max_trials is not None:
            return None
        return affordable_fits(self.time_budget, 2 * fitted_table.seconds)

    def _raise_no_candidate(self, trials, setup_seconds):
        failures = [t for t in trials if t.status == "error"]
        if failures:
            first = failures[0]
            raise ValueError(
                f"Every candidate pipeline failed; the first ({first.family.name}) with: "
                f"{first.error}"
            )
        raise ValueError(
            f"No candidate pipeline finished within time_budget={self.time_budget}s "
            f"({len(trials)} started); {_budget_hint(trials, setup_seconds)}"
        )

    def _resolve_task(self, y):
        return detect_task(y, self.task)

    def _time_order(self, X):
        if self.time_column is None:
            return None
        col = X[self.time_column]
        if not pd.api.types.is_numeric_dtype(col):
            col = pd.to_datetime(col, errors="coerce", format="mixed")
        return np.argsort(col.to_numpy(), kind="stable")

    def _uses_dask(self):
        return self.backend == "dask" or (self.backend == "auto" and dask_backend_active())

    def _dask_client(self):
        return dask_client() if self._uses_dask() else None

    def _n_workers(self):
        if self._uses_dask():
            client = dask_client()
            threads = sum(client.nthreads().values()) or 1
            if self.n_jobs is None or self.n_jobs < 0:
                return threads
            return max(1, self.n_jobs)
        if self.n_jobs is None:
            return 1
        if self.n_jobs < 0:
            return max(1, cpu_count() + 1 + self.n_jobs)
        return max(1, self.n_jobs)

    def _categoricals(self, X):
        cats = list(self.categorical_columns or [])
        unknown = [c for c in cats if c not in X.columns]
        if unknown:
            raise ValueError(f"categorical_columns {unknown} are not columns of X.")
        return cats or None

    def _context(self, X, y, seed, time_ordered=False):
        classification = is_classification(self.task_)
        class_counts, imbalanced, skewed = None, False, False
        if classification:
            labels, counts = np.unique(y, return_counts=True)
            class_counts = dict(zip(labels.tolist(), counts.tolist()))
            imbalanced = counts.min() / counts.sum() < 0.2
        else:
            skewed = bool(skew(y.astype(float)) > 1.0)
        return SearchContext(
            task=self.task_, n_samples=len(y), n_features=X.shape[1], random_state=seed,
            n_jobs=1, device=self.device_, imbalanced=imbalanced, skewed_target=skewed,
            class_counts=class_counts,
            native_categoricals=count_native_categoricals(X, self._categoricals(X)),
            label_metric=scores_labels(self.metric_), time_ordered=time_ordered,
            portfolio=self._learned_portfolio(), **gpu_capabilities(self.device_),
        )

    def _learned_portfolio(self):
        """``SearchContext.portfolio`` for the ``portfolio`` parameter."""
        if self.portfolio == "learned":
            return shipped_portfolio()
        if self.portfolio == "handwritten":
            return None
        try:
            return load_portfolio(self.portfolio)
        except (OSError, ValueError) as exc:
            # scikit-learn's wording for a bad parameter, and its error type
            raise InvalidParameterError(
                f"The 'portfolio' parameter of {type(self).__name__} must be 'handwritten', "
                f"'learned' or the path of a portfolio file. Got {str(self.portfolio)!r} "
                f"instead: it could not be read ({exc})."
            ) from exc

    # -------------------------------------------------------------- predict
    def predict(self, X):
        """Predict with the best pipeline.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X = check_predict_input(self, X)
        self._warn_drift(X)
        return self.model_.predict(X)

    def _has_predict_proba(self):
        if hasattr(self, "task_"):
            regression = not is_classification(self.task_)
        else:
            regression = get_tags(self).estimator_type == "regressor"
        if regression:
            raise AttributeError(
                f"{type(self).__name__} has no predict_proba: the task is regression."
            )
        return True

    @available_if(_has_predict_proba)
    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = check_predict_input(self, X)
        self._warn_drift(X)
        return self.model_.predict_proba(X)

    def _warn_drift(self, X):
        """One DataDriftWarning when the validated batch ``X`` drifted (see automl.drift)."""
        warn_drift(getattr(self, "training_profile_", None), X, stacklevel=3)

    def _profile(self, what):
        check_is_fitted(self)
        profile = getattr(self, "training_profile_", None)
        if profile is None:
            raise NotFittedError(f"{what} is unavailable: {NO_PROFILE}")
        return profile

    def drift_report(self, X):
        """How the batch ``X`` differs from the training data, column by column.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        report : DataFrame
            See :func:`automl.drift.drift_report`: per column a population
            stability index, the missing, unseen and out-of-range fractions,
            a flag and the problems in words; ``report.attrs`` holds the
            adversarial-validation ROC AUC of the whole batch.
        """
        profile = self._profile("drift_report")
        return drift_report(profile, check_predict_input(self, X))

    def ood_score(self, X):
        """Per-row out-of-distribution score in [0, 1]; higher is less like the training rows.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        score : ndarray of shape (n_samples,)
            See :class:`automl.drift.OODDetector`.
        """
        profile = self._profile("ood_score")
        return profile.ood_score(check_predict_input(self, X))

    def score(self, X, y):
        """The search metric on ``(X, y)``, greater is better.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        classes = getattr(self, "classes_", None)
        _, scorer = resolve_scorer(self.metric, self.task_, classes)
        if is_classification(self.task_):
            prediction = self.predict_proba(X)
        else:
            prediction = self.predict(X)
        return score_predictions(scorer, self.task_, np.asarray(y), prediction, classes)

    # -------------------------------------------------------------- insight
    def feature_importances(self, X=None, y=None, *, n_repeats=5, random_state=None,
                            max_rows=10_000, training=False):
        """Permutation importance of each input column, through the whole model.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Labelled rows, ideally held out. Required: the model does not
            keep its training table (a ValueError says so).
        y : array-like of shape (n_samples,)
        n_repeats : int, default=5
            Shuffles per column.
        random_state : int, default=None
            Seed of the subsample and the shuffles; None means 0.
        max_rows : int or None, default=10_000
            Score on a random subsample of this many rows (None: all).
        training : bool, default=False
            ``X, y`` are the training rows (noted: what the model relies on).

        Returns
        -------
        importances : DataFrame
            One row per input column: ``column``, ``importance`` (drop of
            the search metric), ``std``, ``rank``; see
            :func:`automl.insight.feature_importances`.
        """
        from automl.insight import feature_importances

        check_is_fitted(self)
        return feature_importances(self, X, y, n_repeats=n_repeats, random_state=random_state,
                                   max_rows=max_rows, training=training)

    def error_analysis(self, X=None, y=None, *, training=False, min_rows=30,
                       random_state=None):
        """The segments of the input where the model errs most.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Labelled rows. Required (a ValueError says so).
        y : array-like of shape (n_samples,)
        training : bool, default=False
            ``X, y`` are the training rows, in order: scored with
            ``oof_predictions_`` (out of fold, no leakage).
        min_rows : int, default=30
            Smaller segments are left out.
        random_state : int, default=None
            Seed of the bootstrap intervals; None means 0.

        Returns
        -------
        segments : DataFrame
            Ranked segments with rows, error, interval, gap, share of the
            excess error; ``attrs`` holds the confusion matrix and per-class
            metrics or the residual summary. See
            :func:`automl.insight.error_analysis`.
        """
        from automl.insight import error_analysis

        check_is_fitted(self)
        return error_analysis(self, X, y, training=training, min_rows=min_rows,
                              random_state=random_state)

    def report(self, X=None, y=None, path="report.html", *, training=False, force=False,
               n_repeats=5, random_state=None):
        """Write a self-contained HTML report on the model (works offline).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features), default=None
            Rows to report on; None: the search and the model only.
        y : array-like of shape (n_samples,), default=None
            Their labels; None: predictions and data checks only.
        path : str or Path, default="report.html"
            Written atomically; an existing file only with ``force=True``.
        training : bool, default=False
            ``X, y`` are the training rows, in order: scored out of fold.
        force : bool, default=False
        n_repeats : int, default=5
            Permutation repeats of the importances.
        random_state : int, default=None

        Returns
        -------
        path : Path
            See :func:`automl.insight.write_report` (needs matplotlib: the
            ``report`` extra).
        """
        from automl.insight import write_report

        check_is_fitted(self)
        return write_report(self, path, X, y, training=training, force=force,
                            n_repeats=n_repeats, random_state=random_state)

    def distill(self, X=None, y=None, *, time_budget=60, student="auto", augment=True,
                random_state=None):
        """A single booster trained to mimic ``model_``: smaller and faster to ship.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The rows to distil on, ideally the training rows. Required: the
            model does not keep its training table (None raises a
            ValueError saying so).
        y : array-like of shape (n_samples,), default=None
            Their true labels, to choose the student's size on held-out
            rows; None: chosen by fidelity to this model.
        time_budget : float, default=60
            Seconds, kept as ``fit`` keeps its budget.
        student : {"auto", "lightgbm", "hist_gradient_boosting"}, default="auto"
        augment : bool, default=True
            Add synthetic rows (values resampled column by column).
        random_state : int, default=None

        Returns
        -------
        student : Pipeline or FixedThresholdClassifier
            A plain fitted scikit-learn estimator with this model's
            ``predict`` (and ``predict_proba``), ``classes_`` and
            ``feature_names_in_``; ``automl.save`` writes it. See
            :func:`automl._distill.distill`.
        """
        from automl._distill import distill

        return distill(self, X, y, time_budget=time_budget, student=student, augment=augment,
                       random_state=random_state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.task in ("binary", "multiclass"):
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags()
        elif self.task == "regression":
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.non_deterministic = self.max_trials is None
        return tags


class AutoClassifier(ClassifierMixin, AutoPipeline):
    """:class:`AutoPipeline` for classification: scikit-learn sees a classifier.

    ``task`` may be ``"auto"`` (binary or multiclass from ``y``),
    ``"binary"`` or ``"multiclass"``; see :class:`AutoPipeline` for the rest.

    Examples
    --------
    >>> from sklearn.base import is_classifier
    >>> from automl import AutoClassifier
    >>> is_classifier(AutoClassifier())
    True
    """

    def _resolve_task(self, y):
        if self.task == "regression":
            raise ValueError("AutoClassifier cannot have task='regression'; use AutoRegressor.")
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: AutoClassifier needs class labels, but y is {kind}; "
                "use AutoRegressor for a numeric target."
            )
        if self.task == "auto":
            return detect_task(y, "binary" if pd.Series(y).nunique() == 2 else "multiclass")
        return detect_task(y, self.task)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        return tags

    def score(self, X, y):
        return AutoPipeline.score(self, X, y)


class AutoRegressor(RegressorMixin, AutoPipeline):
    """:class:`AutoPipeline` for regression: scikit-learn sees a regressor.

    Examples
    --------
    >>> from sklearn.base import is_regressor
    >>> from automl import AutoRegressor
    >>> is_regressor(AutoRegressor())
    True
    """

    def _resolve_task(self, y):
        if self.task not in ("auto", "regression"):
            raise ValueError(f"AutoRegressor cannot have task={self.task!r}; use AutoClassifier.")
        return detect_task(y, "regression")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        return tags

    def score(self, X, y):
        return AutoPipeline.score(self, X, y)


def _budget_hint(trials, setup_seconds):
    """What budget would have given a model, from the stopped candidates' progress.

    A stopped candidate knows how long its folds took; the smallest workable
    budget is the preparation before the search plus the cheapest
    candidate's cross-validation and refit (a fold's worth more), with the
    margin the search keeps.
    """
    stopped = [t for t in trials if np.isfinite(t.needed_time)]
    if not stopped:
        return (f"not one fold finished in the time the search had, after {setup_seconds:.1f} s "
                "of preparation: give it several times more.")
    cheapest = min(stopped, key=lambda t: t.needed_time)
    smallest = int(np.ceil(REFIT_MARGIN * (setup_seconds + 1.5 * cheapest.needed_time)))
    return (f"the cheapest ({cheapest.family.name}) needed about {cheapest.needed_time:.1f} s "
            f"to cross-validate, after {setup_seconds:.1f} s of preparation: "
            f"time_budget={smallest} or more should give a model.")


def _members_frame(final):
    """``ensemble_``: one row per member of the final model."""
    rows = [{
        "trial": t.trial_id,
        "family": t.family.name,
        "weight": float(w),
        "fitted_on": "folds (bagged)" if final.bagged.get(t.trial_id) else "all rows",
        "score": t.score,
    } for t, w in zip(final.members, final.weights)]
    frame = pd.DataFrame(rows, columns=["trial", "family", "weight", "fitted_on", "score"])
    frame.attrs.update(kind=final.kind, oof_score=final.oof_score,
                       best_single_oof_score=final.best_single_oof,
                       predict_cost=final.predict_cost)
    return frame


def _drop_oof(trials, final, keep):
    """Clear ``Trial.oof`` except where ``keep_oof`` keeps it (see ``AutoPipeline``)."""
    if keep == "all":
        return
    kept = set()
    if keep == "best":
        kept = {final.best_single.trial_id} | {t.trial_id for t in final.members}
    for trial in trials:
        if trial.trial_id not in kept:
            trial.oof = None


def _time_positions(time_ordered, time_order, n_samples):
    """The rows' positions in time order for time-ordered folds (row order without a column)."""
    if not time_ordered:
        return None
    return np.arange(n_samples) if time_order is None else np.asarray(time_order)
