"""One napari widget per segmentation method; results become Labels layers.

Each widget reads its parameters on the main thread, runs the library call in
a worker thread (the kernels release the GIL, so the viewer stays live) and
puts the labels in a Labels layer named after the image, with the image's
scale and translation so that the two overlay. A ``ValueError``,
``TypeError`` or ``MemoryError`` raised by the library's input checks is shown
as a napari error notification carrying the library's message; the viewer
carries on.
"""

from functools import partial

import napari
import numpy as np
from magicgui.widgets import ComboBox, Container, FloatSpinBox, PushButton, SpinBox, create_widget
from napari.qt.threading import create_worker
from napari.utils.notifications import show_error, show_info

from .. import kmeans_segment, meanshift_segment, ncut_segment

# "default" leaves features=None: colour plus position for the image at hand.
FEATURES = ("default", "rgb", "rgbxy", "lab", "labxy", "gray", "grayxy", "color", "colorxy")
RECOVERABLE = (ValueError, TypeError, MemoryError)  # what the library's checks raise


def image_input(layer):
    """The array of an Image layer and the arguments that describe it.

    Returns ``(data, channel_axis, spacing)``: ``channel_axis`` is -1 for an
    RGB(A) layer and None otherwise (a 3-D grey layer is a volume);
    ``spacing`` is the layer's scale divided by its smallest entry, so that
    a window or a radius keeps counting pixels along the finest axis.
    """
    if layer.multiscale:
        raise ValueError(f"image layer {layer.name!r} is multiscale; add one of its levels "
                         "as a layer of its own and segment that")
    scale = np.abs(np.asarray(layer.scale, dtype=float))
    spacing = tuple((scale / scale.min()).tolist()) if scale.min() > 0 else None
    return np.asarray(layer.data), (-1 if layer.rgb else None), spacing


def chosen_image(layer):
    """:func:`image_input` of the chosen layer, or None after a notification saying why not."""
    if layer is None:
        show_info("Add an image layer first (File > Open Sample > classicseg)")
        return None
    try:
        return image_input(layer)
    except RECOVERABLE as exc:
        show_error(str(exc))
        return None


def show_labels(viewer, name, labels, scale, translate):
    """Put ``labels`` into the Labels layer ``name``, adding it when missing."""
    if name in viewer.layers and isinstance(viewer.layers[name], napari.layers.Labels):
        layer = viewer.layers[name]
        layer.data = labels
    else:
        layer = viewer.add_labels(labels, name=name, scale=scale, translate=translate)
    return layer


def features_choice(value="default"):
    return ComboBox(choices=FEATURES, value=value, label="features",
                    tooltip="feature space; default: colour + position")


def seed_box():
    return SpinBox(value=0, min=0, max=2**31 - 1, label="seed", tooltip="rng seed")


def guarded(call):
    """Run ``call`` in a worker: ``(result, None)``, or ``(None, error)`` for a rejected input.

    An error of any other kind (a bug) still raises, and napari's worker
    shows it with its traceback.
    """
    try:
        return call(), None
    except RECOVERABLE as exc:
        return None, exc


class SegmentWidget(Container):
    """Image choice, a method's parameters and a button; subclasses name the method.

    Subclasses set ``method`` (the label in layer names) and implement
    ``call(data, channel_axis, spacing)``, which reads the parameters and
    returns a function of no argument that segments.
    """

    method = ""

    def __init__(self, napari_viewer, controls):
        self._viewer = napari_viewer
        self._image = create_widget(annotation=napari.layers.Image, label="image")
        self._run = PushButton(text="Segment")
        self.worker = None
        self.busy = False
        super().__init__(widgets=[self._image, *controls, self._run])
        self._run.changed.connect(self.run)

    def call(self, data, channel_axis, spacing):
        raise NotImplementedError

    def run(self):
        """Segment the chosen image in a worker thread (``busy`` until it ends)."""
        layer = self._image.value
        image = chosen_image(layer)
        if image is None:
            return
        call = self.call(*image)
        name = f"{layer.name} {self.method}"
        done = partial(self._show, name, np.array(layer.scale), np.array(layer.translate))
        self.busy = True
        self._run.enabled = False
        self.worker = create_worker(guarded, call, _progress={"desc": self.method},
                                    _start_thread=False, _ignore_errors=True)
        self.worker.returned.connect(done)
        self.worker.finished.connect(self._finished)
        self.worker.start()

    def _show(self, name, scale, translate, result):
        labels, exc = result
        if exc is not None:
            show_error(str(exc))
        else:
            show_labels(self._viewer, name, labels, scale, translate)

    def _finished(self):
        self.busy = False
        self._run.enabled = True


class KMeansWidget(SegmentWidget):
    """k-means over pixel features (:func:`classicseg.kmeans_segment`); 2-D or 3-D."""

    method = "k-means"

    def __init__(self, napari_viewer: "napari.viewer.Viewer"):
        self._k = SpinBox(value=4, min=1, max=10**6, label="k", tooltip="number of clusters")
        self._features = features_choice()
        self._spatial_scale = FloatSpinBox(value=1.0, min=0.0, max=100.0, step=0.1,
                                           label="spatial scale")
        self._min_size = SpinBox(value=0, min=0, max=10**9, label="min size",
                                 tooltip="merge connected regions smaller than this (pixels)")
        self._seed = seed_box()
        super().__init__(napari_viewer, [self._k, self._features, self._spatial_scale,
                                         self._min_size, self._seed])

    def call(self, data, channel_axis, spacing):
        features = None if self._features.value == "default" else self._features.value
        return partial(kmeans_segment, data, self._k.value, features=features,
                       spatial_scale=self._spatial_scale.value, spacing=spacing,
                       channel_axis=channel_axis, min_size=self._min_size.value,
                       rng=self._seed.value)


class MeanShiftWidget(SegmentWidget):
    """Flat-window mean shift (:func:`classicseg.meanshift_segment`); 2-D or 3-D."""

    method = "mean shift"

    def __init__(self, napari_viewer: "napari.viewer.Viewer"):
        self._window = FloatSpinBox(value=21.0, min=0.0, max=1000.0, step=1.0, label="window",
                                    tooltip="window size W: W grey levels and W pixels")
        self._features = features_choice()
        self._spatial_scale = FloatSpinBox(value=1.0, min=0.0, max=100.0, step=0.1,
                                           label="spatial scale")
        self._min_size = SpinBox(value=0, min=0, max=10**9, label="min size",
                                 tooltip="merge connected regions smaller than this (pixels)")
        super().__init__(napari_viewer, [self._window, self._features, self._spatial_scale,
                                         self._min_size])

    def call(self, data, channel_axis, spacing):
        features = None if self._features.value == "default" else self._features.value
        return partial(meanshift_segment, data, self._window.value, features=features,
                       spatial_scale=self._spatial_scale.value, spacing=spacing,
                       channel_axis=channel_axis, min_size=self._min_size.value)


class NcutWidget(SegmentWidget):
    """Normalized cut of the pixel graph (:func:`classicseg.ncut_segment`); 2-D or 3-D."""

    method = "ncut"

    def __init__(self, napari_viewer: "napari.viewer.Viewer"):
        self._n_segments = SpinBox(value=8, min=0, max=10**6, label="segments",
                                   tooltip="number of segments; 0: split while Ncut < thresh")
        self._thresh = FloatSpinBox(value=0.002, min=0.0, max=2.0, step=0.001, label="thresh")
        self._method = ComboBox(choices=("recursive", "kway"), value="recursive",
                                label="method")
        self._radius = SpinBox(value=3, min=0, max=50, label="radius",
                               tooltip="graph edges join pixels within this distance")
        self._sigma_space = FloatSpinBox(value=4.0, min=0.0, max=1000.0, step=0.5,
                                         label="sigma space")
        self._seed = seed_box()
        super().__init__(napari_viewer, [self._n_segments, self._thresh, self._method,
                                         self._radius, self._sigma_space, self._seed])

    def call(self, data, channel_axis, spacing):
        return partial(ncut_segment, data, self._n_segments.value or None,
                       thresh=self._thresh.value, method=self._method.value,
                       radius=self._radius.value, sigma_space=self._sigma_space.value,
                       spacing=spacing, channel_axis=channel_axis, rng=self._seed.value)
