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
from .batch import METHODS, iter_segments, resolve_method

# Option -> (parameter name, the method it belongs to); passed only when given.
METHOD_OPTIONS = {
    "k": ("k", "kmeans"),
    "window": ("window", "meanshift"),
    "n_segments": ("n_segments", "ncut"),
    "n_regions": ("n_regions", "hierarchy"),
    "threshold": ("threshold", "hierarchy"),
}
DEFAULT_K = 8
OVERLAY_DIR = "overlays"
CONTOUR_DIR = "contours"


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
                    "An image that fails is reported and skipped; the exit status is then 1.",
        epilog="Label formats: png (16-bit, labels up to 65535), npy (np.intp as computed), "
               "tif (tifffile, installed with scikit-image). Example: classicseg segment "
               "images/val --method meanshift --window 21 --out seg-out --overlay")
    seg.add_argument("paths", nargs="+", metavar="PATHS", help="image files or folders")
    seg.add_argument("--method", choices=(*METHODS, "hierarchy"), default="kmeans",
                     help="segmentation method (default: kmeans); hierarchy: "
                          "hierarchical_segment's merge tree, cut at --threshold or --n-regions")
    seg.add_argument("--k", type=_positive(int), metavar="K",
                     help=f"kmeans: number of clusters (default {DEFAULT_K})")
    seg.add_argument("--window", type=_positive(float), metavar="W",
                     help="meanshift: window size W in feature units (levels and pixels)")
    seg.add_argument("--n-segments", type=_positive(int), metavar="N",
                     help="ncut: number of segments (default: Ncut on 200 fused regions, "
                          "split while the Ncut is below its default threshold)")
    seg.add_argument("--n-regions", type=_positive(int), metavar="N",
                     help="hierarchy: cut into N regions")
    seg.add_argument("--threshold", type=_positive(float), metavar="T",
                     help="hierarchy: cut at altitude T in [0, 1] (default 0.5, where BSDS500 "
                          "train images are best cut)")
    seg.add_argument("--contours", action="store_true",
                     help=f"hierarchy: also write each contour map (all scales at once, 8-bit "
                          f"PNG) to DIR/{CONTOUR_DIR}/")
    seg.add_argument("--features", metavar="SPACE",
                     help="feature space: rgb, rgbxy, lab, labxy, gray, grayxy, color, colorxy "
                          "(default: colour + position)")
    seg.add_argument("--min-size", type=_nonnegative_int, metavar="PIXELS",
                     help="the method's min_size: kmeans and meanshift merge connected regions "
                          "smaller than this into their most similar neighbour; ncut: least "
                          "size of a segment")
    seg.add_argument("--rng", type=_nonnegative_int, metavar="SEED",
                     help="random seed, for labels that are the same at every run")
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
    ev.add_argument("--thresholds", type=_positive(int), default=99, metavar="N",
                    help="--boundary: number of thresholds on boundary maps (default 99)")
    ev.add_argument("--out", type=Path, metavar="DIR",
                    help="--boundary: folder of the eval_bdry*.txt files (default: PRED_DIR)")
    ev.set_defaults(run=run_evaluate, command_parser=ev)
    return parser


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not np.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def _nonnegative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an int, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def method_params(args, parser):
    """Keyword arguments of the chosen method from the parsed options."""
    params = {}
    for option, (name, method) in METHOD_OPTIONS.items():
        value = getattr(args, option)
        if value is None:
            continue
        if method != args.method:
            parser.error(f"--{option.replace('_', '-')} applies to --method {method}, "
                         f"not {args.method}")
        params[name] = value
    if args.method == "kmeans":
        params.setdefault("k", DEFAULT_K)
    if args.method == "ncut" and "n_segments" not in params:
        params["superpixels"] = "hierarchy"  # Ncut on fused regions, its default threshold
    if args.features is not None:
        params["features"] = args.features
    if args.min_size is not None:
        params["min_size"] = args.min_size
    if args.rng is not None:
        params["rng"] = args.rng
    if args.method == "hierarchy":
        if "n_regions" in params and "threshold" in params:
            parser.error("give only one of --n-regions and --threshold")
        params["contours"] = args.contours
    elif args.contours:
        parser.error(f"--contours applies to --method hierarchy, not {args.method}")
    try:
        accepted = inspect.signature(_method_function(args.method)).parameters
    except ImportError as exc:
        parser.error(f"--method {args.method} is not available in this installation: {exc}")
    for name in params:
        if name not in accepted:
            parser.error(f"--{name.replace('_', '-')} does not apply to --method {args.method}")
    return params


def run_segment(args, parser):
    params = method_params(args, parser)
    try:
        paths = find_images(args.paths)
        out_dir = check_output_dir(args.out)
        if args.overlay:
            check_output_dir(out_dir / OVERLAY_DIR)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    names = [label_file_name(p.stem, args.format) for p in paths]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        parser.error(f"inputs from different folders would write the same file: "
                     f"{', '.join(clashes)}")

    scheduler = None if args.scheduler == "threads" else args.scheduler
    progress = Progress(len(paths), enabled=not args.quiet)
    failed, written, start = [], 0, time.perf_counter()
    try:
        if args.contours:
            check_output_dir(out_dir / CONTOUR_DIR)
        method = hierarchy_labels if args.method == "hierarchy" else args.method
        results = iter_segments([str(p) for p in paths], method, scheduler=scheduler,
                                on_error="return", **params)
        for index, labels in results:
            path = paths[index]
            try:
                if isinstance(labels, Exception):
                    raise labels
                save_outputs(path, labels, out_dir / names[index], args)
                written += 1
            except Exception as exc:  # one bad image must not stop the others
                failed.append(path)
                progress.note(f"error: {_message(exc, path)}")
            progress.advance()
    except (ValueError, TypeError, ImportError, OSError) as exc:
        # Raised before any image ran: a bad scheduler, a method not installed.
        progress.close()
        parser.error(str(exc))
    progress.close()
    elapsed = time.perf_counter() - start
    rate = f", {written / elapsed:.2f} images/s" if elapsed > 0 and written else ""
    print(f"{args.method}: {written} of {len(paths)} images segmented in {elapsed:.1f} s"
          f"{rate} -> {out_dir}" + (f"; {len(failed)} failed" if failed else ""))
    return 1 if failed else 0


def _method_function(method):
    return hierarchy_labels if method == "hierarchy" else resolve_method(method)


def hierarchy_labels(image, *, n_regions=None, threshold=None, contours=False,
                     channel_axis=-1):
    """``hierarchical_segment(image)`` cut at ``threshold`` (default 0.5) or into ``n_regions``.

    With ``contours``, returns ``(labels, contour map as uint8)``.
    """
    from .hierarchy import hierarchical_segment

    if np.ndim(image) == 2:
        channel_axis = None
    elif np.shape(image)[-1] == 4:
        image = np.asarray(image)[..., :3]  # RGBA: the colour
    hierarchy = hierarchical_segment(image, channel_axis=channel_axis)
    labels = (hierarchy.cut(n_regions=min(n_regions, hierarchy.n_leaves)) if n_regions
              else hierarchy.cut(0.5 if threshold is None else threshold))
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
        bench = region_benchmark(results, params=params)
    except (OSError, ValueError, TypeError) as exc:
        parser.error(str(exc))
    print(benchmark_table(bench, args.pred_dir, args.split))
    return 0


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
        if any(p.is_dir() and _label_files(p) for p in args.pred_dir.iterdir()):
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
        bench = boundary_benchmark(results, thresholds=args.thresholds)
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
             f"{bench.thresholds.size} {unit}s)", "",
             f"| | F | recall | precision | {unit} |", "|---|---:|---:|---:|---:|",
             f"| ODS | {bench.ods_f:.3f} | {bench.ods_recall:.3f} | {bench.ods_precision:.3f} | "
             f"{bench.ods_threshold:.3g} |",
             f"| OIS | {bench.ois_f:.3f} | {bench.ois_recall:.3f} | {bench.ois_precision:.3f} | |",
             f"| AP | {bench.ap:.3f} | | | |"]
    if bench.thresholds.size <= 25:
        names = params if params is not None else [f"{t:.3g}" for t in bench.thresholds]
        lines += ["", f"| {unit} | F | recall | precision |", "|---|---:|---:|---:|"]
        lines += [f"| {name} | {f:.3f} | {r:.3f} | {p:.3f} |"
                  for name, f, r, p in zip(names, bench.f, bench.recall, bench.precision)]
    return "\n".join(lines)


class Progress:
    """A one-line progress bar on stderr: ``[#####.....] 12/100  3.1 s  eta 22 s``.

    On a terminal the line is redrawn in place; otherwise (a log file, a
    pipe) a line is printed at every tenth of the way.
    """

    WIDTH = 30

    def __init__(self, total, *, enabled=True, stream=None):
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = sys.stderr if stream is None else stream
        self.tty = self.stream.isatty()
        self.start = time.perf_counter()
        self._printed_tenth = -1
        self._draw()

    def advance(self):
        self.done += 1
        self._draw()

    def note(self, text):
        """Print a message above the bar (always, even when the bar is off)."""
        if self.enabled and self.tty:
            self.stream.write("\r\x1b[K")
        print(text, file=self.stream)
        self._draw()

    def close(self):
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self.enabled = False

    def _draw(self):
        if not self.enabled:
            return
        tenth = 10 * self.done // max(self.total, 1)
        if not self.tty and tenth == self._printed_tenth:
            return
        self._printed_tenth = tenth
        elapsed = time.perf_counter() - self.start
        filled = self.WIDTH * self.done // max(self.total, 1)
        eta = (f"  eta {elapsed / self.done * (self.total - self.done):.0f} s"
               if 0 < self.done < self.total else "")
        line = (f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total} images"
                f"  {elapsed:.1f} s{eta}")
        self.stream.write(("\r\x1b[K" + line) if self.tty else line + "\n")
        self.stream.flush()


if __name__ == "__main__":
    sys.exit(main())
