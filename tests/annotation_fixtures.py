"""Helpers of the annotation reader tests (tests/io): the fixture files, an onset check, MIDI."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np

from drumnmf.io.annotations import Annotations

DATA = Path(__file__).resolve().parent / "data" / "annotations"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def onsets_equal(a: Annotations, expected: dict[str, list[float]]) -> None:
    assert list(a.onsets) == list(expected)
    for drum, times in expected.items():
        assert a.onsets[drum].dtype == np.float64
        np.testing.assert_array_equal(a.onsets[drum], times)


def write_midi(path: Path, *, type_2: bool = False) -> None:
    """Type 1: tempo map in track 0 (120 bpm, then 240 bpm at beat 2), drums in track 1."""
    midi = mido.MidiFile(type=2 if type_2 else 1, ticks_per_beat=480)
    tempo = mido.MidiTrack()
    tempo.append(mido.MetaMessage("set_tempo", tempo=500_000, time=0))
    tempo.append(mido.MetaMessage("set_tempo", tempo=250_000, time=960))  # at 1.0 s
    drums = mido.MidiTrack()
    events = [  # (absolute tick, type, note, velocity, channel)
        (0, "note_on", 36, 100, 9),  # kick at 0 s
        (0, "note_on", 42, 60, 9),  # closed hi-hat at 0 s
        (48, "note_off", 36, 0, 9),
        (240, "note_on", 38, 90, 9),  # snare at 0.25 s
        (260, "note_on", 38, 0, 9),  # velocity 0: a note-off
        (480, "note_on", 40, 70, 9),  # TD-11 snare rim at 0.5 s
        (480, "note_on", 60, 80, 0),  # a piano note on channel 1: ignored
        (1200, "note_on", 22, 50, 9),  # hi-hat edge: 1.0 + 240 ticks at 240 bpm = 1.125 s
        (1440, "note_on", 26, 55, 9),  # open hi-hat edge at 1.25 s
        (1440, "note_on", 58, 65, 9),  # tom 3 rim at 1.25 s
    ]
    now = 0
    for tick, kind, note, velocity, channel in events:
        drums.append(
            mido.Message(kind, note=note, velocity=velocity, channel=channel, time=tick - now)
        )
        now = tick
    midi.tracks += [tempo, drums]
    midi.save(str(path))
