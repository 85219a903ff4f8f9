"""Sphinx configuration of the classicseg documentation.

Built offline (no intersphinx, no downloads: the gallery uses the sample
images that ship with scikit-image) with warnings as errors:
``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

import os
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import classicseg  # noqa: E402

project = "classicseg"
author = "classicseg developers"
copyright = "2026, classicseg developers"
release = classicseg.__version__
version = re.match(r"\d+\.\d+", release).group(0)

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "_generated", "examples/README.rst", "**.ipynb_checkpoints"]
templates_path = []
html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "Classical image segmentation with Numba kernels",
                      "fixed_sidebar": True}

autosummary_generate = True
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# MathJax is loaded by the reader's browser; nothing is fetched at build time.

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "reference_url": {},
    "show_memory": False,
    "plot_gallery": "True",
}

# Performance page: the tables the benchmark scripts wrote, as they are.
_RESULTS = ROOT / "benchmarks" / "results"
_GENERATED = HERE / "_generated"


def _write_benchmark_tables():
    _GENERATED.mkdir(exist_ok=True)
    lines = []
    for md in sorted(_RESULTS.glob("*.md")) if _RESULTS.is_dir() else []:
        title = f"``benchmarks/results/{md.name}``"
        lines += [title, "~" * len(title), "",
                  # A leading "/" is the source folder, wherever this file is included.
                  f".. literalinclude:: /{os.path.relpath(md, HERE)}",
                  "   :language: none", ""]
    if not lines:
        lines = ["No benchmark results in this checkout: run the scripts in ``benchmarks/``.", ""]
    target = _GENERATED / "benchmark_tables.rst"
    text = "\n".join(lines)
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


_write_benchmark_tables()
