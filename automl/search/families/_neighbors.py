"""k-nearest neighbours."""

from skopt.space import Categorical, Integer
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from automl._task import is_classification
from automl.search.families._base import ModelFamily


class KNeighborsFamily(ModelFamily):
    """scikit-learn's k-nearest neighbours, on scaled inputs."""

    name = "k_nearest_neighbors"
    default_params = {"n_neighbors": 15, "weights": "distance", "p": 2}
    scaled = True

    def space(self, ctx):
        return {
            "n_neighbors": Integer(3, 100, prior="log-uniform"),
            "weights": Categorical(["uniform", "distance"]),
            "p": Categorical([1, 2]),
        }

    def build(self, task, params, ctx):
        cls = KNeighborsClassifier if is_classification(task) else KNeighborsRegressor
        # a training fold holds at least half the rows (less with the halving
        # search's subsamples): ask for no more neighbours than a quarter
        k = int(max(1, min(params["n_neighbors"], ctx.n_samples // 4)))
        return cls(n_neighbors=k, weights=params["weights"], p=params["p"], n_jobs=ctx.n_jobs)
