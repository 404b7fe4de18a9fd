"""Tests of drumnmf.io.annotations.midi: tempo maps, channels, note maps, real Groove MIDI."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations import load_annotations, load_midi

from annotation_fixtures import SHARED, onsets_equal, write_midi

GMD = SHARED / "groove_midi"


def test_midi_honours_tempo_changes_and_velocity(tmp_path: Path) -> None:
    path = tmp_path / "groove.mid"
    write_midi(path)
    a = load_midi(path)
    onsets_equal(
        a,
        {
            "kick": [0.0],
            "snare": [0.25, 0.5],
            "hihat": [0.0, 1.125],
            "open_hihat": [1.25],
            "floor_tom": [1.25],
        },
    )
    assert a.strengths is not None
    np.testing.assert_array_equal(a.strengths["snare"], [90.0, 70.0])
    assert a.labels["snare"] == ("38", "40")
    # the same times as mido's own clock
    clock, expected = 0.0, []
    for msg in mido.MidiFile(str(path)):
        clock += msg.time
        if msg.type == "note_on" and msg.velocity > 0 and msg.channel == 9:
            expected.append(clock)
    got = np.sort(np.concatenate(list(a.onsets.values())))
    np.testing.assert_allclose(got, np.sort(expected), atol=1e-12)
    # all channels, a note map override
    b = load_midi(path, channel=None, note_map={40: "rimshot", 60: None})
    assert b.onsets["rimshot"].tolist() == [0.5]
    assert "other" not in b.onsets


def test_midi_unknown_notes(tmp_path: Path) -> None:
    path = tmp_path / "odd.mid"
    midi = mido.MidiFile(type=0)
    midi.tracks.append(mido.MidiTrack([mido.Message("note_on", note=100, velocity=9, channel=9)]))
    midi.save(str(path))
    with pytest.raises(DrumnmfError, match=r"unknown MIDI note label '100'.*note_map="):
        load_midi(path)
    assert list(load_midi(path, unknown="keep").onsets) == ["note_100"]
    assert list(load_midi(path, unknown="other").onsets) == ["other"]
    assert load_midi(path, unknown="drop").onsets == {}


def test_midi_errors(tmp_path: Path) -> None:
    path = tmp_path / "piano.mid"
    midi = mido.MidiFile(type=0)
    midi.tracks.append(mido.MidiTrack([mido.Message("note_on", note=60, velocity=9, channel=0)]))
    midi.save(str(path))
    with pytest.raises(
        DrumnmfError, match=r"no notes on channel 9 \(MIDI channel 10\).*channel=None"
    ):
        load_midi(path)
    assert list(load_midi(path, channel=0).onsets) == ["other"]
    with pytest.raises(DrumnmfError, match=r"channel=16 must be an integer in \[0, 15\]"):
        load_midi(path, channel=16)
    write_midi(path, type_2=True)
    with pytest.raises(DrumnmfError, match=r"type 2 \(asynchronous\).*convert it to type 0 or 1"):
        load_midi(path)
    path.write_bytes(b"not a midi file at all")
    with pytest.raises(DrumnmfError, match=r"cannot read MIDI file 'piano.mid'"):
        load_midi(path)
    with pytest.raises(DrumnmfError, match=r"MIDI file '.*missing.mid' does not exist"):
        load_midi(tmp_path / "missing.mid")


def test_reads_drumnmf_exports(tmp_path: Path) -> None:
    """Round trip through the project's own writers (CSV, JSON document, MIDI)."""
    export = pytest.importorskip("drumnmf.io.export")
    onsets = {"kick": np.array([0.5, 1.5]), "snare": np.array([1.0]), "hihat": np.array([0.5])}
    strengths = {"kick": np.array([2.0, 1.0]), "snare": np.array([0.5]), "hihat": np.array([1.0])}
    export.write_csv(tmp_path / "t.csv", onsets, strengths)
    export.write_midi(tmp_path / "t.mid", onsets, strengths, {"kick": 36, "snare": 38, "hihat": 42})
    for name in ("t.csv", "t.mid"):
        a = load_annotations(tmp_path / name)
        for drum, times in onsets.items():
            np.testing.assert_allclose(a.onsets[drum], times, atol=1e-3)
    assert load_annotations(tmp_path / "t.csv").strengths["kick"].tolist() == [2.0, 1.0]  # type: ignore[index]


@pytest.mark.shared_data
def test_real_groove_midi_files_read_completely() -> None:
    if not GMD.is_dir():
        pytest.skip(f"{GMD} is absent")
    files = sorted(GMD.glob("drummer1/session1/*.mid"))[:2]
    assert files
    for path in files:
        a = load_midi(path)
        raw = [m for m in mido.MidiFile(str(path)) if m.type == "note_on" and m.velocity > 0]
        assert sum(a.n_onsets.values()) == len(raw)
        assert all(np.all(np.diff(t) >= 0) for t in a.onsets.values())
