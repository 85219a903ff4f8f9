"""Many images at once, on this machine or on a Dask cluster, and images too large for memory.

:func:`segment_many` runs one segmentation method over a list of images or
image files: in a pool of threads by default (the Numba kernels release the
GIL), or on a ``dask.distributed`` cluster when given a client or a scheduler
address. :func:`kmeans_segment_blocks` segments an image held as a
``dask.array`` (or a zarr array, a memory-mapped ``.npy``) by k-means: the
centres are fitted on a random subset of pixels, then every block is labelled
with :func:`assign_labels` through ``map_blocks``.

Dask is an optional dependency (``pip install "classicseg[dask]"``); it is
imported only by the paths that need it.
"""

import concurrent.futures
import importlib
import os

import numpy as np

from ._io import read_image
from ._kmeans import kmeans, nearest_center_labels
from ._progress import progress_bar
from ._validate import (
    check_array,
    check_finite,
    check_int,
    check_memory,
    check_rng,
    check_start_label,
    labels_to_image,
    prepare_image,
    prepare_mask,
)
from .features import _check_spacing, feature_space_name, feature_stack, positions

# Method name (CLI and segment_many) -> public function of classicseg, resolved
# on first use, so that a method is available as soon as its module exists.
METHODS = {
    "kmeans": "kmeans_segment",
    "meanshift": "meanshift_segment",
    "ncut": "ncut_segment",
}
SCHEDULERS = ("threads", "synchronous")


def resolve_method(method):
    """The segmentation function for a method name (or the callable itself).

    Raises
    ------
    ValueError
        Unknown method name.
    ImportError
        The method's module is not available in this installation.
    """
    if callable(method):
        return method
    if method not in METHODS:
        raise ValueError(f"unknown method={method!r}; expected one of {', '.join(METHODS)}")
    return getattr(importlib.import_module("classicseg"), METHODS[method])


def segment_many(images_or_paths, method, /, *, scheduler=None, progress=False, **params):
    """Segment many images with one method and the same parameters.

    Parameters
    ----------
    images_or_paths : sequence of ndarray, str or os.PathLike
        Images, or files read (where the work runs) with
        :func:`skimage.io.imread` (``.npy`` with :func:`numpy.load`). A 2-D
        image is taken as grayscale (``channel_axis=None``) and a 4-channel
        one as RGBA, unless ``channel_axis`` is given: alpha is no feature,
        and pixels of alpha 0 are outside the mask (label ``start_label -
        1``).
    method : {"kmeans", "meanshift", "ncut"} or callable
        :func:`classicseg.kmeans_segment`, :func:`classicseg.meanshift_segment`,
        :func:`classicseg.ncut_segment`, or any ``f(image, **params)``
        returning a label image.
    scheduler : None, "threads", "synchronous", str, distributed.Client or concurrent.futures.Executor
        Where the work runs: ``None`` or ``"threads"``, a pool of one
        thread per core of this machine; ``"synchronous"``, a plain loop in
        the calling thread; a ``dask.distributed`` client, or a scheduler
        address (``"tcp://host:8786"``) to which a client is connected for
        the call. Files must be readable by the workers. Any
        :class:`concurrent.futures.Executor` also works.
    progress : bool or dict, optional
        Show a progress bar on stderr, advanced as each image completes (a
        dict gives options of ``tqdm.auto.tqdm``, e.g. ``{"desc": "val"}``);
        long runs are otherwise silent.
    **params
        Passed to the method (``images_or_paths`` and ``method`` are
        positional-only, so that ``method="kway"`` reaches
        :func:`classicseg.ncut_segment`). ``rng``: an int seed is passed as
        it is to every image, so image ``i`` gets the labels
        ``method(image_i, rng=seed)`` whatever the scheduler; a Generator
        draws one seed per image, in the order of the inputs.

    Returns
    -------
    list of ndarray
        The label images, in the order of the inputs.

    Raises
    ------
    ValueError, TypeError
        Unknown method or scheduler, bad parameters, bad images (the first
        failing image's error, with its index and path).
    OSError
        A file cannot be read.

    See Also
    --------
    iter_segments : the same, yielding results as they complete.

    Examples
    --------
    >>> from skimage import data
    >>> images = [data.astronaut()[::16, ::16], data.coffee()[::16, ::16]]
    >>> labels = segment_many(images, "kmeans", k=3, rng=0)
    >>> [lab.shape for lab in labels]
    [(32, 32), (25, 38)]
    """
    items = _check_items(images_or_paths)
    out = [None] * len(items)
    for index, labels in iter_segments(items, method, scheduler=scheduler, progress=progress,
                                       **params):
        out[index] = labels
    return out


def iter_segments(images_or_paths, method, /, *, scheduler=None, on_error="raise",
                  progress=False, **params):
    """Segment many images, yielding ``(index, labels)`` as each one completes.

    Parameters are those of :func:`segment_many`, and:

    Parameters
    ----------
    on_error : {"raise", "return"}
        ``"raise"``: the first failure is raised (its message names the
        image), and the work not started yet is cancelled. ``"return"``: a
        failed image yields ``(index, exception)`` and the others go on.

    Yields
    ------
    index : int
        Position of the image in ``images_or_paths``.
    labels : ndarray or Exception
        Its label image (or, with ``on_error="return"``, the exception).
    """
    items = _check_items(images_or_paths)
    if on_error not in ("raise", "return"):
        raise ValueError(f"on_error must be 'raise' or 'return', got {on_error!r}")
    resolve_method(method)  # an unknown name fails here, before any work
    per_item = _params_per_item(params, len(items))
    results = progress_bar(_run(items, method, per_item, scheduler), progress, total=len(items),
                           desc=method if isinstance(method, str) else None)
    for index, result in results:
        if isinstance(result, Exception):
            if on_error == "raise":
                raise _with_item(result, index, items[index]) from result
            result = _with_item(result, index, items[index])
        yield index, result


def segment_one(item, method, params):
    """Read ``item`` if it is a path, then segment it (the task run by each worker)."""
    image = read_image(item) if isinstance(item, (str, os.PathLike)) else item
    if isinstance(method, str) and "channel_axis" not in params:
        if np.ndim(image) == 2:
            params = {**params, "channel_axis": None}
        elif np.ndim(image) == 3 and np.shape(image)[-1] == 4:
            image, params = _split_alpha(np.asarray(image), params)
    return resolve_method(method)(image, **params)


def _split_alpha(image, params):
    """RGBA: the colour is the image; alpha is no feature, its zeros are outside the mask."""
    inside = image[..., 3] > 0
    if params.get("mask") is not None:
        inside = inside & prepare_mask(params["mask"], inside.shape)
    return image[..., :3], {**params, "mask": inside}


def _check_items(images_or_paths):
    if isinstance(images_or_paths, (str, os.PathLike, np.ndarray)):
        raise TypeError("images_or_paths must be a sequence of images or paths, "
                        f"got a single {type(images_or_paths).__name__}")
    items = list(images_or_paths)
    if not items:
        raise ValueError("images_or_paths is empty")
    return items


def _params_per_item(params, n):
    rng = params.get("rng")
    if isinstance(rng, (np.random.Generator, np.random.SeedSequence)):
        # One seed per image, drawn in input order: the same for any scheduler.
        seeds = check_rng(rng).integers(0, 2**63, size=n)
        return [{**params, "rng": int(seed)} for seed in seeds]
    return [params] * n


def _with_item(exc, index, item):
    """The same kind of exception, its message naming the image that failed."""
    name = str(item) if isinstance(item, (str, os.PathLike)) else f"image {index}"
    if isinstance(exc, (ValueError, TypeError, OSError, ImportError)):
        try:
            return type(exc)(f"{name}: {exc}")
        except TypeError:  # an exception class with a different signature
            pass
    return RuntimeError(f"{name}: {type(exc).__name__}: {exc}")


def _run(items, method, per_item, scheduler):
    """Yield ``(index, labels or exception)`` in completion order."""
    if scheduler == "synchronous":
        for index, item in enumerate(items):
            yield index, _call(item, method, per_item[index])
        return
    if scheduler is None or scheduler == "threads":
        workers = min(len(items), os.cpu_count() or 1)
        with concurrent.futures.ThreadPoolExecutor(workers, "classicseg") as pool:
            yield from _run_executor(pool, items, method, per_item)
        return
    if isinstance(scheduler, concurrent.futures.Executor):
        yield from _run_executor(scheduler, items, method, per_item)
        return
    if isinstance(scheduler, str):
        if "://" not in scheduler and ":" not in scheduler:
            raise ValueError(f"scheduler must be one of {', '.join(SCHEDULERS)}, a client or an "
                             f"address such as 'tcp://127.0.0.1:8786', got {scheduler!r}")
        distributed = _import_distributed()
        # Connection timeout: dask's setting ``distributed.comm.timeouts.connect``.
        with distributed.Client(scheduler) as client:
            yield from _run_client(client, items, method, per_item)
        return
    if type(scheduler).__module__.split(".")[0] == "distributed" and hasattr(scheduler, "submit"):
        yield from _run_client(scheduler, items, method, per_item)
        return
    raise TypeError("scheduler must be None, 'threads', 'synchronous', an address, a "
                    f"distributed.Client or an Executor, got {type(scheduler).__name__}")


def _call(item, method, params):
    try:
        return segment_one(item, method, params)
    except Exception as exc:  # reported per image by the caller
        return exc


def _run_executor(pool, items, method, per_item):
    futures = {pool.submit(segment_one, item, method, per_item[i]): i
               for i, item in enumerate(items)}
    try:
        for future in concurrent.futures.as_completed(futures):
            exc = future.exception()
            yield futures[future], exc if exc is not None else future.result()
    finally:
        for future in futures:
            future.cancel()


def _run_client(client, items, method, per_item):
    distributed = _import_distributed()
    # Arrays travel once each, ahead of the tasks; paths are read by the workers.
    is_array = [not isinstance(item, (str, os.PathLike)) for item in items]
    arrays = [item for item, a in zip(items, is_array) if a]
    sent = iter(client.scatter(arrays) if arrays else [])
    futures = {client.submit(segment_one, next(sent) if a else item, method, per_item[i],
                             pure=False): i
               for i, (item, a) in enumerate(zip(items, is_array))}
    try:
        for future in distributed.as_completed(futures):
            index = futures[future]
            try:
                yield index, future.result()
            except Exception as exc:  # reported per image by the caller
                yield index, exc
            future.release()
    finally:
        client.cancel(list(futures))


def _import_distributed():
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise ImportError('this scheduler needs dask.distributed: pip install "classicseg[dask]"') \
            from None


def _import_dask_array():
    try:
        return importlib.import_module("dask.array")
    except ImportError:
        raise ImportError('images held as dask arrays need Dask: pip install "classicseg[dask]"') \
            from None


def assign_labels(image, centers, features=None, *, spatial_scale=1.0, spacing=None,
                  data_range=None, channel_axis=-1, start_label=1):
    """Label every pixel with its nearest centre (the k-means E-step).

    An in-memory image gives an in-memory label image; a ``dask.array``
    gives a lazy one, computed block by block with ``map_blocks``. Both are
    equal for the same centres: every block computes its pixels' features
    (positions from the block's place in the whole image, in the same
    float32 arithmetic) and their float64 distances to the centres.

    Parameters
    ----------
    image : (M, N[, P][, C]) ndarray or dask.array.Array
        Image or volume, grayscale (``channel_axis=None``) or with channels.
        A dask array may be chunked along any spatial axis; its channel axis
        is brought into one chunk.
    centers : (k, d) array_like
        Centres in the feature space, for instance
        ``kmeans_segment(..., return_info=True)[1].centers``.
    features : str, optional
        A named feature space, see :func:`classicseg.pixel_features`.
        Callables and arrays are refused for dask arrays (a block would not
        know its neighbours).
    spatial_scale, spacing, data_range, channel_axis
        As in :func:`classicseg.pixel_features`.
    start_label : {0, 1}
        Label of the first centre.

    Returns
    -------
    labels : (M, N[, P]) intp ndarray or dask.array.Array
        Index of the nearest centre, from ``start_label``.

    Raises
    ------
    ValueError, TypeError
        Bad image, feature space or parameter, or ``centers`` whose shape
        does not match the feature space.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((2, 2, 3), np.uint8); img[:, 1] = 255
    >>> assign_labels(img, [[0, 0, 0], [255, 255, 255]], "rgb").tolist()
    [[1, 2], [1, 2]]
    """
    start_label = check_start_label(start_label)
    centers = check_array(centers, "centers", ndim=2)
    check_finite(centers, "centers")
    if not _is_dask_array(image):
        img, is_color, _ = prepare_image(image, channel_axis)
        Xt = feature_stack(img, is_color, features, spatial_scale=spatial_scale, spacing=spacing,
                           data_range=data_range)
        _check_centers(centers, Xt.shape[0], features)
        labels = nearest_center_labels(Xt, centers)
        return labels_to_image(labels, img.shape[:-1], None, start_label)

    img, is_color = _prepare_dask_image(image, channel_axis)
    spatial = img.shape[:-1]
    name, with_position = _named_space(features, img, is_color)
    spacing = _check_spacing(spacing, len(spatial))
    # Fail now, not inside a worker: run the checks on a one-pixel image.
    probe = feature_stack(np.zeros((1,) * len(spatial) + img.shape[-1:], img.dtype), is_color,
                          features, spatial_scale=spatial_scale, spacing=spacing,
                          data_range=data_range)
    _check_centers(centers, probe.shape[0], features)

    def label_block(block, block_info=None):
        Xt = feature_stack(block, is_color, name, data_range=data_range)
        if with_position:
            first = [start for start, _ in block_info[0]["array-location"][:-1]]
            index = [i + start for i, start in zip(np.indices(block.shape[:-1], sparse=True), first)]
            Xt = np.concatenate([Xt] + [np.broadcast_to(p, block.shape[:-1]).reshape(1, -1)
                                        for p in positions(index, spacing, spatial_scale)])
        labels = nearest_center_labels(Xt, centers)
        return labels.reshape(block.shape[:-1]).astype(np.intp) + start_label

    return img.map_blocks(label_block, dtype=np.intp, drop_axis=img.ndim - 1,
                          meta=np.empty((0,) * len(spatial), np.intp))


def kmeans_segment_blocks(image, k, features=None, *, sample_size=100_000, init="subset",
                          n_init=1, tol=0.5, max_iter=100, spatial_scale=1.0, spacing=None,
                          data_range=None, channel_axis=-1, rng=None, start_label=1,
                          return_info=False):
    """k-means segmentation of an image larger than memory, block by block.

    The centres are fitted by :func:`classicseg.kmeans` on ``sample_size``
    pixels drawn at random (without replacement) from the whole image; then
    :func:`assign_labels` labels every block with them through
    ``dask.array.map_blocks``. Only the sample and one block per worker are
    in memory at a time.

    Parameters
    ----------
    image : (M, N[, P][, C]) dask.array.Array or array_like
        A dask array, or anything :func:`dask.array.asarray` takes (a zarr
        array, a memory-mapped ``.npy``, an ndarray).
    k : int
        Number of clusters.
    features : str, optional
        A named feature space, see :func:`classicseg.pixel_features`.
    sample_size : int
        Pixels the centres are fitted on (all of them if the image is
        smaller).
    init, n_init, tol, max_iter, rng
        As in :func:`classicseg.kmeans`; ``rng`` also draws the sample.
    spatial_scale, spacing, data_range, channel_axis
        As in :func:`classicseg.pixel_features`. With floats, ``data_range``
        defaults to 1.0 as everywhere: it is never taken from the data.
    start_label : {0, 1}
        Label of the first cluster.
    return_info : bool
        Also return the :class:`classicseg.KMeansResult` of the fit on the
        sample (its ``labels`` are the sample's).

    Returns
    -------
    labels : (M, N[, P]) dask.array.Array of intp
        Lazy label image: ``.compute()`` it, or store it with ``.to_zarr()``.
    info : KMeansResult
        Only with ``return_info=True``.

    Raises
    ------
    ValueError, TypeError
        Bad image, feature space or parameter; the message names it.
    ImportError
        Dask is not installed.

    Examples
    --------
    >>> import dask.array as da
    >>> from skimage import data
    >>> img = da.from_array(data.astronaut()[::4, ::4], chunks=(64, 64, 3))
    >>> labels = kmeans_segment_blocks(img, 4, "rgb", sample_size=2000, rng=0)
    >>> labels.chunks[0], int(labels.max().compute())
    ((64, 64), 4)
    """
    start_label = check_start_label(start_label)
    sample_size = check_int(sample_size, "sample_size", minimum=1)
    rng = check_rng(rng)
    img, is_color = _prepare_dask_image(image, channel_axis)
    spatial = img.shape[:-1]
    name, with_position = _named_space(features, img, is_color)
    n_pixels = int(np.prod(spatial))
    k = check_int(k, "k", minimum=1, maximum=min(n_pixels, sample_size))

    n_sample = min(sample_size, n_pixels)
    check_memory(n_sample * (img.shape[-1] + len(spatial) + 8) * 8,
                 f"k-means' sample of {n_sample} pixels", "use a smaller sample_size")
    # Sorted flat indices read each chunk once, in storage order.
    picked = np.sort(rng.choice(n_pixels, size=min(sample_size, n_pixels), replace=False))
    coords = np.unravel_index(picked, spatial)
    values = np.asarray(img.vindex[coords].compute())  # (m, C)
    sample = values.reshape((-1, 1, values.shape[-1]))  # a one-column image of the sample
    Xt = feature_stack(sample, is_color, name, data_range=data_range)
    if with_position:
        Xt = np.concatenate([Xt, np.stack(positions(coords, _check_spacing(spacing, len(spatial)),
                                                    spatial_scale))])
    info = kmeans(Xt.T, k, init=init, n_init=n_init, tol=tol, max_iter=max_iter, rng=rng)
    labels = assign_labels(img, info.centers, features, spatial_scale=spatial_scale,
                           spacing=spacing, data_range=data_range, channel_axis=-1,
                           start_label=start_label)
    return (labels, info) if return_info else labels


def _check_centers(centers, d, features):
    if centers.shape[1] != d:
        raise ValueError(f"centers must have {d} columns for features={features!r}, "
                         f"got shape {centers.shape}")


def _is_dask_array(x):
    return type(x).__module__.startswith("dask.array") and hasattr(x, "map_blocks")


def _prepare_dask_image(image, channel_axis):
    """A channel-last dask array with the channel axis in one chunk, and is_color."""
    da = _import_dask_array()
    dtype = np.dtype(image.dtype if hasattr(image, "dtype") else np.asarray(image).dtype)
    if dtype.kind not in "biuf":  # (dask cannot even chunk an object array)
        raise TypeError(f"image must be a real-valued numeric array, got dtype {dtype}")
    img = image if _is_dask_array(image) else da.asarray(image)
    # The checks of prepare_image, on a one-pixel stand-in of the same ndim, dtype and
    # number of channels: nothing of the image's size is allocated (a zero-stride view
    # of full shape was, by the finite check).
    shape = [min(size, 1) for size in img.shape]
    if isinstance(channel_axis, (int, np.integer)) and -img.ndim <= channel_axis < img.ndim:
        shape[channel_axis] = img.shape[channel_axis]
    _, is_color, _ = prepare_image(np.zeros(shape, img.dtype), channel_axis)
    img = img[..., np.newaxis] if channel_axis is None else da.moveaxis(img, channel_axis, -1)
    return img.rechunk({img.ndim - 1: -1}), is_color


def _named_space(features, img, is_color):
    """The colour space name (without position) and whether positions are appended."""
    if features is not None and not isinstance(features, str):
        raise TypeError("features must be a named feature space for a dask image, "
                        f"got {type(features).__name__}")
    colour, with_position = feature_space_name(features, img.shape[-1], is_color, img.ndim - 1)
    return colour, with_position
