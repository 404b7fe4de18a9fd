"""Note maps: presets against their published sources, user files, and the MIDI they write."""

import json

import mido
import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.io.export import write_midi
from drumnmf.io.notemaps import PRESETS, NoteMap, load_note_map, note_map_from_dict

ONSETS = {
    "kick": np.array([0.5, 1.5]),
    "hihat": np.array([0.5, 1.0]),
    "open_hihat": np.array([1.25]),
}
STRENGTHS = {
    "kick": np.array([2.0, 1.0]),
    "hihat": np.array([0.2, 0.4]),
    "open_hihat": np.array([1.0]),
}
KIT_NOTES = {"kick": 36, "hihat": 42, "open_hihat": 46}


# One known drum per preset, as its source prints it (docs/notemaps.md cites each).
@pytest.mark.parametrize(
    ("preset", "drum", "note"),
    [
        ("gm", "kick", 36),  # GM Percussion Key Map: 36 Bass Drum 1
        ("gm", "open_hihat", 46),  # 46 Open Hi-Hat
        ("gm", "ride_bell", 53),  # 53 Ride Bell
        ("roland-td17", "rimshot", 40),  # TD-17 map: SNARE (RIM) = 40
        ("roland-td17", "floor_tom", 43),  # TOM 3 (HEAD) = 43
        ("roland-td17", "crash2", 57),  # CRASH 2 (BOW) = 57
        ("alesis-nitro", "floor_tom", 41),  # Nitro guide: Tom 4 = 41
        ("alesis-nitro", "high_tom", 48),  # Tom 1 = 48
        ("alesis-nitro", "pedal_hihat", 44),  # Hi-Hat Pedal = 44
    ],
)
def test_preset_note_matches_its_source(preset, drum, note):
    assert PRESETS[preset].note_for(drum) == note


def test_every_preset_cites_a_source_and_covers_the_default_kit():
    from drumnmf.kit import default_kit

    for note_map in PRESETS.values():
        assert note_map.source.startswith(("MIDI Manufacturers", "Roland", "Alesis"))
        assert "http" in note_map.source
        for drum in default_kit().names:
            assert 0 <= note_map.note_for(drum) <= 127


def test_modules_send_the_pedal_position_open_0_closed_127():
    for name in ("roland-td17", "alesis-nitro"):
        m = PRESETS[name]
        assert (m.pedal_for("hihat"), m.pedal_for("open_hihat")) == (127, 0)
    assert PRESETS["gm"].pedal_for("hihat") is None


def test_default_midi_is_unchanged_by_the_note_map_code(tmp_path):
    """Without a map, the file equals the one built the way write_midi always built it."""
    write_midi(tmp_path / "new.mid", ONSETS, STRENGTHS, KIT_NOTES)
    events = []
    for drum, times in ONSETS.items():
        s = STRENGTHS[drum]
        vel = np.clip(np.rint(20 + 107 * s / s.max()), 1, 127).astype(int)
        for t, v in zip(times, vel, strict=True):
            events.append((round(t * 960), 1, "note_on", KIT_NOTES[drum], int(v)))
            events.append((round((t + 0.05) * 960), 0, "note_off", KIT_NOTES[drum], 0))
    events.sort()
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000, time=0)])
    now = 0
    for tick, _, kind, note, velocity in events:
        track.append(mido.Message(kind, channel=9, note=note, velocity=velocity, time=tick - now))
        now = tick
    reference = mido.MidiFile(ticks_per_beat=480)
    reference.tracks.append(track)
    reference.save(str(tmp_path / "ref.mid"))
    assert (tmp_path / "new.mid").read_bytes() == (tmp_path / "ref.mid").read_bytes()


def _messages(path):
    now, out = 0, []
    for msg in mido.MidiFile(str(path)).tracks[0]:
        now += msg.time
        if msg.type in ("note_on", "control_change"):
            d = msg.dict()
            out.append(
                (now, msg.type, d.get("note", d.get("control")), d.get("velocity", d.get("value")))
            )
    return out


def test_cc4_comes_right_before_each_hihat_note(tmp_path):
    write_midi(tmp_path / "x.mid", ONSETS, STRENGTHS, KIT_NOTES, note_map="roland-td17")
    msgs = _messages(tmp_path / "x.mid")
    for i, (tick, kind, number, _) in enumerate(msgs):
        if kind == "note_on" and number in (42, 46):
            before = msgs[i - 1]
            assert before[:3] == (tick, "control_change", 4)
            assert before[3] == (127 if number == 42 else 0)
    assert sum(kind == "control_change" for _, kind, _, _ in msgs) == 3


def test_one_note_plus_cc4_map(tmp_path):
    """Openness only in CC4: both hi-hats on note 42, told apart by the pedal value."""
    path = tmp_path / "one.toml"
    path.write_text(
        'title = "one hi-hat note"\nbase = "gm"\n[notes]\nopen_hihat = 42\n'
        "[pedal]\nhihat = 127\nopen_hihat = 0\n"
    )
    m = load_note_map(path)
    assert m.name == "one" and m.note_for("kick") == 36 and m.note_for("open_hihat") == 42
    write_midi(tmp_path / "x.mid", ONSETS, STRENGTHS, KIT_NOTES, note_map=m)
    msgs = _messages(tmp_path / "x.mid")
    hats = [
        (msgs[i - 1][3], n) for i, (_, k, n, _) in enumerate(msgs) if k == "note_on" and n != 36
    ]
    assert hats == [(127, 42), (127, 42), (0, 42)]


def test_json_user_map_with_aliases(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"notes": {"BD": 35, "hi-hat": 22, "snare": 38}}))
    m = load_note_map(path)
    assert (m.note_for("kick"), m.note_for("hihat"), m.source) == (35, 22, str(path))
    with pytest.raises(DrumnmfError, match="no note for 'crash'.*base"):
        m.note_for("crash")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"notes": {"kick": 128}}, "0-127"),
        ({"notes": {"kick": True}}, "0-127"),
        ({"notes": {"kick": 36}, "pedal": {"hihat": 127}}, "no note for"),
        ({"notes": {"kick": 36}, "colour": 1}, "unknown key"),
        ({"base": "ezdrummer"}, "not a preset"),
        ({}, "has no notes"),
        ({"notes": [36]}, "must be a table"),
    ],
)
def test_bad_user_maps_are_refused(data, message):
    with pytest.raises(DrumnmfError, match=message):
        note_map_from_dict(data, name="bad")


def test_unknown_names_and_files():
    with pytest.raises(DrumnmfError, match="unknown note map 'sd3'.*gm"):
        load_note_map("sd3")
    with pytest.raises(DrumnmfError, match="does not exist"):
        load_note_map("missing.toml")


def test_broken_files(tmp_path):
    (tmp_path / "a.toml").write_text("notes = [")
    (tmp_path / "b.json").write_text("{")
    with pytest.raises(DrumnmfError, match="not valid TOML"):
        load_note_map(tmp_path / "a.toml")
    with pytest.raises(DrumnmfError, match="not valid JSON"):
        load_note_map(tmp_path / "b.json")


def test_note_map_is_passed_through():
    m = NoteMap(name="x", title="x", notes=(("kick", 36),))
    assert load_note_map(m) is m
    assert m.to_dict() == {
        "name": "x",
        "title": "x",
        "source": "",
        "notes": {"kick": 36},
        "pedal": {},
    }
