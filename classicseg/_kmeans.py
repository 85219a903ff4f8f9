"""k-means: the array engine :func:`kmeans` and the image function :func:`kmeans_segment`.

Lloyd's algorithm (Lloyd 1982): assign each pixel to its nearest mean,
recompute the means, stop when the means move less than a threshold. Starts:
random samples kept apart, uniform draws in the data's range, k-means on a
subset (after Bradley & Fayyad 1998), k-means++ (Arthur & Vassilvitskii 2007)
and explicit centres.

References
----------
S. P. Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory
28(2), 1982. D. Arthur and S. Vassilvitskii, "k-means++: the advantages of
careful seeding", SODA 2007. P. S. Bradley and U. M. Fayyad, "Refining
initial points for k-means clustering", ICML 1998.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from ._kernels._jit import few_threads_for
from ._kernels.kmeans import CHUNK, hamerly_pass, lloyd_pass, nearest_centers, reduce_chunks
from ._validate import (
    ConvergenceWarning,
    check_array,
    check_finite,
    check_float,
    check_int,
    check_memory,
    check_rng,
    check_start_label,
    check_weights,
    labels_to_image,
    prepare_image,
)
from ._regions import merge_small_clusters
from .features import feature_stack

INITS = ("subset", "random", "uniform", "k-means++")

# The "subset" start runs k-means on max(10 k, min(n, SUBSET_SIZE)) pixels,
# SUBSET_RESTARTS times from k-means++, and keeps the lowest subset inertia.
SUBSET_SIZE = 10_000
SUBSET_RESTARTS = 3
# Its centres then seed k-means on subsets SUBSET_GROWTH times larger in turn,
# the last a quarter of the samples: on large images the slow creep of Lloyd's
# iterations happens on samples, and the full run starts near its optimum.
SUBSET_GROWTH = 10
# Lloyd passes get a second thread only from this many samples per thread on.
PARALLEL_SAMPLES = 1 << 20
# Column means are summed in float64 over blocks of this many samples.
MEAN_BLOCK = 1 << 16


@dataclass(frozen=True)
class KMeansResult:
    """Result of :func:`kmeans`, with scikit-learn's meanings.

    Attributes
    ----------
    centers : (k, d) float64 ndarray
        Cluster centres.
    labels : (n,) intp ndarray
        0-based cluster of every sample.
    inertia : float
        Sum of weighted squared distances of the samples to their centre.
    n_iter : int
        Lloyd iterations (assign + update) of the best run.
    converged : bool
        Whether the best run stopped before ``max_iter``.
    """

    centers: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    converged: bool

    def predict(self, X):
        """Nearest centre of every sample: the assignment step alone.

        Labels new samples with the fitted centres, as scikit-learn's
        ``KMeans.predict`` does. Squared distances are computed in float64;
        a tie goes to the lower centre index.

        Parameters
        ----------
        X : (n_samples, n_features) array_like
            Samples in the feature space of :attr:`centers`.

        Returns
        -------
        labels : (n_samples,) intp ndarray
            0-based index of the nearest centre.

        Raises
        ------
        ValueError, TypeError
            ``X`` is not a finite 2-D numeric array with ``n_features``
            columns.

        Examples
        --------
        >>> import numpy as np
        >>> res = kmeans([[0.0], [1.0], [10.0], [11.0]], 2, init=[[0.0], [10.0]])
        >>> res.predict([[2.0], [8.0]]).tolist()
        [0, 1]
        """
        X = check_array(X, "X", ndim=2)
        d = self.centers.shape[1]
        if X.shape[1] != d:
            raise ValueError(f"X must have {d} columns, one per feature of the centres, "
                             f"got shape {X.shape}")
        check_finite(X, "X")
        dtype = np.float32 if X.dtype == np.float32 else np.float64
        return nearest_center_labels(np.ascontiguousarray(X.T, dtype=dtype), self.centers)


def nearest_center_labels(Xt, centers):
    """0-based nearest centre of every column of the ``(d, n)`` features ``Xt``.

    The k-means assignment step shared by :meth:`KMeansResult.predict` and
    :func:`classicseg.batch.assign_labels`: float64 distances, memory O(n),
    each sample's label a function of its own features only (a block of an
    image gets the labels of the whole image).
    """
    check_memory(Xt.shape[1] * 8, "the labels of the samples",
                 "label the image block by block (a dask array, kmeans_segment_blocks)")
    labels = np.empty(Xt.shape[1], dtype=np.intp)
    nearest_centers(np.ascontiguousarray(Xt), np.ascontiguousarray(centers, dtype=np.float64),
                    labels)
    return labels


def kmeans(X, k, *, init="subset", n_init=1, tol=0.5, max_iter=100, sample_weight=None,
           min_distance=None, rng=None):
    """k-means clustering of samples by Lloyd's algorithm.

    Parameters
    ----------
    X : (n_samples, n_features) array_like
        Samples. Computation runs in float32 on the data centred on its mean,
        with float64 accumulators.
    k : int
        Number of clusters, 1 <= k <= n_samples.
    init : {"subset", "random", "uniform", "k-means++"} or (k, n_features) array_like
        Initial centres:

        * ``"subset"`` (default; after Bradley & Fayyad 1998): k-means on a random
          subset of ``max(10 k, min(n, 10000))`` samples (best of 3 starts
          from k-means++) seeds the full run;
        * ``"random"``: k random samples; a pick closer than
          ``min_distance`` to an accepted one is drawn again, and after a
          bounded number of draws the candidate farthest from the accepted
          ones wins;
        * ``"uniform"``: k means drawn uniformly within the range
          of each feature;
        * ``"k-means++"``: greedy k-means++ (Arthur & Vassilvitskii 2007) as
          scikit-learn does it;
        * an array: these centres (for instance fitted on another image).
    n_init : int
        Runs from different starts; the lowest inertia wins.
    tol : float
        Stop when no centre moved more than ``tol`` (absolute, in feature
        units; 0.5 is half an 8-bit level). Unlike scikit-learn's, it is
        not relative to the data's variance. Iteration also stops when no
        label changes.
    max_iter : int
        Maximum number of Lloyd iterations per run.
    sample_weight : (n_samples,) array_like, optional
        Non-negative weight of each sample.
    min_distance : float, optional
        For ``init="random"``: the least distance between two initial
        centres, by default 5% of the diagonal of the features' range.
    rng : None, int or numpy.random.Generator
        Source of randomness; the same seed gives the same result, whatever
        the number of threads.

    Returns
    -------
    KMeansResult
        ``centers``, ``labels``, ``inertia``, ``n_iter``, ``converged``.

    Raises
    ------
    ValueError
        k out of range, empty or non-finite X, bad init shape, negative
        weights, non-positive tol.

    Warns
    -----
    ConvergenceWarning
        Fewer distinct clusters than k were found (duplicate samples).

    Examples
    --------
    >>> X = [[0, 0], [0.5, 0], [0.5, 1], [1, 1]]
    >>> res = kmeans(X, 2, init=[[0, 0], [1, 1]], sample_weight=[3, 1, 1, 3], tol=0)
    >>> res.labels.tolist(), res.inertia
    ([0, 0, 1, 1], 0.375)
    """
    X = check_array(X, "X", ndim=2)
    check_finite(X, "X")
    return _kmeans(X, k, init, n_init, tol, max_iter, sample_weight, min_distance, rng)


def _kmeans(X, k, init, n_init, tol, max_iter, sample_weight, min_distance, rng,
            in_place=False):
    """:func:`kmeans` on a checked, finite ``X``.

    With ``in_place``, ``X`` is the ``(n, d)`` transpose of a C-contiguous
    float32 feature-major array that the caller owns and no longer needs
    (:func:`kmeans_segment`'s features): it is centred where it lies instead
    of into a copy, which saves the largest array of the run.
    """
    n, d = X.shape
    k = check_int(k, "k", minimum=1, maximum=n)
    n_init = check_int(n_init, "n_init", minimum=1)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = check_float(tol, "tol", nonnegative=True)
    weights = check_weights(sample_weight, n)
    rng = check_rng(rng)
    explicit = not isinstance(init, str)
    if not explicit and init not in INITS:
        raise ValueError(f"unknown init={init!r}; expected one of {', '.join(INITS)} or a (k, d) array")
    if min_distance is not None:
        min_distance = check_float(min_distance, "min_distance", nonnegative=True)

    # Centring keeps float32 distances accurate for data far from the origin:
    # the mean is subtracted in float64 before the cast (1e7 + U(0, 1) keeps
    # its spread), one feature at a time through small buffers.
    check_memory(n * ((0 if in_place else 4 * d) + 8 + 12 + 8),
                 "k-means' features, labels and bounds",
                 "cluster a random subset of the samples (or use kmeans_segment_blocks)")
    offset = np.array([_column_mean(X[:, f]) for f in range(d)])
    if in_place and not np.isfinite(offset).all():
        # float32 sums in float64 cannot overflow: some feature is NaN or inf (kmeans()
        # checked its X; an image's features can overflow float32 though it is finite).
        raise ValueError("the pixel features contain NaN or infinite values")
    Xt = X.T if in_place else np.empty((d, n), dtype=np.float32)
    for f in range(d):
        np.subtract(X[:, f], offset[f], out=Xt[f], dtype=np.float64, casting="unsafe")
    if explicit:
        # Shifted like the samples, so that a centre on a sample stays on it.
        centers0 = (_check_init_array(init, k, d) - offset).astype(np.float32).astype(np.float64)
        n_init = 1

    best = None
    for _ in range(n_init):
        if not explicit:
            centers0 = initial_centers(Xt, k, init, weights, rng, min_distance, tol)
        run = _lloyd(Xt, weights, centers0, tol, max_iter)
        if best is None or run[2] < best[2]:
            best = run
    centers, labels, inertia, n_iter, converged, n_found = best
    if n_found < k:
        warnings.warn(
            f"Number of distinct clusters ({n_found}) found smaller than k ({k}). "
            "Possibly due to duplicate points in X.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return KMeansResult(centers + offset, labels.astype(np.intp), float(inertia), n_iter, converged)


def kmeans_segment(image, k, *, features=None, init="subset", n_init=1, tol=0.5, max_iter=100,
                   spatial_scale=1.0, spacing=None, data_range=None, channel_axis=-1, mask=None,
                   rng=None, start_label=1, return_info=False, min_size=0):
    """Segment an image by k-means over pixel features.

    Parameters
    ----------
    image : (M, N[, P][, C]) ndarray
        Image or volume, grayscale (``channel_axis=None``) or with channels.
    k : int
        Number of clusters.
    features : str, callable or ndarray, optional
        Feature space, see :func:`classicseg.pixel_features` (``"rgb"``,
        ``"rgbxy"``, ``"lab"``, ...; None: colour + position).
    init, n_init, tol, max_iter, rng
        As in :func:`kmeans`. An ``init`` array of centres fitted on another
        image labels this one with them (use ``max_iter=1`` to keep them
        almost fixed).
    spatial_scale, spacing, data_range, channel_axis, mask
        As in :func:`classicseg.pixel_features`.
    start_label : {0, 1}
        Label of the first cluster; pixels outside ``mask`` get
        ``start_label - 1``.
    return_info : bool
        Also return the :class:`KMeansResult`.
    min_size : int
        Connected regions smaller than this many pixels merge into their most
        similar neighbouring region (by mean colour), see
        :func:`classicseg.merge_small_regions`; labels are then renumbered
        consecutively (``info`` keeps the clustering's). 0 keeps every region.

    Returns
    -------
    labels : (M, N[, P]) intp ndarray
        Cluster of every pixel, from ``start_label``.
    info : KMeansResult
        Only with ``return_info=True``.

    Raises
    ------
    ValueError, TypeError
        Bad image, mask, feature space or parameter; the message names it.

    Examples
    --------
    >>> from skimage import data
    >>> img = data.astronaut()[::8, ::8]
    >>> labels = kmeans_segment(img, 4, features="rgbxy", rng=0)
    >>> labels.shape, int(labels.min()), int(labels.max())
    ((64, 64), 1, 4)
    """
    start_label = check_start_label(start_label)
    img, is_color, mask = prepare_image(image, channel_axis, mask)
    min_size = check_int(min_size, "min_size", minimum=0)
    Xt = feature_stack(img, is_color, features, spatial_scale=spatial_scale, spacing=spacing,
                       data_range=data_range, mask=mask)
    # The features are ours: k-means centres them in place unless the merging
    # of small regions needs them afterwards.
    info = _kmeans(Xt.T, k, init, n_init, tol, max_iter, None, None, rng, in_place=min_size <= 1)
    merged = merge_small_clusters(info.labels, Xt, img, is_color, features, mask, min_size)
    del Xt
    labels = labels_to_image(merged, img.shape[:-1], mask, start_label)
    return (labels, info) if return_info else labels


def initial_centers(Xt, k, init, weights, rng, min_distance=None, tol=0.5):
    """Initial ``(k, d)`` float64 centres from feature-major samples ``Xt``.

    ``tol`` is the stop rule of the runs on growing subsets (``"subset"``).
    """
    if init == "uniform":
        points = Xt if weights is None else Xt[:, weights > 0]
        return rng.uniform(points.min(axis=1), points.max(axis=1), size=(k, Xt.shape[0]))
    if init == "random":
        return _init_random(Xt, k, weights, rng, min_distance)
    if init == "k-means++":
        return _init_kmeanspp(Xt, k, weights, rng)
    return _init_subset(Xt, k, weights, rng, tol)


def _init_random(Xt, k, weights, rng, min_distance):
    """Random samples, resampling picks too close to accepted ones."""
    n = Xt.shape[1]
    pool = np.arange(n) if weights is None else np.flatnonzero(weights > 0)
    if min_distance is None:
        min_distance = 0.05 * float(np.linalg.norm(Xt.max(axis=1) - Xt.min(axis=1)))
    # A bounded number of draws: enough to resample a few times per centre.
    draws = pool[rng.choice(pool.size, size=min(pool.size, 10 * k + 100), replace=False)]
    candidates = Xt[:, draws].T.astype(np.float64)
    accepted = [0]
    closest = np.linalg.norm(candidates - candidates[0], axis=1)
    for i in range(1, len(candidates)):
        if len(accepted) == k:
            break
        if closest[i] >= min_distance and closest[i] > 0:
            accepted.append(i)
            closest = np.minimum(closest, np.linalg.norm(candidates - candidates[i], axis=1))
    while len(accepted) < k:
        # Out of draws: the candidate farthest from every accepted centre wins.
        i = int(np.argmax(closest))
        accepted.append(i)
        closest = np.minimum(closest, np.linalg.norm(candidates - candidates[i], axis=1))
    return candidates[accepted]


def _init_kmeanspp(Xt, k, weights, rng):
    """Greedy k-means++ (Arthur & Vassilvitskii 2007), as scikit-learn's ``_kmeans_plusplus``."""
    d, n = Xt.shape
    w = np.ones(n) if weights is None else weights.astype(np.float64)
    X = Xt.T.astype(np.float64)
    n_trials = 2 + int(np.log(k))
    centers = np.empty((k, d))
    first = rng.choice(n, p=w / w.sum())
    centers[0] = X[first]
    closest = ((X - centers[0]) ** 2).sum(axis=1)
    potential = (w * closest).sum()
    for c in range(1, k):
        if potential <= 0:
            # Fewer distinct points than k: repeat one; Lloyd will warn.
            centers[c:] = centers[0]
            break
        draws = rng.uniform(size=n_trials) * potential
        ids = np.minimum(np.searchsorted(np.cumsum(w * closest), draws), n - 1)
        trial = np.minimum(closest, ((X[None, :, :] - X[ids][:, None, :]) ** 2).sum(axis=2))
        pots = trial @ w
        best = int(np.argmin(pots))
        centers[c] = X[ids[best]]
        closest, potential = trial[best], pots[best]
    return centers


def _init_subset(Xt, k, weights, rng, tol=0.5):
    """k-means on a random subset of pixels seeds the full run (Bradley & Fayyad 1998).

    On many samples the subset's centres seed k-means on larger random
    subsets in turn (``SUBSET_GROWTH``), each run stopped by ``tol``.
    """
    pool = None if weights is None else np.flatnonzero(weights > 0)
    n_pool = Xt.shape[1] if pool is None else pool.size
    size = max(10 * k, min(n_pool, SUBSET_SIZE))
    if size >= n_pool:
        return _init_kmeanspp(Xt, k, weights, rng)
    idx = _stratified_sample(pool, n_pool, size, rng)
    sub = np.ascontiguousarray(Xt[:, idx])
    sub_w = None if weights is None else weights[idx]
    best = None
    for _ in range(SUBSET_RESTARTS):
        run = _lloyd(sub, sub_w, _init_kmeanspp(sub, k, sub_w, rng), 0.0, 100)
        if best is None or run[2] < best[2]:
            best = run
    centers = best[0]
    while 2 * size <= n_pool // 4:
        size = min(size * SUBSET_GROWTH, n_pool // 4)
        idx = _stratified_sample(pool, n_pool, size, rng)
        sub_w = None if weights is None else weights[idx]
        centers = _lloyd(np.ascontiguousarray(Xt[:, idx]), sub_w, centers, tol, 100)[0]
    return centers


def _stratified_sample(pool, n_pool, size, rng):
    """``size`` distinct sorted sample indices, one drawn uniformly in each of
    ``size`` runs of consecutive candidates (stratified sampling).

    Candidates are ``pool`` (sorted indices) or, if None, ``0 .. n_pool-1``.
    Every candidate has about the same chance, as with a draw without
    replacement, at O(size) cost; in an image's raster order the strata also
    spread the samples over the whole image.
    """
    edges = np.arange(size + 1, dtype=np.int64) * n_pool // size
    idx = edges[:-1] + (rng.random(size) * np.diff(edges)).astype(np.int64)
    return idx if pool is None else pool[idx]


def _column_mean(column):
    """Mean of a 1-D array in float64, the same bits whatever its stride.

    Blocks are copied to contiguous float64 and summed pairwise, then added
    in order: the result depends on the values only, not on the memory
    layout of ``X`` (a mean over axis 0 sums C and Fortran arrays in other
    orders), and no float64 copy of the whole column is made.
    """
    total = 0.0
    for start in range(0, column.shape[0], MEAN_BLOCK):
        total += float(np.add.reduce(column[start:start + MEAN_BLOCK].astype(np.float64)))
    return total / column.shape[0]


def _lloyd(Xt, weights, centers, tol, max_iter):
    """Lloyd iterations from ``centers``; see :func:`_lloyd_iterations`.

    A pass over fewer than ``PARALLEL_SAMPLES`` samples per thread runs on
    fewer threads: most iterations skip most samples (Hamerly's bounds), so a
    pass is too short to pay for waking a thread on a busy machine.
    """
    with few_threads_for(-(-Xt.shape[1] // CHUNK), PARALLEL_SAMPLES // CHUNK):
        return _lloyd_iterations(Xt, weights, centers, tol, max_iter)


def _lloyd_iterations(Xt, weights, centers, tol, max_iter):
    """Lloyd iterations from ``centers``; returns (centers, labels, inertia, n_iter, converged, n_found).

    The first iteration computes every distance and sets Hamerly's bounds;
    the next ones recompute only where the bounds cannot prove a label; a
    last pass gives the labels and inertia that belong to the final centres
    (as scikit-learn's final E-step), with the bounds as well.
    """
    d, n = Xt.shape
    k = centers.shape[0]
    n_chunks = (n + CHUNK - 1) // CHUNK
    w = np.empty(0, np.float32) if weights is None else weights
    labels = np.full(n, -1, dtype=np.int32)
    upper = np.empty(n, dtype=np.float32)
    lower = np.empty(n, dtype=np.float32)
    sums = np.empty((n_chunks, k, d))
    counts = np.empty((n_chunks, k))
    changed = np.empty(n_chunks, dtype=np.int64)
    inertia = np.empty(n_chunks)
    centers32 = np.asarray(centers, dtype=np.float32)
    shift = np.zeros(k)
    converged = False
    for n_iter in range(1, max_iter + 1):
        if n_iter == 1:
            lloyd_pass(Xt, w, centers32, labels, upper, lower, sums, counts, changed, inertia)
        else:
            hamerly_pass(Xt, w, centers32, shift, _half_gaps(centers32), labels, upper, lower,
                         sums, counts, changed, inertia[:0])
        if changed.sum() == 0:
            # Same labels as the pass before: the centres are their means already.
            converged = True
            shift[:] = 0.0
            break
        total, weight = reduce_chunks(sums, counts)
        _relocate_empty(Xt, w, centers32, labels, total, weight)
        new = centers32.astype(np.float64)
        filled = weight > 0
        new[filled] = total[filled] / weight[filled, None]
        new32 = new.astype(np.float32)
        shift = np.sqrt(((new32.astype(np.float64) - centers32) ** 2).sum(axis=1))
        centers32 = new32
        if shift.max() <= tol:
            converged = True
            break
    hamerly_pass(Xt, w, centers32, shift, _half_gaps(centers32), labels, upper, lower, sums,
                 counts, changed, inertia)
    weight = reduce_chunks(sums, counts)[1]
    return (centers32.astype(np.float64), labels, inertia.sum(), n_iter, converged,
            int(np.count_nonzero(weight > 0)))


def _half_gaps(centers):
    """Half the distance from each centre to its nearest other centre (inf if k == 1)."""
    c = centers.astype(np.float64)
    gaps = np.sqrt(((c[:, None, :] - c[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(gaps, np.inf)
    return 0.5 * gaps.min(axis=1)


def _relocate_empty(Xt, w, centers, labels, total, weight):
    """Give each empty cluster one of the samples farthest from their centre.

    As scikit-learn's ``_relocate_empty_clusters_dense``: the sample leaves its
    cluster's sums and becomes the empty cluster's only member. Nothing moves
    when every sample sits on its centre (more clusters than distinct points).
    """
    empty = np.flatnonzero(weight == 0)
    if empty.size == 0:
        return
    diff = Xt - centers[labels].T
    dist = (diff * diff).sum(axis=0)
    if w.size:
        dist[w == 0] = -1.0  # a zero-weight sample cannot fill a cluster
    if dist.max() <= 0:
        return
    far = np.argsort(-dist, kind="stable")[: empty.size]
    for j, i in zip(empty, far):
        if dist[i] <= 0:
            break
        wi = float(w[i]) if w.size else 1.0
        x = Xt[:, i].astype(np.float64)
        total[labels[i]] -= wi * x
        weight[labels[i]] -= wi
        total[j] = wi * x
        weight[j] = wi


def _check_init_array(init, k, d):
    centers = np.array(init, dtype=np.float64)  # a copy: the caller's array is never touched
    if centers.shape != (k, d):
        raise ValueError(f"init array must have shape (k, n_features) = ({k}, {d}), got {centers.shape}")
    check_finite(centers, "init")
    return centers
