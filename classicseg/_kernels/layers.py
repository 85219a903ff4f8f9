"""Kernels of the network layers (``classicseg._layers``): pooling, unpooling, transposed convolution.

Arrays and scalars in, arrays out. Parallel loops split work into fixed
tasks that never share an output element, so results do not depend on the
number of threads.
"""

import numba
import numpy as np

from ._jit import kernel

# Output rows per task of ``max_pool_planes``.
POOL_ROWS_PER_TASK = 16

# Output rows per task of ``conv_transpose_rows`` and ``bed_of_nails_planes``:
# enough tasks for two threads to share even a small output evenly.
ROWS_PER_TASK = 8


@kernel(parallel=True)
def max_pool_planes(x, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, out, indices):
    """Max pooling of a stack of planes with PyTorch's flat per-plane indices.

    Parameters
    ----------
    x : (P, H, W) float array
    kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w : int
    out : (P, H_out, W_out) array of x's dtype
    indices : (P, H_out, W_out) int64 array, ``h * W + w`` of each maximum

    Mirrors ``cpu_max_pool`` (ATen ``MaxPoolKernel.cpp``): the window is
    clipped to the plane, the running maximum starts at -inf with the index
    of the window's first valid element, a strictly larger value or a NaN
    replaces it (so the first of tied maxima wins, and the last NaN). The
    replacement is a select, not a branch: on real data whether a value
    beats the running maximum is a coin toss that a branch predictor loses.
    Tasks are (plane, block of output rows) pairs.
    """
    n_planes, h, w = x.shape
    h_out, w_out = out.shape[1], out.shape[2]
    blocks = (h_out + POOL_ROWS_PER_TASK - 1) // POOL_ROWS_PER_TASK
    for task in numba.prange(n_planes * blocks):
        p = task // blocks
        r0 = task % blocks * POOL_ROWS_PER_TASK
        src = x[p]
        for oh in range(r0, min(r0 + POOL_ROWS_PER_TASK, h_out)):
            h0 = oh * stride_h - pad_h
            h1 = min(h0 + kernel_h, h)
            h0 = max(h0, 0)
            dst, dst_index = out[p, oh], indices[p, oh]
            if kernel_h == 2 and kernel_w == 2 and pad_h == 0 and pad_w == 0:
                _max_pool_row_2x2(src, h0, stride_w, dst, dst_index)
                continue
            for ow in range(w_out):
                w0 = ow * stride_w - pad_w
                w1 = min(w0 + kernel_w, w)
                w0 = max(w0, 0)
                best = x.dtype.type(-np.inf)
                best_index = h0 * w + w0
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        best, best_index = _take_larger(src[ih, iw], best, ih * w + iw, best_index)
                dst[ow] = best
                dst_index[ow] = best_index


@kernel
def _max_pool_row_2x2(x, h0, stride_w, out, indices):
    """One output row of ``max_pool_planes`` for 2 x 2 windows without padding (all inside).

    The same comparisons in the same order as the general loop, written
    out: with the window's size known, the loop over the output row
    vectorises (measured 2 to 5 times faster; stride 2 has its own copy so
    that the column step is known too).
    """
    w = x.shape[1]
    top, bottom = x[h0], x[h0 + 1]
    if stride_w == 2:
        for ow in range(out.shape[0]):
            out[ow], indices[ow] = _max_of_four(top, bottom, h0 * w, 2 * ow, w)
    else:
        for ow in range(out.shape[0]):
            out[ow], indices[ow] = _max_of_four(top, bottom, h0 * w, stride_w * ow, w)


@kernel
def _max_of_four(top, bottom, row_start, w0, w):
    """Maximum and flat index of ``top[w0:w0+2]`` then ``bottom[w0:w0+2]``, as ``max_pool_planes``."""
    best, best_index = _take_larger(top[w0], top.dtype.type(-np.inf), row_start + w0, row_start + w0)
    best, best_index = _take_larger(top[w0 + 1], best, row_start + w0 + 1, best_index)
    best, best_index = _take_larger(bottom[w0], best, row_start + w + w0, best_index)
    return _take_larger(bottom[w0 + 1], best, row_start + w + w0 + 1, best_index)


@kernel
def _take_larger(value, best, index, best_index):
    """``(value, index)`` if `value` beats the running maximum `best` or is NaN, else ``(best, best_index)``."""
    take = value > best or value != value
    return (value if take else best), (index if take else best_index)


@kernel(parallel=True)
def max_unpool_planes(x, indices, out):
    """Scatter ``x[p, k]`` to ``out[p, indices[p, k]]``, zeros elsewhere; return the bad-index count.

    Parameters
    ----------
    x : (P, K) float array
    indices : (P, K) int64 array
    out : (P, M) array of x's dtype, written in full (the caller need not zero it)

    Each task zeroes its plane, then scatters in input order, so when two
    indices coincide the later value wins, as in ATen's ``cpu_max_unpool``.
    Zeroing here rather than with ``np.zeros`` spreads the first touch of
    the output's pages over the threads. Indices outside ``[0, M)`` are
    skipped and counted.
    """
    n_planes, n = x.shape
    size = out.shape[1]
    bad = np.empty(n_planes, dtype=np.int64)  # (np.zeros would be a parallel region of its own)
    for p in numba.prange(n_planes):
        bad[p] = 0
        dst = out[p]
        for m in range(size):
            dst[m] = 0
        src, idx = x[p], indices[p]
        for k in range(n):
            target = idx[k]
            if target < 0 or target >= size:
                bad[p] += 1
            else:
                dst[target] = src[k]
    return serial_sum(bad)


@kernel
def serial_sum(counts):
    """Sum of an integer array in a serial loop, for parallel kernels.

    In a ``parallel=True`` kernel ``counts.sum()`` becomes a second parallel
    region, whose launch waits for the threads again (milliseconds on a
    loaded machine).
    """
    total = 0
    for count in counts:
        total += count
    return total


@kernel(parallel=True)
def bed_of_nails_planes(x, scale_h, scale_w, out):
    """``out[p, i * sh, j * sw] = x[p, i, j]``, zeros elsewhere.

    Parameters
    ----------
    x : (P, H, W) float array
    scale_h, scale_w : int
    out : (P, H * sh, W * sw) C-contiguous array of x's dtype, written in full

    Every output element is written once, by the task that owns its row
    (tasks are (plane, block of rows) pairs): no zeroing pass before the
    scatter, and the first touch of a fresh output's pages is shared by the
    threads.
    """
    n_planes, h_out, w_out = out.shape
    w = x.shape[2]
    blocks = (h_out + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for task in numba.prange(n_planes * blocks):
        p = task // blocks
        r0 = task % blocks * ROWS_PER_TASK
        for r in range(r0, min(r0 + ROWS_PER_TASK, h_out)):
            dst = out[p, r]
            dst[:] = 0
            if r % scale_h == 0:
                src = x[p, r // scale_h]
                for j in range(w):
                    dst[j * scale_w] = src[j]


@kernel(parallel=True)
def conv_transpose_rows(x, weight, bias, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, out):
    """Transposed convolution, one output row at a time, every output element written once.

    Parameters
    ----------
    x : (N, G, C_in/G, H, W) C-contiguous float array
    weight : (G, kH, kW, C_in/G, C_out/G) C-contiguous array of x's dtype
    bias : (G, C_out/G) array of x's dtype
    stride_h, stride_w, pad_h, pad_w, dil_h, dil_w : int
    out : (N, G, C_out/G, H_out, W_out) C-contiguous array of x's dtype, written in full

    Output row ``oy`` is row ``fy = oy + pad_h`` of the uncropped result,
    which tap row ``ky`` reaches from input row ``(fy - ky * dil_h) /
    stride_h`` when that is a whole number in ``[0, H)``. Along the row,
    tap column ``kx`` lands on the columns of phase ``(kx * dil_w) %
    stride_w``, shifted by ``(kx * dil_w) // stride_w`` phase columns (Shi
    et al., "Is the deconvolution layer the same as a convolutional
    layer?", arXiv:1609.07009, 2016). Each phase of the row is summed in a
    small buffer with unit-stride loops (``_add_tap``), then the phases
    are interleaved into the output row, bias added, padding cropped.
    Tasks are (sample, group, block of rows) triples, which never share an
    output element, and each element is summed in the same order (taps,
    then input channels) whatever the number of threads.
    """
    n_batch, n_groups, _, h, _ = x.shape
    kh, kw, c_out = weight.shape[1], weight.shape[2], weight.shape[4]
    h_out, w_out = out.shape[3], out.shape[4]
    n_cols = (w_out + pad_w + stride_w - 1) // stride_w  # columns of each phase
    blocks = (h_out + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for task in numba.prange(n_batch * n_groups * blocks):
        b = task // (n_groups * blocks)
        g = task // blocks % n_groups
        r0 = task % blocks * ROWS_PER_TASK
        phases = np.empty((stride_w, c_out, n_cols), dtype=out.dtype)
        offsets = _phase_offsets(stride_w, c_out, n_cols, pad_w, w_out)
        for oy in range(r0, min(r0 + ROWS_PER_TASK, h_out)):
            fy = oy + pad_h
            phases[:] = 0
            for ky in range(kh):
                offset = fy - ky * dil_h
                iy = offset // stride_h
                if offset < 0 or offset % stride_h != 0 or iy >= h:
                    continue
                for kx in range(kw):
                    rx, shift = (kx * dil_w) % stride_w, (kx * dil_w) // stride_w
                    _add_tap(x[b, g], iy, weight[g, ky, kx], shift, phases[rx])
            _interleave(phases, offsets, bias[g], oy, out[b, g])


@kernel
def _add_tap(x, iy, weight, shift, acc):
    """``acc[co, shift + j] += sum_c weight[c, co] * x[c, iy, j]`` over the columns that fit.

    Four input channels and two output channels per pass: each loaded
    input value serves two sums and each loaded sum four products, which
    keeps the vectorised loop from waiting on memory.
    """
    c_in, c_out = weight.shape
    n = min(acc.shape[1] - shift, x.shape[2])
    if n <= 0:
        return
    c = 0
    while c + 4 <= c_in:
        s0, s1, s2, s3 = x[c, iy, :n], x[c + 1, iy, :n], x[c + 2, iy, :n], x[c + 3, iy, :n]
        co = 0
        while co < c_out:
            w0, w1, w2, w3 = weight[c, co], weight[c + 1, co], weight[c + 2, co], weight[c + 3, co]
            d0 = acc[co, shift : shift + n]
            if co + 1 < c_out:
                v0, v1, v2, v3 = weight[c, co + 1], weight[c + 1, co + 1], weight[c + 2, co + 1], weight[c + 3, co + 1]
                d1 = acc[co + 1, shift : shift + n]
                for j in range(n):
                    a0, a1, a2, a3 = s0[j], s1[j], s2[j], s3[j]
                    d0[j] += w0 * a0 + w1 * a1 + w2 * a2 + w3 * a3
                    d1[j] += v0 * a0 + v1 * a1 + v2 * a2 + v3 * a3
            else:
                for j in range(n):
                    d0[j] += w0 * s0[j] + w1 * s1[j] + w2 * s2[j] + w3 * s3[j]
            co += 2
        c += 4
    for c in range(c, c_in):
        s0 = x[c, iy, :n]
        for co in range(0, c_out, 2):
            w0 = weight[c, co]
            d0 = acc[co, shift : shift + n]
            if co + 1 < c_out:
                v0 = weight[c, co + 1]
                d1 = acc[co + 1, shift : shift + n]
                for j in range(n):
                    d0[j] += w0 * s0[j]
                    d1[j] += v0 * s0[j]
            else:
                for j in range(n):
                    d0[j] += w0 * s0[j]


@kernel
def _phase_offsets(stride_w, c_out, n_cols, pad_w, w_out):
    """Where output column ``ox`` is in a flattened ``(stride_w, c_out, n_cols)`` phase buffer (channel 0)."""
    offsets = np.empty(w_out, dtype=np.int64)
    for ox in range(w_out):
        fx = ox + pad_w
        offsets[ox] = fx % stride_w * c_out * n_cols + fx // stride_w
    return offsets


@kernel
def _interleave(phases, offsets, bias, oy, out):
    """``out[co, oy, ox] = phases[fx % s, co, fx // s] + bias[co]`` with ``fx = ox + pad_w``.

    A gather along the output row through ``offsets`` (``_phase_offsets``,
    which holds ``pad_w`` and the stride): its stores are unit-stride,
    where a loop over each phase's columns would store with the stride's
    step (measured 1.5x slower).
    """
    flat = phases.ravel()
    n_cols = phases.shape[2]
    for co in range(out.shape[0]):
        dst = out[co, oy]
        b = bias[co]
        src = flat[co * n_cols :]
        for ox in range(dst.shape[0]):
            dst[ox] = src[offsets[ox]] + b
