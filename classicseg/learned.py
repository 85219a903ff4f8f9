"""Upsampling operations of encoder-decoder networks, in NumPy.

The operations that learned segmentation models use to bring coarse feature
maps back to image resolution (lecture: Learning-based Image Segmentation),
with PyTorch's definitions, so that a network's output can be post-processed
or a layer checked without PyTorch:

- interpolation (:func:`interpolate`: nearest, nearest-exact, bilinear,
  bicubic) and unpooling (:func:`bed_of_nails`, :func:`max_pool2d` with
  indices, :func:`max_unpool2d`);
- transposed convolution (:func:`conv_transpose2d`, :func:`conv_transpose1d`,
  :func:`conv_transpose2d_output_size`);
- the network's head: :func:`softmax`, :func:`logits_to_labels` and the
  per-pixel :func:`cross_entropy` loss.

Arrays are channel-first, as networks emit them: ``(N, C, H, W)`` or an
unbatched ``(C, H, W)`` (``(N, C, L)`` or ``(C, L)`` in 1-D). Unlike PyTorch,
a 3-D array here is always one unbatched image, never a batch of 1-D
signals. float32 and float64 are kept; float16 becomes float32 and integers
become float64. Inputs are never modified.
"""

import numbers

import numpy as np

from ._kernels import learned as _kernels
from ._validate import check_int

__all__ = [
    "interpolate",
    "bed_of_nails",
    "max_pool2d",
    "max_unpool2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose2d_output_size",
    "softmax",
    "logits_to_labels",
    "cross_entropy",
]

INTERPOLATION_MODES = ("nearest", "nearest-exact", "bilinear", "bicubic")

# Largest temporary of conv_transpose2d's tap products (bytes).
_COLUMN_BYTES = 64 * 2**20

# PyTorch's bicubic kernel parameter (Keys' a; ATen UpSample.h), as OpenCV uses.
_CUBIC_A = -0.75


# ------------------------------------------------------------------ checks


def _float_array(x, name):
    """Return ``x`` as a non-empty float32 or float64 array (float16 -> float32, others -> float64)."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real-valued numeric array, got dtype {x.dtype}")
    if x.size == 0:
        raise ValueError(f"{name} is empty (shape {x.shape})")
    if x.dtype.kind == "f" and x.dtype.itemsize <= 4:
        return x.astype(np.float32, copy=False)
    return x.astype(np.float64, copy=False)


def _as_planes(x, name, spatial_dims=2):
    """Return ``x`` as a float ``(N, C, *spatial)`` array and whether it had N.

    The one layout check of this module: ``spatial_dims + 1`` dimensions mean
    an unbatched array, ``spatial_dims + 2`` a batch.
    """
    x = _float_array(x, name)
    if x.ndim not in (spatial_dims + 1, spatial_dims + 2):
        layouts = {1: "(C, L) or (N, C, L)", 2: "(C, H, W) or (N, C, H, W)"}[spatial_dims]
        raise ValueError(f"{name} must have shape {layouts}, got shape {x.shape}")
    batched = x.ndim == spatial_dims + 2
    return (x if batched else x[np.newaxis]), batched


def _int_tuple(value, name, n=2, minimum=0):
    """Return an int or a length-``n`` sequence of ints as a tuple of ``n`` ints."""
    values = (value,) * n if np.ndim(value) == 0 else tuple(value)
    if len(values) != n:
        raise ValueError(f"{name} must be an int or a sequence of {n} ints, got {value!r}")
    return tuple(check_int(v, name, minimum=minimum) for v in values)


def _plane_stack(x4):
    """Return ``(N, C, H, W)`` as the C-contiguous ``(N * C, H, W)`` stack kernels take."""
    return np.ascontiguousarray(x4.reshape(-1, *x4.shape[2:]))


def _unstack(planes, x4, batched):
    """Give kernel output ``(N * C, H', W')`` the input's ``(N, C)`` (or ``(C,)``) lead."""
    out = planes.reshape(*x4.shape[:2], *planes.shape[1:])
    return out if batched else out[0]


# ------------------------------------------------------------ interpolation


def _source_map(n_in, n_out, scale_factor, mode, align_corners, dtype):
    """Source indices and weights along one axis, as PyTorch's CPU kernels compute them.

    Returns ``index`` (taps, n_out) int64 and ``weight`` (taps, n_out) of
    ``dtype``, tap-major as the kernel reads them; output element ``i`` is
    ``sum_t weight[t, i] * x[index[t, i]]``.

    PyTorch maps output coordinate ``i`` to the source with ``1 /
    scale_factor`` when a scale factor was given and with ``n_in / n_out``
    when a size was (ATen ``area_pixel_compute_scale``), so ``scale_factor=1.5``
    on 5 pixels (7 out) does not sample like ``size=7``. Linear and cubic
    coordinates are computed in the data's precision (``opmath_t``); nearest
    ones always in float32, with two shortcuts (equal sizes copy, doubled
    sizes take ``i >> 1``) that ``nearest-exact`` lacks (ATen ``nearest_idx``,
    ``nearest_neighbor_exact_compute_source_index``). Reproducing that
    arithmetic is what makes nearest indices equal at rounding boundaries.
    """
    dst = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        f32 = np.float32
        scale = f32(1.0 / scale_factor) if scale_factor else f32(n_in) / f32(n_out)
        if mode == "nearest-exact":
            # (i + 0.5) * scale is evaluated in double, then floorf rounds it to float.
            src = np.floor(((dst + 0.5) * np.float64(scale)).astype(f32))
        elif n_out == n_in:
            src = dst
        elif n_out == 2 * n_in:
            src = dst >> 1
        else:
            src = np.floor(dst.astype(f32) * scale)
        index = np.minimum(src.astype(np.int64), n_in - 1)[np.newaxis]
        return index, np.ones((1, n_out), dtype=dtype)

    cast = dtype.type
    if mode == "bilinear" and n_out == n_in:
        # ATen compute_source_index_and_lambda copies when the sizes agree,
        # whatever the scale factor (e.g. 5 pixels with scale_factor=1.1).
        index = np.stack([dst, dst]).astype(np.int64)
        return index, np.stack([np.ones(n_out, dtype), np.zeros(n_out, dtype)])
    if align_corners:
        scale = cast(n_in - 1) / cast(n_out - 1) if n_out > 1 else cast(0)
        real = scale * dst.astype(dtype)
    else:
        scale = cast(1.0 / scale_factor) if scale_factor else cast(n_in) / cast(n_out)
        real = scale * (dst.astype(dtype) + cast(0.5)) - cast(0.5)
        if mode == "bilinear":
            # Linear modes clamp negative coordinates to the first pixel; cubic
            # ones keep them so that the four taps around the border stay apart.
            real = np.maximum(real, cast(0))
    # ATen guard_index_and_lambda: the index never passes the last pixel and
    # the fraction stays in [0, 1].
    base = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    t = np.clip(real - base.astype(dtype), cast(0), cast(1))
    if mode == "bilinear":
        index = np.stack([base, base + (base < n_in - 1)])
        return index, np.stack([cast(1) - t, t])
    # Bicubic convolution (Keys 1981) with a = -0.75 on the taps base-1 .. base+2,
    # border pixels repeated (ATen get_cubic_upsample_coefficients).
    a = cast(_CUBIC_A)

    def near(d):  # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):  # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    weight = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)])
    index = np.clip(base + np.arange(-1, 3)[:, np.newaxis], 0, n_in - 1)
    return index, weight.astype(dtype, copy=False)


def _check_mode(mode):
    if not isinstance(mode, str) or mode not in INTERPOLATION_MODES:
        raise ValueError(f"mode must be one of {INTERPOLATION_MODES}, got {mode!r}")


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize channel-first images as ``torch.nn.functional.interpolate`` does.

    Parameters
    ----------
    x : (N, C, H, W) or (C, H, W) array
        Images, channel first.
    size : int or (int, int), optional
        Output ``(H_out, W_out)``; an int gives both. Exactly one of `size`
        and `scale_factor` is given.
    scale_factor : float or (float, float), optional
        Output size ``floor(H * scale_factor)``. As in PyTorch, output
        coordinates are then mapped back with ``1 / scale_factor`` (not with
        ``H / H_out``), so a non-integer scale samples slightly differently
        from the equivalent `size`.
    mode : {"nearest", "nearest-exact", "bilinear", "bicubic"}
        ``"nearest"`` copies pixel ``floor(i * scale)`` (PyTorch's legacy rule,
        OpenCV's INTER_NEAREST); ``"nearest-exact"`` pixel ``floor((i + 0.5) *
        scale)`` (Pillow, scikit-image); ``"bicubic"`` is Keys' cubic
        convolution with a = -0.75 and repeated border pixels, whose results
        may overshoot the input range.
    align_corners : bool, optional
        Bilinear and bicubic only (default False). True maps the corner pixel
        centres onto each other; False treats pixels as areas.

    Returns
    -------
    out : (N, C, H_out, W_out) or (C, H_out, W_out) ndarray
        float32 for float32 input, float64 otherwise.

    Raises
    ------
    ValueError
        If `x` is not 3-D or 4-D or is empty, `mode` is unknown, both or
        neither of `size` and `scale_factor` are given, a size or a scale
        factor is not positive or gives an empty output, or `align_corners`
        is set for a nearest mode.
    TypeError
        If `x` is not numeric, a size is not an integer, a scale factor not
        a number, or `align_corners` not a bool.

    Examples
    --------
    The lecture's 2 x 2 example, upsampled by two:

    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    >>> interpolate(x, scale_factor=2, mode="bilinear")[0]
    array([[1.  , 1.25, 1.75, 2.  ],
           [1.5 , 1.75, 2.25, 2.5 ],
           [2.5 , 2.75, 3.25, 3.5 ],
           [3.  , 3.25, 3.75, 4.  ]])
    >>> interpolate(x, scale_factor=2, mode="bicubic")[0].round(2)
    array([[0.68, 1.02, 1.56, 1.89],
           [1.35, 1.68, 2.23, 2.56],
           [2.44, 2.77, 3.32, 3.65],
           [3.11, 3.44, 3.98, 4.32]])
    >>> interpolate(x, size=(2, 3), mode="nearest")[0]
    array([[1., 1., 2.],
           [3., 3., 4.]])
    """
    x4, batched = _as_planes(x, "x")
    _check_mode(mode)
    if mode in ("nearest", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                f"align_corners can only be set for bilinear and bicubic, not mode={mode!r}"
            )
    elif align_corners is None:
        align_corners = False
    elif not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"align_corners must be a bool, got {align_corners!r}")
    if (size is None) == (scale_factor is None):
        raise ValueError("give exactly one of size and scale_factor")
    in_size = x4.shape[2:]
    if size is not None:
        out_size = _int_tuple(size, "size", minimum=1)
        scales = (None, None)
    else:
        scales = _scale_pair(scale_factor)
        out_size = tuple(int(np.floor(n * s)) for n, s in zip(in_size, scales))
        if min(out_size) < 1:
            raise ValueError(
                f"scale_factor={scale_factor!r} gives the empty output size {out_size} "
                f"for input size {in_size}"
            )
    maps = [
        _source_map(n_in, n_out, scale, mode, align_corners, x4.dtype)
        for n_in, n_out, scale in zip(in_size, out_size, scales)
    ]
    planes = _plane_stack(x4)
    out = np.empty((planes.shape[0], *out_size), dtype=x4.dtype)
    _kernels.resample_planes(planes, *maps[0], *maps[1], out)
    return _unstack(out, x4, batched)


def _scale_pair(scale_factor):
    """Return a number or a pair of numbers as two positive finite floats."""
    values = (scale_factor,) * 2 if np.ndim(scale_factor) == 0 else tuple(scale_factor)
    if len(values) != 2:
        raise ValueError(f"scale_factor must be a number or a pair, got {scale_factor!r}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"scale_factor must be a real number or a pair, got {scale_factor!r}")
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"scale_factor must be positive and finite, got {scale_factor!r}")
    return tuple(float(v) for v in values)


# ---------------------------------------------------------------- unpooling


def bed_of_nails(x, scale_factor=2):
    """Unpool by placing each value in the top-left corner of its block.

    Parameters
    ----------
    x : (N, C, H, W) or (C, H, W) array
    scale_factor : int or (int, int), optional
        Block size; the output is ``(H * sh, W * sw)``.

    Returns
    -------
    out : (N, C, H * sh, W * sw) or (C, H * sh, W * sw) ndarray
        Zeros except ``out[..., i * sh, j * sw] = x[..., i, j]``.

    Raises
    ------
    ValueError
        If `x` is not 3-D or 4-D, or `scale_factor` is below 1.
    TypeError
        If `scale_factor` is not an integer.

    Examples
    --------
    >>> import numpy as np
    >>> bed_of_nails(np.array([[[1.0, 2.0], [3.0, 4.0]]]))[0]
    array([[1., 0., 2., 0.],
           [0., 0., 0., 0.],
           [3., 0., 4., 0.],
           [0., 0., 0., 0.]])
    """
    x4, batched = _as_planes(x, "x")
    sh, sw = _int_tuple(scale_factor, "scale_factor", minimum=1)
    n, c, h, w = x4.shape
    out = np.zeros((n, c, h * sh, w * sw), dtype=x4.dtype)
    out[:, :, ::sh, ::sw] = x4
    return out if batched else out[0]


def _pool_geometry(kernel_size, stride, padding):
    kernel = _int_tuple(kernel_size, "kernel_size", minimum=1)
    stride = kernel if stride is None else _int_tuple(stride, "stride", minimum=1)
    padding = _int_tuple(padding, "padding", minimum=0)
    return kernel, stride, padding


def max_pool2d(x, kernel_size, stride=None, padding=0, return_indices=False):
    """Max pooling, optionally with the position of every maximum.

    Parameters
    ----------
    x : (N, C, H, W) or (C, H, W) array
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Default: `kernel_size` (non-overlapping windows).
    padding : int or (int, int), optional
        Implicit -inf border, at most half the kernel size (as in PyTorch).
    return_indices : bool, optional
        Also return the flat index ``h * W + w`` of each maximum within its
        input plane, PyTorch's convention, which :func:`max_unpool2d` takes.

    Returns
    -------
    out : (N, C, H_out, W_out) or (C, H_out, W_out) ndarray
        ``H_out = (H + 2 * padding - kernel_size) // stride + 1``.
    indices : ndarray of int64, same shape as `out`
        Only with ``return_indices=True``. Among tied maxima the first in
        row-major order wins; a NaN in the window is the maximum.

    Raises
    ------
    ValueError
        If `x` is not 3-D or 4-D, a size is below 1, `padding` exceeds half the
        kernel, or the padded input is smaller than the kernel.
    TypeError
        If a size is not an integer.

    Examples
    --------
    The lecture's example: pooling remembers where each maximum was.

    >>> import numpy as np
    >>> x = np.array([[[1, 2, 6, 3], [3, 5, 2, 1], [1, 2, 2, 1], [7, 3, 4, 8.0]]])
    >>> out, idx = max_pool2d(x, 2, return_indices=True)
    >>> out[0]
    array([[5., 6.],
           [7., 8.]])
    >>> idx[0]
    array([[ 5,  2],
           [12, 15]])
    """
    x4, batched = _as_planes(x, "x")
    kernel, stride, padding = _pool_geometry(kernel_size, stride, padding)
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise ValueError(
                f"padding must be at most half of kernel_size, got padding={padding} "
                f"and kernel_size={kernel}"
            )
    out_size = tuple(
        (n + 2 * p - k) // s + 1 for n, k, s, p in zip(x4.shape[2:], kernel, stride, padding)
    )
    if min(out_size) < 1:
        raise ValueError(
            f"kernel_size={kernel} is larger than the padded input "
            f"({x4.shape[2] + 2 * padding[0]}, {x4.shape[3] + 2 * padding[1]})"
        )
    planes = _plane_stack(x4)
    out = np.empty((planes.shape[0], *out_size), dtype=x4.dtype)
    indices = np.empty(out.shape, dtype=np.int64)
    _kernels.max_pool_planes(planes, *kernel, *stride, *padding, out, indices)
    out = _unstack(out, x4, batched)
    return (out, _unstack(indices, x4, batched)) if return_indices else out


def max_unpool2d(x, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Place each value at the position its max pooling remembered; zeros elsewhere.

    The partial inverse of :func:`max_pool2d` (PyTorch's ``max_unpool2d``).

    Parameters
    ----------
    x : (N, C, H, W) or (C, H, W) array
        Values to place, e.g. a decoder's feature map.
    indices : int array of `x`'s shape
        Flat per-plane positions ``h * W_out + w``, as
        ``max_pool2d(..., return_indices=True)`` returns them.
    kernel_size, stride, padding : int or (int, int)
        The pooling's parameters; `stride` defaults to `kernel_size`.
    output_size : int or (int, int), optional
        Output ``(H_out, W_out)``, to undo a pooling whose input size the
        default ``(H - 1) * stride - 2 * padding + kernel_size`` does not
        recover; it must lie within one stride of the default. A shape
        ending with them (``x.shape`` of the pooled input) also works.

    Returns
    -------
    out : (N, C, H_out, W_out) or (C, H_out, W_out) ndarray
        If two indices of a plane coincide, the later value wins.

    Raises
    ------
    ValueError
        If the shapes disagree, an index is outside ``[0, H_out * W_out)``, or
        `output_size` is not reachable.
    TypeError
        If `indices` is not an integer array.

    Examples
    --------
    The lecture's example: pool, then unpool other values at the same places.

    >>> import numpy as np
    >>> x = np.array([[[1, 2, 6, 3], [3, 5, 2, 1], [1, 2, 2, 1], [7, 3, 4, 8.0]]])
    >>> _, idx = max_pool2d(x, 2, return_indices=True)
    >>> max_unpool2d(np.array([[[1.0, 2.0], [3.0, 4.0]]]), idx, 2)[0]
    array([[0., 0., 2., 0.],
           [0., 1., 0., 0.],
           [0., 0., 0., 0.],
           [3., 0., 0., 4.]])
    """
    x4, batched = _as_planes(x, "x")
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"indices must be an integer array, got dtype {indices.dtype}")
    if indices.shape != np.shape(x):
        raise ValueError(f"indices must have the shape of x {np.shape(x)}, got {indices.shape}")
    kernel, stride, padding = _pool_geometry(kernel_size, stride, padding)
    default = tuple((n - 1) * s - 2 * p + k for n, k, s, p in zip(x4.shape[2:], kernel, stride, padding))
    if output_size is None:
        out_size = default
    else:
        if np.ndim(output_size) and len(output_size) in (3, 4):  # (C, H, W) or (N, C, H, W)
            output_size = tuple(output_size)[-2:]
        out_size = _int_tuple(output_size, "output_size", minimum=1)
        for d, (n, s) in enumerate(zip(out_size, stride)):
            if not default[d] - s < n < default[d] + s:
                raise ValueError(
                    f"output_size={out_size} is not reachable: dimension {d} must be "
                    f"between {default[d] - s} and {default[d] + s}, exclusive"
                )
    if min(out_size) < 1:
        raise ValueError(f"kernel_size, stride and padding give the empty output size {out_size}")
    planes = _plane_stack(x4).reshape(x4.shape[0] * x4.shape[1], -1)
    flat_indices = np.ascontiguousarray(indices.reshape(planes.shape), dtype=np.int64)
    out = np.zeros((planes.shape[0], out_size[0] * out_size[1]), dtype=x4.dtype)
    if _kernels.max_unpool_planes(planes, flat_indices, out):
        bad = flat_indices[(flat_indices < 0) | (flat_indices >= out.shape[1])][0]
        raise ValueError(
            f"indices must lie in [0, {out.shape[1]}) for output size {out_size}, found {bad}"
        )
    return _unstack(out.reshape(-1, *out_size), x4, batched)


# --------------------------------------------------- transposed convolution


def conv_transpose2d_output_size(h_in, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    """Output length of a transposed convolution along one axis.

    ``(h_in - 1) * stride - 2 * padding + dilation * (kernel_size - 1) +
    output_padding + 1``, PyTorch's ``ConvTranspose2d`` formula (the same for
    every axis and for ``ConvTranspose1d``).

    Parameters
    ----------
    h_in : int
        Input length, >= 1.
    kernel_size, stride : int
        >= 1.
    padding, output_padding : int
        >= 0. `output_padding` resolves which of the ``stride`` input sizes
        that a strided convolution maps to `h_in` is meant.
    dilation : int
        >= 1.

    Returns
    -------
    h_out : int

    Raises
    ------
    ValueError
        If an argument is out of range or the result is below 1.
    TypeError
        If an argument is not an integer.

    Examples
    --------
    >>> conv_transpose2d_output_size(64, 4, stride=2, padding=1)
    128
    >>> conv_transpose2d_output_size(2, 3, stride=2, padding=1, output_padding=1)
    4
    """
    h_in = check_int(h_in, "h_in", minimum=1)
    kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
    stride = check_int(stride, "stride", minimum=1)
    padding = check_int(padding, "padding", minimum=0)
    output_padding = check_int(output_padding, "output_padding", minimum=0)
    dilation = check_int(dilation, "dilation", minimum=1)
    h_out = (h_in - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
    if h_out < 1:
        raise ValueError(
            f"padding={padding} leaves no output: the size would be {h_out} for h_in={h_in}, "
            f"kernel_size={kernel_size}, stride={stride}, dilation={dilation}"
        )
    return h_out


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution ("deconvolution"), PyTorch's ``conv_transpose2d``.

    Every input pixel adds a copy of the kernel, weighted by its value, to
    the output at ``stride`` times its position; overlapping copies sum
    (lecture: ``O(x, y) = sum_ij I(i, j) K(x - i s, y - j s)``). `padding`
    then crops the border of that full result and `output_padding` adds rows
    and columns at the bottom and right. It is the adjoint of the strided
    convolution with the same weight: ``<conv_transpose2d(x, w), y> = <x,
    conv2d(y, w)>``.

    Parameters
    ----------
    x : (N, C_in, H, W) or (C_in, H, W) array
    weight : (C_in, C_out // groups, kH, kW) array
        PyTorch's layout for transposed convolutions (input channels first).
    bias : (C_out,) array, optional
    stride, padding, output_padding : int or (int, int), optional
        ``output_padding`` must be smaller than `stride` or `dilation`.
    groups : int, optional
        Input and output channels split into `groups` independent blocks;
        must divide ``C_in``.
    dilation : int or (int, int), optional
        Spacing between kernel taps.

    Returns
    -------
    out : (N, C_out, H_out, W_out) or (C_out, H_out, W_out) ndarray
        Sizes from :func:`conv_transpose2d_output_size`; float32 if `x` and
        `weight` are float32, float64 otherwise.

    Raises
    ------
    ValueError
        If the shapes of `x`, `weight` and `bias` disagree, `groups` does not
        divide the channels, `output_padding` is too large, or `padding`
        leaves no output.
    TypeError
        If an array is not numeric or a size is not an integer.

    Examples
    --------
    A 3 x 3 kernel of ones with stride 2 and padding 1 doubles 2 x 2 to 3 x 3
    (4 x 4 with ``output_padding=1``); overlaps sum:

    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    >>> conv_transpose2d(x, np.ones((1, 1, 3, 3)), stride=2, padding=1)[0]
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    """
    x4, batched = _as_planes(x, "x")
    weight = _float_array(weight, "weight")
    groups = check_int(groups, "groups", minimum=1)
    n, c_in, h, w = x4.shape
    if weight.ndim != 4 or weight.shape[0] != c_in:
        raise ValueError(
            f"weight must have shape (C_in={c_in}, C_out // groups, kH, kW), got {weight.shape}"
        )
    if c_in % groups:
        raise ValueError(f"groups={groups} must divide the {c_in} input channels of x")
    dtype = np.result_type(x4.dtype, weight.dtype)
    c_in_g, c_out_g, kh, kw = c_in // groups, weight.shape[1], weight.shape[2], weight.shape[3]
    c_out = c_out_g * groups
    if bias is not None:
        bias = _float_array(bias, "bias")
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},) (C_out), got {bias.shape}")
    stride = _int_tuple(stride, "stride", minimum=1)
    padding = _int_tuple(padding, "padding", minimum=0)
    output_padding = _int_tuple(output_padding, "output_padding", minimum=0)
    dilation = _int_tuple(dilation, "dilation", minimum=1)
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise ValueError(
                f"output_padding must be smaller than stride or dilation, got "
                f"output_padding={output_padding}, stride={stride}, dilation={dilation}"
            )
    out_size = tuple(
        conv_transpose2d_output_size(*args)
        for args in zip((h, w), (kh, kw), stride, padding, output_padding, dilation)
    )
    # Scatter into the uncropped result (plus room for output_padding beyond
    # it), then crop `padding`. The products of every kernel tap with the
    # input come from one matrix product per sample, group and block of taps
    # (as PyTorch's col2im path): few large BLAS calls, the block bounding the
    # temporary to _COLUMN_BYTES.
    full = [
        (n_in - 1) * s + d * (k - 1) + 1 for n_in, s, d, k in zip((h, w), stride, dilation, (kh, kw))
    ]
    extent = [max(f, p + o) for f, p, o in zip(full, padding, out_size)]
    acc = np.zeros((n, c_out, *extent), dtype=dtype)
    x3 = x4.reshape(n, c_in, h * w).astype(dtype, copy=False)
    # (groups, kH * kW, C_out/g, C_in/g): the rows of a block of taps are contiguous.
    taps = np.ascontiguousarray(
        weight.reshape(groups, c_in_g, c_out_g, kh * kw).transpose(0, 3, 2, 1), dtype=dtype
    )
    block = max(1, _COLUMN_BYTES // (c_out_g * h * w * dtype.itemsize))
    (sh, sw), (dh, dw) = stride, dilation
    for b, g in np.ndindex(n, groups):
        xg = x3[b, g * c_in_g : (g + 1) * c_in_g]
        out_g = acc[b, g * c_out_g : (g + 1) * c_out_g]
        for t0 in range(0, kh * kw, block):
            t1 = min(t0 + block, kh * kw)
            columns = (taps[g, t0:t1].reshape(-1, c_in_g) @ xg).reshape(t1 - t0, c_out_g, h, w)
            for t in range(t0, t1):
                i, j = divmod(t, kw)
                rows = slice(i * dh, i * dh + (h - 1) * sh + 1, sh)
                cols = slice(j * dw, j * dw + (w - 1) * sw + 1, sw)
                out_g[:, rows, cols] += columns[t - t0]
    (ph, pw), (oh, ow) = padding, out_size
    out = np.ascontiguousarray(acc[:, :, ph : ph + oh, pw : pw + ow])
    if bias is not None:
        out += bias.astype(dtype, copy=False)[:, np.newaxis, np.newaxis]
    return out if batched else out[0]


def conv_transpose1d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-D convolution, PyTorch's ``conv_transpose1d``.

    Parameters
    ----------
    x : (N, C_in, L) or (C_in, L) array
    weight : (C_in, C_out // groups, k) array
    bias : (C_out,) array, optional
    stride, padding, output_padding, groups, dilation : int, optional
        As in :func:`conv_transpose2d`.

    Returns
    -------
    out : (N, C_out, L_out) or (C_out, L_out) ndarray
        ``L_out`` from :func:`conv_transpose2d_output_size`.

    Raises
    ------
    ValueError, TypeError
        As :func:`conv_transpose2d`.

    Examples
    --------
    The lecture's 1-D example: input [1, 2, 3], filter [1, 2], stride 2 —
    the output has copies of the filter weighted by the input.

    >>> import numpy as np
    >>> conv_transpose1d(np.array([[1.0, 2.0, 3.0]]), np.array([[[1.0, 2.0]]]), stride=2)
    array([[1., 2., 2., 4., 3., 6.]])
    """
    x3, batched = _as_planes(x, "x", spatial_dims=1)
    weight = np.asarray(weight)
    if weight.ndim != 3:
        raise ValueError(f"weight must have shape (C_in, C_out // groups, k), got {weight.shape}")
    # A 1-D signal is an image of height 1, the kernel a 1 x k one.
    pairs = {
        name: (height, _int_tuple(value, name, n=1)[0])
        for name, value, height in [
            ("stride", stride, 1),
            ("padding", padding, 0),
            ("output_padding", output_padding, 0),
            ("dilation", dilation, 1),
        ]
    }
    out = conv_transpose2d(x3[:, :, np.newaxis], weight[:, :, np.newaxis], bias, groups=groups, **pairs)
    return out[:, :, 0] if batched else out[0, :, 0]


# ----------------------------------------------------------- network head


def softmax(logits, axis=1):
    """Class probabilities from logits, ``exp(z) / sum(exp(z))`` along `axis`.

    Numerically stable: the maximum along `axis` is subtracted first, so
    large logits do not overflow.

    Parameters
    ----------
    logits : array
        Any shape; float32 stays float32, other types become float64.
    axis : int, optional
        The class axis; 1 for ``(N, C, H, W)``. Pass ``axis=0`` for an
        unbatched ``(C, H, W)`` array.

    Returns
    -------
    probabilities : ndarray of `logits`' shape, summing to 1 along `axis`

    Raises
    ------
    ValueError
        If `axis` is out of range or `logits` is empty.
    TypeError
        If `logits` is not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([[1000.0, 1000.0, -np.inf]]))
    array([[0.5, 0.5, 0. ]])
    """
    z = _float_array(logits, "logits")
    axis = check_int(axis, "axis")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis={axis} is out of range for logits of shape {z.shape}")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def logits_to_labels(logits, size=None, mode="bilinear", *, align_corners=None):
    """Per-pixel class labels from a network's logits: upsample, then argmax.

    Parameters
    ----------
    logits : (N, C, h, w) or (C, h, w) array
        Class scores (or probabilities) for C classes, channel first.
    size : int or (int, int), optional
        Output ``(H, W)``, usually the input image's; None keeps ``(h, w)``.
    mode : {"bilinear", "bicubic", "nearest", "nearest-exact"}, optional
        Interpolation of the logits, see :func:`interpolate`.
    align_corners : bool, optional
        Passed to :func:`interpolate` for bilinear and bicubic.

    Returns
    -------
    labels : (N, H, W) or (H, W) ndarray of np.intp
        Class ids ``0 .. C-1`` (the first class on ties), PyTorch's
        ``interpolate(...).argmax(1)``.

    Raises
    ------
    ValueError, TypeError
        As :func:`interpolate`.

    Examples
    --------
    >>> import numpy as np
    >>> logits = np.array([[[2.0, 0.0]], [[0.0, 2.0]]])  # 2 classes, 1 x 2 pixels
    >>> logits_to_labels(logits, size=(1, 4))
    array([[0, 0, 1, 1]])
    """
    x4, batched = _as_planes(logits, "logits")
    _check_mode(mode)  # also when there is nothing to resample
    if size is not None:
        x4 = interpolate(x4, size=size, mode=mode, align_corners=align_corners)
    labels = x4.argmax(axis=1).astype(np.intp, copy=False)
    return labels if batched else labels[0]


def cross_entropy(logits, target, ignore_index=None, reduction="mean"):
    """Per-pixel cross-entropy loss of logits against class labels.

    ``loss = log(sum_c exp(z_c)) - z_target`` at every pixel (the lecture's
    per-pixel loss; PyTorch's ``cross_entropy`` without weights or label
    smoothing), evaluated through log-sum-exp with the maximum subtracted so
    that large logits neither overflow nor lose precision.

    Parameters
    ----------
    logits : (N, C, H, W) or (C, H, W) array
    target : (N, H, W) or (H, W) ndarray of int
        Class ids in ``0 .. C-1``, or `ignore_index`.
    ignore_index : int, optional
        Target value whose pixels add nothing and are not counted in the mean
        (PyTorch's default is -100; here nothing is ignored by default).
    reduction : {"mean", "sum", "none"}, optional
        Mean over the counted pixels (NaN if none), sum, or the per-pixel
        loss (0 at ignored pixels).

    Returns
    -------
    loss : float, or ndarray of `target`'s shape for ``reduction="none"``
        In the precision of `logits`.

    Raises
    ------
    ValueError
        If the shapes disagree, a target is outside ``0 .. C-1`` and not
        `ignore_index`, or `reduction` is unknown.
    TypeError
        If `target` is not an integer array.

    Examples
    --------
    >>> import numpy as np
    >>> logits = np.zeros((2, 1, 2))  # two classes, equally likely everywhere
    >>> float(cross_entropy(logits, np.array([[0, 1]])))  # log 2
    0.6931471805599453
    """
    x4, batched = _as_planes(logits, "logits")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    target = np.asarray(target)
    if target.dtype.kind not in "iu":
        raise TypeError(f"target must be an integer array of class ids, got dtype {target.dtype}")
    expected = np.shape(logits)[:-3] + np.shape(logits)[-2:]
    if target.shape != expected:
        raise ValueError(
            f"target must have shape {expected} for logits of shape {np.shape(logits)}, got {target.shape}"
        )
    target4 = target if batched else target[np.newaxis]
    n_classes = x4.shape[1]
    kept = (
        np.ones(target4.shape, dtype=bool)
        if ignore_index is None
        else target4 != check_int(ignore_index, "ignore_index")
    )
    bad = kept & ((target4 < 0) | (target4 >= n_classes))
    if bad.any():
        raise ValueError(
            f"target must hold class ids in [0, {n_classes}) or ignore_index={ignore_index}, "
            f"found {target4[bad][0]}"
        )
    safe = np.where(kept, target4, 0).astype(np.intp)[:, np.newaxis]
    top = x4.max(axis=1, keepdims=True)
    lse = top + np.log(np.exp(x4 - top).sum(axis=1, keepdims=True))
    loss = np.where(kept, (lse - np.take_along_axis(x4, safe, axis=1))[:, 0], x4.dtype.type(0))
    if reduction == "none":
        return loss if batched else loss[0]
    total = loss.sum(dtype=x4.dtype)
    if reduction == "sum":
        return total
    count = np.count_nonzero(kept)
    return total / x4.dtype.type(count) if count else x4.dtype.type(np.nan)
