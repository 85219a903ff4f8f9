"""The napari plugin in a real viewer (napari's fixture, pytest-qt, Xvfb via pytest-xvfb).

Without napari or a display server these tests skip with the reason; in CI
(``CI=true``) they fail instead, so that a green run always ran them. Each
widget test leaves a screenshot in ``napari-screenshots/`` (ignored by git).
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import classicseg

SCREENSHOTS = Path(__file__).resolve().parents[1] / "napari-screenshots"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")


def _missing_napari():
    try:
        import napari  # noqa: F401
        import pytestqt  # noqa: F401
    except ImportError as exc:
        return f"the napari extra is not installed ({exc}); pip install -e '.[test]'"
    return None


def _missing_display():
    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
            or os.environ.get("QT_QPA_PLATFORM") in ("offscreen", "minimal")):
        return "no display server: install Xvfb (pytest-xvfb starts it) or run under xvfb-run"
    return None


NO_NAPARI = _missing_napari()
REASON = NO_NAPARI or _missing_display()
if REASON and IN_CI:
    pytest.fail(f"CI must run the napari tests: {REASON}", pytrace=False)
napari_installed = pytest.mark.skipif(NO_NAPARI is not None, reason=str(NO_NAPARI))
needs_napari = pytest.mark.skipif(REASON is not None, reason=str(REASON))  # and a display


def test_import_classicseg_loads_neither_the_plugin_nor_napari():
    code = ("import sys, classicseg; classicseg.kmeans_segment; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'napari' "
            "or m.startswith('classicseg.napari') or m.split('.')[0] in ('qtpy', 'magicgui')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@napari_installed
def test_manifest_is_valid_and_lists_the_widgets_and_samples():
    from npe2 import PluginManifest

    manifest = PluginManifest.from_distribution("classicseg")
    manifest.validate_imports()
    widgets = {w.display_name for w in manifest.contributions.widgets}
    assert {"k-means", "Mean shift", "Normalized cut", "Hierarchy"} <= widgets
    samples = {s.key for s in manifest.contributions.sample_data}
    assert samples == {"immunohistochemistry", "blobs_volume"}


# --- helpers for the viewer tests -------------------------------------------------------


def _open_sample(viewer, key):
    viewer.open_sample("classicseg", key)
    return viewer.layers[-1]


def _dock(viewer, widget_class):
    widget = widget_class(viewer)
    viewer.window.add_dock_widget(widget, name=widget_class.__name__)
    widget.reset_choices()
    return widget


def _run(qtbot, widget):
    widget.run()
    qtbot.waitUntil(lambda: not widget.busy, timeout=180_000)


def _screenshot(viewer, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    from skimage.io import imsave

    viewer.window.resize(1240, 760)
    viewer.reset_view()
    imsave(SCREENSHOTS / f"{name}.png", viewer.screenshot(canvas_only=False, flash=False),
           check_contrast=False)


class _Notifications:
    """Error notifications dispatched while the block runs."""

    def __enter__(self):
        from napari.utils.notifications import notification_manager

        self._records = notification_manager.records
        self._start = len(self._records)
        return self

    def __exit__(self, *exc):
        return False

    @property
    def errors(self):
        from napari.utils.notifications import NotificationSeverity

        return [str(n.message) for n in self._records[self._start:]
                if n.severity == NotificationSeverity.ERROR]


@needs_napari
def test_every_widget_opens_from_the_plugins_menu(make_napari_viewer, qtbot):
    from classicseg.napari._hierarchy_widget import HierarchyWidget
    from classicseg.napari._widgets import KMeansWidget, MeanShiftWidget, NcutWidget

    viewer = make_napari_viewer()
    image = _open_sample(viewer, "immunohistochemistry")
    widgets = {}
    for name, cls in [("k-means", KMeansWidget), ("Mean shift", MeanShiftWidget),
                      ("Normalized cut", NcutWidget), ("Hierarchy", HierarchyWidget)]:
        _, widgets[name] = viewer.window.add_plugin_dock_widget("classicseg", name)
        assert isinstance(widgets[name], cls)
        assert widgets[name]._image.value is image  # the image layer is offered at once
    widgets["k-means"]._k.value = 2  # napari hands plugins a proxy of the viewer: it works
    _run(qtbot, widgets["k-means"])
    np.testing.assert_array_equal(viewer.layers["immunohistochemistry k-means"].data,
                                  classicseg.kmeans_segment(image.data, 2, rng=0))


# --- one test per method widget ---------------------------------------------------------


@needs_napari
def test_kmeans_widget_on_the_sample_gives_kmeans_segment_labels(make_napari_viewer, qtbot):
    from classicseg.napari._widgets import KMeansWidget

    viewer = make_napari_viewer(show=True)
    image = _open_sample(viewer, "immunohistochemistry")
    widget = _dock(viewer, KMeansWidget)
    widget._k.value = 5
    widget._features.value = "rgbxy"
    widget._seed.value = 3
    _run(qtbot, widget)
    result = viewer.layers["immunohistochemistry k-means"]
    expected = classicseg.kmeans_segment(image.data, 5, features="rgbxy", rng=3, spacing=(1.0, 1.0))
    assert result.data.shape == (512, 512)
    np.testing.assert_array_equal(result.data, expected)
    np.testing.assert_array_equal(result.scale, image.scale)
    _screenshot(viewer, "kmeans")

    widget._k.value = 3  # a second run updates the same layer
    _run(qtbot, widget)
    assert len(viewer.layers) == 2
    assert viewer.layers["immunohistochemistry k-means"].data.max() == 3


@needs_napari
def test_meanshift_widget_on_the_sample_gives_meanshift_segment_labels(make_napari_viewer,
                                                                         qtbot):
    from classicseg.napari._widgets import MeanShiftWidget

    viewer = make_napari_viewer(show=True)
    image = _open_sample(viewer, "immunohistochemistry")
    widget = _dock(viewer, MeanShiftWidget)
    widget._window.value = 24.0
    widget._min_size.value = 20
    _run(qtbot, widget)
    expected = classicseg.meanshift_segment(image.data, 24.0, min_size=20)
    np.testing.assert_array_equal(viewer.layers["immunohistochemistry mean shift"].data,
                                  expected)
    _screenshot(viewer, "meanshift")


@needs_napari
def test_meanshift_and_kmeans_widgets_segment_an_anisotropic_volume(make_napari_viewer, qtbot):
    from classicseg.napari._widgets import KMeansWidget, MeanShiftWidget

    viewer = make_napari_viewer()
    volume = _open_sample(viewer, "blobs_volume")
    volume.data = volume.data[:16, ::3, ::3]  # keep the test short: (16, 32, 32)
    volume.scale = (2.0, 0.5, 0.5)  # voxels 4x deeper than wide: spacing (4, 1, 1)
    ms = _dock(viewer, MeanShiftWidget)
    ms._window.value = 15.0
    _run(qtbot, ms)
    km = _dock(viewer, KMeansWidget)
    km._k.value = 3
    _run(qtbot, km)
    got = viewer.layers["blobs volume mean shift"]
    np.testing.assert_array_equal(
        got.data, classicseg.meanshift_segment(volume.data, 15.0, channel_axis=None,
                                               spacing=(4.0, 1.0, 1.0)))
    np.testing.assert_array_equal(got.scale, (2.0, 0.5, 0.5))
    np.testing.assert_array_equal(
        viewer.layers["blobs volume k-means"].data,
        classicseg.kmeans_segment(volume.data, 3, channel_axis=None, spacing=(4.0, 1.0, 1.0),
                                  rng=0))


@needs_napari
def test_ncut_widget_gives_ncut_segment_labels(make_napari_viewer, qtbot):
    from classicseg.napari._widgets import NcutWidget

    viewer = make_napari_viewer(show=True)
    sample = _open_sample(viewer, "immunohistochemistry").data
    small = viewer.add_image(sample[::4, ::4], name="ihc 128", rgb=True, scale=(4, 4))
    widget = _dock(viewer, NcutWidget)
    widget._image.value = small
    widget._n_segments.value = 6
    widget._seed.value = 1
    _run(qtbot, widget)
    expected = classicseg.ncut_segment(small.data, 6, rng=1)
    got = viewer.layers["ihc 128 ncut"]
    np.testing.assert_array_equal(got.data, expected)
    np.testing.assert_array_equal(got.scale, (4, 4))
    _screenshot(viewer, "ncut")


# --- bad parameters: a notification with the library's message, and the viewer goes on ----


def _library_message(function, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        function(*args, **kwargs)
    return str(info.value)


@needs_napari
def test_bad_parameters_show_the_library_message_and_the_viewer_goes_on(make_napari_viewer,
                                                                         qtbot):
    from classicseg.napari._widgets import KMeansWidget, MeanShiftWidget, NcutWidget

    viewer = make_napari_viewer()
    volume = _open_sample(viewer, "blobs_volume")
    volume.data = volume.data[:8, :16, :16]
    ms, km, nc = (_dock(viewer, cls) for cls in (MeanShiftWidget, KMeansWidget, NcutWidget))
    cases = [
        (ms, "_window", 0.0, _library_message(classicseg.meanshift_segment, volume.data, 0.0,
                                                channel_axis=None)),
        (km, "_features", "rgbxy", _library_message(classicseg.kmeans_segment, volume.data, 4,
                                                      features="rgbxy", channel_axis=None)),
        (km, "_features", "default", None),  # back to a good value: no notification
        (km, "_k", 5000, _library_message(classicseg.kmeans_segment, volume.data, 5000,
                                            channel_axis=None)),
        (nc, "_radius", 0, _library_message(classicseg.ncut_segment, volume.data, 8, radius=0,
                                              channel_axis=None)),
    ]
    for widget, control, value, message in cases:
        with _Notifications() as notes:
            getattr(widget, control).value = value
            if message is not None:
                _run(qtbot, widget)
        assert notes.errors == ([message] if message else [])
    assert [layer.name for layer in viewer.layers] == ["blobs volume"]

    km._k.value = 2  # fixed: the same widget works again
    _run(qtbot, km)
    assert viewer.layers["blobs volume k-means"].data.max() == 2
    nc._radius.value = 2  # and Ncut segments the volume
    _run(qtbot, nc)
    np.testing.assert_array_equal(
        viewer.layers["blobs volume ncut"].data,
        classicseg.ncut_segment(volume.data, 8, radius=2, channel_axis=None, rng=0))


@needs_napari
def test_a_multiscale_layer_is_refused_with_a_notification(make_napari_viewer, qtbot):
    from classicseg.napari._widgets import KMeansWidget

    viewer = make_napari_viewer()
    base = np.zeros((64, 64), np.uint8)
    viewer.add_image([base, base[::2, ::2]], multiscale=True, name="pyramid")
    widget = _dock(viewer, KMeansWidget)
    with _Notifications() as notes:
        widget.run()
    assert len(notes.errors) == 1 and "multiscale" in notes.errors[0]
    assert widget.worker is None and not widget.busy


# --- the hierarchy: computed once in a worker, cut live by the sliders --------------------


@needs_napari
def test_hierarchy_widget_computes_once_and_the_sliders_recut_as_hierarchy_cut(
        make_napari_viewer, qtbot):
    from classicseg.napari._hierarchy_widget import HierarchyWidget

    viewer = make_napari_viewer(show=True)
    sample = _open_sample(viewer, "immunohistochemistry")
    sample.data = sample.data[::4, ::4]  # 128 x 128 keeps the test short
    widget = _dock(viewer, HierarchyWidget)
    _run(qtbot, widget)
    assert widget.worker.pbar.total == 3  # a progress bar with one step per stage
    h = widget.hierarchy
    expected = classicseg.hierarchical_segment(sample.data)
    np.testing.assert_array_equal(h.parents, expected.parents)
    np.testing.assert_allclose(h.altitudes, expected.altitudes)
    labels = viewer.layers["immunohistochemistry hierarchy"]
    np.testing.assert_array_equal(labels.data, expected.cut(threshold=0.5))
    np.testing.assert_allclose(viewer.layers["immunohistochemistry contours"].data,
                               expected.contour_map())

    counts = []
    for t in (0.2, 0.35, 0.65):  # each slider move re-cuts the stored tree at once
        widget._threshold.value = t
        np.testing.assert_array_equal(labels.data, expected.cut(threshold=t))
        counts.append(len(np.unique(labels.data)))
    assert counts[0] > counts[1] > counts[2]  # a higher threshold merges more

    widget._mode.value = "regions"  # the region slider starts at the cut on show
    assert widget._regions.value == counts[-1] and widget._regions.max == h.n_leaves
    np.testing.assert_array_equal(labels.data, expected.cut(threshold=0.65))
    widget._regions.value = 5
    np.testing.assert_array_equal(labels.data, expected.cut(n_regions=5))
    assert widget.worker is not None and h is widget.hierarchy  # computed once
    _screenshot(viewer, "hierarchy")


@needs_napari
def test_hierarchy_widget_takes_a_labels_layer_as_leaves(make_napari_viewer, qtbot):
    from classicseg.napari._hierarchy_widget import HierarchyWidget
    from classicseg.napari._sample_data import blobs_volume

    viewer = make_napari_viewer()
    image = viewer.add_image(blobs_volume()[0][0][:12, :40, :40], name="vol")
    leaves = classicseg.kmeans_segment(image.data, 6, channel_axis=None, rng=0)
    viewer.add_labels(leaves, name="fine")
    widget = _dock(viewer, HierarchyWidget)
    widget._image.value = image
    widget._leaves.value = viewer.layers["fine"]
    widget._mode.value = "regions"
    widget._regions.value = 4
    _run(qtbot, widget)
    expected = classicseg.hierarchical_segment(image.data, leaves=leaves, channel_axis=None)
    np.testing.assert_array_equal(viewer.layers["vol hierarchy"].data,
                                  expected.cut(n_regions=4))


@needs_napari
def test_hierarchy_widget_shows_the_library_message_for_bad_leaves(make_napari_viewer, qtbot):
    from classicseg.napari._hierarchy_widget import HierarchyWidget

    viewer = make_napari_viewer()
    image = viewer.add_image(np.zeros((20, 30), np.uint8), name="flat")
    viewer.add_labels(np.ones((10, 10), np.intp), name="wrong shape")
    widget = _dock(viewer, HierarchyWidget)
    widget._image.value = image
    widget._leaves.value = viewer.layers["wrong shape"]
    message = _library_message(classicseg.hierarchical_segment, image.data,
                               leaves=np.ones((10, 10), np.intp), channel_axis=None)
    with _Notifications() as notes:
        _run(qtbot, widget)
    assert notes.errors == [message]
    assert widget.hierarchy is None and [layer.name for layer in viewer.layers] == [
        "flat", "wrong shape"]


@needs_napari
def test_hierarchy_widget_offers_every_leaves_of_hierarchical_segment():
    from classicseg.hierarchy import LEAVES
    from classicseg.napari._hierarchy_widget import LEAVES as MENU

    assert [value for _, value in MENU] == list(LEAVES)
