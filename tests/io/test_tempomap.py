"""Tempo-mapped MIDI: beats land on the grid, hits keep their performed times."""

import mido
import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.io.export import write_midi
from drumnmf.io.tempomap import TempoMap, load_beats

# A song speeding up from 100 to 140 BPM over 32 beats, starting 0.8 s in.
INTERVALS = 60.0 / np.linspace(100, 140, 32)
BEATS = 0.8 + np.concatenate(([0.0], np.cumsum(INTERVALS)))


def note_times(path):
    """(seconds, tick, note) of every note-on, seconds as mido computes them from the tempos."""
    midi = mido.MidiFile(str(path))
    seconds, out = 0.0, []
    for msg in midi:
        seconds += msg.time
        if msg.type == "note_on":
            out.append((seconds, msg.note))
    ticks, tick = [], 0
    for msg in midi.tracks[0]:
        tick += msg.time
        if msg.type == "note_on":
            ticks.append(tick)
    return [(s, t, n) for (s, n), t in zip(out, ticks, strict=True)]


def test_beats_on_the_grid_and_hits_at_their_times(tmp_path):
    tempo_map = TempoMap(BEATS)
    kick = BEATS[::2]
    hats = BEATS[:-1] + 0.37 * np.diff(BEATS)  # off the grid: performed timing
    onsets = {"kick": kick, "hihat": hats}
    strengths = {"kick": np.ones(kick.size), "hihat": np.ones(hats.size)}
    write_midi(
        tmp_path / "x.mid", onsets, strengths, {"kick": 36, "hihat": 42}, tempo_map=tempo_map
    )
    got = note_times(tmp_path / "x.mid")
    lead = tempo_map.lead_in(480)
    assert lead % (4 * 480) == 0 and lead > 0
    kicks = [(s, t) for s, t, n in got if n == 36]
    assert [t for _, t in kicks] == [lead + 2 * k * 480 for k in range(kick.size)]
    np.testing.assert_allclose([s for s, _ in kicks], kick, atol=2e-3)
    np.testing.assert_allclose([s for s, _, n in got if n == 42], hats, atol=2e-3)
    midi = mido.MidiFile(str(tmp_path / "x.mid"))
    metas = [m for m in midi.tracks[0] if m.is_meta]
    assert metas[0].type == "time_signature" and (metas[0].numerator, metas[0].denominator) == (
        4,
        4,
    )
    tempos = [m.tempo for m in metas if m.type == "set_tempo"]
    assert len(tempos) > 20 and tempos[1] > tempos[-1]  # it speeds up


def test_pickup_beats_put_the_first_downbeat_on_a_bar_line():
    tm = TempoMap(BEATS, first_downbeat=1)
    assert (tm.lead_in(480) + 480) % (4 * 480) == 0
    compound = TempoMap(BEATS, numerator=6, denominator=8, beat_quarters=1.5, beats_per_bar=2)
    assert compound.beat_ticks(480) == 720
    assert compound.ticks(BEATS[:3], 480).tolist() == [
        compound.lead_in(480) + k * 720 for k in range(3)
    ]


def test_load_beats(tmp_path):
    (tmp_path / "b.txt").write_text("time,label\n0.5,1\n# comment\n\n1.0\t2\n1.5 3\n")
    np.testing.assert_array_equal(load_beats(tmp_path / "b.txt"), [0.5, 1.0, 1.5])
    (tmp_path / "c.txt").write_text("0.5\nbeat\n")
    with pytest.raises(DrumnmfError, match="c.txt:2"):
        load_beats(tmp_path / "c.txt")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"beats": [1.0]}, "at least two"),
        ({"beats": [1.0, 0.5]}, "strictly increasing"),
        ({"beats": [0.0, 1.0], "denominator": 3}, "not valid"),
        ({"beats": [0.0, 1.0], "first_downbeat": 4}, "first_downbeat"),
    ],
)
def test_bad_tempo_maps(kwargs, message):
    with pytest.raises(DrumnmfError, match=message):
        TempoMap(**kwargs)


def test_tempo_map_of_detected_beats():
    from drumnmf.notation import track_beats

    eighths = 0.1 + np.arange(64) * 0.25  # 120 BPM, first hit at 0.1 s
    hits = {"hihat": eighths, "kick": eighths[::4], "snare": eighths[2::4]}
    grid = track_beats(hits)
    tm = TempoMap.from_beat_grid(grid)
    assert tm.beats[0] >= 0 and (tm.numerator, tm.denominator) == (4, 4)
    kept = grid.beats[grid.beats >= 0]
    np.testing.assert_array_equal(tm.beats, kept)
    # the tracker's first bar line that survives is a bar line of the file
    first_bar = grid.downbeats[grid.downbeats >= 0][0]
    tick = tm.ticks(np.array([first_bar]), 480)[0]
    assert tick % (4 * 480) == 0


def test_beats_before_zero_move_the_downbeat():
    class Grid:  # the fields of drumnmf.notation.BeatGrid that a tempo map reads
        beats = np.array([-0.4, 0.1, 0.6, 1.1, 1.6, 2.1])
        downbeat_index = 2

        class meter:
            beats, numerator, denominator, beat_quarters = 4, 4, 4, 1.0

    tm = TempoMap.from_beat_grid(Grid)
    assert tm.first_downbeat == 1 and tm.beats[0] == 0.1
