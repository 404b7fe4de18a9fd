import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.onsets import (
    Onsets,
    adaptive_threshold,
    band_share,
    explained_energy,
    gate_onsets,
    offset_for,
    pick_adaptive,
    pick_top_k,
    suppress_crosstalk,
)

FPS = 44100 / 512


def _row(peaks, heights, n=400, width=3.0):
    t = np.arange(n)
    row = np.zeros(n)
    for p, h in zip(peaks, heights, strict=True):
        row += h * np.exp(-0.5 * ((t - p) / width) ** 2) * (t >= p - 1)
    return row


def test_paper_offsets():
    assert offset_for("kick") == 0.15
    assert offset_for("snare") == 0.1
    assert offset_for("hihat") == 0.05
    assert offset_for("cowbell") == 0.1


def test_adaptive_finds_each_hit_once():
    peaks = [20, 60, 100, 140, 300]
    row = _row(peaks, [1.0, 0.5, 0.8, 0.3, 0.9])
    found = pick_adaptive(row, frame_rate=FPS, offset=0.1)
    np.testing.assert_array_equal(found.frames, peaks)
    np.testing.assert_allclose(found.strengths, row[peaks])
    assert found.threshold is not None and found.threshold.shape == row.shape


def test_adaptive_threshold_is_median_plus_offset():
    row = np.full(100, 0.2)
    row[50] = 1.0
    thr = adaptive_threshold(row, frame_rate=FPS, offset=0.15)
    np.testing.assert_allclose(thr[10], (0.2 + 0.15) * 1.0)
    assert np.all(np.isinf(adaptive_threshold(np.zeros(10), frame_rate=FPS, offset=0.1)))


def test_adaptive_rejects_small_bumps():
    row = _row([50, 150], [1.0, 0.05])
    found = pick_adaptive(row, frame_rate=FPS, offset=0.1)
    np.testing.assert_array_equal(found.frames, [50])


def test_min_interval_suppresses_doubles():
    row = _row([100, 102], [1.0, 0.9], width=0.6)
    assert pick_adaptive(row, frame_rate=FPS, offset=0.05, min_interval=0.05).frames.size == 1


def test_top_k_keeps_strongest_in_time_order():
    row = _row([20, 60, 100, 140], [0.2, 1.0, 0.4, 0.9])
    found = pick_top_k(row, 2, frame_rate=FPS)
    np.testing.assert_array_equal(found.frames, [60, 140])
    assert pick_top_k(row, 10, frame_rate=FPS).frames.size == 4
    assert pick_top_k(row, 0, frame_rate=FPS).frames.size == 0


def test_peak_at_edges():
    row = np.zeros(50)
    row[0] = 1.0
    row[-1] = 0.8
    np.testing.assert_array_equal(pick_top_k(row, 2, frame_rate=FPS).frames, [0, 49])


def test_does_not_mutate():
    row = _row([20, 60], [1.0, 0.5])
    before = row.copy()
    pick_adaptive(row, frame_rate=FPS, offset=0.1)
    pick_top_k(row, 1, frame_rate=FPS)
    np.testing.assert_array_equal(row, before)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: pick_top_k(np.zeros((2, 2)), 1, frame_rate=FPS), "1-D"),
        (lambda: pick_top_k(np.array([np.nan]), 1, frame_rate=FPS), "NaN"),
        (lambda: pick_top_k(np.zeros(5), -1, frame_rate=FPS), "k must be"),
        (lambda: pick_adaptive(np.zeros(5), frame_rate=FPS, offset=0.1, window=-1), "window"),
    ],
)
def test_errors(call, match):
    with pytest.raises(DrumnmfError, match=match):
        call()


def test_rise_timing_moves_to_steepest_rise():
    from drumnmf.onsets import rise_frames

    row = np.array([0, 0, 0.1, 0.8, 0.9, 1.2, 1.5, 1.4, 0.5, 0.2, 0.7, 1.0, 0.3])
    np.testing.assert_array_equal(rise_frames(row, np.array([6, 11])), [3, 10])
    found = pick_top_k(row, 2, frame_rate=FPS, min_interval=0.01, timing="rise")
    np.testing.assert_array_equal(found.frames, [3, 10])
    np.testing.assert_allclose(found.strengths, [1.5, 1.0])
    with pytest.raises(DrumnmfError, match="unknown onset timing"):
        pick_top_k(row, 2, frame_rate=FPS, timing="late")


def test_band_share_is_fraction_explained_in_own_bands():
    # two drums on disjoint rows; drum 0 explains half of its rows' energy, drum 1 all
    W = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    H = np.array([[1.0, 0.0], [0.0, 1.0]])
    V = np.array([[2.0, 0.0], [2.0, 0.0], [5.0, 2.0]])
    share = band_share(V, W, H, (0, 1), 2)
    np.testing.assert_allclose(share[0], [0.5, 0.0])
    np.testing.assert_allclose(share[1], [0.0, 1.0])


def test_band_share_sums_a_drums_templates_and_handles_silence():
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    H = np.array([[1.0, 0.0], [1.0, 0.0]])
    V = np.array([[1.0, 0.0], [1.0, 0.0]])
    share = band_share(V, W, H, (0, 0), 1)
    np.testing.assert_allclose(share, [[1.0, 0.0]])  # silent frame -> 0, not NaN


def test_gate_drops_only_low_share_onsets():
    row = np.zeros(40)
    row[[5, 20, 35]] = [1.0, 0.8, 0.9]
    picked = pick_adaptive(row, frame_rate=86.0, offset=0.1)
    share = np.zeros(40)
    share[[6, 37]] = 0.5  # near onsets 5 and 35 (within 1 before .. 3 after)
    share[20] = 0.1
    gated = gate_onsets(picked, share, 0.2)
    np.testing.assert_array_equal(gated.frames, [5, 35])
    np.testing.assert_array_equal(gated.strengths, [1.0, 0.9])
    assert gate_onsets(picked, share, 0.0) is picked
    with pytest.raises(DrumnmfError, match="share minimum must be"):
        gate_onsets(picked, share, -0.1)


def test_band_share_shape_errors():
    with pytest.raises(DrumnmfError, match="band_share needs"):
        band_share(np.ones((3, 4)), np.ones((2, 1)), np.ones((1, 4)), (0,), 1)


def test_gate_relative_minimum_protects_a_poorly_fitting_drum():
    row = np.zeros(40)
    row[[5, 20, 35]] = 1.0
    picked = pick_adaptive(row, frame_rate=86.0, offset=0.1)
    share = np.zeros(40)
    share[[5, 20, 35]] = [0.12, 0.1, 0.04]  # every hit fits poorly
    assert gate_onsets(picked, share, 0.3).frames.size == 0
    kept = gate_onsets(picked, share, 0.3, relative=0.5)  # minimum -> 0.5 * ~0.116
    np.testing.assert_array_equal(kept.frames, [5, 20])
    with pytest.raises(DrumnmfError, match="relative must be"):
        gate_onsets(picked, share, 0.3, relative=-1.0)


def _onsets(*frames):
    f = np.asarray(frames, dtype=np.int64)
    return Onsets(frames=f, strengths=np.ones(f.size))


def test_explained_energy_sums_a_drums_templates():
    W = np.array([[1.0, 0.0, 2.0], [1.0, 1.0, 0.0]])
    H = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    energy, profiles = explained_energy(W, H, (0, 0, 1), 3)
    np.testing.assert_allclose(energy, [[2.0, 2.0], [2.0, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(np.linalg.norm(profiles[:2], axis=1), 1.0)
    np.testing.assert_array_equal(profiles[2], 0.0)


def test_crosstalk_drops_weak_coinciding_onset_of_a_similar_drum_only():
    n = 50
    energy = np.zeros((3, n))
    energy[0, [10, 30]] = 10.0  # snare, strong
    energy[1, [11, 30]] = [1.0, 8.0]  # tom: cross-talk at 11, a real hit at 30
    energy[2, 10] = 0.1  # kick: weak but spectrally different from the snare
    profiles = np.array([[1.0, 0.0], [0.8, 0.1], [0.0, 1.0]])
    profiles /= np.linalg.norm(profiles, axis=1, keepdims=True)
    picked = [_onsets(10, 30), _onsets(11, 30), _onsets(10)]
    out = suppress_crosstalk(picked, energy, profiles, ratio=0.5, similarity=0.5)
    np.testing.assert_array_equal(out[0].frames, [10, 30])
    np.testing.assert_array_equal(out[1].frames, [30])
    np.testing.assert_array_equal(out[2].frames, [10])
    # far apart in time: no competition
    far = suppress_crosstalk(
        [_onsets(10), _onsets(20), _onsets()], energy, profiles, ratio=0.5, similarity=0.5
    )
    np.testing.assert_array_equal(far[1].frames, [20])
    same = suppress_crosstalk(picked, energy, profiles, ratio=0.0)
    assert all(a is b for a, b in zip(same, picked, strict=True))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ratio": -1.0}, "cross-talk ratio"),
        ({"ratio": 0.5, "similarity": 2.0}, "similarity"),
    ],
)
def test_crosstalk_errors(kwargs, match):
    with pytest.raises(DrumnmfError, match=match):
        suppress_crosstalk([_onsets(1)], np.ones((1, 5)), np.ones((1, 2)), **kwargs)
    with pytest.raises(DrumnmfError, match="one Onsets"):
        suppress_crosstalk([_onsets(1)], np.ones((2, 5)), np.ones((2, 2)), ratio=0.5)
