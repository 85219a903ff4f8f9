"""BSDS boundary benchmark: precision, recall, F at ODS/OIS, AP.

Oracles: the official benchmark's outputs on its five-image example
(``shared/data/bsds_bench``, read when present), hand-computed counts on
synthetic maps, SciPy's sparse assignment solver on the dense form of the
matching (``tests/naive.py``), scikit-image's ``thin`` for the thinning, and
the human ``Boundaries`` of the official example for :func:`boundaries`.
"""

import naive
import numpy as np
import pytest
import scipy.io
from scipy import ndimage as ndi
from skimage.morphology import thin as sk_thin

from classicseg import _boundary_metrics
from classicseg._kernels import boundary as kernels
from classicseg.metrics import (
    BoundaryBenchmark,
    boundaries,
    boundary_benchmark,
    boundary_pr,
    region_benchmark,
)
from conftest import BSDS_BENCH, needs_bsds_bench

BENCH_IDS = ("2018", "3063", "5096", "6046", "8068")
OFFICIAL_TOL = 0.002


def _truth_cells(path):
    return scipy.io.loadmat(path)["groundTruth"].ravel()


def _bench_truths(image_id):
    cells = _truth_cells(BSDS_BENCH / "groundTruth" / f"{image_id}.mat")
    return [cell["Boundaries"][0, 0] for cell in cells]


def _bench_prediction(kind, image_id):
    if kind == "ucm2":
        return scipy.io.loadmat(BSDS_BENCH / "ucm2" / f"{image_id}.mat")["ucm2"]
    if kind == "png":
        from skimage import io
        return io.imread(BSDS_BENCH / "png" / f"{image_id}.png") / 255
    return list(scipy.io.loadmat(BSDS_BENCH / "segs" / f"{image_id}.mat")["segs"].ravel())


# --------------------------------------------------------------------------
# The official outputs


@needs_bsds_bench
@pytest.mark.parametrize("test, kind", [("test_1", "ucm2"), ("test_2", "png"),
                                        ("test_3", "segs"), ("test_4", "segs")])
def test_official_boundary_files(test, kind):
    results = ((_bench_truths(i), _bench_prediction(kind, i)) for i in BENCH_IDS)
    bench = boundary_benchmark(results, thresholds=5)
    for name, text in bench.official_tables().items():
        ours = np.atleast_2d(np.loadtxt(text.splitlines()))
        official = np.atleast_2d(np.loadtxt(BSDS_BENCH / test / name))
        assert ours.shape == official.shape, name
        np.testing.assert_allclose(ours, official, rtol=0, atol=OFFICIAL_TOL, err_msg=name)


def _printed_tolerance(x):
    """Half a unit of the 6th significant digit of ``%g``, at least 1e-6."""
    x = np.abs(np.asarray(x, dtype=np.float64))
    digits = np.floor(np.log10(np.where(x > 0, x, 1.0)))
    return np.maximum(1e-6, 0.5 * 10.0 ** (digits - 5))


def _assert_printed(ours, official, what):
    ours, official = np.asarray(ours, np.float64), np.asarray(official, np.float64)
    assert np.all(np.abs(ours - official) <= _printed_tolerance(official)), (what, ours, official)


def _ucm_regions(ucm2, t):
    """The official ``bwlabel(ucm2 <= t)`` (8-connected) sampled at the pixels."""
    labels, _ = ndi.label(ucm2 <= t, structure=np.ones((3, 3)))
    return labels[1::2, 1::2]


@needs_bsds_bench
@pytest.mark.parametrize("test, kind", [("test_1", "ucm2"), ("test_4", "segs"),
                                        ("test_5", "segs")])
def test_official_region_files(test, kind):
    params = np.linspace(1 / 6, 5 / 6, 5) if kind == "ucm2" else np.arange(1, 6)
    images = []
    for i in BENCH_IDS:
        cells = _truth_cells(BSDS_BENCH / "groundTruth" / f"{i}.mat")
        gts = [cell["Segmentation"][0, 0] for cell in cells]
        pred = _bench_prediction(kind, i)
        segs = [_ucm_regions(pred, t) for t in params] if kind == "ucm2" else pred
        images.append((gts, segs))
    bench = region_benchmark(images, params=list(params))
    folder = BSDS_BENCH / test

    cover = np.loadtxt(folder / "eval_cover.txt")
    _assert_printed([bench.covering_ods_param, bench.covering_ods, bench.covering_ois,
                     bench.covering_best], cover, "eval_cover")
    _assert_printed(np.column_stack([params, bench.covering]),
                    np.loadtxt(folder / "eval_cover_th.txt"), "eval_cover_th")
    # eval_cover_img: best threshold and covering per image (its last column,
    # the segments' covering by the truth, is no field of RegionBenchmark).
    per_image = np.loadtxt(folder / "eval_cover_img.txt")
    best = np.argmax(bench.image_covering, axis=1)
    _assert_printed(np.column_stack([params[best], bench.image_covering.max(axis=1)]),
                    per_image[:, 1:3], "eval_cover_img")

    _assert_printed([bench.pri_ods_param, bench.pri_ods, bench.pri_ois, bench.vi_ods_param,
                     bench.vi_ods, bench.vi_ois],
                    np.loadtxt(folder / "eval_RI_VOI.txt"), "eval_RI_VOI")
    _assert_printed(np.column_stack([params, bench.pri, bench.vi]),
                    np.loadtxt(folder / "eval_RI_VOI_thr.txt"), "eval_RI_VOI_thr")


# --------------------------------------------------------------------------
# Hand-computed cases


def _line(shape, row, cols=None):
    out = np.zeros(shape, bool)
    out[row, slice(None) if cols is None else cols] = True
    return out


def test_parallel_lines_within_and_beyond_the_radius():
    gt = _line((10, 10), 2)
    # radius = 0.1 * hypot(10, 10) = 1.41 pixels
    near = boundary_pr([gt], _line((10, 10), 3).astype(float), thresholds=1, max_dist=0.1)
    assert (near.matched_human[0], near.human[0], near.matched_machine[0],
            near.machine[0]) == (10, 10, 10, 10)
    far = boundary_pr([gt], _line((10, 10), 5).astype(float), thresholds=1, max_dist=0.1)
    assert (far.matched_human[0], far.human[0], far.matched_machine[0],
            far.machine[0]) == (0, 10, 0, 10)
    assert far.recall[0] == far.precision[0] == far.f[0] == 0


def test_matching_maximises_the_pairs_before_their_length():
    # One row: humans at x = 2, 4, machines at x = 3, 5, radius 1.5. Pairing
    # machine 3 with its equally near human 4 would leave machine 5 alone.
    gt = np.zeros((1, 8), bool)
    gt[0, [2, 4]] = True
    pb = np.zeros((1, 8))
    pb[0, [3, 5]] = 1.0
    counts = boundary_pr([gt], pb, thresholds=1, max_dist=1.5 / np.hypot(1, 8), thin=False)
    assert (counts.matched_human[0], counts.matched_machine[0]) == (2, 2)


def test_each_annotator_takes_its_nearest_machine_pixel():
    # Machine pixels (2, 3) and (3, 3); both annotators have one pixel nearer
    # to (2, 3) than to (3, 3): each matches (2, 3), so only one machine
    # pixel of two is matched (a matching that only counts pairs could give 2).
    shape = (8, 8)
    pb = np.zeros(shape)
    pb[2, 3] = pb[3, 3] = 1.0
    first, second = np.zeros(shape, bool), np.zeros(shape, bool)
    first[2, 2] = True
    second[2, 4] = True
    counts = boundary_pr([first, second], pb, thresholds=1,
                         max_dist=1.5 / np.hypot(*shape), thin=False)
    assert (counts.matched_human[0], counts.human[0]) == (2, 2)
    assert (counts.matched_machine[0], counts.machine[0]) == (1, 2)


def _two_threshold_image():
    # Truth: rows 2 and 7. At t = 1/3 the map holds rows 0, 2, 4, 7 (half of
    # it unmatched): R = 1, P = 0.5. At t = 2/3 only row 2: R = 0.5, P = 1.
    shape = (10, 10)
    gt = _line(shape, 2) | _line(shape, 7)
    pb = np.zeros(shape)
    pb[2] = 0.9
    pb[[0, 4, 7]] = 0.5
    return gt, pb


def test_ods_ois_ap_by_hand():
    gt, pb = _two_threshold_image()
    bench = boundary_benchmark([([gt], pb)], thresholds=2)
    assert isinstance(bench, BoundaryBenchmark)
    np.testing.assert_allclose(bench.thresholds, [1 / 3, 2 / 3])
    np.testing.assert_array_equal(bench.recall, [1.0, 0.5])
    np.testing.assert_array_equal(bench.precision, [0.5, 1.0])
    np.testing.assert_allclose(bench.f, [2 / 3, 2 / 3])
    # ODS: F along r = 1 - d/2, p = 1/2 + d/2 on d = 0, 1/99, ..., 1 peaks at
    # d = 49/99 and 50/99, which tie up to rounding (r and p swap).
    d = 49 / 99
    r, p = 1 - d / 2, 0.5 + d / 2
    assert sorted([bench.ods_recall, bench.ods_precision]) == pytest.approx([p, r])
    assert bench.ods_f == pytest.approx(2 * r * p / (r + p))
    assert bench.ods_threshold in (pytest.approx(2 / 3 * d + 1 / 3 * (1 - d)),
                                   pytest.approx(2 / 3 * (1 - d) + 1 / 3 * d))
    # OIS: both thresholds give F = 2/3; the first one counts.
    assert (bench.ois_recall, bench.ois_precision) == (1.0, 0.5)
    assert bench.ois_f == pytest.approx(2 / 3)
    # AP: P = 1.5 - R on [0.5, 1] and 0 below: 0.01 * sum(1.5 - k/100, k = 50..100).
    assert bench.ap == pytest.approx(0.01 * sum(1.5 - k / 100 for k in range(50, 101)))
    assert bench.image_counts.shape == (1, 2, 4)
    np.testing.assert_array_equal(bench.image_counts[0], [[20, 20, 20, 40], [10, 20, 10, 10]])


def test_tables_and_progress_bar():
    import io

    gt, pb = _two_threshold_image()
    stream = io.StringIO()
    bench = boundary_benchmark([([gt], pb)] * 2, thresholds=2,
                               progress={"file": stream, "mininterval": 0})
    assert "boundary benchmark" in stream.getvalue() and "2/2" in stream.getvalue()
    markdown = bench.to_markdown().splitlines()
    assert markdown[0] == "| score | F | recall | precision | threshold |"
    assert markdown[3] == "| OIS | 0.6667 | 1.0000 | 0.5000 |  |"
    assert markdown[4].startswith("| AP | 0.3825 |")
    assert str(bench).startswith("BSDS boundary benchmark, 2 images, 2 thresholds")
    with pytest.raises(TypeError, match="progress"):
        boundary_benchmark([([gt], pb)], progress="yes")


def test_pooling_over_images_sums_counts():
    gt, pb = _two_threshold_image()
    empty_truth = np.zeros_like(gt)
    bench = boundary_benchmark([([gt], pb), ([empty_truth], pb)], thresholds=2)
    # The second image adds machine pixels but neither human nor matched ones.
    np.testing.assert_array_equal(bench.recall, [1.0, 0.5])
    np.testing.assert_array_equal(bench.precision, [0.25, 0.5])
    # An image without human pixels scores R = 0 (the official cnt / (sum + (sum == 0))).
    assert bench.image_recall[1] == 0 and bench.image_f[1] == 0
    assert bench.n_images == 2


def test_ucm2_is_read_at_the_boundary_cells():
    gt = _line((5, 5), 2)
    ucm2 = np.zeros((11, 11))
    ucm2[6, :] = 0.8                  # row 2 of the image: ucm2[2::2, 2::2]
    ucm2[5, :] = 0.9                  # a cell the official code does not read
    counts = boundary_pr([gt], ucm2, thresholds=3)
    np.testing.assert_array_equal(counts.matched_human, [5, 5, 5])
    np.testing.assert_array_equal(counts.machine, [5, 5, 5])


def test_segmentations_give_thresholds_one_to_n():
    labels = np.ones((6, 6), int)
    labels[:, 3:] = 2
    gt = boundaries(labels)
    other = np.ones((6, 6), int)
    bench = boundary_benchmark([([gt], [labels, other, labels])], thresholds=99)
    np.testing.assert_array_equal(bench.thresholds, [1, 2, 3])
    np.testing.assert_array_equal(bench.recall, [1, 0, 1])
    np.testing.assert_array_equal(bench.precision, [1, 0, 1])
    assert bench.image_threshold[0] == 1


def test_boundaries_hand_case():
    labels = np.array([[1, 1, 2, 2],
                       [1, 1, 2, 2],
                       [3, 3, 3, 2],
                       [3, 3, 3, 3]])
    # 2x2 blocks; last column: the pixel below; last row: the pixel right.
    expected = np.array([[0, 1, 0, 0],
                         [1, 1, 1, 0],
                         [0, 0, 1, 1],
                         [0, 0, 0, 0]], bool)
    np.testing.assert_array_equal(boundaries(labels), expected)
    # Ids do not matter, nor the dtype.
    np.testing.assert_array_equal(boundaries((labels * 7).astype(np.uint16)), expected)
    np.testing.assert_array_equal(boundaries(np.zeros((1, 1), int)), [[False]])


@pytest.mark.parametrize("seed", range(3))
def test_thin_boundaries_of_a_segmentation_are_the_drawn_ones_thinned(seed):
    # The rule BSDS's human Boundaries follow (checked on the official example below,
    # when it is there), on a segmentation of its own: nearest-seed regions of 12 random seeds.
    rng = np.random.default_rng(seed)
    seeds = rng.uniform(0, 1, (12, 2)) * (40, 55)
    yx = np.stack(np.mgrid[:40, :55], axis=-1)
    labels = np.argmin(((yx[:, :, None, :] - seeds) ** 2).sum(-1), axis=-1) + 1
    drawn = boundaries(labels)
    thinned = boundaries(labels, thin=True)
    np.testing.assert_array_equal(thinned, sk_thin(drawn))
    assert not (thinned & ~drawn).any() and thinned.sum() < drawn.sum()


@needs_bsds_bench
def test_boundaries_equal_the_human_boundaries_of_the_official_example():
    # BSDS's Boundaries are the 2x2 rule's pixels thinned (bwmorph 'thin').
    for image_id in BENCH_IDS:
        for cell in _truth_cells(BSDS_BENCH / "groundTruth" / f"{image_id}.mat"):
            segmentation = cell["Segmentation"][0, 0]
            human = cell["Boundaries"][0, 0].astype(bool)
            assert not (human & ~boundaries(segmentation)).any(), image_id
            np.testing.assert_array_equal(boundaries(segmentation, thin=True), human,
                                          err_msg=image_id)


# --------------------------------------------------------------------------
# Against independent oracles


def _assert_matching_equals_the_dense_assignment(machine, human, max_dist):
    """The kernel's matching of two boundary maps has the oracle's size and cost."""
    shape = machine.shape
    matcher = _boundary_metrics._Matcher([human], max_dist)
    ids, near, n_human = matcher.humans[0]
    m_match, h_match, cost = kernels.correspond(
        np.flatnonzero(machine).astype(np.int64), ids, near, n_human, shape[1], shape[0],
        matcher.off_y, matcher.off_x, matcher.off_cost, matcher.outlier_cost)
    pairs, oracle_cost = naive.correspond_pixels(machine, human, max_dist)
    assert m_match.sum() == h_match.sum() == pairs
    assert cost == oracle_cost


@pytest.mark.parametrize("seed", range(6))
def test_matching_equals_the_dense_assignment(seed):
    rng = np.random.default_rng(seed)
    shape = (14, 17)
    machine = rng.random(shape) < 0.2
    human = rng.random(shape) < 0.15
    max_dist = 2.5 / np.hypot(*shape)
    _assert_matching_equals_the_dense_assignment(machine, human, max_dist)


def _walk(rng, shape, n_steps):
    """A random 8-connected curve: the shape of a contour."""
    y, x = shape[0] // 2, shape[1] // 2
    out = np.zeros(shape, bool)
    heading = rng.integers(8)
    steps = [(0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1)]
    for _ in range(n_steps):
        heading = (heading + rng.integers(-1, 2)) % 8
        y = min(max(y + steps[heading][0], 0), shape[0] - 1)
        x = min(max(x + steps[heading][1], 0), shape[1] - 1)
        out[y, x] = True
    return out


@pytest.mark.parametrize("seed", range(4))
def test_matching_of_contours_equals_the_dense_assignment(seed):
    # Two nearby curves of different lengths: long chains of shifted pairs.
    rng = np.random.default_rng(seed)
    shape = (40, 40)
    human = _walk(rng, shape, 150)
    machine = np.roll(_walk(np.random.default_rng(seed), shape, 170), (1, 2), axis=(0, 1))
    machine |= rng.random(shape) < 0.02
    max_dist = 0.0075 * 8                 # 2.4 pixels
    _assert_matching_equals_the_dense_assignment(machine, human, max_dist)


@pytest.mark.parametrize("seed", range(4))
def test_thinning_equals_skimage(seed):
    rng = np.random.default_rng(seed)
    blobs = ndi.binary_dilation(rng.random((40, 50)) < 0.03, iterations=2)
    blobs |= rng.random((40, 50)) < 0.05
    np.testing.assert_array_equal(_boundary_metrics._thin(blobs), sk_thin(blobs))


def test_thinning_tables_equal_skimage():
    from skimage.morphology._skeletonize import G123_LUT, G123P_LUT
    first, second = kernels.thinning_tables()
    np.testing.assert_array_equal(first, G123_LUT)
    np.testing.assert_array_equal(second, G123P_LUT)


# --------------------------------------------------------------------------
# Input handling


def test_unusual_inputs_work_and_are_not_modified():
    gt, pb = _two_threshold_image()
    expected = boundary_pr([gt], pb, thresholds=2)
    gt_u8 = gt.astype(np.uint8)          # as scipy.io.loadmat reads BSDS
    pb_odd = np.asfortranarray(pb.astype(">f8"))
    pb_odd.setflags(write=False)
    stack = np.stack([gt_u8])[:, ::1, ::1]
    got = boundary_pr(stack, pb_odd, thresholds=[1 / 3, 2 / 3])
    for field in ("matched_human", "human", "matched_machine", "machine"):
        np.testing.assert_array_equal(getattr(got, field), getattr(expected, field))
    np.testing.assert_array_equal(gt_u8, gt)
    assert boundary_pr(gt, pb.astype(np.float32), thresholds=2).machine.tolist() == [40, 10]


@pytest.mark.parametrize("call, error, match", [
    (lambda gt, pb: boundary_pr([gt], pb * 2), ValueError, "boundary_map .*\\[0, 1\\]"),
    (lambda gt, pb: boundary_pr([gt], pb[:, :5]), ValueError, "boundary_map must have the shape"),
    (lambda gt, pb: boundary_pr([], pb), ValueError, "gt_boundaries holds no annotator"),
    (lambda gt, pb: boundary_pr([gt * 2], pb), ValueError, "gt_boundaries must be boolean"),
    (lambda gt, pb: boundary_pr([gt.astype(float) / 2], pb), ValueError, "gt_boundaries"),
    (lambda gt, pb: boundary_pr([gt, gt[:5]], pb), ValueError, "gt_boundaries: annotators"),
    (lambda gt, pb: boundary_pr([np.zeros((0, 0), bool)], pb), ValueError, "gt_boundaries"),
    (lambda gt, pb: boundary_pr([gt], np.zeros((0, 0))), ValueError, "boundary_map is empty"),
    (lambda gt, pb: boundary_pr([gt], pb + np.nan), ValueError, "boundary_map contains NaN"),
    (lambda gt, pb: boundary_pr([gt], [pb]), TypeError, "boundary_map must be an integer"),
    (lambda gt, pb: boundary_pr([gt], []), ValueError, "boundary_map holds no segmentation"),
    (lambda gt, pb: boundary_pr([gt], pb, thresholds=0), ValueError, "thresholds"),
    (lambda gt, pb: boundary_pr([gt], pb, max_dist=-1), ValueError, "max_dist"),
    (lambda gt, pb: boundary_pr([gt], pb, max_dist=0), ValueError, "max_dist must be > 0"),
    (lambda gt, pb: boundary_benchmark([]), ValueError, "results holds no image"),
    (lambda gt, pb: boundary_benchmark([([gt], pb * 3)]), ValueError,
     "results\\[0\\]: prediction"),
    (lambda gt, pb: boundary_benchmark([([gt], [gt.astype(int)]), ([gt], [gt, gt])]),
     ValueError, "results\\[1\\] has 2 thresholds"),
    (lambda gt, pb: boundaries(np.zeros((3, 3))), TypeError, "labels"),
    (lambda gt, pb: boundaries(np.zeros(3, int)), ValueError, "labels"),
])
def test_bad_input(call, error, match):
    gt, pb = _two_threshold_image()
    with pytest.raises(error, match=match):
        call(gt, pb)


def test_two_python_threads_give_the_serial_counts():
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(5)
    cases = [(_walk(rng, (30, 30), 80), rng.random((30, 30))) for _ in range(4)]
    serial = [boundary_pr([gt], pb, thresholds=5) for gt, pb in cases]
    with ThreadPoolExecutor(2) as pool:
        threaded = list(pool.map(lambda c: boundary_pr([c[0]], c[1], thresholds=5), cases))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a.matched_machine, b.matched_machine)
        np.testing.assert_array_equal(a.matched_human, b.matched_human)
