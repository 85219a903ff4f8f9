"""Mean shift: the array engine :func:`mean_shift` and the image function :func:`meanshift_segment`.

Mean shift with a flat kernel (Comaniciu & Meer 2002): every pixel starts a mean
at its own feature vector; the mean moves to the centroid of the points in a
flat window of size W around it until it moves less than a threshold; the
points whose modes lie within W/2 of each other form one cluster. In
:func:`meanshift_segment` a pixel takes the cluster of the mode its own climb
reached (its basin of attraction, as Comaniciu & Meer (2002) define it);
:func:`mean_shift`, the counterpart of ``sklearn.cluster.MeanShift``, labels
a sample by the nearest kept mode by default, as scikit-learn does. The two
rules differ on fine clusterings, where many pixels lie nearer to another
kept mode than to the one they climb to (the agreement is measured in
``benchmarks/results/meanshift.md``). ``assign`` chooses the rule in both.

By default every point climbs on the full point set, which is what
``sklearn.cluster.MeanShift(bandwidth=W/2, bin_seeding=False)`` computes,
with the modes merged as scikit-learn merges them (greedy suppression in
order of density). It is made fast by

* a grid over feature space with cells one window wide, so that a window
  visits only neighbouring cells;
* duplicate points climbing once, weighted by their number (exact): a
  colour-only space climbs over the distinct colours;
* for features with position, the pixel lattice, which bounds the spatial
  part of the window directly, each row of the window scanned in one
  vectorized pass (exact);
* on the lattice, exact trajectory sharing: the next mean is a function of
  the current one alone, so a climb whose mean equals, bit for bit, a point
  on an earlier climb's path stops there and takes that climb's mode, the
  very mode it would have reached (when every pixel climbs);
* in :func:`meanshift_segment`, opt-in approximate trajectory sharing by
  path joining: a climb that comes within a small distance of an earlier
  climb's path stops and takes its mode;
* in :func:`meanshift_segment`, the opt-in approximation ``climb_stride``:
  the pixels of a coarser lattice climb first, and a pixel alike in colour
  to its nearest climbing neighbour takes that neighbour's climb.

References
----------
D. Comaniciu and P. Meer, "Mean shift: a robust approach toward feature
space analysis", IEEE TPAMI 24(5), 2002.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ._kernels.meanshift import (
    LANES,
    climb_grid,
    climb_lattice,
    distinct_rows,
    fill_from_lattice,
    record_paths,
    suppress_modes,
)
from ._regions import merge_small_clusters
from ._validate import (
    ConvergenceWarning,
    check_array,
    check_finite,
    check_float,
    check_int,
    check_memory,
    check_start_label,
    check_weights,
    labels_to_image,
    prepare_image,
)
from .features import _check_spacing, feature_space_name, feature_stack

# How samples get their cluster: the mode of their own climb (Comaniciu & Meer)
# or the nearest kept mode (scikit-learn's MeanShift).
ASSIGNS = ("attractor", "nearest")
# Every value MeanShiftResult.path takes (how windows were searched); a new one is added here.
PATHS = ("grid", "brute-force", "lattice", "lattice+sharing")

# Trajectory sharing on the lattice. Exact (EXACT_SHARING, on with climb_stride = 1
# unless a test turns it off): a climb whose mean equals a point on an earlier path stops
# and takes that path's mode. Approximate (opt-in, path joining): also when
# its mean comes within JOIN_RADIUS (a fraction of the window radius) of one.
# Climbs start on coarse lattices first (SHARE_STRIDES) so that paths cover
# the image early; each batch of BATCH climbs runs in parallel against the
# paths of the batches before it (so the result does not depend on the thread
# count), and its own paths (their first PATH_LENGTH means and the mode) are
# recorded serially, in order, at most KNOWN_PER_SITE points per pixel on
# average (two measured fastest). A seed (a pixel's own feature) is neither
# looked up nor recorded.
EXACT_SHARING = True
JOIN_RADIUS = 0.01
KNOWN_PER_SITE = 2
SHARE_STRIDES = (8, 4, 2, 1)
PATH_LENGTH = 32
BATCH = 4096
# Climbs per batch when nothing is shared (climb_stride > 1 without path joining): the
# batch holds only their outputs (72 bytes a climb), and fewer parallel launches wait less.
BATCH_ALONE = 1 << 16
# climb_stride (approximate): a pixel off the lattice takes the climb of its nearest
# lattice pixel when their colours are within FILL_RADIUS range radii, else climbs.
FILL_RADIUS = 0.75
# Climbs run in bands of whole lattice rows of about this many sites, the sharing
# tables cleared at each band: on a 12-megapixel photo they would otherwise hold
# tens of millions of points (gigabytes). Images up to this size are one band.
BAND_SITES = 1 << 20

# Grids of at most this many cells keep the offset of every cell (8 bytes each).
DENSE_CELLS = 4_000_000

# The lattice path visits every pixel of the window's bounding box; beyond
# this many per query the grid over feature space is cheaper.
LATTICE_MAX_BOX = 40_000


@dataclass(frozen=True)
class MeanShiftResult:
    """Result of :func:`mean_shift` (and ``info`` of :func:`meanshift_segment`).

    Attributes
    ----------
    centers : (n_clusters, n_features) float64 ndarray
        One mode per cluster, the densest first (scikit-learn's
        ``cluster_centers_`` and their order).
    labels : (n_samples,) intp ndarray
        0-based cluster of every sample.
    counts : (n_clusters,) intp ndarray
        Number of samples in each cluster.
    n_iter : int
        Largest number of iterations of a climb.
    n_climbs : int
        Climbs actually run (distinct points, bin seeds, or the pixels
        left after trajectory sharing).
    path : str
        How windows were searched, one of :data:`PATHS`: ``"grid"``,
        ``"brute-force"`` (one cell, when the grid would not pay), ``"lattice"``
        (pixel lattice) or ``"lattice+sharing"`` (with trajectory sharing).
    """

    centers: np.ndarray
    labels: np.ndarray
    counts: np.ndarray
    n_iter: int
    n_climbs: int
    path: str


def mean_shift(X, window, *, tol=None, max_iter=300, seeds=None, bin_seeding=False,
               sample_weight=None, assign="nearest"):
    """Mean shift clustering with a flat window of size ``window``.

    Parameters
    ----------
    X : (n_samples, n_features) array_like
        Samples (computed in float64).
    window : float
        Size W of the window: a point is in the window at ``m`` when it is
        within ``W/2`` of ``m`` (scikit-learn's ``bandwidth`` is ``W/2``).
    tol : float, optional
        A climb stops when its mean moves by at most ``tol``; default
        ``1e-3 * W/2`` (scikit-learn's threshold).
    max_iter : int
        Most iterations of one climb.
    seeds : (n_seeds, n_features) array_like, optional
        Start the climbs here instead of at every sample.
    bin_seeding : bool
        Start one climb per occupied bin of a grid of cell ``W/2`` (at the
        bin's centre, as scikit-learn's ``get_bin_seeds``). Faster, not
        exact.
    sample_weight : (n_samples,) array_like, optional
        Non-negative weight of each sample in the centroids (a weight ``w``
        counts as ``w`` copies).
    assign : {"nearest", "attractor"}
        ``"nearest"`` (default): a sample takes the cluster of the nearest
        kept mode, as ``sklearn.cluster.MeanShift`` labels; the labels then
        equal scikit-learn's. ``"attractor"``: the cluster of the mode its
        own climb reached (its basin of attraction, Comaniciu & Meer; the
        default of :func:`meanshift_segment`). With ``seeds``, samples
        always take the nearest mode; with ``bin_seeding`` and
        ``"attractor"``, the mode of their bin's climb.

    Returns
    -------
    MeanShiftResult
        ``centers``, ``labels``, ``counts``, ``n_iter``, ``n_climbs``, ``path``.

    Raises
    ------
    ValueError
        ``window <= 0``, empty or non-finite ``X`` or ``seeds``, seeds of the
        wrong width or with no sample within ``W/2``; a grid and tables
        larger than half the memory available now (a ``MemoryLimitError``,
        also a ``ValueError``).
    TypeError
        Non-numeric input.

    Warns
    -----
    ConvergenceWarning
        A climb was stopped by ``max_iter`` before it moved less than ``tol``.

    Notes
    -----
    Identical samples climb once, weighted by their number, which is exact.
    Each climb queries a grid over feature space with cells ``W`` wide, so
    that a window visits at most two cells per feature; when ``2**d``
    exceeds the number of occupied cells a plain scan is used instead.
    Modes are merged greedily in order of decreasing density (weight in
    their window; ties: lexicographically largest first), each kept mode
    taking the modes within ``W/2`` of it, as scikit-learn does. Climbs run
    in parallel; results do not depend on the number of threads.

    Examples
    --------
    >>> X = [[0.0, 0.0], [0.5, 0.0], [0.0, 0.5], [10.0, 10.0], [10.5, 10.0]]
    >>> res = mean_shift(X, window=2.0)
    >>> res.labels.tolist(), res.counts.tolist()
    ([0, 0, 0, 1, 1], [3, 2])
    >>> res.centers.round(3).tolist()
    [[0.167, 0.167], [10.25, 10.0]]
    """
    X = check_array(X, "X", ndim=2)
    check_finite(X, "X")
    X = X.astype(np.float64)
    n, d = X.shape
    window = check_float(window, "window", positive=True)
    h = window / 2
    tol = 1e-3 * h if tol is None else check_float(tol, "tol", nonnegative=True)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    weights = check_weights(sample_weight, n)
    weights = np.ones(n) if weights is None else weights.astype(np.float64)
    if not isinstance(bin_seeding, (bool, np.bool_)):
        raise TypeError(f"bin_seeding must be True or False, got {bin_seeding!r}")
    _check_assign(assign)

    sample_climb = None
    if seeds is not None:
        seeds = check_array(seeds, "seeds", ndim=2).astype(np.float64)
        check_finite(seeds, "seeds")
        if seeds.shape[1] != d:
            raise ValueError(f"seeds must have {d} columns like X, got shape {seeds.shape}")
    elif bin_seeding:
        seeds, sample_climb = _bin_seeds(X, h)
    result = _shift_samples(X, weights, d, h * h, h * h, tol, max_iter, assign, seeds,
                            sample_climb)
    _warn_max_iter(result, max_iter)
    return result


def _warn_max_iter(result, max_iter):
    """Warn when a climb was stopped by ``max_iter`` rather than by ``tol``."""
    if result.n_iter >= max_iter:
        warnings.warn(f"mean shift: a climb stopped at max_iter={max_iter} before it moved "
                      "less than tol; raise max_iter (or tol)", ConvergenceWarning, stacklevel=3)


def _shift_samples(X, weights, split, r2_a, r2_b, tol, max_iter, assign, seeds=None,
                   sample_climb=None):
    """Mean shift of the samples ``X`` (n, d) float64 with ``weights`` (n,) on the grid.

    Climbs start at ``seeds`` (default: the distinct samples, each sample
    then taking its own climb), ``sample_climb`` gives each sample's climb
    (None: the nearest mode). Returns a :class:`MeanShiftResult`.
    """
    # Identical samples follow identical climbs: climb once, weighted.
    points, sample_point = np.unique(X, axis=0, return_inverse=True)
    sample_point = sample_point.reshape(-1)
    point_weight = np.bincount(sample_point, weights=weights, minlength=len(points))
    if seeds is None:
        seeds, sample_climb = points, sample_point
    d = X.shape[1]
    _check_memory(len(points) * (2 * d * 8 + 48) + len(seeds) * (2 * d * 8 + 24))
    modes, intensity, n_iter, path = _climb_grid(points, point_weight, seeds, split, r2_a, r2_b,
                                                 tol, max_iter)
    if not (intensity > 0).any():
        raise ValueError(f"No point was within window/2={np.sqrt(r2_a):g} of any seed; "
                         "check the seeds or use a larger window")
    return _clusters(modes, intensity, n_iter, None if assign == "nearest" else sample_climb, X,
                     split, r2_a, r2_b, len(seeds), path)


def meanshift_segment(image, window=21, *, features=None, spatial_scale=1.0, spacing=None,
                      min_size=0, tol=None, max_iter=300, share_trajectories=False,
                      climb_stride=1, assign="attractor",
                      data_range=None, channel_axis=-1, mask=None, start_label=1,
                      return_info=False):
    """Segment an image by mean shift over pixel features.

    Parameters
    ----------
    image : (M, N[, P][, C]) ndarray
        Image or volume, grayscale (``channel_axis=None``) or with channels.
    window : float or (float, float)
        Size W of the flat window, in feature units (W = 21: 21 grey levels
        and 21 pixels). A pair ``(spatial, range)`` is the joint
        spatial-range window of Comaniciu & Meer (2002): a pixel is inside
        when its position is within ``spatial/2`` and its colour within
        ``range/2`` (needs features with position).
    features : str, callable or ndarray, optional
        Feature space, see :func:`classicseg.pixel_features`; None: colour
        plus position.
    spatial_scale, spacing, data_range, channel_axis, mask
        As in :func:`classicseg.pixel_features`.
    min_size : int
        Connected regions smaller than this many pixels merge into their most
        similar neighbouring region (by mean colour), see
        :func:`classicseg.merge_small_regions`. 0 keeps every region.
    tol : float, optional
        Stop a climb when it moves at most ``tol``; default ``1e-3`` times
        the (smaller) half window.
    max_iter : int
        Most iterations of one climb.
    share_trajectories : bool or float
        For features with position, approximate path joining (opt-in): a
        climb whose mean comes within ``r`` times the window radius of a
        point on an earlier climb's path stops and takes that climb's mode.
        False (default): exact; climbs still stop where their mean equals a
        point of an earlier path, which changes nothing (the climb from there
        on is that path's). True uses ``r = 0.01`` (:data:`JOIN_RADIUS`),
        a float sets ``r``: larger is faster and less exact (time and
        agreement with the exact result: ``benchmarks/results/meanshift.md``).
        ``info.n_climbs`` counts the climbs that reached a mode of their own.
    climb_stride : int
        For features with position, an approximation (opt-in) that saves
        most climbs: only the pixels whose indices are all multiples of
        ``climb_stride`` climb (a quarter of them for 2 on an image), and a
        pixel off that lattice takes the cluster of the climbing pixel
        nearest to it in feature space among those less than
        ``climb_stride`` pixels away along each axis, when their colours
        are within :data:`FILL_RADIUS` (0.75) times the range half window;
        the other pixels (edges, texture) climb themselves. 1 (default):
        every pixel climbs, exact. 2 is the recommended trade-off: larger
        strides leave more pixels that fail the colour test and climb, so
        they save little time and lose agreement. The agreement with the
        exact labels and the time are measured in
        ``benchmarks/results/scale.md`` and ``meanshift_stride.md``. Where the window spans
        too many pixels for the lattice (or with more than three colour
        channels) every pixel climbs.
    assign : {"attractor", "nearest"}
        ``"attractor"`` (default, Comaniciu & Meer's basin of attraction): a
        pixel takes the cluster of the mode its own climb reached.
        ``"nearest"``: the cluster of the nearest kept mode (scikit-learn's
        rule, the default of :func:`mean_shift`), one more query per pixel.
    start_label : {0, 1}
        Label of the first cluster; pixels outside ``mask`` get
        ``start_label - 1``.
    return_info : bool
        Also return the :class:`MeanShiftResult` (its labels are those of
        the clustering, before ``min_size`` merging).

    Returns
    -------
    labels : (M, N[, P]) intp ndarray
        Cluster of every pixel, from ``start_label``, densest mode first.
    info : MeanShiftResult
        Only with ``return_info=True``.

    Raises
    ------
    ValueError, TypeError
        Bad image, mask, feature space or parameter; the message names it.

    Notes
    -----
    Colour-only spaces climb over the distinct colours, weighted by their
    counts (exact). Spaces with position climb on the pixel lattice: a query
    visits only the pixels within the spatial half window of the mean's
    position, so its cost grows with ``(W / spatial_scale)**ndim``; more
    than three colour channels use the grid over feature space instead.
    On the lattice, pixels start their climbs band by band (whole rows,
    about a megapixel each: :data:`BAND_SITES`), the trajectory-sharing
    state kept for the current band only, and only the modes of climbs that
    reach one of their own are stored, so memory grows with the pixels
    alone, not with the sharing tables: a 12-megapixel photo runs exact
    within a few gigabytes. Climbs still see the whole image, so the exact
    result does not depend on the bands. With ``climb_stride > 1`` a band's
    lattice climbs (with the lattice rows within the stride past the band),
    then the band's other pixels are filled and those left climb; these
    climbs share no paths (with a quarter of the pixels climbing, the
    lookups and their tables cost more time than the steps they save), so
    the result depends neither on the bands nor on the batches.

    Examples
    --------
    >>> from skimage import data
    >>> img = data.astronaut()[::16, ::16]
    >>> labels = meanshift_segment(img, 21, features="rgbxy")
    >>> labels.shape, int(labels.min())
    ((32, 32), 1)
    """
    start_label = check_start_label(start_label)
    img, is_color, mask = prepare_image(image, channel_axis, mask)
    hs, hr, joint = _check_window(window)
    min_size = check_int(min_size, "min_size", minimum=0)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = 1e-3 * min(hs, hr) if tol is None else check_float(tol, "tol", nonnegative=True)
    if isinstance(share_trajectories, (bool, np.bool_)):
        join_radius = JOIN_RADIUS if share_trajectories else 0.0
    else:
        join_radius = check_float(share_trajectories, "share_trajectories", nonnegative=True)
    climb_stride = check_int(climb_stride, "climb_stride", minimum=1)
    spatial = img.shape[:-1]
    with_position = features is None or isinstance(features, str) and feature_space_name(
        features, img.shape[-1], is_color, len(spatial))[1]
    _check_assign(assign)
    if not joint and not with_position:
        raise ValueError("window=(spatial, range) needs features with position "
                         "(for example 'rgbxy'); give one window size for this feature space")
    if climb_stride > 1 and not with_position:
        raise ValueError(f"climb_stride={climb_stride} needs features with position (for "
                         "example 'rgbxy'); use climb_stride=1 for this feature space")
    Xt = feature_stack(img, is_color, features, spatial_scale=spatial_scale, spacing=spacing,
                       data_range=data_range, mask=None if with_position else mask)
    n_col = Xt.shape[0] - (len(spatial) if with_position else 0)
    if with_position:
        steps = np.array(_check_spacing(spacing, len(spatial))) * spatial_scale
        info = _segment_lattice(Xt, n_col, spatial, steps, mask, hs, hr, joint, tol, max_iter,
                                join_radius, assign, climb_stride)
        _warn_max_iter(info, max_iter)  # (mean_shift warns for itself)
    else:
        info = mean_shift(Xt.T, 2 * hs, tol=tol, max_iter=max_iter, assign=assign)
    inside_features = Xt if not with_position or mask is None else Xt[:, mask.reshape(-1)]
    labels0 = merge_small_clusters(info.labels, inside_features, img, is_color, features, mask,
                                   min_size)
    labels = labels_to_image(labels0, spatial, mask, start_label)
    return (labels, info) if return_info else labels


def _check_window(window):
    """``(spatial radius, range radius, joint)`` from a size or a (spatial, range) pair."""
    if np.ndim(window) == 0:
        h = check_float(window, "window", positive=True) / 2
        return h, h, True
    if isinstance(window, (str, bytes)) or np.ndim(window) != 1:
        raise TypeError(f"window must be a number or a (spatial, range) pair, got {window!r}")
    if len(window) != 2:
        raise ValueError(f"window pair must be (spatial, range), got {len(window)} values")
    spatial = check_float(window[0], "window (spatial)", positive=True)
    colour = check_float(window[1], "window (range)", positive=True)
    return spatial / 2, colour / 2, False


def _check_assign(assign):
    if not isinstance(assign, str) or assign not in ASSIGNS:
        raise ValueError(f"unknown assign={assign!r}; expected one of {', '.join(ASSIGNS)}")


def _check_memory(n_bytes, remedy="use bin_seeding=True or fewer samples"):
    check_memory(n_bytes, "mean shift's grid, neighbour tables and climb buffers", remedy)


def _grid(points, radii):
    """A grid over ``points`` for windows of ``radii`` (see the kernel module).

    Cells are two radii (one window) wide: a window then meets at most two
    cells per feature, which measured faster than one-radius cells (three
    per feature) on 5-D pixel features. Returns ``(sorted points, order,
    cell_keys, cell_start, origin, cell_size, n_cells, strides, brute_force)``.
    """
    m, d = points.shape
    width = 2 * np.asarray(radii, dtype=np.float64)
    origin = points.min(axis=0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        span = (points.max(axis=0) - origin) / width
    # A window tiny against the data's range (window=1e-300) has more cells than int64
    # keys can number (or an infinite count): one cell, scanned, instead.
    brute = not np.all(span < 2**62)
    if not brute:
        n_cells = np.floor(span).astype(np.int64) + 1
        cells = np.minimum(np.floor((points - origin) / width).astype(np.int64), n_cells - 1)
        # Python ints: the product must fit in int64 keys.
        brute = np.prod([int(c) for c in n_cells]) >= 2**62
    if not brute:
        strides = np.ones(d, dtype=np.int64)
        for f in range(d - 2, -1, -1):
            strides[f] = strides[f + 1] * n_cells[f + 1]
        keys = cells @ strides
        # A window visits up to 2**d cells: scan instead when that is more than there are.
        brute = 2**d >= len(np.unique(keys))
    if brute:
        n_cells = np.ones(d, dtype=np.int64)
        strides = np.zeros(d, dtype=np.int64)
        keys = np.zeros(m, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    n_total = int(np.prod(n_cells))
    if n_total <= DENSE_CELLS:
        # Offsets of every cell: a row of cells is found by two loads, not two searches.
        cell_keys = np.empty(0, dtype=np.int64)
        cell_start = np.zeros(n_total + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys, minlength=n_total), out=cell_start[1:])
    else:
        cell_keys, first = np.unique(sorted_keys, return_index=True)
        cell_start = np.append(first, m).astype(np.int64)
    return (np.ascontiguousarray(points[order]), order, cell_keys, cell_start, origin, width,
            n_cells, strides, brute)


def _radii(d, split, r2_a, r2_b):
    return np.where(np.arange(d) < split, np.sqrt(r2_a), np.sqrt(r2_b))


def _climb_grid(points, weights, seeds, split, r2_a, r2_b, tol, max_iter):
    """Climb every seed over the weighted points; returns (modes, intensity, n_iter, path)."""
    d = points.shape[1]
    sorted_points, order, *grid, brute = _grid(points, _radii(d, split, r2_a, r2_b))
    s = len(seeds)
    modes = np.empty((s, d))
    intensity = np.empty(s)
    n_iter = np.empty(s, dtype=np.int64)
    climb_grid(sorted_points, np.ascontiguousarray(weights[order]), *grid, split, r2_a, r2_b,
               np.ascontiguousarray(seeds), tol, max_iter, modes, intensity, n_iter)
    return modes, intensity, n_iter, "brute-force" if brute else "grid"


def _clusters(modes, intensity, n_iter, sample_climb, X, split, r2_a, r2_b, n_climbs, path):
    """Merge the climbs' modes and label the samples: a :class:`MeanShiftResult`.

    ``sample_climb`` (n,) gives the climb of each sample (None: every sample
    takes the nearest kept mode, as do samples whose climb found no point).
    """
    live = np.flatnonzero(intensity > 0)
    live_modes = modes[live]
    d = modes.shape[1]
    # Densest first; ties broken by the lexicographically largest mode, as
    # scikit-learn sorts (intensity, centre) in reverse.
    priority = np.lexsort(tuple(-live_modes[:, f] for f in range(d - 1, -1, -1))
                          + (-intensity[live],))
    sorted_modes, order, *grid, _ = _grid(live_modes, _radii(d, split, r2_a, r2_b))
    cluster_of_live = np.empty(len(live), dtype=np.int64)
    n_clusters = suppress_modes(sorted_modes, order, *grid, split, r2_a, r2_b, priority,
                                cluster_of_live)
    # Clusters open in priority order: each one's kept mode is its first in that order.
    kept = priority[np.unique(cluster_of_live[priority], return_index=True)[1]]
    cluster = np.full(len(modes), -1, dtype=np.int64)
    cluster[live] = cluster_of_live
    labels = np.full(len(X), -1, dtype=np.intp) if sample_climb is None else cluster[sample_climb]
    lost = labels < 0
    if lost.any():
        labels[lost] = cKDTree(live_modes[kept]).query(X[lost])[1]
    counts = np.bincount(labels, minlength=n_clusters).astype(np.intp)
    return MeanShiftResult(live_modes[kept], labels.astype(np.intp), counts,
                           int(n_iter.max()), int(n_climbs), path)


def _bin_seeds(X, h):
    """Seeds at the centres of the occupied bins of a grid of cell ``h`` (scikit-learn's)."""
    bins, sample_bin = np.unique(np.round(X / h), axis=0, return_inverse=True)
    if len(bins) == len(X):
        warnings.warn(f"Binning data failed with window/2={h:g}: every sample is alone in "
                      "its bin; using the samples as seeds.", stacklevel=3)
    return bins * h, sample_bin.reshape(-1)


def _segment_lattice(Xt, n_col, spatial, steps, mask, hs, hr, joint, tol, max_iter, join_radius,
                     assign, climb_stride=1):
    """Mean shift of the pixels of a lattice, ``Xt`` (d, n_pixels) = [colour..., positions].

    With ``climb_stride > 1`` the points on the lattice of that stride climb
    first; the others take the climb of their nearest lattice point
    (:func:`fill_from_lattice`) or, when none is near in colour, climb too.
    """
    n_spatial = len(spatial)
    shape = np.ones(3, dtype=np.int64)
    shape[3 - n_spatial:] = spatial
    steps3 = np.ones(3)
    steps3[3 - n_spatial:] = steps
    n_sites = int(np.prod(shape))
    box = np.prod([2 * hs / s + 1 for s in steps])
    inside = np.ones(n_sites, dtype=bool) if mask is None else mask.reshape(-1)
    r2_a, r2_b = (hs * hs, hs * hs) if joint else (hr * hr, hs * hs)
    split = n_col + n_spatial if joint else n_col
    if box > LATTICE_MAX_BOX or n_col > 3:
        # A window spanning this many pixels: the grid over feature space is cheaper (and
        # the lattice kernel takes one or three channels).
        X = Xt.T[inside].astype(np.float64)
        return _shift_samples(X, np.ones(len(X)), split, r2_a, r2_b, tol, max_iter, assign)

    # Two channels climb as three, the third zero: the same distances and sums. Sites
    # outside the mask have a NaN colour, which no window holds; so do the LANES sites
    # of padding that the kernel's vectorized row scans may read past the last one.
    planes = np.zeros((3 if n_col == 2 else n_col, n_sites + LANES), dtype=np.float32)
    planes[:n_col, :n_sites] = Xt[:n_col]
    planes[:, :n_sites][:, ~inside] = np.nan
    planes[:, n_sites:] = np.nan
    d = len(planes) + 3
    share = join_radius > 0
    n_points = int(inside.sum())
    # Climbs run band by band (whole lattice rows, about BAND_SITES sites); the sharing
    # state holds the paths of the current band only, so it does not grow with the image.
    row_sites = int(shape[2])
    n_rows = n_sites // row_sites
    band_rows = max(1, min(n_rows, BAND_SITES // row_sites))
    band_points = min(n_points, band_rows * row_sites)
    # With climb_stride > 1 climbs look up no earlier paths: fewer pixels climb, a lookup
    # found fewer of them, and the lookups and tables cost more than the steps they saved.
    exact_sharing = EXACT_SHARING and climb_stride == 1
    capacity = KNOWN_PER_SITE * band_points if exact_sharing or share else 0
    # A power of two of hash slots, at most half full (none: exact sharing off).
    slots = 1 << int(2 * capacity - 1).bit_length() if exact_sharing else 0
    # Paths are kept only for sharing; climbs that share nothing run in larger batches.
    path_length, batch = (PATH_LENGTH, BATCH) if capacity else (
        0, max(1, min(BATCH_ALONE, band_points)))
    _check_memory(n_sites * (n_col * 4 + 1 + 8 + (8 if share else 0))
                  + n_points * (d * 8 + 16) + batch * (path_length + 1) * d * 8
                  + capacity * (d * 8 + 16) + slots * 16 + n_points * 64,
                  "use a mask or a smaller image")
    # owner: the climb whose mode each site takes, numbered over the climbs that reach
    # a mode of their own (the only ones whose mode is kept).
    owner = np.full(n_sites, -1, dtype=np.int64)
    table = np.full((slots, 2), -1, dtype=np.int64)
    head = np.full(n_sites if share else 0, -1, dtype=np.int64)
    following = np.empty(capacity if share else 0, dtype=np.int64)
    known = np.empty((capacity, d))
    known_climb = np.empty(capacity, dtype=np.int64)
    # The outputs and paths of one batch; the modes of the climbs of their own, batch by batch.
    modes = np.empty((batch, d))
    intensity = np.empty(batch)
    n_iter = np.empty(batch, dtype=np.int64)
    joined = np.empty(batch, dtype=np.int64)
    path = np.empty((batch, path_length, d))
    path_len = np.empty(batch, dtype=np.int64)
    own_modes, own_intensity = [], []
    n_own = 0
    most_iter = 0
    # Coarse lattices first (so that early paths cover the image) only where paths are shared.
    strides = [t for t in SHARE_STRIDES if capacity and t > climb_stride and t % climb_stride == 0]
    strides.append(climb_stride)

    def climb(candidates):
        """Climb from the sites ``candidates`` (raster order) not yet owned, batch by batch."""
        nonlocal n_own, most_iter, n_known
        for start in range(0, len(candidates), batch):
            seeds = candidates[start:start + batch]
            seeds = seeds[owner[seeds] == -1]
            s = len(seeds)
            if s == 0:
                continue
            climb_lattice(planes, shape, steps3, hs * hs, hr * hr, joint, seeds, tol,
                          max_iter, join_radius, table, head, following, known, known_climb,
                          modes[:s], intensity[:s], n_iter[:s], joined[:s], path[:s],
                          path_len[:s])
            hit = joined[:s] >= 0
            climbs = joined[:s].copy()
            climbs[~hit] = np.arange(n_own, n_own + s - np.count_nonzero(hit))
            owner[seeds] = climbs
            own_modes.append(modes[:s][~hit])
            own_intensity.append(intensity[:s][~hit])
            n_own += s - np.count_nonzero(hit)
            most_iter = max(most_iter, int(n_iter[:s].max()))
            n_known = record_paths(path[:s], path_len[:s], modes[:s], climbs, n_col, shape,
                                   steps3, hs * hs, hr * hr, join_radius / 2, table, head,
                                   following, known, known_climb, n_known)

    # With climb_stride > 1, a band's other pixels are filled from the lattice and climb
    # right after the band's lattice; so the lattice rows within the stride past the band
    # (their lattice neighbours there) climb with the band.
    margin = 0 if climb_stride == 1 else (climb_stride - 1) * (
        int(shape[1]) + 1 if shape[0] > 1 else 1)
    n_known = 0
    for row0 in range(0, n_rows, band_rows):
        row1 = min(n_rows, row0 + band_rows)
        rows = np.arange(row0, min(n_rows, row1 + margin))
        plane_of, row_of = np.divmod(rows, shape[1])
        table[:] = -1
        head[:] = -1
        n_known = 0
        for stride in strides:
            # Coarse lattices first, in raster order (the pixels a stride leaves out come later).
            keep = (row_of % stride == 0) & (plane_of % stride == 0)
            candidates = (rows[keep, None] * row_sites
                          + np.arange(0, row_sites, stride)[None, :]).reshape(-1)
            climb(candidates[inside[candidates]])
        if climb_stride > 1:
            lo, hi = row0 * row_sites, row1 * row_sites
            fill_from_lattice(planes, shape, steps3, hs * hs, hr * hr, climb_stride,
                              (FILL_RADIUS * hr) ** 2, owner, lo, hi)
            climb(lo + np.flatnonzero(inside[lo:hi] & (owner[lo:hi] == -1)))
    # Back to the feature columns: colour (without the padding channel), then the
    # positions of the image's own axes (the last n_spatial of the three).
    cols = np.r_[np.arange(n_col), np.arange(d - n_spatial, d)]
    modes = np.concatenate(own_modes)[:, cols]
    intensity = np.concatenate(own_intensity)
    # Climbs that reached the same mode, bit for bit (many, when no path is shared), are
    # merged before the suppression, which would put them in one cluster anyway.
    which = np.empty(n_own, dtype=np.int64)
    first = np.empty(n_own, dtype=np.int64)
    n_modes = distinct_rows(modes, np.full((1 << int(2 * n_own).bit_length(), 2), -1,
                                           dtype=np.int64), which, first)
    modes = modes[first[:n_modes]]
    intensity = intensity[first[:n_modes]]
    # The samples in float32 (a view without a mask): only a sample left without a mode
    # (assign="nearest") is read, in float64.
    X = Xt.T if mask is None else Xt.T[inside]
    sample_climb = None if assign == "nearest" else which[owner[inside]]
    return _clusters(modes, intensity, np.array([most_iter]), sample_climb, X, split, r2_a,
                     r2_b, n_own, "lattice+sharing" if share else "lattice")
