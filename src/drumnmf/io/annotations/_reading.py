"""The steps every annotation reader shares: map labels, parse numbers, group the events.

A reader turns its file into ``(time, label, strength)`` events (:func:`_parse_float` for
each number, with a message naming the file and line), maps labels with a lookup from
:func:`_mapper` and groups the events into :class:`Annotations` with :func:`_assemble`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations._core import Annotations, PathLike, order_drums

_UNKNOWN = ("error", "drop", "other", "keep")


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
