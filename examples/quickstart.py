"""Fit AutoPipeline on a dataset scikit-learn ships, and print what it found.

Run: ``python examples/quickstart.py [time_budget_seconds]``.
"""

import sys

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from automl import AutoPipeline


def main(budget=30.0):
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    model = AutoPipeline(time_budget=budget, random_state=0).fit(X_train, y_train)
    board = model.leaderboard_
    print(board[["rank", "family", "score", "score_std", "fit_time", "status"]].head(10)
          .to_string(index=False))
    print(f"\n{len(board)} pipelines tried in {model.search_time_:.1f} s "
          f"(budget {budget:g} s); metric {model.metric_}, CV {model.cv_}.")
    print(f"Best: {model.best_config_['family']}, CV score {model.best_score_:.4f}")
    print(f"Test-set score ({model.metric_}): {model.score(X_test, y_test):.4f}")
    print("\nThe best pipeline, a plain scikit-learn object:")
    print(model.best_pipeline_)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 30.0)
