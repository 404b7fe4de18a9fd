"""A tempo map for MIDI files: beat times in seconds become MIDI ticks and tempo changes.

A MIDI file written at one tempo keeps every hit at its time, but the DAW's bar lines drift
away from the music as soon as the band speeds up. With a :class:`TempoMap` the file carries
a tempo change at every beat, so beat ``i`` is exactly at tick ``lead_in + i * beat_ticks``
and the DAW's grid follows the song, while each hit keeps its performed time (to the tick:
about 1 ms at 120 BPM and 480 ticks per quarter). Beat times come from a beat tracker or a
file of beat times (:func:`load_beats`: one time in seconds per line, the first column of
madmom's, librosa's or Sonic Visualiser's beat exports).

Conventions: before the first beat the first interval's tempo is used, with the lead-in
stretched so that the first downbeat falls on a bar line (unless the first beat is at 0 s);
after the last beat, the last interval's. Tempo values are whole microseconds per quarter
note, as MIDI stores them; the rounding moves a beat by less than 1 microsecond per beat.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = ["METERS", "TempoMap", "load_beats"]

#: Metres by name: (numerator, denominator, quarter notes per beat, beats per bar).
METERS: dict[str, tuple[int, int, float, int]] = {
    "2/4": (2, 4, 1.0, 2),
    "3/4": (3, 4, 1.0, 3),
    "4/4": (4, 4, 1.0, 4),
    "5/4": (5, 4, 1.0, 5),
    "6/8": (6, 8, 1.5, 2),
    "7/8": (7, 8, 0.5, 7),
    "12/8": (12, 8, 1.5, 4),
}


@dataclass(frozen=True, eq=False)
class TempoMap:
    """Beats (and bars) of a performance, for MIDI output.

    Attributes
    ----------
    beats : np.ndarray [shape=(n_beats,)], n_beats >= 2
        Beat times in seconds, strictly increasing, >= 0.
    numerator, denominator : int
        Time signature written to the file (4/4, 3/4, 6/8, ...).
    beat_quarters : float
        Quarter notes per beat: 1 for simple metres, 1.5 for a dotted-quarter beat (6/8).
    first_downbeat : int
        Index in ``beats`` of the first bar's first beat (earlier beats are a pickup).
    beats_per_bar : int
        Beats in a bar as counted (4 in 4/4, 2 in 6/8).
    """

    beats: np.ndarray
    numerator: int = 4
    denominator: int = 4
    beat_quarters: float = 1.0
    first_downbeat: int = 0
    beats_per_bar: int = 4

    def __post_init__(self) -> None:
        b = np.asarray(self.beats, dtype=np.float64)
        if b.ndim != 1 or b.size < 2 or not np.all(np.isfinite(b)):
            raise DrumnmfError("a tempo map needs at least two finite beat times in seconds")
        if np.any(np.diff(b) <= 0) or b[0] < 0:
            raise DrumnmfError("beat times must be >= 0 and strictly increasing (seconds)")
        if self.denominator not in (1, 2, 4, 8, 16, 32) or not 1 <= self.numerator <= 64:
            raise DrumnmfError(
                f"time signature {self.numerator}/{self.denominator} is not valid (e.g. 4/4, 6/8)"
            )
        if not (self.beat_quarters > 0 and self.beats_per_bar >= 1):
            raise DrumnmfError("beat_quarters must be > 0 and beats_per_bar >= 1")
        if not 0 <= self.first_downbeat < max(1, self.beats_per_bar):
            raise DrumnmfError(
                f"first_downbeat must be in [0, {self.beats_per_bar}), got {self.first_downbeat}"
            )
        object.__setattr__(self, "beats", b)

    @classmethod
    def from_meter(
        cls, beats: np.ndarray, meter: str = "4/4", *, first_downbeat: int = 0
    ) -> TempoMap:
        """A tempo map from beat times and a metre name (``"4/4"``, ``"6/8"``, ...)."""
        if meter not in METERS:
            raise DrumnmfError(f"unknown metre {meter!r}; use one of {', '.join(METERS)}")
        numerator, denominator, quarters, per_bar = METERS[meter]
        return cls(
            np.asarray(beats, dtype=np.float64),
            numerator=numerator,
            denominator=denominator,
            beat_quarters=quarters,
            first_downbeat=first_downbeat,
            beats_per_bar=per_bar,
        )

    @classmethod
    def from_beat_grid(cls, grid: Any) -> TempoMap:
        """The tempo map of a :class:`drumnmf.notation.BeatGrid` (detected beats and metre).

        Beats before 0 s (the tracker extrapolates its grid to cover the first hit) are
        left out, and the first downbeat's index moved with them.
        """
        beats = np.asarray(grid.beats, dtype=np.float64)
        per_bar = int(grid.meter.beats)
        dropped = int(np.count_nonzero(beats < 0))
        return cls(
            beats[dropped:],
            numerator=int(grid.meter.numerator),
            denominator=int(grid.meter.denominator),
            beat_quarters=float(grid.meter.beat_quarters),
            first_downbeat=(int(grid.downbeat_index) - dropped) % per_bar,
            beats_per_bar=per_bar,
        )

    @classmethod
    def constant(cls, bpm: float, duration: float, meter: str = "4/4") -> TempoMap:
        """Beats at a steady ``bpm`` from 0 s to past ``duration`` (no beat tracking)."""
        if not (np.isfinite(bpm) and bpm > 0 and np.isfinite(duration) and duration >= 0):
            raise DrumnmfError(f"need bpm > 0 and duration >= 0, got {bpm!r} and {duration!r}")
        period = 60.0 / bpm
        return cls.from_meter(np.arange(int(duration / period) + 2) * period, meter)

    def beat_ticks(self, ticks_per_beat: int) -> int:
        """Ticks per beat (``ticks_per_beat`` is per quarter note, as in the MIDI header)."""
        ticks = ticks_per_beat * self.beat_quarters
        if ticks != int(ticks):
            raise DrumnmfError(
                f"{ticks_per_beat} ticks per quarter cannot divide a beat of "
                f"{self.beat_quarters} quarters; use a multiple of 2"
            )
        return int(ticks)

    def lead_in(self, ticks_per_beat: int) -> int:
        """Tick of the first beat: the time before it at the first tempo, bar-aligned."""
        step = self.beat_ticks(ticks_per_beat)
        natural = self.beats[0] / (self.beats[1] - self.beats[0]) * step
        bar = self.beats_per_bar * step
        offset = (-self.first_downbeat * step) % bar  # first downbeat on a bar line
        lead = offset + bar * max(0, round((natural - offset) / bar))
        if self.beats[0] > 0 and lead == 0:
            lead = bar  # a first beat after 0 s needs room before it
        if self.beats[0] == 0:
            lead = 0
        return int(lead)

    def ticks(self, times: np.ndarray, ticks_per_beat: int) -> np.ndarray:
        """MIDI ticks of times in seconds (piecewise linear between beats).

        Parameters
        ----------
        times : np.ndarray [shape=(n,)]
            Seconds, >= 0.
        ticks_per_beat : int > 0
            Ticks per quarter note.

        Returns
        -------
        np.ndarray [shape=(n,), dtype=int]
        """
        t = np.asarray(times, dtype=np.float64)
        b = self.beats
        step = self.beat_ticks(ticks_per_beat)
        lead = self.lead_in(ticks_per_beat)
        # position in beats: before the first beat scaled into the lead-in, then linear.
        i = np.clip(np.searchsorted(b, t, side="right") - 1, 0, b.size - 2)
        frac = (t - b[i]) / (b[i + 1] - b[i])
        pos = lead + (i + frac) * step
        before = t < b[0]
        if np.any(before):
            pos[before] = t[before] / b[0] * lead if b[0] > 0 else 0.0
        return np.rint(pos).astype(np.int64)

    def tempo_events(self, ticks_per_beat: int) -> list[tuple[int, int]]:
        """``(tick, microseconds per quarter note)`` of every tempo change, the first at 0."""
        b = self.beats
        step = self.beat_ticks(ticks_per_beat)
        lead = self.lead_in(ticks_per_beat)
        quarter = step / self.beat_quarters

        def tempo(seconds: float, ticks: float) -> int:
            return int(min(max(round(seconds / ticks * quarter * 1e6), 1), 0xFFFFFF))

        events = []
        if lead > 0:
            events.append((0, tempo(b[0], lead)))
        for k in range(b.size - 1):
            events.append((lead + k * step, tempo(b[k + 1] - b[k], step)))
        out: list[tuple[int, int]] = []
        for tick, value in events:
            if not out or out[-1][1] != value:
                out.append((tick, value))
        return out


def load_beats(path: str | os.PathLike[str]) -> np.ndarray:
    """Beat times from a text file: one time in seconds per line (first column kept).

    Blank lines and lines starting with ``#`` are skipped; columns may be separated by
    spaces, tabs or commas (madmom, librosa and Sonic Visualiser exports).
    """
    p = Path(path)
    if not p.is_file():
        raise DrumnmfError(f"beats file '{p}' does not exist")
    times = []
    for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        first = text.replace(",", " ").split()[0]
        try:
            times.append(float(first))
        except ValueError:
            if not times and n == 1:
                continue  # a header line
            raise DrumnmfError(
                f"{p}:{n}: {first!r} is not a time in seconds; give one beat time per line"
            ) from None
    return np.asarray(times, dtype=np.float64)
