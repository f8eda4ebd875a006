"""drift_report: the per-column comparison plus adversarial validation of the whole batch."""

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

# Adversarial validation: an out-of-fold ROC AUC above this says a classifier
# tells the batch from the training rows. Under i.i.d. rows it is 0.5 with a
# standard deviation of about sqrt((2n + 1) / (12 n^2)): 0.058 at the
# ADVERSARIAL_MIN_ROWS = 50 rows it needs, 0.013 at 1,000.
ADVERSARIAL_THRESHOLD = 0.7
ADVERSARIAL_MIN_ROWS = 50


def adversarial_auc(reference, new, *, max_rows=1000, random_state=0):
    """Out-of-fold ROC AUC of a classifier telling ``new`` rows from ``reference`` rows.

    Both are numeric matrices in the same encoding; at most ``max_rows`` of
    each (as many of each) are used, in 3-fold cross-validation of a small
    :class:`~sklearn.ensemble.RandomForestClassifier` (50 trees on one
    core: a second or two on 1,000 + 1,000 rows). 0.5: the classifier cannot
    tell them apart; 1: it always can.

    Returns
    -------
    auc : float
        NaN when either side has fewer than 50 rows.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> a, b = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
    >>> bool(abs(adversarial_auc(a, b) - 0.5) < 0.1), bool(adversarial_auc(a, b + 2) > 0.9)
    (True, True)
    """
    rng = np.random.RandomState(random_state)
    n = min(len(reference), len(new), max_rows)
    if n < ADVERSARIAL_MIN_ROWS:
        return float("nan")
    a = reference[rng.permutation(len(reference))[:n]]
    b = new[rng.permutation(len(new))[:n]]
    Z = np.vstack([a, b]).astype(np.float64)
    label = np.r_[np.zeros(n), np.ones(n)]
    clf = RandomForestClassifier(n_estimators=50, min_samples_leaf=3, max_features="sqrt",
                                 n_jobs=1, random_state=random_state)
    folds = StratifiedKFold(3, shuffle=True, random_state=random_state)
    proba = cross_val_predict(clf, Z, label, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(label, proba))


def drift_report(profile, X, *, adversarial=True, max_rows=1000, random_state=0):
    """How a batch ``X`` differs from the training table of a fitted ``profile``.

    Parameters
    ----------
    profile : TrainingProfile
        Fitted.
    X : DataFrame or array-like of shape (n_samples, n_features)
        The batch, raw.
    adversarial : bool, default=True
        Also run adversarial validation (needs ``profile.detector_``, whose
        reference rows stand for the training rows; a second at most).
    max_rows : int, default=1000
        Rows of each side used by adversarial validation.
    random_state : int, default=0
        Seeds the adversarial classifier and its samples.

    Returns
    -------
    report : DataFrame
        One row per column, as :meth:`TrainingProfile.compare`; its
        ``attrs`` hold ``adversarial_auc`` (NaN when not run or under 50
        rows), ``adversarial_flag`` (AUC above 0.7), ``n_rows`` and
        ``n_flagged``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from automl.drift import TrainingProfile, drift_report
    >>> rng = np.random.RandomState(0)
    >>> X = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    >>> profile = TrainingProfile(random_state=0).fit(X.iloc[:400])
    >>> new = X.iloc[400:].assign(b=lambda d: d["b"] + 5)
    >>> report = drift_report(profile, new)
    >>> report[["column", "flag"]].to_dict("list")
    {'column': ['a', 'b', 'c'], 'flag': [False, True, False]}
    >>> bool(report.attrs["adversarial_auc"] > 0.9), report.attrs["adversarial_flag"]
    (True, True)
    """
    report = profile.compare(X)
    auc = float("nan")
    if adversarial and profile.detector_ is not None:
        new = profile.detector_.encode(X)
        auc = adversarial_auc(profile.detector_.reference_, new, max_rows=max_rows,
                              random_state=random_state)
    report.attrs.update(adversarial_auc=auc, adversarial_flag=bool(auc > ADVERSARIAL_THRESHOLD),
                        n_rows=int(len(X)), n_flagged=int(report["flag"].sum()))
    return report
