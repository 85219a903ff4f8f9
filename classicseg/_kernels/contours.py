"""Kernels of the contour detector: half-disc histogram gradients and non-maximum suppression."""

import numpy as np
from numba import prange

from ._jit import kernel, nowrap


@kernel(parallel=True)
def half_disc_chi2(padded, n_bins, radius, spans, counts, out):
    """Chi-squared distance between the histograms of the two halves of a disc, per orientation.

    ``padded`` is a ``(H + 2 radius, W + 2 radius)`` uint8 image of bin
    indices in ``[0, n_bins)`` (the image reflected at its borders).
    ``spans`` is ``(n_spans, 5)`` int64: one row ``(k, lo, hi, side, o)``
    per non-empty run of the disc, the pixels at row offset ``k - radius``
    and column offsets ``lo..hi`` on side ``side`` (0 or 1) of the disc split
    at orientation ``o``. ``counts[o]`` is the number of pixels in each half
    (the halves mirror each other). ``out`` is ``(n_orientations, H, W)``
    float32.

    Each image row is one task: its histograms are built once at the row's
    first pixel, then slid along the row, one pixel in and one out per run
    (Martin, Fowlkes & Malik, PAMI 2004, compute the same half-disc
    histograms by convolution). Rows share no state, so the result does not
    depend on the number of threads.
    """
    n_orient = out.shape[0]
    H = out.shape[1]
    W = out.shape[2]
    n_spans = spans.shape[0]
    scale = np.empty(n_orient, np.float32)
    for o in range(n_orient):
        scale[o] = 0.5 / counts[o]
    for y in prange(H):
        # Orientation innermost: the chi-squared sum then runs over
        # independent lanes, one per orientation, which vectorise.
        hist = np.zeros((2, n_bins, n_orient), np.float32)
        acc = np.empty(n_orient, np.float32)
        # Indices read from ``spans`` go unsigned (``nowrap``): a third of the time.
        for i in range(n_spans):
            row = nowrap(y + spans[i, 0])
            s = nowrap(spans[i, 3])
            o = nowrap(spans[i, 4])
            for dx in range(spans[i, 1], spans[i, 2] + 1):
                hist[s, padded[row, nowrap(radius + dx)], o] += 1.0
        for x in range(W):
            if x > 0:
                for i in range(n_spans):
                    row = nowrap(y + spans[i, 0])
                    s = nowrap(spans[i, 3])
                    o = nowrap(spans[i, 4])
                    hist[s, padded[row, nowrap(radius + x + spans[i, 2])], o] += 1.0
                    hist[s, padded[row, nowrap(radius + x - 1 + spans[i, 1])], o] -= 1.0
            acc[:] = 0.0
            for b in range(n_bins):
                for o in range(n_orient):
                    u = hist[0, b, o]
                    v = hist[1, b, o]
                    # An empty bin on both sides gives 0 / 1 = 0.
                    acc[o] += (u - v) * (u - v) / max(u + v, np.float32(1.0))
            for o in range(n_orient):
                out[o, y, x] = acc[o] * scale[o]


@kernel(parallel=True)
def non_max_suppression(strength, orientation, out):
    """Keep a pixel's strength where it is a maximum across its edge, else 0.

    The two neighbours across the edge (one pixel along the normal of the
    edge orientation, in both directions) are read by bilinear interpolation
    (Canny, PAMI 1986); ties keep the pixel. ``orientation`` is the edge
    direction in radians, measured from the x axis counter-clockwise as seen
    on screen (rows grow downwards).
    """
    H, W = strength.shape
    for y in prange(H):
        for x in range(W):
            s = strength[y, x]
            out[y, x] = 0.0
            if s <= 0.0:
                continue
            th = orientation[y, x]
            # Normal of the direction (cos th, -sin th) in (column, row) units.
            nx = np.sin(th)
            ny = np.cos(th)
            if s >= _bilinear(strength, y + ny, x + nx) and s >= _bilinear(strength, y - ny, x - nx):
                out[y, x] = s


@kernel
def _bilinear(img, yf, xf):
    H, W = img.shape
    yf = min(max(yf, 0.0), H - 1.0)
    xf = min(max(xf, 0.0), W - 1.0)
    y0 = min(int(yf), H - 2) if H > 1 else 0
    x0 = min(int(xf), W - 2) if W > 1 else 0
    fy = yf - y0
    fx = xf - x0
    y1 = min(y0 + 1, H - 1)
    x1 = min(x0 + 1, W - 1)
    return ((1 - fy) * ((1 - fx) * img[y0, x0] + fx * img[y0, x1])
            + fy * ((1 - fx) * img[y1, x0] + fx * img[y1, x1]))


@kernel(parallel=True)
def intervening_contour(strength, step, offsets, line_starts, line_points, rho, rows, cols, weights):
    """Affinities of the pixels on a ``step`` grid: ``exp(-max strength on the segment / rho)``.

    The vertices are the pixels ``(step i, step j)`` of ``strength``
    (``(M, N)``, row-major over the ``(m, n)`` grid). For every vertex and
    each offset ``offsets[e] = (di, dj)`` (one of each symmetric pair), the
    weight is taken over the full-resolution pixels ``line_points[
    line_starts[e]:line_starts[e + 1]]`` (offsets from the vertex, endpoints
    included), as in the intervening-contour cue of Leung & Malik (ECCV
    1998) and Fowlkes, Martin & Malik (CVPR 2003). Pairs that leave the grid
    get ``rows[k] = -1``. Output arrays have ``m * n * len(offsets)`` entries,
    written at fixed positions, so the result does not depend on threads.
    """
    H, W = strength.shape
    m = (H - 1) // step + 1
    n = (W - 1) // step + 1
    n_off = offsets.shape[0]
    for i in prange(m):
        for j in range(n):
            v = i * n + j
            for e in range(n_off):
                k = v * n_off + e
                i2 = i + offsets[e, 0]
                j2 = j + offsets[e, 1]
                if i2 < 0 or i2 >= m or j2 < 0 or j2 >= n:
                    rows[k] = -1
                    continue
                peak = np.float32(0.0)
                for p in range(line_starts[e], line_starts[e + 1]):
                    y = i * step + line_points[p, 0]
                    x = j * step + line_points[p, 1]
                    if y < H and x < W:
                        peak = max(peak, strength[y, x])
                rows[k] = v
                cols[k] = i2 * n + j2
                weights[k] = np.exp(-peak / rho)


@kernel(parallel=True)
def smooth_oriented(oriented, taps, tap_starts, out):
    """Filter each orientation's map with its own sparse kernel, borders reflected.

    ``taps[tap_starts[o]:tap_starts[o + 1]]`` are the ``(dy, dx, weight)``
    rows of orientation ``o``'s kernel (a Gaussian elongated along the edge);
    a pixel outside the image reads its mirror image (``d c b a | a b c d``,
    SciPy's ``mode="reflect"``). ``oriented`` (C-contiguous) and ``out`` are
    ``(n_orientations, H, W)`` float32.
    """
    n_orient, H, W = oriented.shape
    n_taps = taps.shape[0]
    reach = 0
    shift = np.empty(n_taps, np.int64)  # each tap as an offset in the flat array
    for t in range(n_taps):
        reach = max(reach, abs(int(taps[t, 0])), abs(int(taps[t, 1])))
        shift[t] = int(taps[t, 0]) * W + int(taps[t, 1])
    flat = oriented.reshape(-1)  # (C order)
    for r in prange(n_orient * H):
        o = r // H
        y = r % H
        inner_row = reach <= y < H - reach
        for x in range(W):
            acc = 0.0
            if inner_row and reach <= x < W - reach:
                # Flat offsets, unsigned indices: half the time of 2-D indexing.
                centre = (o * H + y) * W + x
                for t in range(tap_starts[o], tap_starts[o + 1]):
                    acc += taps[t, 2] * flat[nowrap(centre + shift[t])]
            else:
                for t in range(tap_starts[o], tap_starts[o + 1]):
                    acc += taps[t, 2] * oriented[o, _mirror(y + int(taps[t, 0]), H),
                                                 _mirror(x + int(taps[t, 1]), W)]
            out[o, y, x] = acc


@kernel
def _mirror(i, n):
    i = i % (2 * n)
    return i if i < n else 2 * n - 1 - i


@kernel(parallel=True)
def sum_oriented_derivatives(gx, gy, scales, sines, cosines, out):
    """``out[o] = sum_k scales[k] |sines[o] gx[k] + cosines[o] gy[k]|``: gPb's sPb (eq. 11).

    ``gx``, ``gy`` are ``(n_vectors, H, W)`` float32 derivatives of the
    eigenvectors along x (columns) and y (rows); ``(sines[o], cosines[o])``
    is the normal of orientation ``o``'s edge in (column, row) units; ``out``
    is ``(n_orientations, H, W)`` float32. Each pixel sums over the vectors
    in order in float64, one row per task, so threads do not change it.
    """
    n_vectors, H, W = gx.shape
    n_orient = out.shape[0]
    for y in prange(H):
        for o in range(n_orient):
            s = sines[o]
            c = cosines[o]
            for x in range(W):
                acc = 0.0
                for k in range(n_vectors):
                    acc += scales[k] * abs(s * gx[k, y, x] + c * gy[k, y, x])
                out[o, y, x] = acc
