"""Tests of drumnmf.evaluation.render: kit parsing, timing, layers, gains, chokes, mixing, CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

from drumnmf.cli import main
from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.render import (
    SF2_NOTES,
    SOUND_FALLBACKS,
    SOUNDS,
    TEMPLATE_DRUMS,
    Instrument,
    Layer,
    NoteEvent,
    SampleKit,
    calibrated_kit,
    calibration_hits,
    guess_sound,
    kit_from_files,
    load_hydrogen_kit,
    load_sample_kit,
    load_sf2_kit,
    mix_at_ratio,
    read_midi,
    render_events,
    render_midi,
    write_reference,
)
from drumnmf.io.annotations import CANONICAL_DRUMS, load_text
from drumnmf.kit import calibrate

SR = 44100
HYDROGEN = Path("/usr/share/hydrogen/data/drumkits")
FLUID = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


def tone(
    freq: float, *, seconds: float = 0.15, lead: float = 0.004, amp: float = 0.5
) -> np.ndarray:
    """A decaying sine after ``lead`` seconds of silence, with a 1 ms attack ramp."""
    t = np.arange(int(seconds * SR)) / SR
    ramp = np.minimum(t / 0.001, 1.0)
    body = amp * ramp * np.sin(2 * np.pi * freq * t + 0.3) * np.exp(-t / 0.04)
    return np.concatenate([np.zeros(int(lead * SR)), body]).astype(np.float32)


def noise(*, seconds: float = 0.3, amp: float = 0.4, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    return (amp * rng.standard_normal(t.size) * np.exp(-t / 0.1)).astype(np.float32)


KIT_XML = """<?xml version="1.0" encoding="UTF-8"?>
<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">
 <name>TinyKit</name>
 <license>CC0</license>
 <componentList><drumkitComponent><id>0</id><name>Main</name><volume>1</volume>
 </drumkitComponent></componentList>
 <instrumentList>
  <instrument>
   <id>0</id><name>Kick</name><volume>0.5</volume><gain>0.8</gain><muteGroup>-1</muteGroup>
   <instrumentComponent><component_id>0</component_id><gain>1</gain>
    <layer><filename>kick_soft.wav</filename><min>0</min><max>0.5</max><gain>1</gain></layer>
    <layer><filename>kick_hard.wav</filename><min>0.5</min><max>1</max><gain>0.5</gain></layer>
   </instrumentComponent>
  </instrument>
  <instrument>
   <id>1</id><name>Snare Rock</name><volume>1</volume><gain>1</gain>
   <instrumentComponent><component_id>0</component_id><gain>1</gain>
    <layer><filename>snare.wav</filename><min>0</min><max>1</max><gain>1</gain></layer>
   </instrumentComponent>
  </instrument>
  <instrument>
   <id>2</id><name>Hat Closed</name><volume>1</volume><gain>1</gain><muteGroup>-1</muteGroup>
   <instrumentComponent><component_id>0</component_id><gain>1</gain>
    <layer><filename>hat.wav</filename><min>0</min><max>1</max><gain>1</gain></layer>
   </instrumentComponent>
  </instrument>
  <instrument>
   <id>3</id><name>Hat Open</name><volume>1</volume><gain>1</gain><muteGroup>-1</muteGroup>
   <instrumentComponent><component_id>0</component_id><gain>1</gain>
    <layer><filename>open.wav</filename><min>0</min><max>1</max><gain>1</gain></layer>
   </instrumentComponent>
  </instrument>
  <instrument>
   <id>4</id><name>Snare Roll</name><volume>1</volume>
   <instrumentComponent><component_id>0</component_id>
    <layer><filename>snare.wav</filename></layer>
   </instrumentComponent>
  </instrument>
 </instrumentList>
</drumkit_info>
"""

OLD_XML = """<?xml version="1.0" encoding="UTF-8"?>
<drumkit_info>
 <name>OldKit</name>
 <instrumentList>
  <instrument><id>0</id><name>BassDrum</name><volume>1</volume><gain>1</gain>
   <layer><filename>kick_soft.wav</filename><min>0</min><max>1</max><gain>1</gain></layer>
  </instrument>
  <instrument><id>1</id><filename>snare.wav</filename><name>Snare</name><volume>0.5</volume>
  </instrument>
 </instrumentList>
</drumkit_info>
"""


def write_samples(folder: Path) -> None:
    sf.write(folder / "kick_soft.wav", tone(60), SR)
    sf.write(folder / "kick_hard.wav", tone(90, amp=0.9), SR)
    # a stereo sample at another rate: mixed to mono and resampled
    snare = np.stack([tone(200), tone(200)], axis=1)[::2]
    sf.write(folder / "snare.wav", snare, SR // 2)
    sf.write(folder / "hat.wav", noise(seconds=0.08, seed=1), SR)
    sf.write(folder / "open.wav", noise(seconds=1.0, seed=2), SR)


@pytest.fixture
def kit_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "TinyKit"
    folder.mkdir()
    write_samples(folder)
    (folder / "drumkit.xml").write_text(KIT_XML, encoding="utf-8")
    return folder


@pytest.fixture
def kit(kit_dir: Path) -> SampleKit:
    return load_hydrogen_kit(kit_dir)


def write_midi(path: Path, notes: list[tuple[float, int, int]], *, tempo_change: bool) -> Path:
    """Notes as (beat, note, velocity); 120 bpm, then 90 bpm from beat 4 if asked."""
    tpb = 480
    events: list[tuple[int, mido.Message | mido.MetaMessage]] = [
        (0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(120)))
    ]
    if tempo_change:
        events.append((4 * tpb, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90))))
    for beat, note, velocity in notes:
        tick = round(beat * tpb)
        events.append((tick, mido.Message("note_on", channel=9, note=note, velocity=velocity)))
        events.append((tick + 60, mido.Message("note_on", channel=9, note=note, velocity=0)))
    events.sort(key=lambda e: e[0])
    track = mido.MidiTrack()
    now = 0
    for tick, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    midi = mido.MidiFile(ticks_per_beat=tpb)
    midi.tracks.append(track)
    midi.save(str(path))
    return path


def beat_seconds(beat: float, *, tempo_change: bool) -> float:
    if not tempo_change or beat <= 4:
        return beat * 0.5
    return 2.0 + (beat - 4) * 60 / 90


# ----------------------------------------------------------------------------- parsing


def test_parse_new_schema(kit: SampleKit) -> None:
    assert kit.name == "TinyKit"
    assert kit.license == "CC0"
    assert kit.sounds == ("kick", "snare", "hihat", "open_hihat")  # the roll is unused
    kick = kit.instrument_for("kick")
    assert kick is not None
    assert (kick.name, kick.gain, kick.volume, len(kick.layers)) == ("Kick", 0.8, 0.5, 2)
    assert [(lay.min_velocity, lay.max_velocity, lay.gain) for lay in kick.layers] == [
        (0.0, 0.5, 1.0),
        (0.5, 1.0, 0.5),
    ]
    snare = kit.instrument_for("snare")
    assert snare is not None and snare.name == "Snare Rock"
    # stereo 22.05 kHz sample read as mono at the kit's rate
    assert abs(snare.layers[0].samples.size - tone(200).size + 0.004 * SR) < 0.002 * SR


def test_parse_old_schemas(tmp_path: Path) -> None:
    write_samples(tmp_path)
    xml = tmp_path / "drumkit.xml"
    xml.write_text(OLD_XML, encoding="utf-8")
    old = load_hydrogen_kit(xml)
    assert old.sounds == ("kick", "snare")
    snare = old.instrument_for("snare")
    assert snare is not None and snare.volume == 0.5 and len(snare.layers) == 1


def test_instrument_map_overrides_names(kit_dir: Path) -> None:
    kit = load_hydrogen_kit(kit_dir, instrument_map={"snare": "Snare Roll"})
    snare = kit.instrument_for("snare")
    assert snare is not None and snare.name == "Snare Roll"
    with pytest.raises(DrumnmfError, match="no instrument 'Nope'"):
        load_hydrogen_kit(kit_dir, instrument_map={"kick": "Nope"})
    with pytest.raises(DrumnmfError, match="unknown sound 'bongo'"):
        load_hydrogen_kit(kit_dir, instrument_map={"bongo": "Kick"})


def test_bad_kits(tmp_path: Path) -> None:
    with pytest.raises(DrumnmfError, match="no Hydrogen kit"):
        load_hydrogen_kit(tmp_path)
    (tmp_path / "drumkit.xml").write_text("<drumkit_info><name>x", encoding="utf-8")
    with pytest.raises(DrumnmfError, match="cannot parse"):
        load_hydrogen_kit(tmp_path)
    (tmp_path / "drumkit.xml").write_text(OLD_XML, encoding="utf-8")
    with pytest.raises(DrumnmfError, match="sample file not found"):
        load_hydrogen_kit(tmp_path)


@pytest.mark.parametrize(
    ("name", "sound"),
    [
        ("Kick", "kick"),
        ("BassDrum", "kick"),
        ("c3 - bass drum 1", "kick"),
        ("Snare Rock", "snare"),
        ("Snare Rimshot", "rimshot"),
        ("Stick", "side_stick"),
        ("Snare Roll", None),
        ("Hat Closed", "hihat"),
        ("Closed HH", "hihat"),
        ("Hi-Hat Pedal (Paiste)", "pedal_hihat"),
        ("Hi Hat Opened", "open_hihat"),
        ("Hi Hat Free", None),
        ("Floor Tom", "floor_tom"),
        ("Tom Mid", "mid_tom"),
        ("Tom 1", "high_tom"),
        ("ride-cup", "ride_bell"),
        ("Ride Jazz", "ride"),
        ("crash16inch", "crash"),
        ("Hand Clap", "clap"),
        ("Djembe Slap", None),
    ],
)
def test_guess_sound(name: str, sound: str | None) -> None:
    assert guess_sound(name) == sound


def test_sounds_are_canonical_drums_that_one_instrument_plays() -> None:
    assert SOUNDS == tuple(d for d in CANONICAL_DRUMS if d in SOUNDS)  # in table order
    assert {"tom", "cymbal", "other"}.isdisjoint(SOUNDS)  # pooled classes, not sounds
    played = {*SOUND_FALLBACKS, *(s for v in SOUND_FALLBACKS.values() for s in v)}
    assert played | set(SF2_NOTES) | set(TEMPLATE_DRUMS) <= set(SOUNDS)
    names = ("Kick", "Snare", "Hat Open", "Tom 1", "Ride", "China", "Splash", "Cowbell")
    assert {guess_sound(n) for n in names} <= set(SOUNDS)


# ----------------------------------------------------------------------------- rendering


@pytest.mark.parametrize("tempo_change", [False, True])
def test_onsets_within_1ms_of_note_on(kit: SampleKit, tmp_path: Path, tempo_change: bool) -> None:
    notes = [(0.25, 36, 100), (1.0, 38, 90), (2.5, 42, 80), (4.5, 36, 40), (6.0, 38, 127)]
    path = write_midi(tmp_path / "groove.mid", notes, tempo_change=tempo_change)
    rendering = render_midi(path, kit)
    expected = [beat_seconds(b, tempo_change=tempo_change) for b, _, _ in notes]
    times = sorted(t for v in rendering.onsets.values() for t in v)
    np.testing.assert_allclose(times, expected, atol=1.0 / SR)
    # where the sound really starts in the audio: the first audible sample after silence
    audible = np.abs(rendering.audio) > 1e-3 * np.abs(rendering.audio).max()
    for t in expected:
        i = round(t * SR) - int(0.05 * SR)
        start = (i + int(np.argmax(audible[i:]))) / SR
        assert abs(start - t) < 1e-3
    assert sorted(rendering.onsets) == ["hihat", "kick", "snare"]


def test_read_midi_maps_groove_notes(tmp_path: Path) -> None:
    notes = [(0, 36, 100), (1, 40, 90), (2, 37, 80), (3, 22, 70), (4, 44, 60), (5, 61, 50)]
    events = read_midi(write_midi(tmp_path / "m.mid", notes, tempo_change=False))
    assert [e.sound for e in events] == ["kick", "rimshot", "side_stick", "hihat", "pedal_hihat"]
    assert [e.velocity for e in events] == [100, 90, 80, 70, 60]


def test_fallback_sound_is_the_reference_label(kit: SampleKit) -> None:
    events = [NoteEvent(0.1, "rimshot", 100), NoteEvent(0.5, "pedal_hihat", 100)]
    rendering = render_events([*events, NoteEvent(0.9, "ride", 100)], kit)
    assert {k: v.tolist() for k, v in rendering.onsets.items()} == {
        "snare": [round(0.1 * SR) / SR],
        "hihat": [round(0.5 * SR) / SR],
    }
    assert rendering.dropped == {"ride": 1}


@pytest.mark.parametrize(("velocity", "layer"), [(1, 0), (40, 0), (63, 0), (64, 1), (127, 1)])
def test_velocity_layer_choice(kit: SampleKit, velocity: int, layer: int) -> None:
    kick = kit.instrument_for("kick")
    assert kick is not None
    assert kick.layer_for(velocity) is kick.layers[layer]


def test_nearest_layer_when_ranges_leave_a_gap() -> None:
    low = Layer(samples=np.ones(10), min_velocity=0.0, max_velocity=0.2)
    high = Layer(samples=np.ones(10), min_velocity=0.8, max_velocity=1.0)
    inst = Instrument(name="x", sound="kick", layers=(low, high))
    assert inst.layer_for(30) is low
    assert inst.layer_for(95) is high


@pytest.mark.parametrize("velocity", [30, 100, 127])
def test_gain_is_layer_times_instrument_times_volume_times_velocity(
    kit: SampleKit, velocity: int
) -> None:
    kick = kit.instrument_for("kick")
    assert kick is not None
    layer = kick.layer_for(velocity)
    rendering = render_events([NoteEvent(0.01, "kick", velocity)], kit)
    expected = float(np.abs(layer.samples).max()) * layer.gain * 0.8 * 0.5 * velocity / 127
    assert rendering.gain == 1.0
    assert float(np.abs(rendering.audio).max()) == pytest.approx(expected, rel=1e-5)


def test_loud_renderings_are_scaled_to_the_peak(kit: SampleKit) -> None:
    events = [NoteEvent(0.1, s, 127) for s in ("kick", "snare", "hihat", "open_hihat")]
    rendering = render_events(events, kit, peak=0.2)
    assert float(np.abs(rendering.audio).max()) == pytest.approx(0.2, rel=1e-5)
    assert rendering.gain < 1.0


def test_closed_hihat_chokes_open_hihat(kit: SampleKit) -> None:
    events = [NoteEvent(0.1, "open_hihat", 100), NoteEvent(0.3, "hihat", 100)]
    choked = render_events(events, kit, choke_hihat=True).audio
    ringing = render_events(events, kit, choke_hihat=False).audio
    after = slice(round(0.45 * SR), round(0.9 * SR))  # the closed hat has died away
    assert np.abs(choked[after]).max() == 0.0
    assert np.abs(ringing[after]).max() > 0.01


def test_mute_groups_stop_other_instruments() -> None:
    ring = Layer(samples=np.ones(SR, dtype=np.float32) * 0.1)
    a = Instrument(name="a", sound="crash", layers=(ring,), mute_group=1)
    b = Instrument(name="b", sound="ride", layers=(ring,), mute_group=1)
    kit = SampleKit(name="k", instruments=(a, b), sample_rate=SR)
    audio = render_events(
        [NoteEvent(0.0, "crash", 127), NoteEvent(0.5, "ride", 127)], kit, choke_hihat=False
    ).audio
    # after the 10 ms fade only the ride sounds
    np.testing.assert_allclose(audio[round(0.52 * SR) : round(0.9 * SR)], 0.1, rtol=1e-6)


def test_max_seconds_cuts_notes_and_audio(kit: SampleKit) -> None:
    events = [NoteEvent(t, "snare", 100) for t in (0.1, 0.5, 0.95, 1.2)]
    rendering = render_events(events, kit, max_seconds=1.0)
    assert rendering.audio.size == SR
    assert rendering.onsets["snare"].size == 3


def test_render_checks_its_inputs(kit: SampleKit) -> None:
    with pytest.raises(DrumnmfError, match="velocity"):
        render_events([NoteEvent(0.1, "kick", 0)], kit)
    with pytest.raises(DrumnmfError, match="note time"):
        render_events([NoteEvent(-1.0, "kick", 10)], kit)
    with pytest.raises(DrumnmfError, match="max_seconds"):
        render_events([NoteEvent(0.1, "kick", 10)], kit, max_seconds=0)


# ----------------------------------------------------------------------------- calibration


def test_calibration_hits_feed_calibrate(kit: SampleKit) -> None:
    hits = calibration_hits(kit)
    assert [name for name, _ in hits] == ["kick", "snare", "hihat", "open_hihat"]
    for _, (samples, rate) in hits:
        assert rate == SR and samples.dtype == np.float32
        assert np.all(samples[: int(0.09 * SR)] == 0)  # silence, then the hit
    assert calibrate(hits).names == ("kick", "snare", "hihat", "open_hihat")
    drum_kit = calibrated_kit(kit, hits=hits)
    assert drum_kit.names == ("kick", "snare", "hihat")
    assert drum_kit.template_drums == (0, 1, 2, 2)
    assert drum_kit.sources[-1] == "TinyKit: open_hihat hit"


def test_kit_from_files_splits_velocities(tmp_path: Path) -> None:
    write_samples(tmp_path)
    kit = kit_from_files(
        {"kick": [tmp_path / "kick_soft.wav", tmp_path / "kick_hard.wav"]}, name="files"
    )
    kick = kit.instrument_for("kick")
    assert kick is not None
    assert [(lay.min_velocity, lay.max_velocity) for lay in kick.layers] == [
        (0.0, 0.5),
        (0.5, 1.0),
    ]
    with pytest.raises(DrumnmfError, match="unknown sound"):
        kit_from_files({"bongo": [tmp_path / "kick_soft.wav"]})


# ----------------------------------------------------------------------------- mixing


@pytest.mark.parametrize("ratio_db", [0.0, -6.0, 6.0])
def test_mix_ratio_is_measured_ratio(ratio_db: float) -> None:
    rng = np.random.default_rng(3)
    drums = (0.3 * rng.standard_normal(3 * SR)).astype(np.float32)
    accompaniment = (0.8 * np.sin(2 * np.pi * 110 * np.arange(SR) / SR)).astype(np.float32)
    mixture = mix_at_ratio(drums, accompaniment, ratio_db=ratio_db)
    rms = lambda x: np.sqrt(np.mean(np.square(x, dtype=np.float64)))  # noqa: E731
    assert 20 * np.log10(rms(mixture.drums) / rms(mixture.accompaniment)) == pytest.approx(
        ratio_db, abs=1e-3
    )
    assert mixture.audio.size == drums.size  # the 1 s accompaniment was looped
    np.testing.assert_allclose(mixture.audio, mixture.drums + mixture.accompaniment, atol=1e-6)
    assert float(np.abs(mixture.audio).max()) <= 0.99 + 1e-6
    assert float(np.abs(drums).max()) > 0.99  # the input was not touched


def test_mix_refuses_silence() -> None:
    with pytest.raises(DrumnmfError, match="silent"):
        mix_at_ratio(np.ones(100, dtype=np.float32), np.zeros(10, dtype=np.float32))


def test_write_reference_is_sorted_time_tab_drum(tmp_path: Path) -> None:
    path = tmp_path / "ref.txt"
    write_reference(path, {"snare": np.array([0.5]), "kick": np.array([1.0, 0.0])})
    assert path.read_text().splitlines() == ["0.000000\tkick", "0.500000\tsnare", "1.000000\tkick"]
    assert load_text(path).onsets["kick"].tolist() == [0.0, 1.0]


# ----------------------------------------------------------------------------- CLI


def test_cli_render_writes_audio_references_and_calibration(
    kit_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    midi = write_midi(tmp_path / "g.mid", [(0, 36, 100), (1, 38, 100)], tempo_change=False)
    accompaniment = tmp_path / "acc.wav"
    sf.write(accompaniment, 0.1 * np.sin(np.arange(SR) / 10.0), SR)
    out = tmp_path / "out"
    code = main(
        [
            "render", str(midi), "--kit-dir", str(kit_dir), "--out-dir", str(out),
            "--accompaniment", str(accompaniment), "--ratio-db", "-6", "--calibration",
            "--format", "flac",
        ]
    )  # fmt: skip
    assert code == 0
    names = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert names == [
        "g.txt", "g_drums.flac", "g_mix.flac", "hihat.flac", "kick.flac", "kit.json",
        "open_hihat.flac", "snare.flac",
    ]  # fmt: skip
    assert (out / "g.txt").read_text().splitlines() == ["0.000000\tkick", "0.500000\tsnare"]
    assert "g_mix.flac" in capsys.readouterr().out


def test_cli_render_bad_input_exits_2(
    kit_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["render", str(tmp_path / "no.mid"), "--kit-dir", str(kit_dir), "--out-dir", "x"])
    assert code == 2
    assert "MIDI file(s) not found" in capsys.readouterr().err
    midi = write_midi(tmp_path / "g.mid", [(0, 36, 100)], tempo_change=False)
    code = main(["render", str(midi), "--kit-dir", str(tmp_path / "nokit"), "--out-dir", "x"])
    assert code == 2
    assert "kit not found" in capsys.readouterr().err


# ----------------------------------------------------------------------------- real kits


@pytest.mark.skipif(not (HYDROGEN / "GMRockKit").is_dir(), reason="hydrogen-drumkits absent")
def test_real_hydrogen_kit(tmp_path: Path) -> None:
    kit = load_sample_kit(HYDROGEN / "GMRockKit")
    for sound in ("kick", "snare", "hihat", "open_hihat", "pedal_hihat", "crash", "ride"):
        assert sound in kit.sounds
    notes = [(0, 36, 100), (1, 38, 100), (1.5, 42, 80), (2, 46, 90), (2.5, 44, 70)]
    rendering = render_midi(write_midi(tmp_path / "g.mid", notes, tempo_change=True), kit)
    times = sorted(t for v in rendering.onsets.values() for t in v)
    np.testing.assert_allclose(times, [0.0, 0.5, 0.75, 1.0, 1.25], atol=1.0 / SR)
    assert calibrated_kit(kit).names[:3] == ("kick", "snare", "hihat")


@pytest.mark.skipif(
    shutil.which("fluidsynth") is None or not FLUID.is_file(),
    reason="fluidsynth or fluid-soundfont-gm absent",
)
def test_sf2_kit_through_fluidsynth() -> None:
    kit = load_sf2_kit(FLUID, sounds=("kick", "hihat"), velocities=(60, 120), hit_seconds=1.0)
    assert kit.sounds == ("kick", "hihat")
    kick = kit.instrument_for("kick")
    assert kick is not None and len(kick.layers) == 2 and not kick.apply_velocity
    assert kick.layer_for(40) is kick.layers[0]
    assert kick.layer_for(127) is kick.layers[1]
    # louder velocity, louder layer
    assert np.abs(kick.layers[1].samples).max() > np.abs(kick.layers[0].samples).max()
