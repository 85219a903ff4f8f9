"""Tests of classicseg.contours: oriented gradients against a NumPy reference, known edges."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import classicseg
from classicseg import _contours

import naive

HALF_BIN = np.pi / _contours.N_ORIENTATIONS / 2


def angle_error(a, b):
    """Distance between two orientations in [0, pi)."""
    d = np.abs(np.asarray(a) - b) % np.pi
    return np.minimum(d, np.pi - d)


@pytest.mark.parametrize("shape, n_bins, radius, n_orient", [
    ((9, 13), 4, 3, 8), ((12, 7), 6, 5, 8), ((16, 11), 3, 2, 4), ((5, 6), 2, 4, 6), ((3, 3), 3, 1, 8),
])
def test_oriented_gradient_equals_reference(shape, n_bins, radius, n_orient):
    bins = np.random.default_rng(radius).integers(0, n_bins, shape).astype(np.uint8)
    got = _contours.oriented_gradient(bins, n_bins, radius, n_orient)
    np.testing.assert_allclose(got, naive.half_disc_chi2(bins, n_bins, radius, n_orient), atol=1e-6)


def test_oriented_gradient_of_a_step_is_one_across_and_zero_along():
    bins = np.zeros((15, 15), np.uint8)
    bins[:, 8:] = 1
    g = _contours.oriented_gradient(bins, 2, 3, 8)
    # Split along the edge (vertical: orientation 4 of 8), centred left of it:
    # the halves hold only 0s and only 1s.
    assert g[4, 7, 7] == pytest.approx(1.0)
    assert g[0, 7, 7] == pytest.approx(0.0)  # split across it: both halves alike
    assert g.min() >= 0 and g.max() <= 1 + 1e-6


@pytest.mark.parametrize("shape, step, radius", [((9, 11), 2, 2), ((10, 7), 2, 3), ((7, 8), 3, 1)])
def test_intervening_contour_equals_reference(shape, step, radius):
    from classicseg._kernels.contours import intervening_contour

    strength = np.random.default_rng(radius).random(shape).astype(np.float32)
    offsets, starts, points = _contours.segment_table(radius, step)
    m, n = (shape[0] - 1) // step + 1, (shape[1] - 1) // step + 1
    size = m * n * len(offsets)
    rows, cols = np.empty(size, np.int64), np.empty(size, np.int64)
    weights = np.empty(size, np.float32)
    intervening_contour(strength, step, offsets, starts, points, np.float32(0.1), rows, cols, weights)
    keep = rows >= 0
    got = np.zeros((m * n, m * n))
    got[rows[keep], cols[keep]] = weights[keep]
    # The kernel holds each pair once, from the vertex first in row-major order.
    ref = np.triu(naive.intervening_contour(strength, step, radius, 0.1))
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-30)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_pmi_affinity_equals_reference(k):
    rng = np.random.default_rng(k)
    strength = rng.random((11, 9)).astype(np.float32)
    graph = _contours.spectral_affinity(strength)
    colour = rng.integers(0, k, graph.shape[0]).astype(np.intp)
    got = _contours.pmi_affinity(graph, colour).toarray()
    ref = naive.pmi_weights(graph.toarray(), colour, _contours._PMI_RHO)
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    if k == 1:  # one colour: every factor is 1
        np.testing.assert_allclose(got, graph.toarray(), rtol=1e-12)


def test_pmi_affinity_cuts_between_colours_that_rarely_meet():
    # Two colours in two halves: pairs across the colour border are rare, so
    # their weight falls below the pairs' within one colour, of equal strength.
    strength = np.zeros((12, 20), np.float32)
    graph = _contours.spectral_affinity(strength)
    n = (20 - 1) // _contours._GLOBAL_STEP + 1
    colour = (np.arange(graph.shape[0]) % n >= n // 2).astype(np.intp)
    pmi = _contours.pmi_affinity(graph, colour).tocoo()
    across = colour[pmi.row] != colour[pmi.col]
    assert across.any() and (~across).any()
    assert pmi.data[across].max() < pmi.data[~across].min()
    np.testing.assert_array_equal(_contours.pmi_affinity(graph, colour).indices, graph.indices)


def test_colour_clusters_follow_flat_colours():
    lab = np.zeros((3, 30, 40), np.float32)
    lab[0] = 50
    lab[1, :, 20:] = 40  # a red half
    lab[2, 15:, :] = -40  # a blue half below
    colour = _contours.colour_clusters(lab)
    assert colour.shape == (30, 40)
    # Beyond the smoothing's reach (4 sigma) of the borders, each quadrant is flat.
    quadrants = [colour[:10, :15], colour[:10, 25:], colour[20:, :15], colour[20:, 25:]]
    assert all(np.unique(q).size == 1 for q in quadrants)
    assert len({int(q[0, 0]) for q in quadrants}) == 4
    flat = _contours.colour_clusters(np.full((3, 9, 9), 20, np.float32))  # no warning either
    np.testing.assert_array_equal(flat, 0)


@pytest.mark.parametrize("shape", [(8, 21, 17), (4, 3, 5)])
def test_smoothing_along_edges_equals_scipy(shape):
    from scipy import ndimage as ndi

    oriented = np.random.default_rng(0).random(shape).astype(np.float32)
    got = _contours.smooth_along_edges(oriented)
    taps, starts = _contours.edge_kernels(shape[0], _contours._SMOOTH_ALONG, _contours._SMOOTH_ACROSS)
    half = int(np.abs(taps[:, :2]).max())
    for o in range(shape[0]):
        kernel = np.zeros((2 * half + 1,) * 2)
        rows = taps[starts[o]:starts[o + 1]]
        kernel[rows[:, 0].astype(int) + half, rows[:, 1].astype(int) + half] = rows[:, 2]
        assert kernel.sum() == pytest.approx(1.0)
        # Elongated along the edge: for a horizontal edge (o = 0), along the rows.
        ref = ndi.correlate(oriented[o].astype(np.float64), kernel, mode="reflect")
        np.testing.assert_allclose(got[o], ref, atol=1e-6)
    k0 = taps[starts[0]:starts[1]]
    assert np.abs(k0[:, 1]).max() > np.abs(k0[:, 0]).max()  # longer along the edge (rows)


def edges_found(c, edge_mask, true_orientation, border=6):
    """Thin maxima above half the peak: on the edge (within 1 px), at its orientation."""
    inner = np.zeros_like(edge_mask)
    inner[border:-border, border:-border] = True
    near = np.zeros_like(edge_mask)
    from scipy import ndimage as ndi

    near = ndi.binary_dilation(edge_mask, structure=np.ones((3, 3), bool))
    strong = (c.thin > 0.5 * c.thin[inner].max()) & inner
    assert strong.any()
    assert near[strong].all(), "a strong thin maximum lies more than 1 px from the true edge"
    covered = ndi.binary_dilation(strong, structure=np.ones((3, 3), bool))
    assert covered[edge_mask & inner].mean() > 0.9, "the true edge is not found along its length"
    on = strong & edge_mask
    assert (angle_error(c.orientation[on], true_orientation[on]) <= HALF_BIN + 1e-6).all()


@pytest.mark.parametrize("globalize", [False, True])
def test_step_edges_place_and_orientation(globalize):
    img = np.zeros((40, 48), np.float32)
    img[:, 24:] = 0.8
    c = classicseg.contours(img, channel_axis=None, globalize=globalize)
    edge = np.zeros(img.shape, bool)
    edge[:, 23:25] = True
    edges_found(c, edge, np.full(img.shape, np.pi / 2))
    c = classicseg.contours(img.T.copy(), channel_axis=None, globalize=globalize)
    edges_found(c, edge.T, np.zeros(img.T.shape))


@pytest.mark.parametrize("globalize", [False, True])
def test_disc_and_rotated_rectangle_place_and_orientation(globalize):
    yy, xx = np.mgrid[:64, :64] - 31.5
    radius = np.hypot(xx, yy)
    img = np.where(radius < 20, 0.9, 0.1)
    rgb = np.stack([img, img * 0.5, 1 - img], axis=-1)
    c = classicseg.contours(rgb, globalize=globalize)
    edge = np.abs(radius - 20) <= 1
    # The circle's tangent: perpendicular to the radius, in screen angles (y up).
    tangent = (np.arctan2(-yy, xx) + np.pi / 2) % np.pi
    edges_found(c, edge, tangent)

    yy, xx = np.mgrid[:96, :96] - 47.5
    a = np.deg2rad(30)
    u = xx * np.cos(a) - yy * np.sin(a)  # along the long side, screen angle 30 degrees
    v = xx * np.sin(a) + yy * np.cos(a)
    rect = (np.abs(u) < 30) & (np.abs(v) < 16)
    c = classicseg.contours((rect * 200 + 20).astype(np.uint8), channel_axis=None,
                            globalize=globalize)
    du, dv = np.abs(np.abs(u) - 30), np.abs(np.abs(v) - 16)
    edge = ((dv <= 1) & (np.abs(u) <= 30)) | ((du <= 1) & (np.abs(v) <= 16))
    # Corners have no single orientation: score the sides away from them.
    sides = edge & (np.abs(u) < 24) | edge & (np.abs(v) < 10)
    orientation = np.where(dv <= 1, a, a + np.pi / 2) % np.pi
    from scipy import ndimage as ndi

    strong = c.thin > 0.5 * c.thin.max()
    assert ndi.binary_dilation(edge, structure=np.ones((3, 3), bool))[strong].all()
    on = strong & sides
    assert on.sum() > 50
    assert (angle_error(c.orientation[on], orientation[on]) <= HALF_BIN + 1e-6).all()


def test_no_spectral_contours_on_a_flat_or_faint_image():
    # sPb is scaled per image, so without the gate the eigenvectors' smooth
    # waves on a featureless image became contours of strength 0.86.
    flat = np.full((30, 30, 3), 0.5)
    assert classicseg.contours(flat).strength.max() < 0.01
    faint = np.clip(0.5 + 0.02 * np.random.default_rng(0).standard_normal((48, 48, 3)), 0, 1)
    assert classicseg.contours(faint).strength.max() < 0.1
    assert np.unique(classicseg.contour_hierarchy(faint).cut(0.5)).size == 1


def test_result_ranges_dtypes_and_no_mutation():
    rng = np.random.default_rng(0)
    img = (rng.random((24, 30, 3)) * 255).astype(np.uint8)
    img[:, 15:] //= 3
    before = img.copy()
    c = classicseg.contours(img)
    np.testing.assert_array_equal(img, before)
    assert isinstance(c, _contours.Contours)
    for field in (c.strength, c.thin, c.oriented):
        assert field.dtype == np.float32 and field.min() >= 0 and field.max() <= 1
    assert c.oriented.shape == (_contours.N_ORIENTATIONS, 24, 30)
    np.testing.assert_array_equal(c.strength, c.oriented.max(axis=0))
    assert ((c.thin == 0) | (c.thin == c.strength)).all()
    assert c.orientation.min() >= 0 and c.orientation.max() < np.pi
    # The same image as uint16, float, big-endian, Fortran order, read-only, strided.
    variants = [
        img.astype(np.uint16) * 257,
        img.astype(np.float64) / 255,
        img.astype(">f4") / np.float32(255),
        np.asfortranarray(img),
        np.repeat(img, 2, axis=1)[:, ::2],
    ]
    ro = img.copy()
    ro.setflags(write=False)
    variants.append(ro)
    for v in variants:
        np.testing.assert_allclose(classicseg.contours(v).strength, c.strength, atol=1e-5)
    # The default globalises; globalize=False is the local cues alone.
    np.testing.assert_array_equal(classicseg.contours(img, globalize=True).oriented, c.oriented)
    local = classicseg.contours(img, globalize=False)
    assert local.strength.min() >= 0 and local.strength.max() <= 1
    assert not np.array_equal(local.strength, c.strength)
    assert classicseg.contours(img[:5, :4]).thin.shape == (5, 4)
    # Channels first, and determinism.
    channels_first = classicseg.contours(np.moveaxis(img, -1, 0), channel_axis=0)
    np.testing.assert_array_equal(channels_first.thin, c.thin)
    np.testing.assert_array_equal(classicseg.contours(img).thin, c.thin)


def test_one_and_two_threads_give_the_same_result():
    code = (
        "import numpy as np, classicseg\n"
        "img = (np.random.default_rng(3).random((40, 37, 3)) * 255).astype(np.uint8)\n"
        "c = classicseg.contours(img, globalize=False)\n"
        "g = classicseg.contours(img)\n"
        "import hashlib\n"
        "data = c.oriented.tobytes() + c.thin.tobytes() + g.oriented.tobytes()\n"
        "print(hashlib.sha256(data).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[1]
    digests = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads, PYTHONPATH=str(root))
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             check=True, cwd=root)
        digests.append(out.stdout.strip())
    assert digests[0] == digests[1]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(image=np.zeros((8, 8))), ValueError, "channel_axis=None"),
    (dict(image=np.zeros((8, 8, 5))), ValueError, "image must have 3"),
    (dict(image=np.zeros((8, 8, 3), complex)), TypeError, "image"),
    (dict(image=np.zeros((0, 8, 3))), ValueError, "image is empty"),
    (dict(image=np.full((8, 8, 3), np.nan)), ValueError, "image contains NaN"),
    (dict(image=np.zeros((4, 8, 8, 3))), ValueError, "image must be 2-D"),
    (dict(image=np.zeros((8, 8, 3)), data_range=0), ValueError, "data_range"),
    (dict(image=np.zeros((8, 8, 3)), data_range="1"), TypeError, "data_range"),
    (dict(image=np.zeros((8, 8, 3)), channel_axis=1.5), TypeError, "channel_axis"),
    (dict(image=np.zeros((8, 8, 3)), globalize="yes"), TypeError, "globalize"),
])
def test_bad_input_names_the_argument(kwargs, error, match):
    image = kwargs.pop("image")
    with pytest.raises(error, match=match):
        classicseg.contours(image, **kwargs)


def test_memory_refusal(monkeypatch):
    monkeypatch.setenv("CLASSICSEG_MEMORY_LIMIT", "1000")
    with pytest.raises(classicseg.MemoryLimitError, match="contours"):
        classicseg.contours(np.zeros((16, 16, 3)))
