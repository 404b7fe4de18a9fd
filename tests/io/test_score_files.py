"""Drum tab and quantized MIDI writers."""

import mido
import numpy as np
import pytest

from drumnmf.io.annotations import load_midi
from drumnmf.io.score_midi import write_score_midi
from drumnmf.io.tab import tab_string, write_tab
from drumnmf.notation import METERS, BeatGrid, quantize


def score(bpm=100.0, accelerate=0.0):
    n = 17
    periods = 60.0 / (bpm * (1 + accelerate * np.arange(n) / n))
    beats = 0.5 + np.concatenate([[0.0], np.cumsum(periods)])
    eighths = np.sort(np.r_[beats[:16], (beats[:16] + beats[1:17]) / 2])
    onsets = {
        "hihat": eighths,
        "kick": beats[0:16:2],
        "snare": beats[1:16:2],
        "open_hihat": np.array([(beats[3] + beats[4]) / 2 + 0.001]),
    }
    onsets["hihat"] = onsets["hihat"][np.abs(onsets["hihat"] - onsets["open_hihat"][0]) > 0.01]
    strengths = {d: np.ones(v.size) for d, v in onsets.items()}
    strengths["snare"][2] = 2.5  # accent
    grid = BeatGrid(beats=beats, downbeat_index=0, meter=METERS["4/4"], tempo=bpm)
    return quantize(onsets, grid, strengths, title="Tab test"), onsets


def test_tab_lines():
    s, _ = score()
    text = tab_string(s)
    lines = text.splitlines()
    assert lines[0] == "Tab test" and "100 BPM, 4/4" in lines[1]
    hh = next(line for line in lines if line.startswith("HH|"))
    sn = next(line for line in lines if line.startswith("SN|"))
    bd = next(line for line in lines if line.startswith("BD|"))
    assert hh.split("|")[1] == "x-x-x-x-x-x-x-o-"
    assert sn.split("|")[1] == "----o-------o---" and sn.split("|")[2] == "----O-------o---"
    assert bd.split("|")[1] == "o-------o-------"
    # cymbals above drums, kick last
    order = [line[:2] for line in lines if "|" in line and not line.startswith("  ")][:3]
    assert order == ["HH", "SN", "BD"]


def test_write_tab(tmp_path):
    s, _ = score()
    write_tab(tmp_path / "x.tab.txt", s)
    assert (tmp_path / "x.tab.txt").read_text() == tab_string(s)


@pytest.mark.parametrize("accelerate", [0.0, 0.1])
def test_quantized_midi_follows_the_recording(tmp_path, accelerate):
    s, onsets = score(accelerate=accelerate)
    path = tmp_path / "x.score.mid"
    write_score_midi(path, s)
    midi = mido.MidiFile(str(path))
    assert midi.ticks_per_beat == 480
    metas = [m for m in mido.merge_tracks(midi.tracks) if m.is_meta]
    sig = next(m for m in metas if m.type == "time_signature")
    assert (sig.numerator, sig.denominator) == (4, 4)
    tempos = [m for m in metas if m.type == "set_tempo"]
    assert (len(tempos) > 4) == (accelerate > 0)  # a tempo map only when the tempo moves
    back = load_midi(path)
    # tick 0 is the first bar's start: times come back shifted by it, on the grid
    start = s.bars[0].start
    for drum in ("kick", "snare"):
        assert np.allclose(back.onsets[drum] + start, onsets[drum], atol=0.002)
    # every note is on a 16th tick
    tick, ticks = 0, []
    for msg in mido.merge_tracks(midi.tracks):
        tick += msg.time
        if msg.type == "note_on" and msg.velocity:
            ticks.append(tick)
    assert all(t % 120 == 0 for t in ticks)
