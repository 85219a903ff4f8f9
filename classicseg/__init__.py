"""classicseg: classical image segmentation with Numba kernels.

k-means, mean shift and normalized cut over pixel features, returning label
images that scikit-image's ``label2rgb``, ``mark_boundaries`` and
``regionprops`` take as they are. Importing the package compiles nothing, and
algorithm modules load on first use; :func:`warmup` compiles the common
kernels ahead of time.
"""

import importlib

__version__ = "0.1.0.dev0"

# Public name -> module that defines it (loaded on first access, PEP 562).
_EXPORTS = {
    "ConvergenceWarning": "._validate",
    "MemoryLimitError": "._validate",
    "FEATURE_SPACES": ".features",
    "pixel_features": ".features",
    "KMeansResult": "._kmeans",
    "kmeans": "._kmeans",
    "kmeans_segment": "._kmeans",
    "MeanShiftResult": "._meanshift",
    "mean_shift": "._meanshift",
    "estimate_window": "._window",
    "meanshift_segment": "._meanshift",
    "NcutResult": "._ncut",
    "affinity_graph": "._pixel_graph",
    "ncut_value": "._ncut",
    "ncut_partition": "._ncut",
    "ncut_segment": "._ncut",
    "merge_small_regions": "._regions",
    "Hierarchy": ".hierarchy",
    "RegionGraph": ".hierarchy",
    "region_graph": ".hierarchy",
    "merge_hierarchy": ".hierarchy",
    "fusion_features": ".hierarchy",
    "hierarchical_segment": ".hierarchy",
    "Contours": "._contours",
    "contours": "._contours",
    "contour_hierarchy": "._owt",
}
_SUBMODULES = ("batch", "datasets", "features", "hierarchy", "learned", "metrics")

__all__ = sorted([*_EXPORTS, *_SUBMODULES, "warmup"])


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module("." + name, __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return __all__


def warmup():
    """Compile (or load from the cache) the kernels of the common paths.

    Numba compiles a kernel at its first call; ``cache=True`` stores the
    machine code, so only the first process on a machine pays. Call this once
    to move that cost out of a timed or interactive section.
    """
    import numpy as np

    from ._kmeans import kmeans_segment
    from ._meanshift import meanshift_segment
    from ._ncut import ncut_segment
    from .hierarchy import hierarchical_segment

    img = np.random.default_rng(0).random((8, 8, 3)).astype(np.float32)
    kmeans_segment(img, 2)
    meanshift_segment(img, 21)
    meanshift_segment(img, 21, climb_stride=2)  # the recommended approximation's fill
    ncut_segment(img, 2, rng=0)
    hierarchical_segment(img).cut(0.5)  # contours, their oriented watershed, the merge
