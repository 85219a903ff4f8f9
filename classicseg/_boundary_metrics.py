"""The BSDS500 boundary benchmark: precision, recall, F at ODS/OIS, and AP.

Definitions are those of Martin, Fowlkes and Malik, "Learning to detect
natural image boundaries using local brightness, color, and texture cues",
PAMI 26(5), 2004, and Arbelaez, Maire, Fowlkes and Malik, "Contour Detection
and Hierarchical Image Segmentation", TPAMI 33(5), 2011, section 3.1, as
computed by the benchmark's own code (``evaluation_bdry_image``,
``correspondPixels``, ``collect_eval_bdry``):

* a boundary map thresholded at t is ``pb >= t``, thinned to one pixel width
  (Guo-Hall thinning, MATLAB ``bwmorph(..., 'thin', inf)``); a segmentation's
  boundary pixels are those whose 2x2 block holds more than one label;
* machine and human pixels are matched one to one, separately for every
  annotator, within ``max_dist`` of the image diagonal, by a minimum-cost
  assignment whose pair cost is the distance (in hundredths of a pixel,
  rounded, as the official integer costs) and where leaving a pixel
  unmatched costs 100 times the radius: as many pairs as possible, and among
  those the shortest;
* recall pools matched human pixels over all human pixels (every annotator
  of every image); precision pools machine pixels matched to *any*
  annotator over all machine pixels; ``F = 2PR / (P + R)``.

The official code solves the assignment with Goldberg's CSA over a graph
whose outlier edges are drawn at random, so its counts vary slightly from
run to run; here the assignment is exact and deterministic.
"""

import functools
import numbers
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from ._kernels import boundary as _kernels
from ._progress import progress_bar
from ._tables import markdown_table, text_table
from ._validate import check_float, check_int, check_labels, check_memory

# Costs in hundredths of a pixel, as the official integer costs (match.cc).
_COST_SCALE = 100
# Leaving a pixel unmatched costs this many match radii (correspondPixels.cc).
_OUTLIER_RADII = 100


@dataclass(frozen=True)
class BoundaryPR:
    """Boundary pixel counts of one image at each threshold (the official ``_ev1`` columns).

    Attributes
    ----------
    thresholds : (n,) float64 ndarray
        The thresholds (1..n for a sequence of segmentations).
    matched_human, human : (n,) int64 ndarray
        Human boundary pixels matched to a machine pixel, and all human
        boundary pixels, summed over the annotators (``cntR``, ``sumR``).
    matched_machine, machine : (n,) int64 ndarray
        Machine boundary pixels matched to a pixel of any annotator, and all
        machine boundary pixels (``cntP``, ``sumP``).
    """

    thresholds: np.ndarray
    matched_human: np.ndarray
    human: np.ndarray
    matched_machine: np.ndarray
    machine: np.ndarray

    @property
    def recall(self):
        """Matched over all human pixels (0 when there is none)."""
        return _ratio(self.matched_human, self.human)

    @property
    def precision(self):
        """Matched over all machine pixels (0 when there is none)."""
        return _ratio(self.matched_machine, self.machine)

    @property
    def f(self):
        """Harmonic mean of precision and recall (0 when both are 0)."""
        return _fmeasure(self.recall, self.precision)


@dataclass(frozen=True)
class BoundaryBenchmark:
    """Boundary benchmark of a set of images, pooled as ``collect_eval_bdry`` does.

    Attributes
    ----------
    thresholds : (n,) float64 ndarray
        The thresholds (1..n for sequences of segmentations).
    recall, precision, f : (n,) float64 ndarray
        Scores of the whole set at each threshold, from counts summed over
        images (``eval_bdry_thr.txt``).
    ods_threshold, ods_recall, ods_precision, ods_f : float
        Optimal dataset scale: the best F of that curve, searched with linear
        interpolation between neighbouring thresholds (100 steps, as the
        official ``maxF``), so the threshold need not be one of ``thresholds``.
    ois_recall, ois_precision, ois_f : float
        Optimal image scale: each image's counts at its first threshold of
        highest F (no interpolation), summed over images.
    ap : float
        Average precision: precision interpolated linearly at recall
        0, 0.01, ..., 1 (0 outside the recall range), summed times 0.01; 0
        when fewer than two distinct recalls.
    image_threshold, image_recall, image_precision, image_f : (n_images,) float64 ndarray
        Each image's best F with interpolation, as ``eval_bdry_img.txt``.
    image_counts : (n_images, n, 4) int64 ndarray
        Per image and threshold: matched human, human, matched machine and
        machine pixels (see :class:`BoundaryPR`).
    """

    thresholds: np.ndarray
    recall: np.ndarray
    precision: np.ndarray
    f: np.ndarray
    ods_threshold: float
    ods_recall: float
    ods_precision: float
    ods_f: float
    ois_recall: float
    ois_precision: float
    ois_f: float
    ap: float
    image_threshold: np.ndarray
    image_recall: np.ndarray
    image_precision: np.ndarray
    image_f: np.ndarray
    image_counts: np.ndarray

    @property
    def n_images(self):
        """Number of images scored."""
        return self.image_counts.shape[0]

    _HEADERS = ("score", "F", "recall", "precision", "threshold")

    def _rows(self):
        return [("ODS", self.ods_f, self.ods_recall, self.ods_precision, self.ods_threshold),
                ("OIS", self.ois_f, self.ois_recall, self.ois_precision, None),
                ("AP", self.ap, None, None, None)]

    def to_markdown(self):
        """F, recall and precision at ODS and OIS, and AP, as a Markdown table."""
        return markdown_table(self._HEADERS, self._rows())

    def __str__(self):
        return text_table(self._HEADERS, self._rows(),
                          title=f"BSDS boundary benchmark, {self.n_images} images, "
                                f"{self.thresholds.size} thresholds")

    def official_tables(self):
        """The three official result files as text, keyed by file name.

        ``eval_bdry.txt`` (ODS threshold, recall, precision, F; OIS recall,
        precision, F; AP), ``eval_bdry_thr.txt`` (per threshold) and
        ``eval_bdry_img.txt`` (per image, 1-based), formatted with
        ``%10g`` as the official code writes them.
        """
        summary = (self.ods_threshold, self.ods_recall, self.ods_precision, self.ods_f,
                   self.ois_recall, self.ois_precision, self.ois_f, self.ap)
        thr = np.column_stack([self.thresholds, self.recall, self.precision, self.f])
        img = np.column_stack([self.image_threshold, self.image_recall,
                               self.image_precision, self.image_f])
        return {
            "eval_bdry.txt": " ".join("%10g" % x for x in summary) + "\n",
            "eval_bdry_thr.txt": "".join(" ".join("%10g" % x for x in row) + "\n" for row in thr),
            "eval_bdry_img.txt": "".join("%10d " % (i + 1) + " ".join("%10g" % x for x in row)
                                         + "\n" for i, row in enumerate(img)),
        }


def _ratio(count, total):
    count, total = np.asarray(count, np.float64), np.asarray(total, np.float64)
    return count / (total + (total == 0))


def _fmeasure(r, p):
    return 2 * p * r / ((p + r) + ((p + r) == 0))


# --------------------------------------------------------------------------
# Boundary maps


def boundaries(labels, *, thin=False):
    """Boundary pixels of a label image, as the BSDS benchmark draws them.

    Pixel (i, j) is a boundary pixel when the 2x2 block of pixels
    ``{i, i+1} x {j, j+1}`` holds more than one label; in the last row only
    its right neighbour counts, in the last column only the one below, and
    the bottom-right pixel never is (``seg2bdry(seg, 'imageSize')`` of the
    benchmark code). The benchmark then thins them to one pixel width, and
    so were the human ``Boundaries`` of BSDS500 made: ``thin=True`` gives
    them back from the ``Segmentation`` of the same annotator.

    Parameters
    ----------
    labels : (M, N) int or bool ndarray
        A label image, any ids.
    thin : bool, optional
        Thin the boundaries (Guo-Hall thinning, MATLAB ``bwmorph(...,
        'thin', inf)``) as the benchmark does before matching.

    Returns
    -------
    (M, N) bool ndarray

    Raises
    ------
    TypeError
        Non-integer labels.
    ValueError
        Not 2-D, or empty.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([[1, 1, 2], [1, 1, 2], [3, 3, 3]])
    >>> boundaries(labels).astype(int)
    array([[0, 1, 0],
           [1, 1, 1],
           [0, 0, 0]])
    """
    labels = check_labels(labels, "labels", ndim=2)
    drawn = _label_boundaries(labels)
    return _thin(drawn) if thin else drawn


def _label_boundaries(labels):
    right = labels[:, :-1] != labels[:, 1:]
    down = labels[:-1, :] != labels[1:, :]
    out = np.zeros(labels.shape, bool)
    out[:-1, :-1] = right[:-1] | right[1:] | down[:, :-1] | down[:, 1:]
    out[-1, :-1] = right[-1]
    out[:-1, -1] = down[:, -1]
    return out


@functools.cache
def _thinning_tables():
    return _kernels.thinning_tables()


def _thin(bmap):
    """``bwmorph(bmap, 'thin', inf)``: Guo-Hall thinning until nothing changes."""
    padded = np.zeros((bmap.shape[0] + 2, bmap.shape[1] + 2), np.uint8)
    padded[1:-1, 1:-1] = bmap
    _kernels.thin(padded, *_thinning_tables())
    return padded[1:-1, 1:-1].view(bool)


# --------------------------------------------------------------------------
# Input checks


def _check_thresholds(thresholds):
    if isinstance(thresholds, numbers.Integral) and not isinstance(thresholds, bool):
        n = check_int(thresholds, "thresholds", minimum=1)
        return np.linspace(1 / (n + 1), 1 - 1 / (n + 1), n)
    values = np.asarray(thresholds, dtype=np.float64) if not isinstance(thresholds, bool) \
        else None
    if values is None or values.ndim != 1 or values.size == 0:
        raise TypeError(f"thresholds must be a count or a 1-D sequence of values, "
                        f"got {thresholds!r}")
    if not np.isfinite(values).all():
        raise ValueError("thresholds must be finite")
    return values


def _check_truths(gt_boundaries, name="gt_boundaries"):
    """A list of boolean 2-D maps of one shape from a map, a stack or a sequence."""
    if isinstance(gt_boundaries, np.ndarray) and gt_boundaries.ndim == 2:
        gt_boundaries = [gt_boundaries]
    elif isinstance(gt_boundaries, np.ndarray) and gt_boundaries.ndim != 3:
        raise ValueError(f"{name} must be one boundary map, a stack or a sequence of them, "
                         f"got shape {gt_boundaries.shape}")
    try:
        maps = [np.asarray(gt) for gt in gt_boundaries]
    except TypeError:
        raise TypeError(f"{name} must be a sequence of boundary maps, "
                        f"got {type(gt_boundaries).__name__}") from None
    if not maps:
        raise ValueError(f"{name} holds no annotator")
    out = []
    for gt in maps:
        if gt.ndim != 2 or gt.size == 0:
            raise ValueError(f"{name} must hold non-empty 2-D maps, got shape {gt.shape}")
        if gt.shape != maps[0].shape:
            raise ValueError(f"{name}: annotators differ in shape ({maps[0].shape} and "
                             f"{gt.shape})")
        if gt.dtype.kind == "b":
            out.append(gt)
            continue
        if gt.dtype.kind not in "iuf" or not np.isin(gt, (0, 1)).all():
            raise ValueError(f"{name} must be boolean or hold only 0 and 1 "
                             f"(got dtype {gt.dtype})")
        out.append(gt != 0)
    return out


def _check_soft_map(pb, name):
    if pb.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric boundary map, got dtype {pb.dtype}")
    pb = pb.astype(np.float64, copy=False)
    if not np.isfinite(pb).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if pb.min() < 0 or pb.max() > 1:
        raise ValueError(f"{name} must hold values in [0, 1], got [{pb.min()}, {pb.max()}]")
    return pb


def _read_prediction(prediction, shape, name):
    """("map", pb) for a soft map or ucm2, ("segs", [bmaps]) for label images."""
    h, w = shape
    if isinstance(prediction, np.ndarray) and prediction.ndim == 2:
        if prediction.size == 0:
            raise ValueError(f"{name} is empty (shape {prediction.shape})")
        if prediction.shape == (2 * h + 1, 2 * w + 1):
            # Double-size ucm2: pixel (i, j) sits at (2i+1, 2j+1); the official
            # code reads the boundary cell below and to the right of it.
            return "map", _check_soft_map(prediction, name)[2::2, 2::2]
        if prediction.shape != shape:
            raise ValueError(f"{name} must have the shape of the ground truth {shape} or "
                             f"the double size {(2 * h + 1, 2 * w + 1)}, "
                             f"got {prediction.shape}")
        return "map", _check_soft_map(prediction, name)
    if isinstance(prediction, np.ndarray) and prediction.ndim != 3:
        raise ValueError(f"{name} must be a 2-D boundary map or a sequence of label images, "
                         f"got shape {prediction.shape}")
    try:
        segs = list(prediction)
    except TypeError:
        raise TypeError(f"{name} must be a boundary map or a sequence of label images, "
                        f"got {type(prediction).__name__}") from None
    if not segs:
        raise ValueError(f"{name} holds no segmentation")
    return "segs", [_label_boundaries(check_labels(s, name, ndim=2, shape=shape,
                                                   shape_of="the ground truth"))
                    for s in segs]


# --------------------------------------------------------------------------
# Matching


class _Matcher:
    """One image's annotators, ready to be matched against many machine maps."""

    def __init__(self, truths, max_dist):
        h, w = truths[0].shape
        self.shape = (h, w)
        radius = max_dist * np.hypot(h, w)
        reach = int(np.ceil(radius))
        dy, dx = np.mgrid[-reach:reach + 1, -reach:reach + 1]
        inside = dy * dy + dx * dx <= radius * radius
        self.off_y = dy[inside].astype(np.int64)
        self.off_x = dx[inside].astype(np.int64)
        self.off_cost = np.rint(np.hypot(self.off_y, self.off_x) * _COST_SCALE).astype(np.int64)
        self.outlier_cost = int(np.ceil(_OUTLIER_RADII * radius * _COST_SCALE))
        self.humans = []
        for gt in truths:
            pixels = np.flatnonzero(gt)
            ids = np.full(h * w, -1, np.int32)
            ids[pixels] = np.arange(pixels.size, dtype=np.int32)
            # Machine pixels farther than the radius from every human pixel
            # have no pair: one look-up rules them out.
            near = (ndi.distance_transform_edt(~gt) <= radius + 1e-9).ravel() if pixels.size else \
                np.zeros(h * w, bool)
            self.humans.append((ids, near, pixels.size))

    def counts(self, machine):
        """(matched human, human, matched machine, machine) of the flat indices of a thinned map."""
        h, w = self.shape
        machine = machine.astype(np.int64, copy=False)
        # The kernel's edge lists hold up to one entry per machine pixel and offset.
        check_memory(4 * 8 * machine.size * self.off_y.size,
                     "the boundary matching's edge lists", "pass a sparser boundary map")
        any_match = np.zeros(machine.size, bool)
        matched_human = human = 0
        for ids, near, n_human in self.humans:
            human += n_human
            if machine.size == 0 or n_human == 0:
                continue
            m_match, h_match, _ = _kernels.correspond(
                machine, ids, near, n_human, w, h, self.off_y, self.off_x, self.off_cost,
                self.outlier_cost)
            any_match |= m_match
            matched_human += int(np.count_nonzero(h_match))
        return matched_human, human, int(np.count_nonzero(any_match)), machine.size


def _image_counts(truths, prediction, thresholds, max_dist, thin, name):
    kind, data = _read_prediction(prediction, truths[0].shape, name)
    matcher = _Matcher(truths, max_dist)
    if kind == "segs":
        thresholds = np.arange(1, len(data) + 1, dtype=np.float64)
        bmaps = data
        # Identical boundary maps (a hierarchy's levels often are) are scored once.
        keys = [None] * len(bmaps)
        for k in range(1, len(bmaps)):
            if np.array_equal(bmaps[k], bmaps[k - 1]):
                keys[k] = k - 1
    else:
        pb = data
        bmaps = None
        # pb >= t is nested in t: equal pixel counts mean equal maps.
        ordered = np.sort(pb, axis=None)
        sizes = ordered.size - np.searchsorted(ordered, thresholds, side="left")
        keys = [None] + [k - 1 if sizes[k] == sizes[k - 1] else None
                         for k in range(1, thresholds.size)]
    counts = np.zeros((thresholds.size, 4), np.int64)
    previous = None
    for k in range(thresholds.size):
        if keys[k] is not None:
            counts[k] = counts[keys[k]]
            continue
        bmap = bmaps[k] if bmaps is not None else pb >= thresholds[k]
        if thin:
            bmap = _thin(bmap)
        machine = np.flatnonzero(bmap)
        # Different maps can thin to the same pixels.
        if k > 0 and previous is not None and np.array_equal(machine, previous):
            counts[k] = counts[k - 1]
            continue
        counts[k] = matcher.counts(machine)
        previous = machine
    return thresholds, counts


def boundary_pr(gt_boundaries, boundary_map, *, thresholds=99, max_dist=0.0075, thin=True):
    """Boundary pixel counts of one image at each threshold.

    Parameters
    ----------
    gt_boundaries : sequence of (M, N) bool ndarray
        The annotators' boundary maps (bool, or integers 0/1 as
        ``scipy.io.loadmat`` reads BSDS's ``Boundaries``); a stack or one
        map also works.
    boundary_map : (M, N) or (2M+1, 2N+1) ndarray, or sequence of (M, N) int ndarray
        A soft boundary map with values in [0, 1]; a BSDS "double size"
        ucm2 (recognised by its shape, read at ``[2::2, 2::2]`` as the
        official code does); or a sequence of label images, one per
        "threshold", whose boundaries are drawn by :func:`boundaries`.
    thresholds : int or sequence of float, optional
        The number n of thresholds, ``linspace(1/(n+1), 1 - 1/(n+1), n)``
        as the official code, or the values themselves. Ignored for label
        images (the thresholds are then 1..len(boundary_map)).
    max_dist : float, optional
        Largest distance of a matched pair, as a fraction of the image
        diagonal (BSDS: 0.0075); > 0.
    thin : bool, optional
        Thin each thresholded map to one pixel width first (BSDS: True).

    Returns
    -------
    BoundaryPR
        The thresholds and the four counts at each.

    Raises
    ------
    TypeError
        Label images that are not integers, a non-numeric map.
    ValueError
        No annotator, shapes that differ, a map outside [0, 1] or not
        finite, ground truth other than 0/1, empty maps.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((5, 5), bool); gt[2, :] = True
    >>> pb = np.zeros((5, 5)); pb[3, :] = 0.8
    >>> counts = boundary_pr([gt], pb, thresholds=1, max_dist=0.2)  # 1.4 pixels
    >>> int(counts.matched_human[0]), int(counts.machine[0])
    (5, 5)
    >>> float(boundary_pr([gt], pb, thresholds=1).recall[0])  # 0.05 pixels
    0.0
    """
    thresholds = _check_thresholds(thresholds)
    max_dist = check_float(max_dist, "max_dist", positive=True)
    truths = _check_truths(gt_boundaries)
    thresholds, counts = _image_counts(truths, boundary_map, thresholds, max_dist, bool(thin),
                                       "boundary_map")
    return BoundaryPR(thresholds, *counts.T.copy())


def _max_f(thresholds, r, p):
    """The official ``maxF``: best F along the curve, 100 interpolation steps per segment."""
    best = (thresholds[0], r[0], p[0], _fmeasure(r[0], p[0]))
    if thresholds.size > 1:
        d = np.linspace(0, 1, 100)[None, :]
        t = thresholds[1:, None] * d + thresholds[:-1, None] * (1 - d)
        ri = r[1:, None] * d + r[:-1, None] * (1 - d)
        pi = p[1:, None] * d + p[:-1, None] * (1 - d)
        fi = _fmeasure(ri, pi).ravel()
        k = int(np.argmax(fi))
        if fi[k] > best[3]:
            best = (t.ravel()[k], ri.ravel()[k], pi.ravel()[k], fi[k])
    return tuple(float(x) for x in best)


def _average_precision(r, p):
    r_unique, first = np.unique(r, return_index=True)
    if r_unique.size < 2:
        return 0.0
    grid = np.arange(101) * 0.01
    return float(np.interp(grid, r_unique, p[first], left=0.0, right=0.0).sum() * 0.01)


def boundary_benchmark(results, *, thresholds=99, max_dist=0.0075, thin=True, progress=False):
    """Precision, recall, F at ODS and OIS, and AP of boundaries over a set of images.

    The BSDS500 boundary benchmark (Martin et al. PAMI 2004; Arbelaez et
    al. TPAMI 2011, section 3.1), equal to its official code up to the
    tie-breaking of the pixel assignment (see the module notes): per image
    and threshold the counts of :func:`boundary_pr`; then ``collect_eval_bdry``'s
    pooling. ODS takes the best F of the data-set curve with linear
    interpolation between thresholds; OIS each image's first threshold of
    best F; AP the area under the interpolated precision-recall curve.

    Parameters
    ----------
    results : iterable of (gt_boundaries, prediction)
        One item per image, consumed one at a time: the annotators' boundary
        maps and the prediction, as ``gt_boundaries`` and ``boundary_map``
        of :func:`boundary_pr`. Every image must bring the same number of
        thresholds (or segmentations).
    thresholds, max_dist, thin
        As in :func:`boundary_pr`.
    progress : bool or dict, optional
        Show a progress bar on stderr (a dict gives options of
        ``tqdm.auto.tqdm``).

    Returns
    -------
    BoundaryBenchmark

    Raises
    ------
    TypeError, ValueError
        As :func:`boundary_pr`, naming the image; no image; images with
        different numbers of segmentations.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((5, 5), bool); gt[2, :] = True
    >>> pb = np.zeros((5, 5)); pb[2, :] = 0.9; pb[0, :] = 0.5
    >>> bench = boundary_benchmark([([gt], pb)], thresholds=2)
    >>> bench.recall.tolist(), bench.precision.tolist()
    ([1.0, 1.0], [0.5, 1.0])
    """
    thresholds = _check_thresholds(thresholds)
    max_dist = check_float(max_dist, "max_dist", positive=True)
    thin = bool(thin)
    per_image, reported = [], None
    total = len(results) if hasattr(results, "__len__") else None
    for i, item in enumerate(progress_bar(results, progress, total=total,
                                          desc="boundary benchmark")):
        try:
            gt_boundaries, prediction = item
        except (TypeError, ValueError):
            raise ValueError(f"results[{i}] must be a pair (gt_boundaries, prediction)") from None
        try:
            truths = _check_truths(gt_boundaries)
            image_thresholds, counts = _image_counts(truths, prediction, thresholds,
                                                     max_dist, thin, "prediction")
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"results[{i}]: {exc}") from None
        if reported is None:
            reported = image_thresholds
        elif image_thresholds.size != reported.size:
            raise ValueError(f"results[{i}] has {image_thresholds.size} thresholds "
                             f"(segmentations), the first image {reported.size}")
        per_image.append(counts)
    if reported is None:
        raise ValueError("results holds no image")
    counts = np.array(per_image)                           # (images, thresholds, 4)
    total = counts.sum(axis=0)
    r, p = _ratio(total[:, 0], total[:, 1]), _ratio(total[:, 2], total[:, 3])
    ods = _max_f(reported, r, p)

    image_r = _ratio(counts[:, :, 0], counts[:, :, 1])
    image_p = _ratio(counts[:, :, 2], counts[:, :, 3])
    image_best = np.array([_max_f(reported, ri, pi) for ri, pi in zip(image_r, image_p)])
    first_best = np.argmax(_fmeasure(image_r, image_p), axis=1)
    ois = counts[np.arange(counts.shape[0]), first_best].sum(axis=0)
    ois_r, ois_p = float(_ratio(ois[0], ois[1])), float(_ratio(ois[2], ois[3]))
    return BoundaryBenchmark(
        thresholds=reported, recall=r, precision=p, f=_fmeasure(r, p),
        ods_threshold=ods[0], ods_recall=ods[1], ods_precision=ods[2], ods_f=ods[3],
        ois_recall=ois_r, ois_precision=ois_p, ois_f=float(_fmeasure(ois_r, ois_p)),
        ap=_average_precision(r, p),
        image_threshold=image_best[:, 0], image_recall=image_best[:, 1],
        image_precision=image_best[:, 2], image_f=image_best[:, 3],
        image_counts=counts,
    )


__all__ = ["BoundaryPR", "BoundaryBenchmark", "boundaries", "boundary_pr", "boundary_benchmark"]
