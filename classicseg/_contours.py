"""Contour detection: multiscale oriented gradients of brightness, colour and texture.

The recipe is the local part of gPb (Martin, Fowlkes & Malik, "Learning to
detect natural image boundaries using local brightness, color, and texture
cues", PAMI 26(5), 2004; Arbelaez, Maire, Fowlkes & Malik, "Contour
detection and hierarchical image segmentation", TPAMI 33(5), 2011): at every
pixel and orientation, the chi-squared distance between the histograms of the
two halves of a disc, for the CIELAB channels and for textons, at several
radii, combined by weights learned on BSDS500 train by logistic regression
(``benchmarks/learn_contours.py`` learned the weights and the texton
dictionary below; both ship with the package, so results need no ``rng``),
and by default gPb's spectral cue (the globalisation) on top, the cues then
re-scored at each pixel's strongest orientation by boosted trees that also
see the map around the pixel (:mod:`classicseg._contour_forest`).
"""

import functools
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse
from scipy import ndimage as ndi

from ._contour_forest import forest_combine
from ._kernels.contours import (
    half_disc_chi2,
    intervening_contour,
    non_max_suppression,
    smooth_oriented,
    sum_oriented_derivatives,
)
from ._validate import ConvergenceWarning, check_memory, prepare_image
from .features import _colour_planes, _data_range

N_ORIENTATIONS = 8

# Bins of the CIELAB histograms: (channel, low, high, bins). Values outside
# the range fall in the end bins; a and b of natural photographs lie mostly
# within +-50.
_LAB_BINS = ((0, 0.0, 100.0, 25), (1, -50.0, 50.0, 25), (2, -50.0, 50.0, 25))

# Texton filter bank: first and second Gaussian derivatives (a steerable
# basis of the oriented filters of Malik et al., IJCV 2001) of L at these
# scales, scale-normalised.
_TEXTON_SIGMAS = (1.0, 2.0)
_TEXTON_FILE = Path(__file__).resolve().parent / "_data" / "contour_textons.npy"

# Peak memory per pixel: the gradients of every (cue, radius) and orientation
# in float32, and their combination.
_BYTES_PER_PIXEL = (12 + 3) * N_ORIENTATIONS * 4

# Disc radii per cue (L, a, b, texture: the planes of cue_bins), as
# (radius, step): the gradient at radius r on the image subsampled by `step`,
# which stands for radius r * step at full resolution. gPb's radii at the
# BSDS resolution are 3, 5, 10 for L and 5, 10, 20 for a, b and texture; the
# largest is computed at half resolution, which costs an eighth as much and
# hardly changed the boundary F on train images.
_RADII = (((3, 1), (5, 1), (10, 1)),) + (((5, 1), (10, 1), (10, 2)),) * 3

# Logistic-regression weights per (cue, radius) in the order above, and the
# bias, learned on 20 BSDS500 train images by
# `python benchmarks/learn_contours.py weights`.
_WEIGHTS = np.array([1.6195, 0.3840, 1.1550, 0.8119, 0.6944, 0.3302,
                     1.1738, 0.4057, 1.4335, 2.0118, 0.3553, 2.0081], np.float32)
_BIAS = np.float32(-7.1748)


# Smoothing of each orientation's strength along the edge before the
# non-maximum suppression (the role of gPb's Savitzky-Golay filtering): a
# Gaussian of these standard deviations along and across the edge, in
# pixels. On 10 BSDS500 train images it raised boundary F ODS by 0.02
# (isotropic smoothing lowered it); across the edge, 1.3 rather than 0.7
# raised precision and the hierarchy's VI on two sets of 20 train images
# (benchmarks/bsds_log.md, section 12).
_SMOOTH_ALONG = 2.0
_SMOOTH_ACROSS = 1.3

# Spectral globalisation (gPb's sPb, Arbelaez et al. 2011, section 3.2): the
# eigenproblem runs on every _GLOBAL_STEP-th pixel, with neighbours within
# _GLOBAL_RADIUS grid steps; rho and the 16 non-trivial eigenvectors are
# gPb's; the eigenvectors' gradients use Gaussian derivatives of
# _GLOBAL_SIGMA pixels.
_GLOBAL_STEP = 2
_GLOBAL_RADIUS = 3
_GLOBAL_RHO = 0.1
_GLOBAL_VECTORS = 16
_GLOBAL_SIGMA = 1.0
# sPb is scaled to a maximum of 1 per image, so an image without contours
# would get strong ones from its eigenvectors alone (smooth waves on a flat
# image): the cue keeps its full scale only where the local map's peak
# reaches _GLOBAL_GATE, and is scaled down in proportion below it. Every
# BSDS500 val image and every train image of the four sets of
# benchmarks/bsds_log.md (section 22) peaks at 0.964 or more, so this changes
# nothing on them.
_GLOBAL_GATE = 0.9
# The graph's weights are multiplied by the exponentiated pointwise mutual
# information of the two vertices' colour clusters (Isola, Zoran, Krishnan &
# Adelson, ECCV 2014): _PMI_COLOURS clusters of the CIELAB planes smoothed by a
# Gaussian of _PMI_SMOOTH pixels, P(a, b) ** _PMI_RHO / (P(a) P(b)) counted over
# the graph's own pairs. On four sets of 20 BSDS500 train images it raised the
# boundary F of contour_hierarchy's ucm2 by 0.003-0.013 and of the thin map by
# 0.008-0.011 (benchmarks/bsds_log.md, section 22); 32 clusters and rho 1.5 (with
# the weights re-learned) instead of 16 and 1.25 raised it by 0.003-0.007 more,
# but lost covering on three of the four sets alone; with the half-scale blend of
# classicseg._owt (OWT_COARSE_WEIGHT) they gained on all four (section 23). The
# clusters also feed contour_hierarchy's merge (classicseg._owt.OWT_CUE_WEIGHTS).
_PMI_COLOURS = 32
_PMI_RHO = 1.5
_PMI_SMOOTH = 1.0

# Weights with globalisation: the 12 local cues, then sPb, and the bias
# (`python benchmarks/learn_contours.py weights --globalize`).
_GLOBAL_WEIGHTS = np.array([1.4561, 0.0795, 0.8424, 0.6625, 0.5583, 0.1407, 0.8547,
                            0.3584, 1.1498, 1.7759, 0.3681, 1.6383, 11.5900], np.float32)
_GLOBAL_BIAS = np.float32(-6.0500)


@dataclass(frozen=True)
class Contours:
    """Boundary strength and orientation of every pixel.

    Attributes
    ----------
    strength : (M, N) float32 ndarray
        Probability of a boundary at each pixel, in [0, 1] (the soft map).
    orientation : (M, N) float32 ndarray
        Orientation of the boundary, in radians in [0, pi): the angle of the
        edge's direction from the x axis, counter-clockwise as seen on screen
        (0: a horizontal edge, pi/2: a vertical edge).
    thin : (M, N) float32 ndarray
        ``strength`` where it is a local maximum across the edge, 0 elsewhere
        (non-maximum suppression), for one-pixel-wide contours.
    oriented : (n_orientations, M, N) float32 ndarray
        Strength for each of the orientations ``k pi / n_orientations``;
        ``strength`` is its maximum over the first axis.
    """

    strength: np.ndarray
    orientation: np.ndarray
    thin: np.ndarray
    oriented: np.ndarray


def contours(image, *, channel_axis=-1, data_range=None, globalize=True):
    """Boundary strength and orientation by multiscale oriented gradients and spectral globalisation (gPb).

    At each pixel and each of 8 orientations, the half-disc chi-squared
    gradients of L, a, b and textons at three radii each are weighed by
    logistic regression into a probability of boundary; with ``globalize``
    (the default) the oriented gradients of the eigenvectors of a pixel
    affinity built from that first map and from how often the pixels'
    colours meet in the image join them as one more cue, and boosted trees
    learned on BSDS500 train re-score each pixel's strongest orientation
    from all the cues and the map's values across and along the edge. Each
    orientation's map is smoothed along its edge direction, and the
    strongest orientation wins (refined between the sampled ones by a
    parabola). The thin map keeps the maxima across the edge.

    Parameters
    ----------
    image : (M, N[, 3 or 4]) array_like
        RGB image (or grayscale with ``channel_axis=None``).
    channel_axis : int or None
        Axis of the colour channels; None for a grayscale image.
    data_range : float, optional
        Value of white: the dtype's maximum for integers, 1.0 for floats.
    globalize : bool
        Add gPb's spectral cue (the default): gradients of the eigenvectors
        of an intervening-contour affinity weighed by the pointwise mutual
        information of the colours (solved by the normalized cut's
        eigensolver), which favour boundaries that close regions. It raised
        the boundary F and the region scores of :func:`contour_hierarchy` on
        BSDS500; False gives the local cues alone, combined by logistic
        regression (the trees read the spectral cue), about a third faster.

    Returns
    -------
    Contours
        ``strength`` (soft, in [0, 1]), ``orientation``, ``thin`` (non-maximum
        suppressed) and ``oriented`` (per orientation).

    Raises
    ------
    ValueError, TypeError
        Bad image, channel_axis, data_range or globalize (the message names
        which); ``MemoryLimitError`` when the gradients would not fit.

    References
    ----------
    D. Martin, C. Fowlkes, J. Malik, "Learning to detect natural image
    boundaries using local brightness, color, and texture cues", PAMI 2004.
    P. Arbelaez, M. Maire, C. Fowlkes, J. Malik, "Contour detection and
    hierarchical image segmentation", TPAMI 2011.
    P. Isola, D. Zoran, D. Krishnan, E. Adelson, "Crisp boundary detection
    using pointwise mutual information", ECCV 2014.
    J. Lim, C. L. Zitnick, P. Dollar, "Sketch tokens: a learned mid-level
    representation for contour and object detection", CVPR 2013.

    Examples
    --------
    >>> img = np.zeros((32, 32), np.float32); img[:, 16:] = 1
    >>> c = contours(img, channel_axis=None)
    >>> int(c.thin[16].argmax()) in (15, 16)
    True
    """
    return contours_and_bins(image, channel_axis, data_range, globalize, colour=False)[0]


def contours_and_bins(image, channel_axis, data_range, globalize, colour=True):
    """:func:`contours` and what it computed on the way, for the hierarchy.

    Returns ``(c, bins, gradients, spectral)``: the :class:`Contours`; the
    quantised cues, binned L, a, b, the texton map (:func:`cue_bins`) and the
    colour clusters (:func:`colour_clusters`; left out when neither ``colour``
    nor ``globalize``), ``(5, M, N)`` uint8; the local cues' oriented
    chi-squared gradients (:func:`cue_gradients`); the spectral cue
    (:func:`spectral_gradients`, ``(n_orient, M, N)``; None without
    ``globalize``).

    :func:`contour_hierarchy`'s merge compares the regions' histograms of the
    quantised cues, and its arc model reads the gradients along each arc;
    handing them over saves computing them twice (the texton filter bank and
    the nearest-texton search alone take about 0.3 s on a BSDS image).
    """
    if not isinstance(globalize, (bool, np.bool_)):
        raise TypeError(f"globalize must be True or False, got {globalize!r}")
    lab = lab_planes(image, channel_axis=channel_axis, data_range=data_range)
    binned, n_bins = cue_bins(lab)
    clusters = colour_clusters(lab) if colour or globalize else None
    gradients = cue_gradients((binned, n_bins))
    roots = np.sqrt(gradients)  # the features of both combinations and of the trees
    oriented = combine(roots)
    spectral = None
    if globalize:
        spectral = spectral_gradients(oriented.max(axis=0), lab, clusters)
        # Boosted trees over the cues and the logistic map's context re-score each
        # pixel's strongest orientation (classicseg._contour_forest).
        z = combine_logit(roots, _GLOBAL_WEIGHTS, _GLOBAL_BIAS, spectral)
        oriented = forest_combine(roots, spectral, z)
    if clusters is not None:
        binned = np.concatenate([binned, clusters.astype(np.uint8)[None]])
    return finish(smooth_along_edges(oriented)), binned, gradients, spectral


def lab_planes(image, *, channel_axis=-1, data_range=None):
    """Check ``image`` and return its CIELAB planes, ``(3, M, N)`` float32 (a = b = 0 for gray).

    RGBA keeps its colour: alpha is no cue.
    """
    img, _, _ = prepare_image(image, channel_axis)
    if img.ndim != 3:
        raise ValueError(f"image must be 2-D (with channels), got spatial shape {img.shape[:-1]}")
    if img.shape[-1] == 4:
        img = img[..., :3]
    if img.shape[-1] not in (1, 3):
        raise ValueError(f"image must have 3 (RGB(A)) channels or 1, got {img.shape[-1]}")
    value_range = _data_range(img.dtype, data_range)
    check_memory(_BYTES_PER_PIXEL * img[..., 0].size, "contours' oriented gradients",
                 "use a smaller image")
    if img.shape[-1] == 1:
        img = np.repeat(img, 3, axis=-1)
    return np.stack(_colour_planes(img, "lab", value_range))


def cue_bins(lab, textons=None):
    """Quantised cues: binned L, a, b and the texton map, uint8 ``(4, M, N)``, and their bin counts.

    ``textons`` is the texton map of ``lab[0]`` when already computed.
    """
    out = np.empty((4,) + lab.shape[1:], np.uint8)
    n_bins = []
    for c, lo, hi, n in _LAB_BINS:
        out[c] = np.clip(np.floor((lab[c] - lo) * (n / (hi - lo))), 0, n - 1)
        n_bins.append(n)
    out[3] = texton_map(lab[0]) if textons is None else textons
    n_bins.append(len(texton_dictionary()))
    return out, tuple(n_bins)


def texton_map(L):
    """Index of the nearest shipped texton at every pixel of the lightness plane ``L``."""
    return assign_textons(texton_features(L), texton_dictionary()).reshape(L.shape)


def texton_features(L):
    """Filter-bank responses of the lightness plane, ``(M * N, d)`` float32."""
    L = np.asarray(L, np.float32)
    feats = []
    for s in _TEXTON_SIGMAS:
        for order in ((0, 1), (1, 0), (0, 2), (1, 1), (2, 0)):
            norm = np.float32(s ** sum(order))
            feats.append(ndi.gaussian_filter(L, s, order=order, mode="reflect") * norm)
    return np.stack([f.ravel() for f in feats], axis=1)


def assign_textons(features, textons):
    """Index of the nearest texton of each row of ``features`` (float64 distances)."""
    f = features.astype(np.float64)
    t = textons.astype(np.float64)
    d = (t * t).sum(1)[None, :] - 2.0 * f @ t.T
    return d.argmin(axis=1).astype(np.uint8).reshape(-1)


@functools.lru_cache(maxsize=1)
def texton_dictionary():
    """The shipped ``(n_textons, d)`` texton centres (k-means on BSDS500 train)."""
    return np.load(_TEXTON_FILE).astype(np.float32)


def cue_gradients(bins):
    """Half-disc chi-squared gradients of every (cue, radius): ``(n_cues, n_orient, M, N)``."""
    planes, n_bins = bins
    H, W = planes.shape[1:]
    pairs = [(c, r, step) for c, radii in enumerate(_RADII) for r, step in radii]
    out = np.empty((len(pairs), N_ORIENTATIONS, H, W), np.float32)
    for i, (c, r, step) in enumerate(pairs):
        g = oriented_gradient(planes[c][::step, ::step], n_bins[c], r, N_ORIENTATIONS)
        out[i] = g if step == 1 else upsample(g, step, (H, W))
    return out


def upsample(grid, step, shape):
    """Linear interpolation of ``(..., m, n)`` samples at every ``step``-th pixel to ``shape``."""
    for axis, size in ((-2, shape[0]), (-1, shape[1])):
        pos = np.arange(size) / step
        lo = np.minimum(pos.astype(np.intp), grid.shape[axis] - 1)
        hi = np.minimum(lo + 1, grid.shape[axis] - 1)
        frac = (pos - lo).astype(np.float32).reshape((-1, 1) if axis == -2 else (-1,))
        grid = np.take(grid, lo, axis=axis) * (1 - frac) + np.take(grid, hi, axis=axis) * frac
    return grid


def oriented_gradient(bins, n_bins, radius, n_orientations):
    """Half-disc chi-squared gradient of a bin-index image, ``(n_orientations, M, N)`` float32.

    The disc of ``radius`` (pixels with ``dx**2 + dy**2 <= radius**2``) is
    split by the line through its centre at each orientation; pixels on the
    line belong to neither half. Histograms are normalised by the half's pixel
    count, so the distance ``0.5 * sum((g - h)**2 / (g + h))`` lies in [0, 1].
    The image is reflected at its borders.
    """
    spans, counts = disc_spans(radius, n_orientations)
    padded = np.pad(np.ascontiguousarray(bins, np.uint8), radius, mode="symmetric")
    out = np.empty((n_orientations,) + bins.shape, np.float32)
    half_disc_chi2(padded, n_bins, radius, spans, counts, out)
    return out


@functools.lru_cache(maxsize=64)
def disc_spans(radius, n_orientations):
    """The runs of each half of the disc, ``(n_runs, 5)``, and the pixels per half.

    A pixel at offset (dx, dy) (dy growing downwards) with
    ``dx**2 + dy**2 <= radius**2`` is on side 0 when
    ``dx sin(t) + dy cos(t) > 0`` and on side 1 when it is < 0, where
    ``t = o pi / n_orientations`` is the direction of the splitting line; each
    row of a side is one run ``(dy + radius, first dx, last dx, side, o)``.
    """
    runs = []
    counts = np.zeros(n_orientations, np.int64)
    for o in range(n_orientations):
        t = o * np.pi / n_orientations
        for k in range(-radius, radius + 1):
            w = int(np.floor(np.sqrt(radius * radius - k * k)))
            dx = np.arange(-w, w + 1)
            side = dx * np.sin(t) + k * np.cos(t)
            for s, members in ((0, dx[side > 1e-9]), (1, dx[side < -1e-9])):
                if members.size:
                    runs.append((k + radius, members.min(), members.max(), s, o))
            counts[o] += np.count_nonzero(side > 1e-9)
    runs = np.array(runs, np.int64)
    runs.setflags(write=False)
    counts.setflags(write=False)
    return runs, counts


def combine(roots, weights=None, bias=None, spectral=None):
    """Boundary probability per orientation: the logistic function of :func:`combine_logit`."""
    z = combine_logit(roots, weights, bias, spectral)
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def combine_logit(roots, weights=None, bias=None, spectral=None):
    """The weighted features plus the bias, per orientation: ``(n_orient, M, N)`` float32.

    The features ``roots`` are the square roots of the chi-squared gradients
    of :func:`cue_gradients`, ``np.sqrt(gradients)``, whose distribution is
    less skewed; on BSDS500 train they raised the boundary F over the plain
    distances. ``spectral`` (the sPb of
    :func:`spectral_gradients`) takes the last weight.
    """
    w = _WEIGHTS if weights is None else np.asarray(weights, np.float32)
    b = _BIAS if bias is None else np.float32(bias)
    z = np.tensordot(w[:len(roots)], roots, axes=(0, 0)) + b
    if spectral is not None:
        z += w[len(roots)] * spectral
    return z


def spectral_gradients(strength, lab, colour=None):
    """gPb's spectral boundary cue sPb, ``(n_orientations, M, N)`` float32 in [0, 1].

    Vertices are the pixels of a grid of step ``_GLOBAL_STEP``, joined within
    ``_GLOBAL_RADIUS`` steps with the intervening-contour affinity
    ``exp(-max strength on the segment / rho)`` times the ``exp(PMI)`` of
    their colours (:func:`pmi_affinity`; ``lab`` the CIELAB planes ``(3, M,
    N)``, ``colour`` their :func:`colour_clusters` when already computed);
    the generalised eigenvectors of ``(D - W) v = lambda D v`` (the
    normalized cut's eigensolver, Shi & Malik 2000) are each rescaled to
    [0, 1] and upsampled, and their oriented derivatives, weighted by
    ``1 / sqrt(lambda)``, summed (Arbelaez et al., TPAMI 2011, eq. 11), then
    scaled to a maximum of 1, or of ``strength.max() / _GLOBAL_GATE`` when
    that is less (no local contour, no spectral one). Of two borders of
    equal contour strength, the PMI cuts more easily the one between
    colours that rarely meet in the image, and keeps together the colours
    of one texture, which meet often (Isola et al., ECCV 2014).
    """
    if colour is None:
        colour = colour_clusters(lab)
    step = _GLOBAL_STEP
    graph = pmi_affinity(spectral_affinity(strength), colour[::step, ::step].ravel())
    values, vectors = spectral_vectors(graph)
    gate = min(1.0, float(strength.max()) / _GLOBAL_GATE)
    return spectral_derivatives(values, vectors, strength.shape) * np.float32(gate)


def colour_clusters(lab):
    """Colour cluster (0 .. ``_PMI_COLOURS - 1``) of every pixel, ``(M, N)`` intp.

    k-means (k-means++ seeding, a fixed seed) of the CIELAB planes ``(3, M,
    N)``, divided by 100 and smoothed by a Gaussian of ``_PMI_SMOOTH``
    pixels, fitted at every ``_GLOBAL_STEP``-th pixel (the vertices of the
    spectral graph); every pixel gets its nearest centre.
    """
    from ._kmeans import kmeans

    step = _GLOBAL_STEP
    smooth = ndi.gaussian_filter(np.asarray(lab, np.float32) / 100, (0, _PMI_SMOOTH, _PMI_SMOOTH))
    points = smooth[:, ::step, ::step].reshape(3, -1).T
    with warnings.catch_warnings():  # fewer colours than clusters: a flat image is fine
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = kmeans(points, min(_PMI_COLOURS, len(points)), init="k-means++", tol=1e-4,
                        rng=0)
    return result.predict(smooth.reshape(3, -1).T).reshape(smooth.shape[1:])


def pmi_affinity(graph, colour):
    """``graph`` (symmetric CSR, of :func:`spectral_affinity`) with each weight times ``exp(PMI)``.

    ``P(a, b)`` is the share of the graph's (ordered) pairs that join colour
    clusters ``a`` and ``b`` (``colour``, one per vertex), ``P(a)`` its
    marginal, and a pair's factor ``P(a, b) ** rho / (P(a) P(b))`` with
    ``rho = _PMI_RHO``: Isola et al.'s exponent, which favours pairs of
    colours that meet often over rare ones that only look unlikely by chance.
    One colour gives the factor 1 everywhere.
    """
    rows = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr))
    k = int(colour.max()) + 1
    a, b = colour[rows], colour[graph.indices]
    joint = np.bincount(a * k + b, minlength=k * k).reshape(k, k) / max(len(a), 1)
    marginal = joint.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(joint > 0, joint ** _PMI_RHO / np.outer(marginal, marginal), 0.0)
    weighted = graph.copy()  # the same pattern: only the weights change
    weighted.data = graph.data * factor[a, b]
    return weighted


def spectral_affinity(strength):
    """The intervening-contour graph of :func:`spectral_gradients`, symmetric CSR."""
    H, W = strength.shape
    step = _GLOBAL_STEP
    m, n = (H - 1) // step + 1, (W - 1) // step + 1
    offsets, starts, points = segment_table(_GLOBAL_RADIUS, step)
    size = m * n * len(offsets)
    rows, cols = np.empty(size, np.int64), np.empty(size, np.int64)
    weights = np.empty(size, np.float32)
    intervening_contour(np.ascontiguousarray(strength, np.float32), step, offsets, starts, points,
                        np.float32(_GLOBAL_RHO), rows, cols, weights)
    keep = rows >= 0
    rows, cols, weights = rows[keep], cols[keep], weights[keep].astype(np.float64)
    # Both directions of every pair at once (no sparse sum of the two halves).
    return scipy.sparse.coo_array((np.concatenate([weights, weights]),
                                   (np.concatenate([rows, cols]), np.concatenate([cols, rows]))),
                                  shape=(m * n, m * n)).tocsr()


def spectral_vectors(graph):
    """The ``_GLOBAL_VECTORS + 1`` smallest generalised eigenpairs of ``graph`` (fewer if small)."""
    from ._spectral import _eigenvectors, _single_threaded_blas, _SolveLog

    n_vectors = min(_GLOBAL_VECTORS + 1, graph.shape[0])
    if n_vectors < 2:  # one vertex: no edge, no eigenvector but the constant one
        return np.zeros(n_vectors), np.ones((graph.shape[0], n_vectors))
    with _single_threaded_blas():
        return _eigenvectors(graph, n_vectors, np.random.default_rng(0),
                             _SolveLog(residuals=False))


def spectral_derivatives(values, vectors, shape):
    """sPb from the eigenpairs on the grid: oriented derivatives of the non-trivial vectors."""
    H, W = shape
    step = _GLOBAL_STEP
    m, n = (H - 1) // step + 1, (W - 1) // step + 1
    out = np.zeros((N_ORIENTATIONS, H, W), np.float32)
    if vectors.shape[1] < 2:
        return out
    # Each eigenvector rescaled to [0, 1] first, as gPb does: the sign and
    # norm of an eigenvector are arbitrary, and without the rescaling a
    # vector that varies over a few pixels only dominates the sum.
    v = vectors[:, 1:].T.astype(np.float32)
    low = v.min(axis=1, keepdims=True)
    v = (v - low) / np.maximum(v.max(axis=1, keepdims=True) - low, np.float32(1e-12))
    v = upsample(v.reshape(-1, m, n), step, (H, W))
    # Gaussian derivatives along x (columns) and y (rows) of every vector.
    gx = ndi.gaussian_filter1d(ndi.gaussian_filter1d(v, _GLOBAL_SIGMA, axis=1), _GLOBAL_SIGMA,
                               axis=2, order=1)
    gy = ndi.gaussian_filter1d(ndi.gaussian_filter1d(v, _GLOBAL_SIGMA, axis=1, order=1),
                               _GLOBAL_SIGMA, axis=2)
    scales = 1.0 / np.sqrt(np.maximum(values[1:], 1e-12))
    angles = np.arange(N_ORIENTATIONS) * np.pi / N_ORIENTATIONS
    # Derivative along each edge's normal (sin t, cos t) in (column, row).
    sum_oriented_derivatives(gx, gy, scales, np.sin(angles), np.cos(angles), out)
    peak = out.max()
    return out / peak if peak > 0 else out


@functools.lru_cache(maxsize=8)
def segment_table(radius, step):
    """Grid offsets within ``radius`` (one of each symmetric pair) and the pixels of their segments.

    Returns ``offsets`` ``(n, 2)``, ``starts`` ``(n + 1,)`` and the
    full-resolution pixel offsets ``points`` of each segment, endpoints
    included, one sample per pixel of its longer axis.
    """
    offsets, starts, points = [], [0], []
    for di in range(0, radius + 1):
        for dj in range(-radius, radius + 1):
            if di * di + dj * dj > radius * radius or (di == 0 and dj <= 0):
                continue
            length = step * max(abs(di), abs(dj))
            t = np.linspace(0.0, 1.0, length + 1)
            seg = np.unique(np.rint(np.column_stack([t * di * step, t * dj * step])).astype(np.int64),
                            axis=0)
            offsets.append((di, dj))
            points.extend(seg.tolist())
            starts.append(len(points))
    result = (np.array(offsets, np.int64), np.array(starts, np.int64), np.array(points, np.int64))
    for a in result:
        a.setflags(write=False)
    return result


def smooth_along_edges(oriented):
    """Each orientation's map filtered by a Gaussian elongated along that orientation.

    It joins the maxima of one edge into a ridge and lowers isolated
    responses of texture, so that the non-maximum suppression keeps one
    line per edge. Values stay in [0, 1] (the weights sum to 1).
    """
    taps, starts = edge_kernels(oriented.shape[0], _SMOOTH_ALONG, _SMOOTH_ACROSS)
    out = np.empty_like(oriented)
    smooth_oriented(np.ascontiguousarray(oriented, np.float32), taps, starts, out)
    return out


@functools.lru_cache(maxsize=8)
def edge_kernels(n_orientations, sigma_along, sigma_across, cutoff=1e-3):
    """Sparse anisotropic Gaussian kernels, one per orientation: ``(n_taps, 3)`` rows and starts.

    Taps below ``cutoff`` times the centre weight are left out; each kernel
    is then normalised to sum 1. Rows are ``(dy, dx, weight)`` in float64.
    """
    half = int(np.ceil(3 * sigma_along))
    dy, dx = np.mgrid[-half:half + 1, -half:half + 1]
    rows, starts = [], [0]
    for o in range(n_orientations):
        t = o * np.pi / n_orientations
        along = dx * np.cos(t) - dy * np.sin(t)  # the edge's direction (cos t, -sin t)
        across = dx * np.sin(t) + dy * np.cos(t)
        w = np.exp(-0.5 * (along / sigma_along) ** 2 - 0.5 * (across / sigma_across) ** 2)
        keep = w >= cutoff
        rows.append(np.column_stack([dy[keep], dx[keep], w[keep] / w[keep].sum()]))
        starts.append(starts[-1] + int(keep.sum()))
    taps, starts = np.concatenate(rows).astype(np.float64), np.array(starts, np.int64)
    taps.setflags(write=False)
    starts.setflags(write=False)
    return taps, starts


def finish(oriented):
    """The :class:`Contours` of per-orientation strengths: maximum, its orientation, NMS."""
    n_orient = oriented.shape[0]
    best = oriented.argmax(axis=0)
    strength = np.take_along_axis(oriented, best[None], axis=0)[0]
    # The parabola through the strengths at the best orientation and its two
    # neighbours (orientations wrap around at pi) places the orientation
    # between the sampled ones.
    prev = np.take_along_axis(oriented, ((best - 1) % n_orient)[None], axis=0)[0]
    nxt = np.take_along_axis(oriented, ((best + 1) % n_orient)[None], axis=0)[0]
    curvature = prev - 2 * strength + nxt
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curvature < 0, 0.5 * (prev - nxt) / curvature, 0.0)
    shift = np.clip(shift, -0.5, 0.5)
    orientation = (((best + shift) * (np.pi / n_orient)) % np.pi).astype(np.float32)
    orientation[orientation >= np.pi] = 0  # rounded up to pi in float32
    thin = np.empty_like(strength)
    non_max_suppression(strength, orientation, thin)
    return Contours(strength, orientation, thin, oriented)
