import json

import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.kit import (
    DRUM_NOTES,
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


# ------------------------------------------------------------- names, notes and messages

# The General MIDI percussion key map (GM 1, channel 10), by its own names.
GM_PERCUSSION = {
    36: "Bass Drum 1",
    37: "Side Stick",
    38: "Acoustic Snare",
    39: "Hand Clap",
    40: "Electric Snare",
    41: "Low Floor Tom",
    42: "Closed Hi-Hat",
    43: "High Floor Tom",
    44: "Pedal Hi-Hat",
    45: "Low Tom",
    46: "Open Hi-Hat",
    47: "Low-Mid Tom",
    49: "Crash Cymbal 1",
    50: "High Tom",
    51: "Ride Cymbal 1",
    52: "Chinese Cymbal",
    53: "Ride Bell",
    54: "Tambourine",
    55: "Splash Cymbal",
    56: "Cowbell",
    57: "Crash Cymbal 2",
}
EXPECTED_NOTES = {
    "kick": "Bass Drum 1",
    "side_stick": "Side Stick",
    "rimshot": "Side Stick",
    "snare": "Acoustic Snare",
    "clap": "Hand Clap",
    "electric_snare": "Electric Snare",
    "floor_tom": "Low Floor Tom",
    "low_floor_tom": "Low Floor Tom",
    "high_floor_tom": "High Floor Tom",
    "hihat": "Closed Hi-Hat",
    "pedal_hihat": "Pedal Hi-Hat",
    "open_hihat": "Open Hi-Hat",
    "low_tom": "Low Tom",
    "tom": "Low-Mid Tom",
    "mid_tom": "Low-Mid Tom",
    "high_tom": "High Tom",
    "crash": "Crash Cymbal 1",
    "cymbal": "Crash Cymbal 1",
    "crash2": "Crash Cymbal 2",
    "ride": "Ride Cymbal 1",
    "china": "Chinese Cymbal",
    "ride_bell": "Ride Bell",
    "tambourine": "Tambourine",
    "splash": "Splash Cymbal",
    "cowbell": "Cowbell",
}


def test_drum_notes_are_general_midi():
    assert {name: GM_PERCUSSION[note] for name, note in DRUM_NOTES.items()} == EXPECTED_NOTES


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        *[(a, "kick") for a in ("bd", "KD", "bass", "bassdrum", "Bass Drum", "kickdrum")],
        *[(a, "snare") for a in ("sd", "snaredrum", "Snare")],
        *[(a, "hihat") for a in ("hh", "hi_hat", "hat", "CHH", "closed hihat", "hi-hat")],
        ("ohh", "open_hihat"),
        ("openhat", "open_hihat"),
        ("phh", "pedal_hihat"),
        ("tt", "tom"),
        ("toms", "tom"),
        ("ht", "high_tom"),
        ("mt", "mid_tom"),
        ("lt", "low_tom"),
        ("ft", "floor_tom"),
        ("crash cymbal", "crash"),
        ("rd", "ride"),
        ("ride-cymbal", "ride"),
        ("rs", "rimshot"),
        ("cb", "cowbell"),
        ("  Tom  2 ", "tom_2"),  # unknown names are kept, lower-cased, spaces to '_'
    ],
)
def test_every_alias(spelling, name):
    assert canonical_drum_name(spelling) == name


@pytest.mark.parametrize("bad", ["", "  ", "k!ck", "tom/2"])
def test_invalid_names_are_named(bad):
    with pytest.raises(DrumnmfError) as info:
        canonical_drum_name(bad)
    assert str(info.value) == (
        f"invalid drum name {bad!r}; use letters, digits and '_' (e.g. 'kick', 'snare')"
    )


@pytest.mark.parametrize(
    ("path", "name"),
    [("kick_2.wav", "kick"), ("snare-10.flac", "snare"), ("hh.take1.wav", "hihat"), ("7.wav", "7")],
)
def test_drum_name_from_file_name(tmp_path, path, name):
    write_wav(tmp_path / path, np.concatenate([np.zeros(4410, np.float32), kick()]))
    kit = calibrate([tmp_path / path], notes={"7": 60})
    assert kit.names == (name,)
    assert kit.sources == (str(tmp_path / path),)


def test_notes_given_by_alias_override_the_defaults(tmp_path):
    paths = write_hits(tmp_path, repeats=1)
    kit = calibrate(paths, notes={"BD": 35, "Hi-Hat": 44})
    assert kit.midi_notes == (35, 38, 44)
    assert kit.note_of("bd") == 35 and kit.index("HH") == 2


def test_kit_messages_name_the_value_and_the_fix():
    t = np.ones((1025, 2))
    cases = [
        (lambda: Kit((), (), np.ones((1025, 0)), ()), "^a kit needs at least one drum; calibrate"),
        (
            lambda: Kit(("kick", "kick"), (36, 36), t, (0, 1)),
            r"^drum names repeat in \('kick', 'kick'\); give each drum once$",
        ),
        (
            lambda: Kit(("kick", "snare"), (36,), t, (0, 1)),
            "^2 drums but 1 MIDI notes; give one each$",
        ),
        (
            lambda: Kit(("kick", "snare"), (36, 128), t, (0, 1)),
            "^MIDI note 128 of 'snare' is outside 0..127$",
        ),
        (lambda: Kit(("kick",), (-1,), t[:, :1], (0,)), "^MIDI note -1 of 'kick' is outside"),
        (
            lambda: Kit(("kick",), (36,), np.ones(1025), (0,)),
            r"^templates must have shape \(1025, n_templates\) for n_fft=2048, got \(1025,\)$",
        ),
        (
            lambda: Kit(("kick",), (36,), t, (0,)),
            r"^2 templates but 1 template_drums entries$",
        ),
        (
            lambda: Kit(("kick", "snare"), (36, 38), t, (0, 0)),
            r"^template_drums \(0, 0\) must give every drum 0..1 at least one template$",
        ),
        (
            lambda: Kit(("kick",), (36,), np.full((1025, 1), np.nan), (0,)),
            "^templates must be finite and nonnegative$",
        ),
        (
            lambda: Kit(("kick", "snare"), (36, 38), np.c_[t[:, 0], np.zeros(1025)], (0, 1)),
            "^template 1 of 'snare' is all zero; recalibrate it from an audible hit$",
        ),
    ]
    for make, match in cases:
        with pytest.raises(DrumnmfError, match=match):
            make()


def test_edge_notes_and_templates_are_accepted():
    kit = Kit(("a", "b"), (0, 127), np.eye(1025)[:, :2], (0, 1))
    assert kit.midi_notes == (0, 127) and kit.n_drums == 2
    assert kit.templates.dtype == np.float64


def test_subset_keeps_each_templates_source():
    t = np.abs(np.random.default_rng(0).standard_normal((1025, 4))) + 0.1
    kit = Kit(
        ("kick", "snare", "hihat"), (36, 38, 42), t, (0, 1, 1, 2), sources=("k", "s1", "s2", "h")
    )
    sub = kit.subset(["snare", "kick"])
    assert sub.names == ("snare", "kick") and sub.midi_notes == (38, 36)
    assert sub.template_drums == (0, 0, 1)
    assert sub.sources == ("s1", "s2", "k")
    np.testing.assert_array_equal(sub.templates, t[:, [1, 2, 0]])
    assert sub.settings == kit.settings
    bare = Kit(("kick", "snare"), (36, 38), t[:, :2], (0, 1), sources=("both",))
    assert bare.subset(["snare"]).sources == ("both",)


def test_unknown_drum_message():
    kit = Kit(("kick", "snare"), (36, 38), np.ones((1025, 2)), (0, 1))
    with pytest.raises(DrumnmfError, match="^unknown drum 'tuba'; this kit has kick, snare$"):
        kit.index("tuba")


def test_settings_mismatch_message():
    kit = Kit(("kick",), (36,), np.ones((1025, 1)), (0,))
    other = SpectrogramSettings(hop_length=256)
    with pytest.raises(DrumnmfError) as info:
        kit.check_settings(other)
    assert str(info.value) == (
        f"the kit was calibrated with {kit.settings.to_dict()} but transcription uses "
        f"{other.to_dict()}; recalibrate the kit with these settings or transcribe with the kit's"
    )
    kit.check_settings(SpectrogramSettings())


def test_kit_file_is_exactly_the_documented_format(tmp_path):
    kit = Kit(
        ("kick", "cowbell"),
        (36, 56),
        np.c_[np.full(1025, 0.5), np.linspace(0, 1, 1025)],
        (0, 1),
        sources=("a.wav", "b.wav"),
    )
    data = kit.to_dict()
    assert list(data) == ["format", "version", "settings", "drums", "templates", "sources"]
    assert data["format"] == "drumnmf-kit" and data["version"] == 1
    assert data["settings"] == {
        "sample_rate": 44100,
        "n_fft": 2048,
        "hop_length": 512,
        "window": "hann",
    }
    assert data["drums"] == [
        {"name": "kick", "midi_note": 36},
        {"name": "cowbell", "midi_note": 56},
    ]
    assert [t["drum"] for t in data["templates"]] == ["kick", "cowbell"]
    assert data["templates"][0]["spectrum"][:2] == [0.5, 0.5]
    assert data["templates"][1]["spectrum"][1] == float(f"{1 / 1024:.6g}")  # 6 digits
    assert data["sources"] == ["a.wav", "b.wav"]
    back = Kit.from_dict(json.loads(json.dumps(data)))
    assert (back.names, back.midi_notes, back.template_drums, back.sources) == (
        kit.names,
        kit.midi_notes,
        kit.template_drums,
        kit.sources,
    )
    np.testing.assert_allclose(back.templates, kit.templates, rtol=5e-6)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.pop("format"), r'^kit is not a drumnmf kit \(no "format": "drumnmf-kit"\)$'),
        (
            lambda d: d.update(version=2),
            "^kit has kit format version 2; this drumnmf reads version 1: upgrade drumnmf$",
        ),
        (lambda d: d.pop("drums"), r"^kit is malformed \(KeyError\('drums'\)\); recalibrate it$"),
        (lambda d: d["templates"][0].update(drum="tuba"), r"^kit is malformed \(ValueError"),
        (lambda d: d["drums"][0].update(midi_note="x"), r"^kit is malformed \(ValueError"),
        (lambda d: d.update(templates=[]), "^kit has no templates; recalibrate it$"),
    ],
)
def test_malformed_kit_dicts(change, match):
    data = Kit(("kick",), (36,), np.ones((1025, 1)), (0,)).to_dict()
    change(data)
    with pytest.raises(DrumnmfError, match=match):
        Kit.from_dict(data)


def test_kit_file_errors_name_the_file(tmp_path):
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(
        DrumnmfError, match=r"^'.*list\.json' is not a drumnmf kit; recalibrate it$"
    ):
        load_kit(tmp_path / "list.json")
    (tmp_path / "bad.json").write_text('{"format": "other"}')
    with pytest.raises(DrumnmfError, match=r"^kit '.*bad\.json' is not a drumnmf kit"):
        load_kit(tmp_path / "bad.json")
    with pytest.raises(DrumnmfError, match=r"^kit file not found: '.*nope\.json'; create one with"):
        load_kit(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(
        DrumnmfError, match=r"^cannot read kit '.*bin\.json' \(.*\); recalibrate it$"
    ):
        load_kit(tmp_path / "bin.json")
    kit = Kit(("kick",), (36,), np.ones((1025, 1)), (0,))
    save_kit(kit, tmp_path / "k.json")
    assert json.loads((tmp_path / "k.json").read_text(encoding="utf-8"))["format"] == "drumnmf-kit"


def test_calibration_errors(tmp_path):
    silent = write_wav(tmp_path / "kick.wav", np.zeros(SR, np.float32))
    with pytest.raises(DrumnmfError, match=r"^hit of 'snare' is silent"):
        calibrate([("snare", (np.zeros(SR, np.float32), SR))])
    with pytest.raises(DrumnmfError, match=r"^no calibration hits given; record one file per drum"):
        calibrate(())
    with pytest.raises(
        DrumnmfError,
        match=r"^attack_frames must be an integer >= 0 \(0 = one template, e\.g\. 2\), got -1$",
    ):
        calibrate([silent], attack_frames=-1)
    kit = calibrate([("kick", (kick(), SR))], attack_frames=np.int64(0))
    assert kit.template_drums == (0,)
    known = ", ".join(sorted(DRUM_NOTES))
    with pytest.raises(DrumnmfError) as info:
        calibrate([("gong", (kick(), SR))])
    assert str(info.value) == (
        "unknown drum name 'gong': give its General MIDI note (CLI: --note gong=NOTE) "
        f"or use a known name: {known}"
    )


def test_annotated_calibration_errors():
    audio = place({"kick": np.array([0.5])}, 1.0)
    with pytest.raises(DrumnmfError, match="^sample_rate is required when audio is an array$"):
        calibrate_from_annotations(audio, {"kick": np.array([0.5])})
    for bad in (0.0, -0.1, float("nan")):
        with pytest.raises(
            DrumnmfError, match=r"^isolation must be a positive number of seconds, got"
        ):
            calibrate_from_annotations(
                audio, {"kick": np.array([0.5])}, sample_rate=SR, isolation=bad
            )
    with pytest.raises(
        DrumnmfError, match=r"^the annotations hold no onsets; give 'time label' lines$"
    ):
        calibrate_from_annotations(audio, {"kick": np.array([])}, sample_rate=SR)
    with pytest.raises(DrumnmfError, match="^no drum of the recording has usable annotated hits$"):
        calibrate_from_annotations(
            audio, {"kick": np.array([5.0])}, sample_rate=SR, skip_missing=True
        )


def test_kit_dicts_without_optional_keys_and_with_other_settings():
    settings = SpectrogramSettings(sample_rate=22050, n_fft=512, hop_length=128)
    kit = Kit(("kick", "snare"), (36, 38), np.ones((257, 2), dtype=int), (0, 1), settings=settings)
    assert kit.templates.dtype == np.float64  # integer templates become floats
    data = kit.to_dict()
    del data["version"], data["sources"]  # both optional
    back = Kit.from_dict(data)
    assert back.settings == settings and back.sources == ()
    assert kit.subset(["snare"]).settings == settings


def _two_hits(second_gain):
    return _at(260, (20, LOW), (140, second_gain * BRIGHT))


@pytest.mark.parametrize(("gain", "n_hits"), [(0.1, 2), (0.05, 2), (0.045, 1), (0.02, 1)])
def test_hits_more_than_30_db_below_the_loudest_are_ignored(gain, n_hits):
    # the bright hit's peak frame energy is 3.46 dB below the low one's at equal gain: a
    # gain of 0.05 puts it 29.5 dB below (kept), 0.045 30.4 dB below (left out)
    V = _spectrum(_two_hits(gain))
    assert len(detect_hits(V, SpectrogramSettings())) == n_hits


def test_quiet_and_silent_spectrograms():
    quiet = _spectrum(_at(200, (20, 1e-4 * LOW)))  # frame energies far below 1
    assert detect_hits(quiet, SpectrogramSettings()) == [(19, 62)]
    assert detect_hits(np.zeros((1025, 50)), SpectrogramSettings()) == []


def test_flam_is_one_hit_and_three_hits_end_at_the_next():
    flam = _at(200, (20, LOW), (22, LOW))  # two attacks 23 ms apart: one hit (50 ms gap)
    assert detect_hits(_spectrum(flam), SpectrogramSettings()) == [(19, 62)]
    three = _at(200, (20, LOW), (40, BRIGHT), (60, LOW))
    assert detect_hits(_spectrum(three), SpectrogramSettings()) == [(19, 39), (39, 59), (59, 102)]


def test_hit_at_the_very_start():
    # a trimmed one-shot sample: its steepest rise is in frame 0; once this was missed and
    # the decay split into eight "hits"
    for sound in (LOW, BRIGHT, kick(), snare()):
        V = _spectrum(np.concatenate([sound, np.zeros(30000, np.float32)]))
        hits = detect_hits(V, SpectrogramSettings())
        assert len(hits) == 1 and hits[0][0] == 0, hits
    assert detect_hits(_spectrum(_at(100, (0, LOW))), SpectrogramSettings()) == [(0, LONGEST)]


def test_hit_ends_once_60_db_below_its_peak():
    fast = _tone([(300, 1.0), (900, 0.4)], 0.6, decay=0.03)  # -60 dB after 0.21 s
    V = _spectrum(_at(200, (20, fast)))
    energy = np.sum(V**2, axis=0)
    quiet = np.nonzero(energy[19:] < energy[19:23].max() * 1e-6)[0][0]
    assert 15 <= quiet <= 21  # 0.21 s / 11.6 ms = 18 frames
    assert detect_hits(V, SpectrogramSettings()) == [(19, 19 + quiet)]


def test_attack_split_edges():
    hit = _at(120, (20, LOW))
    one = calibrate([("kick", (hit, SR))], attack_frames=LONGEST)  # no frame left to decay
    assert one.template_drums == (0,) and one.sources == ("kick (array) (attack)",)
    quiet = calibrate([("kick", (1e-4 * hit, SR))], attack_frames=2)  # magnitudes below 1
    assert quiet.template_drums == (0, 0)
    short = _at(120, (20, _tone([(220, 1.0)], 0.1, decay=0.01)))  # ends within 10 frames
    mixed = calibrate([("kick", (short, SR)), ("kick", (hit, SR))], attack_frames=12)
    V = _spectrum(hit)
    assert mixed.template_drums == (0, 0)
    np.testing.assert_allclose(mixed.templates[:, 1], V[:, 31:62].mean(axis=1), rtol=1e-9)
    assert mixed.sources == (
        "kick (array) + kick (array) (attack)",
        "kick (array) + kick (array) (decay)",
    )


def test_hit_sources_and_paths_with_equals_signs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_wav(tmp_path / "take=1.wav", np.concatenate([np.zeros(4410, np.float32), kick()]))
    kit = calibrate(["snare=take=1.wav"])
    assert kit.names == ("snare",) and kit.sources == ("take=1.wav",)
    with pytest.raises(DrumnmfError, match=r"missing\.wav"):
        calibrate(["missing.wav"])


def _assert_same_spectrum(a, b):
    """Same shape of spectrum and level (resamplers and 16-bit files differ slightly)."""
    cosine = float(a @ b) / float(np.linalg.norm(a) * np.linalg.norm(b))
    assert cosine > 0.999
    assert abs(np.linalg.norm(a) / np.linalg.norm(b) - 1) < 0.01


def test_calibration_resamples_to_the_settings_rate(tmp_path):
    import soxr

    settings = SpectrogramSettings(sample_rate=22050, n_fft=1024, hop_length=256)
    hit = np.concatenate([np.zeros(4410, np.float32), kick()])
    direct = calibrate([("kick", (soxr.resample(hit, SR, 22050), 22050))], settings=settings)
    from_array = calibrate([("kick", (hit, SR))], settings=settings)
    from_file = calibrate([write_wav(tmp_path / "kick.wav", hit)], settings=settings)
    for kit in (from_array, from_file):
        assert kit.settings == settings
        _assert_same_spectrum(kit.templates[:, 0], direct.templates[:, 0])


# ------------------------------------------- annotated calibration, templates by hand


def _span_mean(V, spans):
    return np.mean([V[:, a:b].mean(axis=1) for a, b in spans], axis=0)


def test_annotated_span_ends_at_the_next_onset_of_any_drum():
    audio = _at(200, (20, LOW), (46, BRIGHT), (60, LOW))
    frame = 512 / SR
    onsets = {"kick": np.array([20 * frame]), "snare": np.array([46 * frame, 60 * frame])}
    kit = calibrate_from_annotations(audio, onsets, sample_rate=SR, isolation=0.05)
    V = _spectrum(audio)
    np.testing.assert_allclose(kit.templates[:, 0], V[:, 20:46].mean(axis=1), rtol=1e-9)


def test_annotated_calibration_keeps_the_loudest_hits():
    gains = np.linspace(0.2, 1.0, 24)  # louder and louder
    audio = _at(24 * 60 + 60, *[(20 + 60 * i, g * LOW) for i, g in enumerate(gains)])
    times = (20 + 60 * np.arange(24)) * 512 / SR
    kit = calibrate_from_annotations(audio, {"kick": times}, sample_rate=SR)
    V = _spectrum(audio)
    loudest = [(20 + 60 * i, 20 + 60 * i + LONGEST) for i in range(4, 24)]  # max_hits = 20
    np.testing.assert_allclose(kit.templates[:, 0], _span_mean(V, loudest), rtol=1e-9)


def test_companions_are_subtracted_by_hand():
    # snare and hi-hat sound alone; the kick only ever with the hi-hat (weight 1)
    fs = 512 / SR
    scale = 1e-3  # magnitudes below 1
    placed = [(4, BRIGHT), (130, BRIGHT), (260, LOW), (260, BRIGHT), (345, LOW), (345, BRIGHT)]
    placed += [(430, 0.7 * LOW)]  # the snare, alone
    audio = scale * _at(520, *placed)
    onsets = {
        "snare": np.array([430 * fs]),
        "kick": np.array([260 * fs, 345 * fs]),
        "hihat": np.array([4 * fs, 130 * fs, 260 * fs, 345 * fs]),
    }
    kit = calibrate_from_annotations(audio, onsets, sample_rate=SR, notes={"kick": 35})
    V = _spectrum(audio)
    assert kit.names == ("snare", "kick", "hihat") and kit.midi_notes == (38, 35, 42)
    hihat = _span_mean(V, [(4, 4 + LONGEST), (130, 130 + LONGEST)])
    snare = _span_mean(V, [(430, 430 + LONGEST)])
    kick_raw = _span_mean(V, [(260, 303), (345, 388)])
    np.testing.assert_allclose(kit.templates[:, 2], hihat, rtol=1e-9)
    np.testing.assert_allclose(kit.templates[:, 0], snare, rtol=1e-9)
    np.testing.assert_allclose(kit.templates[:, 1], np.maximum(kick_raw - hihat, 0.0), rtol=1e-9)
    assert kit.sources == (
        "annotated hits of 'snare', 0.1 s apart",
        "annotated hits of 'kick' with companions subtracted",
        "annotated hits of 'hihat', 0.1 s apart",
    )


def test_annotated_calibration_details():
    fs = 512 / SR
    audio = _at(200, (20, LOW), (100, BRIGHT))
    # spellings of one drum are merged; an onset at the very end has no frame to average
    onsets = {"kick": np.array([20 * fs]), "bd": np.array([100 * fs]), "hh": [201 * fs]}
    with pytest.raises(DrumnmfError) as info:
        calibrate_from_annotations(audio, onsets, sample_rate=SR)
    assert str(info.value) == (
        "no usable annotated hit of ['hihat'] (none stands 0.03 s apart from other drums); "
        "calibrate those drums from separate hits, or skip them"
    )
    kit = calibrate_from_annotations(audio, onsets, sample_rate=SR, skip_missing=True)
    V = _spectrum(audio)
    np.testing.assert_allclose(
        kit.templates[:, 0], _span_mean(V, [(20, 20 + LONGEST), (100, 100 + LONGEST)]), rtol=1e-9
    )


def test_annotated_calibration_from_a_file_and_other_settings(tmp_path):
    import soxr

    settings = SpectrogramSettings(sample_rate=22050, n_fft=1024, hop_length=256)
    audio = _at(200, (20, LOW))
    onsets = {"kick": np.array([20 * 512 / SR])}
    low_rate = soxr.resample(audio, SR, 22050)
    direct = calibrate_from_annotations(low_rate, onsets, sample_rate=22050, settings=settings)
    path = write_wav(tmp_path / "song.wav", low_rate, 22050)
    for kit in (
        calibrate_from_annotations(path, onsets, settings=settings),
        calibrate_from_annotations(audio, onsets, sample_rate=SR, settings=settings),
    ):
        assert kit.settings == settings and kit.templates.shape == (513, 1)
        _assert_same_spectrum(kit.templates[:, 0], direct.templates[:, 0])
    on_default = calibrate_from_annotations(write_wav(tmp_path / "x.wav", low_rate, 22050), onsets)
    _assert_same_spectrum(
        on_default.templates[:, 0],
        calibrate_from_annotations(audio, onsets, sample_rate=SR).templates[:, 0],
    )
