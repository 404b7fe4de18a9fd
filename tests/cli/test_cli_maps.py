"""``drumnmf maps`` and transcribe's --note-map, --threshold-offset and --edits, as run by users."""

import csv
import json
import subprocess
import sys

import mido
import numpy as np
import pytest

from drumnmf.cli import main

from synth import groove, place, write_hits, write_wav


def run(*args):
    """The command in this process: its exit code (argparse errors exit with 2)."""
    try:
        return main([str(a) for a in args])
    except SystemExit as exc:
        return exc.code


def drumnmf(*args):
    return subprocess.run(
        [sys.executable, "-m", "drumnmf", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    root = tmp_path_factory.mktemp("maps")
    hits = write_hits(root)
    write_wav(root / "song.wav", place(groove(4.0), 4.0))
    assert drumnmf("calibrate", *hits, "--out", root / "kit.json").returncode == 0
    return root


def test_maps_lists_and_shows():
    listing = drumnmf("maps")
    assert listing.returncode == 0
    for name in ("gm", "roland-td17", "alesis-nitro"):
        assert name in listing.stdout
    shown = drumnmf("maps", "roland-td17")
    assert shown.returncode == 0 and "support.roland.com" in shown.stdout
    assert any(line.split() == ["open_hihat", "46", "0"] for line in shown.stdout.splitlines())


def test_maps_json_and_unknown(capsys):
    assert run("maps", "gm", "--json") == 0
    as_json = json.loads(capsys.readouterr().out)
    assert as_json["notes"]["kick"] == 36 and as_json["pedal"] == {}
    assert run("maps", "sd3") == 2
    assert "unknown note map 'sd3'" in capsys.readouterr().err


def test_note_map_and_beats_options(song, capsys):
    out = song / "roland"
    beats = 0.02 + 0.52 * np.arange(9)  # a tempo slightly off 120 BPM
    (song / "beats.txt").write_text("\n".join(f"{b:.3f}" for b in beats) + "\n")
    done = drumnmf(
        "transcribe", song / "song.wav", "--kit", song / "kit.json", "--harmonic-rank", 4,
        "--note-map", "roland-td17", "--out-dir", out, "--beats", song / "beats.txt",
        "--meter", "3/4", "--chart", "-q",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    chart = out / "song_chart"
    assert sorted(p.name for p in chart.iterdir()) == ["notes.mid", "song.ini", "song.ogg"]
    part = mido.MidiFile(str(chart / "notes.mid")).tracks[1]
    assert part[0].name == "PART DRUMS"
    assert {m.note for m in part if m.type == "note_on"} <= {96, 97, 98, 99, 100, 110, 111, 112}
    midi = mido.MidiFile(str(out / "song.mid"))
    msgs = [m for m in midi.tracks[0] if not m.is_meta]
    pedals = [m.value for m in msgs if m.type == "control_change"]
    hats = [m for m in msgs if m.type == "note_on" and m.note == 42]
    assert hats and pedals == [127] * len(hats)
    signature = [m for m in midi.tracks[0] if m.type == "time_signature"]
    assert [(m.numerator, m.denominator) for m in signature] == [(3, 4)]
    tempos = {m.tempo for m in midi.tracks[0] if m.type == "set_tempo"}
    assert 520000 in tempos  # 0.52 s per beat
    seconds, played = 0.0, []
    for m in midi:
        seconds += m.time
        if m.type == "note_on":
            played.append(seconds)
    with (out / "song.csv").open() as f:
        times = sorted({float(r["time"]) for r in csv.DictReader(f)})
    np.testing.assert_allclose(sorted(set(np.round(played, 6))), times, atol=2e-3)
    user = song / "map.toml"
    user.write_text("[notes]\nkick = 35\nsnare = 38\n")
    bad = run("transcribe", song / "song.wav", "--kit", song / "kit.json", "--note-map", user)
    assert bad == 2 and "no note for 'hihat'" in capsys.readouterr().err


def test_threshold_offset_and_edits(song, capsys):
    base = [song / "song.wav", "--kit", song / "kit.json", "--harmonic-rank", 4, "-q"]
    base += ["--picker", "paper"]  # the threshold offsets are the paper picker's
    assert run("transcribe", *base, "--out-dir", song / "a") == 0
    assert run("transcribe", *base, "--out-dir", song / "b", "--threshold-offset", "hihat=0.9") == 0
    count = lambda folder: json.loads((folder / "song.json").read_text())["counts"]  # noqa: E731
    assert count(song / "b")["hihat"] < count(song / "a")["hihat"]
    assert count(song / "b")["kick"] == count(song / "a")["kick"]
    doc = json.loads((song / "b" / "song.json").read_text())
    assert doc["config"]["offsets"] == {"hihat": 0.9}

    # The dB picker's per-drum height: only that drum changes.
    dflt = [song / "song.wav", "--kit", song / "kit.json", "--harmonic-rank", 4, "-q"]
    capsys.readouterr()
    assert run("transcribe", *dflt, "--drum-delta-db", "hihat=150") != 0  # learned: no gates
    assert "--drum-delta-db set(s) the dB picker's gates" in capsys.readouterr().err
    dflt += ["--picker", "db"]
    assert run("transcribe", *dflt, "--out-dir", song / "db0") == 0
    assert run("transcribe", *dflt, "--out-dir", song / "db1", "--drum-delta-db", "hihat=150") == 0
    assert count(song / "db1")["hihat"] < count(song / "db0")["hihat"]
    assert count(song / "db1")["kick"] == count(song / "db0")["kick"]
    doc = json.loads((song / "db1" / "song.json").read_text())
    assert doc["config"]["drum_delta_db"] == {"hihat": 150.0}
    capsys.readouterr()
    assert run("transcribe", *dflt, "--drum-delta-db", "gong=3") != 0
    assert "--drum-delta-db names drum(s) ['gong']" in capsys.readouterr().err

    with (song / "a" / "song.csv").open() as f:
        first_kick = next(float(r["time"]) for r in csv.DictReader(f) if r["drum"] == "kick")
    edits = song / "edits.json"
    edits.write_text(
        json.dumps({"edits": [{"edit": "delete", "drum": "kick", "time": first_kick}]})
    )
    assert run("transcribe", *base, "--out-dir", song / "c", "--edits", edits) == 0
    assert count(song / "c")["kick"] == count(song / "a")["kick"] - 1
    assert json.loads((song / "c" / "song.json").read_text())["edits"][0]["edit"] == "delete"
    capsys.readouterr()
    assert (
        run("transcribe", *base, "--out-dir", song / "d", "--edits", song / "c" / "song.json") == 0
    )
    assert "changed nothing" not in capsys.readouterr().err  # the JSON output is read too

    # Detected beats: the MIDI file gets a tempo map and the chart is written on it.
    assert run("transcribe", *base, "--out-dir", song / "auto", "--beats", "auto", "--chart") == 0
    midi = mido.MidiFile(str(song / "auto" / "song.mid"))
    assert [m.type for m in midi.tracks[0][:2]] == ["time_signature", "set_tempo"]
    seconds, played = 0.0, []
    for m in midi:
        seconds += m.time
        if m.type == "note_on":
            played.append(seconds)
    with (song / "auto" / "song.csv").open() as f:
        times = sorted({float(r["time"]) for r in csv.DictReader(f)})
    np.testing.assert_allclose(sorted(set(np.round(played, 6))), times, atol=2e-3)
    assert (song / "auto" / "song_chart" / "notes.mid").is_file()

    for bad, message in (
        (["--threshold-offset", "cowbell=0.2"], "not in the kit"),
        (["--threshold-offset", "snare"], "is not DRUM=X"),
        (["--threshold-offset", "snare=-1"], "must be a number >= 0"),
        (["--edits", song / "nope.json"], "does not exist"),
        (["--beats", "auto", "--meter", "9/4"], "invalid choice: '9/4'"),
        (["--beats", song / "nope.txt"], "beats file"),
    ):
        assert run("transcribe", *base, "--out-dir", song / "e", *bad) == 2
        assert message in capsys.readouterr().err
