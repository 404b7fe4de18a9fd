"""Tabular files: ``time,drum[,strength]`` CSV and drumnmf's JSON document.

Both read any label (:data:`~drumnmf.io.annotations.GENERIC_LABELS`) and keep unknown ones,
so they read drumnmf's own output and most hand-made tables. Parameters, results and errors
follow the reader conventions of :mod:`drumnmf.io.annotations`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations._core import GENERIC_LABELS, Annotations, PathLike, Unknown
from drumnmf.io.annotations._reading import _assemble, _mapper, _normalize, _parse_float, _read_text

__all__ = ["load_csv", "load_json"]

_TIME_COLUMNS = ("time", "onset", "onset_time", "time_s", "seconds", "sec")
_DRUM_COLUMNS = ("drum", "label", "instrument", "class", "name")
_STRENGTH_COLUMNS = ("strength", "velocity", "salience", "activation")


def load_csv(
    path: PathLike, *, label_map: Mapping[str, str | None] | None = None, unknown: Unknown = "keep"
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
    label_map, unknown
        See the reader conventions (:mod:`drumnmf.io.annotations`); over
        :data:`GENERIC_LABELS`, and an unknown label is kept by default.

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
    path: PathLike, *, label_map: Mapping[str, str | None] | None = None, unknown: Unknown = "keep"
) -> Annotations:
    """Read drumnmf's JSON output: ``{"onsets": [{"time": 0.5, "drum": "kick", ...}]}``.

    Each onset needs ``time`` (seconds) and ``drum``; ``strength`` is read when every onset
    has one. Other keys of the document are ignored.

    Parameters
    ----------
    path : str or path
        The ``.json`` file.
    label_map, unknown
        Over :data:`GENERIC_LABELS`, as for CSV.

    Returns
    -------
    Annotations
        With strengths when every onset has one.
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
