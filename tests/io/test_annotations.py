"""Tests of drumnmf.io.annotations: one fixture per reader, label maps, sniffing, reductions."""

from __future__ import annotations

import re
from pathlib import Path

import mido
import numpy as np
import pytest

import drumnmf.io.annotations as ann
from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations import (
    CANONICAL_DRUMS,
    CLASSES,
    ENST_LABELS,
    GENERIC_LABELS,
    GM_DRUM_NOTES,
    IDMT_LABELS,
    MDB_LABELS,
    Annotations,
    load_annotations,
    load_csv,
    load_enst,
    load_idmt_xml,
    load_json,
    load_mdb,
    load_midi,
    load_svl,
    load_text,
    reduce_classes,
    sniff_format,
)

from conftest import require

DATA = Path(__file__).resolve().parents[1] / "data" / "annotations"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def onsets_equal(a: Annotations, expected: dict[str, list[float]]) -> None:
    assert list(a.onsets) == list(expected)
    for drum, times in expected.items():
        assert a.onsets[drum].dtype == np.float64
        np.testing.assert_array_equal(a.onsets[drum], times)


# ----------------------------------------------------------------------------- readers


def test_enst_fixture() -> None:
    a = load_enst(DATA / "enst_hits.txt")
    onsets_equal(
        a,
        {
            "kick": [0.1, 1.1],
            "snare": [0.6, 1.35],
            "rimshot": [1.6],
            "hihat": [0.1, 0.35, 0.6],
            "open_hihat": [0.85],
            "mid_tom": [1.85],
            "floor_tom": [2.0],
            "crash": [1.1],
            "ride": [2.1],
            "other": [2.35],
        },
    )
    assert a.strengths is None
    assert a.labels["snare"] == ("sd", "sd-")
    assert a.drums[:3] == ("kick", "snare", "rimshot")


def test_mdb_class_fixture() -> None:
    a = load_mdb(DATA / "mdb_class.txt")
    onsets_equal(
        a,
        {
            "kick": [0.01, 1.01],
            "snare": [0.51],
            "hihat": [0.01, 0.26, 0.51, 0.76],
            "tom": [1.51],
            "cymbal": [1.01],
            "other": [1.76],
        },
    )


def test_mdb_subclass_fixture() -> None:
    a = load_mdb(DATA / "mdb_subclass.txt")
    onsets_equal(
        a,
        {
            "kick": [0.01, 1.01],
            "snare": [0.51],
            "side_stick": [1.76],
            "hihat": [0.01, 0.76],
            "open_hihat": [0.51],
            "pedal_hihat": [0.26],
            "floor_tom": [1.51],
            "crash": [1.01],
            "ride_bell": [1.26],
            "tambourine": [2.01],
        },
    )
    assert a.labels["snare"] == ("SDG",)


def test_idmt_xml_fixture_sorts_events() -> None:
    a = load_idmt_xml(DATA / "idmt_loop#MIX.xml")
    onsets_equal(a, {"kick": [0.0625, 1.0625], "snare": [0.5625], "hihat": [0.0625, 0.3125]})
    assert a.labels == {"kick": ("KD",), "snare": ("SD",), "hihat": ("HH",)}


def test_svl_fixture_times_are_frames_over_rate() -> None:
    a = load_svl(DATA / "idmt_loop#MIX.svl")
    onsets_equal(
        a,
        {
            "kick": [2756 / 44100, 46856 / 44100],
            "snare": [24806 / 44100],
            "hihat": [2756 / 44100, 13781 / 44100],
        },
    )


def test_svl_single_drum_layer_takes_drum_from_file_name() -> None:
    a = load_svl(DATA / "idmt_loop#KD.svl")
    onsets_equal(a, {"kick": [1378 / 22050, 23428 / 22050]})
    b = load_svl(DATA / "idmt_loop#KD.svl", instrument="HH")
    onsets_equal(b, {"hihat": [1378 / 22050, 23428 / 22050]})


def test_svl_without_known_labels_or_name(tmp_path: Path) -> None:
    path = tmp_path / "layer.svl"
    path.write_text((DATA / "idmt_loop#KD.svl").read_text())
    with pytest.raises(DrumnmfError, match=r"unknown SVL label 'New Point'.*label_map="):
        load_svl(path)
    assert load_svl(path, unknown="drop").onsets == {}


def test_generic_text_fixture_maps_aliases_and_keeps_unknown() -> None:
    a = load_text(DATA / "generic.txt")
    onsets_equal(
        a,
        {
            "kick": [0.25, 0.75],
            "snare": [0.75],
            "hihat": [0.5, 1.0],
            "cowbell": [1.0],
            "triangle": [1.25],
        },
    )
    assert a.strengths is not None
    np.testing.assert_array_equal(a.strengths["kick"], [0.8, 0.9])
    assert a.labels["kick"] == ("Bass_Drum", "Kick")
    with pytest.raises(DrumnmfError, match="unknown drum label 'triangle'"):
        load_text(DATA / "generic.txt", unknown="error")
    assert "triangle" not in load_text(DATA / "generic.txt", unknown="drop").onsets
    assert load_text(DATA / "generic.txt", unknown="other").onsets["other"].tolist() == [1.25]


@pytest.mark.parametrize("name", ["transcription.csv", "transcription.json"])
def test_our_csv_and_json_outputs(name: str) -> None:
    a = load_annotations(DATA / name)
    onsets_equal(
        a,
        {
            "kick": [0.104, 1.096],
            "snare": [0.598],
            "hihat": [0.108, 0.352, 0.611],
            "tom": [1.4],
        },
    )
    assert a.strengths is not None
    np.testing.assert_array_equal(a.strengths["hihat"], [0.31, 0.28, 0.3])
    assert a.n_onsets == {"kick": 2, "snare": 1, "hihat": 3, "tom": 1}


def test_csv_header_in_any_order_and_headerless(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("velocity,extra,Label,Onset\n64,x,KD,1.5\n100,y,hi-hat,0.5\n")
    a = load_csv(path)
    onsets_equal(a, {"kick": [1.5], "hihat": [0.5]})
    assert a.strengths is not None
    np.testing.assert_array_equal(a.strengths["kick"], [64.0])
    np.testing.assert_array_equal(a.strengths["hihat"], [100.0])
    path.write_text("0.5,snare\n0.25,kick\n")
    b = load_csv(path)
    onsets_equal(b, {"kick": [0.25], "snare": [0.5]})
    assert b.strengths is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("when,what\n1,kick\n", r"no time and drum columns; name them 'time' and 'drum'"),
        ("time,drum,strength\n1.0\n", r"line 2 has 1 columns, expected at least 3"),
        ("time,drum\nsoon,kick\n", r"line 2: time 'soon' is not a number"),
        ("time,drum\nnan,kick\n", r"line 2: time 'nan' is not finite"),
    ],
)
def test_csv_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DrumnmfError, match=match):
        load_csv(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{", r"not valid JSON"),
        ('{"notes": []}', r"has no 'onsets' list"),
        ('{"onsets": [{"time": 1.0}]}', r"onsets\[0\] is .*needs 'time' and 'drum'"),
        (
            '{"onsets": [{"time": 1, "drum": "kick", "strength": 1}, {"time": 2, "drum": "kick"}]}',
            r"some onsets have a strength and others do not",
        ),
    ],
)
def test_json_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(DrumnmfError, match=match):
        load_json(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("0.5 bd 1\n", r"line 1 has 3 fields, expected 2 \('time label' for ENST\)"),
        ("0.5\n", r"line 1 has 1 fields, expected 2"),
        ("x bd\n", r"time 'x' is not a number; expected seconds"),
        ("0.5 zz\n", r"unknown ENST label 'zz' .*label_map=\{'zz': 'snare'\}"),
    ],
)
def test_enst_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(DrumnmfError, match=match):
        load_enst(path)


def test_label_map_overrides_and_drops(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("0.5 rs\n0.6 sticks\n0.7 bd\n")
    a = load_enst(path, label_map={"rs": "snare", "sticks": None})
    onsets_equal(a, {"kick": [0.7], "snare": [0.5]})
    b = load_enst(path, label_map={"zz": "tom"}, unknown="error")
    assert "other" in b.onsets


def test_unknown_policy_is_checked() -> None:
    with pytest.raises(DrumnmfError, match=r"unknown='ignore' is not one of error, drop"):
        load_enst(DATA / "enst_hits.txt", unknown="ignore")  # type: ignore[arg-type]


def test_mixed_strengths_in_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("0.5 kick 1.0\n0.6 kick\n")
    with pytest.raises(DrumnmfError, match="some onsets have a strength and others do not"):
        load_text(path)


def test_idmt_xml_errors(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_text(
        "<instrumentRecording><transcription><event><onsetSec>1</onsetSec>"
        "</event></transcription></instrumentRecording>"
    )
    with pytest.raises(DrumnmfError, match=r"event 1 lacks <onsetSec> or <instrument>"):
        load_idmt_xml(path)
    path.write_text("<instrumentRecording><event>")
    with pytest.raises(DrumnmfError, match="is not well-formed XML"):
        load_idmt_xml(path)


def test_svl_without_model(tmp_path: Path) -> None:
    path = tmp_path / "a.svl"
    path.write_text("<sv><data><dataset id='0'><point frame='1' label='KD'/></dataset></data></sv>")
    with pytest.raises(DrumnmfError, match=r"has no <model sampleRate=...>"):
        load_svl(path)
    path.write_text("<sv><data><model id='1' sampleRate='0' dataset='0'/></data></sv>")
    with pytest.raises(DrumnmfError, match=r"sampleRate 0.0 must be positive"):
        load_svl(path)


# ----------------------------------------------------------------------------- MIDI


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
    from drumnmf.io import export

    onsets = {"kick": np.array([0.5, 1.5]), "snare": np.array([1.0]), "hihat": np.array([0.5])}
    strengths = {"kick": np.array([2.0, 1.0]), "snare": np.array([0.5]), "hihat": np.array([1.0])}
    export.write_csv(tmp_path / "t.csv", onsets, strengths)
    export.write_midi(tmp_path / "t.mid", onsets, strengths, {"kick": 36, "snare": 38, "hihat": 42})
    for name in ("t.csv", "t.mid"):
        a = load_annotations(tmp_path / name)
        for drum, times in onsets.items():
            np.testing.assert_allclose(a.onsets[drum], times, atol=1e-3)
    assert load_annotations(tmp_path / "t.csv").strengths["kick"].tolist() == [2.0, 1.0]  # type: ignore[index]


# ----------------------------------------------------------------------------- dispatch


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("enst_hits.txt", "enst"),
        ("mdb_class.txt", "mdb"),
        ("mdb_subclass.txt", "mdb"),
        ("idmt_loop#MIX.xml", "idmt"),
        ("idmt_loop#MIX.svl", "svl"),
        ("generic.txt", "text"),
        ("transcription.csv", "csv"),
        ("transcription.json", "json"),
    ],
)
def test_sniff_format(name: str, fmt: str) -> None:
    assert sniff_format(DATA / name) == fmt
    auto = load_annotations(DATA / name)
    explicit = load_annotations(DATA / name, fmt=fmt)
    assert auto.onsets.keys() == explicit.onsets.keys()


def test_sniff_other_cases(tmp_path: Path) -> None:
    (tmp_path / "svl.xml").write_text((DATA / "idmt_loop#MIX.svl").read_text())
    assert sniff_format(tmp_path / "svl.xml") == "svl"
    (tmp_path / "our.txt").write_text("time,drum\n0.5,kick\n")
    assert sniff_format(tmp_path / "our.txt") == "csv"
    (tmp_path / "strong.txt").write_text("0.5 bd 0.9\n0.7 sd 0.4\n")
    assert sniff_format(tmp_path / "strong.txt") == "text"
    assert load_annotations(tmp_path / "strong.txt").onsets["kick"].tolist() == [0.5]
    (tmp_path / "empty.txt").write_text("")
    assert sniff_format(tmp_path / "empty.txt") == "text"
    assert load_annotations(tmp_path / "empty.txt").onsets == {}
    write_midi(tmp_path / "a.midi")
    assert sniff_format(tmp_path / "a.midi") == "midi"


def test_load_annotations_errors(tmp_path: Path) -> None:
    with pytest.raises(DrumnmfError, match=r"fmt='mp3' is not 'auto' or one of enst"):
        load_annotations(DATA / "enst_hits.txt", fmt="mp3")
    with pytest.raises(DrumnmfError, match=r"'.*nope.txt' does not exist; check the path"):
        load_annotations(tmp_path / "nope.txt")
    with pytest.raises(DrumnmfError, match=r"is a folder, not a file"):
        load_annotations(tmp_path)
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(DrumnmfError, match=r"is not UTF-8 text"):
        load_annotations(tmp_path / "bin.txt")


# ----------------------------------------------------------------------------- label maps


def test_every_map_targets_canonical_names() -> None:
    for table in (ENST_LABELS, MDB_LABELS, IDMT_LABELS, GM_DRUM_NOTES, GENERIC_LABELS):
        assert set(table.values()) <= set(CANONICAL_DRUMS)
    assert len([k for k in MDB_LABELS if k not in {"KD", "SD", "HH", "TT", "CY", "OT"}]) == 19


def test_groove_midi_dataset_classes() -> None:
    """The TD-11 notes of the GMD land in the brief's classes."""
    five = {
        "kick": [36],
        "snare": [38, 40, 37],
        "hihat": [42, 22, 46, 26, 44],
        "tom": [48, 50, 45, 47, 43, 58],
        "cymbal": [49, 55, 57, 52, 51, 59, 53],
    }
    for cls, notes in five.items():
        for note in notes:
            assert ann._REDUCTIONS[5][GM_DRUM_NOTES[note]] == cls, note


def test_generic_labels_agree_with_dataset_maps() -> None:
    for table in (ENST_LABELS, MDB_LABELS, IDMT_LABELS):
        for label, drum in table.items():
            if label not in {"c", "ch"}:
                assert GENERIC_LABELS[label.lower().strip("-")] == drum


def _docstring_table() -> list[list[str]]:
    doc = ann.__doc__ or ""
    block = doc.split("Label map")[1]
    lines = block.splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("====")]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", lines[rules[0]])]
    rows = []
    for line in lines[rules[1] + 1 : rules[2]]:
        cells = [
            line[a : (spans[i + 1][0] if i + 1 < len(spans) else None)].strip()
            for i, (a, _) in enumerate(spans)
        ]
        rows.append(cells)
    return rows


def test_module_docstring_table_matches_the_maps() -> None:
    rows = _docstring_table()
    assert [r[0] for r in rows] == list(CANONICAL_DRUMS)
    tables = {
        3: {},
        5: {},
        "enst": {},
        "mdb": {},
        "idmt": {},
        "gm": {},
    }  # type: dict
    for name, three, five, enst, mdb, idmt, gm in rows:
        if three != "-":
            tables[3][name] = three
        if five != "-":
            tables[5][name] = five
        for key, cell in (("enst", enst), ("mdb", mdb), ("idmt", idmt)):
            for label in cell.split():
                if label != "-":
                    tables[key][label.replace("/", "")] = name
        for item in gm.split():
            if item == "-":
                continue
            lo, _, hi = item.partition("-")
            for note in range(int(lo), int(hi or lo) + 1):
                tables["gm"][note] = name
    assert tables[3] == dict(ann._REDUCTIONS[3])
    assert tables[5] == dict(ann._REDUCTIONS[5])
    assert tables["enst"] == dict(ENST_LABELS)
    assert tables["mdb"] == dict(MDB_LABELS)
    assert tables["idmt"] == dict(IDMT_LABELS)
    assert tables["gm"] == dict(GM_DRUM_NOTES)


# ----------------------------------------------------------------------------- reductions


def test_reduce_classes_on_a_dict_does_not_mutate() -> None:
    onsets = {
        "hihat": np.array([0.5, 1.0]),
        "open_hihat": np.array([1.0, 2.0]),
        "side_stick": np.array([0.25]),
        "snare": np.array([0.75]),
        "crash": np.array([3.0]),
        "cowbell": np.array([4.0]),
    }
    before = {k: v.copy() for k, v in onsets.items()}
    three = reduce_classes(onsets, 3)
    assert list(three) == list(CLASSES[3])
    assert three["hihat"].tolist() == [0.5, 1.0, 2.0]  # the shared 1.0 merged
    assert three["snare"].tolist() == [0.25, 0.75]
    assert three["kick"].tolist() == []
    five = reduce_classes(onsets, 5)
    assert list(five) == list(CLASSES[5])
    assert five["cymbal"].tolist() == [3.0]
    assert reduce_classes(onsets, 3, merge_window=None)["hihat"].tolist() == [0.5, 1.0, 1.0, 2.0]
    assert reduce_classes(onsets, 3, merge_window=0.6)["hihat"].tolist() == [0.5, 2.0]
    for k, v in before.items():
        np.testing.assert_array_equal(onsets[k], v)


def test_reduce_classes_on_annotations_keeps_strengths_and_labels() -> None:
    a = load_annotations(DATA / "generic.txt", fmt="text")
    a = Annotations(
        onsets={k: v for k, v in a.onsets.items() if k != "triangle"},
        strengths={k: v for k, v in a.strengths.items() if k != "triangle"},  # type: ignore[union-attr]
        labels=a.labels,
    )
    r = reduce_classes(a, 3)
    assert isinstance(r, Annotations)
    assert r.strengths is not None
    assert r.onsets["kick"].tolist() == [0.25, 0.75]
    assert r.strengths["kick"].tolist() == [0.8, 0.9]
    assert r.labels["hihat"] == ("hi-hat", "hihat")
    merged = reduce_classes(
        Annotations(
            {"hihat": np.array([1.0]), "open_hihat": np.array([1.0])},
            {"hihat": np.array([0.2]), "open_hihat": np.array([0.7])},
        ),
        3,
    )
    assert merged.strengths is not None
    assert merged.strengths["hihat"].tolist() == [0.7]


def test_reduce_classes_errors() -> None:
    with pytest.raises(DrumnmfError, match=r"classes=4 must be 3 or 5"):
        reduce_classes({}, 4)
    with pytest.raises(DrumnmfError, match=r"merge_window=-1 must be seconds >= 0, or None"):
        reduce_classes({}, 3, merge_window=-1)
    with pytest.raises(DrumnmfError, match=r"\['triangle'\] are not canonical"):
        reduce_classes({"triangle": np.array([1.0])}, 5)


# ----------------------------------------------------------------------------- shared data


MDB = SHARED / "mdb_drums" / "annotations"
GMD = SHARED / "groove_midi"


@pytest.mark.shared_data
def test_real_mdb_class_and_subclass_files_agree() -> None:
    require(MDB.is_dir(), f"{MDB} is absent")
    class_files = sorted((MDB / "class").glob("*_class.txt"))
    assert class_files
    for class_file in class_files:
        subclass_file = MDB / "subclass" / class_file.name.replace("_class", "_subclass")
        assert sniff_format(class_file) == sniff_format(subclass_file) == "mdb"
        coarse, fine = load_annotations(class_file), load_annotations(subclass_file)
        a, b = reduce_classes(coarse, 5), reduce_classes(fine, 5)
        for drum in ("kick", "hihat", "tom", "cymbal"):
            np.testing.assert_allclose(a.onsets[drum], b.onsets[drum], atol=1e-6)  # 6 vs 9 digits
        # MDB's class files count side stick as "other"; our snare takes it
        n_side_stick = fine.onsets.get("side_stick", np.empty(0)).size
        assert b.onsets["snare"].size == a.onsets["snare"].size + n_side_stick


@pytest.mark.shared_data
def test_real_groove_midi_files_read_completely() -> None:
    require(GMD.is_dir(), f"{GMD} is absent")
    files = sorted(GMD.glob("drummer1/session1/*.mid"))[:2]
    assert files
    for path in files:
        a = load_midi(path)
        raw = [m for m in mido.MidiFile(str(path)) if m.type == "note_on" and m.velocity > 0]
        assert sum(a.n_onsets.values()) == len(raw)
        assert all(np.all(np.diff(t) >= 0) for t in a.onsets.values())


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("neg.txt", "0.5 kick\n-0.25 snare\n", r"neg\.txt line 2: time '-0\.25' is negative"),
        ("neg.csv", "time,drum\n0.5,kick\n-1,kick\n", r"neg\.csv line 3: time '-1' is negative"),
        (
            "neg.json",
            '{"onsets": [{"time": -0.1, "drum": "kick"}]}',
            r"neg\.json onsets\[0\]: time '-0\.1' is negative",
        ),
        (
            "neg.xml",
            "<x><event><onsetSec>-2</onsetSec><instrument>KD</instrument></event></x>",
            r"neg\.xml event 1: time '-2' is negative",
        ),
    ],
)
def test_negative_times_name_the_file_and_line(
    tmp_path: Path, name: str, text: str, match: str
) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(DrumnmfError, match=match):
        load_annotations(tmp_path / name)


def test_unreadable_file_is_an_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("0.5 kick\n")
    real = Path.read_text

    def read_text(self: Path, *args: object, **kwargs: object) -> str:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", read_text)
    with pytest.raises(DrumnmfError, match=r"cannot read '.*locked\.txt' \(Permission denied\)"):
        load_annotations(path)
