"""classicseg.learned against PyTorch, hand-worked numbers and naive NumPy.

Oracles: ``fixtures/torch_reference.npz`` (PyTorch 2.13.0 CPU results made by
``fixtures/make_torch_fixtures.py``, so PyTorch is never imported here), the
hand-worked examples, a scatter-add transposed convolution, and the
adjoint identity ``<conv_transpose(x), y> = <x, conv(y)>``.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import naive
from conftest import outputs_per_thread_count
from hypothesis import given, settings
from hypothesis import strategies as st

from classicseg import learned
from classicseg.learned import (
    bed_of_nails,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose2d_output_size,
    cross_entropy,
    interpolate,
    logits_to_labels,
    max_pool2d,
    max_unpool2d,
    softmax,
)

FIXTURE = Path(__file__).parent / "fixtures" / "torch_reference.npz"
WORKED = np.array([[[1.0, 2.0], [3.0, 4.0]]])
POOL_INPUT = np.array([[[1, 2, 6, 3], [3, 5, 2, 1], [1, 2, 2, 1], [7, 3, 4, 8]]], dtype=float)


def _load_cases():
    with np.load(FIXTURE) as data:
        meta = json.loads(str(data["index"]))
        stores = {name: data[name] for name in ("float64", "float32", "int64")}
    cases = {}
    for case in meta["cases"]:
        arrays = {}
        for name, (store, offset, shape) in case["arrays"].items():
            arrays[name] = stores[store][offset : offset + int(np.prod(shape))].reshape(shape)
        cases.setdefault(case["op"], []).append(pytest.param(case["params"], arrays, id=case["id"]))
    return cases


CASES = _load_cases()


def assert_matches(ours, ref):
    """Same dtype and shape; 1e-6 (float64) or 1e-4 relative (float32) to the reference."""
    ours = np.asarray(ours)
    assert ours.dtype == ref.dtype
    assert ours.shape == ref.shape
    if ref.dtype == np.float32:
        # Relative to the largest magnitude: sums of products cancel to values
        # near zero whose own relative error says nothing.
        scale = np.abs(ref[np.isfinite(ref)]).max(initial=1.0)
        np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4 * scale)
    else:
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)


def split(params):
    params = dict(params)
    return np.dtype(params.pop("dtype")), params


# ------------------------------------------------------------------ PyTorch


@pytest.mark.parametrize("params, arrays", CASES["interpolate"])
def test_interpolate_matches_torch(params, arrays):
    dtype, params = split(params)
    params.pop("batched", None)
    out = interpolate(arrays["x"].astype(dtype), **params)
    if params["mode"].startswith("nearest"):
        np.testing.assert_array_equal(out, arrays["out"])
    assert_matches(out, arrays["out"])


@pytest.mark.parametrize("params, arrays", CASES["max_pool2d"])
def test_max_pool2d_matches_torch(params, arrays):
    dtype, params = split(params)
    out, indices = max_pool2d(arrays["x"].astype(dtype), return_indices=True, **params)
    np.testing.assert_array_equal(out, arrays["out"])
    assert out.dtype == dtype
    np.testing.assert_array_equal(indices, arrays["indices"])
    assert indices.dtype == np.int64


@pytest.mark.parametrize("params, arrays", CASES["max_unpool2d"])
def test_max_unpool2d_matches_torch(params, arrays):
    dtype, params = split(params)
    out = max_unpool2d(arrays["x"].astype(dtype), arrays["indices"], **params)
    np.testing.assert_array_equal(out, arrays["out"])
    assert out.dtype == dtype


@pytest.mark.parametrize(
    "fn, params, arrays",
    [pytest.param(conv_transpose2d, *p.values, id=p.id) for p in CASES["conv_transpose2d"]]
    + [pytest.param(conv_transpose1d, *p.values, id=p.id) for p in CASES["conv_transpose1d"]],
)
def test_conv_transpose_matches_torch(fn, params, arrays):
    dtype, params = split(params)
    bias = arrays["bias"].astype(dtype) if "bias" in arrays else None
    out = fn(arrays["x"].astype(dtype), arrays["weight"].astype(dtype), bias, **params)
    assert_matches(out, arrays["out"])


@pytest.mark.parametrize("params, arrays", CASES["logits_to_labels"])
def test_logits_to_labels_matches_torch(params, arrays):
    dtype, params = split(params)
    labels = logits_to_labels(arrays["x"].astype(dtype), **params)
    np.testing.assert_array_equal(labels, arrays["out"])
    assert labels.dtype == np.intp


@pytest.mark.parametrize("params, arrays", CASES["softmax"])
def test_softmax_matches_torch(params, arrays):
    dtype, params = split(params)
    assert_matches(softmax(arrays["x"].astype(dtype), **params), arrays["out"])


@pytest.mark.parametrize("params, arrays", CASES["cross_entropy"])
def test_cross_entropy_matches_torch(params, arrays):
    dtype, params = split(params)
    loss = cross_entropy(arrays["x"].astype(dtype), arrays["target"], **params)
    assert_matches(loss, arrays["out"])


def test_fixture_covers_the_issue():
    """Random cases span every mode, both dtypes, scales, sizes, groups, dilations."""
    interp = [p.values[0] for p in CASES["interpolate"]]
    assert {p["mode"] for p in interp} == set(learned.INTERPOLATION_MODES)
    assert {p.get("align_corners") for p in interp} >= {True, False}
    assert any("size" in p for p in interp) and any(
        isinstance(p.get("scale_factor"), float) for p in interp
    )
    conv = [p.values[0] for p in CASES["conv_transpose2d"]]
    assert {p["dtype"] for p in conv} == {"float32", "float64"}
    assert {p["groups"] for p in conv} == {1, 2, 3}
    assert any(max(p["dilation"]) > 1 for p in conv) and any(max(p["output_padding"]) > 0 for p in conv)
    assert sum(len(v) for v in CASES.values()) > 500
    assert FIXTURE.stat().st_size < 2e6


# ------------------------------------------------------------------ worked examples


def test_worked_bilinear_exact():
    expected = [
        [1.00, 1.25, 1.75, 2.00],
        [1.50, 1.75, 2.25, 2.50],
        [2.50, 2.75, 3.25, 3.50],
        [3.00, 3.25, 3.75, 4.00],
    ]
    np.testing.assert_array_equal(interpolate(WORKED, scale_factor=2, mode="bilinear")[0], expected)
    np.testing.assert_array_equal(interpolate(WORKED, size=4, mode="bilinear")[0], expected)


def test_worked_bicubic_two_decimals():
    expected = [
        [0.68, 1.02, 1.56, 1.89],
        [1.35, 1.68, 2.23, 2.56],
        [2.44, 2.77, 3.32, 3.65],
        [3.11, 3.44, 3.98, 4.32],
    ]
    out = interpolate(WORKED, scale_factor=2, mode="bicubic")[0]
    np.testing.assert_array_equal(np.round(out, 2), expected)


def test_worked_nearest_and_bed_of_nails():
    np.testing.assert_array_equal(
        interpolate(WORKED, scale_factor=2)[0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    )
    np.testing.assert_array_equal(
        bed_of_nails(WORKED)[0], [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]
    )


def test_worked_max_pool_then_unpool():
    pooled, indices = max_pool2d(POOL_INPUT, 2, return_indices=True)
    np.testing.assert_array_equal(pooled[0], [[5, 6], [7, 8]])
    out = max_unpool2d(WORKED, indices, 2)
    np.testing.assert_array_equal(out[0], [[0, 0, 2, 0], [0, 1, 0, 0], [0, 0, 0, 0], [3, 0, 0, 4]])


def test_worked_transposed_convolution_1d():
    out = conv_transpose1d(np.array([[1.0, 2.0, 3.0]]), np.array([[[1.0, 2.0]]]), stride=2)
    np.testing.assert_array_equal(out, [[1, 2, 2, 4, 3, 6]])


def test_worked_output_size_formula():
    # A 3 x 3 transposed convolution, stride 2, pad 1 takes 2 x 2 to 4 x 4
    # once output_padding trims the 5 x 5 result's extra pixel into place.
    assert conv_transpose2d_output_size(2, 3, stride=2, padding=1, output_padding=1) == 4
    assert conv_transpose2d_output_size(2, 3, stride=2) == 5
    x = np.ones((1, 2, 2))
    assert conv_transpose2d(x, np.ones((1, 1, 3, 3)), stride=2, padding=1, output_padding=1).shape == (
        1,
        4,
        4,
    )


# ------------------------------------------------------------ naive NumPy


def naive_conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation):
    """Scatter-add: each input pixel adds its kernel, weighted, at stride x its position."""
    n, c_in, h, w = x.shape
    c_in_g, c_out_g, kh, kw = c_in // groups, *weight.shape[1:]
    size = [
        (m - 1) * s - 2 * p + d * (k - 1) + o + 1
        for m, s, p, d, k, o in zip((h, w), stride, padding, dilation, (kh, kw), output_padding)
    ]
    out = np.zeros((n, c_out_g * groups, *size))
    for b, ic, ih, iw in np.ndindex(n, c_in, h, w):
        g = ic // c_in_g
        for i, j in np.ndindex(kh, kw):
            oh = ih * stride[0] - padding[0] + i * dilation[0]
            ow = iw * stride[1] - padding[1] + j * dilation[1]
            if 0 <= oh < size[0] and 0 <= ow < size[1]:
                out[b, g * c_out_g : (g + 1) * c_out_g, oh, ow] += x[b, ic, ih, iw] * weight[ic, :, i, j]
    if bias is not None:
        out += bias[:, None, None]
    return out


def naive_conv2d(y, weight, stride, padding, groups, dilation, in_size):
    """Strided cross-correlation with zero padding, sampled at the ``in_size`` input positions."""
    n = y.shape[0]
    c_in, c_out_g, kh, kw = weight.shape
    c_in_g = c_in // groups
    out = np.zeros((n, c_in, *in_size))
    for b, ic, ih, iw in np.ndindex(n, c_in, *in_size):
        g = ic // c_in_g
        for i, j in np.ndindex(kh, kw):
            oh = ih * stride[0] - padding[0] + i * dilation[0]
            ow = iw * stride[1] - padding[1] + j * dilation[1]
            if 0 <= oh < y.shape[2] and 0 <= ow < y.shape[3]:
                out[b, ic, ih, iw] += y[b, g * c_out_g : (g + 1) * c_out_g, oh, ow] @ weight[ic, :, i, j]
    return out


@st.composite
def conv_setups(draw):
    groups = draw(st.sampled_from([1, 2]))
    pair = lambda lo, hi: (draw(st.integers(lo, hi)), draw(st.integers(lo, hi)))  # noqa: E731
    params = {
        "stride": pair(1, 3),
        "padding": pair(0, 2),
        "dilation": pair(1, 2),
        "groups": groups,
    }
    params["output_padding"] = tuple(
        draw(st.integers(0, max(s, d) - 1)) for s, d in zip(params["stride"], params["dilation"])
    )
    shape = (draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)), *pair(1, 4))
    kernel = (shape[1], draw(st.integers(1, 2)), *pair(1, 3))
    seed = draw(st.integers(0, 2**16))
    return shape, kernel, params, seed


@settings(max_examples=40, deadline=None)
@given(conv_setups())
def test_conv_transpose2d_equals_scatter_add_and_is_adjoint_of_conv(setup):
    shape, kernel, params, seed = setup
    rng = np.random.default_rng(seed)
    x, weight = rng.normal(size=shape), rng.normal(size=kernel)
    bias = rng.normal(size=kernel[1] * params["groups"])
    sizes = [
        (m - 1) * s - 2 * p + d * (k - 1) + o + 1
        for m, s, p, d, k, o in zip(
            shape[2:],
            params["stride"],
            params["padding"],
            params["dilation"],
            kernel[2:],
            params["output_padding"],
        )
    ]
    if min(sizes) < 1:
        with pytest.raises(ValueError, match="padding"):
            conv_transpose2d(x, weight, bias, **params)
        return
    out = conv_transpose2d(x, weight, bias, **params)
    np.testing.assert_allclose(out, naive_conv_transpose2d(x, weight, bias, **params), atol=1e-12)
    assert out.shape[2:] == tuple(
        conv_transpose2d_output_size(m, k, s, p, o, d)
        for m, k, s, p, o, d in zip(
            shape[2:],
            kernel[2:],
            params["stride"],
            params["padding"],
            params["output_padding"],
            params["dilation"],
        )
    )
    y = rng.normal(size=out.shape)
    conv_y = naive_conv2d(
        y, weight, params["stride"], params["padding"], params["groups"], params["dilation"], shape[2:]
    )
    linear_part = conv_transpose2d(x, weight, None, **params)
    np.testing.assert_allclose(np.vdot(linear_part, y), np.vdot(x, conv_y), rtol=1e-10, atol=1e-10)


def test_conv_transpose2d_phases_without_taps_and_odd_layouts():
    """Stride above the dilated kernel (phases with no tap give bias only), groups, strided input."""
    rng = np.random.default_rng(6)
    x, weight, bias = rng.normal(size=(2, 4, 10, 6))[:, :, ::2], rng.normal(size=(4, 3, 2, 2)), rng.normal(size=6)
    params = {"stride": (3, 5), "padding": (1, 0), "output_padding": (2, 1), "groups": 2, "dilation": (1, 2)}
    expected = naive_conv_transpose2d(x, weight, bias, (3, 5), (1, 0), (2, 1), 2, (1, 2))
    np.testing.assert_allclose(conv_transpose2d(x, weight, bias, **params), expected, atol=1e-12)
    x32 = np.asfortranarray(x.astype(">f4"))
    out = conv_transpose2d(x32, weight.astype(np.float32), bias.astype(np.float32), **params)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_bed_of_nails_puts_each_value_at_the_top_left_of_its_cell():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    expected = np.zeros((2, 3, 12, 10))
    expected[..., ::3, ::2] = x  # the NumPy definition: zeros, the input at the nails
    np.testing.assert_array_equal(bed_of_nails(x, (3, 2)), expected)
    strided = np.random.default_rng(1).normal(size=(3, 2, 4, 10))[:, ::-1, :, ::2].transpose(1, 0, 2, 3)
    for odd in (np.asfortranarray(x), strided, x.astype(">f4"), x[1], x[:1, :1, :1, :1]):
        ref = np.zeros((*odd.shape[:-2], odd.shape[-2] * 3, odd.shape[-1] * 2), odd.dtype)
        ref[..., ::3, ::2] = odd
        out = bed_of_nails(odd, (3, 2))
        np.testing.assert_array_equal(out, ref)
        assert out.dtype == np.dtype(odd.dtype.char)  # native byte order
    # max_unpool2d with every index at its cell's top-left corner is the same operation
    rows, cols = np.meshgrid(np.arange(4) * 3, np.arange(5) * 2, indexing="ij")
    top_left = np.broadcast_to(rows * 10 + cols, x.shape)  # output width 5 * 2 = 10
    np.testing.assert_array_equal(max_unpool2d(x, top_left, (3, 2)), expected)


def test_max_unpool2d_duplicate_indices_keep_the_later_value():
    # Overlapping windows can share a maximum; PyTorch's choice then depends on
    # the dtype, ours is always the later value in row-major order.
    out = max_unpool2d(
        np.array([[[1.0, 2.0, 3.0]]]), np.array([[[4, 4, 0]]]), (1, 2), output_size=(1, 6)
    )
    np.testing.assert_array_equal(out, [[[3, 0, 0, 0, 2, 0]]])


def test_max_pool2d_nan_and_all_minus_inf_windows():
    x = np.array([[[np.nan, 1.0, -np.inf, -np.inf], [2.0, np.nan, -np.inf, -np.inf]]])
    out, idx = max_pool2d(x, 2, return_indices=True)
    # The last NaN of a window wins (PyTorch's `val > max || isnan(val)` scan);
    # an all -inf window points at its first element.
    np.testing.assert_array_equal(idx, [[[5, 2]]])
    assert np.isnan(out[0, 0, 0]) and out[0, 0, 1] == -np.inf


@settings(max_examples=30, deadline=None)
@given(
    size=st.tuples(st.integers(2, 9), st.integers(2, 17)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_max_pool2d_two_by_two_windows_scan_like_torch(size, stride, dtype, seed):
    """2 x 2 windows (a path of their own) against the scan: ties, NaNs, -inf windows, every stride."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, size=(2, *size)).astype(dtype)  # small integers: many ties
    x[rng.random(x.shape) < 0.1] = np.nan
    x[rng.random(x.shape) < 0.2] = -np.inf
    out, idx = max_pool2d(x, 2, stride=stride, return_indices=True)
    for plane, o, i in zip(x, out, idx):
        ref, ref_index = naive.max_pool_scan(plane, (2, 2), stride)
        np.testing.assert_array_equal(o, ref)
        np.testing.assert_array_equal(i, ref_index)


def test_cross_entropy_is_stable_and_equals_definition():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 4, 3, 3)) * 400  # exp overflows without the max shift
    target = rng.integers(0, 4, size=(2, 3, 3))
    loss = cross_entropy(logits, target, reduction="none")
    assert np.isfinite(loss).all()
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(
        loss, -np.take_along_axis(log_p, target[:, None], axis=1)[:, 0], rtol=1e-12
    )
    np.testing.assert_allclose(cross_entropy(logits[0], target[0]), loss[0].mean(), rtol=1e-12)
    assert np.isnan(cross_entropy(logits, np.full((2, 3, 3), 7), ignore_index=7))


def test_softmax_and_labels_of_unbatched_arrays():
    logits = np.random.default_rng(2).normal(size=(5, 3, 4)).astype(np.float32)
    p = softmax(logits, axis=0)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=0), 1, rtol=1e-6)
    np.testing.assert_array_equal(logits_to_labels(logits), logits.argmax(axis=0))
    assert logits_to_labels(logits, size=(6, 8)).shape == (6, 8)


def test_cross_entropy_of_many_pixels_equals_definition():
    """Several tasks of pixels, float32 and float64, ignored pixels, a bad target far from the first."""
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(2, 5, 40, 60)) * 20
    target = rng.integers(0, 5, size=(2, 40, 60))
    target[rng.random(target.shape) < 0.1] = 9  # ignored
    x = logits - logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(x).sum(axis=1))
    picked = np.take_along_axis(x, np.minimum(target, 4)[:, None], axis=1)[:, 0]
    ref = np.where(target == 9, 0.0, lse - picked)
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        loss = cross_entropy(logits.astype(dtype), target, ignore_index=9, reduction="none")
        assert loss.dtype == dtype
        np.testing.assert_allclose(loss, ref, rtol=rtol, atol=rtol)
    target[1, 39, 59] = 5
    with pytest.raises(ValueError, match="found 5"):
        cross_entropy(logits, target, ignore_index=9)


def test_softmax_every_axis_and_layout_equals_definition():
    """Any axis, Fortran order, thousands of pixels (several tasks), NaN and -inf classes."""
    z = np.asfortranarray(np.random.default_rng(3).normal(size=(3, 40, 70)) * 30)
    z[0, 0, 0] = np.nan  # a NaN makes its column NaN, as np.max does
    z[:, 1, 1] = -np.inf  # all -inf: 0 / 0
    z[1, 2, 2] = -np.inf  # one class impossible
    z[2, 3, 3] = -800.0  # exp underflows
    for logits, rtol, atol in ((z, 1e-14, 1e-300), (z.astype(np.float32), 1e-5, 1e-37)):  # z - max rounds in float32
        x = logits.astype(np.float64)
        for axis in (0, 1, 2, -1):
            with np.errstate(invalid="ignore"):
                e = np.exp(x - x.max(axis=axis, keepdims=True))
                ref = e / e.sum(axis=axis, keepdims=True)
            out = softmax(logits, axis=axis)
            assert out.dtype == logits.dtype
            np.testing.assert_allclose(out, ref, rtol=rtol, atol=atol)


# ----------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 6), st.integers(1, 6)),
    size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    mode=st.sampled_from(learned.INTERPOLATION_MODES),
    dtype=st.sampled_from([np.float32, np.float64]),
    batched=st.booleans(),
)
def test_interpolate_shape_dtype_and_range(shape, size, mode, dtype, batched):
    x = np.random.default_rng(sum(shape)).normal(size=shape).astype(dtype)
    x = x if batched else x[0]
    out = interpolate(x, size=size, mode=mode)
    assert out.shape == x.shape[:-2] + size
    assert out.dtype == dtype
    if mode.startswith("nearest"):
        assert np.isin(out, x).all()
    elif mode == "bilinear":  # convex combinations stay within the input's range
        tol = 1e-6 * np.abs(x).max()
        assert out.min() >= x.min() - tol and out.max() <= x.max() + tol


@settings(max_examples=40, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(2, 9), st.integers(2, 9)),
    kernel=st.integers(1, 3),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_unpool_places_every_maximum_at_its_index(shape, kernel, dtype):
    x = np.random.default_rng(sum(shape)).normal(size=shape).astype(dtype)
    if min(shape[2:]) < kernel:
        return
    pooled, idx = max_pool2d(x, kernel, return_indices=True)
    out = max_unpool2d(pooled, idx, kernel, output_size=shape[2:])
    assert out.shape == shape and out.dtype == dtype
    planes = out.reshape(shape[0], shape[1], -1)
    np.testing.assert_array_equal(
        np.take_along_axis(planes, idx.reshape(*idx.shape[:2], -1), axis=2).reshape(pooled.shape), pooled
    )
    np.testing.assert_array_equal(
        np.take_along_axis(x.reshape(planes.shape), idx.reshape(*idx.shape[:2], -1), axis=2).reshape(
            pooled.shape
        ),
        pooled,
    )
    assert np.count_nonzero(out) <= pooled.size


def test_results_do_not_depend_on_thread_count():
    one, two = outputs_per_thread_count("""
        from classicseg.learned import (bed_of_nails, conv_transpose2d, cross_entropy, interpolate,
                                        max_pool2d, max_unpool2d, softmax)
        x = np.random.default_rng(3).normal(size=(1, 3, 37, 29)).astype(np.float32)
        for m in ("bilinear", "bicubic", "nearest"):
            digest(interpolate(x, size=(101, 75), mode=m))
        w = np.random.default_rng(5).normal(size=(3, 2, 4, 4)).astype(np.float32)
        digest(conv_transpose2d(x, w, stride=2, padding=1))
        pooled, idx = max_pool2d(x, 2, return_indices=True)
        digest(max_unpool2d(pooled, idx, 2, output_size=x.shape))
        digest(max_pool2d(x, 3, stride=2, padding=1))
        digest(bed_of_nails(x, 3))
        digest(softmax(x))
        digest(cross_entropy(x, np.zeros((1, 37, 29), int), reduction="none"))
    """)
    assert len(one) == 9 and one == two


def test_kernels_run_from_two_python_threads():
    x = np.random.default_rng(4).normal(size=(2, 3, 40, 40))
    expected = interpolate(x, scale_factor=2.5, mode="bicubic")
    with ThreadPoolExecutor(2) as pool:
        for out in pool.map(lambda _: interpolate(x, scale_factor=2.5, mode="bicubic"), range(4)):
            np.testing.assert_array_equal(out, expected)


def test_conv_transpose2d_from_two_python_threads():
    """Each thread has its own scratch buffers; shapes that change between calls reuse them."""
    rng = np.random.default_rng(7)
    calls = [
        (rng.normal(size=(1, 3, 9 + i, 7)), rng.normal(size=(3, 2, 2 + i % 3, 4)), {"stride": 1 + i % 3, "padding": i % 2})
        for i in range(6)
    ]
    expected = [naive_conv_transpose2d(x, w, None, *[(v, v) for v in (p["stride"], p["padding"], 0)], 1, (1, 1))
                for x, w, p in calls]
    with ThreadPoolExecutor(2) as pool:
        for _ in range(3):
            outs = list(pool.map(lambda c: conv_transpose2d(c[0], c[1], **c[2]), calls))
            for out, ref in zip(outs, expected):
                np.testing.assert_allclose(out, ref, atol=1e-12)


def test_dtypes_kept_or_promoted():
    x = np.arange(12).reshape(1, 3, 4)
    assert interpolate(x, scale_factor=2).dtype == np.float64
    assert interpolate(x.astype(np.float16), scale_factor=2).dtype == np.float32
    assert bed_of_nails(x.astype(np.float32)).dtype == np.float32
    w32 = np.ones((1, 1, 2, 2), np.float32)
    assert conv_transpose2d(x.astype(np.float32), w32).dtype == np.float32
    assert conv_transpose2d(x.astype(np.float32), w32.astype(np.float64)).dtype == np.float64


def test_inputs_are_not_modified():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1, 2, 4, 4))
    weight = rng.normal(size=(2, 3, 3, 3))
    bias = rng.normal(size=3)
    target = rng.integers(0, 2, size=(1, 4, 4))
    arrays = [x, weight, bias, target]
    copies = [a.copy() for a in arrays]
    for mode in learned.INTERPOLATION_MODES:
        interpolate(x, scale_factor=1.5, mode=mode)
    bed_of_nails(x)
    pooled, idx = max_pool2d(x, 2, return_indices=True)
    idx_copy = idx.copy()
    max_unpool2d(pooled, idx, 2)
    np.testing.assert_array_equal(idx, idx_copy)
    conv_transpose2d(x, weight, bias, stride=2)
    softmax(x)
    logits_to_labels(x, size=8)
    cross_entropy(x, target, ignore_index=1)
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)


# ------------------------------------------------------------------ bad input

X = np.zeros((1, 2, 4, 4))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: interpolate(np.zeros((4, 4)), size=2), ValueError, r"x must have shape \(C, H, W\)"),
        (lambda: interpolate(np.zeros((1, 1, 1, 4, 4)), size=2), ValueError, "x must have shape"),
        (lambda: interpolate(np.zeros((1, 0, 4)), size=2), ValueError, "x is empty"),
        (lambda: interpolate(X.astype(complex), size=2), TypeError, "x must be a real-valued"),
        (
            lambda: interpolate(X, size=2, scale_factor=2),
            ValueError,
            "exactly one of size and scale_factor",
        ),
        (lambda: interpolate(X), ValueError, "exactly one of size and scale_factor"),
        (lambda: interpolate(X, size=0), ValueError, "size must be >= 1"),
        (lambda: interpolate(X, size=(2, -1)), ValueError, "size must be >= 1"),
        (lambda: interpolate(X, size=(2, 3, 4)), ValueError, "size must be an int or a sequence of 2"),
        (lambda: interpolate(X, size=2.5), TypeError, "size must be an integer"),
        (lambda: interpolate(X, scale_factor=0), ValueError, "scale_factor must be positive"),
        (lambda: interpolate(X, scale_factor=np.inf), ValueError, "scale_factor must be positive"),
        (
            lambda: interpolate(X, scale_factor=0.1),
            ValueError,
            "scale_factor=0.1 gives the empty output",
        ),
        (lambda: interpolate(X, scale_factor="2"), TypeError, "scale_factor must be a real number"),
        (lambda: interpolate(X, size=2, mode="linear"), ValueError, "mode must be one of"),
        (
            lambda: interpolate(X, size=2, align_corners=True),
            ValueError,
            "align_corners can only be set",
        ),
        (
            lambda: interpolate(X, size=2, mode="bilinear", align_corners="yes"),
            TypeError,
            "align_corners must be a bool",
        ),
        (lambda: bed_of_nails(X, 0), ValueError, "scale_factor must be >= 1"),
        (lambda: max_pool2d(X, 0), ValueError, "kernel_size must be >= 1"),
        (lambda: max_pool2d(X, 2, stride=0), ValueError, "stride must be >= 1"),
        (lambda: max_pool2d(X, 2, padding=2), ValueError, "padding must be at most half of kernel_size"),
        (lambda: max_pool2d(X, 5), ValueError, r"kernel_size=\(5, 5\) is larger than the padded input"),
        (lambda: max_unpool2d(X, np.zeros(X.shape), 2), TypeError, "indices must be an integer array"),
        (
            lambda: max_unpool2d(X, np.zeros((1, 2, 4), int), 2),
            ValueError,
            "indices must have the shape of x",
        ),
        (
            lambda: max_unpool2d(X, np.full(X.shape, 64), 2),
            ValueError,
            r"indices must lie in \[0, 64\).*found 64",
        ),
        (lambda: max_unpool2d(X, np.full(X.shape, -1), 2), ValueError, "found -1"),
        (
            lambda: max_unpool2d(X, np.zeros(X.shape, int), 2, output_size=(10, 8)),
            ValueError,
            "output_size=.* is not reachable",
        ),
        (
            lambda: conv_transpose2d(X, np.zeros((3, 1, 2, 2))),
            ValueError,
            r"weight must have shape \(C_in=2",
        ),
        (lambda: conv_transpose2d(X, np.zeros((2, 1, 2))), ValueError, "weight must have shape"),
        (
            lambda: conv_transpose2d(X, np.zeros((2, 1, 2, 2)), groups=3),
            ValueError,
            "groups=3 must divide",
        ),
        (
            lambda: conv_transpose2d(X, np.zeros((2, 1, 2, 2)), groups=0),
            ValueError,
            "groups must be >= 1",
        ),
        (
            lambda: conv_transpose2d(X, np.zeros((2, 1, 2, 2)), bias=np.zeros(2)),
            ValueError,
            r"bias must have shape \(1,\)",
        ),
        (
            lambda: conv_transpose2d(X, np.zeros((2, 1, 2, 2)), stride=2, output_padding=2),
            ValueError,
            "output_padding must be smaller",
        ),
        (
            lambda: conv_transpose2d(X, np.zeros((2, 1, 1, 1)), padding=3),
            ValueError,
            "padding=3 leaves no output",
        ),
        (
            lambda: conv_transpose2d(X, np.zeros((2, 1, 2, 2)), dilation=0),
            ValueError,
            "dilation must be >= 1",
        ),
        (
            lambda: conv_transpose1d(np.zeros((1, 4)), np.zeros((1, 1, 2, 2))),
            ValueError,
            r"weight must have shape \(C_in, C_out // groups, k\)",
        ),
        (
            lambda: conv_transpose1d(np.zeros(4), np.zeros((1, 1, 2))),
            ValueError,
            r"x must have shape \(C, L\)",
        ),
        (lambda: conv_transpose2d_output_size(0, 3), ValueError, "h_in must be >= 1"),
        (lambda: conv_transpose2d_output_size(2, 3, padding=-1), ValueError, "padding must be >= 0"),
        (lambda: conv_transpose2d_output_size(2, 3.0), TypeError, "kernel_size must be an integer"),
        (lambda: softmax(np.zeros((2, 3)), axis=2), ValueError, "axis=2 is out of range"),
        (lambda: softmax(np.array(["a"])), TypeError, "logits must be a real-valued"),
        (lambda: logits_to_labels(np.zeros((3, 4))), ValueError, "logits must have shape"),
        (lambda: cross_entropy(X, np.zeros((1, 4, 4))), TypeError, "target must be an integer array"),
        (
            lambda: cross_entropy(X, np.zeros((1, 4, 5), int)),
            ValueError,
            r"target must have shape \(1, 4, 4\)",
        ),
        (lambda: cross_entropy(X, np.full((1, 4, 4), 2)), ValueError, r"class ids in \[0, 2\).*found 2"),
        (lambda: cross_entropy(X, np.full((1, 4, 4), -1), ignore_index=5), ValueError, "found -1"),
        (
            lambda: cross_entropy(X, np.zeros((1, 4, 4), int), reduction="avg"),
            ValueError,
            "reduction must be",
        ),
    ],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
