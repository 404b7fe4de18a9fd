"""From hits to a drum score: tempo, beats, bars and notation.

:func:`make_score` runs both stages: :func:`~drumnmf.notation.beats.track_beats` (tempo,
beats, downbeats, metre and swing, by dynamic programming with drum-pattern priors) and
:func:`~drumnmf.notation.quantize.quantize` (a grid per beat, flams, ghost notes and
accents). Writers: :mod:`drumnmf.io.musicxml` (MusicXML 3.1), :mod:`drumnmf.io.tab`
(plain-text drum tab) and :func:`drumnmf.io.musicxml.write_score_midi` (quantized MIDI).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.notation.beats import METERS, BeatGrid, Meter, track_beats
from drumnmf.notation.quantize import Bar, Note, Score, quantize

__all__ = [
    "GRIDS",
    "METERS",
    "Bar",
    "BeatGrid",
    "Meter",
    "Note",
    "Score",
    "make_score",
    "quantize",
    "track_beats",
]

#: Names accepted by ``grid=``: allowed subdivisions per beat.
GRIDS: dict[str, tuple[int, ...] | None] = {
    "auto": None,
    "8": (2,),
    "16": (4,),
    "32": (8,),
    "triplet": (3,),
    "16+triplet": (4, 3),
}


def make_score(
    onsets: Mapping[str, np.ndarray],
    strengths: Mapping[str, np.ndarray] | None = None,
    *,
    tempo: float | None = None,
    meter: str | None = None,
    grid: str = "auto",
    title: str = "Drums",
) -> Score:
    """Tempo, beats, bars and quantized notes of a drum performance.

    Parameters
    ----------
    onsets : mapping drum -> np.ndarray [shape=(n,)]
        Hit times in seconds (``Transcription.onsets``, ``Annotations.onsets``).
    strengths : mapping drum -> np.ndarray [shape=(n,)], optional
        Strength of each hit (activation height or MIDI velocity).
    tempo : float > 0, optional
        Tempo in BPM, overriding the detected one.
    meter : {"4/4", "3/4", "6/8", "12/8"}, optional
        Metre, overriding the detected one.
    grid : {"auto", "8", "16", "32", "triplet", "16+triplet"}
        Subdivisions allowed per beat; ``"auto"`` picks per beat among 16ths, triplets
        and 32nds (eighths, sixteenths and 32nds in compound metres).
    title : str
        Title written in the score.

    Returns
    -------
    Score
        ``score.grid`` has the tempo, beats, downbeats and metre; ``score.bars`` the notes.
    """
    if grid not in GRIDS:
        raise DrumnmfError(f"grid={grid!r} is not known; choose from {list(GRIDS)}")
    beat_grid = track_beats(onsets, strengths, tempo=tempo, meter=meter)
    return quantize(onsets, beat_grid, strengths, grids=GRIDS[grid], title=title)
