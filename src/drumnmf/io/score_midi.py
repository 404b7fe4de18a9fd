"""Quantized General MIDI drum file with a tempo map and a time signature.

Notes sit exactly on the score's grid (480 ticks per quarter), and a ``set_tempo`` at
every beat makes each tick land at the recording's time: a DAW's bars and beats then match
the song. Tick 0 is the start of the score's first bar (``Score.bars[0].start`` seconds
into the recording). Unlike :func:`drumnmf.io.export.write_midi` (times kept exact, one
tempo), this file is meant for editing on a grid.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from fractions import Fraction

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.io.export import atomic_path
from drumnmf.notation.drums import midi_note_for
from drumnmf.notation.quantize import Score

__all__ = ["score_midi", "write_score_midi"]

TICKS_PER_QUARTER = 480
GRACE_TICKS = 30  # a grace note this long before its main note (about a 64th)


def score_midi(score: Score, *, notes: Mapping[str, int] | None = None) -> object:
    """The score as a ``mido.MidiFile`` (type 1: a tempo track and a drum track on channel 10)."""
    import mido

    meter = score.grid.meter
    beat_ticks = int(TICKS_PER_QUARTER * meter.beat_quarters)
    bar_ticks = beat_ticks * meter.beats
    table = dict(notes) if notes else None
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name=score.title, time=0))
    conductor.append(
        mido.MetaMessage(
            "time_signature", numerator=meter.numerator, denominator=meter.denominator, time=0
        )
    )
    # one tempo per beat: tick = beat_ticks * beat index, time = the beat's time
    beat_times = [t for bar in score.bars for t in bar.beat_times] + [score.bars[-1].end]
    intervals = np.diff(np.asarray(beat_times, dtype=np.float64))
    if np.any(intervals <= 0):
        raise DrumnmfError("the score's beats are not increasing; cannot write a tempo map")
    previous = None
    pending = 0
    for interval in intervals:
        tempo = max(1, round(interval / float(meter.beat_quarters) * 1e6))
        if tempo != previous:
            conductor.append(mido.MetaMessage("set_tempo", tempo=tempo, time=pending))
            pending = 0
            previous = tempo
        pending += beat_ticks
    drums = mido.MidiTrack()
    drums.append(mido.MetaMessage("track_name", name="Drums", time=0))
    events: list[tuple[int, int, int, int]] = []  # tick, order (off first), note, velocity
    strengths = {d: [n.strength for n in score.notes if n.drum == d] for d in score.drums}
    tops = {d: (max(v) if v else 1.0) or 1.0 for d, v in strengths.items()}
    for note in score.notes:
        tick = note.bar * bar_ticks + round(Fraction(note.position) * beat_ticks)
        pitch = midi_note_for(note.drum, table)
        top = tops.get(note.drum, 1.0)
        velocity = int(np.clip(round(20 + 107 * note.strength / top), 1, 127))
        for g in range(note.grace, 0, -1):
            at = max(0, tick - g * GRACE_TICKS)
            events.append((at, 1, pitch, max(1, velocity // 2)))
            events.append((at + GRACE_TICKS // 2, 0, pitch, 0))
        events.append((tick, 1, pitch, velocity))
        events.append((tick + TICKS_PER_QUARTER // 8, 0, pitch, 0))
    events.sort()
    now = 0
    for tick, on, pitch, velocity in events:
        kind = "note_on" if on else "note_off"
        drums.append(mido.Message(kind, channel=9, note=pitch, velocity=velocity, time=tick - now))
        now = tick
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    midi.tracks.append(conductor)
    midi.tracks.append(drums)
    return midi


def write_score_midi(
    path: str | os.PathLike[str], score: Score, *, notes: Mapping[str, int] | None = None
) -> None:
    """Write the quantized MIDI file (atomically); see :func:`score_midi`."""
    midi = score_midi(score, notes=notes)
    with atomic_path(path) as tmp:
        midi.save(str(tmp))  # type: ignore[attr-defined]
