"""Reference onsets: readers for drum annotation formats, label maps and class reductions.

Every reader returns :class:`Annotations`: per canonical drum name, the sorted onset times
in seconds (``float64``), the strengths where the format has them (MIDI velocity, our
transcription's activation height) and the original labels that were read as each drum.

Formats
-------
========  ===========================================================  ====================
fmt       file                                                          reader
========  ===========================================================  ====================
enst      ENST-Drums ``time label`` lines (``0.123 bd``)                :func:`load_enst`
mdb       MDB Drums class/subclass files (``time<TAB>KD``)              :func:`load_mdb`
idmt      IDMT-SMT-Drums XML (``<event><onsetSec>``/``<instrument>``)   :func:`load_idmt_xml`
svl       Sonic Visualiser layer (``<point frame= label=>``)            :func:`load_svl`
midi      General MIDI drum file (channel 10), tempo changes honoured   :func:`load_midi`
text      ``time label [strength]`` lines, any labels                   :func:`load_text`
csv       ``time,drum[,strength]`` (drumnmf's CSV output)               :func:`load_csv`
json      ``{"onsets": [{"time", "drum", "strength"}]}`` (drumnmf's)    :func:`load_json`
========  ===========================================================  ====================

:func:`load_annotations` picks the reader from the suffix (``.mid``/``.midi``, ``.json``,
``.csv``, ``.svl``, ``.xml`` -- an ``.xml`` whose root is ``<sv>`` is read as svl) and, for
other text files, from the labels: all MDB labels -> mdb, else all ENST labels -> enst,
else text.

Label map
---------
The one table of where each label goes: the canonical drum names (lower case), the label
or note of each dataset read as that name, and the class each name joins in
:func:`reduce_classes` ("-" = dropped by that reduction).

============  ======  ======  =====================  ======================  ====  ==========
canonical     3       5       ENST                   MDB class / subclass    IDMT  GM notes
============  ======  ======  =====================  ======================  ====  ==========
kick          kick    kick    bd                     KD                      KD    35 36
snare         snare   snare   sd sd-                 SD SDB SDD SDF SDG SDNS SD    38 40
rimshot       snare   snare   rs                     -                       -     -
side_stick    snare   snare   cs                     SST                     -     37
hihat         hihat   hihat   chh                    HH CHH                  HH    22 42
open_hihat    hihat   hihat   ohh                    OHH                     -     26 46
pedal_hihat   hihat   hihat   -                      PHH                     -     44
tom           -       tom     -                      TT                      -     -
high_tom      -       tom     ht                     HIT                     -     48 50
mid_tom       -       tom     mt mtr lmt             MHT                     -     45 47
low_tom       -       tom     lt ltr                 -                       -     -
floor_tom     -       tom     lft                    HFT LFT                 -     41 43 58
cymbal        -       cymbal  -                      CY                      -     -
crash         -       cymbal  cr cr1 cr2 cr5 c c1 c4 CRC                     -     49 52 55 57
china         -       cymbal  ch ch1 ch5             CHC                     -     -
splash        -       cymbal  spl spl2               SPC                     -     -
ride          -       cymbal  rc rc1 rc2 rc3 rc4     RDC                     -     51 59
ride_bell     -       cymbal  -                      RDB                     -     53
clap          -       -       -                      -                       -     39
cowbell       -       -       cb                     -                       -     56
tambourine    -       -       -                      TMB                     -     54
other         -       -       sticks sweep           OT                      -     60-81
============  ======  ======  =====================  ======================  ====  ==========

Notes on the table:

* MIDI notes follow General MIDI, overridden by the Roland TD-11 map of the Groove MIDI
  Dataset where the two disagree: 22/26 are hi-hat edge hits, 52 and 55 crash edges (GM:
  china, splash), 58 the floor-tom rim (GM: vibraslap); 40 (GM electric snare, TD-11 snare
  rim) is read as snare. Toms follow the TD-11 kit: 48/50 tom 1, 45/47 tom 2, 43/58 tom 3.
* MDB's own class files put side stick (``SST``) in ``OT``; here it joins the snare, so the
  3-class snare of a subclass file has the side-stick hits that its class file lacks.
* ENST ``mtr``/``ltr`` (tom rim hits) and the tom split of ``lmt`` are our reading of the
  dataset's labels; only the 5-class reduction (all toms pooled) is unambiguous.
* ``text``, ``csv`` and ``json`` read any label: canonical names, the dataset labels above
  (case-insensitive, except ENST's ambiguous ``c`` and ``ch``) and spelled-out aliases
  (``bass_drum``, ``hi-hat``, ``crash2``, ...; see ``GENERIC_LABELS``); unknown labels are
  kept, lower-cased. Dataset readers raise on an unknown label unless told otherwise.

Every reader takes ``label_map`` (merged over its default map; map a label to ``None`` to
drop it) and ``unknown`` (``"error"``, ``"drop"``, ``"other"`` or ``"keep"``).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal, TypeVar, overload

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = [
    "CANONICAL_DRUMS",
    "CLASSES",
    "ENST_LABELS",
    "FORMATS",
    "GENERIC_LABELS",
    "GM_DRUM_NOTES",
    "IDMT_LABELS",
    "MDB_LABELS",
    "SUFFIXES",
    "Annotations",
    "load_annotations",
    "load_csv",
    "load_enst",
    "load_idmt_xml",
    "load_json",
    "load_mdb",
    "load_midi",
    "load_svl",
    "load_text",
    "order_drums",
    "reduce_classes",
    "sniff_format",
]

Unknown = Literal["error", "drop", "other", "keep"]
PathLike = str | os.PathLike[str]

#: Canonical drum names, in the order tables list them.
CANONICAL_DRUMS: tuple[str, ...] = (
    "kick",
    "snare",
    "rimshot",
    "side_stick",
    "hihat",
    "open_hihat",
    "pedal_hihat",
    "tom",
    "high_tom",
    "mid_tom",
    "low_tom",
    "floor_tom",
    "cymbal",
    "crash",
    "china",
    "splash",
    "ride",
    "ride_bell",
    "clap",
    "cowbell",
    "tambourine",
    "other",
)

_THREE = {
    "kick": "kick",
    "snare": "snare",
    "rimshot": "snare",
    "side_stick": "snare",
    "hihat": "hihat",
    "open_hihat": "hihat",
    "pedal_hihat": "hihat",
}
_FIVE = {
    **_THREE,
    **dict.fromkeys(("tom", "high_tom", "mid_tom", "low_tom", "floor_tom"), "tom"),
    **dict.fromkeys(("cymbal", "crash", "china", "splash", "ride", "ride_bell"), "cymbal"),
}
#: Class names of each reduction, in table order.
CLASSES: Mapping[int, tuple[str, ...]] = MappingProxyType(
    {3: ("kick", "snare", "hihat"), 5: ("kick", "snare", "hihat", "tom", "cymbal")}
)
_REDUCTIONS: Mapping[int, Mapping[str, str]] = MappingProxyType({3: _THREE, 5: _FIVE})


K = TypeVar("K", str, int)


def _inverse(groups: Mapping[str, Iterable[K]]) -> dict[K, str]:
    """Invert ``{drum: [labels]}`` into ``{label: drum}``."""
    return {label: drum for drum, labels in groups.items() for label in labels}


#: ENST-Drums labels -> canonical names.
ENST_LABELS: Mapping[str, str] = MappingProxyType(
    _inverse(
        {
            "kick": ["bd"],
            "snare": ["sd", "sd-"],
            "rimshot": ["rs"],
            "side_stick": ["cs"],
            "hihat": ["chh"],
            "open_hihat": ["ohh"],
            "high_tom": ["ht"],
            "mid_tom": ["mt", "mtr", "lmt"],
            "low_tom": ["lt", "ltr"],
            "floor_tom": ["lft"],
            "crash": ["cr", "cr1", "cr2", "cr5", "c", "c1", "c4"],
            "china": ["ch", "ch1", "ch5"],
            "splash": ["spl", "spl2"],
            "ride": ["rc", "rc1", "rc2", "rc3", "rc4"],
            "cowbell": ["cb"],
            "other": ["sticks", "sweep"],
        }
    )
)

#: MDB Drums class and subclass labels -> canonical names.
MDB_LABELS: Mapping[str, str] = MappingProxyType(
    _inverse(
        {
            "kick": ["KD"],
            "snare": ["SD", "SDB", "SDD", "SDF", "SDG", "SDNS"],
            "side_stick": ["SST"],
            "hihat": ["HH", "CHH"],
            "open_hihat": ["OHH"],
            "pedal_hihat": ["PHH"],
            "tom": ["TT"],
            "high_tom": ["HIT"],
            "mid_tom": ["MHT"],
            "floor_tom": ["HFT", "LFT"],
            "cymbal": ["CY"],
            "crash": ["CRC"],
            "china": ["CHC"],
            "splash": ["SPC"],
            "ride": ["RDC"],
            "ride_bell": ["RDB"],
            "tambourine": ["TMB"],
            "other": ["OT"],
        }
    )
)

#: IDMT-SMT-Drums instrument labels -> canonical names.
IDMT_LABELS: Mapping[str, str] = MappingProxyType({"KD": "kick", "SD": "snare", "HH": "hihat"})

#: General MIDI percussion notes (with the Groove MIDI Dataset's TD-11 overrides) -> names.
GM_DRUM_NOTES: Mapping[int, str] = MappingProxyType(
    {
        **_inverse(
            {
                "kick": [35, 36],
                "side_stick": [37],
                "snare": [38, 40],
                "clap": [39],
                "hihat": [22, 42],
                "open_hihat": [26, 46],
                "pedal_hihat": [44],
                "high_tom": [48, 50],
                "mid_tom": [45, 47],
                "floor_tom": [41, 43, 58],
                "crash": [49, 52, 55, 57],
                "ride": [51, 59],
                "ride_bell": [53],
                "tambourine": [54],
                "cowbell": [56],
            }
        ),
        **dict.fromkeys(range(60, 82), "other"),
    }
)

_AMBIGUOUS = {"c", "ch"}  # ENST's crash and china; too easily read as something else
#: Labels of the generic readers (text, csv, json) -> canonical names; keys are normalized
#: (lower case, runs of space and '-' as '_', no leading or trailing '_').
GENERIC_LABELS: Mapping[str, str] = MappingProxyType(
    {
        **{k.lower().strip("-"): v for k, v in ENST_LABELS.items() if k not in _AMBIGUOUS},
        **{k.lower(): v for k, v in MDB_LABELS.items()},
        **{k.lower(): v for k, v in IDMT_LABELS.items()},
        **_inverse(
            {
                "kick": ["bass", "bass_drum", "bassdrum", "kick_drum", "kickdrum"],
                "snare": ["snare_drum", "snaredrum", "acoustic_snare", "electric_snare"],
                "rimshot": ["rim_shot", "rim"],
                "side_stick": ["cross_stick", "crossstick", "x_stick", "xstick", "sidestick"],
                "hihat": ["hi_hat", "hat", "closed_hihat", "closed_hi_hat", "hihat_closed"],
                "open_hihat": ["open_hi_hat", "hihat_open", "openhat"],
                "pedal_hihat": ["pedal_hi_hat", "hihat_pedal", "foot_hihat"],
                "tom": ["toms", "tom_tom"],
                "floor_tom": ["ft", "low_floor_tom", "high_floor_tom"],
                "cymbal": ["cymbals"],
                "crash": ["crash_cymbal", "crash2"],
                "china": ["china_cymbal", "chinese_cymbal"],
                "splash": ["splash_cymbal"],
                "ride": ["rd", "ride_cymbal", "ride2"],
                "ride_bell": ["bell"],
                "clap": ["hand_clap", "handclap"],
            }
        ),
        **{name: name for name in CANONICAL_DRUMS},
    }
)

#: Formats understood by :func:`load_annotations`.
FORMATS: tuple[str, ...] = ("enst", "mdb", "idmt", "svl", "midi", "text", "csv", "json")
_UNKNOWN = ("error", "drop", "other", "keep")


@dataclass(frozen=True, eq=False)  # arrays: compare the fields, not the objects
class Annotations:
    """Onsets of one recording, per canonical drum name.

    Attributes
    ----------
    onsets : dict str -> np.ndarray [shape=(n,), float64]
        Onset times in seconds, sorted, per drum.
    strengths : dict str -> np.ndarray [shape=(n,), float64] or None
        Strength of each onset, aligned with ``onsets`` (MIDI velocity 1-127, drumnmf's
        activation height); ``None`` when the format has none.
    labels : dict str -> tuple of str
        The original labels (or MIDI notes, as text) read as each drum, sorted.
    """

    onsets: dict[str, np.ndarray]
    strengths: dict[str, np.ndarray] | None = None
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def drums(self) -> tuple[str, ...]:
        """Drum names, canonical ones in table order, then others alphabetically."""
        return order_drums(self.onsets)

    @property
    def n_onsets(self) -> dict[str, int]:
        """Number of onsets per drum."""
        return {drum: int(times.size) for drum, times in self.onsets.items()}


def order_drums(names: Iterable[str]) -> tuple[str, ...]:
    """Sort drum names: canonical names in :data:`CANONICAL_DRUMS` order, then the rest."""
    rank = {name: i for i, name in enumerate(CANONICAL_DRUMS)}
    return tuple(sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n)))


# ----------------------------------------------------------------------------- label mapping


def _normalize(label: str) -> str:
    return re.sub(r"[\s\-]+", "_", label.strip().lower()).strip("_")


def _mapper(
    default: Mapping[str, str | None],
    label_map: Mapping[str, str | None] | None,
    unknown: str,
    *,
    generic: bool,
    what: str,
    option: str = "label_map",
) -> Callable[[str, str], str | None]:
    """A function ``(label, where) -> drum or None (drop)`` for one reader."""
    if unknown not in _UNKNOWN:
        raise DrumnmfError(f"unknown={unknown!r} is not one of {', '.join(_UNKNOWN)}")
    table: dict[str, str | None] = dict(default)
    table.update(label_map or {})
    folded = {k.casefold(): v for k, v in table.items()}
    normalized = {_normalize(k): v for k, v in table.items()} if generic else {}

    def lookup(label: str, where: str) -> str | None:
        if label in table:
            return table[label]
        if label.casefold() in folded:
            return folded[label.casefold()]
        if generic and _normalize(label) in normalized:
            return normalized[_normalize(label)]
        if unknown == "drop":
            return None
        if unknown == "other":
            return "other"
        if unknown == "keep" and _normalize(label):
            return _normalize(label)
        raise DrumnmfError(
            f"unknown {what} label {label!r} ({where}); map it with "
            f"{option}={{{label!r}: 'snare'}} (any canonical name, or None to drop it), "
            "or pass unknown='drop', 'other' or 'keep'"
        )

    return lookup


def _assemble(
    events: Sequence[tuple[float, str, float | None]],
    lookup: Callable[[str, str], str | None],
    source: str,
) -> Annotations:
    """Group ``(time, label, strength)`` events by drum; sort; keep the label provenance."""
    has_strength = {s is not None for _, _, s in events}
    if len(has_strength) > 1:
        raise DrumnmfError(
            f"{source}: some onsets have a strength and others do not; give all or none"
        )
    times: dict[str, list[float]] = {}
    strengths: dict[str, list[float]] = {}
    labels: dict[str, set[str]] = {}
    for t, label, s in events:
        drum = lookup(label, source)
        if drum is None:
            continue
        times.setdefault(drum, []).append(t)
        strengths.setdefault(drum, []).append(math.nan if s is None else s)
        labels.setdefault(drum, set()).add(label)
    onsets: dict[str, np.ndarray] = {}
    strength_arrays: dict[str, np.ndarray] = {}
    for drum in order_drums(times):
        t_arr = np.asarray(times[drum], dtype=np.float64)
        order = np.argsort(t_arr, kind="stable")
        onsets[drum] = t_arr[order]
        strength_arrays[drum] = np.asarray(strengths[drum], dtype=np.float64)[order]
    with_strength = has_strength == {True}
    return Annotations(
        onsets=onsets,
        strengths=strength_arrays if with_strength else None,
        labels={d: tuple(sorted(labels[d])) for d in onsets},
    )


def _parse_float(text: str, where: str, what: str = "time") -> float:
    try:
        value = float(text)
    except ValueError:
        raise DrumnmfError(
            f"{where}: {what} {text!r} is not a number; expected seconds like '1.25'"
        ) from None
    if not math.isfinite(value):
        raise DrumnmfError(f"{where}: {what} {text!r} is not finite; remove or fix the line")
    if what in ("time", "frame") and value < 0:
        raise DrumnmfError(
            f"{where}: {what} {text!r} is negative; onset times are seconds from the start "
            "of the recording (>= 0): fix or remove the line"
        )
    return value


def _read_text(path: PathLike) -> str:
    p = Path(path)
    if not p.is_file():
        raise DrumnmfError(f"annotation file '{p}' does not exist; check the path")
    try:
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DrumnmfError(
            f"'{p}' is not UTF-8 text ({exc.reason}); is it a MIDI or audio file? "
            "pass the right fmt"
        ) from None
    except OSError as exc:
        raise DrumnmfError(f"cannot read '{p}' ({exc.strerror}); check its permissions") from None


# ----------------------------------------------------------------------------- text formats


def _lines(path: PathLike) -> list[tuple[int, list[str]]]:
    """Non-blank, non-comment lines of a whitespace-separated file, split, with line numbers."""
    out = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            out.append((number, fields))
    return out


def _time_label_events(
    path: PathLike, *, allow_strength: bool, what: str
) -> list[tuple[float, str, float | None]]:
    events: list[tuple[float, str, float | None]] = []
    allowed = "2 or 3" if allow_strength else "2"
    for number, fields in _lines(path):
        where = f"{Path(path).name} line {number}"
        if len(fields) not in ((2, 3) if allow_strength else (2,)):
            raise DrumnmfError(
                f"{where} has {len(fields)} fields, expected {allowed} "
                f"('time label{' [strength]' if allow_strength else ''}' for {what}); "
                "check the file's format"
            )
        t = _parse_float(fields[0], where)
        s = _parse_float(fields[2], where, "strength") if len(fields) == 3 else None
        events.append((t, fields[1], s))
    return events


def load_enst(
    path: PathLike,
    *,
    label_map: Mapping[str, str | None] | None = None,
    unknown: Unknown = "error",
) -> Annotations:
    """Read an ENST-Drums annotation file: ``time label`` lines (``12.345 bd``).

    Parameters
    ----------
    path : str or path
        The ``.txt`` annotation file.
    label_map : mapping str -> str or None, optional
        Entries merged over :data:`ENST_LABELS`; ``None`` drops a label.
    unknown : {"error", "drop", "other", "keep"}
        What to do with a label in neither map.

    Returns
    -------
    Annotations
        Onsets per canonical drum; no strengths.

    Examples
    --------
    >>> ann = load_enst("001_hits_snare-drum_sticks_x6.txt")  # doctest: +SKIP
    >>> ann.onsets["snare"]  # doctest: +SKIP
    array([0.105, 0.596, ...])
    """
    lookup = _mapper(ENST_LABELS, label_map, unknown, generic=False, what="ENST")
    return _assemble(_time_label_events(path, allow_strength=False, what="ENST"), lookup, str(path))


def load_mdb(
    path: PathLike,
    *,
    label_map: Mapping[str, str | None] | None = None,
    unknown: Unknown = "error",
) -> Annotations:
    """Read an MDB Drums class or subclass file: ``time<TAB>label`` lines (``0.57 SD``).

    Class files use KD, SD, HH, TT, CY, OT; subclass files the 21 finer labels; both are in
    :data:`MDB_LABELS`. Trailing spaces and any whitespace between the fields are accepted.

    Parameters
    ----------
    path : str or path
        A ``*_class.txt`` or ``*_subclass.txt`` file.
    label_map : mapping str -> str or None, optional
        Entries merged over :data:`MDB_LABELS`; ``None`` drops a label.
    unknown : {"error", "drop", "other", "keep"}
        What to do with a label in neither map.

    Returns
    -------
    Annotations
        Onsets per canonical drum; no strengths.
    """
    lookup = _mapper(MDB_LABELS, label_map, unknown, generic=False, what="MDB")
    return _assemble(_time_label_events(path, allow_strength=False, what="MDB"), lookup, str(path))


def load_text(
    path: PathLike,
    *,
    label_map: Mapping[str, str | None] | None = None,
    unknown: Unknown = "keep",
) -> Annotations:
    """Read ``time label [strength]`` lines with any labels (see :data:`GENERIC_LABELS`).

    Blank lines and lines starting with ``#`` are skipped. Either every line has a
    strength or none has.

    Parameters
    ----------
    path : str or path
        Whitespace-separated text file.
    label_map : mapping str -> str or None, optional
        Entries merged over :data:`GENERIC_LABELS`; ``None`` drops a label.
    unknown : {"keep", "error", "drop", "other"}
        What to do with a label in neither map; ``"keep"`` keeps it, lower-cased.

    Returns
    -------
    Annotations
    """
    lookup = _mapper(GENERIC_LABELS, label_map, unknown, generic=True, what="drum")
    return _assemble(_time_label_events(path, allow_strength=True, what="text"), lookup, str(path))


_TIME_COLUMNS = ("time", "onset", "onset_time", "time_s", "seconds", "sec")
_DRUM_COLUMNS = ("drum", "label", "instrument", "class", "name")
_STRENGTH_COLUMNS = ("strength", "velocity", "salience", "activation")


def load_csv(
    path: PathLike,
    *,
    label_map: Mapping[str, str | None] | None = None,
    unknown: Unknown = "keep",
) -> Annotations:
    """Read ``time,drum[,strength]`` CSV, such as drumnmf's transcription output.

    A first row whose first cell is not a number is a header; its columns are found by
    name (``time``/``onset``, ``drum``/``label``/``instrument``, ``strength``/``velocity``;
    any order, other columns ignored). Without a header the columns are time, drum and
    optionally strength.

    Parameters
    ----------
    path : str or path
        The ``.csv`` file.
    label_map : mapping str -> str or None, optional
        Entries merged over :data:`GENERIC_LABELS`; ``None`` drops a label.
    unknown : {"keep", "error", "drop", "other"}
        What to do with a label in neither map; ``"keep"`` keeps it, lower-cased.

    Returns
    -------
    Annotations
        With strengths when the file has a strength column.
    """
    name = Path(path).name
    rows = [
        (number, [cell.strip() for cell in row])
        for number, row in enumerate(csv.reader(_read_text(path).splitlines()), start=1)
        if row and any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")
    ]
    columns: tuple[int, int, int | None] = (0, 1, None)
    if rows:
        first = rows[0][1]
        try:
            float(first[0])
        except ValueError:
            header = [_normalize(cell) for cell in first]
            columns = _csv_columns(header, name)
            rows = rows[1:]
        else:
            columns = (0, 1, 2 if len(first) > 2 else None)
    t_col, d_col, s_col = columns
    width = max(c for c in columns if c is not None) + 1
    events: list[tuple[float, str, float | None]] = []
    for number, row in rows:
        where = f"{name} line {number}"
        if len(row) < width:
            raise DrumnmfError(
                f"{where} has {len(row)} columns, expected at least {width}; check the file"
            )
        t = _parse_float(row[t_col], where)
        s = _parse_float(row[s_col], where, "strength") if s_col is not None else None
        events.append((t, row[d_col], s))
    lookup = _mapper(GENERIC_LABELS, label_map, unknown, generic=True, what="drum")
    return _assemble(events, lookup, str(path))


def _csv_columns(header: list[str], name: str) -> tuple[int, int, int | None]:
    def find(candidates: tuple[str, ...]) -> int | None:
        for candidate in candidates:
            if candidate in header:
                return header.index(candidate)
        return None

    t_col, d_col = find(_TIME_COLUMNS), find(_DRUM_COLUMNS)
    if t_col is None or d_col is None:
        raise DrumnmfError(
            f"{name}: header {header} has no time and drum columns; name them 'time' and "
            "'drum' (optionally 'strength'), or drop the header"
        )
    return t_col, d_col, find(_STRENGTH_COLUMNS)


def load_json(
    path: PathLike,
    *,
    label_map: Mapping[str, str | None] | None = None,
    unknown: Unknown = "keep",
) -> Annotations:
    """Read drumnmf's JSON output: ``{"onsets": [{"time": 0.5, "drum": "kick", ...}]}``.

    Each onset needs ``time`` (seconds) and ``drum``; ``strength`` is read when every onset
    has one. Other keys of the document are ignored.

    Parameters
    ----------
    path : str or path
        The ``.json`` file.
    label_map : mapping str -> str or None, optional
        Entries merged over :data:`GENERIC_LABELS`; ``None`` drops a label.
    unknown : {"keep", "error", "drop", "other"}
        What to do with a label in neither map; ``"keep"`` keeps it, lower-cased.

    Returns
    -------
    Annotations
    """
    name = Path(path).name
    try:
        document = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise DrumnmfError(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    items = document.get("onsets") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise DrumnmfError(
            f"{name} has no 'onsets' list; expected drumnmf's transcription JSON "
            '{"onsets": [{"time": 0.5, "drum": "kick", "strength": 1.0}, ...]}'
        )
    events: list[tuple[float, str, float | None]] = []
    for i, item in enumerate(items):
        where = f"{name} onsets[{i}]"
        if not isinstance(item, dict) or "time" not in item or "drum" not in item:
            raise DrumnmfError(f"{where} is {item!r}; each onset needs 'time' and 'drum'")
        t = _parse_float(str(item["time"]), where)
        s = item.get("strength")
        events.append(
            (t, str(item["drum"]), None if s is None else _parse_float(str(s), where, "strength"))
        )
    lookup = _mapper(GENERIC_LABELS, label_map, unknown, generic=True, what="drum")
    return _assemble(events, lookup, str(path))


# ----------------------------------------------------------------------------- XML formats


def _parse_xml(path: PathLike) -> ET.Element:
    text = _read_text(path)
    try:
        return ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise DrumnmfError(f"{Path(path).name} is not well-formed XML ({exc})") from None


def load_idmt_xml(
    path: PathLike,
    *,
    label_map: Mapping[str, str | None] | None = None,
    unknown: Unknown = "error",
) -> Annotations:
    """Read an IDMT-SMT-Drums XML annotation: ``<event>`` elements with ``<onsetSec>``
    and ``<instrument>`` (KD, SD, HH), anywhere in the document.

    Parameters
    ----------
    path : str or path
        The ``.xml`` file (``annotation_xml/RealDrum01_00#MIX.xml``).
    label_map : mapping str -> str or None, optional
        Entries merged over :data:`IDMT_LABELS`; ``None`` drops a label.
    unknown : {"error", "drop", "other", "keep"}
        What to do with a label in neither map.

    Returns
    -------
    Annotations
        Onsets per canonical drum; no strengths.
    """
    name = Path(path).name
    events: list[tuple[float, str, float | None]] = []
    for i, event in enumerate(_parse_xml(path).iter("event")):
        where = f"{name} event {i + 1}"
        onset, instrument = event.findtext("onsetSec"), event.findtext("instrument")
        if onset is None or instrument is None:
            raise DrumnmfError(
                f"{where} lacks <onsetSec> or <instrument>; is this an IDMT-SMT-Drums file?"
            )
        events.append((_parse_float(onset.strip(), where), instrument.strip(), None))
    lookup = _mapper(IDMT_LABELS, label_map, unknown, generic=False, what="IDMT")
    return _assemble(events, lookup, str(path))


def load_svl(
    path: PathLike,
    *,
    label_map: Mapping[str, str | None] | None = None,
    unknown: Unknown = "error",
    instrument: str | None = None,
) -> Annotations:
    """Read a Sonic Visualiser layer: ``<point frame=... label=...>`` at ``sampleRate``.

    The time of a point is ``frame / sampleRate`` of its ``<model>``. Its label comes from
    ``instrument`` if given, else from the point's ``label`` if that is a known label,
    else from an IDMT-style file name (``RealDrum01_00#KD.svl`` -> ``KD``), else the point's
    label goes to the ``unknown`` policy.

    Parameters
    ----------
    path : str or path
        The ``.svl`` file.
    label_map : mapping str -> str or None, optional
        Entries merged over :data:`IDMT_LABELS`; ``None`` drops a label.
    unknown : {"error", "drop", "other", "keep"}
        What to do with a label in neither map.
    instrument : str, optional
        One label for every point (``"KD"``), for layers of a single drum.

    Returns
    -------
    Annotations
        Onsets per canonical drum; no strengths.
    """
    p = Path(path)
    root = _parse_xml(p)
    models = list(root.iter("model"))
    rates: dict[str | None, float] = {}
    for model in models:
        where = f"{p.name} <model id={model.get('id')!r}>"
        rate = _parse_float(model.get("sampleRate", "nan"), where, "sampleRate")
        if rate <= 0:
            raise DrumnmfError(f"{where}: sampleRate {rate} must be positive")
        rates[model.get("dataset")] = rate
    if not models:
        raise DrumnmfError(
            f"{p.name} has no <model sampleRate=...>; is it a Sonic Visualiser layer?"
        )
    lookup = _mapper(IDMT_LABELS, label_map, unknown, generic=False, what="SVL")
    known = {k.casefold() for k in {**IDMT_LABELS, **(label_map or {})}}
    from_name = re.search(r"#([A-Za-z]+)(?:#|$)", p.stem)
    events: list[tuple[float, str, float | None]] = []
    for dataset in root.iter("dataset"):
        rate = rates.get(dataset.get("id"), next(iter(rates.values())))
        for j, point in enumerate(dataset.iter("point")):
            where = f"{p.name} point {j + 1}"
            frame = _parse_float(point.get("frame", "nan"), where, "frame")
            label = point.get("label", "").strip()
            if instrument is not None:
                label = instrument
            elif label.casefold() not in known and from_name:
                label = from_name.group(1)
            events.append((frame / rate, label, None))
    return _assemble(events, lookup, str(path))


# ----------------------------------------------------------------------------- MIDI


def load_midi(
    path: PathLike,
    *,
    note_map: Mapping[int, str | None] | None = None,
    unknown: Unknown = "error",
    channel: int | None = 9,
) -> Annotations:
    """Read a General MIDI drum file: note-on events with velocity > 0, tempo changes honoured.

    Times come from absolute ticks and the tempo map (``set_tempo`` in any track, as
    ``mido`` merges type-0 and type-1 files), computed segment by segment so they do not
    accumulate rounding error. Velocities are returned as strengths.

    Parameters
    ----------
    path : str or path
        A ``.mid`` or ``.midi`` file of type 0 or 1.
    note_map : mapping int -> str or None, optional
        Entries merged over :data:`GM_DRUM_NOTES`; ``None`` drops a note
        (``{40: "rimshot"}`` reads the TD-11 snare rim apart).
    unknown : {"error", "drop", "other", "keep"}
        What to do with a note in neither map; ``"keep"`` names it ``note_<n>``.
    channel : int in [0, 15] or None
        Channel to read, counted from 0 (9 is General MIDI's percussion channel 10);
        ``None`` reads every channel.

    Returns
    -------
    Annotations
        Onsets per canonical drum, with velocities (1-127) as strengths.
    """
    import mido

    p = Path(path)
    if not p.is_file():
        raise DrumnmfError(f"MIDI file '{p}' does not exist; check the path")
    if channel is not None and not (isinstance(channel, int) and 0 <= channel <= 15):
        raise DrumnmfError(f"channel={channel!r} must be an integer in [0, 15] or None")
    try:
        midi = mido.MidiFile(str(p))
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise DrumnmfError(
            f"cannot read MIDI file '{p.name}' ({exc}); is it a MIDI file?"
        ) from None
    if midi.type == 2:
        raise DrumnmfError(
            f"'{p.name}' is a type 2 (asynchronous) MIDI file, which has no single timeline; "
            "convert it to type 0 or 1"
        )
    tpb = midi.ticks_per_beat
    tempo, seg_tick, seg_seconds = 500_000, 0, 0.0  # 120 bpm until the first set_tempo
    tick = 0
    notes: list[tuple[float, int, float]] = []
    other_channels: set[int] = set()
    for msg in mido.merge_tracks(midi.tracks):
        tick += msg.time
        if msg.type == "set_tempo":
            seg_seconds += (tick - seg_tick) * tempo / (1e6 * tpb)
            seg_tick, tempo = tick, msg.tempo
        elif msg.type == "note_on" and msg.velocity > 0:
            if channel is not None and msg.channel != channel:
                other_channels.add(msg.channel)
                continue
            seconds = seg_seconds + (tick - seg_tick) * tempo / (1e6 * tpb)
            notes.append((seconds, msg.note, float(msg.velocity)))
    if not notes and other_channels and channel is not None:
        raise DrumnmfError(
            f"'{p.name}' has no notes on channel {channel} (MIDI channel {channel + 1}) but has "
            f"notes on channels {sorted(other_channels)} (counted from 0); pass channel=N "
            "or channel=None"
        )
    table = {str(k): v for k, v in {**GM_DRUM_NOTES, **(note_map or {})}.items()}
    lookup = _mapper(
        table,
        None,
        "error" if unknown == "keep" else unknown,
        generic=False,
        what="MIDI note",
        option="note_map",
    )

    def note_lookup(label: str, where: str) -> str | None:
        if unknown == "keep" and label not in table:
            return f"note_{label}"
        return lookup(label, where)

    events = [(t, str(n), v) for t, n, v in notes]
    return _assemble(events, note_lookup, str(path))


# ----------------------------------------------------------------------------- dispatch


_TEXT_SUFFIXES = (".txt", ".lab", ".tsv", ".ann", ".onsets")
#: File suffixes of each format, used to list annotation files in a folder.
SUFFIXES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "json": (".json",),
        "csv": (".csv",),
        "text": _TEXT_SUFFIXES,
        "enst": _TEXT_SUFFIXES,
        "mdb": _TEXT_SUFFIXES,
        "idmt": (".xml",),
        "svl": (".svl", ".xml"),
        "midi": (".mid", ".midi"),
    }
)


def sniff_format(path: PathLike) -> str:
    """Guess the format of an annotation file (one of :data:`FORMATS`).

    By suffix first: ``.mid``/``.midi`` midi, ``.json`` json, ``.csv`` csv, ``.svl`` svl,
    ``.xml`` svl when the root element is ``<sv>`` else idmt. Any other file is read as
    whitespace-separated text: csv if its first line has commas, mdb if every label is an
    MDB label, enst if every label is an ENST label (and every line has two fields), else
    text.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    by_suffix = {".mid": "midi", ".midi": "midi", ".json": "json", ".csv": "csv", ".svl": "svl"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    if suffix == ".xml":
        return "svl" if _parse_xml(p).tag == "sv" else "idmt"
    lines = _lines(p)
    if lines and "," in lines[0][1][0]:
        return "csv"
    if any(len(fields) != 2 for _, fields in lines):
        return "text"  # dataset files have exactly 'time label'
    labels = {fields[1] for _, fields in lines if len(fields) >= 2}
    if labels and labels <= set(MDB_LABELS):
        return "mdb"
    if labels and labels <= set(ENST_LABELS):
        return "enst"
    return "text"


def load_annotations(path: PathLike, *, fmt: str = "auto") -> Annotations:
    """Read an annotation or transcription file in any supported format.

    Parameters
    ----------
    path : str or path
        The file.
    fmt : {"auto", "enst", "mdb", "idmt", "svl", "midi", "text", "csv", "json"}
        The format; ``"auto"`` guesses it with :func:`sniff_format`. Each reader runs with
        its default label map and unknown-label policy.

    Returns
    -------
    Annotations

    Examples
    --------
    >>> ann = load_annotations("MusicDelta_Rock_class.txt")  # doctest: +SKIP
    >>> sorted(ann.onsets)  # doctest: +SKIP
    ['cymbal', 'hihat', 'kick', 'snare']
    """
    if fmt != "auto" and fmt not in FORMATS:
        raise DrumnmfError(f"fmt={fmt!r} is not 'auto' or one of {', '.join(FORMATS)}")
    p = Path(path)
    if not p.is_file():
        what = "is a folder, not a file" if p.is_dir() else "does not exist"
        raise DrumnmfError(f"annotation file '{p}' {what}; check the path")
    chosen = sniff_format(p) if fmt == "auto" else fmt
    readers: dict[str, Callable[[PathLike], Annotations]] = {
        "enst": load_enst,
        "mdb": load_mdb,
        "idmt": load_idmt_xml,
        "svl": load_svl,
        "midi": load_midi,
        "text": load_text,
        "csv": load_csv,
        "json": load_json,
    }
    return readers[chosen](p)


# ----------------------------------------------------------------------------- reductions


@overload
def reduce_classes(
    onsets: Annotations, classes: int = 3, *, merge_window: float | None = 0.0
) -> Annotations: ...


@overload
def reduce_classes(
    onsets: Mapping[str, np.ndarray], classes: int = 3, *, merge_window: float | None = 0.0
) -> dict[str, np.ndarray]: ...


def reduce_classes(
    onsets: Annotations | Mapping[str, np.ndarray],
    classes: int = 3,
    *,
    merge_window: float | None = 0.0,
) -> Annotations | dict[str, np.ndarray]:
    """Pool canonical drums into the 3-class or 5-class vocabulary (see the module table).

    3 classes: kick; snare (with rimshot, side stick); hihat (closed, open, pedal).
    5 classes add tom (every tom) and cymbal (crash, china, splash, ride, ride bell,
    cymbal). Other drums (clap, cowbell, tambourine, other) are dropped.

    Parameters
    ----------
    onsets : Annotations or mapping str -> np.ndarray
        Onset times in seconds per canonical drum name.
    classes : {3, 5}
        The vocabulary.
    merge_window : float >= 0 or None
        Onsets of one class closer than this (seconds) to the previous kept one become one
        onset at the earlier time with the larger strength; 0 merges only identical times
        (an open and a closed hi-hat annotated at one instant), ``None`` keeps all.

    Returns
    -------
    Annotations or dict str -> np.ndarray
        The same kind as ``onsets``, with every class of the vocabulary as a key (empty
        arrays for classes without onsets). The input is not modified.

    Raises
    ------
    DrumnmfError
        If a drum name is not canonical: its class would be a guess.

    Examples
    --------
    >>> import numpy as np
    >>> r = reduce_classes({"open_hihat": np.array([1.0]), "hihat": np.array([0.5, 1.0])})
    >>> r["hihat"], r["snare"]
    (array([0.5, 1. ]), array([], dtype=float64))
    """
    if classes not in _REDUCTIONS:
        raise DrumnmfError(f"classes={classes!r} must be 3 or 5 (or no reduction at all)")
    if merge_window is not None and not (
        isinstance(merge_window, (int, float)) and math.isfinite(merge_window) and merge_window >= 0
    ):
        raise DrumnmfError(f"merge_window={merge_window!r} must be seconds >= 0, or None")
    table = _REDUCTIONS[classes]
    is_annotations = isinstance(onsets, Annotations)
    times_in = onsets.onsets if isinstance(onsets, Annotations) else onsets
    strengths_in = onsets.strengths if isinstance(onsets, Annotations) else None
    odd = [name for name in times_in if name not in CANONICAL_DRUMS]
    if odd:
        raise DrumnmfError(
            f"drum name(s) {odd} are not canonical ({', '.join(CANONICAL_DRUMS)}), so their "
            "class is unknown; rename them (label_map when reading) or skip the reduction"
        )
    out_t: dict[str, np.ndarray] = {}
    out_s: dict[str, np.ndarray] = {}
    out_labels: dict[str, tuple[str, ...]] = {}
    for cls in CLASSES[classes]:
        members = [name for name in times_in if table.get(name) == cls]
        t = np.concatenate(
            [np.asarray(times_in[m], dtype=np.float64).ravel() for m in members] + [np.empty(0)]
        )
        if strengths_in is not None:
            s = np.concatenate(
                [np.asarray(strengths_in[m], dtype=np.float64).ravel() for m in members]
                + [np.empty(0)]
            )
        else:
            s = np.full(t.shape, np.nan)
        order = np.argsort(t, kind="stable")
        t, s = t[order], s[order]
        if merge_window is not None and t.size > 1:
            t, s = _merge(t, s, float(merge_window))
        out_t[cls], out_s[cls] = t, s
        if isinstance(onsets, Annotations):
            out_labels[cls] = tuple(
                sorted({label for m in members for label in onsets.labels.get(m, ())})
            )
    if not is_annotations:
        return out_t
    return Annotations(
        onsets=out_t, strengths=out_s if strengths_in is not None else None, labels=out_labels
    )


def _merge(
    times: np.ndarray, strengths: np.ndarray, window: float
) -> tuple[np.ndarray, np.ndarray]:
    """Merge sorted onsets closer than ``window`` to the previous kept one (max strength)."""
    keep_t, keep_s = [times[0]], [strengths[0]]
    for t, s in zip(times[1:], strengths[1:], strict=True):
        if t - keep_t[-1] <= window:
            keep_s[-1] = np.fmax(keep_s[-1], s)
        else:
            keep_t.append(t)
            keep_s.append(s)
    return np.asarray(keep_t, dtype=np.float64), np.asarray(keep_s, dtype=np.float64)
