import json

import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.kit import (
    Kit,
    calibrate,
    calibrate_from_annotations,
    canonical_drum_name,
    detect_hits,
    load_kit,
    save_kit,
)
from drumnmf.spectrogram import SpectrogramSettings, magnitude_spectrogram

from synth import SR, kick, place, snare, write_hits, write_wav


def test_calibrate_from_named_files(tmp_path):
    kit = calibrate(write_hits(tmp_path))
    assert kit.names == ("kick", "snare", "hihat")
    assert kit.midi_notes == (36, 38, 42)
    assert kit.templates.shape == (1025, 3)
    assert np.all(kit.templates >= 0)
    freqs = SpectrogramSettings().bin_frequencies()
    centroid = (freqs @ kit.templates) / kit.templates.sum(axis=0)
    assert centroid[0] < centroid[1] < centroid[2]  # kick darkest, hi-hat brightest


def test_template_is_time_average_of_hit(tmp_path):
    path = write_wav(tmp_path / "kick.wav", np.concatenate([np.zeros(4410, np.float32), kick()]))
    kit = calibrate([path])
    from drumnmf.io.audio import load_audio

    V = magnitude_spectrogram(load_audio(path), dtype=np.float64)
    ((a, b),) = detect_hits(V, kit.settings)
    np.testing.assert_allclose(kit.templates[:, 0], V[:, a:b].mean(axis=1), rtol=1e-6)


def test_several_hits_in_one_file_are_found(tmp_path):
    paths = write_hits(tmp_path, repeats=4)
    from drumnmf.io.audio import load_audio

    V = magnitude_spectrogram(load_audio(paths[1]))
    assert len(detect_hits(V, SpectrogramSettings())) == 4


def test_name_value_pairs_notes_and_separate(tmp_path):
    paths = write_hits(tmp_path)
    kit = calibrate(
        [f"cowbell={paths[2]}", f"snare={paths[1]}", ("snare", (snare(seed=5), SR))],
        notes={"cowbell": 56},
        separate=True,
    )
    assert kit.names == ("cowbell", "snare")
    assert kit.midi_notes == (56, 38)
    assert kit.template_drums == (0, 1, 1)


def test_unknown_drum_needs_a_note(tmp_path):
    paths = write_hits(tmp_path)
    with pytest.raises(DrumnmfError, match="unknown drum name 'gong'.*--note gong=NOTE"):
        calibrate([f"gong={paths[0]}"])


def test_aliases():
    assert canonical_drum_name("BD") == "kick"
    assert canonical_drum_name("Hi-Hat") == "hihat"
    assert canonical_drum_name("Floor Tom") == "floor_tom"
    with pytest.raises(DrumnmfError, match="invalid drum name"):
        canonical_drum_name("k!ck")


def test_save_load_roundtrip(tmp_path):
    kit = calibrate(write_hits(tmp_path))
    save_kit(kit, tmp_path / "k.json")
    back = load_kit(tmp_path / "k.json")
    assert back.names == kit.names and back.settings == kit.settings
    np.testing.assert_allclose(back.templates, kit.templates, rtol=1e-5)


def test_settings_recorded_and_checked(tmp_path):
    s = SpectrogramSettings(n_fft=1024, hop_length=256)
    kit = calibrate(write_hits(tmp_path), settings=s)
    assert kit.templates.shape[0] == 513
    kit.check_settings(s)
    with pytest.raises(DrumnmfError, match="recalibrate the kit with these settings"):
        kit.check_settings(SpectrogramSettings())


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("not json", "cannot read kit"),
        ('{"format": "other"}', "not a drumnmf kit"),
        ('{"format": "drumnmf-kit", "version": 99}', "upgrade drumnmf"),
        ('{"format": "drumnmf-kit", "version": 1, "settings": {}}', "invalid spectrogram settings"),
    ],
)
def test_bad_kit_files(tmp_path, content, match):
    (tmp_path / "k.json").write_text(content)
    with pytest.raises(DrumnmfError, match=match):
        load_kit(tmp_path / "k.json")


def test_missing_kit_file(tmp_path):
    with pytest.raises(DrumnmfError, match="kit file not found"):
        load_kit(tmp_path / "nope.json")


def test_kit_validation():
    t = np.ones((1025, 2))
    with pytest.raises(DrumnmfError, match="all zero"):
        Kit(("kick", "snare"), (36, 38), np.c_[t[:, 0], np.zeros(1025)], (0, 1))
    with pytest.raises(DrumnmfError, match="shape"):
        Kit(("kick", "snare"), (36, 38), np.ones((10, 2)), (0, 1))
    with pytest.raises(DrumnmfError, match="repeat"):
        Kit(("kick", "kick"), (36, 36), t, (0, 1))
    with pytest.raises(DrumnmfError, match="outside 0..127"):
        Kit(("kick", "snare"), (36, 300), t, (0, 1))
    with pytest.raises(DrumnmfError, match="nonnegative"):
        Kit(("kick", "snare"), (36, 38), -t, (0, 1))


def test_kit_does_not_alias_caller_array():
    t = np.ones((1025, 1))
    kit = Kit(("kick",), (36,), t, (0,))
    t[:] = 5
    assert kit.templates[0, 0] == 1.0
    with pytest.raises(ValueError):
        kit.templates[0, 0] = 2.0


def test_subset_and_unknown_drum(tmp_path):
    kit = calibrate(write_hits(tmp_path))
    sub = kit.subset(["hihat", "kick"])
    assert sub.names == ("hihat", "kick")
    np.testing.assert_array_equal(sub.templates[:, 0], kit.templates[:, 2])
    with pytest.raises(DrumnmfError, match="unknown drum 'tuba'"):
        kit.subset(["tuba"])


def test_calibrate_from_annotations(tmp_path):
    events = {"kick": np.array([0.5, 2.0, 2.6]), "snare": np.array([1.2, 2.62])}
    audio = place(events, 4.0)
    kit = calibrate_from_annotations(audio, events, sample_rate=SR)
    assert kit.names == ("kick", "snare")
    iso = calibrate([("kick", (np.concatenate([np.zeros(4410, np.float32), kick()]), SR))])
    a = kit.templates[:, 0] / np.linalg.norm(kit.templates[:, 0])
    b = iso.templates[:, 0] / np.linalg.norm(iso.templates[:, 0])
    assert float(a @ b) > 0.95
    assert "0.1 s apart" in kit.sources[0]


def test_annotated_drum_that_never_sounds_alone(tmp_path):
    events = {"kick": np.array([0.5, 2.0, 3.0]), "snare": np.array([1.7, 3.01])}
    audio = place(events, 4.0)
    kit = calibrate_from_annotations(audio, events, sample_rate=SR, isolation=0.3)
    assert kit.names == ("kick", "snare")
    assert "0.15 s apart" in kit.sources[1]  # relaxed from 0.3 s
    paired = calibrate_from_annotations(
        audio, {"kick": events["kick"], "snare": np.array([3.01])}, sample_rate=SR
    )
    assert "companions subtracted" in paired.sources[1]
    late = {**events, "hihat": np.array([9.0])}  # beyond the end of the audio
    with pytest.raises(DrumnmfError, match=r"no usable annotated hit of \['hihat'\]"):
        calibrate_from_annotations(audio, late, sample_rate=SR)
    skipped = calibrate_from_annotations(audio, late, sample_rate=SR, skip_missing=True)
    assert skipped.names == ("kick", "snare")


def test_no_hits_given():
    with pytest.raises(DrumnmfError, match="no calibration hits"):
        calibrate([])


def test_kit_json_is_readable(tmp_path):
    kit = calibrate(write_hits(tmp_path))
    save_kit(kit, tmp_path / "k.json")
    data = json.loads((tmp_path / "k.json").read_text())
    assert data["format"] == "drumnmf-kit"
    assert [d["name"] for d in data["drums"]] == ["kick", "snare", "hihat"]


@pytest.mark.parametrize("attack_frames", [1, 2, 3])
def test_attack_and_decay_templates(tmp_path, attack_frames):
    path = write_wav(tmp_path / "kick.wav", np.concatenate([np.zeros(4410, np.float32), kick()]))
    kit = calibrate([path], attack_frames=attack_frames)
    from drumnmf.io.audio import load_audio

    V = magnitude_spectrogram(load_audio(path), dtype=np.float64)
    ((a, b),) = detect_hits(V, kit.settings)
    assert kit.template_drums == (0, 0)
    assert kit.sources[0].endswith("(attack)") and kit.sources[1].endswith("(decay)")
    cut = a + attack_frames
    np.testing.assert_allclose(kit.templates[:, 0], V[:, a:cut].mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(kit.templates[:, 1], V[:, cut:b].mean(axis=1), rtol=1e-6)
    # frame-weighted, the two parts give back the single time-averaged template
    whole = calibrate([path]).templates[:, 0]
    mixed = (attack_frames * kit.templates[:, 0] + (b - cut) * kit.templates[:, 1]) / (b - a)
    np.testing.assert_allclose(mixed, whole, rtol=1e-6, atol=1e-12)


def test_attack_frames_with_several_files_and_separate(tmp_path):
    paths = write_hits(tmp_path)
    kit = calibrate(paths, attack_frames=2)
    assert kit.template_drums == (0, 0, 1, 1, 2, 2)
    kit = calibrate([*paths, f"kick={paths[0]}"], attack_frames=2, separate=True)
    assert kit.template_drums.count(0) == 4


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_attack_frames_validated(tmp_path, bad):
    with pytest.raises(DrumnmfError, match="attack_frames must be an integer"):
        calibrate(write_hits(tmp_path), attack_frames=bad)


# ------------------------------------------------- spans and templates computed by hand
# Hits here are decaying tones of different partials (no two alike), placed so that each
# starts exactly at the time of a frame ``k`` (sample ``k * 512``). By the detection rule
# in drumnmf.kit (module docstring) such a hit's span starts at frame ``k - 1``, the first
# frame whose window holds a quarter window (512 samples) of it, and ends at the next
# hit's start or after HIT_SECONDS = 0.5 s = round(0.5 * 44100 / 512) = 43 frames.
# Tones fade out over 50 ms, so their ends add no spectral-flux peak.

HOP = 512
LONGEST = 43  # frames in 0.5 s at 44.1 kHz, hop 512


def _tone(partials, seconds, decay):
    t = np.arange(int(seconds * SR)) / SR
    wave = sum(a * np.sin(2 * np.pi * f * t) for f, a in partials)
    fade = np.minimum(1.0, (t[-1] - t) / 0.05)
    return (wave * np.exp(-t / decay) * fade).astype(np.float32)


LOW = _tone([(220, 1.0), (660, 0.5)], 1.0, decay=0.3)
BRIGHT = _tone([(1500, 0.6), (3100, 0.4), (5200, 0.3)], 1.0, decay=0.15)


def _at(n_frames, *placed):
    """Samples of ``n_frames`` frames with each (frame, sound) starting at that frame."""
    out = np.zeros(n_frames * HOP, np.float32)
    for frame, sound in placed:
        out[frame * HOP : frame * HOP + sound.size] += sound
    return out


def _spectrum(samples):
    return magnitude_spectrogram(samples, dtype=np.float64)


@pytest.mark.parametrize(
    ("placed", "spans"),
    [
        ([(20, LOW)], [(19, 19 + LONGEST)]),  # longer than 0.5 s: cut at 43 frames
        ([(20, LOW), (140, 0.5 * BRIGHT)], [(19, 62), (139, 182)]),
        ([(20, LOW), (46, BRIGHT)], [(19, 45), (45, 45 + LONGEST)]),  # next hit ends the first
        ([(20, BRIGHT)], [(19, 62)]),
    ],
)
def test_hit_spans_are_the_hand_computed_frames(placed, spans):
    samples = _at(300, *placed)
    assert detect_hits(_spectrum(samples), SpectrogramSettings()) == spans


def test_template_averages_differently_shaped_hits_of_one_recording():
    samples = _at(300, (20, LOW), (140, 0.5 * BRIGHT))
    V = _spectrum(samples)
    expected = (V[:, 19:62].mean(axis=1) + V[:, 139:182].mean(axis=1)) / 2
    kit = calibrate([("kick", (samples, SR))])
    np.testing.assert_allclose(kit.templates[:, 0], expected, rtol=1e-9, atol=1e-12)


def test_recordings_of_one_drum_are_averaged_not_summed():
    first, second = _at(120, (20, LOW)), _at(120, (20, 0.7 * BRIGHT))
    one = _spectrum(first)[:, 19:62].mean(axis=1)
    two = _spectrum(second)[:, 19:62].mean(axis=1)
    kit = calibrate([("snare", (first, SR)), ("snare", (second, SR))])
    assert kit.templates.shape[1] == 1
    np.testing.assert_allclose(kit.templates[:, 0], (one + two) / 2, rtol=1e-9, atol=1e-12)
    apart = calibrate([("snare", (first, SR)), ("snare", (second, SR))], separate=True)
    np.testing.assert_allclose(apart.templates, np.c_[one, two], rtol=1e-9, atol=1e-12)


def test_annotated_hit_spans_at_most_half_a_second():
    samples = _at(200, (20, LOW))
    onset = 20 * HOP / SR  # exactly frame 20
    kit = calibrate_from_annotations(samples, {"kick": np.array([onset])}, sample_rate=SR)
    expected = _spectrum(samples)[:, 20 : 20 + LONGEST].mean(axis=1)
    np.testing.assert_allclose(kit.templates[:, 0], expected, rtol=1e-9, atol=1e-12)
