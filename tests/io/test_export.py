import json
import os

import mido
import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.io.export import atomic_path, check_writable_dir, write_csv, write_json, write_midi

ONSETS = {
    "kick": np.array([0.5, 1.5]),
    "snare": np.array([1.0]),
    "hihat": np.array([0.5, 1.0, 1.25]),
}
STRENGTHS = {
    "kick": np.array([2.0, 1.0]),
    "snare": np.array([0.5]),
    "hihat": np.array([0.1, 0.2, 0.3]),
}
NOTES = {"kick": 36, "snare": 38, "hihat": 42}


def test_csv_contract(tmp_path):
    path = tmp_path / "x.csv"
    write_csv(path, ONSETS, STRENGTHS)
    lines = path.read_text().splitlines()
    assert lines[0] == "time,drum,strength"
    rows = [line.split(",") for line in lines[1:]]
    times = [float(r[0]) for r in rows]
    assert times == sorted(times) and len(rows) == 6
    assert rows[0][:2] == ["0.500000", "hihat"] and rows[1][:2] == ["0.500000", "kick"]
    assert float(rows[1][2]) == 2.0


def test_midi_channel_10_and_times(tmp_path):
    path = tmp_path / "x.mid"
    write_midi(path, ONSETS, STRENGTHS, NOTES)
    midi = mido.MidiFile(str(path))
    now, got = 0.0, []
    for msg in midi:
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            assert msg.channel == 9
            got.append((round(now, 3), msg.note, msg.velocity))
    assert sorted(t for t, _, _ in got) == [0.5, 0.5, 1.0, 1.0, 1.25, 1.5]
    kick_vel = [v for _, n, v in got if n == 36]
    assert kick_vel[0] == 127 and kick_vel[1] < 127


def test_midi_unknown_drum(tmp_path):
    with pytest.raises(DrumnmfError, match="no MIDI note"):
        write_midi(tmp_path / "x.mid", ONSETS, STRENGTHS, {"kick": 36})


def test_json_handles_numpy(tmp_path):
    write_json(tmp_path / "x.json", {"a": np.float32(1.5), "b": np.arange(3)})
    assert json.loads((tmp_path / "x.json").read_text()) == {"a": 1.5, "b": [0, 1, 2]}


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder_nonroot(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    with pytest.raises(DrumnmfError, match="not writable"):
        check_writable_dir(ro)


def test_output_path_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(DrumnmfError, match="is a file"):
        check_writable_dir(f)
    with pytest.raises(DrumnmfError, match="cannot create output folder"):
        check_writable_dir(f / "sub")


def test_written_files_get_normal_permissions(tmp_path):
    write_json(tmp_path / "x.json", {})
    mode = (tmp_path / "x.json").stat().st_mode & 0o777
    assert mode == 0o666 & ~_current_umask()


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_target_that_is_a_folder(tmp_path):
    with pytest.raises(DrumnmfError, match="is a folder; give a file name"):
        write_json(tmp_path, {})
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DrumnmfError, match="is a file, not a folder"):
        write_json(blocker / "x.json", {})
