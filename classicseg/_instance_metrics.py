"""Instance and panoptic segmentation metrics: matching, COCO mask AP, PQ.

Instance segmentation (one mask per object, e.g. Mask R-CNN, StarDist) is
scored by matching predicted objects to true ones by their intersection over
union (IoU); panoptic segmentation (Kirillov et al. 2019) gives every pixel a
category and, for countable "things", an instance id, and is scored by the
panoptic quality PQ = SQ x RQ. Re-exported by :mod:`classicseg.metrics`.

Instances come in two forms, both accepted wherever instances are:

- a label image (integer array, any spatial shape): 0 is background, every
  other id one object (objects cannot overlap);
- a boolean stack ``(n, *spatial)``: one mask per object, masks may overlap
  (what detectors emit).

References
----------
.. [1] Lin et al., "Microsoft COCO: Common Objects in Context", ECCV 2014;
   the evaluation code ``pycocotools.cocoeval.COCOeval``.
.. [2] Kirillov, He, Girshick, Rother and Dollar, "Panoptic Segmentation",
   CVPR 2019.
.. [3] Schmidt, Weigert, Broaddus and Myers, "Cell Detection with Star-convex
   Polygons", MICCAI 2018 (StarDist's ``matching``).
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ._kernels.instance import coco_greedy_match
from ._validate import check_float, check_int, check_memory

__all__ = [
    "InstanceMatch",
    "AveragePrecision",
    "PanopticResult",
    "QualityScores",
    "match_instances",
    "instance_average_precision",
    "panoptic_quality",
]

# COCOeval's parameters (Params.setDetParams): IoU thresholds .50:.05:.95 and
# 101 recall points, built exactly as pycocotools builds them so that
# comparisons at a threshold agree bit for bit.
COCO_IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
COCO_RECALL_POINTS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)


# ------------------------------------------------------------------ instances


@dataclass(frozen=True)
class _Instances:
    """One image's objects: a label image or a mask stack, flattened."""

    ids: np.ndarray  # (n,) object ids: label values, or 0 .. n-1 for a stack
    spatial_shape: tuple
    index: np.ndarray | None = None  # (P,) object index per pixel, -1 for background
    masks: np.ndarray | None = None  # (n, P) bool

    @property
    def n(self):
        return len(self.ids)

    def areas(self):
        if self.masks is not None:
            return np.count_nonzero(self.masks, axis=1)
        return np.bincount(self.index[self.index >= 0], minlength=self.n)

    def as_masks(self):
        if self.masks is not None:
            return self.masks
        return self.index[np.newaxis, :] == np.arange(self.n)[:, np.newaxis]


def _instances(x, name):
    """Read a label image or a boolean mask stack (see the module docstring)."""
    x = np.asarray(x)
    if x.dtype == bool:
        if x.ndim < 3:
            raise ValueError(
                f"{name} is boolean, so it must be a stack of masks (n, H, W), got shape {x.shape}; "
                "pass a label image as an integer array"
            )
        return _Instances(np.arange(x.shape[0]), x.shape[1:], masks=x.reshape(x.shape[0], int(np.prod(x.shape[1:]))))
    if x.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be an integer label image or a boolean mask stack, got dtype {x.dtype}"
        )
    if x.size == 0:
        raise ValueError(f"{name} is empty (shape {x.shape})")
    if x.dtype.kind == "i" and x.min() < 0:
        raise ValueError(f"{name} must hold labels >= 0 (0 is background), found {x.min()}")
    ids, index = np.unique(x.ravel(), return_inverse=True)
    if ids[0] == 0:
        ids, index = ids[1:], index - 1
    return _Instances(ids, x.shape, index=index.astype(np.intp, copy=False))


def _overlaps(a, b, names):
    """IoU of every overlapping (object of a, object of b) pair, as sparse triplets.

    Returns ``rows``, ``cols`` (object indices) and ``iou`` (float64) of the
    pairs that share a pixel, by increasing ``(row, col)``: label images with
    thousands of objects (nuclei) have few such pairs, never a dense table.
    """
    if a.spatial_shape != b.spatial_shape:
        raise ValueError(
            f"{names[1]} must cover the image of {names[0]} {a.spatial_shape}, got {b.spatial_shape}"
        )
    if a.index is not None and b.index is not None:
        both = (a.index >= 0) & (b.index >= 0)
        pairs, inter = np.unique(a.index[both] * np.int64(b.n) + b.index[both], return_counts=True)
        rows, cols = pairs // max(b.n, 1), pairs % max(b.n, 1)
    else:
        n_pixels = int(np.prod(a.spatial_shape))
        # float32 sums of 0/1 are exact below 2**24 pixels.
        dtype = np.float32 if n_pixels < 2**24 else np.float64
        check_memory(
            (a.n + b.n) * n_pixels * np.dtype(dtype).itemsize + a.n * b.n * 8,
            "the mask overlaps of one image",
            "pass label images, or fewer masks per image",
        )
        table = np.rint(a.as_masks().astype(dtype) @ b.as_masks().astype(dtype).T).astype(np.int64)
        rows, cols = np.nonzero(table)
        inter = table[rows, cols]
    union = a.areas()[rows] + b.areas()[cols] - inter
    return rows, cols, inter / union


def _dense(rows, cols, values, shape):
    table = np.zeros(shape)
    table[rows, cols] = values
    return table


def _threshold(value, name):
    value = check_float(value, name)
    if not 0 < value <= 1:
        raise ValueError(f"{name} must be in (0, 1], got {value}")
    return value


# ------------------------------------------------------------------ matching


@dataclass(frozen=True)
class InstanceMatch:
    """One-to-one matching of predicted to true objects, see :func:`match_instances`."""

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    mean_matched_iou: float
    n_true: int
    n_pred: int
    iou_threshold: float
    true_ids: np.ndarray
    pred_ids: np.ndarray
    ious: np.ndarray


def _ratio(num, den):
    """``num / den``, 0 when ``den`` is 0 (StarDist's ``_safe_divide``)."""
    return float(num / den) if den else 0.0


def match_instances(y_true, y_pred, *, iou_threshold=0.5):
    """Match predicted objects to true ones and count hits, misses and false alarms.

    The matching is one-to-one and counts only pairs with IoU >= `iou_threshold`:
    it has the largest number of such pairs and, among those matchings, the
    largest total IoU (the Hungarian algorithm, ``linear_sum_assignment``,
    on each connected group of candidate pairs). This is StarDist's
    ``matching`` [1]_; for thresholds >= 0.5 each object has at most one
    candidate above the threshold (non-overlapping objects), so the matching
    is unique.

    Parameters
    ----------
    y_true : ndarray of int, or (n, ...) ndarray of bool
        True objects: a label image (0 = background) or a mask stack.
    y_pred : ndarray of int, or (m, ...) ndarray of bool
        Predicted objects over the same image.
    iou_threshold : float, optional
        Smallest IoU of a match, in (0, 1].

    Returns
    -------
    InstanceMatch
        ``tp`` matched pairs, ``fp = n_pred - tp``, ``fn = n_true - tp``;
        ``precision = tp / n_pred``, ``recall = tp / n_true``, ``f1 = 2 tp /
        (2 tp + fp + fn)``, ``mean_matched_iou`` over the matched pairs (each
        0 where it divides by zero, as StarDist); ``true_ids``, ``pred_ids``
        and ``ious`` list the matched pairs (label values, or mask indices
        for a stack), by true id.

    Raises
    ------
    ValueError
        If the images differ in shape, a label is negative or
        `iou_threshold` is outside (0, 1].
    TypeError
        If an input is neither an integer nor a boolean array.

    References
    ----------
    .. [1] Schmidt, Weigert, Broaddus and Myers, "Cell Detection with
       Star-convex Polygons", MICCAI 2018 (StarDist's ``matching``).

    Examples
    --------
    >>> import numpy as np
    >>> truth = np.array([[1, 1, 0, 2, 2, 2]])
    >>> pred = np.array([[5, 5, 5, 0, 7, 7]])
    >>> m = match_instances(truth, pred)
    >>> m.tp, m.fp, m.fn, round(m.mean_matched_iou, 4)
    (2, 0, 0, 0.6667)
    >>> match_instances(truth, pred, iou_threshold=0.7).tp
    0
    """
    iou_threshold = _threshold(iou_threshold, "iou_threshold")
    true, pred = _instances(y_true, "y_true"), _instances(y_pred, "y_pred")
    rows, cols, iou = _overlaps(true, pred, ("y_true", "y_pred"))
    valid = iou >= iou_threshold
    rows, cols, iou = rows[valid], cols[valid], iou[valid]
    graph = coo_matrix((np.ones(len(rows)), (rows, true.n + cols)), shape=(true.n + pred.n,) * 2)
    _, component = connected_components(graph, directed=False)
    matched_rows, matched_cols, matched_iou = [], [], []
    for c in np.unique(component[rows]):
        pairs = component[rows] == c
        r, k = np.unique(rows[pairs]), np.unique(cols[pairs])
        if len(r) == 1 or len(k) == 1:  # one object with candidates: the best one
            best = np.flatnonzero(pairs)[np.argmax(iou[pairs])]
            matched_rows.append(rows[best : best + 1])
            matched_cols.append(cols[best : best + 1])
            matched_iou.append(iou[best : best + 1])
            continue
        sub = _dense(np.searchsorted(r, rows[pairs]), np.searchsorted(k, cols[pairs]), iou[pairs], (len(r), len(k)))
        # Each match is worth 1 plus a tie-breaking IoU bonus whose total
        # stays below 1, so the count of matches comes first.
        gain = np.where(sub > 0, 1 + sub / (2 * min(len(r), len(k))), 0)
        i, j = linear_sum_assignment(gain, maximize=True)
        keep = sub[i, j] > 0
        matched_rows.append(r[i[keep]])
        matched_cols.append(k[j[keep]])
        matched_iou.append(sub[i, j][keep])
    i = np.concatenate([np.zeros(0, np.intp), *matched_rows])
    j = np.concatenate([np.zeros(0, np.intp), *matched_cols])
    ious = np.concatenate([np.zeros(0), *matched_iou])
    order = np.argsort(i)
    i, j, ious = i[order], j[order], ious[order]
    tp = len(i)
    fp, fn = pred.n - tp, true.n - tp
    return InstanceMatch(
        tp=tp,
        fp=fp,
        fn=fn,
        precision=_ratio(tp, tp + fp),
        recall=_ratio(tp, tp + fn),
        f1=_ratio(2 * tp, 2 * tp + fp + fn),
        mean_matched_iou=_ratio(ious.sum(), tp),
        n_true=true.n,
        n_pred=pred.n,
        iou_threshold=iou_threshold,
        true_ids=true.ids[i],
        pred_ids=pred.ids[j],
        ious=ious,
    )


# ------------------------------------------------------------------ COCO AP


@dataclass(frozen=True)
class AveragePrecision:
    """COCO mask average precision of one category, see :func:`instance_average_precision`."""

    ap: float
    ap50: float
    ap75: float
    iou_thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    n_true: int
    n_pred: int


def _scores(scores, n, index):
    scores = np.asarray(scores)
    if scores.dtype.kind not in "biuf":
        raise TypeError(f"pred_scores of image {index} must be numbers, got dtype {scores.dtype}")
    if scores.ndim != 1 or len(scores) != n:
        raise ValueError(
            f"pred_scores of image {index} must have one score per predicted object ({n}), "
            f"got shape {scores.shape}"
        )
    if not np.isfinite(scores).all():
        raise ValueError(f"pred_scores of image {index} must be finite")
    return scores.astype(np.float64)


def instance_average_precision(results, *, iou_thresholds=None, max_detections=100):
    """COCO mask average precision (AP, AP50, AP75) of an instance segmenter.

    What ``COCOeval(coco_gt, coco_dt, "segm")`` reports for one category [1]_
    (all object sizes, at most `max_detections` per image): in each image
    the detections, by decreasing score (ties in the given order), are
    matched greedily to the still unmatched truth of highest IoU at or above
    each threshold; over all images, precision against recall is made
    non-increasing and read at the 101 recall points 0, 0.01, ..., 1; AP is
    the mean of these readings over the points and the thresholds.

    Parameters
    ----------
    results : iterable of (y_true, y_pred, pred_scores)
        One tuple per image. ``y_true`` and ``y_pred`` are label images (0 =
        background) or boolean mask stacks ``(n, H, W)`` (masks may overlap);
        ``pred_scores`` holds one confidence per predicted object: for a
        label image, ``pred_scores[i]`` belongs to the i-th smallest nonzero
        id; for a stack, to mask i. An image may have no truth or no
        prediction.
    iou_thresholds : sequence of float, optional
        Default: COCO's 0.50, 0.55, ..., 0.95.
    max_detections : int, optional
        Detections kept per image, those of highest score (COCO: 100).

    Returns
    -------
    AveragePrecision
        ``ap`` (mean over `iou_thresholds`), ``ap50`` and ``ap75`` (NaN if 0.5
        or 0.75 is not among the thresholds), ``precision`` ``(T, 101)``
        (interpolated, 0 beyond the largest recall reached), ``recall``
        ``(T,)`` (the largest reached), and the object counts. All NaN when
        no image has a true object (pycocotools reports -1).

    Raises
    ------
    ValueError
        If an image's shapes differ, a label is negative, the scores do not
        match the predicted objects, `results` is empty, or a threshold is
        outside (0, 1].
    TypeError
        If an input has the wrong type.

    References
    ----------
    .. [1] Lin et al., "Microsoft COCO: Common Objects in Context", ECCV
       2014; its evaluation code ``pycocotools.cocoeval.COCOeval``.

    Examples
    --------
    Two true objects; the surer of two detections is right, the other misses:

    >>> import numpy as np
    >>> truth = np.array([[1, 1, 0, 2, 2, 2]])
    >>> pred = np.array([[1, 1, 0, 0, 0, 2]])
    >>> r = instance_average_precision([(truth, pred, [0.9, 0.4])])
    >>> round(r.ap50, 4), round(r.ap, 4)  # precision 1 up to recall 0.5, then 0
    (0.505, 0.505)
    """
    if iou_thresholds is None:
        thresholds = COCO_IOU_THRESHOLDS
    else:
        thresholds = np.array(
            [_threshold(t, "iou_thresholds") for t in np.atleast_1d(iou_thresholds).tolist()]
        )
        if not len(thresholds):
            raise ValueError("iou_thresholds is empty")
    max_detections = check_int(max_detections, "max_detections", minimum=1)
    all_scores, all_matched, n_true, n_pred = [], [], 0, 0
    for index, item in enumerate(results):
        if not isinstance(item, (tuple, list)) or len(item) != 3:
            raise TypeError(f"results[{index}] must be a (y_true, y_pred, pred_scores) tuple")
        true, pred = _instances(item[0], f"y_true of image {index}"), _instances(item[1], f"y_pred of image {index}")
        scores = _scores(item[2], pred.n, index)
        keep = np.argsort(-scores, kind="mergesort")[:max_detections]
        rows, cols, iou = _overlaps(pred, true, (f"y_pred of image {index}", f"y_true of image {index}"))
        rank = np.full(pred.n, -1)
        rank[keep] = np.arange(len(keep))
        kept = rank[rows] >= 0
        iou = _dense(rank[rows[kept]], cols[kept], iou[kept], (len(keep), true.n))
        matched = np.zeros((len(thresholds), len(keep)), dtype=bool)
        coco_greedy_match(np.ascontiguousarray(iou), thresholds, matched)
        all_scores.append(scores[keep])
        all_matched.append(matched)
        n_true += true.n
        n_pred += pred.n
    if not all_scores:
        raise ValueError("results is empty: give one (y_true, y_pred, pred_scores) per image")
    precision, recall = _precision_recall(
        np.concatenate(all_scores), np.concatenate(all_matched, axis=1), n_true
    )

    def mean_at(t):
        rows = precision[thresholds == t]
        return float(rows.mean()) if rows.size else float("nan")

    return AveragePrecision(
        ap=float(precision.mean()),
        ap50=mean_at(0.5),
        ap75=mean_at(0.75),
        iou_thresholds=thresholds,
        precision=precision,
        recall=recall,
        n_true=n_true,
        n_pred=n_pred,
    )


def _precision_recall(scores, matched, n_true):
    """Interpolated precision at the COCO recall points, as ``COCOeval.accumulate``."""
    n_thr = matched.shape[0]
    if n_true == 0:
        nan = np.full((n_thr, len(COCO_RECALL_POINTS)), np.nan)
        return nan, nan[:, 0]
    order = np.argsort(-scores, kind="mergesort")
    tp = np.cumsum(matched[:, order], axis=1, dtype=np.float64)
    fp = np.cumsum(~matched[:, order], axis=1, dtype=np.float64)
    recall = tp / n_true
    # pycocotools adds the spacing of 1.0 to the denominator.
    precision = tp / (fp + tp + np.spacing(1))
    precision = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]
    out = np.zeros((n_thr, len(COCO_RECALL_POINTS)))
    for t in range(n_thr):
        at = np.searchsorted(recall[t], COCO_RECALL_POINTS, side="left")
        reached = at < recall.shape[1]
        out[t, reached] = precision[t, at[reached]]
    last = recall[:, -1] if recall.shape[1] else np.zeros(n_thr)
    return out, last


# ------------------------------------------------------------------ panoptic


@dataclass(frozen=True)
class QualityScores:
    """Panoptic, segmentation and recognition quality, averaged over categories."""

    pq: float
    sq: float
    rq: float


@dataclass(frozen=True)
class PanopticResult:
    """Panoptic quality of a segmentation, see :func:`panoptic_quality`.

    The per-class arrays follow ``categories``: things in increasing id,
    then stuff in increasing id.
    """

    pq: float
    sq: float
    rq: float
    things: QualityScores
    stuff: QualityScores
    categories: np.ndarray
    pq_per_class: np.ndarray
    sq_per_class: np.ndarray
    rq_per_class: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    iou_sum: np.ndarray


def _category_set(values, name):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a collection of integer category ids, got {values!r}")
    return {check_int(v, name) for v in values}


def _panoptic_array(y, name):
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array of (category, instance) pairs, got dtype {y.dtype}")
    if y.ndim not in (3, 4) or y.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (H, W, 2) or (B, H, W, 2), got {y.shape}")
    if y.size == 0:
        raise ValueError(f"{name} is empty (shape {y.shape})")
    return y.reshape(1 if y.ndim == 3 else y.shape[0], -1, 2)


def _segments(category, instance, known, position, n_cat, thing_at):
    """Segment index per pixel, and each segment's category index (``n_cat`` = void).

    Stuff and void pixels form one segment per category (their instance ids
    are dropped), as torchmetrics and panopticapi do.
    """
    at = np.minimum(np.searchsorted(known, category), len(known) - 1)
    hit = known[at] == category
    cat = np.where(hit, position[at], n_cat)
    inst = np.where(hit & thing_at[at], instance, 0)
    _, inst = np.unique(inst, return_inverse=True)
    n_inst = int(inst.max()) + 1
    codes, seg = np.unique(cat * np.int64(n_inst) + inst, return_inverse=True)
    return seg, codes // n_inst, hit


def panoptic_quality(y_true, y_pred, *, things, stuffs, allow_unknown_preds_category=False):
    """Panoptic quality PQ = SQ x RQ of a panoptic segmentation.

    The metric of Kirillov et al. [1]_.
    Per image, a predicted segment matches a true segment of the same
    category when their IoU exceeds 0.5 (which makes matches unique). Per
    category, with the matched pairs TP, the unmatched predicted segments FP
    and the unmatched true ones FN, pooled over images::

        SQ = sum of matched IoUs / |TP|        (0 if no TP)
        RQ = |TP| / (|TP| + |FP| / 2 + |FN| / 2)
        PQ = SQ x RQ

    Pixels whose true category is in neither `things` nor `stuffs` are void:
    they are left out of every union, and a predicted segment lying mostly
    (over half) on void is not a false positive; likewise a true segment
    mostly predicted as void (unknown predicted categories, if allowed) is
    not a false negative. The overall, things and stuff scores are means
    over the categories that occur (TP + FP + FN > 0). This is
    ``torchmetrics.detection.PanopticQuality`` (and panopticapi's
    ``pq_compute``), with truth first.

    Parameters
    ----------
    y_true : (H, W, 2) or (B, H, W, 2) ndarray of int
        ``[category, instance]`` per pixel, one image or a batch. The
        instance id of a stuff category is ignored.
    y_pred : ndarray of int, `y_true`'s shape
        Predicted ``[category, instance]`` per pixel.
    things : collection of int
        Categories of countable objects, one segment per instance id.
    stuffs : collection of int
        Amorphous categories (sky, road), one segment per image.
    allow_unknown_preds_category : bool, optional
        Treat a predicted category in neither set as void instead of raising.

    Returns
    -------
    PanopticResult
        ``pq``, ``sq``, ``rq`` over all categories, ``things`` and ``stuff``
        (:class:`QualityScores`), per-class arrays along ``categories`` (NaN
        for a category that does not occur), and the pooled counts ``tp``,
        ``fp``, ``fn``, ``iou_sum``. A mean over no category is NaN.

    Raises
    ------
    ValueError
        If the shapes differ or are not ``(..., 2)``, `things` and `stuffs`
        overlap or are both empty, or a predicted category is in neither
        (unless allowed).
    TypeError
        If a label array is not of an integer dtype or a category id is not
        an integer.

    References
    ----------
    .. [1] Kirillov, He, Girshick, Rother and Dollar, "Panoptic
       Segmentation", CVPR 2019.

    Examples
    --------
    A 1 x 4 image: category 1 (a thing) with two instances on the left,
    category 7 (stuff) on the right; the prediction merges the two instances.

    >>> import numpy as np
    >>> truth = np.array([[[1, 1], [1, 2], [7, 0], [7, 0]]])
    >>> pred = np.array([[[1, 1], [1, 1], [7, 0], [7, 0]]])
    >>> r = panoptic_quality(truth, pred, things={1}, stuffs={7})
    >>> r.stuff.pq, r.things.pq, r.pq
    (1.0, 0.0, 0.5)
    """
    things = _category_set(things, "things")
    stuffs = _category_set(stuffs, "stuffs")
    if things & stuffs:
        raise ValueError(f"things and stuffs must be disjoint, both hold {sorted(things & stuffs)}")
    if not things | stuffs:
        raise ValueError("things and stuffs are both empty: give at least one category")
    true = _panoptic_array(y_true, "y_true")
    pred = _panoptic_array(y_pred, "y_pred")
    if np.shape(y_pred) != np.shape(y_true):
        raise ValueError(f"y_pred must have the shape of y_true {np.shape(y_true)}, got {np.shape(y_pred)}")
    categories = np.array(sorted(things) + sorted(stuffs), dtype=np.int64)
    n_cat = len(categories)
    order = np.argsort(categories, kind="stable")
    known, position = categories[order], order
    thing_at = position < len(things)  # along `known`
    tp, fp, fn = (np.zeros(n_cat, dtype=np.int64) for _ in range(3))
    iou_sum = np.zeros(n_cat)
    for t_img, p_img in zip(true, pred):
        t_seg, t_cat, _ = _segments(t_img[:, 0].astype(np.int64), t_img[:, 1], known, position, n_cat, thing_at)
        p_seg, p_cat, hit = _segments(p_img[:, 0].astype(np.int64), p_img[:, 1], known, position, n_cat, thing_at)
        if not allow_unknown_preds_category and not hit.all():
            raise ValueError(
                f"y_pred has category {p_img[~hit, 0][0]}, in neither things nor stuffs "
                "(pass allow_unknown_preds_category=True to treat it as void)"
            )
        counts = _image_counts(t_seg, t_cat, p_seg, p_cat, n_cat)
        for total, part in zip((tp, fp, fn, iou_sum), counts):
            total += part
    return _panoptic_result(categories, np.arange(n_cat) < len(things), tp, fp, fn, iou_sum)


def _image_counts(t_seg, t_cat, p_seg, p_cat, n_cat):
    """TP, FP, FN and IoU sum per category of one image (torchmetrics' update of one sample)."""
    n_t = len(t_cat)
    pairs, inter = np.unique(p_seg * np.int64(n_t) + t_seg, return_counts=True)
    pp, pt = pairs // n_t, pairs % n_t
    t_area = np.bincount(t_seg, minlength=n_t)
    p_area = np.bincount(p_seg, minlength=len(p_cat))
    # Pixels of each predicted segment on void truth, of each true segment predicted void.
    on_void = np.bincount(pp[t_cat[pt] == n_cat], inter[t_cat[pt] == n_cat], minlength=len(p_cat))
    voided = np.bincount(pt[p_cat[pp] == n_cat], inter[p_cat[pp] == n_cat], minlength=n_t)
    same = (p_cat[pp] == t_cat[pt]) & (t_cat[pt] < n_cat)
    pp, pt, inter = pp[same], pt[same], inter[same]
    union = p_area[pp] - on_void[pp] + t_area[pt] - voided[pt] - inter
    match = 2 * inter > union  # IoU > 0.5, decided in integers
    cat = t_cat[pt[match]]
    tp = np.bincount(cat, minlength=n_cat + 1)[:n_cat]
    iou_sum = np.bincount(cat, inter[match] / union[match], minlength=n_cat + 1)[:n_cat]
    t_free = np.ones(n_t, dtype=bool)
    t_free[pt[match]] = False
    p_free = np.ones(len(p_cat), dtype=bool)
    p_free[pp[match]] = False
    fn_seg = t_free & (t_cat < n_cat) & (2 * voided <= t_area)
    fp_seg = p_free & (p_cat < n_cat) & (2 * on_void <= p_area)
    fn = np.bincount(t_cat[fn_seg], minlength=n_cat + 1)[:n_cat]
    fp = np.bincount(p_cat[fp_seg], minlength=n_cat + 1)[:n_cat]
    return tp, fp, fn, iou_sum


def _panoptic_result(categories, is_thing, tp, fp, fn, iou_sum):
    den = tp + 0.5 * fp + 0.5 * fn
    present = den > 0
    sq = np.divide(iou_sum, tp, out=np.zeros(len(tp)), where=tp > 0)
    rq = np.divide(tp, den, out=np.zeros(len(tp)), where=present)
    pq = sq * rq

    def means(keep):
        keep = keep & present
        if not keep.any():
            return QualityScores(float("nan"), float("nan"), float("nan"))
        return QualityScores(float(pq[keep].mean()), float(sq[keep].mean()), float(rq[keep].mean()))

    overall = means(np.ones(len(tp), dtype=bool))
    per_class = [np.where(present, v, np.nan) for v in (pq, sq, rq)]
    return PanopticResult(
        overall.pq,
        overall.sq,
        overall.rq,
        things=means(is_thing),
        stuff=means(~is_thing),
        categories=categories,
        pq_per_class=per_class[0],
        sq_per_class=per_class[1],
        rq_per_class=per_class[2],
        tp=tp,
        fp=fp,
        fn=fn,
        iou_sum=iou_sum,
    )
