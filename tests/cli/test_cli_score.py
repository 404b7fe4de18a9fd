"""``drumnmf score`` and ``drumnmf transcribe --score``, run as the real command."""

import json
import subprocess
import sys

import mido
import numpy as np
import pytest

from synth import groove, place, write_hits, write_wav


def drumnmf(*args):
    return subprocess.run(
        [sys.executable, "-m", "drumnmf", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=180,
    )


def write_groove_midi(path, bpm=96.0, bars=6):
    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    events = []
    for beat in range(bars * 4):
        for half in (0, 240):
            events.append((beat * 480 + half, 42, 80))
        events.append((beat * 480, 36 if beat % 2 == 0 else 38, 100))
    messages = sorted(
        [(t, 1, n, v) for t, n, v in events] + [(t + 30, 0, n, 0) for t, n, _ in events]
    )
    now = 0
    for tick, on, note, velocity in messages:
        kind = "note_on" if on else "note_off"
        track.append(mido.Message(kind, channel=9, note=note, velocity=velocity, time=tick - now))
        now = tick
    midi.tracks.append(track)
    midi.save(str(path))


def test_score_from_midi(tmp_path):
    src = tmp_path / "beat.mid"
    write_groove_midi(src)
    out = tmp_path / "out"
    result = drumnmf("score", src, "--out-dir", out)
    assert result.returncode == 0, result.stderr
    assert "96.0 BPM, 4/4" in result.stdout
    for suffix in (".musicxml", ".tab.txt", ".score.mid", ".score.json"):
        assert (out / f"beat{suffix}").is_file(), suffix
    doc = json.loads((out / "beat.score.json").read_text())
    assert doc["time_signature"] == "4/4" and doc["tempo"] == pytest.approx(96, rel=0.01)
    assert np.allclose(np.diff(doc["downbeats"]), 4 * 60 / 96, atol=0.01)
    first = doc["notes"][0]
    assert first["bar"] == 1 and first["position"] == 0.0


def test_score_overrides_and_formats(tmp_path):
    src = tmp_path / "beat.mid"
    write_groove_midi(src)
    result = drumnmf(
        "score",
        src,
        "--out-dir",
        tmp_path,
        "--meter",
        "3/4",
        "--tempo",
        "96",
        "--grid",
        "16",
        "--formats",
        "tab",
        "--title",
        "Waltz?",
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["beat.mid", "beat.tab.txt"]
    text = (tmp_path / "beat.tab.txt").read_text()
    assert text.startswith("Waltz?") and "3/4" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.mid"], "do not exist"),
        (["--formats", "pdf"], "unknown format"),
        (["--tempo", "1000"], "out of range"),
        (["SAME"], "would both write"),
    ],
)
def test_score_errors(tmp_path, args, message):
    src = tmp_path / "beat.mid"
    write_groove_midi(src)
    if args == ["SAME"]:
        (tmp_path / "beat.score.mid").write_bytes(src.read_bytes())
        args = [src, tmp_path / "beat.score.mid"]
    full = args if str(args[0]).endswith(".mid") else [src, *args]
    result = drumnmf("score", *full, "--out-dir", tmp_path / "o")
    assert result.returncode != 0 and message in result.stderr
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_transcribe_with_score(tmp_path):
    hits = write_hits(tmp_path)
    assert drumnmf("calibrate", *hits, "--out", tmp_path / "kit.json").returncode == 0
    events = groove(8.0, tempo=120.0)
    write_wav(tmp_path / "song.wav", place(events, 8.0))
    out = tmp_path / "out"
    result = drumnmf(
        "transcribe",
        tmp_path / "song.wav",
        "--kit",
        tmp_path / "kit.json",
        "--out-dir",
        out,
        "--score",
        "-q",
    )
    assert result.returncode == 0, result.stderr
    for suffix in (".csv", ".json", ".mid", ".musicxml", ".tab.txt", ".score.mid"):
        assert (out / f"song{suffix}").is_file(), suffix
    doc = json.loads((out / "song.json").read_text())
    assert doc["tempo"] == pytest.approx(120, rel=0.04)
    assert {"beats", "downbeats", "time_signature"} <= set(doc)
    assert all("bar" in row and "position" in row for row in doc["onsets"])
