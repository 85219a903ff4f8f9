"""BSDS500 loader, on tiny synthetic copies of the data set's layout (tests bring their own data)."""

import numpy as np
import pytest
import scipy.io
from skimage import io as skio

from classicseg._region_metrics import segmentation_covering
from classicseg.datasets import load_bsds500, read_bsds_boundaries, read_bsds_ground_truth

from conftest import fake_bsds

@pytest.fixture(scope="module")
def tiny_bsds(tmp_path_factory):
    """A BSDS500 layout with 3 train and 2 val images of 6 x 5 pixels, 2 annotators each."""
    root = tmp_path_factory.mktemp("bsds500")
    rng = np.random.default_rng(0)
    truths = {}
    for split, ids in (("train", ("30", "10", "20")), ("val", ("7", "5"))):
        images = {i: rng.integers(0, 256, (6, 5, 3), dtype=np.uint8) for i in ids}
        truths.update(fake_bsds(root, images, split=split))
    return root, truths


def test_synthetic_layout(tmp_path):
    # A smooth image survives JPEG almost unchanged.
    image = np.zeros((6, 5, 3), np.uint8) + np.array([200, 120, 40], np.uint8)
    (tmp_path / "images" / "test").mkdir(parents=True)
    (tmp_path / "groundTruth" / "test").mkdir(parents=True)
    skio.imsave(tmp_path / "images" / "test" / "7.jpg", image, check_contrast=False)
    segs = [np.arange(30, dtype=np.uint16).reshape(6, 5) % 3 + 1, np.ones((6, 5), np.uint16)]
    cells = np.empty((1, 2), dtype=object)
    for k, seg in enumerate(segs):
        cells[0, k] = {"Segmentation": seg, "Boundaries": np.zeros((6, 5), bool)}
    scipy.io.savemat(tmp_path / "groundTruth" / "test" / "7.mat", {"groundTruth": cells})

    (item,) = list(load_bsds500(tmp_path, "test"))
    assert item.id == "7" and item.image.shape == (6, 5, 3)
    assert item.image.dtype == np.uint8
    assert np.abs(item.image.astype(int) - image).max() <= 3  # JPEG is lossy
    assert len(item.gts) == 2
    for gt, seg in zip(item.gts, segs):
        np.testing.assert_array_equal(gt, seg)
    np.testing.assert_array_equal(read_bsds_ground_truth(tmp_path / "groundTruth/test/7.mat")[0],
                                  segs[0])


def test_boundaries_come_as_a_fourth_field(tmp_path):
    (tmp_path / "images" / "test").mkdir(parents=True)
    (tmp_path / "groundTruth" / "test").mkdir(parents=True)
    skio.imsave(tmp_path / "images" / "test" / "7.jpg", np.zeros((4, 3, 3), np.uint8),
                check_contrast=False)
    edges = np.zeros((4, 3), np.uint8)
    edges[1] = 1
    cells = np.empty((1, 1), dtype=object)
    cells[0, 0] = {"Segmentation": np.ones((4, 3), np.uint16), "Boundaries": edges}
    scipy.io.savemat(tmp_path / "groundTruth" / "test" / "7.mat", {"groundTruth": cells})
    (item,) = list(load_bsds500(tmp_path, "test", boundaries=True))
    image_id, image, gts, bdry = item
    assert image_id == "7" and len(gts) == len(bdry) == 1
    assert bdry[0].dtype == bool
    np.testing.assert_array_equal(bdry[0], edges.astype(bool))
    (direct,) = read_bsds_boundaries(tmp_path / "groundTruth" / "test" / "7.mat")
    np.testing.assert_array_equal(direct, bdry[0])
    # Without the flag, callers still unpack three fields.
    assert len(next(load_bsds500(tmp_path, "test"))) == 3


def test_tiny_layout_sizes_order_and_ids(tiny_bsds):
    root, truths = tiny_bsds
    assert [item.id for item in load_bsds500(root, "train")] == ["10", "20", "30"]
    items = list(load_bsds500(root, "val", ids=["7", "5"]))
    assert [item.id for item in items] == ["7", "5"]
    for item in items:
        assert item.image.shape == (6, 5, 3) and item.image.dtype == np.uint8
        assert len(item.gts) == 2
        for gt, truth in zip(item.gts, truths[item.id]):
            assert gt.dtype == np.intp
            np.testing.assert_array_equal(gt, truth)
        assert segmentation_covering(item.gts[:1], item.gts[0]) == 1.0


def test_bad_arguments(tiny_bsds, tmp_path):
    root, _ = tiny_bsds
    with pytest.raises(ValueError, match="split must be one of"):
        load_bsds500(root, "validation")
    with pytest.raises(ValueError, match="root .* has no folder"):
        load_bsds500(tmp_path, "val")
    with pytest.raises(ValueError, match="ids .*'nope'"):
        load_bsds500(root, "val", ids=["5", "nope"])
