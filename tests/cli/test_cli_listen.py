"""``drumnmf listen`` and ``calibrate --trigger``, run as the real command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from synth import groove, place, write_hits, write_wav


def drumnmf(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "drumnmf", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("listen")
    hits = write_hits(root)
    write_wav(root / "song.wav", place(groove(6.0), 6.0))
    result = drumnmf("calibrate", *hits, "--out", root / "my.kit.json", "--trigger")
    assert result.returncode == 0, result.stderr
    assert "also for n_fft 512 / hop 96" in result.stdout
    return root


def test_listen_file_prints_hits_and_writes_what_transcribe_writes(workdir):
    out = workdir / "live"
    result = drumnmf(
        "listen", "--kit", workdir / "my.kit.json", "--file", workdir / "song.wav",
        "--no-wait", "--out-dir", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > 20
    time_, drum, strength, confidence = lines[0].split()
    assert float(time_) >= 0 and drum in ("kick", "snare", "hihat")
    assert float(strength) > 0 and 0 <= float(confidence) <= 1
    offline = workdir / "offline"
    done = drumnmf("transcribe", workdir / "song.wav", "--kit", workdir / "my.kit.json",
                   "--out-dir", offline)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for suffix in ("csv", "json", "mid"):
        assert (out / f"song.{suffix}").is_file()
    live_csv = (out / "song.csv").read_text().splitlines()
    assert live_csv[0] == (offline / "song.csv").read_text().splitlines()[0]
    assert len(live_csv) == 1 + len(lines)
    # the CSV carries each printed hit's confidence
    printed = sorted(
        (f"{float(t):.3f}", d, f"{float(c):.2f}") for t, d, _, c in map(str.split, lines)
    )
    rows = [r.split(",") for r in live_csv[1:]]
    assert sorted((f"{float(t):.3f}", d, f"{float(c):.2f}") for t, d, _, c in rows) == printed
    live_json = json.loads((out / "song.json").read_text())
    assert set(live_json) == set(json.loads((offline / "song.json").read_text()))
    assert live_json["duration"] == pytest.approx(6.0)
    scored = drumnmf("evaluate", out / "song.csv", offline / "song.csv")
    assert scored.returncode == 0, scored.stderr


def test_ctrl_c_stops_cleanly_with_the_outputs_written(workdir):
    out = workdir / "stopped"
    process = subprocess.Popen(
        [sys.executable, "-m", "drumnmf", "listen", "--kit", str(workdir / "my.kit.json"),
         "--file", str(workdir / "song.wav"), "--out-dir", str(out), "--mode", "trigger"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()  # the first hit, at real speed (0.25 s in)
    assert first.split()[1] in ("kick", "snare", "hihat")
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "(stopped)" in stderr
    rows = (out / "song.csv").read_text().splitlines()
    assert rows[0] == "time,drum,strength,confidence" and len(rows) >= 2
    document = json.loads((out / "song.json").read_text())
    assert 0.3 < document["duration"] < 5.0  # stopped long before the end of the 6 s file
    assert (out / "song.mid").is_file()


def test_errors_are_clear(workdir):
    result = drumnmf("listen", "--file", workdir / "missing.wav")
    assert result.returncode == 2 and "not found" in result.stderr
    result = drumnmf("listen", "--no-wait")
    assert result.returncode == 2 and "--no-wait applies to --file" in result.stderr
    result = drumnmf("listen", "--file", workdir / "song.wav", "--report")
    assert result.returncode == 2 and "--report needs --out-dir" in result.stderr
    # no sound card here: either sounddevice/PortAudio is missing or there is no device
    env = {**os.environ, "CI": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "drumnmf", "listen", "--device", "no such device"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    if result.returncode == 0:
        pytest.skip("this machine has an input device named 'no such device'")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert any(
        words in result.stderr
        for words in ("no input device", "needs sounddevice", "PortAudio is not available")
    ), result.stderr


def test_midi_out_to_a_missing_port_is_a_clear_error(workdir):
    result = drumnmf(
        "listen", "--file", workdir / "song.wav", "--no-wait", "--midi-out", "No Such Port",
    )  # fmt: skip
    if result.returncode == 0:
        pytest.skip("the MIDI backend opened a port named 'No Such Port'")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot open MIDI output 'No Such Port'" in result.stderr
