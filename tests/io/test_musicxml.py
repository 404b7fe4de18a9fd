"""MusicXML 3.1 output: schema-valid, drum conventions, and read by MuseScore 3.

The schema files in ``tests/data/musicxml-3.1`` are unchanged copies of the W3C MusicXML
3.1 XSD (see PROVENANCE.md there). MuseScore tests need ``mscore3`` (Debian
``musescore3``); they skip without it, except with ``CI=true``.
"""

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import mido
import numpy as np
import pytest

from drumnmf.io.musicxml import DIVISIONS, musicxml_string, write_musicxml
from drumnmf.notation import METERS, BeatGrid, quantize
from drumnmf.notation.drums import midi_note_for

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "musicxml-3.1" / "musicxml.xsd"
CI = os.environ.get("CI") == "true"


def groove_score(meter="4/4", bpm=120.0, *, fill=True, graces=True):
    rng = np.random.default_rng(3)
    beat = 60.0 / bpm
    n = 16
    beats = np.arange(n + 1) * beat
    t = np.arange(n * 2) * beat / 2
    onsets = {
        "hihat": t + rng.normal(0, 0.004, t.size),
        "kick": t[::4],
        "snare": t[2::4],
        "crash": np.array([0.0]),
        "open_hihat": np.array([3.5 * beat + beat / 4]),
        "pedal_hihat": t[1::4],
    }
    strengths = {d: np.ones(v.size) for d, v in onsets.items()}
    if fill:  # a triplet and a 16th run in bar 3, a ghost note
        run = np.r_[8 * beat + np.arange(3) * beat / 3, 9 * beat + np.arange(1, 4) * beat / 4]
        onsets["snare"] = np.sort(np.r_[onsets["snare"], run])
        for drum in ("hihat", "pedal_hihat"):  # the triplet beat has the snare alone
            keep = (onsets[drum] < 8 * beat - 0.05) | (onsets[drum] > 9 * beat - 0.05)
            onsets[drum] = onsets[drum][keep]
            strengths[drum] = strengths[drum][keep]
        onsets["high_tom"] = 10 * beat + np.arange(8) * beat / 8
        strengths["snare"] = np.ones(onsets["snare"].size)
        strengths["snare"][0] = 0.2
        strengths["high_tom"] = np.ones(8)
    if graces:
        onsets["snare"] = np.sort(np.r_[onsets["snare"], 3 * beat - 0.03])
        strengths["snare"] = np.ones(onsets["snare"].size)
        strengths["snare"][0] = 0.2
    onsets["hihat"] = np.clip(onsets["hihat"], 0, None)
    grid = BeatGrid(beats=beats, downbeat_index=0, meter=METERS[meter], tempo=bpm)
    return quantize(onsets, grid, strengths, title="Test groove")


def validate(text):
    etree = pytest.importorskip("lxml.etree", reason="schema validation needs lxml (dev extra)")
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    doc = etree.fromstring(text.encode("utf-8"))
    ok = schema.validate(doc)
    assert ok, schema.error_log


@pytest.mark.parametrize("meter", ["4/4", "3/4", "6/8", "12/8"])
def test_valid_against_the_31_schema(meter):
    validate(musicxml_string(groove_score(meter)))


def test_durations_fill_every_measure():
    root = ET.fromstring(musicxml_string(groove_score()))
    for measure in root.iter("measure"):
        total = {1: 0, 2: 0}
        for note in measure.iter("note"):
            if note.find("chord") is not None or note.find("grace") is not None:
                continue
            total[int(note.findtext("voice"))] += int(note.findtext("duration"))
        assert total == {1: 4 * DIVISIONS, 2: 4 * DIVISIONS}, measure.get("number")


def test_drum_conventions():
    root = ET.fromstring(musicxml_string(groove_score()))
    assert root.findtext("work/work-title") == "Test groove"
    assert root.find(".//time/beats").text == "4" and root.find(".//clef/sign").text == "percussion"
    assert root.find(".//metronome/per-minute").text == "120"
    ids = {i.get("id"): i.findtext("instrument-name") for i in root.iter("score-instrument")}
    notes = [n for n in root.iter("note") if n.find("unpitched") is not None]
    for note in notes:
        name = ids[note.find("instrument").get("id")]
        head = note.findtext("notehead")
        voice, stem = note.findtext("voice"), note.findtext("stem")
        if name in ("hihat", "crash", "open hihat", "pedal hihat"):
            assert head == "x", name
        if name in ("kick", "pedal hihat"):
            assert (voice, stem) == ("2", "down")
        else:
            assert (voice, stem) == ("1", "up")
    # <beam> only on the first note of a chord
    assert all(n.find("beam") is None for n in notes if n.find("chord") is not None)
    assert any(n.find("beam") is not None for n in notes)
    assert any(n.find(".//open-string") is not None for n in notes)
    assert any(n.find("notehead").get("parentheses") == "yes" for n in notes)
    assert any(n.find("grace") is not None for n in notes)
    assert any(n.find("time-modification") is not None for n in notes)  # the triplet
    assert any(n.findtext("type") == "32nd" for n in notes)
    assert any(n.find("rest") is not None for n in root.iter("note"))


def test_write_is_atomic_and_readable(tmp_path):
    path = tmp_path / "x.musicxml"
    write_musicxml(path, groove_score())
    assert path.read_text().startswith("<?xml")
    assert [p.name for p in tmp_path.iterdir()] == ["x.musicxml"]


def mscore():
    exe = shutil.which("mscore3") or shutil.which("musescore3")
    if exe is None:
        if CI:
            pytest.fail("mscore3 is missing; scripts/test.sh installs musescore3")
        pytest.skip("MuseScore 3 (mscore3) is not installed")
    return exe


def run_mscore(exe, *args):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [exe, *map(str, args)], capture_output=True, text=True, env=env, timeout=120
    )


def test_musescore_renders_pdf(tmp_path):
    exe = mscore()
    path = tmp_path / "groove.musicxml"
    write_musicxml(path, groove_score())
    result = run_mscore(exe, "-o", tmp_path / "groove.pdf", path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "groove.pdf").read_bytes()[:4] == b"%PDF"


def test_musescore_midi_has_our_notes(tmp_path):
    exe = mscore()
    score = groove_score(graces=False)
    path = tmp_path / "groove.musicxml"
    write_musicxml(path, score)
    result = run_mscore(exe, "-o", tmp_path / "groove.mid", path)
    assert result.returncode == 0, result.stderr
    midi = mido.MidiFile(str(tmp_path / "groove.mid"))
    tick, played = 0, []
    for msg in mido.merge_tracks(midi.tracks):
        tick += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            played.append((round(Fraction(tick, midi.ticks_per_beat) * 48), msg.note))
    ours = [(round((n.bar * 4 + n.position) * 48), midi_note_for(n.drum)) for n in score.notes]
    assert sorted(played) == sorted(ours)
