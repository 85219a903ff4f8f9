"""Region metrics (Rand index, PRI, VI, covering) and BSDS ODS/OIS pooling.

Oracles: hand-computed small cases, scikit-learn's ``rand_score`` (the Rand
index over unordered pairs), scikit-image's ``variation_of_information`` (the
two conditional entropies), and a slow region-by-region covering below.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage.metrics import variation_of_information as sk_vi
from sklearn.metrics import rand_score

from classicseg import _region_metrics
from classicseg._region_metrics import (
    probabilistic_rand_index,
    rand_index,
    region_benchmark,
    segmentation_covering,
    variation_of_information,
)

ROWS = np.array([[1, 1], [2, 2]])
COLS = np.array([[1, 2], [1, 2]])


def naive_covering(gts, seg, ignore_index=0):
    """Covering by masks, one truth region and one segment at a time."""
    covered = total = 0.0
    for gt in gts:
        for r in np.unique(gt):
            if r == ignore_index:
                continue
            region = gt == r
            ious = [(region & (seg == s)).sum() / (region | (seg == s)).sum()
                    for s in np.unique(seg)]
            covered += region.sum() * max(ious)
            total += region.sum()
    return covered / total


label_maps = arrays(np.int64, (6, 7), elements=st.integers(0, 4))


# --------------------------------------------------------------------------
# Hand-computed cases


def test_hand_case_orthogonal_halves():
    # 4 pixels, 6 pairs: only the 2 pairs split by both partitions agree.
    assert rand_index(ROWS, COLS) == pytest.approx(1 / 3)
    # H(G) = H(S) = 1 bit, independent: VI = 2.
    assert variation_of_information(ROWS, COLS) == pytest.approx(2.0)
    # Each truth region (area 2) meets each segment in 1 of 3 pixels.
    assert segmentation_covering([ROWS], COLS) == pytest.approx(1 / 3)


def test_hand_case_one_segment():
    one = np.zeros((2, 2), int)
    # Pairs: 2 together in both, 4 apart in truth but together in seg.
    assert rand_index(ROWS, one) == pytest.approx(2 / 6)
    assert variation_of_information(ROWS, one) == pytest.approx(1.0)
    assert segmentation_covering(ROWS, one) == pytest.approx(0.5)


def test_hand_case_three_by_three():
    gt = np.array([[1, 1, 1], [1, 1, 2], [2, 2, 2]])
    seg = np.array([[1, 1, 2], [1, 1, 2], [3, 3, 3]])
    # n_ij: (1,1)=4 (1,2)=1 (2,2)=1 (2,3)=3; a=(5,4), b=(4,2,3); C(9,2)=36.
    # agree = 36 + 2*(6+0+0+3) - (10+6) - (6+1+3) = 28.
    assert rand_index(gt, seg) == pytest.approx(28 / 36)
    p = np.array([4, 1, 1, 3]) / 9
    pg, ps = np.array([5, 4]) / 9, np.array([4, 2, 3]) / 9
    h = lambda q: -(q * np.log2(q)).sum()  # noqa: E731
    assert variation_of_information(gt, seg) == pytest.approx(2 * h(p) - h(pg) - h(ps))
    # Region 1 (5 px): best IoU 4/5 with segment 1; region 2 (4 px): 3/4 with segment 3.
    assert segmentation_covering([gt], seg) == pytest.approx((5 * 4 / 5 + 4 * 3 / 4) / 9)


def test_pri_and_covering_average_over_annotators():
    gts = [ROWS, COLS]
    assert probabilistic_rand_index(gts, ROWS) == pytest.approx((1 + 1 / 3) / 2)
    assert segmentation_covering(gts, ROWS) == pytest.approx((4 * 1 + 4 / 3) / 8)
    stacked = np.stack(gts)
    assert probabilistic_rand_index(stacked, ROWS) == probabilistic_rand_index(gts, ROWS)


def test_truth_label_zero_is_unlabelled():
    gt = np.array([[0, 1, 1], [2, 2, 0]])
    seg = np.array([[5, 5, 5], [6, 6, 6]])
    # PRI/VI see only the 4 labelled pixels, where seg equals the truth.
    assert rand_index(gt, seg) == 1.0
    assert variation_of_information(gt, seg) == 0.0
    # Covering: region 1 = {(0,1),(0,2)}, its segment has 3 pixels (BSDS counts
    # the unlabelled one): IoU 2/3, both regions; denominator 4 labelled pixels.
    assert segmentation_covering([gt], seg) == pytest.approx(2 / 3)
    # ignore_index=None: 0 is an ordinary region.
    assert segmentation_covering([gt], seg, ignore_index=None) == pytest.approx(
        naive_covering([gt], seg, ignore_index=None))


def test_single_labelled_pixel_has_rand_index_one():
    gt = np.array([[0, 0], [0, 3]])
    assert rand_index(gt, np.arange(4).reshape(2, 2)) == 1.0


# --------------------------------------------------------------------------
# Against independent implementations


@settings(max_examples=60, deadline=None)
@given(gt=label_maps, seg=label_maps)
def test_rand_index_matches_sklearn(gt, seg):
    assert rand_index(gt, seg, ignore_index=None) == pytest.approx(
        rand_score(gt.ravel(), seg.ravel()), abs=1e-12)
    labelled = gt.ravel() != 0
    if labelled.any():
        expected = rand_score(gt.ravel()[labelled], seg.ravel()[labelled]) \
            if labelled.sum() > 1 else 1.0
        assert rand_index(gt, seg) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(gt=label_maps, seg=label_maps)
def test_vi_matches_skimage_conditional_entropies(gt, seg):
    assert variation_of_information(gt, seg, ignore_index=None) == pytest.approx(
        sk_vi(gt, seg).sum(), abs=1e-9)
    if (gt != 0).any():
        assert variation_of_information(gt, seg) == pytest.approx(
            sk_vi(gt, seg, ignore_labels=(0,)).sum(), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(gts=st.lists(label_maps, min_size=1, max_size=3), seg=label_maps)
def test_covering_matches_naive(gts, seg):
    for ignore in (None, 0):
        if ignore == 0 and any((gt == 0).all() for gt in gts):
            continue
        assert segmentation_covering(gts, seg, ignore_index=ignore) == pytest.approx(
            naive_covering(gts, seg, ignore), abs=1e-12)


def sparse_covering(gt, seg):
    """Covering of one truth from a scipy.sparse contingency table (no zeros ignored)."""
    from scipy.sparse import coo_matrix

    _, g = np.unique(gt, return_inverse=True)
    _, s = np.unique(seg, return_inverse=True)
    table = coo_matrix((np.ones(g.size), (g.ravel(), s.ravel()))).tocsr()
    table.sum_duplicates()
    size_g, size_s = np.bincount(g.ravel()), np.bincount(s.ravel())
    rows = np.repeat(np.arange(table.shape[0]), np.diff(table.indptr))
    iou = table.data / (size_g[rows] + size_s[table.indices] - table.data)
    best = np.zeros(table.shape[0])
    np.maximum.at(best, rows, iou)
    return float(size_g @ best / g.size)


@pytest.mark.parametrize("dense", [False, True])
def test_both_table_paths_match_the_oracles(monkeypatch, dense):
    # 8 truth regions x 10 000 segments = 80 000 cells on 10 000 pixels: the
    # sparse (sorted keys) table; the dense one once its threshold is raised.
    rng = np.random.default_rng(0)
    gt = rng.integers(1, 9, (100, 100))
    seg = rng.permutation(gt.size).reshape(gt.shape) * 7  # (skimage needs ids >= 0)
    if dense:
        monkeypatch.setattr(_region_metrics, "_DENSE_CELLS_PER_PIXEL", 10**6)
    assert rand_index(gt, seg) == pytest.approx(rand_score(gt.ravel(), seg.ravel()), abs=1e-12)
    assert variation_of_information(gt, seg) == pytest.approx(sk_vi(gt, seg).sum(), abs=1e-9)
    assert segmentation_covering([gt], seg) == pytest.approx(sparse_covering(gt, seg), abs=1e-12)
    small_gt, small_seg = gt[:6, :7] % 3, seg[:6, :7] % 5  # the oracle itself, checked
    assert sparse_covering(small_gt, small_seg) == pytest.approx(
        naive_covering([small_gt], small_seg, None), abs=1e-12)


# --------------------------------------------------------------------------
# Invariants


@settings(max_examples=40, deadline=None)
@given(gt=label_maps, seg=label_maps, data=st.data())
def test_scores_ignore_index_ids(gt, seg, data):
    perm = np.array(data.draw(st.permutations(range(5))))
    renamed = perm[seg] * 1_000_003 - 7  # arbitrary, far-apart, negative ids
    for metric in (rand_index, variation_of_information):
        assert metric(gt, renamed, ignore_index=None) == pytest.approx(
            metric(gt, seg, ignore_index=None), abs=1e-12)
    assert segmentation_covering(gt, renamed, ignore_index=None) == pytest.approx(
        segmentation_covering(gt, seg, ignore_index=None), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(gt=label_maps, seg=label_maps)
def test_ranges_symmetry_and_identity(gt, seg):
    ri = rand_index(gt, seg, ignore_index=None)
    vi = variation_of_information(gt, seg, ignore_index=None)
    assert 0 <= ri <= 1 and vi >= 0
    assert rand_index(seg, gt, ignore_index=None) == pytest.approx(ri, abs=1e-12)
    assert variation_of_information(seg, gt, ignore_index=None) == pytest.approx(vi, abs=1e-9)
    assert rand_index(gt, gt + 3, ignore_index=None) == 1.0
    assert variation_of_information(gt, gt * 2, ignore_index=None) == 0.0
    assert segmentation_covering(gt, gt - 9, ignore_index=None) == 1.0
    assert 0 < segmentation_covering(gt, seg, ignore_index=None) <= 1


def test_bool_and_small_int_labels():
    gt = np.array([[True, True], [False, False]])
    assert rand_index(gt, ROWS.astype(np.uint8), ignore_index=None) == 1.0
    assert segmentation_covering(gt.astype(np.int8), ROWS, ignore_index=None) == 1.0


@pytest.mark.parametrize("dtype, ids", [(np.int8, (-100, 100, 0, 5)),
                                        (np.uint64, (0, 2**64 - 1, 5, 2**63)),
                                        (np.uint64, (2**64 - 1, 2**64 - 5, 2**64 - 3, 2**64 - 2))])
def test_extreme_ids_of_small_and_wide_dtypes(dtype, ids):
    # int8 ids spanning more than 127 and uint64 ids beyond 2**63: the
    # label values' range must not wrap (the same partition as 0..3).
    rng = np.random.default_rng(3)
    gt = rng.integers(0, 3, (9, 11))
    seg = rng.integers(0, 4, (9, 11))
    wide = np.array(ids, dtype)[seg]
    assert rand_index(gt, wide, ignore_index=None) == pytest.approx(
        rand_score(gt.ravel(), seg.ravel()), abs=1e-12)
    assert variation_of_information(wide, gt, ignore_index=None) == pytest.approx(
        sk_vi(seg, gt).sum(), abs=1e-9)


def test_inputs_not_modified():
    rng = np.random.default_rng(1)
    gts = [rng.integers(0, 4, (9, 8)) for _ in range(3)]
    seg = rng.integers(-2, 5, (9, 8))
    copies = [g.copy() for g in gts], seg.copy()
    probabilistic_rand_index(gts, seg)
    segmentation_covering(gts, seg)
    variation_of_information(gts[0], seg)
    region_benchmark([(gts, [seg, seg + 1])])
    assert all(np.array_equal(a, b) for a, b in zip(gts, copies[0]))
    assert np.array_equal(seg, copies[1])


# --------------------------------------------------------------------------
# ODS / OIS / Best pooling


def test_region_benchmark_known_answers():
    halves = np.array([[1, 1, 1, 1], [2, 2, 2, 2]])
    one_a, one_b = np.ones((2, 2), int), np.ones((2, 4), int)
    quarters = np.array([[1, 1], [2, 3]])
    results = [
        ([ROWS], [ROWS, one_a, quarters]),        # image A: 4 pixels
        ([halves], [one_b, halves, one_b]),      # image B: 8 pixels
    ]
    bench = region_benchmark(results, params=[10, 20, 30])
    # Covering: A = (1, .5, (2*1 + 2*1/2)/4); B = (.5, 1, .5), pooled by area.
    cov_a = np.array([1, 0.5, 0.75])
    cov_b = np.array([0.5, 1, 0.5])
    expected = (4 * cov_a + 8 * cov_b) / 12
    np.testing.assert_allclose(bench.covering, expected)
    assert bench.covering_ods == pytest.approx(10 / 12) and bench.covering_ods_param == 20
    assert bench.covering_ois == pytest.approx(1.0)
    assert bench.covering_best == pytest.approx(1.0)
    # PRI averages images: A = (1, 1/3, 5/6), B = (12/28, 1, 12/28).
    pri_a, pri_b = np.array([1, 1 / 3, 5 / 6]), np.array([3 / 7, 1, 3 / 7])
    np.testing.assert_allclose(bench.pri, (pri_a + pri_b) / 2)
    assert bench.pri_ods == pytest.approx((1 + 3 / 7) / 2) and bench.pri_ods_param == 10
    assert bench.pri_ois == pytest.approx(1.0)
    # VI: A = (0, 1, 0.5), B = (1, 0, 1): mean (.5, .5, .75): tie -> first.
    np.testing.assert_allclose(bench.vi, [0.5, 0.5, 0.75])
    assert bench.vi_ods == pytest.approx(0.5) and bench.vi_ods_param == 10
    assert bench.vi_ois == pytest.approx(0.0)
    assert bench.n_images == 2
    np.testing.assert_allclose(bench.image_covering, [cov_a, cov_b])


def test_covering_best_takes_each_region_at_its_own_parameter():
    gt = np.array([[1, 1, 2, 2]])
    segs = [np.array([[1, 1, 2, 3]]), np.array([[1, 2, 3, 3]])]
    bench = region_benchmark([([gt], segs)])
    assert bench.covering_ods == pytest.approx(0.75)
    assert bench.covering_ois == pytest.approx(0.75)
    assert bench.covering_best == pytest.approx(1.0)
    assert bench.params == (0, 1)


def oracle_rand_index(gt, seg):
    """scikit-learn's Rand index over the labelled (non-zero) truth pixels."""
    labelled = gt.ravel() != 0
    if labelled.sum() < 2:
        return 1.0
    return rand_score(gt.ravel()[labelled], seg.ravel()[labelled])


@settings(max_examples=25, deadline=None)
@given(images=st.lists(st.tuples(st.lists(label_maps, min_size=1, max_size=2),
                                 st.lists(label_maps, min_size=3, max_size=3)),
                       min_size=1, max_size=4))
def test_region_benchmark_pools_the_oracle_scores(images):
    images = [(g, s) for g, s in images if not any((gt == 0).all() for gt in g)]
    if not images:
        return
    bench = region_benchmark(images)
    # Per-image scores from the oracles (scikit-learn, scikit-image, the naive
    # covering); the benchmark's pooling is what is checked against them.
    pri = np.array([[np.mean([oracle_rand_index(gt, s) for gt in g]) for s in segs]
                    for g, segs in images])
    vi = np.array([[np.mean([sk_vi(gt, s, ignore_labels=(0,)).sum() for gt in g]) for s in segs]
                   for g, segs in images])
    cov = np.array([[naive_covering(g, s) for s in segs] for g, segs in images])
    area = np.array([sum(int((gt != 0).sum()) for gt in g) for g, _ in images])
    np.testing.assert_allclose(bench.image_pri, pri, atol=1e-12)
    np.testing.assert_allclose(bench.image_vi, vi, atol=1e-9)
    np.testing.assert_allclose(bench.covering, area @ cov / area.sum(), atol=1e-12)
    assert bench.pri_ods == pytest.approx(pri.mean(0).max())
    assert bench.vi_ods == pytest.approx(vi.mean(0).min())
    assert bench.covering_ois == pytest.approx(area @ cov.max(1) / area.sum())
    assert bench.covering_ods <= bench.covering_ois + 1e-12
    assert bench.covering_ois <= bench.covering_best + 1e-12
    assert bench.pri_ods <= bench.pri_ois + 1e-12 and bench.vi_ois <= bench.vi_ods + 1e-12


def test_region_benchmark_consumes_a_generator():
    def images():
        for shift in range(3):
            yield [ROWS], (ROWS + shift for _ in range(2))
    bench = region_benchmark(images())
    assert bench.n_images == 3 and bench.covering_ods == 1.0


# --------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("call, error, match", [
    (lambda: rand_index(ROWS, np.ones((2, 3), int)), ValueError, "gt must have the shape"),
    (lambda: segmentation_covering([ROWS, COLS[:1]], ROWS), ValueError, "gts must have the shape"),
    (lambda: rand_index(ROWS, ROWS.astype(float)), TypeError, "seg must be an integer"),
    (lambda: rand_index(ROWS * 0.5, ROWS), TypeError, "gt must be an integer"),
    (lambda: variation_of_information(np.zeros((2, 2), int), ROWS), ValueError,
     "no labelled pixel"),
    (lambda: rand_index(ROWS, np.ones((0, 2), int)), ValueError, "seg is empty"),
    (lambda: segmentation_covering([], ROWS), ValueError, "gts holds no annotator"),
    (lambda: segmentation_covering(np.ones((2, 2, 2, 2), int), ROWS), ValueError, "gts must be"),
    (lambda: rand_index(ROWS, ROWS, ignore_index=0.5), TypeError, "ignore_index"),
    (lambda: region_benchmark([]), ValueError, "results holds no image"),
    (lambda: region_benchmark([([ROWS], [])]), ValueError, "no segmentation"),
    (lambda: region_benchmark([([ROWS], [ROWS]), ([ROWS], [ROWS, ROWS])]), ValueError,
     "expected 1"),
    (lambda: region_benchmark([([ROWS], [ROWS])], params=[1, 2]), ValueError, "expected 2"),
    (lambda: region_benchmark([([ROWS], [ROWS, np.ones((1, 4), int)])]), ValueError,
     "differ in shape"),
    (lambda: region_benchmark([5]), ValueError, r"results\[0\] must be a pair"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_region_benchmark_prints_as_a_table():
    gt = np.array([[1, 1], [2, 2]])
    one, two = np.ones((2, 2), int), gt
    bench = region_benchmark([([gt], [one, two]), ([gt], [two, one])], params=["a", "b"])
    text = str(bench)
    assert "2 images" in text and "array(" not in text
    assert text.splitlines()[3].split() == ["covering", "0.7500", "a", "1.0000", "1.0000"]
    markdown = bench.to_markdown().splitlines()
    assert markdown[0] == "| metric | ODS | ODS param | OIS | Best |"
    assert markdown[3] == "| PRI | 0.6667 | a | 1.0000 |  |"


def test_region_benchmark_progress_bar_goes_to_the_given_stream():
    import io

    gt = np.array([[1, 1], [2, 2]])
    stream = io.StringIO()
    region_benchmark([([gt], [gt])] * 3, progress={"file": stream, "mininterval": 0})
    assert "3/3" in stream.getvalue()
    with pytest.raises(TypeError, match="progress"):
        region_benchmark([([gt], [gt])], progress="yes")
