"""The hierarchy widget: compute a :class:`classicseg.Hierarchy` once, then cut it live.

The expensive part (the leaves and their merge tree,
:func:`classicseg.hierarchical_segment`) runs once in a worker thread with a
progress bar; moving the threshold or region-count slider afterwards only
calls :meth:`Hierarchy.cut` on the stored tree and replaces the Labels
layer's data, cheap enough to follow the slider as it is dragged. The
contour map (:meth:`Hierarchy.contour_map`: every border at the altitude
where it disappears) is shown as an image layer under the labels.
"""

import napari
import numpy as np
from magicgui.widgets import (ComboBox, Container, FloatSlider, Label, PushButton, Slider,
                              create_widget)
from napari.qt.threading import create_worker
from napari.utils.notifications import show_error

from .. import hierarchical_segment
from ._widgets import RECOVERABLE, chosen_image, show_labels

# Every leaves= string of hierarchical_segment (hierarchy.LEAVES), with its menu name.
LEAVES = (("contours", "contours"), ("mean shift (faster)", "meanshift"), ("k-means", "kmeans"))


def compute(image, channel_axis, leaves, cut):
    """Worker body: the hierarchy, its contour map and a first cut, yielding per stage.

    ``cut`` holds the keyword of :meth:`Hierarchy.cut` set on the sliders
    (``n_regions`` is clipped to the number of leaves). The first cut runs
    here, off the GUI thread, so that its kernel compiles here too. Returns
    ``((hierarchy, contours, labels), None)``, or ``(None, error)`` when the
    library rejects the input.
    """
    try:
        hierarchy = hierarchical_segment(image, leaves=leaves, channel_axis=channel_axis)
        yield
        contours = hierarchy.contour_map()
        yield
        if "n_regions" in cut:
            cut = {"n_regions": min(cut["n_regions"], hierarchy.n_leaves)}
        labels = hierarchy.cut(**cut)
        yield
    except RECOVERABLE as exc:
        return None, exc
    return (hierarchy, contours, labels), None


class HierarchyWidget(Container):
    """Compute a hierarchy of the chosen image, then cut it by threshold or region count.

    ``leaves`` picks the fine segmentation that is merged: contours (the
    default), mean shift or k-means as :func:`classicseg.hierarchical_segment`
    runs them, or any
    Labels layer of the viewer (a k-means result, a hand-made
    oversegmentation ...).
    """

    def __init__(self, napari_viewer: "napari.viewer.Viewer"):
        self._viewer = napari_viewer
        self._image = create_widget(annotation=napari.layers.Image, label="image")
        self._leaves = ComboBox(label="leaves", choices=self._leaves_choices)
        self._compute = PushButton(text="Compute hierarchy")
        self._mode = ComboBox(choices=("threshold", "regions"), value="threshold",
                              label="cut by")
        self._threshold = FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, label="threshold",
                                      tooltip="merges at this altitude or lower are applied")
        self._regions = Slider(value=8, min=1, max=10**4, label="regions", visible=False)
        self._info = Label(value="no hierarchy yet", label="showing")
        super().__init__(widgets=[self._image, self._leaves, self._compute, self._mode,
                                  self._threshold, self._regions, self._info])
        self.hierarchy = None
        self.n_regions = 0  # of the cut on show
        self._shown_mode = self._mode.value
        self.worker = None
        self.busy = False
        self._target = None  # (labels name, contours name, scale, translate)
        self._compute.changed.connect(self.run)
        self._mode.changed.connect(self._mode_changed)
        self._threshold.changed.connect(self.recut)
        self._regions.changed.connect(self.recut)

    def _leaves_choices(self, _widget):
        layers = [(f"layer: {layer.name}", layer) for layer in self._viewer.layers
                  if isinstance(layer, napari.layers.Labels)]
        return [*LEAVES, *layers]

    def run(self):
        """Compute the hierarchy of the chosen image in a worker thread."""
        layer = self._image.value
        image = chosen_image(layer)
        if image is None:
            return
        data, channel_axis, _ = image
        leaves = self._leaves.value
        if isinstance(leaves, napari.layers.Labels):
            leaves = np.asarray(leaves.data)
        target = (f"{layer.name} hierarchy", f"{layer.name} contours",
                  np.array(layer.scale), np.array(layer.translate))
        self.busy = True
        self._compute.enabled = False
        self.worker = create_worker(compute, data, channel_axis, leaves, self._cut_setting(),
                                    _start_thread=False, _ignore_errors=True,
                                    _progress={"total": 3, "desc": "hierarchy"})
        self.worker.returned.connect(lambda result: self._computed(target, result))
        self.worker.finished.connect(self._finished)
        self.worker.start()

    def _computed(self, target, result):
        value, exc = result
        if exc is not None:
            show_error(str(exc))
            return
        self.hierarchy, contours, labels = value
        self._target = target
        _, contours_name, scale, translate = target
        if contours_name in self._viewer.layers:
            self._viewer.layers[contours_name].data = contours
        else:
            self._viewer.add_image(contours, name=contours_name, colormap="inferno",
                                   blending="additive", contrast_limits=(0.0, 1.0),
                                   scale=scale, translate=translate)
        with self._regions.changed.blocked():
            self._regions.max = self.hierarchy.n_leaves
        self._show(labels)

    def _finished(self):
        self.busy = False
        self._compute.enabled = True

    def _cut_setting(self):
        if self._mode.value == "threshold":
            return {"threshold": self._threshold.value}
        return {"n_regions": self._regions.value}

    def recut(self):
        """Cut the stored hierarchy at the sliders' setting into its Labels layer."""
        if self.hierarchy is not None:
            self._show(self.hierarchy.cut(**self._cut_setting()))

    def _show(self, labels):
        name, _, scale, translate = self._target
        show_labels(self._viewer, name, labels, scale, translate)
        self.n_regions = int(labels.max())
        self._info.value = f"{self.n_regions} regions"
        self._info.tooltip = f"a cut of a hierarchy of {self.hierarchy.n_leaves} leaves"

    def _mode_changed(self, mode):
        # napari resets the choices of every docked widget when layers come and
        # go (also while the viewer closes); only a real switch re-cuts
        if mode == self._shown_mode or mode not in ("threshold", "regions"):
            return
        self._shown_mode = mode
        threshold = mode == "threshold"
        self._threshold.visible = threshold
        self._regions.visible = not threshold
        if self.hierarchy is not None and not threshold:
            # start the region slider at the current cut's count: the same labels
            with self._regions.changed.blocked():
                self._regions.value = max(self.n_regions, 1)
        self.recut()
