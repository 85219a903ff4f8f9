"""Segmentation metrics: scores from the confusion matrix, and region metrics.

Truth comes first in every signature. Label arrays are integer arrays of any
shape (an image, a volume, a batch); all pixels are pooled.

Class scores (Csurka et al., BMVC 2013; Everingham et al., IJCV 2010) all derive from one
confusion matrix ``C[t, p]`` (pixels of true class t predicted as p), counted
in one O(N) pass. For class c, with ``TP = C[c, c]``, ``FP`` the rest of
column c and ``FN`` the rest of row c:

- IoU (Jaccard) ``TP / (TP + FP + FN)``, mean IoU its mean over classes;
- Dice = F1 ``2 TP / (2 TP + FP + FN)``;
- precision ``TP / (TP + FP)``, recall ``TP / (TP + FN)``;
- pixel accuracy ``trace(C) / sum(C)``.

Values equal :mod:`sklearn.metrics` (``jaccard_score``, ``f1_score``,
``precision_score``, ``recall_score``, ``accuracy_score``) wherever both are
defined. A class absent from both arrays has no score: it is NaN per class
and left out of the means (scikit-learn leaves such classes out of its label
set, so its macro average agrees). A class present in only one array scores
0 where the formula divides by zero (scikit-learn's ``zero_division`` value).

Region metrics for segmentations with arbitrary label ids (Rand index, PRI,
VI, segmentation covering and the BSDS ODS/OIS pooling) live in
``classicseg._region_metrics`` and are re-exported here; :func:`match_labels`
maps the arbitrary cluster ids of an unsupervised segmentation to classes.
Instance and panoptic metrics (:func:`match_instances`, COCO mask AP
:func:`instance_average_precision`, :func:`panoptic_quality`) live in
``classicseg._instance_metrics`` and are re-exported here.
"""

import numpy as np
from scipy.optimize import linear_sum_assignment

from ._boundary_metrics import (
    BoundaryBenchmark,
    BoundaryPR,
    boundaries,
    boundary_benchmark,
    boundary_pr,
)
from ._instance_metrics import (
    AveragePrecision,
    InstanceMatch,
    PanopticResult,
    QualityScores,
    instance_average_precision,
    match_instances,
    panoptic_quality,
)
from ._kernels.metrics import confusion_counts
from ._region_metrics import (
    RegionBenchmark,
    probabilistic_rand_index,
    rand_index,
    region_benchmark,
    segmentation_covering,
    variation_of_information,
)
from ._validate import check_int, check_labels, check_memory

__all__ = [
    "confusion_matrix",
    "iou_score",
    "dice_score",
    "precision_score",
    "recall_score",
    "f1_score",
    "mean_iou",
    "pixel_accuracy",
    "match_labels",
    "RegionBenchmark",
    "rand_index",
    "probabilistic_rand_index",
    "variation_of_information",
    "segmentation_covering",
    "region_benchmark",
    "BoundaryPR",
    "BoundaryBenchmark",
    "boundaries",
    "boundary_pr",
    "boundary_benchmark",
    "cosine_score",
    "match_instances",
    "InstanceMatch",
    "instance_average_precision",
    "AveragePrecision",
    "panoptic_quality",
    "PanopticResult",
    "QualityScores",
]

AVERAGES = (None, "binary", "macro", "micro", "weighted")


def _check_label_pair(y_true, y_pred):
    """Return both label arrays flattened, after checking dtypes and shapes."""
    y_true, y_pred = check_labels(y_true, "y_true"), np.asarray(y_pred)
    if y_pred.dtype.kind in "biu" and y_pred.shape != y_true.shape:
        raise ValueError(f"y_pred must have the shape of y_true {y_true.shape}, got {y_pred.shape}")
    return y_true.ravel(), check_labels(y_pred, "y_pred").ravel()


def _count_pairs(y_true, y_pred, n_true, n_pred, ignore_index, what):
    """Table of pixel counts ``[truth, prediction]`` by the histogram kernel.

    ``what`` names the table and what set its size (the array with the
    largest label). The table's memory is checked first (a largest label far
    beyond the number of classes is usually a wrong argument). Raises a
    ValueError naming the array and the first label outside its range.
    """
    check_memory(8 * n_true * n_pred, f"{what}, a {n_true} x {n_pred} table,",
                 "label ids must be small integers 0 .. n-1: renumber them "
                 "(np.unique(labels, return_inverse=True)) or pass ignore_index")
    use_ignore = ignore_index is not None
    counts, n_bad = confusion_counts(
        y_true, y_pred, n_true, n_pred, ignore_index if use_ignore else 0, use_ignore
    )
    if n_bad:
        kept = y_true != ignore_index if use_ignore else slice(None)
        for name, y, n in (("y_true", y_true, n_true), ("y_pred", y_pred, n_pred)):
            y = y[kept]
            bad = y[(y < 0) | (y >= n)]
            if bad.size:
                skip = (
                    f" other than ignore_index={ignore_index}" if use_ignore and name == "y_true" else ""
                )
                raise ValueError(f"{name} has label {bad[0]}{skip} outside 0 .. {n - 1} ({what})")
    return counts


def _largest_label(y_true, y_pred, ignore_index):
    """Largest label of the kept pixels and the array that holds it (-1, None if none is kept)."""
    if ignore_index is not None:
        kept = y_true != ignore_index
        if not kept.all():
            y_true, y_pred = y_true[kept], y_pred[kept]
    if y_true.size == 0:
        return -1, None
    # Python ints: no dtype's range can overflow (uint8 labels, uint64 ids).
    top_true, top_pred = int(y_true.max()), int(y_pred.max())
    return (top_true, "y_true") if top_true >= top_pred else (top_pred, "y_pred")


def confusion_matrix(y_true, y_pred, *, n_classes=None, ignore_index=None):
    """Pixel counts of every (true class, predicted class) pair.

    Parameters
    ----------
    y_true : ndarray of int
        Ground-truth class ids ``0 .. n_classes-1``, any shape.
    y_pred : ndarray of int, `y_true`'s shape
        Predicted class ids.
    n_classes : int, optional
        Number of classes; default: the largest label of the kept pixels + 1.
    ignore_index : int, optional
        Truth value of pixels to leave out (unlabelled or boundary pixels,
        e.g. 255 in Pascal VOC). These pixels are dropped before anything is
        checked, whatever their prediction.

    Returns
    -------
    matrix : (n_classes, n_classes) ndarray of int64
        ``matrix[t, p]`` pixels of true class t predicted as p (rows truth,
        columns prediction, as ``sklearn.metrics.confusion_matrix``).

    Raises
    ------
    ValueError
        If the shapes differ, the arrays are empty, or a kept label is
        negative or >= `n_classes`.
    TypeError
        If a label array is not of an integer (or bool) dtype.

    Examples
    --------
    >>> import numpy as np
    >>> confusion_matrix(np.array([[0, 0], [1, 2]]), np.array([[0, 1], [1, 1]]))
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 1, 0]])
    """
    y_true, y_pred = _check_label_pair(y_true, y_pred)
    if ignore_index is not None:
        ignore_index = check_int(ignore_index, "ignore_index")
    if n_classes is None:
        largest, holder = _largest_label(y_true, y_pred, ignore_index)
        n_classes = max(largest + 1, 1)
        what = f"the confusion matrix up to the largest label {largest} of {holder}"
    else:
        n_classes = check_int(n_classes, "n_classes", minimum=1)
        what = f"the confusion matrix of n_classes={n_classes}"
    return _count_pairs(y_true, y_pred, n_classes, n_classes, ignore_index, what)


def _average_scores(y_true, y_pred, kind, average, n_classes, ignore_index):
    """The one implementation behind every class score."""
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    cm = confusion_matrix(y_true, y_pred, n_classes=n_classes, ignore_index=ignore_index)
    if average == "binary":
        if len(cm) > 2:
            raise ValueError(
                f"average='binary' needs labels 0 and 1 only, got {len(cm)} classes; "
                "use average='macro', 'micro', 'weighted' or None"
            )
        cm = np.pad(cm, (0, 2 - len(cm)))  # a mask of only 0 still has a class 1 to score
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    fp, fn = predicted - tp, support - tp
    if average == "micro":  # the formula on pooled counts (cosine is not a ratio of sums)
        tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
    num, den = {
        "iou": (tp, tp + fp + fn),
        "f1": (2 * tp, 2 * tp + fp + fn),
        "precision": (tp, tp + fp),
        "recall": (tp, tp + fn),
        "cosine": (tp, np.sqrt((tp + fp) * (tp + fn))),
    }[kind]
    if average == "micro":
        return float(num.sum() / den.sum()) if den.sum() else float("nan")
    present = (support + predicted) > 0
    scores = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    scores[~present] = np.nan
    if average is None:
        return scores
    if average == "binary":
        return float(scores[1])
    if not present.any():
        return float("nan")
    if average == "macro":
        return float(scores[present].mean())
    weights = support[present]
    return float(scores[present] @ weights / weights.sum()) if weights.sum() else float("nan")


_SCORE_DOC = """{summary}

    ``{formula}`` per class, from :func:`confusion_matrix`; equals
    ``sklearn.metrics.{sklearn}`` where both are defined.

    Parameters
    ----------
    y_true : ndarray of int
        Ground-truth class ids ``0 .. n_classes-1``, any shape.
    y_pred : ndarray of int, `y_true`'s shape
        Predicted class ids.
    average : {{None, "binary", "macro", "micro", "weighted"}}, optional
        None (default): one score per class. ``"binary"``: the score of class
        1 for labels in {{0, 1}}. ``"macro"``: the mean over classes present in
        either array. ``"micro"``: the formula on the summed counts of all
        classes. ``"weighted"``: the mean weighted by each class's pixel count
        in `y_true`.
    n_classes : int, optional
        Number of classes; default: the largest label + 1.
    ignore_index : int, optional
        Truth value of pixels to leave out, see :func:`confusion_matrix`.

    Returns
    -------
    score : (n_classes,) ndarray of float64, or float
        Per class for ``average=None``: NaN for a class absent from both
        arrays, 0 where the formula divides by zero otherwise. A float for
        the averages (NaN when no class is present).

    Raises
    ------
    ValueError
        If `average` is unknown, ``average="binary"`` meets more than two
        classes, or as :func:`confusion_matrix`.
    TypeError
        As :func:`confusion_matrix`.

    Examples
    --------
    Two 5 x 5 masks: 13 true pixels, 8 of them predicted, no false positive
    (TP = 8, FP = 0, FN = 5, TN = 12).

    >>> import numpy as np
    >>> truth = (np.arange(25) < 13).reshape(5, 5).astype(int)
    >>> pred = (np.arange(25) < 8).reshape(5, 5).astype(int)
    >>> round({name}(truth, pred, average="binary"), 3)
    {binary}
    >>> {name}(truth, pred).round(3)
    {per_class}
    """


def _score_doc(**fields):
    def attach(fn):
        fn.__doc__ = _SCORE_DOC.format(name=fn.__name__, **fields)
        return fn

    return attach


@_score_doc(
    summary="Intersection over union (Jaccard index) of each class.",
    formula="TP / (TP + FP + FN)",
    sklearn="jaccard_score",
    binary="0.615",
    per_class="array([0.706, 0.615])",
)
def iou_score(y_true, y_pred, *, average=None, n_classes=None, ignore_index=None):
    return _average_scores(y_true, y_pred, "iou", average, n_classes, ignore_index)


@_score_doc(
    summary="Dice coefficient of each class (equal to its F1 score).",
    formula="2 TP / (2 TP + FP + FN) = 2 |X & Y| / (|X| + |Y|)",
    sklearn="f1_score",
    binary="0.762",
    per_class="array([0.828, 0.762])",
)
def dice_score(y_true, y_pred, *, average=None, n_classes=None, ignore_index=None):
    return _average_scores(y_true, y_pred, "f1", average, n_classes, ignore_index)


@_score_doc(
    summary="F1 score of each class, the harmonic mean of precision and recall.",
    formula="2 TP / (2 TP + FP + FN)",
    sklearn="f1_score",
    binary="0.762",
    per_class="array([0.828, 0.762])",
)
def f1_score(y_true, y_pred, *, average=None, n_classes=None, ignore_index=None):
    return _average_scores(y_true, y_pred, "f1", average, n_classes, ignore_index)


@_score_doc(
    summary="Precision of each class: the share of its predicted pixels that are right.",
    formula="TP / (TP + FP)",
    sklearn="precision_score",
    binary="1.0",
    per_class="array([0.706, 1.   ])",
)
def precision_score(y_true, y_pred, *, average=None, n_classes=None, ignore_index=None):
    return _average_scores(y_true, y_pred, "precision", average, n_classes, ignore_index)


@_score_doc(
    summary="Recall of each class: the share of its true pixels that are found.",
    formula="TP / (TP + FN)",
    sklearn="recall_score",
    binary="0.615",
    per_class="array([1.   , 0.615])",
)
def recall_score(y_true, y_pred, *, average=None, n_classes=None, ignore_index=None):
    return _average_scores(y_true, y_pred, "recall", average, n_classes, ignore_index)


def cosine_score(y_true, y_pred, *, average=None, n_classes=None, ignore_index=None):
    """Cosine coefficient (Ochiai index) of each class.

    ``|X & Y| / sqrt(|X| |Y|) = TP / sqrt((TP + FP) (TP + FN))`` (Ochiai
    1957), the third set-similarity coefficient beside Dice (``2 |X & Y| /
    (|X| + |Y|)``) and Jaccard (``|X & Y| / |X | Y|``): the cosine of the angle
    between the two class masks as 0/1 vectors, the geometric mean of
    precision and recall (Dice is their harmonic mean), so ``Jaccard <= Dice
    <= cosine``. scikit-learn has no counterpart; ``1 -
    scipy.spatial.distance.cosine`` of the two masks is the same number.

    Parameters
    ----------
    y_true, y_pred, average, n_classes, ignore_index
        As :func:`iou_score`. ``average="micro"`` applies the formula to the
        counts pooled over classes (which gives the pixel accuracy).

    Returns
    -------
    score : (n_classes,) ndarray of float64, or float
        As :func:`iou_score`.

    Raises
    ------
    ValueError, TypeError
        As :func:`iou_score`.

    Examples
    --------
    The masks of :func:`iou_score` (TP = 8, FP = 0, FN = 5): ``8 / sqrt(8 * 13)``.

    >>> import numpy as np
    >>> truth = (np.arange(25) < 13).reshape(5, 5).astype(int)
    >>> pred = (np.arange(25) < 8).reshape(5, 5).astype(int)
    >>> round(cosine_score(truth, pred, average="binary"), 3)
    0.784
    """
    return _average_scores(y_true, y_pred, "cosine", average, n_classes, ignore_index)


def mean_iou(y_true, y_pred, *, n_classes=None, ignore_index=None):
    """Mean intersection over union (mIoU) over the classes present.

    ``mean(IoU_c)`` over the classes present in either array, i.e.
    ``iou_score(..., average="macro")``: ``mIoU = 1/n sum_c IoU_c``.

    Parameters
    ----------
    y_true, y_pred : ndarray of int, one shape
        True and predicted class ids.
    n_classes, ignore_index : int, optional
        See :func:`confusion_matrix`.

    Returns
    -------
    miou : float

    Raises
    ------
    ValueError, TypeError
        As :func:`confusion_matrix`.

    Examples
    --------
    >>> import numpy as np
    >>> mean_iou(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]))
    0.5833333333333333
    """
    return iou_score(y_true, y_pred, average="macro", n_classes=n_classes, ignore_index=ignore_index)


def pixel_accuracy(y_true, y_pred, *, n_classes=None, ignore_index=None):
    """Share of (kept) pixels whose predicted class is the true one.

    Equals ``sklearn.metrics.accuracy_score`` on the flattened arrays; not
    sensitive to small objects (a class of few pixels barely moves it; Csurka
    et al., BMVC 2013), so report it beside mIoU.

    Parameters
    ----------
    y_true, y_pred : ndarray of int, one shape
        True and predicted class ids.
    n_classes, ignore_index : int, optional
        See :func:`confusion_matrix`.

    Returns
    -------
    accuracy : float
        NaN if every pixel is ignored.

    Raises
    ------
    ValueError, TypeError
        As :func:`confusion_matrix`.

    Examples
    --------
    >>> import numpy as np
    >>> truth = (np.arange(25) < 13).reshape(5, 5)
    >>> pred = (np.arange(25) < 8).reshape(5, 5)
    >>> pixel_accuracy(truth, pred)
    0.8
    """
    cm = confusion_matrix(y_true, y_pred, n_classes=n_classes, ignore_index=ignore_index)
    total = cm.sum()
    return float(np.trace(cm) / total) if total else float("nan")


def match_labels(y_true, y_pred, *, ignore_index=None):
    """Relabel an unsupervised segmentation with the truth's classes.

    Cluster ids of k-means, mean shift or normalized cut are arbitrary. Each
    cluster is given the class it overlaps best under a one-to-one
    assignment that maximises the total overlap (the Hungarian algorithm on
    the class x cluster count table, ``scipy.optimize.linear_sum_assignment``),
    after which the class scores above apply.

    Parameters
    ----------
    y_true : ndarray of int
        Ground-truth class ids ``0 .. n_classes-1``.
    y_pred : ndarray of int, `y_true`'s shape
        Cluster ids: any integers, any number of them.
    ignore_index : int, optional
        Truth value of pixels left out of the overlap counts (they are still
        relabelled).

    Returns
    -------
    labels : ndarray of np.intp, `y_pred`'s shape
        Matched clusters take their class id. With more clusters than
        classes, the unmatched ones take distinct ids ``n_classes,
        n_classes + 1, ...`` in the order of their original ids, so they stay
        apart and outside the class range.

    Raises
    ------
    ValueError
        If the shapes differ, the arrays are empty, or a kept truth label is
        negative.
    TypeError
        If a label array is not of an integer dtype.

    Examples
    --------
    >>> import numpy as np
    >>> truth = np.array([0, 0, 1, 1, 2, 2])
    >>> clusters = np.array([7, 7, 3, 3, 3, 5])
    >>> match_labels(truth, clusters)
    array([0, 0, 1, 1, 1, 2])
    >>> match_labels(truth[:4], np.array([4, 9, 2, 2]))
    array([0, 2, 1, 1])
    """
    t, p = _check_label_pair(y_true, y_pred)
    if ignore_index is not None:
        ignore_index = check_int(ignore_index, "ignore_index")
    clusters, cluster_ids = np.unique(p, return_inverse=True)
    kept = t if ignore_index is None else t[t != ignore_index]
    n_classes = max(int(kept.max()) + 1, 1) if kept.size else 1
    overlap = _count_pairs(
        t, cluster_ids.ravel(), n_classes, len(clusters), ignore_index,
        f"the class x cluster table up to the largest label {n_classes - 1} of y_true",
    )
    classes, matched = linear_sum_assignment(overlap, maximize=True)
    mapping = np.empty(len(clusters), dtype=np.intp)
    mapping[matched] = classes
    unmatched = np.setdiff1d(np.arange(len(clusters)), matched)
    mapping[unmatched] = n_classes + np.arange(len(unmatched))
    return mapping[cluster_ids].reshape(np.shape(y_pred))
