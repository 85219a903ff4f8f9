"""Layers of encoder-decoder networks: pooling, unpooling, transposed convolution.

Part of :mod:`classicseg.learned` (which re-exports every public name here),
with the array-layout checks the whole adapter shares: arrays are
channel-first ``(N, C, H, W)`` or unbatched ``(C, H, W)``, float32 and
float64 are kept, float16 becomes float32 and integers float64.
"""

import numpy as np

from ._kernels import layers as _kernels
from ._validate import check_int

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
    _, _, h, w = x4.shape
    out = np.empty((x4.shape[0] * x4.shape[1], h * sh, w * sw), dtype=x4.dtype)
    _kernels.bed_of_nails_planes(x4.reshape(-1, h, w), sh, sw, out)
    return _unstack(out, x4, batched)


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
    Pooling remembers where each maximum was (Zeiler & Fergus, ECCV 2014;
    Badrinarayanan et al., SegNet, PAMI 2017).

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
    Pool, then unpool other values at the places of the maxima (SegNet's
    decoder, Badrinarayanan et al., PAMI 2017).

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
    out = np.empty((planes.shape[0], out_size[0] * out_size[1]), dtype=x4.dtype)
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
    (``O(x, y) = sum_ij I(i, j) K(x - i s, y - j s)``; Dumoulin & Visin,
    "A guide to convolution arithmetic for deep learning", 2016). `padding`
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
    x5 = np.ascontiguousarray(x4, dtype=dtype).reshape(n, groups, c_in_g, h, w)
    # (G, kH, kW, C_in/G, C_out/G): each tap a matrix from input to output channels.
    taps = weight.astype(dtype, copy=False).reshape(groups, c_in_g, c_out_g, kh, kw)
    taps = np.ascontiguousarray(taps.transpose(0, 3, 4, 1, 2))
    bias = np.zeros(c_out, dtype) if bias is None else bias.astype(dtype)
    out = np.empty((n, c_out, *out_size), dtype=dtype)
    _kernels.conv_transpose_rows(
        x5, taps, bias.reshape(groups, c_out_g), *stride, *padding, *dilation,
        out.reshape(n, groups, c_out_g, *out_size),
    )
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
    A 1-D example: input [1, 2, 3], filter [1, 2], stride 2 —
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
