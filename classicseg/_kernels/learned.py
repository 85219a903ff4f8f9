"""Kernels of the learned-segmentation adapter (resampling, cross-entropy).

Arrays and scalars in, arrays out. Every output element is computed by the
same sequence of operations whatever the number of threads: the parallel
loops split work into fixed tasks that never share an output element.
"""

import numba
import numpy as np

from ._jit import kernel

# Output rows per task of ``resample_planes``: small enough for two threads
# to share one plane, large enough that the source rows a task re-reads at
# its borders stay a small fraction of the work.
ROWS_PER_TASK = 32


@kernel
def target_logits(x, target, ignore_index, use_ignore, picked, kept):
    """The logit of each pixel's target class; return the count of targets out of range.

    Parameters
    ----------
    x : (N, C, P) float array of logits
    target : (N, P) integer array of class ids
    ignore_index : int, target value skipped if ``use_ignore``
    use_ignore : bool
    picked : (N, P) array of x's dtype, ``x[b, target[b, p], p]`` (0 where not kept)
    kept : (N, P) bool array, whether the pixel counts

    One serial pass: a gather of one value per pixel, cheaper than the
    index arrays of ``np.take_along_axis`` and not worth a parallel launch.
    """
    n_bad = 0
    for b in range(x.shape[0]):
        for p in range(x.shape[2]):
            t = target[b, p]
            keep = not (use_ignore and t == ignore_index)
            if keep and (t < 0 or t >= x.shape[1]):
                n_bad += 1
                keep = False
            kept[b, p] = keep
            picked[b, p] = x[b, t, p] if keep else 0
    return n_bad


@kernel(parallel=True)
def resample_planes(x, row_index, row_weight, col_index, col_weight, out):
    """Separable resampling of a stack of planes.

    ``out[p, i, j] = sum_s row_weight[s, i] * sum_t col_weight[t, j] *
    x[p, row_index[s, i], col_index[t, j]]``, summed in PyTorch's order
    (``upsample_generic_Nd_kernel_impl``: along the width first, taps in
    order).

    Parameters
    ----------
    x : (P, H, W) float32 or float64 C-contiguous array
    row_index : (S, H_out) int64 C-contiguous array, values in ``[0, H)``
    row_weight : (S, H_out) C-contiguous array of x's dtype
    col_index : (T, W_out) int64 C-contiguous array, values in ``[0, W)``
    col_weight : (T, W_out) C-contiguous array of x's dtype
    out : (P, H_out, W_out) C-contiguous array of x's dtype, written in full

    Tasks are (plane, block of ``ROWS_PER_TASK`` output rows) pairs.
    """
    n_planes = x.shape[0]
    h_out = row_index.shape[1]
    tasks_per_plane = (h_out + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for task in numba.prange(n_planes * tasks_per_plane):
        p = task // tasks_per_plane
        r0 = (task % tasks_per_plane) * ROWS_PER_TASK
        _resample_rows(
            x[p],
            row_index,
            row_weight,
            col_index,
            col_weight,
            r0,
            min(r0 + ROWS_PER_TASK, h_out),
            out[p],
        )


@kernel
def _resample_rows(x, row_index, row_weight, col_index, col_weight, r0, r1, out):
    """Output rows ``r0 .. r1-1`` of one plane (see ``resample_planes``).

    The source rows these output rows read are first resampled along the
    width into a local buffer, then combined; tap-major maps keep every inner
    loop unit-stride over the output, which lets it vectorise.
    """
    n_row_taps = row_index.shape[0]
    if n_row_taps == 1:
        _resample_rows_one_tap(x, row_index[0], row_weight[0], col_index, col_weight, r0, r1, out)
        return
    lo = row_index[0, r0]
    hi = lo
    for s in range(n_row_taps):
        for i in range(r0, r1):
            lo = min(lo, row_index[s, i])
            hi = max(hi, row_index[s, i])
    needed = np.zeros(hi - lo + 1, dtype=np.bool_)
    for s in range(n_row_taps):
        for i in range(r0, r1):
            needed[row_index[s, i] - lo] = True
    rows = np.empty((hi - lo + 1, out.shape[1]), dtype=out.dtype)
    for r in range(hi - lo + 1):
        if needed[r]:
            _combine_gather(x[lo + r], col_index, col_weight, rows[r])
    for i in range(r0, r1):
        dst = out[i]
        w = row_weight[0, i]
        src = rows[row_index[0, i] - lo]
        for j in range(dst.shape[0]):
            dst[j] = w * src[j]
        for s in range(1, n_row_taps):
            w = row_weight[s, i]
            src = rows[row_index[s, i] - lo]
            for j in range(dst.shape[0]):
                dst[j] += w * src[j]


@kernel
def _resample_rows_one_tap(x, row_index, row_weight, col_index, col_weight, r0, r1, out):
    """``_resample_rows`` for one row tap (nearest modes): no buffer, repeated rows copied.

    An output row that reads the same source row with the same weight as
    the row before it is a copy of it (most rows when upsampling); the
    others are gathered straight into the output. Each element is
    ``row_weight * (column sum)`` as in the general path.
    """
    for i in range(r0, r1):
        dst = out[i]
        w = row_weight[i]
        if i > r0 and row_index[i] == row_index[i - 1] and w == row_weight[i - 1]:
            dst[:] = out[i - 1]
            continue
        _combine_gather(x[row_index[i]], col_index, col_weight, dst)
        if w != 1:
            for j in range(dst.shape[0]):
                dst[j] = w * dst[j]


@kernel
def _combine_gather(src, index, weight, dst):
    """``dst[j] = sum_t weight[t, j] * src[index[t, j]]``, taps in order."""
    idx, w = index[0], weight[0]
    for j in range(dst.shape[0]):
        dst[j] = w[j] * src[idx[j]]
    for t in range(1, index.shape[0]):
        idx, w = index[t], weight[t]
        for j in range(dst.shape[0]):
            dst[j] += w[j] * src[idx[j]]
