"""The classicseg command line: segment, evaluate, --help, errors, progress."""

import inspect
import subprocess
import sys
import warnings

import numpy as np
import pytest
import tifffile
from skimage import data
from skimage import io as skio

from classicseg import kmeans_segment
from classicseg import batch
from classicseg.cli import OPTIONS, main, method_parameters
from classicseg.metrics import region_benchmark
from conftest import BSDS_BENCH, fake_bsds, needs_bsds_bench


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two colour PNGs and a grayscale one, small."""
    root = tmp_path_factory.mktemp("in")
    images = {"astro": data.astronaut()[::16, ::16], "coffee": data.coffee()[::16, ::20],
              "camera": data.camera()[::16, ::16]}
    for name, img in images.items():
        skio.imsave(root / f"{name}.png", img, check_contrast=False)
    return root, images


def expected_labels(img, **params):
    return kmeans_segment(img, channel_axis=None if img.ndim == 2 else -1, **params)


def test_help_on_every_command(capsys):
    for argv, words in ((["--help"], ("segment", "evaluate")),
                        (["segment", "--help"], ("--method", "--overlay", "--format", "tif")),
                        (["evaluate", "--help"], ("PRED_DIR", "--bsds", "ODS"))):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert all(w in out for w in words), (argv, out)


def test_module_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "classicseg.cli", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "classicseg" in proc.stdout


def test_segment_folder_writes_one_label_image_per_input(folder, tmp_path, capsys):
    root, images = folder
    out = tmp_path / "out"
    assert main(["segment", str(root), "--k", "3", "--rng", "0", "--out", str(out)]) == 0
    for name, img in images.items():
        got = skio.imread(out / f"{name}.png")
        assert got.dtype == np.uint16
        np.testing.assert_array_equal(got, expected_labels(img, k=3, rng=0))
    captured = capsys.readouterr()
    assert "3 of 3 images segmented" in captured.out
    assert "kmeans" in captured.err and "3/3" in captured.err  # tqdm's progress bar
    assert not list(out.glob(".*"))  # no temporary file left


@pytest.mark.parametrize("fmt", ["npy", "tif"])
def test_formats_and_overlay(folder, tmp_path, fmt):
    root, images = folder
    out = tmp_path / "out"
    status = main(["segment", str(root / "astro.png"), str(root / "camera.png"), "--format", fmt,
                   "--k", "4", "--features", "rgb", "--rng", "1", "--out", str(out), "--overlay",
                   "--quiet", "--scheduler", "synchronous"])
    assert status == 1  # "rgb" does not fit the grayscale image: reported and skipped
    got = np.load(out / "astro.npy") if fmt == "npy" else tifffile.imread(out / "astro.tif")
    np.testing.assert_array_equal(got, expected_labels(images["astro"], k=4, features="rgb",
                                                       rng=1))
    overlay = skio.imread(out / "overlays" / "astro.png")
    assert overlay.shape == images["astro"].shape and overlay.dtype == np.uint8
    assert (overlay != images["astro"]).any(axis=-1).sum() > 0  # boundaries drawn
    assert not (out / f"camera.{fmt}").exists() and not (out / "overlays" / "camera.png").exists()


def test_failing_image_is_reported_skipped_and_exit_status_is_1(folder, tmp_path, capsys):
    root, images = folder
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG but not really")
    out = tmp_path / "out"
    status = main(["segment", str(root / "coffee.png"), str(broken), "--k", "2", "--out",
                   str(out)])
    assert status == 1
    captured = capsys.readouterr()
    assert "broken.png" in captured.err and "cannot read image" in captured.err
    assert "1 of 2 images segmented" in captured.out and "1 failed" in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["coffee.png"]


@pytest.mark.parametrize("argv, message", [
    (["--k", "0"], "--k: must be > 0"),
    (["--k", "two"], "--k: expected an integer"),
    (["--window", "-1", "--method", "meanshift"], "--window: must be > 0"),
    (["--window", "21"], "--window applies to --method meanshift"),
    (["--n-segments", "3", "--method", "kmeans"], "--n-segments applies to --method ncut"),
    (["--method", "watershed"], "invalid choice: 'watershed'"),
    (["--format", "jpg"], "invalid choice: 'jpg'"),
    (["--rng", "-2"], "--rng: must be >= 0"),
    (["--tol", "0.1", "--method", "ncut"], "--tol applies to --method kmeans, meanshift, not ncut"),
    (["--window", "41,21,3", "--method", "meanshift"], "expected W or SPATIAL,RANGE"),
    (["--window", "41,x", "--method", "meanshift"], "--window: expected a number, got 'x'"),
    (["--window", "41,21", "--features", "rgb", "--method", "meanshift"],
     "needs features with position"),
    (["--channel-axis", "last"], "--channel-axis: expected an integer"),
    (["--start-label", "2"], "invalid choice: 2"),
    (["--share-trajectories", "maybe", "--method", "meanshift"], "expected a number"),
    (["--ncut-method", "kway", "--method", "ncut"], "kway needs --n-segments"),
    (["--min-split-size", "0", "--method", "ncut"], "--min-split-size: must be > 0"),
    (["--min-split-size", "3", "--method", "kmeans"], "--min-split-size applies to --method ncut"),
    (["--sigma-color", "nan", "--method", "ncut"], "--sigma-color: must be finite"),
    (["--scheduler", "processes"], "scheduler must be one of"),
])
def test_bad_options_exit_2_with_a_message(folder, tmp_path, capsys, argv, message):
    root, _ = folder
    with pytest.raises(SystemExit) as exit_:
        main(["segment", str(root), "--out", str(tmp_path / "o"), *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_paths_and_output_folder(folder, tmp_path, capsys):
    root, _ = folder
    (tmp_path / "empty").mkdir()
    not_a_dir = tmp_path / "file.txt"
    not_a_dir.write_text("x")
    cases = [([str(tmp_path / "nope.png"), "--out", str(tmp_path / "o")], "does not exist"),
             ([str(tmp_path / "empty"), "--out", str(tmp_path / "o")], "holds no image"),
             ([str(root), "--out", str(not_a_dir)], "cannot be written"),
             ([str(root), "--out", str(not_a_dir / "sub")], "cannot be written")]
    for argv, message in cases:
        with pytest.raises(SystemExit) as exit_:
            main(["segment", *argv])
        assert exit_.value.code == 2
        assert message in capsys.readouterr().err


def test_same_name_from_two_folders_is_refused(folder, tmp_path, capsys):
    root, images = folder
    other = tmp_path / "other"
    other.mkdir()
    skio.imsave(other / "astro.png", images["astro"], check_contrast=False)
    with pytest.raises(SystemExit):
        main(["segment", str(root), str(other), "--out", str(tmp_path / "o")])
    assert "astro.png" in capsys.readouterr().err


def test_evaluate_prints_the_region_benchmark_of_a_sweep(tmp_path, capsys):
    images = {"1": data.astronaut()[::16, ::16], "2": data.coffee()[::16, ::20]}
    truths = fake_bsds(tmp_path / "bsds", images)
    for k in (2, 5):
        for image_id, img in images.items():
            (tmp_path / "pred" / str(k)).mkdir(parents=True, exist_ok=True)
            skio.imsave(tmp_path / "pred" / str(k) / f"{image_id}.png",
                        expected_labels(img, k=k, rng=0).astype(np.uint16), check_contrast=False)
    assert main(["evaluate", str(tmp_path / "pred"), "--bsds", str(tmp_path / "bsds")]) == 0
    out, err = capsys.readouterr()
    assert "region benchmark" in err and "2/2" in err  # the progress bar
    bench = region_benchmark(
        ((truths[i], [expected_labels(images[i], k=k, rng=0) for k in (2, 5)]) for i in images),
        params=(2, 5))
    assert "(2 images)" in out
    assert f"| 5 | {bench.covering[1]:.3f} | {bench.pri[1]:.3f} | {bench.vi[1]:.3f} |" in out
    assert f"| OIS | {bench.covering_ois:.3f} | {bench.pri_ois:.3f} | {bench.vi_ois:.3f} |" in out
    # A single folder is one parameter: ODS and OIS coincide.
    assert main(["evaluate", str(tmp_path / "pred" / "5"), "--bsds",
                 str(tmp_path / "bsds"), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "2/2" not in err
    assert f"| ODS | {bench.covering[1]:.3f} (5) |" in out
    assert f"| OIS | {bench.covering[1]:.3f} |" in out


def test_evaluate_errors(tmp_path, capsys):
    fake_bsds(tmp_path / "bsds", {"1": data.astronaut()[::16, ::16]})
    (tmp_path / "pred" / "a").mkdir(parents=True)
    (tmp_path / "pred" / "b").mkdir(parents=True)
    labels = np.ones((32, 32), np.uint16)
    skio.imsave(tmp_path / "pred" / "a" / "1.png", labels, check_contrast=False)
    skio.imsave(tmp_path / "pred" / "b" / "9.png", labels, check_contrast=False)
    cases = [(tmp_path / "pred", "do not hold the same images"),
             (tmp_path / "pred" / "b", "ground truth"),
             (tmp_path / "nothing", "is not a folder")]
    for pred, message in cases:
        with pytest.raises(SystemExit) as exit_:
            main(["evaluate", str(pred), "--bsds", str(tmp_path / "bsds")])
        assert exit_.value.code == 2
        assert message in capsys.readouterr().err


def test_nothing_half_written_when_a_write_fails(folder, tmp_path, monkeypatch, capsys):
    import classicseg._io as io_module

    root, _ = folder

    def fail_midway(array, file, fmt):
        with open(file, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(io_module, "_encode", fail_midway)
    out = tmp_path / "out"
    assert main(["segment", str(root / "astro.png"), "--k", "2", "--out", str(out)]) == 1
    assert list(out.iterdir()) == []  # neither the label image nor its temporary file
    assert "disk full" in capsys.readouterr().err


def test_a_failed_overlay_removes_its_label_image(folder, tmp_path, monkeypatch, capsys):
    import classicseg.cli as cli_module

    root, _ = folder

    def broken_overlay(image, labels, path):
        raise ValueError("cannot draw")

    monkeypatch.setattr(cli_module, "write_overlay", broken_overlay)
    out = tmp_path / "out"
    assert main(["segment", str(root / "coffee.png"), "--k", "2", "--out", str(out),
                 "--overlay"]) == 1
    assert not (out / "coffee.png").exists()
    assert "cannot draw" in capsys.readouterr().err


def test_scheduler_address_runs_on_a_local_cluster(folder, tmp_path):
    from distributed import LocalCluster

    root, images = folder
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://",
                      host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster:
        status = main(["segment", str(root), "--k", "3", "--rng", "2", "--out",
                       str(tmp_path / "out"), "--scheduler", cluster.scheduler_address,
                       "--quiet"])
    assert status == 0
    for name, img in images.items():
        np.testing.assert_array_equal(skio.imread(tmp_path / "out" / f"{name}.png"),
                                      expected_labels(img, k=3, rng=2))


def test_unreachable_scheduler_is_a_usage_error(folder, tmp_path, capsys):
    import dask

    root, _ = folder
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(SystemExit) as exit_:
            main(["segment", str(root), "--out", str(tmp_path / "o"), "--quiet",
                  "--scheduler", "tcp://127.0.0.1:1"])
    assert exit_.value.code == 2
    assert "classicseg segment: error:" in capsys.readouterr().err


def test_rgba_and_16_bit_inputs(tmp_path):
    rgb = data.coffee()[::16, ::20]
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    deep = rgb.astype(np.uint16) * 257  # the same image in 16 bits
    skio.imsave(tmp_path / "rgba.png", rgba, check_contrast=False)
    np.save(tmp_path / "deep.npy", deep)
    out = tmp_path / "out"
    assert main(["segment", str(tmp_path / "rgba.png"), str(tmp_path / "deep.npy"), "--k", "3",
                 "--rng", "0", "--out", str(out), "--overlay", "--quiet"]) == 0
    assert skio.imread(out / "overlays" / "rgba.png").shape == rgb.shape
    # data_range follows the dtype: 16-bit pixels give the 8-bit image's labels.
    np.testing.assert_array_equal(skio.imread(out / "deep.png"),
                                  expected_labels(rgb, k=3, rng=0))


def test_min_size_is_passed_to_the_method(folder, tmp_path):
    root, images = folder
    out = tmp_path / "out"
    assert main(["segment", str(root / "astro.png"), "--k", "5", "--min-size", "12", "--rng", "0",
                 "--out", str(out), "--quiet"]) == 0
    expected = expected_labels(images["astro"], k=5, rng=0, min_size=12)
    np.testing.assert_array_equal(skio.imread(out / "astro.png"), expected)
    assert not np.array_equal(expected, expected_labels(images["astro"], k=5, rng=0))


def test_ncut_without_n_segments_segments_fused_regions(tmp_path):
    from test_ncut import agreement, two_regions

    img, truth = two_regions((48, 64))
    skio.imsave(tmp_path / "halves.png", img.clip(0, 255).astype(np.uint8), check_contrast=False)
    out = tmp_path / "out"
    assert main(["segment", str(tmp_path / "halves.png"), "--method", "ncut", "--rng", "0",
                 "--out", str(out), "--quiet"]) == 0
    labels = skio.imread(out / "halves.png")
    assert len(np.unique(labels)) == 2 and agreement(labels, truth) >= 0.95


def boundary_bsds(root, truths):
    """A BSDS500 layout whose annotators' Boundaries are given (Segmentation: ones)."""
    import scipy.io

    (root / "images" / "val").mkdir(parents=True)
    (root / "groundTruth" / "val").mkdir(parents=True)
    for image_id, maps in truths.items():
        h, w = maps[0].shape
        skio.imsave(root / "images" / "val" / f"{image_id}.jpg", np.zeros((h, w, 3), np.uint8),
                    check_contrast=False)
        cells = np.empty((1, len(maps)), dtype=object)
        for a, bdry in enumerate(maps):
            cells[0, a] = {"Segmentation": np.ones((h, w), np.uint16), "Boundaries": bdry}
        scipy.io.savemat(root / "groundTruth" / "val" / f"{image_id}.mat", {"groundTruth": cells})


def test_evaluate_boundary_maps_and_segmentations(tmp_path, capsys):
    from classicseg.metrics import boundaries

    labels = np.ones((12, 12), np.uint16)
    labels[6:] = 2
    human = boundaries(labels)                      # row 5
    boundary_bsds(tmp_path / "bsds", {"1": [human], "2": [human, human]})
    maps = tmp_path / "maps"
    maps.mkdir()
    soft = np.zeros((12, 12), np.uint8)
    soft[5] = 255                                   # on the human boundary
    soft[1] = 100                                   # 0.39: kept at low thresholds only
    for image_id in ("1", "2"):
        skio.imsave(maps / f"{image_id}.png", soft, check_contrast=False)
    assert main(["evaluate", str(maps), "--bsds", str(tmp_path / "bsds"), "--boundary",
                 "--thresholds", "3", "--out", str(tmp_path / "res")]) == 0
    out, err = capsys.readouterr()
    assert "boundary benchmark" in err and "2/2" in err  # the progress bar
    # t = 0.25: 24 machine pixels, 12 matched; t = 0.5, 0.75: 12 of 12.
    assert "(2 images, 3 thresholds)" in out
    assert "| ODS | 1.0000 | 1.0000 | 1.0000 |" in out
    assert "| 0.25 | 0.667 | 1.000 | 0.500 |" in out
    thr = np.loadtxt(tmp_path / "res" / "eval_bdry_thr.txt")
    np.testing.assert_allclose(thr, [[0.25, 1, 0.5, 2 / 3], [0.5, 1, 1, 1], [0.75, 1, 1, 1]],
                               atol=1e-6)
    assert np.loadtxt(tmp_path / "res" / "eval_bdry_img.txt").shape == (2, 5)
    assert np.loadtxt(tmp_path / "res" / "eval_bdry.txt").shape == (8,)

    # Sub-folders of segmentations: one threshold each, reported as 1..n.
    for name, seg in (("a", labels), ("b", np.ones((12, 12), np.uint16))):
        (tmp_path / "segs" / name).mkdir(parents=True)
        for image_id in ("1", "2"):
            skio.imsave(tmp_path / "segs" / name / f"{image_id}.png", seg, check_contrast=False)
    assert main(["evaluate", str(tmp_path / "segs"), "--bsds", str(tmp_path / "bsds"),
                 "--boundary"]) == 0
    out = capsys.readouterr().out
    assert "(2 images, 2 segmentations)" in out
    assert "| a | 1.000 | 1.000 | 1.000 |" in out and "| b | 0.000 | 0.000 | 0.000 |" in out
    assert (tmp_path / "segs" / "eval_bdry.txt").is_file()


def test_evaluate_boundary_errors(tmp_path, capsys):
    boundary_bsds(tmp_path / "bsds", {"1": [np.eye(8, dtype=bool)]})
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad").mkdir()
    np.save(tmp_path / "bad" / "1.npy", np.full((8, 8), 2.0))
    for pred, message in ((tmp_path / "empty", "holds no boundary map"),
                          (tmp_path / "bad", "[0, 1]")):
        with pytest.raises(SystemExit) as exit_:
            main(["evaluate", str(pred), "--bsds", str(tmp_path / "bsds"), "--boundary"])
        assert exit_.value.code == 2
        assert message in capsys.readouterr().err


@needs_bsds_bench
def test_evaluate_boundary_writes_the_official_files(tmp_path, capsys):
    for kind in ("images", "groundTruth"):
        (tmp_path / "root" / kind).mkdir(parents=True)
        (tmp_path / "root" / kind / "test").symlink_to(BSDS_BENCH / kind)
    assert main(["evaluate", str(BSDS_BENCH / "ucm2"), "--bsds", str(tmp_path / "root"), "--split",
                 "test", "--boundary", "--thresholds", "5", "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    for name in ("eval_bdry.txt", "eval_bdry_thr.txt", "eval_bdry_img.txt"):
        ours, official = np.loadtxt(tmp_path / "out" / name), np.loadtxt(BSDS_BENCH / "test_1" / name)
        np.testing.assert_allclose(ours, official, rtol=0, atol=0.002, err_msg=name)


def test_hierarchy_cut_and_contour_maps(folder, tmp_path, capsys):
    from classicseg import hierarchical_segment

    root, images = folder
    out = tmp_path / "out"
    assert main(["segment", str(root), "--method", "hierarchy", "--n-regions", "4",
                 "--contours", "--out", str(out), "--quiet"]) == 0
    for name, img in images.items():
        h = hierarchical_segment(img, channel_axis=None if img.ndim == 2 else -1)
        got = skio.imread(out / f"{name}.png")
        np.testing.assert_array_equal(got, h.cut(n_regions=min(4, h.n_leaves)))
        contours = skio.imread(out / "contours" / f"{name}.png")
        assert contours.dtype == np.uint8 and contours.shape == img.shape[:2]
        np.testing.assert_array_equal(contours, np.round(255 * h.contour_map()))
    assert main(["segment", str(root / "astro.png"), "--method", "hierarchy", "--threshold",
                 "0.3", "--out", str(out), "--quiet"]) == 0
    h = hierarchical_segment(images["astro"])
    np.testing.assert_array_equal(skio.imread(out / "astro.png"), h.cut(0.3))
    for argv, message in ((["--n-regions", "3", "--threshold", "0.5"], "only one of"),
                          (["--k", "3"], "applies to --method kmeans"),
                          (["--window", "21"], "applies to --method meanshift")):
        with pytest.raises(SystemExit):
            main(["segment", str(root), "--method", "hierarchy", *argv, "--out", str(out)])
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["segment", str(root), "--contours", "--out", str(out)])
    assert "--contours applies to --method hierarchy" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Every parameter of the methods is an option, parsed once, passed as it is.

# Option -> (its text on the command line, the value the method must receive).
SAMPLES = {
    "k": ("5", 5), "window": ("41,21", (41.0, 21.0)), "n_segments": ("3", 3),
    "features": ("labxy", "labxy"), "spatial_scale": ("0.5", 0.5),
    "spacing": ("1,2.5", (1.0, 2.5)), "data_range": ("4095", 4095.0),
    "channel_axis": ("none", None), "init": ("k-means++", "k-means++"), "n_init": ("3", 3),
    "tol": ("0.01", 0.01), "max_iter": ("7", 7), "share_trajectories": ("yes", True),
    "climb_stride": ("2", 2),
    "assign": ("nearest", "nearest"), "radius": ("2", 2), "sigma_color": ("12", 12.0),
    "sigma_space": ("3", 3.0), "thresh": ("0.05", 0.05), "method": ("kway", "kway"),
    "leaves": ("kmeans", "kmeans"), "threshold": ("0.3", 0.3), "n_regions": ("4", 4),
    "min_size": ("6", 6), "min_split_size": ("5", 5), "rng": ("9", 9), "start_label": ("0", 0),
    "superpixel_graph": ("quotient", "quotient"), "sigma_edge": ("15", 15.0),
}


def test_hierarchy_on_contour_leaves(folder, tmp_path):
    from classicseg import contour_hierarchy

    root, images = folder
    assert main(["segment", str(root / "coffee.png"), "--method", "hierarchy", "--leaves",
                 "contours", "--format", "npy", "--out", str(tmp_path), "--quiet"]) == 0
    expected = contour_hierarchy(images["coffee"]).cut(0.5)
    np.testing.assert_array_equal(np.load(tmp_path / "coffee.npy"), expected)


def test_every_parameter_of_every_method_has_one_option(capsys):
    from classicseg import hierarchical_segment, kmeans_segment, meanshift_segment, ncut_segment
    from classicseg.hierarchy import Hierarchy

    not_options = {"image", "mask", "superpixels", "return_info", "self"}
    used = set()
    for method, functions in (("kmeans", [kmeans_segment]), ("meanshift", [meanshift_segment]),
                              ("ncut", [ncut_segment]),
                              ("hierarchy", [hierarchical_segment, Hierarchy.cut])):
        names = {n for f in functions for n in inspect.signature(f).parameters} - not_options
        assert set(method_parameters(method)) == names
        assert names <= set(OPTIONS), (method, names - set(OPTIONS))
        used |= names
    assert used == set(OPTIONS) == set(SAMPLES)  # no option left over from an old API
    with pytest.raises(SystemExit):
        main(["segment", "--help"])
    text = capsys.readouterr().out
    for flag in ("--window", "--spatial-scale", "--thresh", "--sigma-color", "--sigma-space",
                 "--radius", "--channel-axis", "--data-range", "--ncut-method", "--leaves"):
        assert flag in text


@pytest.mark.parametrize("method, left_out", [("kmeans", ()), ("meanshift", ()), ("ncut", ()),
                                              ("hierarchy", ("n_regions",)),
                                              ("hierarchy", ("threshold",))])
def test_each_option_reaches_the_method_as_parsed(folder, tmp_path, monkeypatch, capsys,
                                                  method, left_out):
    root, _ = folder
    calls = []

    def spy(image, **params):
        calls.append(params)
        return np.ones(np.shape(image)[:2], np.intp)

    monkeypatch.setattr(batch, "resolve_method", lambda method: spy)
    names = [n for n in method_parameters(method) if n not in left_out]
    argv = ["segment", str(root / "astro.png"), "--method", method, "--out", str(tmp_path),
            "--quiet"]
    for name in names:
        argv += ["--ncut-method" if name == "method" else "--" + name.replace("_", "-"),
                 SAMPLES[name][0]]
    argv += ["--rng", "9"]  # accepted by every method: a loop over methods needs no case
    assert main(argv) == 0
    expected = {name: SAMPLES[name][1] for name in names}
    if method == "hierarchy":
        expected["contours"] = False
    assert calls == [expected]
    err = capsys.readouterr().err
    assert ("--rng is ignored" in err) == (method in ("meanshift", "hierarchy"))


def test_options_give_the_labels_of_the_library_call(folder, tmp_path, capsys):
    from classicseg import hierarchical_segment, meanshift_segment, ncut_segment

    root, images = folder
    img = images["astro"]
    cases = [
        (["--k", "3", "--features", "labxy", "--spatial-scale", "0.5", "--init", "k-means++",
          "--n-init", "2", "--tol", "0.1", "--max-iter", "20", "--min-size", "4", "--rng", "3",
          "--start-label", "0"],
         kmeans_segment(img, 3, features="labxy", spatial_scale=0.5, init="k-means++", n_init=2, tol=0.1,
                        max_iter=20, min_size=4, rng=3, start_label=0),
         kmeans_segment(img, 3, rng=3)),
        (["--method", "meanshift", "--window", "9,17", "--features", "rgbxy", "--assign",
          "nearest", "--rng", "1"],
         meanshift_segment(img, (9, 17), features="rgbxy", assign="nearest"), meanshift_segment(img)),
        (["--method", "ncut", "--n-segments", "3", "--radius", "2", "--sigma-color", "30",
          "--sigma-space", "3", "--ncut-method", "kway", "--rng", "0"],
         ncut_segment(img, 3, radius=2, sigma_color=30, sigma_space=3, method="kway", rng=0),
         ncut_segment(img, 3, rng=0)),
        (["--method", "hierarchy", "--leaves", "kmeans", "--threshold", "0.3", "--data-range",
          "300", "--start-label", "0"],
         hierarchical_segment(img, leaves="kmeans", data_range=300).cut(0.3, start_label=0),
         hierarchical_segment(img).cut(0.3)),
    ]
    for i, (options, expected, with_defaults) in enumerate(cases):
        out = tmp_path / str(i)
        assert main(["segment", str(root / "astro.png"), "--format", "npy", "--out", str(out),
                     "--quiet", *options]) == 0
        np.testing.assert_array_equal(np.load(out / "astro.npy"), expected)
        assert not np.array_equal(expected, with_defaults)  # the options changed something
    assert "note: --rng is ignored: --method meanshift is deterministic" in capsys.readouterr().err


def test_channel_axis_none_reads_a_3d_npy_as_a_volume(tmp_path):
    rng = np.random.default_rng(0)
    volume = np.zeros((6, 8, 10), np.uint8)
    volume[3:] = 200
    volume += rng.integers(0, 20, volume.shape, dtype=np.uint8)
    np.save(tmp_path / "vol.npy", volume)
    volume_labels = kmeans_segment(volume, 2, channel_axis=None, rng=0)
    with pytest.warns(UserWarning, match="more than any colour model"):
        image_labels = kmeans_segment(volume, 2, rng=0)  # an image of 10 channels
    for extra, expected in ((["--channel-axis", "none"], volume_labels), ([], image_labels)):
        out = tmp_path / f"out{len(extra)}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert main(["segment", str(tmp_path / "vol.npy"), "--k", "2", "--rng", "0",
                         "--format", "npy", "--out", str(out), "--quiet", *extra]) == 0
        np.testing.assert_array_equal(np.load(out / "vol.npy"), expected)
    assert volume_labels.shape == (6, 8, 10) and image_labels.shape == (6, 8)


def test_bad_option_is_one_error_before_any_image_is_read(folder, tmp_path, monkeypatch, capsys):
    root, _ = folder

    def no_read(path):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(batch, "read_image", no_read)
    for argv, message in ((["--features", "rbg"], "unknown features='rbg'"),
                          (["--method", "ncut", "--ncut-method", "kway"], "needs --n-segments")):
        with pytest.raises(SystemExit) as exit_:
            main(["segment", str(root), "--out", str(tmp_path / "o"), *argv])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert err.count(message) == 1 and err.count("error") == 1, err
    assert not (tmp_path / "o").exists()


def test_progress_on_stderr_unless_quiet(folder, tmp_path, capsys):
    root, _ = folder
    argv = ["segment", str(root), "--k", "2", "--rng", "0", "--out", str(tmp_path)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "3/3" in captured.err and "3/3" not in captured.out
    assert main([*argv, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "3/3" not in captured.err and "3 of 3 images segmented" in captured.out
