import numpy as np
import pytest
from skimage import color

from classicseg import pixel_features


def test_rgbxy_units_and_order():
    img = np.zeros((2, 3, 3), dtype=np.uint8)
    img[..., 0] = 255
    img[1, 2] = (0, 51, 102)
    X = pixel_features(img, "rgbxy")
    assert X.dtype == np.float32 and X.shape == (6, 5)
    np.testing.assert_array_equal(X[0], [255, 0, 0, 0, 0])
    np.testing.assert_array_equal(X[5], [0, 51, 102, 1, 2])  # row 1, column 2


@pytest.mark.parametrize("dtype, scale, data_range", [
    (np.uint8, 1, None), (np.uint16, 257, None), (np.float32, 1 / 255, None),
    (np.float64, 1 / 255, None), (np.uint16, 4095 / 255, 4095),
])
def test_colour_in_8bit_levels(dtype, scale, data_range):
    base = np.random.default_rng(0).integers(0, 256, (4, 5, 3))
    img = (base * scale).astype(dtype)
    X = pixel_features(img, "rgb", data_range=data_range)
    np.testing.assert_allclose(X, img.reshape(-1, 3) / scale, rtol=1e-5, atol=0.05)


def test_lab_and_gray_use_skimage_conversions(astronaut32):
    np.testing.assert_allclose(pixel_features(astronaut32, "lab"),
                               color.rgb2lab(astronaut32).reshape(-1, 3), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(pixel_features(astronaut32, "gray")[:, 0],
                               255 * color.rgb2gray(astronaut32).ravel(), rtol=1e-5, atol=1e-3)


def test_default_space_follows_the_image(astronaut32):
    np.testing.assert_array_equal(pixel_features(astronaut32), pixel_features(astronaut32, "rgbxy"))
    gray = astronaut32[..., 0]
    X = pixel_features(gray, channel_axis=None)
    assert X.shape == (gray.size, 3)
    four = np.dstack([astronaut32, astronaut32[..., :1]])
    assert pixel_features(four).shape == (gray.size, 6)


def test_channel_axis_moves_the_channels(astronaut32):
    first = np.moveaxis(astronaut32, -1, 0)
    np.testing.assert_array_equal(pixel_features(first, channel_axis=0), pixel_features(astronaut32))


def test_positions_scaled_by_spacing_and_spatial_scale():
    vol = np.zeros((2, 3, 4))
    X = pixel_features(vol, "grayxyz", channel_axis=None, spacing=(2, 1, 0.5), spatial_scale=3)
    assert X.shape == (24, 4)
    np.testing.assert_allclose(X[-1], [0, 1 * 2 * 3, 2 * 1 * 3, 3 * 0.5 * 3])


def test_mask_keeps_masked_in_pixels_in_row_major_order(astronaut32):
    mask = np.zeros(astronaut32.shape[:2], bool)
    mask[3:5, 7] = True
    X = pixel_features(astronaut32, "rgbxy", mask=mask)
    np.testing.assert_array_equal(X[:, 3:], [[3, 7], [4, 7]])


def test_callable_and_array_features_are_taken_as_they_are(astronaut32):
    depth = np.arange(astronaut32[..., 0].size, dtype=float).reshape(astronaut32.shape[:2])
    np.testing.assert_array_equal(pixel_features(astronaut32, depth)[:, 0], depth.ravel())
    X = pixel_features(astronaut32, lambda im: im[..., :2] * 2.0)
    np.testing.assert_array_equal(X, astronaut32[..., :2].reshape(-1, 2) * 2.0)


def test_input_not_modified(astronaut32):
    before = astronaut32.copy()
    pixel_features(astronaut32, "labxy")
    np.testing.assert_array_equal(astronaut32, before)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(image=np.zeros((4, 4))), ValueError, "use channel_axis=None"),
    (dict(image=np.zeros((4, 4, 3)), features="hsv"), ValueError, "unknown features"),
    (dict(image=np.zeros((4, 4, 4)), features="rgb"), ValueError, "3 colour channels"),
    (dict(image=np.zeros((4, 4, 3)), features="rgbxyz"), ValueError, "3-D volume"),
    (dict(image=np.zeros((4, 4, 3)), mask=np.ones((4, 5), bool)), ValueError, "mask must have"),
    (dict(image=np.zeros((4, 4, 3)), mask=np.zeros((4, 4), bool)), ValueError, "mask selects no pixel"),
    (dict(image=np.full((4, 4, 3), np.nan)), ValueError, "image contains NaN"),
    (dict(image=np.zeros((0, 4, 3))), ValueError, "image is empty"),
    (dict(image=np.zeros((4, 4, 3)), data_range=0), ValueError, "data_range must be > 0"),
    (dict(image=np.zeros((4, 4, 3)), spacing=(1, 2, 3)), ValueError, "spacing must have 2"),
    (dict(image=np.zeros((4, 4, 3)), spatial_scale=-1), ValueError, "spatial_scale must be > 0"),
    (dict(image=np.zeros((4, 4, 3)), channel_axis=5), ValueError, "channel_axis=5 is out of range"),
    (dict(image=np.zeros((4, 4, 3), dtype=complex)), TypeError, "image must be a real-valued"),
    (dict(image=np.zeros((4, 4, 3)), features=np.zeros((4, 3))), ValueError, "features array must have"),
    (dict(image=np.zeros((4, 4, 3)), features=3), ValueError, "features array must have"),
])
def test_bad_input_names_the_argument(kwargs, error, match):
    image = kwargs.pop("image")
    with pytest.raises(error, match=match):
        pixel_features(image, **kwargs)


def test_nan_outside_the_mask_is_allowed():
    img = np.zeros((3, 3, 3))
    img[0, 0] = np.nan
    mask = np.ones((3, 3), bool)
    mask[0, 0] = False
    assert pixel_features(img, "rgb", mask=mask).shape == (8, 3)
