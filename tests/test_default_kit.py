"""The shipped default kit and built-in example load and are well formed."""

from __future__ import annotations

import numpy as np

from drumnmf.example import example_onsets, example_onsets_path, example_path
from drumnmf.io.annotations import CANONICAL_DRUMS, load_text
from drumnmf.io.audio import load_audio
from drumnmf.kit import default_kit
from drumnmf.spectrogram import SpectrogramSettings


def test_default_kit_loads_with_the_scored_drums() -> None:
    kit = default_kit()
    for drum in ("kick", "snare", "hihat"):
        assert drum in kit.names
    assert kit.settings == SpectrogramSettings()
    assert kit.templates.shape == (SpectrogramSettings().n_bins, len(kit.template_drums))
    assert np.all(kit.templates >= 0) and np.all(np.isfinite(kit.templates))
    assert len(kit.sources) == kit.templates.shape[1]
    assert all("CC0" in source or "MIT" in source for source in kit.sources)


def test_example_audio_and_onsets() -> None:
    assert example_path().stat().st_size < 1_000_000
    audio = load_audio(example_path())
    duration = audio.size / 44100
    assert 10.0 <= duration <= 16.0
    assert float(np.abs(audio).max()) <= 1.0
    onsets = example_onsets()
    assert sorted(onsets) == ["hihat", "kick", "snare"]
    for times in onsets.values():
        assert times.size >= 10
        assert np.all(np.diff(times) >= 0) and times[0] >= 0 and times[-1] < duration
    fine = load_text(example_onsets_path(), unknown="error").onsets
    assert set(fine) <= set(CANONICAL_DRUMS)
    assert sum(v.size for v in fine.values()) == sum(v.size for v in onsets.values())


def test_example_lines_are_time_tab_drum_sorted() -> None:
    lines = example_onsets_path().read_text(encoding="utf-8").splitlines()
    times = [float(line.split("\t")[0]) for line in lines]
    assert all(len(line.split("\t")) == 2 for line in lines)
    assert times == sorted(times)
