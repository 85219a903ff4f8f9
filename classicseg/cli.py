"""The ``classicseg`` command: segment folders of images, evaluate saved segmentations.

``classicseg segment PATHS... --method kmeans --out DIR`` writes one label
image per input (and, with ``--overlay``, the image with its region
boundaries), with a progress bar on stderr and a summary at the end;
``classicseg evaluate PRED_DIR --bsds ROOT`` prints the BSDS region benchmark
table of saved segmentations. Exit status: 0 on success, 1 when some image
failed (it is reported and skipped; the others are written), 2 for a usage
error (bad option, unreadable input path, output folder that cannot be written).
"""

import argparse
import functools
import inspect
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__
from ._io import (
    LABEL_FORMATS,
    _encode,
    _write_atomic,
    check_output_dir,
    find_images,
    label_file_name,
    read_image,
    write_labels,
    write_overlay,
)
from ._kmeans import INITS
from ._meanshift import ASSIGNS
from ._ncut import METHODS as NCUT_METHODS
from ._pixel_graph import SUPERPIXEL_GRAPHS
from .batch import METHODS, iter_segments, resolve_method
from .features import feature_space_name
from .hierarchy import LEAVES

DEFAULT_K = 8
OVERLAY_DIR = "overlays"
CONTOUR_DIR = "contours"
SEGMENT_METHODS = (*METHODS, "hierarchy")


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args, args.command_parser)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def build_parser():
    parser = argparse.ArgumentParser(
        prog="classicseg",
        description="Classical image segmentation (k-means, mean shift, normalized cut).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    seg = commands.add_parser(
        "segment", help="segment image files or folders, one label image per input",
        description="Segment image files (or every image in the given folders) and write one "
                    "label image per input to OUT, named after the input. Inputs are read "
                    "with scikit-image (png, jpg, tif, bmp, gif) or NumPy (npy); in an RGBA "
                    "image, pixels of alpha 0 are left out (label 0) and alpha is no feature. "
                    "Options are checked before any image is read (exit status 2); an image "
                    "that fails is reported and skipped (exit status 1).",
        epilog="Label formats: png (16-bit, labels up to 65535), npy (np.intp as computed), "
               "tif (tifffile, installed with scikit-image). Examples: classicseg segment "
               "images/val --method meanshift --window 41,21 --out seg-out --overlay; "
               "classicseg segment volume.npy --channel-axis none --k 4 --format npy --out seg")
    seg.add_argument("paths", nargs="+", metavar="PATHS", help="image files or folders")
    seg.add_argument("--method", choices=SEGMENT_METHODS, default="kmeans",
                     help="segmentation method (default: kmeans): kmeans_segment, "
                          "meanshift_segment, ncut_segment; hierarchy: hierarchical_segment's "
                          "merge tree, cut at --threshold (default 0.5) or into --n-regions")
    options = seg.add_argument_group(
        "method options",
        "The parameters of the methods' functions, one option each (in brackets: the methods "
        "that take it, and their defaults). Only the options given are passed; an option of "
        "another method is refused, except --rng, which the deterministic methods ignore.")
    for name, argument in OPTIONS.items():
        options.add_argument(flag(name), dest=_dest(name), default=argparse.SUPPRESS,
                             **{**argument, "help": argument["help"] + _applies(name)})
    seg.add_argument("--contours", action="store_true",
                     help=f"hierarchy: also write each contour map (all scales at once, 8-bit "
                          f"PNG) to DIR/{CONTOUR_DIR}/")
    seg.add_argument("--out", required=True, type=Path, metavar="DIR",
                     help="output folder (created if missing)")
    seg.add_argument("--overlay", action="store_true",
                     help=f"also write each image with its region boundaries to DIR/{OVERLAY_DIR}/")
    seg.add_argument("--format", choices=LABEL_FORMATS, default="png",
                     help="label image format (default: png)")
    seg.add_argument("--scheduler", default="threads", metavar="ADDRESS",
                     help="'threads' (default: this machine), 'synchronous' (one image at a "
                          "time), or a dask.distributed scheduler address such as "
                          "tcp://127.0.0.1:8786 (needs pip install \"classicseg[dask]\"; the "
                          "workers must be able to read the input files)")
    seg.add_argument("--quiet", action="store_true", help="no progress bar")
    seg.set_defaults(run=run_segment, command_parser=seg)

    ev = commands.add_parser(
        "evaluate", help="region benchmark (covering, PRI, VI) of saved segmentations",
        description="Score saved segmentations against BSDS500 ground truth. PRED_DIR holds "
                    "one sub-folder per parameter value (PRED_DIR/<param>/<id>.png, .npy or "
                    ".tif, one sweep value per folder), or the label images themselves for a "
                    "single parameter. Prints covering, PRI and VI per parameter, then ODS (one "
                    "parameter for the set), OIS (the best parameter per image) and Best.")
    ev.add_argument("pred_dir", type=Path, metavar="PRED_DIR", help="folder of segmentations")
    ev.add_argument("--bsds", required=True, type=Path, metavar="ROOT",
                    help="BSDS500 root folder (holding images/ and groundTruth/)")
    ev.add_argument("--split", default="val", help="data split (default: val)")
    ev.add_argument("--boundary", action="store_true",
                    help="boundary benchmark instead (precision, recall, F at ODS/OIS, AP): "
                         "PRED_DIR holds one boundary map per image (<id>.png, 8- or 16-bit, "
                         "scaled to [0, 1]; <id>.npy in [0, 1] or a double-size ucm2; <id>.mat "
                         "with a ucm2 or segs field), or sub-folders of segmentations as above "
                         "(their boundaries, one sub-folder per threshold); writes the official "
                         "eval_bdry.txt, eval_bdry_thr.txt and eval_bdry_img.txt")
    ev.add_argument("--thresholds", type=POSITIVE_INT, default=99, metavar="N",
                    help="--boundary: number of thresholds on boundary maps (default 99)")
    ev.add_argument("--out", type=Path, metavar="DIR",
                    help="--boundary: folder of the eval_bdry*.txt files (default: PRED_DIR)")
    ev.add_argument("--quiet", action="store_true", help="no progress bar")
    ev.set_defaults(run=run_evaluate, command_parser=ev)
    return parser


def _number(kind, *, above=None, at_least=None):
    """An argparse type: a finite ``kind`` (int or float) > ``above`` or >= ``at_least``."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}") from None
        if not np.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be finite, got {text}")
        if above is not None and value <= above:
            raise argparse.ArgumentTypeError(f"must be > {above}, got {text}")
        if at_least is not None and value < at_least:
            raise argparse.ArgumentTypeError(f"must be >= {at_least}, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


POSITIVE_INT, POSITIVE_FLOAT = _number(int, above=0), _number(float, above=0)
COUNT, NONNEGATIVE_FLOAT = _number(int, at_least=0), _number(float, at_least=0)


def _positive_floats(text):
    """Comma-separated positive numbers: ``"41,21"`` -> ``(41.0, 21.0)``."""
    return tuple(POSITIVE_FLOAT(part) for part in text.split(","))


def _window(text):
    """One window size, or a joint ``spatial,range`` pair."""
    sizes = _positive_floats(text)
    if len(sizes) > 2:
        raise argparse.ArgumentTypeError(f"expected W or SPATIAL,RANGE, got {text!r}")
    return sizes[0] if len(sizes) == 1 else sizes


def _features(text):
    """A named feature space; whether it fits an image's channels is checked per image."""
    try:  # the library's own check, with channels and axes that every name fits
        feature_space_name(text, 3, True, 3)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace(", a callable or an array", "")) \
            from None
    return text


def _channel_axis(text):
    return None if text.lower() == "none" else _number(int)(text)


def _yes_no_or_number(text):
    words = {"yes": True, "true": True, "no": False, "false": False}
    return words[text.lower()] if text.lower() in words else NONNEGATIVE_FLOAT(text)


# The parameters of the methods' functions that are no option: the image, arrays, outputs.
NOT_OPTIONS = ("self", "image", "mask", "superpixels", "return_info")
# Options whose flag is not the parameter's name: --method chooses the algorithm.
FLAG_NAMES = {"method": "ncut-method"}
# Every other parameter of a method (method_parameters: read from the signatures) is the
# option --name-with-dashes, made from its entry here (arguments of add_argument), so the
# command line follows the API: a test checks that no parameter lacks its entry.
OPTIONS = {
    "k": dict(type=POSITIVE_INT, metavar="K", help=f"number of clusters (default {DEFAULT_K})"),
    "window": dict(type=_window, metavar="W|S,R",
                   help="window size W in feature units (21: 21 levels and 21 pixels), or a "
                        "joint spatial,range pair such as 41,21 (Comaniciu & Meer 2002; needs "
                        "features with position)"),
    "n_segments": dict(type=POSITIVE_INT, metavar="N",
                       help="number of segments; without it, ncut splits 200 fused regions "
                            "while the Ncut is below its threshold"),
    "features": dict(type=_features, metavar="SPACE",
                     help="feature space: rgb, rgbxy, lab, labxy, gray, grayxy, color, colorxy "
                          "(xyz in place of xy for volumes; default: colour + position, colour "
                          "only for ncut)"),
    "spatial_scale": dict(type=POSITIVE_FLOAT, metavar="S",
                          help="factor on pixel positions: the weight of space against colour"),
    "spacing": dict(type=_positive_floats, metavar="D1,D2[,D3]",
                    help="pixel size along each spatial axis"),
    "data_range": dict(type=POSITIVE_FLOAT, metavar="V",
                       help="value of full intensity (default: the dtype's maximum for "
                            "integers, 1 for floats; 4095 for a 12-bit camera)"),
    "channel_axis": dict(type=_channel_axis, metavar="AXIS|none",
                         help="axis of the colour channels, or none for grayscale images and "
                              "volumes such as a 3-D .npy (default: none for 2-D images, -1 "
                              "otherwise)"),
    "init": dict(choices=INITS, help="initialisation of the means"),
    "n_init": dict(type=POSITIVE_INT, metavar="N",
                   help="runs from different starts, the lowest inertia kept"),
    "tol": dict(type=NONNEGATIVE_FLOAT, metavar="TOL",
                help="stop when the means move at most TOL feature units (meanshift: 1e-3 "
                     "of the half window unless given)"),
    "max_iter": dict(type=POSITIVE_INT, metavar="N", help="most iterations (of one climb)"),
    "share_trajectories": dict(type=_yes_no_or_number, metavar="yes|no|R",
                               help="approximate path joining: a climb stops within R window "
                                    "radii of an earlier path (yes: R = 0.01)"),
    "climb_stride": dict(type=POSITIVE_INT, metavar="S",
                         help="approximate: the pixels of the lattice of stride S climb, the "
                              "others take a like-coloured neighbour's climb (1: exact)"),
    "assign": dict(choices=ASSIGNS, help="a pixel takes the mode its own climb reached, or "
                                         "the nearest mode"),
    "radius": dict(type=POSITIVE_FLOAT, metavar="R",
                   help="edges join pixels within R pixels (a volume: 1.2 the 6-, 2 the "
                        "26-neighbourhood)"),
    "sigma_color": dict(type=POSITIVE_FLOAT, metavar="SIGMA",
                        help="scale of colour differences in the edge weights (default: from "
                             "the image's spread)"),
    "sigma_space": dict(type=POSITIVE_FLOAT, metavar="SIGMA",
                        help="scale of distances in the edge weights, in pixels"),
    "thresh": dict(type=NONNEGATIVE_FLOAT, metavar="NCUT",
                   help="recursive: a segment is split while the Ncut value of its best split "
                        "stays below NCUT (--n-segments overrides it)"),
    "superpixel_graph": dict(choices=SUPERPIXEL_GRAPHS,
                             help="graph of the fused regions: adjacent regions weighted by "
                                  "colour and border contrast, or the quotient of the pixel "
                                  "graph (default regions)"),
    "sigma_edge": dict(type=POSITIVE_FLOAT, metavar="SIGMA",
                       help="scale of a border's mean colour gradient in the regions graph "
                            "(default 20)"),
    "method": dict(choices=NCUT_METHODS,
                   help="recursive 2-way splits, or one k-way cut (needs --n-segments)"),
    "leaves": dict(choices=LEAVES,
                   help="the fine segmentation that is merged into the hierarchy"),
    "threshold": dict(type=NONNEGATIVE_FLOAT, metavar="T",
                      help="cut at altitude T in [0, 1] (0.5 when neither --threshold nor "
                           "--n-regions is given: where BSDS500 train images are best cut)"),
    "n_regions": dict(type=POSITIVE_INT, metavar="N", help="cut into N regions"),
    "min_size": dict(type=COUNT, metavar="PIXELS",
                     help="connected regions smaller than this merge into their most similar "
                          "neighbour"),
    "min_split_size": dict(type=POSITIVE_INT, metavar="PIXELS",
                           help="least size of each side of a split"),
    "rng": dict(type=COUNT, metavar="SEED",
                help="random seed, for labels that are the same at every run"),
    "start_label": dict(type=int, choices=(0, 1), help="label of the first region"),
}


def flag(name):
    """The option of a method's parameter: ``n_segments`` -> ``--n-segments``."""
    return "--" + FLAG_NAMES.get(name, name).replace("_", "-")


def _dest(name):
    return FLAG_NAMES.get(name, name).replace("-", "_")


@functools.lru_cache
def method_parameters(method):
    """``{name: default}`` of the options of a method, read from its functions' signatures."""
    if method == "hierarchy":
        from .hierarchy import Hierarchy, hierarchical_segment

        functions = (hierarchical_segment, Hierarchy.cut)
    else:
        functions = (resolve_method(method),)
    return {name: p.default for f in functions
            for name, p in inspect.signature(f).parameters.items() if name not in NOT_OPTIONS}


def _applies(name):
    """`` [methods that take option name; their defaults]`` for its help."""
    methods, defaults = [], []
    for method in SEGMENT_METHODS:
        params = method_parameters(method)
        if name in params:
            methods.append(method)
            if params[name] not in (None, inspect.Parameter.empty):
                defaults.append((method, params[name]))
    if "(default" in OPTIONS[name]["help"]:  # the command's own default, said in the help
        default = ""
    elif len({value for _, value in defaults}) == 1 and len(defaults) == len(methods):
        default = f"; default {defaults[0][1]}"
    else:
        default = "".join(f"; {method}: {value}" for method, value in defaults)
    return f" [{', '.join(methods)}{default}]"


def method_params(args, parser):
    """Keyword arguments of the chosen method from the options given, all checked here,
    before any image is read (a usage error exits with status 2)."""
    try:
        accepted = method_parameters(args.method)
    except ImportError as exc:
        parser.error(f"--method {args.method} is not available in this installation: {exc}")
    params = {}
    for name in OPTIONS:
        if not hasattr(args, _dest(name)):
            continue
        if name in accepted:
            params[name] = getattr(args, _dest(name))
        elif name == "rng":  # so that one command line serves a loop over the methods
            print(f"note: --rng is ignored: --method {args.method} is deterministic",
                  file=sys.stderr)
        else:
            takers = [m for m in SEGMENT_METHODS if name in method_parameters(m)]
            parser.error(f"{flag(name)} applies to --method {', '.join(takers)}, "
                         f"not {args.method}")
    if args.method == "kmeans":
        params.setdefault("k", DEFAULT_K)
    if args.method == "ncut" and "n_segments" not in params:
        params["superpixels"] = "hierarchy"  # Ncut on fused regions, its default threshold
    if args.contours and args.method != "hierarchy":
        parser.error(f"--contours applies to --method hierarchy, not {args.method}")
    problem = _combination_problem(args.method, params)
    if problem:
        parser.error(problem)
    if args.method == "hierarchy":
        params["contours"] = args.contours
    return params


def _combination_problem(method, params):
    """What is wrong with options that are each valid alone, or None."""
    if "n_regions" in params and "threshold" in params:
        return "give only one of --n-regions and --threshold"
    if params.get("method") == "kway" and "n_segments" not in params:
        return "--ncut-method kway needs --n-segments"
    features = params.get("features")
    if isinstance(params.get("window"), tuple) and features is not None \
            and not feature_space_name(features, 3, True, 3)[1]:
        return (f"--window {','.join(f'{w:g}' for w in params['window'])} (spatial,range) needs "
                f"features with position, not --features {features}")
    return None


def run_segment(args, parser):
    params = method_params(args, parser)
    try:
        paths = find_images(args.paths)
        out_dir = check_output_dir(args.out)
        for sub, wanted in ((OVERLAY_DIR, args.overlay), (CONTOUR_DIR, args.contours)):
            if wanted:
                check_output_dir(out_dir / sub)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    names = [label_file_name(p.stem, args.format) for p in paths]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        parser.error(f"inputs from different folders would write the same file: "
                     f"{', '.join(clashes)}")

    from tqdm.auto import tqdm

    scheduler = None if args.scheduler == "threads" else args.scheduler
    failed, written, start = [], 0, time.perf_counter()
    try:
        method = hierarchy_labels if args.method == "hierarchy" else args.method
        results = iter_segments([str(p) for p in paths], method, scheduler=scheduler,
                                on_error="return",
                                progress=False if args.quiet else {"desc": args.method},
                                **params)
        for index, labels in results:
            path = paths[index]
            try:
                if isinstance(labels, Exception):
                    raise labels
                save_outputs(path, labels, out_dir / names[index], args)
                written += 1
            except Exception as exc:  # one bad image must not stop the others
                failed.append(path)
                tqdm.write(f"error: {_message(exc, path)}", file=sys.stderr)  # above the bar
    except (ValueError, TypeError, ImportError, OSError) as exc:
        # Raised before any image ran: a bad scheduler, a method not installed.
        parser.error(str(exc))
    elapsed = time.perf_counter() - start
    rate = f", {written / elapsed:.2f} images/s" if elapsed > 0 and written else ""
    print(f"{args.method}: {written} of {len(paths)} images segmented in {elapsed:.1f} s"
          f"{rate} -> {out_dir}" + (f"; {len(failed)} failed" if failed else ""))
    return 1 if failed else 0


def hierarchy_labels(image, *, threshold=None, n_regions=None, start_label=1, contours=False,
                     **params):
    """``hierarchical_segment(image, **params)`` cut at ``threshold`` (default 0.5) or into
    ``n_regions``; with ``contours``, returns ``(labels, contour map as uint8)``."""
    from .hierarchy import hierarchical_segment

    if np.ndim(image) == 2:
        params.setdefault("channel_axis", None)
    hierarchy = hierarchical_segment(image, **params)
    if n_regions:
        labels = hierarchy.cut(n_regions=min(n_regions, hierarchy.n_leaves),
                               start_label=start_label)
    else:
        labels = hierarchy.cut(0.5 if threshold is None else threshold, start_label=start_label)
    if not contours:
        return labels
    return labels, np.round(255 * np.clip(hierarchy.contour_map(), 0, 1)).astype(np.uint8)


def save_outputs(path, labels, label_path, args):
    """Write the label image (and overlay); on failure, remove what was written."""
    if isinstance(labels, tuple):  # hierarchy --contours: (labels, contour map)
        labels, contour_map = labels
        _write_atomic(label_path.parent / CONTOUR_DIR / f"{path.stem}.png",
                      lambda f: _encode(contour_map, f, "png"))
    write_labels(labels, label_path, args.format)
    if not args.overlay:
        return
    try:
        write_overlay(read_image(path), labels, label_path.parent / OVERLAY_DIR / f"{path.stem}.png")
    except BaseException:
        label_path.unlink(missing_ok=True)
        raise


def _message(exc, path):
    text = str(exc).splitlines()[0]  # decoders append lists of plugins to install
    return text if str(path) in text else f"{path}: {text}"


def run_evaluate(args, parser):
    if args.boundary:
        return run_evaluate_boundary(args, parser)
    from .datasets import load_bsds500
    from .metrics import region_benchmark

    try:
        params, folders = _sweep_folders(args.pred_dir)
        ids = _image_ids(folders)
        # One image at a time: its annotators and its segmentation at every parameter.
        results = ((item.gts, [read_image(files[item.id]) for files in folders])
                   for item in load_bsds500(args.bsds, args.split, ids=ids))
        bench = region_benchmark(results, params=params, progress=_progress(args, len(ids)))
    except (OSError, ValueError, TypeError) as exc:
        parser.error(str(exc))
    print(benchmark_table(bench, args.pred_dir, args.split))
    return 0


def _progress(args, total):
    """The ``progress`` argument of the benchmarks: a bar over ``total`` images unless --quiet."""
    return False if args.quiet else {"total": total}


def _label_files(folder):
    """``{image id: path}`` of the label images in ``folder`` (png, npy, tif: what
    ``segment`` writes)."""
    files = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower().lstrip(".") in LABEL_FORMATS + ("tiff",):
            if path.stem in files:
                raise ValueError(f"{folder} holds two label images of {path.stem!r}: "
                                 f"{files[path.stem].name} and {path.name}")
            files[path.stem] = path
    return files


def _sweep_folders(pred_dir):
    """Parameter values and, per parameter, its label files: the sub-folders holding label
    images, or PRED_DIR itself. A folder name that reads as a number is that number."""
    if not pred_dir.is_dir():
        raise ValueError(f"PRED_DIR {str(pred_dir)!r} is not a folder")
    subs = [(p, _label_files(p)) for p in pred_dir.iterdir()
            if p.is_dir() and p.name != OVERLAY_DIR]
    subs = [(p, files) for p, files in subs if files]
    if not subs:
        files = _label_files(pred_dir)
        if not files:
            raise ValueError(f"PRED_DIR {str(pred_dir)!r} holds no label image "
                             f"({', '.join(LABEL_FORMATS)})")
        return (pred_dir.name,), [files]
    numbers = {p: _as_number(p.name) for p, _ in subs}
    subs.sort(key=lambda item: (numbers[item[0]] is None, numbers[item[0]] or 0, item[0].name))
    params = tuple(p.name if numbers[p] is None else numbers[p] for p, _ in subs)
    return params, [files for _, files in subs]


def _as_number(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def _image_ids(folders):
    ids = sorted(folders[0])
    for files in folders[1:]:
        if sorted(files) != ids:
            folder = next(iter(files.values())).parent
            first = next(iter(folders[0].values())).parent
            raise ValueError(f"{folder} and {first} do not hold the same images "
                             "(every parameter folder needs one segmentation per image)")
    return ids


def benchmark_table(bench, pred_dir, split):
    """The region benchmark as a Markdown table: one row per parameter, then ODS/OIS/Best."""
    lines = [f"Region benchmark of {pred_dir} on BSDS500 {split} ({bench.n_images} images)", "",
             "| parameter | covering | PRI | VI |", "|---|---:|---:|---:|"]
    for p, cov, pri, vi in zip(bench.params, bench.covering, bench.pri, bench.vi):
        lines.append(f"| {p} | {cov:.3f} | {pri:.3f} | {vi:.3f} |")
    lines += ["", "| | covering | PRI | VI |", "|---|---:|---:|---:|",
              f"| ODS | {bench.covering_ods:.3f} ({bench.covering_ods_param}) | "
              f"{bench.pri_ods:.3f} ({bench.pri_ods_param}) | "
              f"{bench.vi_ods:.3f} ({bench.vi_ods_param}) |",
              f"| OIS | {bench.covering_ois:.3f} | {bench.pri_ois:.3f} | {bench.vi_ois:.3f} |",
              f"| Best | {bench.covering_best:.3f} | | |"]
    return "\n".join(lines)


BOUNDARY_MAP_SUFFIXES = (".png", ".npy", ".mat")


def run_evaluate_boundary(args, parser):
    from .datasets import load_bsds500
    from .metrics import boundary_benchmark

    try:
        if not args.pred_dir.is_dir():
            raise ValueError(f"PRED_DIR {str(args.pred_dir)!r} is not a folder")
        if any(p.is_dir() and p.name != OVERLAY_DIR and _label_files(p)
               for p in args.pred_dir.iterdir()):
            params, folders = _sweep_folders(args.pred_dir)
            ids = _image_ids(folders)

            def prediction(image_id):
                return [read_image(files[image_id]) for files in folders]
        else:
            params = None
            maps = {p.stem: p for p in sorted(args.pred_dir.iterdir())
                    if p.is_file() and p.suffix.lower() in BOUNDARY_MAP_SUFFIXES}
            if not maps:
                raise ValueError(f"PRED_DIR {str(args.pred_dir)!r} holds no boundary map "
                                 f"({', '.join(BOUNDARY_MAP_SUFFIXES)}) and no folder of "
                                 "segmentations")
            ids = sorted(maps)

            def prediction(image_id):
                return read_boundary_map(maps[image_id])
        out_dir = check_output_dir(args.pred_dir if args.out is None else args.out)
        results = ((item.boundaries, prediction(item.id))
                   for item in load_bsds500(args.bsds, args.split, ids=ids, boundaries=True))
        bench = boundary_benchmark(results, thresholds=args.thresholds,
                                   progress=_progress(args, len(ids)))
        for name, text in bench.official_tables().items():
            _write_text(out_dir / name, text)
    except (OSError, ValueError, TypeError) as exc:
        parser.error(str(exc))
    print(boundary_table(bench, args.pred_dir, args.split, params))
    print(f"\nwrote {', '.join(bench.official_tables())} to {out_dir}")
    return 0


def read_boundary_map(path):
    """A boundary map from a file: an image scaled to [0, 1], an array, or a .mat ucm2/segs."""
    path = Path(path)
    if path.suffix.lower() == ".mat":
        import scipy.io

        try:
            fields = scipy.io.loadmat(path)
        except Exception as exc:
            raise OSError(f"cannot read {str(path)!r}: {exc}") from exc
        if "ucm2" in fields:
            return np.asarray(fields["ucm2"], dtype=np.float64)
        if "segs" in fields:
            return list(fields["segs"].ravel())
        raise ValueError(f"{str(path)!r} holds neither a ucm2 nor a segs field")
    image = read_image(path)
    if path.suffix.lower() != ".npy" and image.dtype.kind in "ui":
        # As the official benchmark reads its PNGs: value / 255 for 8 bits.
        image = image / np.iinfo(image.dtype).max
    return image


def _write_text(path, text):
    from ._io import _write_atomic

    _write_atomic(path, lambda name: Path(name).write_text(text))


def boundary_table(bench, pred_dir, split, params=None):
    """The boundary benchmark as Markdown: ODS, OIS and AP, then the curve when it is short."""
    unit = "segmentation" if params is not None else "threshold"
    lines = [f"Boundary benchmark of {pred_dir} on BSDS500 {split} ({bench.n_images} images, "
             f"{bench.thresholds.size} {unit}s)", "", bench.to_markdown()]
    if bench.thresholds.size <= 25:
        names = params if params is not None else [f"{t:.3g}" for t in bench.thresholds]
        lines += ["", f"| {unit} | F | recall | precision |", "|---|---:|---:|---:|"]
        lines += [f"| {name} | {f:.3f} | {r:.3f} | {p:.3f} |"
                  for name, f, r, p in zip(names, bench.f, bench.recall, bench.precision)]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
