"""The demo of ``make demo``: every method on scikit-image's sample images.

Writes ``demo.png`` (a row per image: the input, k-means with k = 2, 8, 16 in
rgb and k = 16 in rgbxy, mean shift with W = 21,
normalized cut into 8 segments and ``hierarchical_segment`` cut at 0.5, each
panel titled with its time) and
``demo_timings.md`` into ``--out``. Segments are painted in their mean colour
by ``skimage.color.label2rgb(kind="avg")``.

    python benchmarks/demo.py                    # into demo-out/ (ignored by git)
    python benchmarks/demo.py --out docs/figures # refresh the README's figure
"""

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from skimage import color, data, transform  # noqa: E402

import classicseg  # noqa: E402

IMAGES = {"astronaut": data.astronaut, "coffee": data.coffee, "chelsea": data.chelsea}

PANELS = [
    ("k-means k=2, rgb", lambda img: classicseg.kmeans_segment(img, 2, features="rgb", rng=0)),
    ("k-means k=8, rgb", lambda img: classicseg.kmeans_segment(img, 8, features="rgb", rng=0)),
    ("k-means k=16, rgb", lambda img: classicseg.kmeans_segment(img, 16, features="rgb", rng=0)),
    ("k-means k=16, rgbxy", lambda img: classicseg.kmeans_segment(img, 16, features="rgbxy", rng=0)),
    ("mean shift W=21, rgbxy", lambda img: classicseg.meanshift_segment(img, 21, features="rgbxy")),
    ("Ncut 8 segments", lambda img: classicseg.ncut_segment(img, 8, rng=0)),
    ("hierarchy cut at 0.5", lambda img: classicseg.hierarchical_segment(img).cut(0.5)),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo-out", help="folder for demo.png and demo_timings.md")
    parser.add_argument("--width", type=int, default=256, help="images are resized to this width")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    classicseg.warmup()
    compile_s = time.perf_counter() - t0
    print(f"compiling kernels (cached after the first run): {compile_s:.1f} s", flush=True)

    fig, axes = plt.subplots(len(IMAGES), len(PANELS) + 1, figsize=(2.3 * (len(PANELS) + 1),
                                                                   2.0 * len(IMAGES)))
    rows = []
    for r, (name, load) in enumerate(IMAGES.items()):
        image = load()
        h, w = image.shape[:2]
        image = transform.resize(image, (round(h * args.width / w), args.width),
                                 anti_aliasing=True, preserve_range=True).round().astype(np.uint8)
        axes[r, 0].imshow(image)
        axes[r, 0].set_title(f"{name} {image.shape[1]}x{image.shape[0]}", fontsize=8)
        times = []
        for c, (title, segment) in enumerate(PANELS, start=1):
            t0 = time.perf_counter()
            labels = segment(image)
            seconds = time.perf_counter() - t0
            times.append(seconds)
            axes[r, c].imshow(color.label2rgb(labels, image, kind="avg", bg_label=-1))
            axes[r, c].set_title(f"{title}\n{len(np.unique(labels))} segments, {seconds:.2f} s",
                                 fontsize=7)
            print(f"{name:10s} {title:24s} {seconds:6.2f} s", flush=True)
        rows.append((name, image.shape, times))
    for ax in axes.ravel():
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out / "demo.png", dpi=110)

    lines = ["| image | size | " + " | ".join(t for t, _ in PANELS) + " |",
             "|---|---|" + "---|" * len(PANELS)]
    for name, shape, times in rows:
        lines.append(f"| {name} | {shape[1]}x{shape[0]} | " + " | ".join(f"{t:.3f} s" for t in times) + " |")
    table = "\n".join(lines)
    (out / "demo_timings.md").write_text(
        "# Demo timings\n\n`make demo` (`python benchmarks/demo.py`), seconds per segmentation, "
        f"kernels compiled beforehand ({compile_s:.1f} s in this run).\n\n" + table + "\n")
    print("\n" + table)
    print(f"\nwrote {out / 'demo.png'} and {out / 'demo_timings.md'}")


if __name__ == "__main__":
    main()
