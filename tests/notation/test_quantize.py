"""Quantization: grids per beat, flams and drags, ghost notes and accents, bars."""

from fractions import Fraction

import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.notation import METERS, BeatGrid, make_score, quantize


def straight_grid(bpm=120.0, n=40, meter="4/4", start=0.0, **options):
    beats = start + np.arange(n) * 60.0 / bpm
    return BeatGrid(beats=beats, downbeat_index=0, meter=METERS[meter], tempo=bpm, **options)


def positions(score, drum):
    return [(n.bar, n.position) for n in score.notes if n.drum == drum]


def test_sixteenths_land_on_their_slots():
    rng = np.random.default_rng(1)
    slots = np.arange(32)  # two bars of 16ths at 120 BPM: 0.125 s each
    times = slots * 0.125 + rng.normal(0, 0.006, slots.size)
    score = quantize({"hihat": np.clip(times, 0, None)}, straight_grid())
    expected = [(int(k // 16), Fraction(int(k % 16), 4)) for k in slots]
    assert positions(score, "hihat") == expected
    assert all(bar.subdivisions == (4, 4, 4, 4) for bar in score.bars)


def test_triplets_are_chosen_for_triplet_beats():
    beat = 0.5
    times = np.r_[np.arange(3) * beat / 3, beat + np.arange(4) * beat / 4]  # triplet, 16ths
    score = quantize({"snare": times}, straight_grid())
    assert score.bars[0].subdivisions[:2] == (3, 4)
    assert positions(score, "snare")[:3] == [
        (0, Fraction(0)),
        (0, Fraction(1, 3)),
        (0, Fraction(2, 3)),
    ]


def test_swing_prefers_the_triplet_grid():
    # a hit 0.7 of the way through the beat: a 16th (0.75) or a swung eighth (2/3)
    times = np.array([0.0, 0.5 * 0.7 + 0.5, 1.0])
    swung = quantize({"hihat": times}, straight_grid(swing=True))
    straight = quantize({"hihat": times}, straight_grid())
    assert swung.notes[1].position == Fraction(1) + Fraction(2, 3)
    assert straight.notes[1].position == Fraction(7, 4)


def test_fast_fill_uses_32nds():
    times = 2.0 + np.arange(8) * 0.5 / 8  # eight 32nds in one beat at 120
    score = quantize({"snare": times, "kick": np.array([0.0])}, straight_grid())
    assert score.bars[1].subdivisions[0] == 8
    assert len(score.notes) == 9


def test_flam_and_drag_become_grace_notes():
    snare = np.array([0.48, 0.5, 1.46, 1.48, 1.5])
    score = quantize({"snare": snare}, straight_grid())
    notes = score.notes
    assert [n.grace for n in notes] == [1, 2]
    assert [n.position for n in notes] == [Fraction(1), Fraction(3)]
    off = quantize({"snare": snare}, straight_grid(), flam_seconds=0)
    assert all(n.grace == 0 for n in off.notes)  # hits on one slot merge instead


def test_ghost_notes_and_accents_from_strength():
    times = np.arange(8) * 0.25
    strength = np.array([1.0, 0.3, 1.0, 1.0, 2.0, 1.0, 0.3, 1.0])
    score = quantize({"snare": times}, straight_grid(), {"snare": strength})
    assert [n.ghost for n in score.notes] == [s < 0.5 for s in strength]
    assert [n.accent for n in score.notes] == [s > 1.6 for s in strength]


def test_pickup_opens_a_bar_before_the_first_downbeat():
    grid = straight_grid(start=1.0)
    score = quantize({"snare": np.array([0.75, 1.0, 1.5])}, grid)
    first = score.bars[0]
    assert first.start == pytest.approx(1.0 - 4 * 0.5)
    assert score.notes[0].bar == 0 and score.notes[0].position == Fraction(7, 2)
    assert score.notes[1].bar == 1 and score.notes[1].position == 0


def test_compound_metre_uses_eighths():
    grid = straight_grid(bpm=60.0, meter="6/8")
    times = np.arange(12) / 3  # eighths: three per dotted-quarter beat
    score = quantize({"hihat": times}, grid)
    assert all(sub == 3 for bar in score.bars for sub in bar.subdivisions[:2])
    assert [n.position for n in score.notes[:6]] == [Fraction(k, 3) for k in range(6)]


def test_score_json_and_bars():
    t = np.arange(32) * 0.25
    score = make_score({"hihat": t, "kick": t[::4], "snare": t[2::4]})
    doc = score.to_dict()
    assert doc["time_signature"] == "4/4" and doc["tempo"] == pytest.approx(120, rel=0.01)
    assert {"bar", "position", "drum", "time"} <= set(doc["notes"][0])
    assert doc["notes"][0]["bar"] == 1
    assert len(score.bars) == 4 and all(b.end > b.start for b in score.bars)


@pytest.mark.parametrize(
    ("options", "match"),
    [({"grids": (0,)}, "subdivisions"), ({"sigma": 0}, "sigma"), ({"flam_seconds": -1}, "flam")],
)
def test_bad_options(options, match):
    with pytest.raises(DrumnmfError, match=match):
        quantize({"kick": np.array([0.0, 0.5])}, straight_grid(), **options)


def test_grid_name_is_checked():
    with pytest.raises(DrumnmfError, match="grid="):
        make_score({"kick": np.arange(8) * 0.5}, grid="64")
