"""classicseg in napari: widgets for k-means, mean shift, Ncut and hierarchies.

napari finds this plugin through the ``napari.manifest`` entry point and the
manifest ``napari.yaml`` beside this file; ``import classicseg`` never loads
it, so napari stays an optional dependency (``pip install classicseg[napari]``).
"""
