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

Reader conventions
------------------
Every reader is ``load_<format>(path, *, label_map=None, unknown=...)`` (``note_map`` for
MIDI) and shares the parameters, result and errors below; a reader's own docstring gives
only the file it reads, its default map and what it adds.

Parameters
    path : str or path
        The annotation file.
    label_map : mapping str -> str or None, optional
        Entries merged over the reader's default map (named in its docstring); a label
        mapped to ``None`` is dropped.
    unknown : {"error", "drop", "other", "keep"}
        What a label in neither map becomes: an error (the dataset readers' default),
        nothing, ``"other"``, or its own name lower-cased with ``_`` for spaces and ``-``
        (the default of text, csv and json).
Returns
    Annotations
        Per drum (canonical drums in table order), the onset times in seconds, sorted,
        ``float64``; the strengths where the format has them, else ``None``; the labels
        read as each drum.
Raises
    DrumnmfError
        If the file is missing, unreadable or not UTF-8 text; if a line, row or element is
        malformed or holds a time that is not a finite number >= 0 (the message names the
        file and the line); if some onsets have a strength and others do not; if a label
        is unknown under ``unknown="error"`` (the message gives the ``label_map`` entry that
        fixes it).

Modules
-------
One per format family, behind :func:`load_annotations`: :mod:`~drumnmf.io.annotations.text`
(enst, mdb, text), :mod:`~drumnmf.io.annotations.tables` (csv, json),
:mod:`~drumnmf.io.annotations.idmt` (idmt, svl) and :mod:`~drumnmf.io.annotations.midi`;
:mod:`~drumnmf.io.annotations._core` holds :class:`Annotations`, the label maps and
:func:`reduce_classes`, and :mod:`~drumnmf.io.annotations._reading` the steps every reader
shares (label lookup, number parsing, grouping the events).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations._core import (
    CANONICAL_DRUMS,
    CLASSES,
    ENST_LABELS,
    FORMATS,
    GENERIC_LABELS,
    GM_DRUM_NOTES,
    IDMT_LABELS,
    MDB_LABELS,
    Annotations,
    PathLike,
    order_drums,
    reduce_classes,
)
from drumnmf.io.annotations.idmt import _parse_xml, load_idmt_xml, load_svl
from drumnmf.io.annotations.midi import load_midi
from drumnmf.io.annotations.tables import load_csv, load_json
from drumnmf.io.annotations.text import _lines, load_enst, load_mdb, load_text

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

    Raises
    ------
    DrumnmfError
        If ``fmt`` is unknown or ``path`` is not a file, and as in the reader conventions.

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
