"""Beat, downbeat, metre and swing tracking on synthetic grooves with known answers."""

import mir_eval
import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.notation import track_beats


def groove(
    bpm,
    *,
    bars=8,
    meter="4/4",
    swing=False,
    jitter=0.008,
    seed=0,
    accelerate=0.0,
    offset=0.3,
):
    """Onsets of a typical pattern: returns (onsets, strengths, beat times, downbeat times).

    4/4: kick on 1 and 3 (and the "and" of 3), snare on 2 and 4, hi-hat eighths (swung to
    triplets with ``swing``); 3/4: kick on 1, snare on 2 and 3, hi-hat eighths; 6/8 and 12/8:
    kick on 1, snare on the second beat, hi-hat on every eighth (three per beat); 12/8 adds
    a kick before its third beat, so that the pattern lasts four beats.
    ``accelerate`` is the relative tempo increase over the whole groove.
    """
    rng = np.random.default_rng(seed)
    per_bar = {"4/4": 4, "3/4": 3, "6/8": 2, "12/8": 4}[meter]
    n_beats = bars * per_bar
    periods = 60.0 / (bpm * (1 + accelerate * np.arange(n_beats) / n_beats))
    beats = offset + np.concatenate([[0.0], np.cumsum(periods)])
    onsets = {"kick": [], "snare": [], "hihat": []}
    for i in range(n_beats):
        b, p, pos = beats[i], periods[i], i % per_bar
        if meter in ("6/8", "12/8"):
            onsets["hihat"] += [b, b + p / 3, b + 2 * p / 3]
            (onsets["kick"] if pos % 2 == 0 else onsets["snare"]).append(b)
            if meter == "12/8" and pos == 1:  # a bar of four beats: kick pickup to 3
                onsets["kick"].append(b + 2 * p / 3)
            continue
        off = b + (2 * p / 3 if swing else p / 2)
        onsets["hihat"] += [b, off]
        if meter == "4/4":
            if pos in (0, 2):
                onsets["kick"].append(b)
            if pos == 2:
                onsets["kick"].append(off)
            if pos in (1, 3):
                onsets["snare"].append(b)
        else:
            (onsets["kick"] if pos == 0 else onsets["snare"]).append(b)
    out = {}
    strengths = {}
    for drum, times in onsets.items():
        t = np.sort(np.asarray(times)) + rng.normal(0, jitter, len(times))
        out[drum] = np.clip(t, 0, None)
        strengths[drum] = rng.uniform(0.7, 1.0, len(times))
    return out, strengths, beats[:n_beats], beats[:n_beats:per_bar]


@pytest.mark.parametrize("bpm", [85, 100, 128, 150])
def test_rock_tempo_beats_and_downbeats(bpm):
    onsets, strengths, beats, downbeats = groove(bpm)
    grid = track_beats(onsets, strengths)
    assert grid.tempo == pytest.approx(bpm, rel=0.04)
    assert grid.time_signature == "4/4" and not grid.swing
    assert mir_eval.beat.f_measure(beats, grid.beats, 0.07) > 0.95
    assert mir_eval.beat.f_measure(downbeats, grid.downbeats, 0.07) > 0.9


@pytest.mark.parametrize(("meter", "bpm"), [("3/4", 110), ("6/8", 70), ("12/8", 80)])
def test_metres(meter, bpm):
    onsets, strengths, _beats, downbeats = groove(bpm, meter=meter, bars=10)
    grid = track_beats(onsets, strengths)
    assert grid.time_signature == meter
    assert grid.tempo == pytest.approx(bpm, rel=0.04)
    assert mir_eval.beat.f_measure(downbeats, grid.downbeats, 0.07) > 0.9


def test_shuffle_is_swing_not_straight():
    onsets, strengths, beats, _ = groove(96, swing=True)
    grid = track_beats(onsets, strengths)
    assert grid.swing and grid.time_signature == "4/4"
    assert grid.swing_ratio == pytest.approx(2.0, rel=0.15)
    assert mir_eval.beat.f_measure(beats, grid.beats, 0.07) > 0.95


def test_straight_groove_ratio_is_one():
    onsets, strengths, _, _ = groove(110)
    assert track_beats(onsets, strengths).swing_ratio == pytest.approx(1.0, rel=0.1)


def test_tempo_drift_is_followed():
    onsets, strengths, beats, _ = groove(100, bars=16, accelerate=0.12)
    grid = track_beats(onsets, strengths)
    assert mir_eval.beat.f_measure(beats, grid.beats, 0.07) > 0.95
    changes = grid.tempo_map()
    assert changes[0][1] < 104 and changes[-1][1] > 106


def test_known_tempo_and_meter_are_used():
    onsets, strengths, _beats, _ = groove(120)
    grid = track_beats(onsets, strengths, tempo=120, meter="3/4")
    assert grid.time_signature == "3/4" and grid.tempo == pytest.approx(120, rel=0.02)


def test_inputs_are_not_mutated_and_result_is_deterministic():
    onsets, strengths, _, _ = groove(100)
    before = {d: t.copy() for d, t in onsets.items()}
    a = track_beats(onsets, strengths)
    b = track_beats(onsets, strengths)
    assert all(np.array_equal(before[d], onsets[d]) for d in onsets)
    assert np.array_equal(a.beats, b.beats) and a.downbeat_index == b.downbeat_index


def test_json_fields():
    onsets, strengths, _, _ = groove(100)
    doc = track_beats(onsets, strengths).to_dict()
    assert set(doc) >= {"tempo", "beats", "downbeats", "time_signature", "tempo_map"}
    assert doc["downbeats"][0] in doc["beats"]


@pytest.mark.parametrize(
    ("onsets", "options", "match"),
    [
        ({"kick": np.array([1.0])}, {}, "at least 2 onsets"),
        ({"kick": np.array([1.0, np.nan])}, {}, "NaN"),
        ({"kick": np.array([-1.0, 1.0])}, {}, "negative"),
        ({"kick": np.array([0.5, 1.0])}, {"tempo": 2000}, "out of range"),
        ({"kick": np.array([0.5, 1.0])}, {"meter": "5/4"}, "not supported"),
    ],
)
def test_bad_inputs(onsets, options, match):
    with pytest.raises(DrumnmfError, match=match):
        track_beats(onsets, **options)


@pytest.mark.parametrize(
    "onsets",
    [
        {"kick": np.array([0.0, 0.001])},
        {"kick": np.array([5.0]), "hihat": np.array([5.0])},
        {"kick": np.array([0.0, 30.0])},
    ],
)
def test_degenerate_inputs_give_a_grid(onsets):
    grid = track_beats(onsets)
    assert np.all(np.diff(grid.beats) > 0)
    hits = np.concatenate(list(onsets.values()))
    assert grid.beats[0] <= hits.min() + 0.1 and grid.beats[-1] >= hits.max() - 0.1
