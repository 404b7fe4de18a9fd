"""Drum names: drumnmf's canonical names, their other spellings and General MIDI notes.

:data:`DRUM_NOTES` maps every canonical drum name to its General MIDI percussion note
(channel 10); :func:`canonical_drum_name` maps the spellings of annotation formats and
users (``BD``, ``hi-hat``) to those names; :func:`kit_note` gives a new kit drum's note
and :func:`parse_hit_source` the drum a calibration file is of.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from drumnmf.errors import DrumnmfError

__all__ = ["DRUM_NOTES", "canonical_drum_name", "kit_note", "parse_hit_source"]

# General MIDI percussion notes (channel 10) of the drum names drumnmf knows.
DRUM_NOTES: dict[str, int] = {
    "kick": 36,
    "side_stick": 37,
    "snare": 38,
    "clap": 39,
    "electric_snare": 40,
    "floor_tom": 41,
    "hihat": 42,
    "low_floor_tom": 41,
    "high_floor_tom": 43,
    "pedal_hihat": 44,
    "low_tom": 45,
    "open_hihat": 46,
    "tom": 47,
    "mid_tom": 47,
    "high_tom": 50,
    "crash": 49,
    "ride": 51,
    "china": 52,
    "ride_bell": 53,
    "tambourine": 54,
    "splash": 55,
    "cowbell": 56,
    "crash2": 57,
    "cymbal": 49,
    "rimshot": 37,
}

# Other spellings accepted for the names above.
_ALIASES: dict[str, str] = {
    "bd": "kick",
    "kd": "kick",
    "bass": "kick",
    "bassdrum": "kick",
    "bass_drum": "kick",
    "kickdrum": "kick",
    "sd": "snare",
    "snaredrum": "snare",
    "hh": "hihat",
    "hi_hat": "hihat",
    "hat": "hihat",
    "chh": "hihat",
    "closed_hihat": "hihat",
    "ohh": "open_hihat",
    "openhat": "open_hihat",
    "phh": "pedal_hihat",
    "tt": "tom",
    "toms": "tom",
    "ht": "high_tom",
    "mt": "mid_tom",
    "lt": "low_tom",
    "ft": "floor_tom",
    "crash_cymbal": "crash",
    "rd": "ride",
    "ride_cymbal": "ride",
    "rs": "rimshot",
    "cb": "cowbell",
}


def canonical_drum_name(name: str) -> str:
    """Lower-case a drum name and map known aliases (``BD``, ``hi-hat``) to drumnmf's names.

    Names drumnmf does not know are kept (lower-cased); they need an explicit MIDI note.
    """
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    if not key or not re.fullmatch(r"[a-z0-9_]+", key):
        raise DrumnmfError(
            f"invalid drum name {name!r}; use letters, digits and '_' (e.g. 'kick', 'snare')"
        )
    return _ALIASES.get(key, key)


def kit_note(name: str, notes: Mapping[str, int] | None = None) -> int:
    """General MIDI note of a canonical drum name in a new kit.

    Parameters
    ----------
    name : str
        A canonical drum name (:func:`canonical_drum_name`).
    notes : mapping drum -> int, optional
        Notes the user gave, keyed by any spelling of the drum; they take precedence.

    Returns
    -------
    int
        The note; an unknown name without a given note raises :class:`DrumnmfError`.
    """
    if notes:
        for key, value in notes.items():
            if canonical_drum_name(key) == name:
                return int(value)
    if name in DRUM_NOTES:
        return DRUM_NOTES[name]
    raise DrumnmfError(
        f"unknown drum name {name!r}: give its General MIDI note (CLI: --note {name}=NOTE) "
        f"or use a known name: {', '.join(sorted(DRUM_NOTES))}"
    )


def parse_hit_source(item: Any) -> tuple[str, Any]:
    """The drum a calibration hit source is of, and the source.

    Parameters
    ----------
    item : (name, source) tuple, ``"name=path"`` or path-like
        A path names its drum by its file name: ``kick.wav``, ``kick_2.wav`` and
        ``Kick 2.wav`` are all kicks.

    Returns
    -------
    (str, object)
        The canonical drum name and the source (path or samples).
    """
    if isinstance(item, tuple) and len(item) == 2:
        return canonical_drum_name(str(item[0])), item[1]
    text = os.fspath(item)
    if "=" in text and not Path(text).exists():
        name, _, path = text.partition("=")
        return canonical_drum_name(name), path
    stem = Path(text).stem
    name = re.split(r"[.\s]", stem)[0]
    name = re.sub(r"[_\-]?\d+$", "", name) or name  # kick_2.wav -> kick
    return canonical_drum_name(name), text
