"""Whitespace-separated ``time label`` files: ENST-Drums, MDB Drums and generic text.

Parameters, results and errors follow the reader conventions of
:mod:`drumnmf.io.annotations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations._core import (
    ENST_LABELS,
    GENERIC_LABELS,
    MDB_LABELS,
    Annotations,
    PathLike,
    Unknown,
)
from drumnmf.io.annotations._reading import _assemble, _mapper, _parse_float, _read_text

__all__ = ["load_enst", "load_mdb", "load_text"]


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
    path: PathLike, *, label_map: Mapping[str, str | None] | None = None, unknown: Unknown = "error"
) -> Annotations:
    """Read an ENST-Drums annotation file: ``time label`` lines (``12.345 bd``).

    Parameters
    ----------
    path : str or path
        The ``.txt`` annotation file.
    label_map, unknown
        See the reader conventions (:mod:`drumnmf.io.annotations`); over
        :data:`ENST_LABELS`, and an unknown label raises by default.

    Returns
    -------
    Annotations
        The ENST labels' drums; no strengths.

    Examples
    --------
    >>> ann = load_enst("001_hits_snare-drum_sticks_x6.txt")  # doctest: +SKIP
    >>> ann.onsets["snare"]  # doctest: +SKIP
    array([0.105, 0.596, ...])
    """
    lookup = _mapper(ENST_LABELS, label_map, unknown, generic=False, what="ENST")
    return _assemble(_time_label_events(path, allow_strength=False, what="ENST"), lookup, str(path))


def load_mdb(
    path: PathLike, *, label_map: Mapping[str, str | None] | None = None, unknown: Unknown = "error"
) -> Annotations:
    """Read an MDB Drums class or subclass file: ``time<TAB>label`` lines (``0.57 SD``).

    Class files use KD, SD, HH, TT, CY, OT; subclass files the 21 finer labels; both are in
    :data:`MDB_LABELS`. Trailing spaces and any whitespace between the fields are accepted.

    Parameters
    ----------
    path : str or path
        A ``*_class.txt`` or ``*_subclass.txt`` file.
    label_map, unknown
        Over :data:`MDB_LABELS` (class and subclass labels); unknown ones raise.

    Returns
    -------
    Annotations
        No strengths (MDB files have none).
    """
    lookup = _mapper(MDB_LABELS, label_map, unknown, generic=False, what="MDB")
    return _assemble(_time_label_events(path, allow_strength=False, what="MDB"), lookup, str(path))


def load_text(
    path: PathLike, *, label_map: Mapping[str, str | None] | None = None, unknown: Unknown = "keep"
) -> Annotations:
    """Read ``time label [strength]`` lines with any labels (see :data:`GENERIC_LABELS`).

    Blank lines and lines starting with ``#`` are skipped. Either every line has a
    strength or none has.

    Parameters
    ----------
    path : str or path
        Whitespace-separated text file.
    label_map, unknown
        Over :data:`GENERIC_LABELS`; unknown labels are kept, lower-cased.

    Returns
    -------
    Annotations
        With strengths when the lines have a third field.
    """
    lookup = _mapper(GENERIC_LABELS, label_map, unknown, generic=True, what="drum")
    return _assemble(_time_label_events(path, allow_strength=True, what="text"), lookup, str(path))
