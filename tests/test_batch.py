"""classicseg.batch: many images on threads or a Dask cluster, block-wise k-means on dask arrays."""

import concurrent.futures

import dask.array as da
import numpy as np
import pytest
from distributed import Client, LocalCluster
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from skimage import data, io

from classicseg import batch, kmeans_segment, pixel_features
from classicseg.batch import assign_labels, iter_segments, kmeans_segment_blocks, segment_many

from conftest import block_image


@pytest.fixture(scope="module")
def images():
    """Three small colour images of different shapes and one grayscale image."""
    return [data.astronaut()[::16, ::16].copy(), data.coffee()[::16, ::20].copy(),
            data.chelsea()[::12, ::12].copy(), data.camera()[::16, ::16].copy()]


@pytest.fixture(scope="module")
def image_folder(images, tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    paths = []
    for i, img in enumerate(images):
        paths.append(folder / f"img{i}.png")
        io.imsave(paths[-1], img, check_contrast=False)
    return paths


def serial(images, **params):
    """The reference: one call per image, in a plain loop."""
    return [kmeans_segment(img, channel_axis=None if img.ndim == 2 else -1, **params)
            for img in images]


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded workers on loopback TCP, in this process (fast to start)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://",
                      host="127.0.0.1", dashboard_address="127.0.0.1:0") as lc:
        yield lc


# ---------------------------------------------------------------------------
# segment_many / iter_segments


@pytest.mark.parametrize("scheduler", [None, "threads", "synchronous"])
def test_segment_many_equals_serial_loop(images, scheduler):
    before = [img.copy() for img in images]
    got = segment_many(images, "kmeans", k=3, rng=0, scheduler=scheduler)
    for a, b in zip(got, serial(images, k=3, rng=0)):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.intp
    for img, orig in zip(images, before):
        np.testing.assert_array_equal(img, orig)


def test_segment_many_reads_paths(images, image_folder):
    got = segment_many(image_folder, "kmeans", k=4, rng=1)
    for a, b in zip(got, serial(images, k=4, rng=1)):
        np.testing.assert_array_equal(a, b)


def test_generator_rng_gives_one_seed_per_image_deterministically(images):
    runs = [segment_many(images, "kmeans", k=3, rng=np.random.default_rng(7), scheduler=s)
            for s in ("threads", "synchronous")]
    seeds = np.random.default_rng(7).integers(0, 2**63, size=len(images))
    expected = [kmeans_segment(img, 3, rng=int(seed), channel_axis=None if img.ndim == 2 else -1)
                for img, seed in zip(images, seeds)]
    for run in runs:
        for a, b in zip(run, expected):
            np.testing.assert_array_equal(a, b)


def test_segment_many_takes_an_executor_and_a_callable(images):
    def threshold(image, level):
        return (np.asarray(image).mean(axis=-1) > level).astype(np.intp) if image.ndim == 3 \
            else (image > level).astype(np.intp)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        got = segment_many(images, threshold, level=100, scheduler=pool)
    for a, img in zip(got, images):
        np.testing.assert_array_equal(a, threshold(img, 100))


def test_on_error_return_reports_the_failing_image_and_goes_on(images, image_folder, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image")
    items = [image_folder[0], bad, image_folder[2]]
    out = dict(iter_segments(items, "kmeans", k=2, rng=0, on_error="return"))
    assert isinstance(out[1], OSError) and "broken.png" in str(out[1])
    np.testing.assert_array_equal(out[0], serial(images[:1], k=2, rng=0)[0])
    with pytest.raises(OSError, match="broken.png"):
        segment_many(items, "kmeans", k=2, rng=0)


def test_errors_name_the_argument(images):
    with pytest.raises(ValueError, match="method='watershed'"):
        segment_many(images, "watershed")
    with pytest.raises(ValueError, match="images_or_paths is empty"):
        segment_many([], "kmeans", k=2)
    with pytest.raises(TypeError, match="images_or_paths must be a sequence"):
        segment_many(images[0], "kmeans", k=2)
    with pytest.raises(ValueError, match="scheduler must be one of"):
        segment_many(images, "kmeans", k=2, scheduler="processes")
    with pytest.raises(TypeError, match="scheduler must be"):
        segment_many(images, "kmeans", k=2, scheduler=3)
    with pytest.raises(ValueError, match="on_error"):
        list(iter_segments(images, "kmeans", on_error="ignore", k=2))
    # A bad parameter fails in the method, and the message says which image.
    with pytest.raises(ValueError, match=r"image 0: k must be >= 1"):
        segment_many(images, "kmeans", k=0, scheduler="synchronous")


def test_progress_bar_on_stderr_as_images_complete(images, capsys):
    got = segment_many(images, "kmeans", k=2, rng=0, progress=True)
    err = capsys.readouterr().err
    assert "kmeans" in err and "4/4" in err and "image" in err  # tqdm's bar, on stderr
    for a, b in zip(got, serial(images, k=2, rng=0)):  # the bar changes nothing
        np.testing.assert_array_equal(a, b)
    out = dict(iter_segments(images[:2], "kmeans", k=2, rng=0, scheduler="synchronous",
                             progress={"desc": "my set"}))
    assert sorted(out) == [0, 1] and "my set" in capsys.readouterr().err
    segment_many(images[:2], "kmeans", k=2, rng=0)  # progress=False by default: silent
    assert "2/2" not in capsys.readouterr().err


def test_a_method_parameter_named_method_reaches_the_method(images):
    from classicseg import ncut_segment

    # (5 segments: where k-way and recursive splits differ on this image)
    got = segment_many(images[:1], "ncut", method="kway", n_segments=5, rng=0)
    np.testing.assert_array_equal(got[0], ncut_segment(images[0], 5, method="kway", rng=0))
    assert not np.array_equal(got[0], ncut_segment(images[0], 5, rng=0))


def test_bad_progress_fails_before_any_image(images, monkeypatch):
    def no_work(*args):
        raise AssertionError("an image was segmented")

    monkeypatch.setattr(batch, "segment_one", no_work)
    with pytest.raises(TypeError, match="progress must be True, False or a dict"):
        segment_many(images, "kmeans", k=2, progress="yes", scheduler="synchronous")


def test_resolve_method_table():
    assert batch.resolve_method("kmeans") is kmeans_segment
    assert set(batch.METHODS) == {"kmeans", "meanshift", "ncut"}


# ---------------------------------------------------------------------------
# dask.distributed


def test_local_cluster_gives_the_serial_labels(cluster, images, image_folder):
    expected = serial(images, k=3, rng=0)
    with Client(cluster, timeout="30s") as client:
        from_paths = segment_many(image_folder, "kmeans", k=3, rng=0, scheduler=client)
        from_arrays = segment_many(images, "kmeans", k=3, rng=0, scheduler=client)
        workers = client.scheduler_info()["workers"]
    assert len(workers) == 2
    for a, b, c in zip(from_paths, from_arrays, expected):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, c)


def test_scheduler_address_and_worker_errors(cluster, images, image_folder, tmp_path):
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    missing = tmp_path / "missing.png"
    out = dict(iter_segments([image_folder[1], missing], "kmeans", k=2, rng=3,
                             scheduler=cluster.scheduler_address, on_error="return"))
    np.testing.assert_array_equal(out[0], serial(images[1:2], k=2, rng=3)[0])
    assert isinstance(out[1], OSError) and "missing.png" in str(out[1])


# ---------------------------------------------------------------------------
# Block-wise assignment and k-means on dask arrays


def nearest_center_float64(image, centers, features, **kw):
    """Independent oracle: float64 distances to every centre, argmin, from 1."""
    X = pixel_features(image, features, **kw).astype(np.float64)
    return cdist(X, centers, "sqeuclidean").argmin(axis=1).reshape(X.shape[0]) + 1


def test_block_assignment_equals_in_memory_assignment():
    img = data.astronaut()[::6, ::6]
    kw = dict(spatial_scale=0.7, spacing=(1.5, 0.5))
    labels, info = kmeans_segment(img, 6, "rgbxy", rng=0, return_info=True, **kw)
    in_memory = assign_labels(img, info.centers, "rgbxy", **kw)
    # The fit's own labels belong to its final centres (float32 distances there: near-ties aside).
    assert np.mean(in_memory == labels) > 0.999
    np.testing.assert_array_equal(
        in_memory.ravel(), nearest_center_float64(img, info.centers, "rgbxy", **kw))
    blocks = assign_labels(da.from_array(img, chunks=(13, 29, 2)), info.centers, "rgbxy", **kw)
    assert isinstance(blocks, da.Array) and blocks.chunks[0][0] == 13
    got = blocks.compute()
    assert got.dtype == np.intp
    np.testing.assert_array_equal(got, in_memory)


def test_block_assignment_grayscale_and_channel_first():
    gray = data.camera()[::8, ::8]
    centers = np.array([[30.0, 10, 10], [200, 40, 50], [120, 60, 20]])
    expected = assign_labels(gray, centers, "grayxy", channel_axis=None, start_label=0)
    got = assign_labels(da.from_array(gray, chunks=17), centers, "grayxy", channel_axis=None,
                        start_label=0).compute()
    np.testing.assert_array_equal(got, expected)
    assert expected.min() == 0
    rgb = data.coffee()[::10, ::10]
    first = np.moveaxis(rgb, -1, 0)
    lab_centers = np.array([[30.0, 0, 0], [70, 20, 20], [50, -10, 30]])
    expected = assign_labels(rgb, lab_centers, "lab")
    got = assign_labels(da.from_array(first, chunks=(1, 16, 16)), lab_centers, "lab",
                        channel_axis=0).compute()
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=20, deadline=None)
@given(h=st.integers(3, 30), w=st.integers(3, 30), ch=st.integers(1, 12), cw=st.integers(1, 12),
       k=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_block_assignment_any_chunking(h, w, ch, cw, k, seed):
    rng = np.random.default_rng(seed)
    img = rng.random((h, w, 3)).astype(np.float32)
    centers = rng.uniform(0, 255, size=(k, 5)) * [1, 1, 1, h / 255, w / 255]
    expected = assign_labels(img, centers, "rgbxy")
    got = assign_labels(da.from_array(img, chunks=(ch, cw, 3)), centers, "rgbxy").compute()
    np.testing.assert_array_equal(got, expected)
    assert expected.min() >= 1 and expected.max() <= k


def test_kmeans_segment_blocks_recovers_blocks_and_reads_memmaps(tmp_path):
    img, truth = block_image(shape=(40, 48), channels=3)
    img = np.clip(img, 0, 255).astype(np.uint8)
    path = tmp_path / "big.npy"
    np.save(path, img)
    on_disk = np.load(path, mmap_mode="r")  # stands in for an image larger than memory
    labels, info = kmeans_segment_blocks(on_disk, 4, "rgb", sample_size=300, rng=0,
                                         return_info=True)
    labels = labels.compute()
    assert info.centers.shape == (4, 3) and info.labels.shape == (300,)
    # Every block is one cluster, and the four clusters differ.
    per_block = [np.unique(labels[truth == b]) for b in range(4)]
    assert all(u.size == 1 for u in per_block)
    assert len({int(u[0]) for u in per_block}) == 4
    chunked = kmeans_segment_blocks(da.from_array(img, chunks=(11, 13, 3)), 4, "rgb",
                                    sample_size=300, rng=0).compute()
    np.testing.assert_array_equal(chunked, labels)
    np.testing.assert_array_equal(labels, assign_labels(img, info.centers, "rgb"))


def test_dask_errors_name_the_argument():
    img = da.zeros((10, 10, 3), chunks=5)
    with pytest.raises(TypeError, match="features must be a named feature space"):
        assign_labels(img, np.zeros((2, 3)), lambda x: x)
    with pytest.raises(ValueError, match="centers must have 5 columns"):
        assign_labels(img, np.zeros((2, 3)), "rgbxy")
    with pytest.raises(ValueError, match="centers must have 3 columns"):
        assign_labels(np.zeros((4, 4, 3)), np.zeros((2, 5)), "rgb")
    with pytest.raises(ValueError, match="use channel_axis=None"):
        kmeans_segment_blocks(da.zeros((10, 10), chunks=5), 2)
    with pytest.raises(ValueError, match="sample_size must be >= 1"):
        kmeans_segment_blocks(img, 2, sample_size=0)
    with pytest.raises(ValueError, match="k must be <= 50"):
        kmeans_segment_blocks(img, 60, sample_size=50)
    with pytest.raises(ValueError, match="centers contains NaN"):
        assign_labels(img, np.full((2, 3), np.nan), "rgb")
