"""The files a score is written to, and the score fields a transcription's JSON gains."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from drumnmf.errors import DrumnmfError
from drumnmf.notation.quantize import Score, note_dict

__all__ = ["SCORE_FORMATS", "score_fields", "write_score_files"]

#: Score outputs: name -> file suffix after the stem.
SCORE_FORMATS: dict[str, str] = {
    "musicxml": ".musicxml",
    "tab": ".tab.txt",
    "mid": ".score.mid",
    "json": ".score.json",
}


def score_fields(document: Mapping[str, Any], score: Score) -> dict[str, Any]:
    """A transcription document with ``tempo``, ``beats``, ``downbeats``, ``time_signature``.

    Each row of ``document["onsets"]`` (``time``, ``drum``) gains its ``bar`` (from 1) and
    ``position`` (beats from the bar's start); a flam's or drag's grace notes get their main
    note's and ``"grace": true``.
    """
    out = dict(document)
    out.update(score.grid.to_dict())
    placed: dict[tuple[str, float], dict[str, Any]] = {}
    by_drum: dict[str, list[tuple[float, dict[str, Any]]]] = {}
    for note in score.notes:
        row = note_dict(note)
        placed[(note.drum, round(note.time, 6))] = row
        by_drum.setdefault(note.drum, []).append((note.time, row))
    rows = []
    for onset in document.get("onsets", []):
        key = (onset["drum"], round(float(onset["time"]), 6))
        extra: dict[str, Any] = {}
        if key in placed:
            found = placed[key]
            extra = {"bar": found["bar"], "position": found["position"]}
        else:  # a grace note: the next note of its drum
            later = [r for t, r in by_drum.get(onset["drum"], []) if t > key[1]]
            if later:
                extra = {"bar": later[0]["bar"], "position": later[0]["position"], "grace": True}
        rows.append({**onset, **extra})
    out["onsets"] = rows
    return out


def write_score_files(
    score: Score,
    out_dir: str | os.PathLike[str],
    stem: str,
    *,
    formats: tuple[str, ...] = ("musicxml", "tab", "mid"),
    notes: Mapping[str, int] | None = None,
) -> dict[str, Path]:
    """Write ``<stem>.musicxml``, ``<stem>.tab.txt``, ``<stem>.score.mid`` (and ``.score.json``).

    Parameters
    ----------
    score : Score
    out_dir : path-like
        An existing, writable folder.
    stem : str
        File name stem.
    formats : tuple of {"musicxml", "tab", "mid", "json"}
    notes : mapping drum -> int, optional
        General MIDI note of each drum (the kit's).

    Returns
    -------
    dict format -> Path
    """
    from drumnmf.io.export import write_json
    from drumnmf.io.musicxml import write_musicxml
    from drumnmf.io.score_midi import write_score_midi
    from drumnmf.io.tab import write_tab

    unknown = [f for f in formats if f not in SCORE_FORMATS]
    if unknown:
        raise DrumnmfError(f"unknown score format(s) {unknown}; choose from {list(SCORE_FORMATS)}")
    folder = Path(out_dir)
    written: dict[str, Path] = {}
    for name in formats:
        path = folder / f"{stem}{SCORE_FORMATS[name]}"
        if name == "musicxml":
            write_musicxml(path, score, notes=notes)
        elif name == "tab":
            write_tab(path, score)
        elif name == "mid":
            write_score_midi(path, score, notes=notes)
        else:
            write_json(path, {"format": "drumnmf-score", "version": 1, **score.to_dict()})
        written[f"score-{name}" if name in ("mid", "json") else name] = path
    return written
