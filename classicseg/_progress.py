"""Progress bars on long work, by tqdm (terminals, pipes and notebooks alike)."""

import sys


def progress_bar(iterable, progress, *, total=None, desc=None, unit="image"):
    """``iterable`` wrapped in a tqdm bar when ``progress`` asks for one.

    ``progress`` is False (no bar), True (a bar on stderr) or a dict of
    options for :class:`tqdm.auto.tqdm` (``desc``, ``leave``, ``file`` ...),
    which override the defaults given here.
    """
    if progress is False or progress is None:
        return iterable
    if not (progress is True or isinstance(progress, dict)):
        raise TypeError(f"progress must be True, False or a dict of tqdm options, got {progress!r}")
    from tqdm.auto import tqdm

    options = {"total": total, "desc": desc, "unit": unit, "file": sys.stderr}
    if isinstance(progress, dict):
        options.update(progress)
    return tqdm(iterable, **options)
