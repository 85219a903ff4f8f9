"""Train check of ncut_segment's "regions" superpixel graph on a BSDS500 train subset.

    python benchmarks/bsds_ncut_regions.py 8 25   # 8 images: every 25th of train

Prints, per configuration, the ODS covering / PRI / VI over the thresholds
``T`` (benchmarks/bsds_log.md, section 10). Regions: "old" = the ncut row's
(mean-shift leaves fused to 200 with edge_weight=3, size_scale=500,
size_power=0.5), "def" = ``hierarchical_segment(img).cut(n_regions=200)``.
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np

from classicseg import hierarchical_segment, merge_hierarchy, ncut_segment
from classicseg.datasets import load_bsds500
from classicseg.metrics import region_benchmark

root = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bsds500"
limit, step = int(sys.argv[1]), int(sys.argv[2])
ids = sorted(p.stem for p in (root / "images" / "train").glob("*.jpg"))[::step][:limit]
T = (0.0003, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.004)
CONFIGS = [
    ("old200 default", "old", {}),
    ("old200 features=lab", "old", {"features": "lab"}),
    ("default200 default", "def", {}),
]
params = [(c[0], t) for c in CONFIGS for t in T]


def gen():
    t0 = time.time()
    for k, (iid, im, gts) in enumerate(load_bsds500(root, "train", ids=ids)):
        h = hierarchical_segment(im, leaves="meanshift")
        sps = {"def": h.cut(n_regions=min(200, h.n_leaves)),
               "old": merge_hierarchy(h.leaves, im, edge_weight=3.0, size_scale=500.0,
                                      size_power=0.5).cut(n_regions=min(200, h.n_leaves))}
        segs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, which, kw in CONFIGS:
                for t in T:
                    segs.append(ncut_segment(im, thresh=t, superpixels=sps[which], rng=0, **kw))
        print(f"{k+1}/{len(ids)} {time.time()-t0:.0f}s", file=sys.stderr, flush=True)
        yield gts, segs


b = region_benchmark(gen(), params=list(range(len(params))))
cov, pri, vi = map(np.asarray, (b.covering, b.pri, b.vi))
for i, (name, _, _) in enumerate(CONFIGS):
    s = slice(i * len(T), (i + 1) * len(T))
    print(f"{name:24s} cov {cov[s].max():.3f} [{T[cov[s].argmax()]}]  PRI {pri[s].max():.3f} "
          f"[{T[pri[s].argmax()]}]  VI {vi[s].min():.3f} [{T[vi[s].argmin()]}]")
    print("   cov", " ".join(f"{x:.3f}" for x in cov[s]))
    print("   PRI", " ".join(f"{x:.3f}" for x in pri[s]))
    print("   VI ", " ".join(f"{x:.3f}" for x in vi[s]))
