"""classicseg: classical image segmentation with Numba kernels.

k-means, mean shift and normalized cut over pixel features, returning label
images that scikit-image's ``label2rgb``, ``mark_boundaries`` and
``regionprops`` take as they are. Importing the package compiles nothing;
:func:`warmup` compiles the common kernels ahead of time.
"""

from ._kmeans import KMeansResult, kmeans, kmeans_segment
from ._validate import ConvergenceWarning
from .features import FEATURE_SPACES, pixel_features

__version__ = "0.1.0.dev0"

__all__ = [
    "ConvergenceWarning",
    "FEATURE_SPACES",
    "KMeansResult",
    "kmeans",
    "kmeans_segment",
    "pixel_features",
    "warmup",
]


def warmup():
    """Compile (or load from the cache) the kernels of the common paths.

    Numba compiles a kernel at its first call; ``cache=True`` stores the
    machine code, so only the first process on a machine pays. Call this once
    to move that cost out of a timed or interactive section.
    """
    import numpy as np

    img = np.random.default_rng(0).random((8, 8, 3)).astype(np.float32)
    kmeans_segment(img, 2, features="rgbxy", rng=0)
