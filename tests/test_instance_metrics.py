"""Instance and panoptic metrics against pycocotools, torchmetrics, StarDist's definition and hand counts.

pycocotools' and torchmetrics' results come from ``fixtures/instance_reference.npz``
(written by ``fixtures/make_instance_fixtures.py``), so no test needs torch.
"""

from pathlib import Path

import naive
import numpy as np
import pytest
from scipy.spatial.distance import cosine as cosine_distance

from classicseg import metrics

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "instance_reference.npz")
SIDE = 48
TOL = 1e-6


def unpack(bits):
    return np.unpackbits(bits, axis=1, count=SIDE * SIDE).astype(bool).reshape(-1, SIDE, SIDE)


def ap_images(form):
    f = FIXTURE
    scores = np.split(f[f"ap_{form}_scores"], f[f"ap_{form}_split"])
    if form == "lab":
        return list(zip(f["ap_lab_true"], f["ap_lab_pred"], scores))
    true = np.split(unpack(f["ap_stk_true"]), f["ap_stk_true_split"])
    pred = np.split(unpack(f["ap_stk_pred"]), f["ap_stk_pred_split"])
    return list(zip(true, pred, scores))


# ------------------------------------------------------------------ COCO AP


@pytest.mark.parametrize("form", ["lab", "stk"])
def test_average_precision_equals_pycocotools(form):
    images = ap_images(form)
    assert max(len(s) for _, _, s in images) > 100  # the 100-detection cap is exercised
    assert any(np.max(t, initial=0) == 0 for t, _, _ in images)  # images without truth
    r = metrics.instance_average_precision(images)
    np.testing.assert_allclose([r.ap, r.ap50, r.ap75], FIXTURE[f"ap_{form}_stats"], atol=TOL, rtol=0)
    np.testing.assert_allclose(r.precision, FIXTURE[f"ap_{form}_precision"], atol=TOL, rtol=0)
    np.testing.assert_allclose(r.recall, FIXTURE[f"ap_{form}_recall"], atol=TOL, rtol=0)


def test_average_precision_mixed_forms_and_layouts():
    """A label image and its mask stack give one AP; odd dtypes and layouts too."""
    images = ap_images("lab")
    as_stacks = [(t, np.stack([p == i for i in np.unique(p) if i]) if p.any() else np.zeros((0, *p.shape), bool), s)
                 for t, p, s in images]
    odd = [(t.astype(">u2"), np.asfortranarray(p.astype(np.uint16)), list(s)) for t, p, s in images]
    expected = FIXTURE["ap_lab_stats"]
    for variant in (as_stacks, odd):
        r = metrics.instance_average_precision(iter(variant))
        np.testing.assert_allclose([r.ap, r.ap50, r.ap75], expected, atol=TOL, rtol=0)


def test_average_precision_hand_cases():
    truth = np.array([[1, 1, 0, 2, 2, 2]])
    perfect = metrics.instance_average_precision([(truth, truth, [0.5, 0.5])])
    assert (perfect.ap, perfect.ap50, perfect.ap75) == (1.0, 1.0, 1.0)
    # The surer detection is a false positive: precision 1/2 at recall 1/2 and 1.
    pred = np.array([[1, 1, 0, 2, 0, 3]])  # id 1 right, ids 2 and 3 too small (IoU 1/3)
    r = metrics.instance_average_precision([(truth, pred, [0.2, 0.9, 0.1])], iou_thresholds=[0.5])
    assert r.ap50 == pytest.approx(51 / 101 * 0.5)
    assert np.isnan(r.ap75) and r.recall[0] == 0.5
    none = metrics.instance_average_precision([(np.zeros((4, 4), int), np.eye(4, dtype=int), [1.0])])
    assert np.isnan(none.ap) and none.n_pred == 1


def test_average_precision_keeps_the_100_surest():
    truth = np.zeros((1, 200), int)
    truth[0, 0] = 1
    pred = np.arange(1, 201)[np.newaxis]  # 200 one-pixel detections
    scores = np.linspace(1, 0.01, 200)
    scores[0] = 0.0  # the one right detection ranks last: cut off
    r = metrics.instance_average_precision([(truth, pred, scores)], iou_thresholds=[0.5])
    assert r.ap50 == 0
    r = metrics.instance_average_precision([(truth, pred, scores)], iou_thresholds=[0.5], max_detections=200)
    assert r.ap50 > 0


def test_average_precision_bad_input():
    t = np.array([[1, 1, 0, 2]])
    with pytest.raises(ValueError, match="pred_scores of image 0"):
        metrics.instance_average_precision([(t, t, [0.5])])
    with pytest.raises(TypeError, match="y_pred of image 0"):
        metrics.instance_average_precision([(t, t.astype(float), [0.5, 0.5])])
    with pytest.raises(ValueError, match="y_pred of image 0"):
        metrics.instance_average_precision([(t, np.array([[1, 1, 0]]), [0.5])])
    with pytest.raises(ValueError, match="iou_thresholds"):
        metrics.instance_average_precision([(t, t, [1, 2])], iou_thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="results is empty"):
        metrics.instance_average_precision([])
    with pytest.raises(TypeError, match=r"results\[0\]"):
        metrics.instance_average_precision([(t, t)])


# ------------------------------------------------------------------ panoptic quality


def pq_case(case):
    f = FIXTURE
    true, pred = f["pq_true"], f["pq_pred_unknown" if case == "pq_unknown" else "pq_pred"]
    if case == "pq0":
        true, pred = true[0], pred[0]
    return true, pred, f["pq_thing_ids"].tolist(), f["pq_stuff_ids"].tolist()


@pytest.mark.parametrize("case", ["pq", "pq0", "pq_unknown"])
def test_panoptic_quality_equals_torchmetrics(case):
    true, pred, things, stuffs = pq_case(case)
    true_before = true.copy()
    r = metrics.panoptic_quality(
        true, pred, things=things, stuffs=stuffs, allow_unknown_preds_category=case == "pq_unknown"
    )
    np.testing.assert_array_equal(true, true_before)
    f = FIXTURE
    np.testing.assert_array_equal(r.tp, f[f"{case}_tp"])
    np.testing.assert_array_equal(r.fp, f[f"{case}_fp"])
    np.testing.assert_array_equal(r.fn, f[f"{case}_fn"])
    np.testing.assert_allclose(r.iou_sum, f[f"{case}_iou_sum"], atol=TOL, rtol=0)
    np.testing.assert_allclose([r.pq, r.sq, r.rq], f[f"{case}_avg"], atol=TOL, rtol=0)
    np.testing.assert_allclose(astuple(r.things), f[f"{case}_things"], atol=TOL, rtol=0)
    np.testing.assert_allclose(astuple(r.stuff), f[f"{case}_stuff"], atol=TOL, rtol=0)
    # Per class: torchmetrics reports 0 for a category that does not occur, we NaN.
    per_class = np.stack([r.pq_per_class, r.sq_per_class, r.rq_per_class], axis=1)
    np.testing.assert_allclose(np.nan_to_num(per_class), f[f"{case}_per_class"], atol=TOL, rtol=0)
    np.testing.assert_array_equal(r.categories, sorted(things) + sorted(stuffs))


def astuple(q):
    return [q.pq, q.sq, q.rq]


def test_panoptic_quality_layouts():
    true, pred, things, stuffs = pq_case("pq")
    odd_true = np.asfortranarray(true.astype(">i8"))
    odd_pred = pred.astype(np.uint16)[:, ::-1, :][:, ::-1, :]  # a strided view
    r = metrics.panoptic_quality(odd_true, odd_pred, things=tuple(things), stuffs=np.array(stuffs))
    np.testing.assert_allclose([r.pq, r.sq, r.rq], FIXTURE["pq_avg"], atol=TOL, rtol=0)


def test_panoptic_quality_hand_case():
    # Category 1 (thing): true instances a (3 px) and b (1 px); prediction covers
    # a with 2 of its pixels plus b's: IoU(a) = 2/4 (not > 0.5), so FN a, FN b, FP.
    # Stuff 7: 3 true pixels, 4 predicted, 3 shared: IoU 3/4, a TP.
    # The void pixel (category 0) lies under the stuff prediction and leaves the union.
    true = np.array([[[1, 1], [1, 1], [1, 1], [1, 2], [7, 0], [7, 5], [7, 9], [0, 0]]])
    pred = np.array([[[7, 0], [1, 4], [1, 4], [1, 4], [7, 3], [7, 0], [7, 0], [7, 0]]])
    r = metrics.panoptic_quality(true, pred, things=[1], stuffs=[7])
    assert (r.tp.tolist(), r.fp.tolist(), r.fn.tolist()) == ([0, 1], [1, 0], [2, 0])
    # Stuff: union = 5 predicted - 1 on void + 3 true - 3 shared = 4; IoU 3/4.
    assert r.stuff.sq == 0.75 and r.stuff.rq == 1.0
    assert r.things.pq == 0.0 and r.pq == pytest.approx(0.375)


def test_panoptic_quality_bad_input():
    true, pred, things, stuffs = pq_case("pq0")
    with pytest.raises(ValueError, match="y_pred has category 13"):
        metrics.panoptic_quality(true, FIXTURE["pq_pred_unknown"][0], things=things, stuffs=stuffs)
    with pytest.raises(ValueError, match="y_pred must have the shape"):
        metrics.panoptic_quality(true, pred[:-1], things=things, stuffs=stuffs)
    with pytest.raises(ValueError, match="y_true must have shape"):
        metrics.panoptic_quality(true[..., 0], pred[..., 0], things=things, stuffs=stuffs)
    with pytest.raises(TypeError, match="y_pred must be an integer"):
        metrics.panoptic_quality(true, pred.astype(float), things=things, stuffs=stuffs)
    with pytest.raises(ValueError, match="disjoint"):
        metrics.panoptic_quality(true, pred, things=things, stuffs=[*stuffs, things[0]])
    with pytest.raises(ValueError, match="both empty"):
        metrics.panoptic_quality(true, pred, things=[], stuffs=[])
    with pytest.raises(TypeError, match="things"):
        metrics.panoptic_quality(true, pred, things=[1.5], stuffs=stuffs)


# ------------------------------------------------------------------ matching


def test_match_instances_hand_cases():
    truth = np.array([[1, 1, 0, 2, 2, 2]])
    pred = np.array([[5, 5, 5, 0, 7, 7]])
    m = metrics.match_instances(truth, pred)
    # IoU(1, 5) = 2/3, IoU(2, 7) = 2/3.
    assert (m.tp, m.fp, m.fn, m.n_true, m.n_pred) == (2, 0, 0, 2, 2)
    assert m.mean_matched_iou == pytest.approx(2 / 3)
    assert m.true_ids.tolist() == [1, 2] and m.pred_ids.tolist() == [5, 7]
    assert (m.precision, m.recall, m.f1) == (1.0, 1.0, 1.0)
    m = metrics.match_instances(truth, pred, iou_threshold=0.7)
    assert (m.tp, m.fp, m.fn, m.precision, m.f1, m.mean_matched_iou) == (0, 2, 2, 0.0, 0.0, 0.0)
    # Below 0.5 the most matches win over the best single one: t1-p1 (0.6) alone
    # loses to t1-p2 (0.2) + t2-p1 (0.4).
    truth = np.array([[1, 1, 1, 1, 1, 0, 0, 0, 2, 2, 0]])
    pred = np.array([[3, 3, 3, 4, 0, 0, 0, 0, 3, 0, 0]])
    m = metrics.match_instances(truth, pred, iou_threshold=0.15)
    assert (m.tp, m.fp, m.fn) == (2, 0, 0)
    assert sorted(zip(m.true_ids.tolist(), m.pred_ids.tolist())) == [(1, 4), (2, 3)]
    empty = metrics.match_instances(np.zeros((3, 3), int), np.zeros((3, 3), int))
    assert (empty.tp, empty.fp, empty.fn, empty.precision, empty.recall) == (0, 0, 0, 0.0, 0.0)


def random_instances(rng, shape=(14, 14), n=5):
    labels = np.zeros(shape, dtype=np.int64)
    for i in rng.permutation(np.arange(1, n + 1)) * 3:
        y, x = rng.integers(0, shape[0] - 3), rng.integers(0, shape[1] - 3)
        h, w = rng.integers(2, 7, size=2)
        labels[y : y + h, x : x + w] = i
    return labels


@pytest.mark.parametrize("seed", range(12))
def test_match_instances_against_stardist_and_brute_force(seed):
    rng = np.random.default_rng(seed)
    truth, pred = random_instances(rng), random_instances(rng)
    iou, _, _ = naive.label_iou(truth, pred)
    for thresh in (0.1, 0.3, 0.5, 0.7):
        m = metrics.match_instances(truth, pred, iou_threshold=thresh)
        tp, fp, fn, matched = naive.stardist_matching(truth, pred, thresh)
        assert (m.tp, m.fp, m.fn) == (tp, fp, fn)
        best_count, best_sum = naive.brute_force_matching(iou, thresh)
        assert m.tp == best_count
        assert m.ious.sum() == pytest.approx(best_sum, abs=1e-12)
        if thresh >= 0.5:  # unique matching: StarDist's matched IoUs too
            np.testing.assert_allclose(np.sort(m.ious), np.sort(matched), atol=1e-12)


def test_match_instances_many_objects():
    """Thousands of nuclei: pairs are found sparsely, matched per group."""
    side = np.arange(150) // 3
    truth = (side[:, None] * 50 + side[None, :] + 1) * 7  # 2,500 squares of 3 x 3
    pred = np.roll(truth, 1, axis=1)  # each square shifted by one column: IoU 2/4
    m = metrics.match_instances(truth, pred)
    assert (m.tp, m.fp, m.fn) == (2500, 0, 0)
    np.testing.assert_allclose(m.ious, 0.5)
    assert metrics.match_instances(truth, pred, iou_threshold=0.51).tp == 0


def test_match_instances_bad_input():
    t = np.array([[1, 1, 0, 2]])
    with pytest.raises(ValueError, match="y_pred"):
        metrics.match_instances(t, t[:, :3])
    with pytest.raises(TypeError, match="y_true"):
        metrics.match_instances(t.astype(np.float32), t)
    with pytest.raises(ValueError, match="y_true"):
        metrics.match_instances(-t, t)
    with pytest.raises(ValueError, match="iou_threshold"):
        metrics.match_instances(t, t, iou_threshold=0)
    with pytest.raises(ValueError, match="y_pred is boolean"):
        metrics.match_instances(t, t > 0)


# ------------------------------------------------------------------ cosine coefficient


def test_cosine_score_hand_worked_and_scipy():
    truth = (np.arange(25) < 13).reshape(5, 5).astype(int)
    pred = (np.arange(25) < 8).reshape(5, 5).astype(int)
    assert metrics.cosine_score(truth, pred, average="binary") == pytest.approx(8 / np.sqrt(8 * 13))
    rng = np.random.default_rng(3)
    t, p = rng.integers(0, 4, size=(30, 20)), rng.integers(0, 4, size=(30, 20))
    per_class = metrics.cosine_score(t, p)
    for c in range(4):
        expected = 1 - cosine_distance((t == c).ravel().astype(float), (p == c).ravel().astype(float))
        assert per_class[c] == pytest.approx(expected, abs=1e-12)
    # Jaccard <= Dice <= cosine, and micro pooling gives the pixel accuracy.
    assert (metrics.iou_score(t, p) <= metrics.dice_score(t, p) + 1e-15).all()
    assert (metrics.dice_score(t, p) <= per_class + 1e-15).all()
    assert metrics.cosine_score(t, p, average="micro") == pytest.approx(metrics.pixel_accuracy(t, p))
