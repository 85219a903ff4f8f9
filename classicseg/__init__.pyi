"""Type stub of the lazily loaded package (scikit-image's lazy-loader pattern).

Editors and type checkers read the public names here; at run time
``classicseg/__init__.py`` loads them on first access (PEP 562). Every name
of ``_EXPORTS`` is imported here from the module ``_EXPORTS`` names, and
``__all__`` is the same list; ``tests/test_layout.py`` checks both.
"""

from . import batch, datasets, features, hierarchy, learned, metrics
from ._validate import ConvergenceWarning, MemoryLimitError
from .features import FEATURE_SPACES, pixel_features
from ._kmeans import kmeans, kmeans_segment, KMeansResult
from ._meanshift import mean_shift, meanshift_segment, MeanShiftResult
from ._window import estimate_window
from ._ncut import ncut_partition, ncut_segment, ncut_value, NcutResult
from ._pixel_graph import affinity_graph
from ._regions import merge_small_regions
from ._contours import contours, Contours
from ._owt import contour_hierarchy
from .hierarchy import (
    fusion_features,
    hierarchical_segment,
    Hierarchy,
    merge_hierarchy,
    region_graph,
    RegionGraph,
)

__version__: str

__all__ = [
    "Contours",
    "ConvergenceWarning",
    "FEATURE_SPACES",
    "Hierarchy",
    "KMeansResult",
    "MeanShiftResult",
    "MemoryLimitError",
    "NcutResult",
    "RegionGraph",
    "affinity_graph",
    "batch",
    "contour_hierarchy",
    "contours",
    "datasets",
    "estimate_window",
    "features",
    "fusion_features",
    "hierarchical_segment",
    "hierarchy",
    "kmeans",
    "kmeans_segment",
    "learned",
    "mean_shift",
    "meanshift_segment",
    "merge_hierarchy",
    "merge_small_regions",
    "metrics",
    "ncut_partition",
    "ncut_segment",
    "ncut_value",
    "pixel_features",
    "region_graph",
    "warmup",
]


def warmup() -> None: ...
