"""Quantization of drum hits to a notated grid: bars, beats, note values, flams, dynamics.

Each beat gets its own grid, the cheapest of a few by a cost that adds the squared timing
error of its hits (in beats, over ``sigma``) to a price for harder notation:

=========================  =========================  =======
grid (simple metres)       use                        price
=========================  =========================  =======
4 per beat (16ths)         straight grooves           0
3 per beat (8th triplets)  shuffles, swing, fills     2 (0 when the groove swings,
                                                      and 16ths then cost 1)
6 per beat (16th triplets) fast triplet fills         6
8 per beat (32nds)         fast fills                 6
=========================  =========================  =======

In compound metres (6/8, 12/8) a beat is three eighths: grids of 3 (eighths, price 0),
6 (sixteenths, 0.5) and 12 (32nds, 5). Two hits of one drum on the same slot cost 4
more (they would merge: the first is kept). Hits of one drum within 5 ms are one hit.

Before quantizing, a hit of a drum played less than ``flam_seconds`` before another hit of
the same drum becomes its grace note: one grace note is a flam, two a drag. Strength
relative to the drum's median marks ghost notes (below ``ghost``) and accents (above
``accent``); an open hi-hat is a hi-hat note marked open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.notation.beats import BeatGrid

__all__ = ["Bar", "Note", "Score", "quantize"]

SIGMA = 0.05  # beats: timing error that costs 1
GHOST = 0.55  # strength / drum median below which a note is a ghost note
ACCENT = 1.5  # ... above which it is accented
FLAM_SECONDS = 0.045  # s: a hit this close before another of the same drum is its grace note

DUPLICATE_SECONDS = 0.005  # s: hits of one drum this close are one hit
_SIMPLE_GRIDS = {4: 0.0, 3: 2.0, 6: 6.0, 8: 6.0}
_COMPOUND_GRIDS = {3: 0.0, 6: 0.5, 12: 5.0}
_COLLISION = 4.0


@dataclass(frozen=True)
class Note:
    """One notated hit.

    Attributes
    ----------
    drum : str
        Drum name (``open_hihat`` keeps its name; writers mark it open).
    time : float
        The hit's time in the recording, seconds.
    bar : int
        Bar index, from 0.
    position : Fraction
        Onset in beats from the start of the bar (``Fraction(3, 2)``: the "and" of 2).
    subdivision : int
        Grid of its beat (4: 16ths, 3: triplets, 8: 32nds...).
    strength : float
        The hit's strength as given (velocity, activation height).
    ghost, accent : bool
        Dynamics relative to the drum's median strength.
    grace : int
        Grace notes before it: 0, 1 (flam) or 2 (drag).
    """

    drum: str
    time: float
    bar: int
    position: Fraction
    subdivision: int
    strength: float = 1.0
    ghost: bool = False
    accent: bool = False
    grace: int = 0

    @property
    def beat(self) -> int:
        """Beat of the bar, from 0."""
        return int(self.position)

    @property
    def open(self) -> bool:
        """True for an open hi-hat."""
        return self.drum == "open_hihat"


@dataclass(frozen=True)
class Bar:
    """One bar of the score.

    Attributes
    ----------
    index : int
        From 0.
    start, end : float
        Times of its first beat and of the next bar's, seconds.
    beat_times : tuple of float
        Time of each of its beats, seconds.
    subdivisions : tuple of int
        The grid of each beat.
    notes : tuple of Note
        Sorted by position, then drum.
    """

    index: int
    start: float
    end: float
    beat_times: tuple[float, ...]
    subdivisions: tuple[int, ...]
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Score:
    """A drum score: the beat grid and the bars of quantized notes.

    Attributes
    ----------
    grid : BeatGrid
    bars : tuple of Bar
    title : str
    """

    grid: BeatGrid
    bars: tuple[Bar, ...]
    title: str = "Drums"
    drums: tuple[str, ...] = field(default=())

    @property
    def notes(self) -> tuple[Note, ...]:
        """Every note, in time order."""
        return tuple(n for bar in self.bars for n in bar.notes)

    @property
    def tempo(self) -> float:
        """Median tempo, BPM."""
        return self.grid.tempo

    @property
    def time_signature(self) -> str:
        return self.grid.time_signature

    def to_dict(self) -> dict[str, object]:
        """Tempo, beats, downbeats, time signature and per-note bar and position (JSON)."""
        return {
            **self.grid.to_dict(),
            "bar_starts": [round(b.start, 4) for b in self.bars],
            "notes": [note_dict(n) for n in self.notes],
        }


def note_dict(note: Note) -> dict[str, object]:
    """A note as JSON: ``bar`` counts from 1, ``position`` in beats from the bar's start."""
    return {
        "time": round(note.time, 6),
        "drum": note.drum,
        "bar": note.bar + 1,
        "position": float(note.position),
        "position_fraction": str(note.position),
        "subdivision": note.subdivision,
        "ghost": note.ghost,
        "accent": note.accent,
        "grace": note.grace,
    }


def _bar_beats(grid: BeatGrid, first: float) -> tuple[np.ndarray, int]:
    """Beat times with whole bars from a downbeat at or before ``first``; index of bar 0."""
    beats = np.asarray(grid.beats, dtype=np.float64)
    index = grid.downbeat_index
    per_bar = grid.meter.beats
    period = float(np.median(np.diff(beats[: min(beats.size, 6)])))
    while beats[index] > first + period / 20:  # a hit this early rounds onto the downbeat
        if index < per_bar:
            beats = np.concatenate([beats[0] - period * np.arange(per_bar, 0, -1), beats])
            index += per_bar
        index -= per_bar
    return beats, index


def _graces(times: np.ndarray, flam: float) -> tuple[np.ndarray, np.ndarray]:
    """Mask of main hits and the number of grace notes before each main hit."""
    keep = np.ones(times.size, dtype=bool)
    count = np.zeros(times.size, dtype=int)
    for i in range(times.size - 1, 0, -1):
        if not keep[i]:
            continue
        j = i - 1
        while j >= 0 and times[i] - times[j] < flam * (count[i] + 1) and count[i] < 2:
            keep[j] = False
            # hits within 5 ms are one hit (a duplicate), not a grace note
            count[i] += times[i] - times[j] > DUPLICATE_SECONDS
            j -= 1
    return keep, count


def quantize(
    onsets: Mapping[str, np.ndarray],
    grid: BeatGrid,
    strengths: Mapping[str, np.ndarray] | None = None,
    *,
    grids: tuple[int, ...] | None = None,
    sigma: float = SIGMA,
    ghost: float = GHOST,
    accent: float = ACCENT,
    flam_seconds: float = FLAM_SECONDS,
    title: str = "Drums",
) -> Score:
    """Place hits on a grid of bars and beats.

    Parameters
    ----------
    onsets : mapping drum -> np.ndarray [shape=(n,)]
        Hit times in seconds.
    grid : BeatGrid
        Beats and metre (from :func:`drumnmf.notation.track_beats`).
    strengths : mapping drum -> np.ndarray [shape=(n,)], optional
        Strength of each hit; all equal (no ghost notes or accents) when omitted.
    grids : tuple of int, optional
        Allowed subdivisions per beat (``(4,)`` forces 16ths, ``(3,)`` triplets);
        by default those of the table in the module docstring.
    sigma : float > 0
        Timing error (beats) that costs as much as the simplest grid change.
    ghost, accent : float
        Strength over the drum's median below which a note is a ghost note, above which
        it is accented.
    flam_seconds : float >= 0
        A hit this close before another hit of the same drum is its grace note (0: off).
    title : str
        The score's title.

    Returns
    -------
    Score
    """
    table = _COMPOUND_GRIDS if grid.meter.compound else _SIMPLE_GRIDS
    if grids is not None:
        bad = [g for g in grids if not isinstance(g, int) or g < 1 or g > 16]
        if bad or not grids:
            raise DrumnmfError(f"grids={grids!r}: give whole subdivisions per beat in 1-16")
        table = {g: table.get(g, 0.0) for g in grids}
    elif grid.swing:
        table = {**table, 3: 0.0, 4: 1.0}
    if sigma <= 0:
        raise DrumnmfError(f"sigma={sigma!r} must be > 0 beats (0.035 is typical)")
    if flam_seconds < 0:
        raise DrumnmfError(f"flam_seconds={flam_seconds!r} must be >= 0")
    rows: list[tuple[float, str, float, int]] = []  # time, drum, relative strength, graces
    raw: dict[str, np.ndarray] = {}
    for drum, times in onsets.items():
        t = np.asarray(times, dtype=np.float64).reshape(-1)
        s = (
            np.asarray(strengths[drum], dtype=np.float64).reshape(-1)
            if strengths is not None and drum in strengths
            else np.ones_like(t)
        )
        if s.shape != t.shape:
            raise DrumnmfError(f"'{drum}' has {t.size} onsets but {s.size} strengths")
        order = np.argsort(t, kind="stable")
        t, s = t[order], s[order]
        keep, count = (
            _graces(t, flam_seconds)
            if flam_seconds
            else (np.ones(t.size, bool), np.zeros(t.size, int))
        )
        raw[drum] = s
        med = float(np.median(s)) if s.size else 1.0
        for ti, si, ki, ci in zip(t, s, keep, count, strict=True):
            if ki:
                rows.append((float(ti), drum, float(si) / (med or 1.0), int(ci)))
    if not rows:
        raise DrumnmfError("no onsets to quantize; is the transcription empty?")
    rows.sort()
    beats, first_bar = _bar_beats(grid, rows[0][0])
    n_beats = beats.size
    period_tail = float(np.median(np.diff(beats[-6:])))
    times = np.array([r[0] for r in rows])
    # extend the grid past the last hit
    while beats[-1] < times[-1] + 0.5 * period_tail:
        beats = np.append(beats, beats[-1] + period_tail)
    n_beats = beats.size
    idx = np.clip(np.searchsorted(beats, times, side="right") - 1, 0, n_beats - 2)
    u = idx + (times - beats[idx]) / (beats[idx + 1] - beats[idx])
    # assign each hit to the beat whose grid it rounds into
    per_beat: dict[int, list[int]] = {}
    home = np.floor(u + 0.5 / 8).astype(int)  # a hit just before a beat belongs to it
    for i, b in enumerate(home):
        per_beat.setdefault(int(b), []).append(i)
    position = np.zeros(len(rows), dtype=object)
    subdivision = np.zeros(len(rows), dtype=int)
    beat_grid: dict[int, int] = {}
    for b, members in per_beat.items():
        phase = u[members] - b
        drums = [rows[i][1] for i in members]
        best: tuple[float, int, np.ndarray] | None = None
        for n, price in table.items():
            slots = np.rint(phase * n).astype(int)
            err = float(np.sum(((phase - slots / n) / sigma) ** 2))
            seen: set[tuple[str, int]] = set()
            collisions = 0
            for d, k in zip(drums, slots, strict=True):
                collisions += (d, k) in seen
                seen.add((d, k))
            cost = err + price + _COLLISION * collisions
            if best is None or cost < best[0]:
                best = (cost, n, slots)
        assert best is not None
        _, n, slots = best
        beat_grid[b] = n
        for i, k in zip(members, slots, strict=True):
            position[i] = b + Fraction(int(k), n)
            subdivision[i] = n
    beats_per_bar = grid.meter.beats
    notes_by_bar: dict[int, list[Note]] = {}
    seen_slots: set[tuple[str, Fraction]] = set()
    for i, (hit_time, drum, rel, graces) in enumerate(rows):
        pos = position[i]
        if (drum, pos) in seen_slots:  # two hits of one drum on one slot: keep the first
            continue
        seen_slots.add((drum, pos))
        offset = pos - first_bar
        bar = int(offset // beats_per_bar)
        note = Note(
            drum=drum,
            time=hit_time,
            bar=bar,
            position=offset - bar * beats_per_bar,
            subdivision=int(subdivision[i])
            if Fraction(pos).denominator > 1
            else beat_grid.get(int(pos), 4),
            strength=float(rel * (np.median(raw[drum]) if raw[drum].size else 1.0)),
            ghost=rel < ghost,
            accent=rel > accent,
            grace=graces,
        )
        notes_by_bar.setdefault(bar, []).append(note)
    if min(notes_by_bar) < 0:
        raise DrumnmfError("internal: a hit fell before the first bar")
    bars: list[Bar] = []
    last_bar = max(notes_by_bar)
    default = 3 if grid.meter.compound else 4
    for bar in range(last_bar + 1):
        b0 = first_bar + bar * beats_per_bar
        while b0 + beats_per_bar >= beats.size:
            beats = np.append(beats, beats[-1] + period_tail)
        beat_times = tuple(float(x) for x in beats[b0 : b0 + beats_per_bar])
        subs = tuple(beat_grid.get(b0 + k, default) for k in range(beats_per_bar))
        notes = sorted(notes_by_bar.get(bar, []), key=lambda n: (n.position, n.drum))
        bars.append(
            Bar(
                index=bar,
                start=beat_times[0],
                end=float(beats[b0 + beats_per_bar]),
                beat_times=beat_times,
                subdivisions=subs,
                notes=tuple(notes),
            )
        )
    return Score(grid=grid, bars=tuple(bars), title=title, drums=tuple(onsets))
