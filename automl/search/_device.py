"""Which device the models run on, found without any GPU library installed.

``device="auto"`` asks the NVIDIA driver (``libcuda``, through ctypes) how
many GPUs are visible: no CuPy, PyTorch or cuML is needed to decide, so the
package imports and runs on machines without them. Each model family then
says what it can do with a GPU (its ``runs_on``, see ``family_device``):
XGBoost runs on it natively; LightGBM's PyPI wheel has only its OpenCL GPU
learner, used when an OpenCL device answers; random forests and linear
models move to cuML when it is installed; the other families stay on the
CPU.
"""

import ctypes
import functools
import importlib.util
import os

from automl.search.families import FAMILIES


def cuda_device_count():
    """Number of NVIDIA GPUs the driver reports; 0 without a driver or GPU."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return 0
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return 0
    count = ctypes.c_int(0)
    if cuda.cuInit(0) != 0 or cuda.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return 0
    return int(count.value)


def resolve_device(device):
    """``"cpu"`` or ``"cuda"`` for the ``device`` parameter.

    ``"auto"`` is ``"cuda"`` when a GPU is visible, else ``"cpu"``;
    ``"cuda"`` without one raises ``ValueError``.
    """
    if device == "cpu":
        return "cpu"
    n = cuda_device_count()
    if device == "cuda" and n == 0:
        raise ValueError(
            "device='cuda' but no usable NVIDIA GPU was found (no driver, no device, or "
            "CUDA_VISIBLE_DEVICES hides them); use device='auto' or 'cpu'."
        )
    return "cuda" if n > 0 else "cpu"


@functools.lru_cache(maxsize=1)
def lightgbm_gpu_usable():
    """Whether LightGBM's OpenCL GPU learner runs here (a tiny fit, cached)."""
    import numpy as np
    from lightgbm import LGBMRegressor

    X = np.arange(40, dtype=float).reshape(20, 2)
    try:
        LGBMRegressor(device_type="gpu", n_estimators=1, verbose=-1).fit(X, X[:, 0])
    except Exception:  # LightGBMError: no OpenCL device, or a build without it
        return False
    return True


@functools.lru_cache(maxsize=1)
def cuml_available():
    """Whether RAPIDS cuML can be imported."""
    return importlib.util.find_spec("cuml") is not None


def gpu_capabilities(device):
    """What the families may use on ``device``: ``SearchContext`` fields, as keyword arguments.

    ``lightgbm_gpu`` (LightGBM's OpenCL learner runs) and ``cuml`` (cuML
    imports); both False off the GPU.
    """
    if device != "cuda":
        return {"lightgbm_gpu": False, "cuml": False}
    return {"lightgbm_gpu": lightgbm_gpu_usable(), "cuml": cuml_available()}


def family_device(name, ctx):
    """Where family ``name`` runs under ``ctx``, as its ``runs_on`` says.

    ``"cpu"``, ``"cuda"`` (XGBoost), ``"cuda (OpenCL)"`` (LightGBM) or
    ``"cuda (cuML)"``.
    """
    return FAMILIES[name].runs_on(ctx)
