"""Clone Hero / YARG drum charts, read back as a game reads them."""

import mido
import numpy as np
import pytest
import soundfile as sf

from drumnmf.errors import DrumnmfError
from drumnmf.io.chart import write_chart
from drumnmf.io.tempomap import TempoMap

BEATS = 0.25 + np.cumsum(np.r_[0.0, 60.0 / np.linspace(110, 130, 23)])


def read_chart(path):
    """Per Expert lane ('kick', 'red', 'yellow cymbal', 'blue tom', ...), the note times in s."""
    midi = mido.MidiFile(str(path))
    names = [t[0].name for t in midi.tracks]
    tempo_track = midi.tracks[0]
    tempos, tick = [], 0
    for msg in tempo_track:
        tick += msg.time
        if msg.type == "set_tempo":
            tempos.append((tick, msg.tempo))

    def seconds(at):
        out, last_tick, tempo = 0.0, 0, 500000
        for t, value in tempos:
            if t > at:
                break
            out += (t - last_tick) * tempo / 1e6 / midi.ticks_per_beat
            last_tick, tempo = t, value
        return out + (at - last_tick) * tempo / 1e6 / midi.ticks_per_beat

    drums = midi.tracks[names.index("PART DRUMS")]
    notes, markers, tick = [], [], 0
    open_markers = {}
    for msg in drums:
        tick += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            if msg.note in (110, 111, 112):
                open_markers[msg.note] = tick
            else:
                notes.append((tick, msg.note))
        elif msg.type in ("note_off", "note_on") and msg.note in open_markers:
            markers.append((open_markers.pop(msg.note), tick, msg.note))
    colour = {97: "red", 98: "yellow", 99: "blue", 100: "green"}
    lanes = {}
    for at, note in notes:
        if note == 96:
            lane = "kick"
        elif note == 97:
            lane = "red"
        else:
            tom = any(a <= at < b and m == note + 12 for a, b, m in markers)
            lane = f"{colour[note]} {'tom' if tom else 'cymbal'}"
        lanes.setdefault(lane, []).append(seconds(at))
    return names, lanes


def test_chart_reads_back_lane_by_lane(tmp_path):
    onsets = {
        "kick": BEATS[::2],
        "snare": BEATS[1::2],
        "hihat": BEATS[:-1] + 0.5 * np.diff(BEATS),
        "high_tom": np.array([BEATS[4] + 0.1]),
        "floor_tom": np.array([BEATS[6] + 0.1]),
        "ride": np.array([BEATS[8] + 0.2]),
        "crash": np.array([BEATS[0]]),
        "pedal_hihat": np.array([1.0]),
        "cowbell": np.array([2.0, 3.0]),
    }
    onsets["open_hihat"] = np.array([onsets["hihat"][3]])  # same lane, same tick as a hi-hat
    rate = 22050
    chart = write_chart(
        tmp_path / "song",
        onsets,
        tempo_map=TempoMap.from_meter(BEATS, "4/4"),
        duration=12.0,
        name="Test song",
        samples=np.zeros(12 * rate),
        sample_rate=rate,
    )
    assert chart.skipped == {"pedal_hihat": 1, "cowbell": 2, "open_hihat": 1}
    names, lanes = read_chart(tmp_path / "song" / "notes.mid")
    assert names == ["Test song", "PART DRUMS", "EVENTS"]
    expected = {
        "kick": onsets["kick"],
        "red": onsets["snare"],
        "yellow cymbal": onsets["hihat"],
        "yellow tom": onsets["high_tom"],
        "green tom": onsets["floor_tom"],
        "blue cymbal": onsets["ride"],
        "green cymbal": onsets["crash"],
    }
    assert set(lanes) == set(expected)
    for lane, times in expected.items():
        np.testing.assert_allclose(sorted(lanes[lane]), np.sort(times), atol=2e-3, err_msg=lane)
    assert chart.notes == sum(len(v) for v in expected.values())
    ini = (tmp_path / "song" / "song.ini").read_text()
    assert "[song]" in ini and "name = Test song" in ini and "pro_drums = True" in ini
    assert sf.info(str(tmp_path / "song" / "song.ogg")).duration == pytest.approx(12.0, abs=0.01)
    events = mido.MidiFile(str(tmp_path / "song" / "notes.mid")).tracks[2]
    assert [m.text for m in events if m.type == "text"] == ["[end]"]


def test_a_tom_beside_a_cymbal_of_its_colour_keeps_its_marker_short(tmp_path):
    tom = BEATS[2]
    hat = tom + 0.02  # 20 ms later, same yellow lane
    write_chart(
        tmp_path / "s",
        {"high_tom": np.array([tom]), "hihat": np.array([hat])},
        tempo_map=TempoMap.from_meter(BEATS),
        duration=10.0,
    )
    _, lanes = read_chart(tmp_path / "s" / "notes.mid")
    np.testing.assert_allclose(lanes["yellow tom"], [tom], atol=2e-3)
    np.testing.assert_allclose(lanes["yellow cymbal"], [hat], atol=2e-3)


def test_bad_chart_inputs(tmp_path):
    tm = TempoMap.constant(120.0, 10.0)
    with pytest.raises(DrumnmfError, match="duration"):
        write_chart(tmp_path / "a", {}, tempo_map=tm, duration=0.0)
    with pytest.raises(DrumnmfError, match="sample_rate"):
        write_chart(tmp_path / "a", {}, tempo_map=tm, duration=1.0, samples=np.zeros(10))
    with pytest.raises(DrumnmfError, match="one line"):
        write_chart(tmp_path / "a", {}, tempo_map=tm, duration=1.0, name="a\nb")
