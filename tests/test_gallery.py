"""Every gallery script of the documentation runs and draws its figure."""

import runpy
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
SCRIPTS = sorted(EXAMPLES.glob("plot_*.py"))


def test_the_gallery_has_the_issues_figures():
    names = {p.stem for p in SCRIPTS}
    assert {"plot_kmeans_k", "plot_kmeans_vs_meanshift", "plot_ncut_eigenvectors",
            "plot_skimage_pipeline", "plot_upsampling", "plot_instances",
            "plot_hierarchy", "plot_contour_hierarchy"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_gallery_script_writes_its_figure(script, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a script might write lands here
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    plt.close("all")
    try:
        runpy.run_path(str(script), run_name="__main__")
        numbers = plt.get_fignums()
        assert numbers, f"{script.name} drew no figure"
        for n in numbers:
            fig = plt.figure(n)
            images = [im for ax in fig.axes for im in ax.get_images()]
            assert images, f"{script.name}: figure {n} shows no image"
            for im in images:
                assert np.isfinite(np.asarray(im.get_array(), dtype=float)).all()
            out = tmp_path / f"{script.stem}_{n}.png"
            fig.savefig(out)
            assert out.stat().st_size > 1000
    finally:
        plt.close("all")
