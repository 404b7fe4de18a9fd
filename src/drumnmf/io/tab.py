"""Plain-text drum tab, the ``HH|x-x-x-x-|`` style drummers share.

One line per drum (cymbals on top, kick at the bottom), one character per grid slot; each
bar uses the finest grid of its beats (16 characters per 4/4 bar of 16ths, 12 of triplets).
Cymbals and hi-hats are ``x`` (``X`` accented, ``o`` open hi-hat), drums ``o`` (``O``
accented, ``g`` ghost, ``f`` flam, ``d`` drag), ``-`` is silence. Bars are separated by
``|`` and wrapped four to a line.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction

from drumnmf.io.export import atomic_path
from drumnmf.notation.drums import drum_notation
from drumnmf.notation.quantize import Bar, Note, Score

__all__ = ["tab_string", "write_tab"]


def _symbol(note: Note) -> str:
    nd = drum_notation(note.drum)
    if note.open:
        return "o"
    if nd.cymbal:
        return "X" if note.accent else "x"
    if note.grace == 1:
        return "f"
    if note.grace >= 2:
        return "d"
    if note.ghost:
        return "g"
    return "O" if note.accent else "o"


def _bar_cells(bar: Bar, label: str, per_beat: int) -> str:
    cells = ["-"] * (per_beat * len(bar.subdivisions))
    for note in bar.notes:
        if drum_notation(note.drum).tab != label:
            continue
        slot = note.position * per_beat
        index = round(slot) if Fraction(slot).denominator != 1 else int(slot)
        index = min(index, len(cells) - 1)
        symbol = _symbol(note)
        if cells[index] == "-" or symbol in "oOX":
            cells[index] = symbol
    return "".join(cells)


def tab_string(score: Score, *, bars_per_line: int = 4) -> str:
    """The score as a drum tab (text ending with a newline)."""
    if bars_per_line < 1:
        bars_per_line = 1
    labels: dict[str, int] = {}
    for note in score.notes:
        nd = drum_notation(note.drum)
        labels[nd.tab] = max(labels.get(nd.tab, -99), nd.order)
    order = sorted(labels, key=lambda lab: -labels[lab])
    grid = score.grid
    lines = [
        score.title,
        f"tempo {grid.tempo:.0f} BPM, {grid.time_signature}" + (", swing" if grid.swing else ""),
        "x cymbal  X accent  o open hi-hat / drum  O accent  g ghost  f flam  d drag",
        "",
    ]
    for first in range(0, len(score.bars), bars_per_line):
        chunk = score.bars[first : first + bars_per_line]
        widths = []
        rows = {lab: "" for lab in order}
        for bar in chunk:
            per_beat = math.lcm(*bar.subdivisions) if bar.subdivisions else 4
            per_beat = min(per_beat, 12)
            for lab in order:
                rows[lab] += _bar_cells(bar, lab, per_beat) + "|"
            widths.append(per_beat * len(bar.subdivisions))
        numbers = "  |"
        for bar, width in zip(chunk, widths, strict=True):
            numbers += str(bar.index + 1).ljust(width) + "|"
        lines.append(numbers)
        lines += [f"{lab}|{rows[lab]}" for lab in order]
        lines.append("")
    return "\n".join(lines)


def write_tab(path: str | os.PathLike[str], score: Score, *, bars_per_line: int = 4) -> None:
    """Write the score as a drum tab (atomically); see :func:`tab_string`."""
    text = tab_string(score, bars_per_line=bars_per_line)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
