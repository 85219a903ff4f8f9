"""The call layer of the region-graph and merge-tree kernels.

Argument checks shared by every caller, the run-based region graph of a
label image (:func:`graph_of_labels`, the one call of
:func:`~classicseg._kernels.hierarchy.label_graph`) and the greedy merge
(:func:`merge_graph`). :mod:`classicseg.hierarchy` builds its public
functions on it, as do :mod:`classicseg._regions` (small-region merging)
and :mod:`classicseg._linkage` (the size prior of ``contour_hierarchy``).
"""

import functools

import numpy as np
from scipy import ndimage as ndi

from ._kernels import hierarchy as _k
from ._validate import check_array, check_labels, check_memory


def leaf_graph(labels, mask, boundary, connectivity):
    """Leaves (connected components of ``labels`` inside ``mask``) and their region graph.

    Returns ``ids`` (int64, the labels' shape: leaf 0.. in raster order of
    first pixel, -1 outside) and ``(n, a, b, length, total, sizes)``.
    """
    inside = None if mask is None else np.ascontiguousarray(mask).reshape(-1)
    ids, n, a, b, length, total, sizes = graph_of_labels(labels, inside, boundary, connectivity,
                                                      connect=True)
    if n < 1:
        raise ValueError("labels have no region inside the mask")
    return ids.reshape(labels.shape), (n, a, b, length, total, sizes)


def graph_of_labels(labels, inside, boundary, connectivity, *, connect, n_labels=0):
    """Call of the :func:`~classicseg._kernels.hierarchy.label_graph` kernel."""
    shape = labels.shape
    flat = np.ascontiguousarray(labels, dtype=np.int64).reshape(-1)
    # Per pixel an id, and at most one run (end, label, inside).
    if 25 * flat.size > 2**26:
        check_memory(25 * flat.size, "the region graph's runs", "pass a smaller label image")
    starts, stops, steps = row_segments(tuple(shape), connectivity)
    flat_boundary = (np.zeros(1, np.float32) if boundary is None
                     else np.ascontiguousarray(boundary).reshape(-1))
    *out, finite = _k.label_graph(flat, np.zeros(0, np.bool_) if inside is None else inside,
                                  shape[-1], starts, stops, steps, flat_boundary,
                                  boundary is not None, connect, n_labels)
    if not finite:
        where = "" if inside is None else " inside the mask"
        raise ValueError(f"boundary contains NaN or infinite values{where}")
    return out


def merge_graph(graph, linkage, sums, **costs):
    """Parents and merge costs of the leaves of ``graph`` (from :func:`leaf_graph`)."""
    n, a, b, length, total, sizes = graph
    if sums.shape[0] != n:
        sums = np.zeros((n, sums.shape[1]))
    return _k.merge_tree(
        n, a, b, length, total, sizes, sums, linkage, costs.get("edge_weight", 0.0),
        costs.get("size_scale", 1.0), costs.get("size_power", 0.0))


def compact_graph(ids, n, shape, boundary, connectivity):
    """The region graph of compact ids ``0 .. n-1`` (-1: no region).

    Returns ``(a, b, length, total, sizes)``.
    """
    ids = np.asarray(ids).reshape(shape)
    inside = (ids >= 0).reshape(-1) if ids.min() < 0 else None
    _, _, a, b, length, total, sizes = graph_of_labels(ids, inside, boundary, connectivity,
                                                    connect=False, n_labels=n)
    return a, b, length, total, sizes


@functools.lru_cache(maxsize=16)
def row_segments(shape, connectivity):
    """Row segments of the neighbour pairs across rows (the forward half of the
    neighbourhood but the offset ``(0, .., 0, 1)``, which the kernels walk along
    the rows themselves).

    Kept per ``(shape, connectivity)``: a call's Python work, cold, costs
    about as much as a tenth of the region graph's kernel. The arrays are
    shared between calls, so they are read-only.
    """
    nd = len(shape)
    along = (0,) * (nd - 1) + (1,)
    offsets = np.argwhere(ndi.generate_binary_structure(nd, connectivity)) - 1
    offsets = np.array([o for o in offsets if tuple(o) > (0,) * nd and tuple(o) != along],
                       dtype=np.int64).reshape(-1, nd)
    rows = _k.neighbour_rows(np.array(shape, np.int64), offsets)
    for a in rows:
        a.setflags(write=False)
    return rows


def check_label_image(labels, name="labels"):
    """``labels`` checked by :func:`~classicseg._validate.check_labels`, at least 1-D,
    bool as int64."""
    labels = check_labels(labels, name)
    if labels.ndim < 1:
        raise ValueError(f"{name} must be an array of at least 1 dimension, "
                         f"got shape {labels.shape}")
    return labels.astype(np.int64) if labels.dtype.kind == "b" else labels


def check_boundary(boundary, shape, mask=None):
    """``boundary`` of the labels' shape, 0 outside ``mask``, float32 or float64.

    NaN and inf are found by the region graph's kernel, which reads every
    value as it reads the labels (a separate scan costs more than the
    kernel's row pass on a cold cache); every use of ``boundary`` goes
    through it (:func:`graph_of_labels` raises).
    """
    if boundary is None:
        return None
    boundary = check_array(boundary, "boundary")
    if boundary.shape != tuple(shape):
        raise ValueError(f"boundary must have the labels' shape {tuple(shape)}, "
                         f"got {boundary.shape}")
    if mask is not None:
        boundary = np.where(mask, boundary, 0)
    if boundary.dtype not in (np.float32, np.float64):  # other types, other byte orders
        boundary = boundary.astype(np.float64)
    return boundary
