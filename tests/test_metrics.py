"""classicseg.metrics against scikit-learn, a hand-worked example and brute force."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics as skm

from classicseg import metrics
from classicseg.metrics import (
    confusion_matrix,
    dice_score,
    f1_score,
    iou_score,
    match_labels,
    mean_iou,
    pixel_accuracy,
    precision_score,
    recall_score,
)

# A hand-worked example: 5 x 5 masks with TP = 8, FP = 0, FN = 5, TN = 12.
TRUTH = np.array([[0, 1, 1, 1, 0], [0, 1, 1, 1, 0], [0, 1, 1, 1, 0], [0, 1, 1, 1, 0], [0, 0, 1, 0, 0]])
PRED = np.array([[0, 1, 1, 1, 0], [0, 1, 1, 1, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]])

SCORES = {
    iou_score: skm.jaccard_score,
    dice_score: skm.f1_score,
    f1_score: skm.f1_score,
    precision_score: skm.precision_score,
    recall_score: skm.recall_score,
}


def noisy_labels(seed, shape=(40, 30), n_classes=6, absent=(), keep=0.6):
    """A truth and a prediction that agrees on about `keep` of the pixels."""
    rng = np.random.default_rng(seed)
    classes = np.setdiff1d(np.arange(n_classes), absent)
    truth = rng.choice(classes, size=shape)
    pred = np.where(rng.random(shape) < keep, truth, rng.choice(classes, size=shape))
    return truth, pred


def test_hand_worked_example():
    tp, fp, fn = (
        ((TRUTH == 1) & (PRED == 1)).sum(),
        ((TRUTH == 0) & (PRED == 1)).sum(),
        ((TRUTH == 1) & (PRED == 0)).sum(),
    )
    assert (tp, fp, fn, TRUTH.size - tp - fp - fn) == (8, 0, 5, 12)
    assert precision_score(TRUTH, PRED, average="binary") == 1
    assert round(recall_score(TRUTH, PRED, average="binary"), 3) == 0.615
    assert pixel_accuracy(TRUTH, PRED) == 0.8
    assert round(f1_score(TRUTH, PRED, average="binary"), 3) == 0.762
    assert round(dice_score(TRUTH, PRED, average="binary"), 3) == 0.762
    assert round(iou_score(TRUTH, PRED, average="binary"), 3) == 0.615


def test_confusion_matrix_equals_sklearn_on_any_shape():
    truth, pred = noisy_labels(0, shape=(3, 7, 5, 4))  # a batch of volumes
    expected = skm.confusion_matrix(truth.ravel(), pred.ravel(), labels=range(6))
    cm = confusion_matrix(truth, pred)
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(confusion_matrix(truth, pred, n_classes=9)[:6, :6], expected)


@pytest.mark.parametrize("score, sk_score", SCORES.items(), ids=lambda f: getattr(f, "__name__", ""))
@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted"])
def test_scores_equal_sklearn(score, sk_score, average):
    # Classes 2 and 5 never occur: left out by scikit-learn, NaN here.
    truth, pred = noisy_labels(1, absent=(2, 5))
    # Class 4 predicted but never true, class 3 true but never predicted.
    truth[truth == 4] = 0
    pred[pred == 3] = 4
    ours = score(truth, pred, average=average, n_classes=6)
    present = np.union1d(truth, pred)
    expected = sk_score(truth.ravel(), pred.ravel(), average=average, zero_division=0.0)
    if average is None:
        assert ours.shape == (6,) and ours.dtype == np.float64
        assert np.isnan(ours[[2, 5]]).all()
        np.testing.assert_allclose(ours[present], expected, rtol=1e-12)
    else:
        assert isinstance(ours, float)
        np.testing.assert_allclose(ours, expected, rtol=1e-12)


@pytest.mark.parametrize("score, sk_score", SCORES.items(), ids=lambda f: getattr(f, "__name__", ""))
def test_binary_equals_sklearn(score, sk_score):
    truth, pred = noisy_labels(2, n_classes=2)
    assert score(truth, pred, average="binary") == pytest.approx(
        sk_score(truth.ravel(), pred.ravel()), rel=1e-12
    )


def test_ignore_index_drops_truth_pixels():
    truth, pred = noisy_labels(3)
    truth = truth.copy()
    truth[:5] = 255
    kept = truth != 255
    np.testing.assert_array_equal(
        confusion_matrix(truth, pred, ignore_index=255),
        skm.confusion_matrix(truth[kept], pred[kept], labels=range(6)),
    )
    for score, sk_score in SCORES.items():
        np.testing.assert_allclose(
            score(truth, pred, average="macro", ignore_index=255),
            sk_score(truth[kept], pred[kept], average="macro", zero_division=0.0),
            rtol=1e-12,
        )
    assert pixel_accuracy(truth, pred, ignore_index=255) == pytest.approx(
        skm.accuracy_score(truth[kept], pred[kept])
    )


def test_mean_iou_and_pixel_accuracy_equal_sklearn():
    truth, pred = noisy_labels(4, absent=(1,))
    assert mean_iou(truth, pred) == pytest.approx(
        skm.jaccard_score(truth.ravel(), pred.ravel(), average="macro")
    )
    assert pixel_accuracy(truth, pred) == pytest.approx(skm.accuracy_score(truth.ravel(), pred.ravel()))
    assert mean_iou(truth, pred) == pytest.approx(np.nanmean(iou_score(truth, pred, n_classes=10)))


def test_absent_classes_are_nan_and_left_out_of_means():
    truth = np.array([0, 0, 2, 2])
    pred = np.array([0, 2, 2, 2])
    iou = iou_score(truth, pred, n_classes=4)
    np.testing.assert_allclose(iou, [0.5, np.nan, 2 / 3, np.nan])
    assert mean_iou(truth, pred, n_classes=4) == pytest.approx((0.5 + 2 / 3) / 2)
    # A class that only one array has scores 0, not NaN.
    np.testing.assert_array_equal(precision_score(np.array([0, 1]), np.array([0, 0])), [0.5, 0.0])
    # A plain mask with no foreground at all: class 1 has no score.
    assert np.isnan(iou_score(np.zeros((3, 3), int), np.zeros((3, 3), int), average="binary"))
    assert np.isnan(pixel_accuracy(np.full(4, 9), np.zeros(4, int), ignore_index=9))


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.int64, bool])
def test_label_dtypes(dtype):
    truth, pred = noisy_labels(5, n_classes=2)
    np.testing.assert_array_equal(
        confusion_matrix(truth.astype(dtype), pred.astype(dtype)), confusion_matrix(truth, pred)
    )


@settings(max_examples=40, deadline=None)
@given(
    truth=arrays(np.int64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=st.integers(0, 3)),
    seed=st.integers(0, 2**16),
)
def test_counts_and_relabelling_invariants(truth, seed):
    rng = np.random.default_rng(seed)
    pred = rng.integers(0, 4, size=truth.shape)
    cm = confusion_matrix(truth, pred, n_classes=4)
    assert cm.sum() == truth.size
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(truth.ravel(), minlength=4))
    # Renaming classes in both arrays permutes the per-class scores.
    perm = rng.permutation(4)
    np.testing.assert_array_equal(
        iou_score(perm[truth], perm[pred], n_classes=4)[perm], iou_score(truth, pred, n_classes=4)
    )
    # Dice >= IoU, with Dice = 2 IoU / (1 + IoU).
    iou, dice = iou_score(truth, pred, n_classes=4), dice_score(truth, pred, n_classes=4)
    np.testing.assert_allclose(dice, 2 * iou / (1 + iou))
    # Hungarian matching finds the overlap of the best one-to-one assignment.
    matched = match_labels(truth, perm[truth] + 10)
    np.testing.assert_array_equal(matched, truth)


def brute_force_overlap(truth, clusters):
    """Largest total overlap of any one-to-one class-cluster assignment."""
    classes, ids = np.unique(truth), np.unique(clusters)
    overlap = np.array([[np.sum((truth == c) & (clusters == k)) for k in ids] for c in classes])
    if len(ids) <= len(classes):
        return max(
            overlap[list(p), range(len(ids))].sum()
            for p in itertools.permutations(range(len(classes)), len(ids))
        )
    return max(
        overlap[range(len(classes)), list(p)].sum()
        for p in itertools.permutations(range(len(ids)), len(classes))
    )


@settings(max_examples=40, deadline=None)
@given(
    truth=arrays(np.int64, (5, 6), elements=st.integers(0, 2)),
    clusters=arrays(np.int64, (5, 6), elements=st.sampled_from([-7, 0, 3, 4, 100])),
)
def test_match_labels_maximises_overlap(truth, clusters):
    n_classes = truth.max() + 1
    out = match_labels(truth, clusters)
    assert out.shape == truth.shape and out.dtype == np.intp
    assert np.sum(out == truth) == brute_force_overlap(truth, clusters)
    # Every cluster keeps its own id; the unmatched ones outside 0 .. n_classes-1.
    pairs = set(zip(clusters.ravel().tolist(), out.ravel().tolist()))
    assert len(pairs) == len(np.unique(clusters)) == len(np.unique(out))
    n_unmatched = max(len(np.unique(clusters)) - n_classes, 0)
    assert np.sum(np.unique(out) >= n_classes) == n_unmatched


def test_match_labels_of_an_unsupervised_segmentation():
    truth = np.repeat(np.array([[0, 1], [2, 1]]), 4, axis=0).repeat(4, axis=1)
    clusters = np.where(truth == 0, 42, np.where(truth == 1, -3, 7))
    clusters[0, 0] = 1000  # a stray cluster: no class left for it
    out = match_labels(truth, clusters)
    assert out[0, 0] == 3
    np.testing.assert_array_equal(out.ravel()[1:], truth.ravel()[1:])
    ignored = truth.copy()
    ignored[:, :4] = 255
    assert match_labels(ignored, clusters, ignore_index=255)[1, 1] != 0  # class 0 seen nowhere


def test_region_metrics_are_re_exported():
    for name in (
        "rand_index",
        "probabilistic_rand_index",
        "variation_of_information",
        "segmentation_covering",
        "region_benchmark",
    ):
        assert name in metrics.__all__
    # What a user sees through classicseg.metrics: a hand-solved case.
    rows, cols = np.array([[1, 1], [2, 2]]), np.array([[1, 2], [1, 2]])
    assert metrics.rand_index(rows, cols) == pytest.approx(2 / 6)  # of 6 pairs, 2 agree
    assert metrics.segmentation_covering([rows], rows) == 1.0


def test_inputs_are_not_modified():
    truth, pred = noisy_labels(6)
    copies = truth.copy(), pred.copy()
    confusion_matrix(truth, pred, ignore_index=0)
    for score in SCORES:
        score(truth, pred, average="weighted", ignore_index=0)
    match_labels(truth, pred, ignore_index=0)
    np.testing.assert_array_equal(truth, copies[0])
    np.testing.assert_array_equal(pred, copies[1])


T = np.array([[0, 1], [2, 1]])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: confusion_matrix(T, T[:1]),
            ValueError,
            r"y_pred must have the shape of y_true \(2, 2\), got \(1, 2\)",
        ),
        (
            lambda: confusion_matrix(T, T.astype(float)),
            TypeError,
            "y_pred must be an integer label array",
        ),
        (
            lambda: confusion_matrix(T.astype(float), T),
            TypeError,
            "y_true must be an integer label array",
        ),
        (
            lambda: confusion_matrix(np.zeros((0, 2), int), np.zeros((0, 2), int)),
            ValueError,
            "y_true is empty",
        ),
        (
            lambda: confusion_matrix(T, T, n_classes=2),
            ValueError,
            r"y_true has label 2 outside 0 \.\. 1",
        ),
        (
            lambda: confusion_matrix(T, T + 1, n_classes=3),
            ValueError,
            r"y_pred has label 3 outside 0 \.\. 2",
        ),
        (lambda: confusion_matrix(T - 1, T), ValueError, "y_true has label -1"),
        (lambda: confusion_matrix(T, T - 5, ignore_index=0), ValueError, "y_pred has label -4"),
        (lambda: confusion_matrix(T, T, n_classes=0), ValueError, "n_classes must be >= 1"),
        (lambda: confusion_matrix(T, T, n_classes=2.0), TypeError, "n_classes must be an integer"),
        (lambda: confusion_matrix(T, T, ignore_index="x"), TypeError, "ignore_index must be an integer"),
        (lambda: confusion_matrix(T, T * 10**6), ValueError, "label ids must be small integers"),
        (lambda: iou_score(T, T, average="mean"), ValueError, "average must be one of"),
        (
            lambda: f1_score(T, T, average="binary"),
            ValueError,
            "average='binary' needs labels 0 and 1 only",
        ),
        (lambda: match_labels(T - 1, T), ValueError, "y_true has label -1"),
        (lambda: match_labels(T, T[:, :1]), ValueError, "y_pred must have the shape of y_true"),
    ],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
