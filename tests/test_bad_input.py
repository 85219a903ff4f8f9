"""Bad and unusual input for every public function, as data tables.

Each public function has one row in ``SPECS``: the function, valid base
arguments (tiny inputs), the kind of its main input (which selects the
shared tables of corruptions and unusual-but-valid variants below) and its
own out-of-range parameters. Every call of the matrix also checks that no
input was modified.

Adding a function is one row::

    "new_function": Spec(module.new_function, {"image": RGB, "k": 2}, "image",
                         bad=[("k", 0, ValueError)]),

``kind`` selects the shared tables of corruptions and variants ("image",
"samples", "nchw", "label_pair", "region_pair"; "other": its own rows only),
``bad`` lists ``(argument, value, exception)``: the error's message must
name the argument (or match a fourth element, a regex, where the message
names something more precise, such as the failing image of a batch).
``test_every_public_function_has_a_row`` fails for a public function
without a row.
"""

import copy
import inspect
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import classicseg
from classicseg import batch, learned, metrics

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (6, 7), dtype=np.uint8)
SAMPLES = RNG.normal(size=(30, 3)) * 20
LABELS = RNG.integers(0, 3, (6, 7))
PRED = RNG.integers(0, 3, (6, 7))
NCHW = RNG.normal(size=(1, 2, 4, 5)).astype(np.float32)
W_GRAPH = scipy.sparse.csr_array(np.array([[1.0, 0.9, 0.1, 0.0], [0.9, 1.0, 0.1, 0.0],
                                           [0.1, 0.1, 1.0, 0.8], [0.0, 0.0, 0.8, 1.0]]))


@dataclass
class Spec:
    """One public function: how to call it validly and what else it must refuse."""

    fn: object
    args: dict
    kind: str = "other"          # a key of KINDS, or "other" (own rows only)
    bad: list = field(default_factory=list)   # (argument, value, exception[, match])
    small: dict = field(default_factory=dict)  # argument changes for 1-pixel inputs
    volume: bool = False         # takes a 3-D grayscale volume (channel_axis=None)
    mask: bool = False           # takes mask=
    skip: tuple = ()             # corruptions or variants that do not apply (why in a comment)


SPECS = {
    # -- images --------------------------------------------------------------
    "pixel_features": Spec(
        classicseg.pixel_features, {"image": RGB}, "image", volume=True, mask=True,
        bad=[("features", "nope", ValueError), ("features", 3, ValueError),
             ("features", {"a": 1}, TypeError),
             ("spatial_scale", 0, ValueError), ("data_range", -1, ValueError),
             ("spacing", (1, 2, 3), ValueError)]),
    "kmeans_segment": Spec(
        classicseg.kmeans_segment, {"image": RGB, "k": 2, "rng": 0}, "image", volume=True,
        mask=True, small={"k": 1},
        bad=[("k", 0, ValueError), ("k", 10**6, ValueError), ("k", 2.5, TypeError),
             ("init", "nope", ValueError), ("tol", -1, ValueError), ("max_iter", 0, ValueError),
             ("start_label", 2, ValueError), ("min_size", -1, ValueError),
             ("rng", -1, ValueError), ("rng", "seed", TypeError)]),
    "meanshift_segment": Spec(
        classicseg.meanshift_segment, {"image": RGB, "window": 21}, "image", volume=True,
        mask=True,
        bad=[("window", 0, ValueError), ("window", float("nan"), ValueError),
             ("window", (1, 2, 3), ValueError), ("min_size", -1, ValueError),
             ("max_iter", 0, ValueError), ("assign", "nope", ValueError),
             ("share_trajectories", -1.0, ValueError), ("tol", -1, ValueError),
             ("climb_stride", 0, ValueError), ("climb_stride", 1.5, TypeError)]),
    "affinity_graph": Spec(
        classicseg.affinity_graph, {"image": RGB}, "image", mask=True,
        bad=[("radius", 0, ValueError), ("sigma_space", 0, ValueError),
             ("sigma_color", -1, ValueError)]),
    "ncut_segment": Spec(
        classicseg.ncut_segment, {"image": RGB, "n_segments": 2, "rng": 0}, "image", mask=True,
        small={"n_segments": 1},
        bad=[("n_segments", 0, ValueError), ("radius", 0, ValueError),
             ("method", "nope", ValueError), ("thresh", -1, ValueError),
             ("superpixels", np.zeros((2, 2), int), ValueError),
             ("superpixels", np.zeros((6, 7)), TypeError), ("start_label", -1, ValueError),
             ("min_split_size", 0, ValueError),
             ("superpixel_graph", "nope", ValueError), ("sigma_edge", 0, ValueError)]),
    "fusion_features": Spec(
        classicseg.fusion_features, {"image": RGB}, "image", volume=True, mask=True,
        bad=[("sigma", -1, ValueError), ("texture_weight", float("nan"), ValueError),
             ("texture_sigma", "a", TypeError)]),
    "hierarchical_segment": Spec(
        classicseg.hierarchical_segment, {"image": RGB}, "image", mask=True,
        bad=[("leaves", "nope", ValueError), ("leaves", np.zeros((2, 2), int), ValueError),
             ("leaves", np.zeros((6, 7)), TypeError)]),
    "contours": Spec(
        classicseg.contours, {"image": RGB}, "image",
        bad=[("globalize", "yes", TypeError), ("data_range", 0, ValueError)]),
    "contour_hierarchy": Spec(
        classicseg.contour_hierarchy, {"image": RGB}, "image",
        bad=[("globalize", "yes", TypeError), ("data_range", 0, ValueError)]),
    "merge_small_regions": Spec(
        classicseg.merge_small_regions,
        {"labels": LABELS, "image": RGB.astype(float), "min_size": 3}, "other",
        bad=[("labels", LABELS.astype(float), TypeError), ("labels", LABELS[:3], ValueError),
             ("image", RGB[:3], ValueError), ("image", RGB.astype(complex), TypeError),
             ("min_size", -1, ValueError), ("connectivity", 5, ValueError),
             ("mask", np.ones((2, 2), bool), ValueError),
             ("mask", np.zeros((6, 7), bool), ValueError)]),
    # -- samples (n_samples, n_features) ------------------------------------
    "kmeans": Spec(
        classicseg.kmeans, {"X": SAMPLES, "k": 2, "rng": 0}, "samples", small={"k": 1},
        bad=[("k", 0, ValueError), ("k", 31, ValueError), ("n_init", 0, ValueError),
             ("tol", -1, ValueError), ("max_iter", 0, ValueError), ("init", "nope", ValueError),
             ("init", np.zeros((3, 3)), ValueError), ("sample_weight", -np.ones(30), ValueError),
             ("sample_weight", np.ones(4), ValueError),
             ("min_distance", -1.0, ValueError)]),
    "mean_shift": Spec(
        classicseg.mean_shift, {"X": SAMPLES, "window": 30.0}, "samples",
        bad=[("window", 0, ValueError), ("window", -2.0, ValueError),
             ("window", float("inf"), ValueError), ("tol", -1, ValueError),
             ("max_iter", 0, ValueError), ("seeds", np.zeros((2, 5)), ValueError),
             ("seeds", np.full((2, 3), np.nan), ValueError), ("bin_seeding", "yes", TypeError),
             ("assign", "nope", ValueError), ("sample_weight", np.ones(3), ValueError)]),
    "estimate_window": Spec(
        classicseg.estimate_window, {"X": SAMPLES}, "samples",
        bad=[("quantile", 0, ValueError), ("quantile", 1.5, ValueError),
             ("n_samples", 0, ValueError), ("n_spatial", 3, ValueError),
             ("rng", "x", TypeError)]),
    # -- graphs ---------------------------------------------------------------
    "ncut_value": Spec(
        classicseg.ncut_value, {"W": W_GRAPH, "labels": np.array([0, 0, 1, 1])}, "other",
        bad=[("W", scipy.sparse.csr_array(np.ones((3, 4))), ValueError),
             ("W", -W_GRAPH, ValueError), ("W", W_GRAPH * np.nan, ValueError),
             ("labels", np.array([0, 1]), ValueError),
             ("labels", np.array([0.0, 0, 1, 1]), TypeError)]),
    "ncut_partition": Spec(
        classicseg.ncut_partition, {"W": W_GRAPH, "n_segments": 2, "rng": 0}, "other",
        bad=[("W", scipy.sparse.csr_array(np.ones((3, 4))), ValueError),
             ("W", W_GRAPH * np.inf, ValueError), ("W", "graph", TypeError),
             ("n_segments", 0, ValueError), ("n_segments", 5, ValueError),
             ("method", "nope", ValueError), ("thresh", -1, ValueError),
             ("min_split_size", 0, ValueError)]),
    # -- learned: channel-first arrays ---------------------------------------
    "interpolate": Spec(
        learned.interpolate, {"x": NCHW, "scale_factor": 2, "mode": "bilinear"}, "nchw",
        bad=[("mode", "nope", ValueError), ("scale_factor", 0, ValueError),
             ("size", (0, 3), ValueError), ("align_corners", "yes", TypeError)]),
    "bed_of_nails": Spec(learned.bed_of_nails, {"x": NCHW}, "nchw",
                         bad=[("scale_factor", 0, ValueError), ("scale_factor", 1.5, TypeError)]),
    "max_pool2d": Spec(learned.max_pool2d, {"x": NCHW, "kernel_size": 2}, "nchw",
                       small={"kernel_size": 1},
                       bad=[("kernel_size", 0, ValueError), ("stride", 0, ValueError),
                            ("padding", -1, ValueError), ("padding", 2, ValueError)]),
    "max_unpool2d": Spec(
        learned.max_unpool2d,
        {"x": np.ones((1, 1, 2, 2), np.float32),
         "indices": np.array([[[[0, 3], [10, 15]]]]), "kernel_size": 2}, "nchw",
        bad=[("indices", np.zeros((1, 1, 2, 2)), TypeError),
             ("indices", np.zeros((1, 1, 3, 2), int), ValueError),
             ("indices", np.full((1, 1, 2, 2), 99), ValueError), ("kernel_size", 0, ValueError),
             ("output_size", (9, 9), ValueError)],
        skip=("empty", "small", "chw"),  # (indices follow x's shape)
    ),
    "conv_transpose2d": Spec(
        learned.conv_transpose2d, {"x": NCHW, "weight": np.ones((2, 3, 2, 2), np.float32)},
        "nchw",
        bad=[("weight", np.ones((3, 3, 2, 2), np.float32), ValueError),
             ("weight", np.ones((2, 3, 2), np.float32), ValueError),
             ("bias", np.ones(5, np.float32), ValueError), ("stride", 0, ValueError),
             ("groups", 3, ValueError), ("output_padding", 4, ValueError),
             ("dilation", 0, ValueError)]),
    "conv_transpose1d": Spec(
        learned.conv_transpose1d, {"x": NCHW[:, :, 0], "weight": np.ones((2, 3, 2), np.float32)},
        "other",
        bad=[("x", NCHW[:, :, 0].astype(complex), TypeError), ("x", np.ones(3), ValueError),
             ("x", np.ones((1, 2, 0)), ValueError),
             ("weight", np.ones((2, 3, 2, 2), np.float32), ValueError),
             ("stride", 0, ValueError), ("bias", np.ones(4, np.float32), ValueError)]),
    "conv_transpose2d_output_size": Spec(
        learned.conv_transpose2d_output_size, {"h_in": 4, "kernel_size": 3}, "other",
        bad=[("h_in", 0, ValueError), ("h_in", 2.5, TypeError), ("kernel_size", 0, ValueError),
             ("stride", 0, ValueError), ("padding", 9, ValueError)]),
    "softmax": Spec(learned.softmax, {"logits": NCHW}, "nchw",
                    bad=[("axis", 7, ValueError), ("axis", 1.5, TypeError)]),
    "logits_to_labels": Spec(learned.logits_to_labels, {"logits": NCHW}, "nchw",
                             bad=[("size", (0, 2), ValueError), ("mode", "nope", ValueError)]),
    "cross_entropy": Spec(
        learned.cross_entropy, {"logits": NCHW, "target": RNG.integers(0, 2, (1, 4, 5))}, "nchw",
        bad=[("target", np.zeros((1, 4, 5)), TypeError),
             ("target", np.zeros((1, 3, 5), int), ValueError),
             ("target", np.full((1, 4, 5), 7), ValueError),
             ("reduction", "max", ValueError), ("ignore_index", "x", TypeError)],
        skip=("empty", "small", "chw"),  # (target follows logits' shape)
    ),
    # -- metrics: label arrays ----------------------------------------------
    **{name: Spec(getattr(metrics, name), {"y_true": LABELS, "y_pred": PRED}, "label_pair",
                  bad=[("n_classes", 0, ValueError), ("n_classes", 2, ValueError),
                       ("ignore_index", "x", TypeError)]
                  + ([("average", "mean", ValueError)] if "average" in
                     inspect.signature(getattr(metrics, name)).parameters else []))
       for name in ("confusion_matrix", "iou_score", "dice_score", "precision_score",
                    "recall_score", "f1_score", "mean_iou", "pixel_accuracy", "cosine_score")
       if hasattr(metrics, name)},
    "match_labels": Spec(metrics.match_labels, {"y_true": LABELS, "y_pred": PRED * 7},
                         "label_pair", bad=[("ignore_index", 1.5, TypeError)]),
    **{name: Spec(getattr(metrics, name), {"gt": LABELS + 1, "seg": PRED}, "region_pair",
                  bad=[("ignore_index", "x", TypeError),
                       ("gt", np.zeros((6, 7), int), ValueError)])
       for name in ("rand_index", "variation_of_information")},
    **{name: Spec(getattr(metrics, name), {"gts": [LABELS + 1, PRED + 1], "seg": PRED},
                  "region_pair",
                  bad=[("gts", [], ValueError), ("gts", [LABELS[:2]], ValueError),
                       ("gts", [LABELS.astype(float)], TypeError),
                       ("ignore_index", "x", TypeError)])
       for name in ("probabilistic_rand_index", "segmentation_covering")},
    "region_benchmark": Spec(
        metrics.region_benchmark, {"results": [([LABELS], [PRED, LABELS])]}, "other",
        bad=[("results", [], ValueError), ("results", [([LABELS], [])], ValueError),
             ("results", [([LABELS], [PRED.astype(float)])], TypeError),
             ("results", [([LABELS], [PRED[:2]])], ValueError),
             ("results", [(LABELS,)], ValueError), ("params", [1, 2, 3], ValueError),
             ("ignore_index", "x", TypeError)]),
    # -- batch ----------------------------------------------------------------
    "segment_many": Spec(  # (images and method are positional-only)
        lambda images_or_paths, method, **kw: batch.segment_many(images_or_paths, method, **kw),
        {"images_or_paths": [RGB, GRAY], "method": "kmeans", "k": 2, "rng": 0}, "other",
        bad=[("images_or_paths", [], ValueError), ("images_or_paths", RGB, TypeError),
             ("images_or_paths", [RGB, RGB.astype(complex)], TypeError, "image 1: image"),
             ("images_or_paths", [RGB.astype(float) * np.nan], ValueError, "image 0: image"),
             ("method", "nope", ValueError), ("scheduler", "nope", ValueError),
             ("scheduler", 3, TypeError), ("k", 0, ValueError)]),
    "iter_segments": Spec(
        lambda images_or_paths, method, **kw: list(batch.iter_segments(images_or_paths, method,
                                                                       **kw)),
        {"images_or_paths": [RGB], "method": "meanshift", "window": 21}, "other",
        bad=[("on_error", "ignore", ValueError), ("images_or_paths", [], ValueError),
             ("method", "nope", ValueError), ("window", -1, ValueError)]),
    "assign_labels": Spec(
        batch.assign_labels, {"image": RGB, "centers": np.array([[0, 0, 0], [255, 255, 255]]),
                              "features": "rgb"}, "image", volume=False,
        bad=[("centers", np.zeros((2, 4)), ValueError), ("centers", np.zeros(3), ValueError),
             ("centers", np.full((2, 3), np.nan), ValueError),
             ("centers", np.zeros((2, 3), complex), TypeError), ("start_label", 3, ValueError)],
        skip=("gray", "rgba", "volume", "bool_gray"),  # (centres are RGB)
    ),
    "kmeans_segment_blocks": Spec(
        batch.kmeans_segment_blocks, {"image": RGB, "k": 2, "rng": 0, "sample_size": 30},
        "image", small={"k": 1},
        bad=[("k", 0, ValueError), ("sample_size", 0, ValueError),
             ("features", lambda im: im, TypeError), ("start_label", 2, ValueError)],
        skip=("nan", "inf", "nan_outside_mask"),  # (a lazy image is not scanned for NaN)
    ),
}

# Rows of functions on other branches (hierarchy, boundary and instance metrics), checked
# against main's code; they take effect once the functions are there.
BOUNDARY = np.zeros((6, 7), bool)
BOUNDARY[3] = True
INSTANCES = np.where(LABELS > 0, LABELS + 10 * (np.arange(7) > 3), 0)
N_INSTANCES = len(np.unique(INSTANCES)) - 1
PANOPTIC = np.stack([np.where(LABELS > 1, 2, 1), np.where(LABELS > 1, 0, INSTANCES)], axis=-1)
LATER = {
    "region_graph": lambda fn: Spec(
        fn, {"labels": LABELS, "boundary": RGB[..., 0].astype(float)}, "other",
        bad=[("labels", LABELS.astype(float), TypeError), ("labels", LABELS[:0], ValueError),
             ("boundary", np.ones((2, 2)), ValueError),
             ("boundary", np.full((6, 7), np.nan), ValueError), ("connectivity", 3, ValueError)]),
    "merge_hierarchy": lambda fn: Spec(
        fn, {"labels": LABELS, "boundary": RGB[..., 0].astype(float), "linkage": "boundary"},
        "other",
        bad=[("labels", LABELS.astype(float), TypeError), ("boundary", RGB[:2, :, 0], ValueError),
             ("boundary", RGB[..., 0].astype(complex), TypeError),
             ("linkage", "nope", ValueError), ("mask", np.zeros((6, 7), bool), ValueError)]),
    "boundaries": lambda fn: Spec(fn, {"labels": LABELS}, "other",
                                  bad=[("labels", LABELS.astype(float), TypeError),
                                       ("labels", LABELS[:0], ValueError)]),
    "boundary_pr": lambda fn: Spec(
        fn, {"gt_boundaries": [BOUNDARY], "boundary_map": RGB[..., 0] / 255}, "other",
        bad=[("boundary_map", np.full((6, 7), np.nan), ValueError),
             ("boundary_map", np.ones((2, 2)), ValueError), ("gt_boundaries", [], ValueError),
             ("thresholds", 0, ValueError), ("max_dist", -1.0, ValueError)]),
    "boundary_benchmark": lambda fn: Spec(
        fn, {"results": [([BOUNDARY], RGB[..., 0] / 255)], "thresholds": 3}, "other",
        bad=[("results", [], ValueError), ("thresholds", 0, ValueError)]),
    "match_instances": lambda fn: Spec(
        fn, {"y_true": INSTANCES, "y_pred": INSTANCES[::-1]}, "label_pair",
        bad=[("iou_threshold", 1.5, ValueError), ("iou_threshold", -0.1, ValueError)],
        skip=("bool",)),  # (a boolean array is a stack of masks)
    "instance_average_precision": lambda fn: Spec(
        fn, {"results": [(INSTANCES, INSTANCES, [0.9] * N_INSTANCES)]}, "other",
        bad=[("results", [], ValueError), ("max_detections", 0, ValueError),
             ("results", [(INSTANCES, INSTANCES, [0.9])], ValueError, "pred_scores of image 0")]),
    "panoptic_quality": lambda fn: Spec(
        fn, {"y_true": PANOPTIC, "y_pred": PANOPTIC[::-1], "things": {1}, "stuffs": {2}},
        "other",
        bad=[("y_true", LABELS, ValueError), ("y_pred", PANOPTIC[:2], ValueError),
             ("y_pred", PANOPTIC.astype(float), TypeError), ("things", {1, 2}, ValueError)]),
}
SPECS.update({name: make(getattr(module, name)) for name, make in LATER.items()
              for module in (classicseg, metrics) if hasattr(module, name)})


# --------------------------------------------------------------------------
# Corruptions and variants per kind: name -> (change of the arguments, exception, argument
# the message must name) for corruptions; name -> change for the valid variants.


def _set(name, make):
    """A change of the arguments: argument ``name`` becomes ``make(old value)``."""
    return lambda args: {**args, name: make(args[name])}


def _float_with(value):
    def make(x):
        x = np.array(x, dtype=np.float64)
        x.reshape(-1)[1] = value
        return x
    return make


def _readonly(x):
    x = np.array(x)
    x.flags.writeable = False
    return x


def _strided(x):
    """The same values as a strided view of a larger array."""
    big = np.zeros((2 * x.shape[0],) + x.shape[1:], x.dtype)
    big[::2] = x
    return big[::2]


IMAGE_BAD = {
    "nan": (_set("image", _float_with(np.nan)), ValueError, "image"),
    "inf": (_set("image", _float_with(np.inf)), ValueError, "image"),
    "empty": (_set("image", lambda x: x[:0]), ValueError, "image"),
    "wrong_ndim": (_set("image", lambda x: x[0, 0]), ValueError, "image"),
    "complex": (_set("image", lambda x: x.astype(complex)), TypeError, "image"),
    "object": (_set("image", lambda x: x.astype(object)), TypeError, "image"),
    "string": (_set("image", lambda x: x.astype(str)), TypeError, "image"),
    "channel_axis_out_of_range": (lambda a: {**a, "channel_axis": 3}, ValueError, "channel_axis"),
    "channel_axis_float": (lambda a: {**a, "channel_axis": 1.0}, TypeError, "channel_axis"),
    "gray_with_channel_axis": (_set("image", lambda x: x[..., 0]), ValueError, "channel_axis"),
}
IMAGE_MASK_BAD = {
    "mask_wrong_shape": (lambda a: {**a, "mask": np.ones((2, 2), bool)}, ValueError, "mask"),
    "mask_float": (lambda a: {**a, "mask": np.full(a["image"].shape[:2], 0.5)}, TypeError,
                   "mask"),
    "mask_all_false": (lambda a: {**a, "mask": np.zeros(a["image"].shape[:2], bool)},
                       ValueError, "mask"),
}
IMAGE_OK = {
    "uint16": _set("image", lambda x: x.astype(np.uint16) * 257),
    "float16": _set("image", lambda x: (x / 255).astype(np.float16)),
    "float32": _set("image", lambda x: (x / 255).astype(np.float32)),
    "int64": _set("image", lambda x: x.astype(np.int64)),
    "bool_gray": lambda a: {**a, "image": a["image"][..., 0] > 127, "channel_axis": None},
    "big_endian": _set("image", lambda x: x.astype(">u2")),
    "big_endian_float": _set("image", lambda x: (x / 255).astype(">f8")),
    "big_endian_same": _set("image", lambda x: x.astype(x.dtype.newbyteorder(">"))),
    "fortran": _set("image", np.asfortranarray),
    "strided": _set("image", _strided),
    "reversed": _set("image", lambda x: x[::-1, ::-1]),
    "readonly": _set("image", _readonly),
    "channel_first": lambda a: {**a, "image": np.moveaxis(a["image"], -1, 0), "channel_axis": 0},
    "small": _set("image", lambda x: x[:1, :1]),
    "one_row": _set("image", lambda x: x[:1]),
    "one_column": _set("image", lambda x: x[:, :1]),
    "constant": _set("image", lambda x: np.full_like(x, 77)),
    "gray": lambda a: {**a, "image": a["image"][..., 0], "channel_axis": None},
    "rgba": _set("image", lambda x: np.dstack([x, np.full(x.shape[:2], 255, x.dtype)])),
    "list": _set("image", lambda x: x.tolist()),
}
def _nan_outside_mask(args):
    image = args["image"] / 255
    image[0, 1] = np.nan
    mask = np.ones(image.shape[:2], bool)
    mask[0, 1] = False
    return {**args, "image": image, "mask": mask}


IMAGE_MASK_OK = {
    "nan_outside_mask": _nan_outside_mask,
    "mask_uint8": lambda a: {**a, "mask": (np.arange(a["image"][..., 0].size) % 3 > 0)
                             .reshape(a["image"].shape[:2]).astype(np.uint8)},
}
IMAGE_VOLUME_OK = {
    "volume": lambda a: {**a, "image": np.stack([a["image"][..., 0]] * 3), "channel_axis": None},
    "volume_color": _set("image", lambda x: np.stack([x] * 3)),
}

SAMPLES_BAD = {
    "nan": (_set("X", _float_with(np.nan)), ValueError, "X"),
    "inf": (_set("X", _float_with(-np.inf)), ValueError, "X"),
    "empty": (_set("X", lambda x: x[:0]), ValueError, "X"),
    "wrong_ndim": (_set("X", lambda x: x[:, 0]), ValueError, "X"),
    "complex": (_set("X", lambda x: x.astype(complex)), TypeError, "X"),
    "object": (_set("X", lambda x: x.astype(object)), TypeError, "X"),
}
SAMPLES_OK = {
    "uint16": _set("X", lambda x: np.abs(x).astype(np.uint16)),
    "float16": _set("X", lambda x: x.astype(np.float16)),
    "int64": _set("X", lambda x: x.astype(np.int64)),
    "bool": _set("X", lambda x: x > 0),
    "big_endian": _set("X", lambda x: x.astype(">f4")),
    "big_endian_same": _set("X", lambda x: x.astype(x.dtype.newbyteorder(">"))),
    "fortran": _set("X", np.asfortranarray),
    "strided": _set("X", _strided),
    "readonly": _set("X", _readonly),
    "small": _set("X", lambda x: x[:1]),
    "one_feature": _set("X", lambda x: x[:, :1]),
    "constant": _set("X", lambda x: np.full_like(x, 3.0)),
    "list": _set("X", lambda x: x.tolist()),
}


def _first_array(spec):
    return next(iter(spec.args))


NCHW_BAD = {
    "wrong_ndim": (lambda x: x[0, 0, 0], ValueError),
    "complex": (lambda x: x.astype(complex), TypeError),
    "object": (lambda x: x.astype(object), TypeError),
    "empty": (lambda x: x[:, :, :0], ValueError),
}
NCHW_OK = {
    "float64": lambda x: x.astype(np.float64),
    "float16": lambda x: x.astype(np.float16),
    "big_endian": lambda x: x.astype(">f4"),
    "big_endian_same": lambda x: x.astype(x.dtype.newbyteorder(">")),
    "fortran": np.asfortranarray,
    "strided": _strided,
    "readonly": _readonly,
    "small": lambda x: x[..., :1, :1],
    "chw": lambda x: x[0],
}

LABEL_BAD = {
    "float": (lambda y: y.astype(float), TypeError),
    "complex": (lambda y: y.astype(complex), TypeError),
    "object": (lambda y: y.astype(object), TypeError),
    "empty": (lambda y: y[:0], ValueError),
    "wrong_shape": (lambda y: y[:2], ValueError),
}
LABEL_OK = {
    "uint8": lambda y: y.astype(np.uint8),
    "uint16": lambda y: y.astype(np.uint16),
    "int8": lambda y: y.astype(np.int8),
    "uint64": lambda y: y.astype(np.uint64),
    "bool": lambda y: y > 0,
    "big_endian": lambda y: y.astype(">i4"),
    "big_endian_same": lambda y: y.astype(y.dtype.newbyteorder(">")),
    "fortran": np.asfortranarray,
    "strided": _strided,
    "readonly": _readonly,
    "small": lambda y: y[:1, :1],
    "one_row": lambda y: y[:1],
    "volume": lambda y: np.stack([y, y]),
    "list": lambda y: y.tolist(),
}
LABEL_ARGS = {"label_pair": ("y_true", "y_pred"), "region_pair": ("gt", "seg")}


def _label_change(kind, make, which):
    """Apply ``make`` to one label argument (``which``) or to both (None)."""
    names = LABEL_ARGS[kind]

    def change(args):
        args = dict(args)
        for name in names if which is None else (which,):
            key = "gts" if name == "gt" and "gts" in args else name
            value = args[key]
            args[key] = [make(v) for v in value] if key == "gts" else make(value)
        return args
    return change


def _cases():
    """``(id, spec name, change, exception, argument)``; exception None: must work."""
    cases = []
    for name, spec in SPECS.items():
        own = [(f"{name}-{arg}={row[1]!r:.20}", name,
                (lambda a, arg=arg, value=row[1]: {**a, arg: value}), row[2],
                row[3] if len(row) > 3 else arg)
               for row in spec.bad for arg in (row[0],)]
        generic = []
        if spec.kind == "image":
            table = {**IMAGE_BAD, **(IMAGE_MASK_BAD if spec.mask else {})}
            generic += [(k, change, exc, arg) for k, (change, exc, arg) in table.items()]
            ok = {**IMAGE_OK, **(IMAGE_MASK_OK if spec.mask else {}),
                  **(IMAGE_VOLUME_OK if spec.volume else {})}
            generic += [(k, change, None, None) for k, change in ok.items()]
        elif spec.kind == "samples":
            generic += [(k, change, exc, arg) for k, (change, exc, arg) in SAMPLES_BAD.items()]
            generic += [(k, change, None, None) for k, change in SAMPLES_OK.items()]
        elif spec.kind == "nchw":
            key = _first_array(spec)
            generic += [(k, _set(key, make), exc, key) for k, (make, exc) in NCHW_BAD.items()]
            generic += [(k, _set(key, make), None, None) for k, make in NCHW_OK.items()]
        elif spec.kind in LABEL_ARGS:
            for which in LABEL_ARGS[spec.kind]:
                generic += [(f"{which}_{k}", _label_change(spec.kind, make, which), exc, which)
                            for k, (make, exc) in LABEL_BAD.items()
                            if not (k == "wrong_shape" and which == LABEL_ARGS[spec.kind][0])]
            generic += [(k, _label_change(spec.kind, make, None), None, None)
                        for k, make in LABEL_OK.items()]
        cases += own + [(f"{name}-{k}", name, change, exc, arg) for k, change, exc, arg in generic
                        if k not in spec.skip]
    return cases


CASES = _cases()
BAD = [c for c in CASES if c[3] is not None]
OK = [c for c in CASES if c[3] is None]


# --------------------------------------------------------------------------
# Inputs are never modified


def _snapshot(value):
    """Copies of the arrays in ``value`` (nested in lists, tuples and dicts)."""
    if isinstance(value, np.ndarray):
        return ("array", value.copy(), value.flags.writeable)
    if scipy.sparse.issparse(value):
        return ("sparse", value.copy())
    if isinstance(value, (list, tuple)):
        return ("seq", [_snapshot(v) for v in value])
    return ("other", None)


def _assert_unchanged(value, snap, name):
    kind, saved = snap[0], snap[1]
    if kind == "array":
        assert value.flags.writeable == snap[2], f"{name}'s writeable flag changed"
        np.testing.assert_array_equal(value, saved, err_msg=f"{name} was modified")
        assert value.dtype == saved.dtype
    elif kind == "sparse":
        assert (value != saved).nnz == 0 or np.isnan(saved.data).any(), f"{name} was modified"
    elif kind == "seq":
        for v, s in zip(value, saved):
            _assert_unchanged(v, s, name)


def call(fn, args):
    """``fn(**args)``, checking afterwards that no argument was modified."""
    snaps = {k: _snapshot(v) for k, v in args.items()}
    try:
        return fn(**args)
    finally:
        for k, v in args.items():
            _assert_unchanged(v, snaps[k], k)


def _prepared(spec, change):
    """The arguments of a case: ``change`` applied to the base ones (and ``spec.small``
    when the main input has a handful of pixels)."""
    args = change(copy.copy(spec.args))
    main = args[_first_array(spec)]
    if spec.small and np.size(main) <= 4 * 4:
        args.update(spec.small)
    return args


# --------------------------------------------------------------------------
# The tests


@pytest.fixture(autouse=True)
def _quiet():
    # ConvergenceWarning and RuntimeWarning on degenerate but valid input (a constant
    # image asks for more clusters than it has) are not failures here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", classicseg.ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield


@pytest.mark.parametrize("name", sorted(SPECS))
def test_base_arguments_work(name):
    call(SPECS[name].fn, dict(SPECS[name].args))


@pytest.mark.parametrize("case, name, change, exc, arg", BAD, ids=[c[0] for c in BAD])
def test_bad_input_is_refused_naming_the_argument(case, name, change, exc, arg):
    spec = SPECS[name]
    args = _prepared(spec, change)
    with pytest.raises(exc, match=arg):
        call(spec.fn, args)


# Variants holding the very values of the base input: the result must be the base's.
SAME_VALUES = ("fortran", "strided", "readonly", "big_endian_same")


def _arrays(out):
    """The arrays of a result (an array, a tuple, a dataclass, a sparse matrix, a number)."""
    if scipy.sparse.issparse(out):
        return [out.toarray()]
    if isinstance(out, (tuple, list)):
        return [a for item in out for a in _arrays(item)]
    if hasattr(out, "__dataclass_fields__"):
        return [np.asarray(getattr(out, f)) for f in out.__dataclass_fields__
                if f not in ("solve_time",)]
    return [np.asarray(out)]


@pytest.mark.parametrize("case, name, change, exc, arg", OK, ids=[c[0] for c in OK])
def test_unusual_but_valid_input_works(case, name, change, exc, arg):
    spec = SPECS[name]
    out = call(spec.fn, _prepared(spec, change))
    if case.rsplit("-", 1)[1] in SAME_VALUES:
        for got, want in zip(_arrays(out), _arrays(call(spec.fn, dict(spec.args))), strict=True):
            np.testing.assert_array_equal(got, want)
    image = _prepared(spec, change).get("image")
    if spec.kind == "image" and isinstance(out, np.ndarray) and out.dtype == np.intp:
        # A label image of the spatial shape.
        image = np.asarray(image)
        spatial = image.shape if _prepared(spec, change).get("channel_axis", -1) is None \
            else np.delete(image.shape, _prepared(spec, change).get("channel_axis", -1))
        assert out.shape == tuple(spatial)


def test_every_public_function_has_a_row():
    public = {name for mod in (classicseg, learned, metrics)
              for name in getattr(mod, "__all__")
              if inspect.isfunction(getattr(mod, name)) and name != "warmup"}
    public |= {"segment_many", "iter_segments", "assign_labels", "kmeans_segment_blocks"}
    missing = sorted(public - set(SPECS))
    assert not missing, f"add a row to SPECS in {__file__} for: {', '.join(missing)}"


def test_dask_image_bad_input_names_the_argument():
    da = pytest.importorskip("dask.array")
    img = da.from_array(RGB, chunks=(3, 7, 3))
    for kwargs, exc, arg in [({"channel_axis": 5}, ValueError, "channel_axis"),
                             ({"features": np.zeros((6, 7))}, TypeError, "features"),
                             ({"k": 0}, ValueError, "k")]:
        with pytest.raises(exc, match=arg):
            batch.kmeans_segment_blocks(img, **{"k": 2, **kwargs})
    with pytest.raises(TypeError, match="image"):
        batch.kmeans_segment_blocks(da.from_array(RGB.astype(complex)), 2)


# --------------------------------------------------------------------------
# Properties


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5), st.just(3)),
              elements=st.floats(0, 1)),
       st.sampled_from(["<f8", ">f8", "<f4", ">f2"]), st.booleans())
def test_features_equal_for_every_dtype_order_and_layout(img, dtype, fortran):
    """pixel_features gives the same values whatever the byte order or memory layout."""
    reference = classicseg.pixel_features(img.astype(np.dtype(dtype).newbyteorder("=")))
    other = img.astype(dtype)
    other = np.asfortranarray(other) if fortran else other
    other.flags.writeable = False
    np.testing.assert_array_equal(call(classicseg.pixel_features, {"image": other}), reference)


@settings(max_examples=25, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
              elements=st.integers(0, 4)),
       st.sampled_from([np.uint8, np.int16, ">i4", np.uint64]), st.data())
def test_metrics_equal_for_every_integer_dtype(truth, dtype, data):
    """Class and region metrics do not depend on the integer dtype or byte order."""
    pred = data.draw(arrays(np.int64, truth.shape, elements=st.integers(0, 4)))
    t, p = truth.astype(dtype), pred.astype(dtype)
    np.testing.assert_array_equal(metrics.confusion_matrix(t, p),
                                  metrics.confusion_matrix(truth, pred))
    if (truth != 0).any():
        assert metrics.rand_index(t, p) == metrics.rand_index(truth, pred)
        assert metrics.variation_of_information(t, p) == \
            metrics.variation_of_information(truth, pred)
