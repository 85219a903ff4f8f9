"""Region metrics of the BSDS500 benchmark: Rand index, PRI, VI, covering, ODS/OIS.

The definitions are those of Arbelaez, Maire, Fowlkes and Malik, "Contour
Detection and Hierarchical Image Segmentation", TPAMI 33(5), 2011, section 3.2,
as computed by the benchmark's own code (``match_segmentations`` for the
covering, ``match_segmentations2`` for PRI and VI, ``evaluation_reg_image`` and
``collect_eval_reg`` for the pooling over images):

* every score is a function of the contingency table ``n_ij`` = number of
  pixels in truth region i and segment j, counted with one ``np.bincount``
  (or, when the table would not fit, a sort of the same keys);
* truth pixels labelled 0 are unlabelled: they belong to no truth region, are
  left out of PRI and VI, but still count in the area of the segments that
  contain them (as in ``match_segmentations``);
* label ids of the segmentation are arbitrary (any integers, 0 included).
"""

from dataclasses import dataclass

import numpy as np

from ._progress import progress_bar
from ._tables import markdown_table, text_table
from ._validate import check_int, check_labels, check_memory, compact_labels

# A contingency table with more cells than this many times the number of
# pixels is counted by sorting its keys instead of allocating every cell.
_DENSE_CELLS_PER_PIXEL = 4


@dataclass(frozen=True)
class RegionBenchmark:
    """Scores of one method over a set of images, pooled as the BSDS benchmark does.

    Attributes
    ----------
    params : tuple
        The parameter values, one per segmentation of every image.
    covering, pri, vi : (n_params,) float64 ndarray
        The score of the whole set at each parameter: covering pooled over
        images (sum of covered areas over sum of truth areas), PRI and VI
        averaged over images.
    covering_ods, pri_ods, vi_ods : float
        Optimal dataset scale: the best of ``covering``, ``pri`` (highest) and
        ``vi`` (lowest); each metric picks its own parameter.
    covering_ods_param, pri_ods_param, vi_ods_param
        The parameter value each of them picked (the first one on ties).
    covering_ois, pri_ois, vi_ois : float
        Optimal image scale: the parameter chosen per image, then pooled as
        above.
    covering_best : float
        Every truth region matched to its best segment over all parameters,
        pooled over the set ("Best" in the BSDS tables).
    image_covering, image_pri, image_vi : (n_images, n_params) float64 ndarray
        Per-image scores (covering of the image alone).
    """

    params: tuple
    covering: np.ndarray
    pri: np.ndarray
    vi: np.ndarray
    covering_ods: float
    covering_ods_param: object
    covering_ois: float
    covering_best: float
    pri_ods: float
    pri_ods_param: object
    pri_ois: float
    vi_ods: float
    vi_ods_param: object
    vi_ois: float
    image_covering: np.ndarray
    image_pri: np.ndarray
    image_vi: np.ndarray

    @property
    def n_images(self):
        """Number of images scored."""
        return self.image_pri.shape[0]

    _HEADERS = ("metric", "ODS", "ODS param", "OIS", "Best")

    def _rows(self):
        return [("covering", self.covering_ods, self.covering_ods_param, self.covering_ois,
                 self.covering_best),
                ("PRI", self.pri_ods, self.pri_ods_param, self.pri_ois, None),
                ("VI", self.vi_ods, self.vi_ods_param, self.vi_ois, None)]

    def to_markdown(self):
        """The ODS / OIS / Best scores as a Markdown table."""
        return markdown_table(self._HEADERS, self._rows())

    def __str__(self):
        return text_table(self._HEADERS, self._rows(),
                          title=f"BSDS region benchmark, {self.n_images} images, "
                                f"{len(self.params)} parameter values")


# --------------------------------------------------------------------------
# Contingency tables


@dataclass(frozen=True)
class _Truth:
    """One annotator's label map, compacted once and scored against many segmentations."""

    ids: np.ndarray          # (n_pixels,) 0-based region id of every pixel
    n_ids: int
    unlabelled: int          # id of the ignored label, -1 if absent
    n_labelled: int          # pixels in truth regions


def _prepare_truth(gt, ignore_index, name):
    values, ids = compact_labels(gt)
    n_ids = values.size
    hit = np.flatnonzero(values == ignore_index) if ignore_index is not None else ()
    unlabelled = int(hit[0]) if len(hit) else -1
    n_labelled = ids.size - (int(np.count_nonzero(ids == unlabelled)) if unlabelled >= 0 else 0)
    if n_labelled == 0:
        raise ValueError(
            f"{name} has no labelled pixel (every pixel is ignore_index={ignore_index})")
    return _Truth(ids, n_ids, unlabelled, n_labelled)


def _contingency(truth, seg_ids, n_seg):
    """Non-zero cells of the truth x segment table, in row-major order.

    Returns ``rows, cols, counts`` (int64 arrays): truth id, segment id and
    number of pixels of every non-empty cell.
    """
    n_cells = truth.n_ids * n_seg
    keys = truth.ids.astype(np.int64) * n_seg + seg_ids
    if n_cells <= max(_DENSE_CELLS_PER_PIXEL * keys.size, 1 << 16):
        check_memory(8 * (n_cells + 2 * keys.size), "the contingency table",
                     "score a downsampled pair of label maps")
        table = np.bincount(keys, minlength=n_cells)
        cells = np.flatnonzero(table)
        counts = table[cells]
    else:  # a table this sparse would not fit: count the keys by sorting
        cells, counts = np.unique(keys, return_counts=True)
    return cells // n_seg, cells % n_seg, counts.astype(np.int64)


def _pairs(counts):
    """Sum of C(n, 2) over ``counts``: the unordered pixel pairs they hold."""
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def _xlog2x_sum(counts):
    counts = counts[counts > 0].astype(np.float64)
    return float((counts * np.log2(counts)).sum())


def _pair_scores(truth, seg_ids, n_seg):
    """Rand index, VI, and each truth region's area and best IoU for one annotator."""
    rows, cols, counts = _contingency(truth, seg_ids, n_seg)

    # Covering (match_segmentations): IoU of truth region i and segment j,
    # the segment's area counting unlabelled truth pixels too.
    seg_area = np.bincount(cols, weights=counts, minlength=n_seg)
    gt_area = np.bincount(rows, weights=counts, minlength=truth.n_ids)
    iou = counts / (gt_area[rows] + seg_area[cols] - counts)
    # Rows are sorted and every truth id has a pixel, so each id starts a run.
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    best_iou = np.maximum.reduceat(iou, starts)
    if truth.unlabelled >= 0:
        keep_region = np.arange(truth.n_ids) != truth.unlabelled
        gt_area, best_iou = gt_area[keep_region], best_iou[keep_region]
        labelled = rows != truth.unlabelled
        rows, cols, counts = rows[labelled], cols[labelled], counts[labelled]

    # Rand index over the unordered pairs of labelled pixels: pairs together in
    # both, plus pairs apart in both (Rand 1971; BSDS match_segmentations2).
    n = truth.n_labelled
    row_sums = np.bincount(rows, weights=counts).astype(np.int64)
    col_sums = np.bincount(cols, weights=counts).astype(np.int64)
    all_pairs = n * (n - 1) // 2
    together_both = _pairs(counts)
    apart_both = all_pairs - _pairs(row_sums) - _pairs(col_sums) + together_both
    ri = (together_both + apart_both) / all_pairs if all_pairs else 1.0

    # VI = H(G) + H(S) - 2 I(G;S) = 2 H(G,S) - H(G) - H(S), in bits (Meila 2007);
    # with H(X) = log2 n - sum(c log2 c) / n the log2 n terms cancel.
    vi = (_xlog2x_sum(row_sums) + _xlog2x_sum(col_sums) - 2 * _xlog2x_sum(counts)) / n
    return ri, max(vi, 0.0), gt_area, best_iou


def _check_ignore_index(ignore_index):
    if ignore_index is None:
        return None
    return check_int(ignore_index, "ignore_index")


def _prepare_truths(gts, shape, ignore_index, name="gts"):
    """A list of :class:`_Truth` from one label map or a sequence of them."""
    if isinstance(gts, np.ndarray) and gts.ndim == len(shape):
        gts = [gts]
    elif isinstance(gts, np.ndarray) and gts.ndim != len(shape) + 1:
        raise ValueError(
            f"gts must be one label map of shape {shape} or a stack/sequence of them, "
            f"got shape {gts.shape}"
        )
    gts = list(gts)
    if not gts:
        raise ValueError("gts holds no annotator")
    return [_prepare_truth(check_labels(gt, name, shape=shape, shape_of="seg"), ignore_index, name) for gt in gts]


def _prepare_seg(seg):
    seg = check_labels(seg, "seg")
    values, ids = compact_labels(seg)
    return seg.shape, ids, values.size


def _image_scores(truths, seg):
    """PRI, mean VI, covered area and per-region best IoU of one segmentation."""
    _, seg_ids, n_seg = seg
    scores = [_pair_scores(t, seg_ids, n_seg) for t in truths]
    pri = float(np.mean([s[0] for s in scores]))
    vi = float(np.mean([s[1] for s in scores]))
    areas = np.concatenate([s[2] for s in scores])
    best_iou = np.concatenate([s[3] for s in scores])
    return pri, vi, areas, best_iou


# --------------------------------------------------------------------------
# Public metrics


def rand_index(gt, seg, *, ignore_index=0):
    """Rand index of a segmentation against one ground truth.

    The fraction of unordered pixel pairs on which the two partitions agree
    (both together or both apart), from the contingency table ``n_ij``:
    ``RI = (C(N,2) + 2 sum C(n_ij,2) - sum C(a_i,2) - sum C(b_j,2)) / C(N,2)``
    with ``a``, ``b`` its row and column sums (Rand 1971).

    Parameters
    ----------
    gt : (M, N[, P]) int ndarray
        Ground-truth labels, any integer ids.
    seg : (M, N[, P]) int ndarray
        Segmentation of the same shape, any integer ids.
    ignore_index : int or None, optional
        Truth label of unlabelled pixels, left out of every pair (BSDS: 0).
        None counts every pixel.

    Returns
    -------
    ri : float
        In [0, 1]; 1 when the partitions are equal (up to renaming).

    Raises
    ------
    TypeError
        Non-integer labels.
    ValueError
        Shapes differ, an empty array, or no labelled truth pixel.

    See Also
    --------
    probabilistic_rand_index : the mean over several annotators.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.array([[1, 1], [2, 2]])
    >>> round(rand_index(gt, np.array([[1, 2], [1, 2]])), 4)
    0.3333
    >>> rand_index(gt, np.array([[5, 5], [0, 0]]))
    1.0
    """
    ignore_index = _check_ignore_index(ignore_index)
    seg = _prepare_seg(seg)
    return _image_scores(_prepare_truths([gt], seg[0], ignore_index, "gt"), seg)[0]


def probabilistic_rand_index(gts, seg, *, ignore_index=0):
    """Probabilistic Rand index: the mean Rand index over the annotators.

    This is the PRI of the BSDS benchmark (Unnikrishnan et al., PAMI 2007, as
    computed by ``match_segmentations2``): each annotator's Rand index over
    its labelled pixels, averaged.

    Parameters
    ----------
    gts : sequence of (M, N[, P]) int ndarray, or one such array
        The annotators' label maps (a stack ``(n_annotators, M, N)`` works).
    seg : (M, N[, P]) int ndarray
        Segmentation, any integer ids.
    ignore_index : int or None, optional
        Truth label of unlabelled pixels (BSDS: 0); None counts every pixel.

    Returns
    -------
    pri : float
        In [0, 1].

    Raises
    ------
    TypeError
        Non-integer labels.
    ValueError
        Shapes differ, no annotator, an empty array, or an annotator without
        labelled pixels.

    Examples
    --------
    >>> import numpy as np
    >>> gts = [np.array([[1, 1], [2, 2]]), np.array([[1, 2], [1, 2]])]
    >>> probabilistic_rand_index(gts, np.array([[3, 3], [4, 4]]))
    0.6666666666666666
    """
    ignore_index = _check_ignore_index(ignore_index)
    seg = _prepare_seg(seg)
    truths = _prepare_truths(gts, seg[0], ignore_index)
    return _image_scores(truths, seg)[0]


def variation_of_information(gt, seg, *, ignore_index=0):
    """Variation of information between a ground truth and a segmentation, in bits.

    ``VI = H(G) + H(S) - 2 I(G; S)`` (Meila 2007), from the contingency
    table. scikit-image's ``skimage.metrics.variation_of_information`` returns
    the two conditional entropies ``H(G|S)`` and ``H(S|G)``, whose sum this
    is. The BSDS benchmark averages it over the annotators.

    Parameters
    ----------
    gt : (M, N[, P]) int ndarray
        Ground-truth labels, any integer ids.
    seg : (M, N[, P]) int ndarray
        Segmentation of the same shape, any integer ids.
    ignore_index : int or None, optional
        Truth label of unlabelled pixels, left out (BSDS: 0); None counts
        every pixel.

    Returns
    -------
    vi : float
        >= 0, and 0 exactly when the partitions are equal; lower is better.

    Raises
    ------
    TypeError
        Non-integer labels.
    ValueError
        Shapes differ, an empty array, or no labelled truth pixel.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.array([[1, 1], [2, 2]])
    >>> variation_of_information(gt, np.array([[1, 2], [1, 2]]))
    2.0
    >>> variation_of_information(gt, np.array([[7, 7], [7, 7]]))
    1.0
    """
    ignore_index = _check_ignore_index(ignore_index)
    seg = _prepare_seg(seg)
    return _image_scores(_prepare_truths([gt], seg[0], ignore_index, "gt"), seg)[1]


def segmentation_covering(gts, seg, *, ignore_index=0):
    """Segmentation covering of the annotators' regions by a segmentation.

    For every region R of every annotator, ``|R|`` times the best
    intersection over union of R with a segment; summed over the annotators
    and divided by their number of labelled pixels (annotators x pixels when
    nothing is unlabelled). This is the BSDS benchmark's "GT covering"
    (Arbelaez et al. TPAMI 2011, eq. 14; ``match_segmentations``).

    Parameters
    ----------
    gts : sequence of (M, N[, P]) int ndarray, or one such array
        The annotators' label maps.
    seg : (M, N[, P]) int ndarray
        Segmentation, any integer ids.
    ignore_index : int or None, optional
        Truth label of unlabelled pixels (BSDS: 0): they form no region, but
        count in the area of the segments that hold them. None: every truth
        label is a region.

    Returns
    -------
    covering : float
        In [0, 1]; 1 when the segmentation equals every annotator's.

    Raises
    ------
    TypeError
        Non-integer labels.
    ValueError
        Shapes differ, no annotator, an empty array, or an annotator without
        labelled pixels.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.array([[1, 1], [2, 2]])
    >>> segmentation_covering([gt], np.array([[1, 2], [1, 2]]))
    0.3333333333333333
    >>> segmentation_covering([gt], gt + 10)
    1.0
    """
    ignore_index = _check_ignore_index(ignore_index)
    seg = _prepare_seg(seg)
    truths = _prepare_truths(gts, seg[0], ignore_index)
    _, _, areas, best_iou = _image_scores(truths, seg)
    return float(areas @ best_iou / areas.sum())


def region_benchmark(results, *, params=None, ignore_index=0, progress=False):
    """ODS, OIS and Best of covering, PRI and VI over a set of images.

    Each image brings its annotators and one segmentation per parameter value
    (a scale, a number of clusters, a window ...). Pooling follows the BSDS
    benchmark (``collect_eval_reg``):

    * covering pools numerators (covered area) and denominators (truth area)
      over images; PRI and VI are averaged per image;
    * ODS (optimal dataset scale): one parameter for the whole set, chosen by
      each metric for itself (highest covering and PRI, lowest VI; the first
      parameter on ties);
    * OIS (optimal image scale): the best parameter of each image, then pooled;
    * covering "Best": each truth region takes its best segment over all
      parameters.

    Parameters
    ----------
    results : iterable of (gts, segs)
        One item per image: ``gts`` as in :func:`segmentation_covering`,
        ``segs`` a sequence of ``n_params`` label maps, the same number for
        every image. A generator is consumed one image at a time, so the
        segmentations of the whole set never need to be in memory.
    params : sequence, optional
        The parameter value of each segmentation (reported with ODS);
        default ``0 .. n_params-1``.
    ignore_index : int or None, optional
        Truth label of unlabelled pixels (BSDS: 0).
    progress : bool or dict, optional
        Show a progress bar on stderr (a dict gives options of
        ``tqdm.auto.tqdm``, e.g. ``{"total": 100}``).

    Returns
    -------
    RegionBenchmark
        The ODS/OIS/Best scores, the per-parameter curves and the per-image
        scores.

    Raises
    ------
    TypeError
        Non-integer labels.
    ValueError
        No image, an image without segmentations, a different number of
        segmentations between images or against ``params``, or a metric's
        own error (shapes, no labelled pixel).

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.array([[1, 1], [2, 2]])
    >>> one, two = np.ones((2, 2), int), gt
    >>> bench = region_benchmark([([gt], [one, two]), ([gt], [two, one])], params=["a", "b"])
    >>> bench.covering_ods, bench.covering_ods_param, bench.covering_ois
    (0.75, 'a', 1.0)
    """
    ignore_index = _check_ignore_index(ignore_index)
    n_params = None if params is None else len(params)
    image_cover, image_pri, image_vi = [], [], []
    covered, truth_area, covered_best = [], [], []
    total = len(results) if hasattr(results, "__len__") else None
    for i, item in enumerate(progress_bar(results, progress, total=total,
                                          desc="region benchmark")):
        try:
            gts, segs = item
        except (TypeError, ValueError):
            raise ValueError(f"results[{i}] must be a pair (gts, segs)") from None
        try:
            segs = [_prepare_seg(seg) for seg in segs]
            if segs:
                truths = _prepare_truths(gts, segs[0][0], ignore_index)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"results[{i}]: {exc}") from exc
        if not segs:
            raise ValueError(f"results[{i}] has no segmentation")
        if any(seg[0] != segs[0][0] for seg in segs):
            raise ValueError(f"results[{i}]: its segmentations differ in shape")
        if n_params is None:
            n_params = len(segs)
        elif len(segs) != n_params:
            raise ValueError(
                f"results[{i}] has {len(segs)} segmentations, expected {n_params} "
                "(one per parameter value, as in the other images and params)"
            )
        scores = [_image_scores(truths, seg) for seg in segs]
        areas = scores[0][2]
        best_iou = np.array([s[3] for s in scores])         # (n_params, n_regions)
        image_pri.append([s[0] for s in scores])
        image_vi.append([s[1] for s in scores])
        covered.append(best_iou @ areas)
        truth_area.append(areas.sum())
        covered_best.append(areas @ best_iou.max(axis=0))
        image_cover.append(covered[-1] / truth_area[-1])
    if not image_pri:
        raise ValueError("results holds no image")

    covered, truth_area = np.array(covered), np.array(truth_area)
    image_pri, image_vi = np.array(image_pri), np.array(image_vi)
    image_cover = np.array(image_cover)
    params = tuple(range(n_params)) if params is None else tuple(params)
    covering = covered.sum(axis=0) / truth_area.sum()
    pri, vi = image_pri.mean(axis=0), image_vi.mean(axis=0)
    best_per_image = covered[np.arange(len(covered)), image_cover.argmax(axis=1)]
    ods = {"covering": int(np.argmax(covering)), "pri": int(np.argmax(pri)),
           "vi": int(np.argmin(vi))}
    return RegionBenchmark(
        params=params, covering=covering, pri=pri, vi=vi,
        covering_ods=float(covering[ods["covering"]]),
        covering_ods_param=params[ods["covering"]],
        covering_ois=float(best_per_image.sum() / truth_area.sum()),
        covering_best=float(np.sum(covered_best) / truth_area.sum()),
        pri_ods=float(pri[ods["pri"]]), pri_ods_param=params[ods["pri"]],
        pri_ois=float(image_pri.max(axis=1).mean()),
        vi_ods=float(vi[ods["vi"]]), vi_ods_param=params[ods["vi"]],
        vi_ois=float(image_vi.min(axis=1).mean()),
        image_covering=image_cover, image_pri=image_pri, image_vi=image_vi,
    )


__all__ = ["RegionBenchmark", "rand_index", "probabilistic_rand_index",
           "variation_of_information", "segmentation_covering", "region_benchmark"]
