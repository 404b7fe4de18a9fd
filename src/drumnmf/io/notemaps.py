"""Note maps: which MIDI note (and hi-hat pedal position) each drum gets in the MIDI file.

A drum plug-in or an e-kit module expects each sound on a note of its own: a kick written on
35 where the kit listens on 36 plays nothing, an open hi-hat on the closed note sounds
closed. A :class:`NoteMap` names the note of every drum (and articulation) drumnmf knows,
and optionally a hi-hat pedal position: a control change 4 (foot controller, 0 = open to
127 = closed, as e-kit modules send it) written just before each note of that drum.
Hi-hat openness is then either *separate notes* (General MIDI: 42 closed, 46 open, 44
pedal) or *CC4 plus one note* (every hi-hat hit on one note, its openness in the CC4 value),
or both, as a module sends it.

Presets (``drumnmf maps`` lists them) follow published maps; ``docs/notemaps.md`` cites the
source of each. A user map is a TOML or JSON file::

    title = "my kit"      # optional
    base = "gm"           # optional: start from a preset, then override
    [notes]
    kick = 36
    hihat = 42
    open_hihat = 42       # one note for the hi-hat ...
    [pedal]
    hihat = 127           # ... and its openness as CC4 before each note
    open_hihat = 0

Drum names follow the kit's (``kick``, ``snare``, ``hihat``, ``open_hihat``, ``pedal_hihat``,
``tom``, ``crash``, ``ride``, ...; aliases such as ``BD`` or ``hi-hat`` are accepted).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from drumnmf.errors import DrumnmfError
from drumnmf.kit import DRUM_NOTES, canonical_drum_name

__all__ = [
    "DEFAULT_MAP",
    "PRESETS",
    "NoteMap",
    "load_note_map",
    "note_map_from_dict",
]

PEDAL_CONTROL = 4  # MIDI CC 4: foot controller (hi-hat pedal position)


@dataclass(frozen=True)
class NoteMap:
    """MIDI notes (and hi-hat pedal positions) per drum.

    Attributes
    ----------
    name : str
        Short name (``gm``, ``roland-td17``, or the file's stem).
    title : str
        What it is for, in words.
    notes : tuple of (drum, note) pairs
        MIDI note 0-127 of each drum name.
    pedal : tuple of (drum, value) pairs
        CC4 value 0-127 (0 open, 127 closed) written just before each note of these
        drums; empty when openness is carried by the notes alone.
    source : str
        Where the map comes from (a document title and address), or the user file.
    """

    name: str
    title: str
    notes: tuple[tuple[str, int], ...]
    pedal: tuple[tuple[str, int], ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        for what, pairs in (("note", self.notes), ("CC4 value", self.pedal)):
            for drum, value in pairs:
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 127:
                    raise DrumnmfError(
                        f"note map '{self.name}': the {what} of '{drum}' must be a whole "
                        f"number 0-127, got {value!r}"
                    )
        missing = [d for d, _ in self.pedal if d not in dict(self.notes)]
        if missing:
            raise DrumnmfError(
                f"note map '{self.name}' gives a pedal position but no note for {missing}; "
                "add them under [notes]"
            )

    def note_for(self, drum: str) -> int:
        """The note of ``drum`` (any spelling the kit accepts)."""
        key = canonical_drum_name(drum)
        notes = dict(self.notes)
        if key not in notes:
            raise DrumnmfError(
                f"note map '{self.name}' has no note for '{drum}'; write a map file with "
                f"base = \"{self.name}\" and a [notes] entry for it (see 'drumnmf maps')"
            )
        return notes[key]

    def pedal_for(self, drum: str) -> int | None:
        """The CC4 value written before each note of ``drum``, or None."""
        return dict(self.pedal).get(canonical_drum_name(drum))

    def to_dict(self) -> dict[str, Any]:
        """The map as a JSON-ready dictionary (the user-file format plus name and source)."""
        return {
            "name": self.name,
            "title": self.title,
            "source": self.source,
            "notes": dict(self.notes),
            "pedal": dict(self.pedal),
        }


_GM_SOURCE = (
    "MIDI Manufacturers Association, General MIDI System Level 1, Percussion Key Map "
    "(https://midi.org/general-midi)"
)
_ROLAND_SOURCE = (
    "Roland, 'TD-17 Default Factory MIDI Note Map' "
    "(https://support.roland.com/hc/en-us/articles/"
    "360005173411-TD-17-Default-Factory-MIDI-Note-Map); "
    "CC4 before each hi-hat note: Roland, TD-17 MIDI Implementation v1.00 (2018), "
    "'Foot Controller (Controller number 4)'"
)
_ALESIS_SOURCE = (
    "Alesis, Nitro Drum Module User Guide v1.2, 'Pad MIDI Note Numbers' "
    "(https://7132afa424c2f1a2ab6d-54d68a14e2e7c1f76563a2d8c3e9fd82.ssl.cf2.rackcdn.com/1886/"
    "documents/Nitro%20Drum%20Module%20-%20User%20Guide%20-%20v1.2.pdf); CC4 hi-hat position: "
    "Alesis support, 'Alesis Drums - Why does the Hi-Hat send the same MIDI note open & closed?'"
)

# Roland TD-17 pads: KICK 36, SNARE HEAD 38, SNARE RIM 40, SNARE X-STICK 37, TOM 1 48,
# TOM 2 45, TOM 3 43, HH OPEN (BOW) 46, HH CLOSED (BOW) 42, HH PEDAL 44, CRASH 1 (BOW) 49,
# CRASH 2 (BOW) 57, RIDE (BOW) 51, RIDE (BELL) 53. drumnmf's rack toms go to TOM 1 / TOM 2,
# its floor toms to TOM 3.
_ROLAND_NOTES = {
    "kick": 36,
    "snare": 38,
    "rimshot": 40,
    "side_stick": 37,
    "high_tom": 48,
    "mid_tom": 45,
    "tom": 45,
    "low_tom": 45,
    "floor_tom": 43,
    "high_floor_tom": 43,
    "low_floor_tom": 43,
    "hihat": 42,
    "open_hihat": 46,
    "pedal_hihat": 44,
    "crash": 49,
    "cymbal": 49,
    "crash2": 57,
    "ride": 51,
    "ride_bell": 53,
}
# Alesis Nitro pads: Kick 36, Snare 38, Snare Rim 40, Tom 1 48, Tom 2 45, Tom 3 43,
# Tom 4 41, Hi-Hat Open 46, Hi-Hat Closed 42, Hi-Hat Pedal 44, Crash 1 49, Crash 2 57,
# Ride 51.
_ALESIS_NOTES = {
    "kick": 36,
    "snare": 38,
    "rimshot": 40,
    "high_tom": 48,
    "mid_tom": 45,
    "tom": 45,
    "low_tom": 43,
    "high_floor_tom": 43,
    "floor_tom": 41,
    "low_floor_tom": 41,
    "hihat": 42,
    "open_hihat": 46,
    "pedal_hihat": 44,
    "crash": 49,
    "cymbal": 49,
    "crash2": 57,
    "ride": 51,
}
# CC4: 0 = fully open, 127 = fully closed (both modules' MIDI documentation).
_MODULE_PEDAL = {"hihat": 127, "open_hihat": 0, "pedal_hihat": 127}

PRESETS: dict[str, NoteMap] = {
    m.name: m
    for m in (
        NoteMap(
            name="gm",
            title="General MIDI percussion (channel 10); hi-hat openness as notes 42/46/44",
            notes=tuple(DRUM_NOTES.items()),
            source=_GM_SOURCE,
        ),
        NoteMap(
            name="roland-td17",
            title="Roland V-Drums TD-17 factory map; hi-hat as notes 42/46/44 with CC4 before each",
            notes=tuple(_ROLAND_NOTES.items()),
            pedal=tuple(_MODULE_PEDAL.items()),
            source=_ROLAND_SOURCE,
        ),
        NoteMap(
            name="alesis-nitro",
            title="Alesis Nitro drum module factory map; hi-hat as notes 42/46/44 with CC4",
            notes=tuple(_ALESIS_NOTES.items()),
            pedal=tuple(_MODULE_PEDAL.items()),
            source=_ALESIS_SOURCE,
        ),
    )
}
DEFAULT_MAP = "gm"

_KEYS = {"name", "title", "base", "notes", "pedal", "source"}


def note_map_from_dict(data: Mapping[str, Any], *, name: str = "user") -> NoteMap:
    """A note map from the user-file format (see the module docstring).

    Parameters
    ----------
    data : mapping
        ``notes`` (drum -> note), optional ``pedal`` (drum -> CC4 value), ``base`` (a
        preset to start from), ``title``.
    name : str
        Name when ``data`` has none.
    """
    if not isinstance(data, Mapping):
        raise DrumnmfError("a note map must be a table with a [notes] section")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise DrumnmfError(
            f"note map '{name}': unknown key(s) {unknown}; use notes, pedal, base, title"
        )
    notes: dict[str, int] = {}
    pedal: dict[str, int] = {}
    base = data.get("base")
    if base is not None:
        if base not in PRESETS:
            raise DrumnmfError(
                f"note map '{name}': base {base!r} is not a preset; use one of {sorted(PRESETS)}"
            )
        notes.update(PRESETS[base].notes)
        pedal.update(PRESETS[base].pedal)
    for section, target in (("notes", notes), ("pedal", pedal)):
        table = data.get(section, {})
        if not isinstance(table, Mapping):
            raise DrumnmfError(f"note map '{name}': [{section}] must be a table of drum = number")
        for drum, value in table.items():
            target[canonical_drum_name(str(drum))] = value
    if not notes:
        raise DrumnmfError(f"note map '{name}' has no notes; add a [notes] table (kick = 36 ...)")
    return NoteMap(
        name=str(data.get("name", name)),
        title=str(data.get("title", f"user map {name}")),
        notes=tuple(notes.items()),
        pedal=tuple(pedal.items()),
        source=str(data.get("source", "")),
    )


def _read_toml(path: Path) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise DrumnmfError(f"'{path}' is not valid TOML ({exc})") from exc


def load_note_map(spec: str | os.PathLike[str] | NoteMap) -> NoteMap:
    """A preset by name, or a user map from a ``.toml`` or ``.json`` file.

    Parameters
    ----------
    spec : str, path-like or NoteMap
        A preset name (``drumnmf maps`` lists them) or a file.

    Returns
    -------
    NoteMap
    """
    if isinstance(spec, NoteMap):
        return spec
    text = os.fspath(spec)
    if text in PRESETS:
        return PRESETS[text]
    path = Path(text)
    if path.suffix.lower() not in (".toml", ".json"):
        raise DrumnmfError(
            f"unknown note map {text!r}: use a preset ({', '.join(PRESETS)}) or a .toml / "
            ".json file"
        )
    if not path.is_file():
        raise DrumnmfError(f"note map file '{path}' does not exist")
    if path.suffix.lower() == ".toml":
        data = _read_toml(path)
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DrumnmfError(f"'{path}' is not valid JSON ({exc})") from exc
    result = note_map_from_dict(data, name=path.stem)
    return result if result.source else replace(result, source=str(path))
