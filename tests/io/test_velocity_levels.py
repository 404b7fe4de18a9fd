"""Calibrated MIDI velocities: a hit as loud as the calibration hit gets that hit's velocity."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.io.export import LEVEL_VELOCITY, midi_velocities, write_midi


def velocities(path: Path) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for message in mido.MidiFile(str(path)).tracks[0]:
        if message.type == "note_on" and message.velocity > 0:
            out.setdefault(message.note, []).append(message.velocity)
    return out


def test_a_calibration_level_hit_gets_the_calibration_velocity(tmp_path: Path) -> None:
    onsets = {"kick": np.array([0.5, 1.0, 1.5]), "snare": np.array([0.75, 1.25])}
    strengths = {"kick": np.array([2.0, 1.0, 4.0]), "snare": np.array([0.2, 0.4])}
    path = tmp_path / "x.mid"
    write_midi(path, onsets, strengths, {"kick": 36, "snare": 38}, levels={"kick": 2.0})
    got = velocities(path)
    assert got[36] == [LEVEL_VELOCITY, 45, 127]  # at the level; half as loud; clipped
    assert got[38] == [74, 127]  # no level: relative to the file's strongest snare
    assert LEVEL_VELOCITY == 90


@pytest.mark.parametrize("scale", [0.01, 0.3, 1.0, 1.4])
def test_calibrated_velocity_is_proportional_to_strength(scale: float) -> None:
    level = 3.7
    v = midi_velocities(np.array([scale * level]), level=level, level_velocity=80)
    assert v[0] == max(1, min(127, round(80 * scale)))


def test_bad_levels_are_refused() -> None:
    with pytest.raises(DrumnmfError, match="level must be > 0"):
        midi_velocities(np.ones(2), level=0.0)
    with pytest.raises(DrumnmfError, match="1..127"):
        midi_velocities(np.ones(2), level=1.0, level_velocity=0)


def test_transcribing_a_calibration_hit_gives_the_calibration_velocity(tmp_path: Path) -> None:
    from drumnmf.kit import calibrate
    from drumnmf.pipeline import save_transcription, transcribe

    from synth import SR, hihat, kick, snare, write_wav

    gap = np.zeros(SR // 2, dtype=np.float32)
    files = {
        name: write_wav(tmp_path / f"{name}.wav", np.concatenate([gap[: SR // 10], make(SR), gap]))
        for name, make in (("kick", kick), ("snare", snare), ("hihat", hihat))
    }
    kit = calibrate(list(files.values()))
    assert kit.levels and all(level > 0 for level in kit.levels)
    for name, path in files.items():
        result = transcribe(path, kit=kit)
        written = save_transcription(result, tmp_path / name, formats=("mid",))
        got = velocities(written["mid"])[kit.note_of(name)]
        assert len(got) == 1 and abs(got[0] - LEVEL_VELOCITY) <= 2, (name, got)
