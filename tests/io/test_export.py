import json
import os
import tempfile
from pathlib import Path

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


def test_unwritable_folder_is_refused(tmp_path, monkeypatch):
    """Permission bits mean nothing to root (CI runs as root): the access check is mocked."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    asked = []

    def access(path, mode, *args, **kwargs):
        if Path(path) == ro:
            asked.append(mode)
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(DrumnmfError, match=r"output folder '.*ro' is not writable"):
        check_writable_dir(ro)
    assert asked == [os.W_OK | os.X_OK]
    assert check_writable_dir(tmp_path) == tmp_path  # a writable folder passes


def test_write_into_a_folder_that_refuses_files(tmp_path, monkeypatch):
    """The temporary file cannot be made (as in a read-only folder): a clear error, no file."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(DrumnmfError, match=r"cannot write into '.*' \(Permission denied\)"):
        write_json(tmp_path / "x.json", {})
    assert list(tmp_path.iterdir()) == []


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


# ------------------------------------------------------ MIDI read back with mido, note by note

TICKS_PER_SECOND = 480 * 2  # 480 ticks per beat at 120 bpm


def _notes(path):
    """(on_tick, off_tick, note, velocity) of every note, pairing each note-on with the next
    note-off (or velocity-0 note-on) of the same note, from the file's delta times."""
    midi = mido.MidiFile(str(path))
    assert midi.ticks_per_beat == 480 and len(midi.tracks) == 1
    now, open_notes, notes = 0, {}, []
    for msg in midi.tracks[0]:
        now += msg.time
        if msg.type == "set_tempo":
            assert msg.tempo == 500000  # 120 bpm
        if msg.type not in ("note_on", "note_off"):
            continue
        assert msg.channel == 9  # General MIDI drums: channel 10
        if msg.type == "note_on" and msg.velocity > 0:
            open_notes.setdefault(msg.note, []).append((now, msg.velocity))
        else:
            assert msg.velocity == 0  # note-off (release) velocity
            assert open_notes.get(msg.note), (
                f"note-off of {msg.note} at tick {now} before its note-on"
            )
            on, velocity = open_notes[msg.note].pop(0)
            notes.append((on, now, msg.note, velocity))
    assert not any(open_notes.values()), f"hanging notes: {open_notes}"
    return sorted(notes)


def test_midi_notes_pair_up_with_exact_times_durations_and_velocities(tmp_path):
    onsets = {
        "kick": np.array([0.25, 0.5, 1.0, 2.0]),
        "snare": np.array([0.75, 1.5]),
    }
    # velocity = rint(20 + 107 * strength / strongest of the drum): the floor is 20
    strengths = {"kick": np.array([0.0, 0.2, 0.6, 1.0]) * 3.0, "snare": np.array([0.5, 0.1])}
    write_midi(tmp_path / "x.mid", onsets, strengths, {"kick": 36, "snare": 38})
    expected = [
        (240, 36, 20),  # 0.25 s, strength 0: the floor
        (480, 36, 41),  # 20 + 107 * 0.2 = 41.4
        (720, 38, 127),  # the snare's strongest
        (960, 36, 84),  # 20 + 107 * 0.6 = 84.2
        (1440, 38, 41),  # 20 + 107 * 0.1 / 0.5 = 41.4
        (1920, 36, 127),
    ]
    notes = _notes(tmp_path / "x.mid")
    assert [(on, note, velocity) for on, _, note, velocity in notes] == expected
    for on, off, _, _ in notes:
        assert off - on == round(0.05 * TICKS_PER_SECOND)  # 48 ticks = 50 ms


def test_midi_velocities_span_floor_to_top_linearly(tmp_path):
    strengths = np.linspace(0.0, 2.0, 21)
    onsets = np.arange(21) * 0.25
    write_midi(
        tmp_path / "x.mid", {"hihat": onsets}, {"hihat": strengths}, {"hihat": 42}, note_seconds=0.1
    )
    notes = _notes(tmp_path / "x.mid")
    velocities = [v for _, _, _, v in notes]
    assert velocities == [int(np.rint(20 + 107 * k / 20)) for k in range(21)]
    assert velocities[0] == 20 and velocities[-1] == 127
    assert [on for on, _, _, _ in notes] == [round(t * TICKS_PER_SECOND) for t in onsets]
    assert all(off - on == round(0.1 * TICKS_PER_SECOND) for on, off, _, _ in notes)


def test_midi_tempo_changes_ticks_not_times(tmp_path):
    onsets = {"kick": np.array([0.3, 1.7])}
    write_midi(tmp_path / "x.mid", onsets, {"kick": np.ones(2)}, {"kick": 36}, tempo_bpm=90.0)
    midi = mido.MidiFile(str(tmp_path / "x.mid"))
    now, times = 0.0, []
    for msg in midi:  # mido converts ticks to seconds with the file's tempo
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            times.append(now)
    np.testing.assert_allclose(times, [0.3, 1.7], atol=1e-3)


def test_midi_far_times_keep_exact_ticks(tmp_path):
    write_midi(tmp_path / "x.mid", {"kick": np.array([600.0])}, {"kick": np.ones(1)}, {"kick": 36})
    ((on, off, _, _),) = _notes(tmp_path / "x.mid")
    assert (on, off) == (600 * TICKS_PER_SECOND, 600 * TICKS_PER_SECOND + 48)


def test_midi_drum_without_onsets_and_odd_strengths(tmp_path):
    onsets = {"kick": np.array([0.5, 1.0]), "snare": np.array([])}
    strengths = {"kick": np.array([-1.0, 1.0]), "snare": np.array([])}  # below zero: velocity 1
    write_midi(tmp_path / "x.mid", onsets, strengths, {"kick": 36, "snare": 38})
    assert [(note, v) for _, _, note, v in _notes(tmp_path / "x.mid")] == [(36, 1), (36, 127)]
    with pytest.raises(ValueError):
        write_midi(tmp_path / "y.mid", {"kick": np.ones(2)}, {"kick": np.ones(3)}, {"kick": 36})


def test_rows_sort_by_time_then_drum_name_and_need_one_strength_per_onset(tmp_path):
    onsets = {"kick": np.array([0.5]), "hihat": np.array([0.5])}
    strengths = {"kick": np.array([0.1]), "hihat": np.array([2.0])}
    write_csv(tmp_path / "x.csv", onsets, strengths)
    assert (tmp_path / "x.csv").read_text().splitlines()[1:] == [
        "0.500000,hihat,2",
        "0.500000,kick,0.1",
    ]
    with pytest.raises(ValueError):
        write_csv(tmp_path / "y.csv", {"kick": np.ones(2)}, {"kick": np.ones(1)})


def test_json_is_indented_in_given_key_order(tmp_path):
    document = {"b": 1, "a": {"z": [1, 2], "y": str(tmp_path)}}
    write_json(tmp_path / "x.json", document)
    assert (tmp_path / "x.json").read_text() == json.dumps(document, indent=2) + "\n"


def test_json_paths_and_unknown_types(tmp_path):
    write_json(tmp_path / "x.json", {"path": tmp_path / "song.wav"})
    assert json.loads((tmp_path / "x.json").read_text()) == {"path": str(tmp_path / "song.wav")}
    with pytest.raises(TypeError, match="^cannot serialise set to JSON$"):
        write_json(tmp_path / "y.json", {"bad": {1, 2}})
    assert not (tmp_path / "y.json").exists()


def test_output_folder_is_created_with_parents_or_refused(tmp_path):
    nested = tmp_path / "a" / "b" / "c"
    assert check_writable_dir(nested) == nested and nested.is_dir()
    with pytest.raises(
        DrumnmfError, match=r"^output folder '.*nope' does not exist; create it first$"
    ):
        check_writable_dir(tmp_path / "nope", create=False)
    assert not (tmp_path / "nope").exists()
