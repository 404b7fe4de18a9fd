"""The built-in example: a short drum groove with accompaniment, and its exact onsets.

About 13 s of a human rock performance (Groove MIDI Dataset, CC BY 4.0) played with
public-domain sonic-pi drum samples, over synthesized bass, pad and arpeggio, mixed at a
drum-to-accompaniment RMS ratio of 0 dB. ``scripts/build_example.py`` makes it; NOTICE
lists the sources. ``drumnmf demo`` transcribes it with the default kit.

Examples
--------
>>> from drumnmf.example import example_onsets, example_path
>>> example_path().name
'example.flac'
>>> sorted(example_onsets())
['hihat', 'kick', 'snare']
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["example_onsets", "example_onsets_path", "example_path"]


def _data_file(name: str) -> Path:
    return Path(str(resources.files("drumnmf").joinpath("data", name)))


def example_path() -> Path:
    """The example audio (FLAC, mono, 44.1 kHz)."""
    return _data_file("example.flac")


def example_onsets_path() -> Path:
    """The example's reference onsets: ``time<TAB>drum`` lines (canonical drum names)."""
    return _data_file("example_onsets.txt")


def example_onsets(*, classes: int | None = 3) -> dict[str, np.ndarray]:
    """The example's reference onsets in seconds, per drum.

    Parameters
    ----------
    classes : {3, 5} or None
        Pool the drums with :func:`drumnmf.io.annotations.reduce_classes` (3: kick, snare,
        hihat, the default); None keeps every sound apart (``open_hihat``,
        ``pedal_hihat``, ...).

    Returns
    -------
    dict str -> np.ndarray [shape=(n,)]
        Sorted onset times in seconds.
    """
    from drumnmf.io.annotations import load_text, reduce_classes

    onsets = load_text(example_onsets_path(), unknown="error").onsets
    return onsets if classes is None else reduce_classes(onsets, classes)
