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


# ------------------------------------------------- references and edges, frame by frame


def reference_threshold(row, frame_rate, offset, window):
    """Median of the max-normalized row over an odd centred window (edges repeated)."""
    size = max(1, round(window * frame_rate))
    size += 1 - size % 2
    half = size // 2
    normalized = row / row.max()
    padded = np.pad(normalized, half, mode="edge")
    medians = np.array([np.median(padded[t : t + size]) for t in range(row.size)])
    return (medians + offset) * row.max()


@pytest.mark.parametrize("window", [0.1, 0.093, 0.5, 0.001, 0.0])  # 9, 8 -> 9, 43, 1 and 1 frames
def test_adaptive_threshold_matches_plain_reference(window):
    rng = np.random.default_rng(4)
    row = _row(rng.integers(5, 395, 25), rng.uniform(0.2, 1.0, 25)) + 0.05 * rng.random(400)
    row[:3] = [0.9, 0.1, 0.0]  # edges matter
    got = adaptive_threshold(row, frame_rate=FPS, offset=0.1, window=window)
    np.testing.assert_allclose(got, reference_threshold(row, FPS, 0.1, window), rtol=1e-12)


def test_adaptive_defaults_are_a_tenth_of_a_second_and_fifty_ms():
    rng = np.random.default_rng(5)
    row = _row(np.arange(10, 390, 6), rng.uniform(0.3, 1.0, 64)) + 0.2
    want = reference_threshold(row, FPS, 0.05, 0.1)
    np.testing.assert_allclose(adaptive_threshold(row, frame_rate=FPS, offset=0.05), want)
    found = pick_adaptive(row, frame_rate=FPS, offset=0.05)
    np.testing.assert_allclose(found.threshold, want)
    explicit = pick_adaptive(row, frame_rate=FPS, offset=0.05, window=0.1, min_interval=0.05)
    np.testing.assert_array_equal(found.frames, explicit.frames)


def test_peak_exactly_at_the_threshold_is_not_an_onset():
    row = np.full(200, 0.5)
    row[50] = 1.0
    row[120] = 0.6  # = (median 0.5 + offset 0.1) * max 1.0
    np.testing.assert_array_equal(pick_adaptive(row, frame_rate=FPS, offset=0.1).frames, [50])


def test_empty_zero_and_integer_rows():
    assert adaptive_threshold(np.zeros(0), frame_rate=FPS, offset=0.1).shape == (0,)
    assert pick_top_k(np.zeros(10), 3, frame_rate=FPS).frames.size == 0  # no activation, no hit
    found = pick_top_k(np.array([0, 3, 0, 5, 0]), 2, frame_rate=FPS, min_interval=0.0)
    np.testing.assert_array_equal(found.frames, [1, 3])
    assert found.frames.dtype == np.int64 and found.strengths.dtype == np.float64
    np.testing.assert_array_equal(found.strengths, [3.0, 5.0])


def test_top_k_respects_min_interval_and_breaks_ties_by_time():
    row = _row([100, 103], [1.0, 0.9], width=0.6)
    assert pick_top_k(row, 2, frame_rate=FPS, min_interval=0.05).frames.size == 1
    rng = np.random.default_rng(0)
    frames = 5 + 10 * np.arange(40)
    heights = np.round(rng.uniform(0.1, 1.0, 40), 1)  # many ties
    row = np.zeros(410)
    row[frames] = heights
    want = sorted(sorted(range(40), key=lambda i: (-heights[i], i))[:13])
    found = pick_top_k(row, 13, frame_rate=FPS, min_interval=0.0)
    np.testing.assert_array_equal(found.frames, frames[want])
    assert found.frames.dtype == np.int64


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: pick_top_k(np.array([np.inf]), 1, frame_rate=FPS),
            "the activation row contains NaN or inf values",
        ),
        (
            lambda: adaptive_threshold(np.ones(5), frame_rate=FPS, offset=0.1, window=-1.0),
            "window must be a nonnegative number of seconds, got -1.0",
        ),
        (
            lambda: pick_adaptive(np.ones(5), frame_rate=FPS, offset=0.1, min_interval=-1.0),
            "min_interval must be a nonnegative number of seconds, got -1.0",
        ),
        (
            lambda: pick_top_k(np.ones(5), 1, frame_rate=FPS, min_interval=np.nan),
            "min_interval must be a nonnegative number of seconds, got nan",
        ),
    ],
)
def test_messages(call, message):
    with pytest.raises(DrumnmfError) as info:
        call()
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("row", "peaks", "rises"),
    [
        ([1.0, 0.2, 0.1], [0], [0]),  # a peak at the first frame stays
        ([0.0, 1.0, 0.2, 0.0], [1], [1]),
        ([0.0, 0.5, 1.0, 0.2, 0.0], [2], [1]),  # near the start: the trough is frame 0
        ([0.0, 0.8, 0.9, 1.0, 0.5], [3], [1]),
        ([0.1, 0.1, 0.1, 0.5, 0.9, 1.0, 0.0, 0.0], [5], [3]),  # the drop after is not the trough
        # the trough lies inside the 6 frames, after a higher frame
        ([0, 0, 0, 0, 0.3, 0.9, 0.0, 0.2, 0.4, 0.6, 1.0, 0.1], [10], [10]),
        # at most 6 frames back: the big step 10 frames before the peak is not the rise
        ([0] * 10 + [0.5 + 0.05 * k for k in range(11)] + [0.0], [20], [15]),
        # never back across the previous peak
        ([0, 0, 0, 0, 0.0, 1.0, 0.3, 0.8, 0.9, 0.1], [5, 8], [5, 7]),
    ],
)
def test_rise_frames_by_hand(row, peaks, rises):
    from drumnmf.onsets import rise_frames

    got = rise_frames(np.array(row, dtype=float), np.array(peaks))
    np.testing.assert_array_equal(got, rises)
    assert got.dtype == np.int64


def test_top_k_counts():
    from drumnmf.onsets import top_k_counts

    assert top_k_counts({"kick": np.array([0.5, 1.0]), "snare": [], "hihat": [0.1]}) == {
        "kick": 2,
        "snare": 0,
        "hihat": 1,
    }


def test_band_share_edges():
    # drum 0 has no template, drum 1 an all-zero one, drum 2 a real one on a quiet signal
    W = np.array([[0, 1], [0, 1], [0, 0]])  # integers
    H = np.array([[1.0, 1.0], [0.1, 0.2]])
    V = np.array([[0.2, 0.4], [0.2, 0.4], [0.3, 0.3]])  # total band energy below 1
    share = band_share(V, W, H, (1, 2), 3)
    np.testing.assert_array_equal(share[:2], 0.0)
    np.testing.assert_allclose(share[2], [0.5, 0.5])  # (0.1 + 0.1) / (0.2 + 0.2), ...
    for shapes in (
        (np.ones((3, 2)), np.ones((2, 2)), np.ones((2, 2)), (0, 1)),  # rows differ
        (np.ones((3, 2)), np.ones((3, 2)), np.ones((2, 3)), (0, 1)),  # frames differ
        (np.ones((3, 2)), np.ones((3, 2)), np.ones((2, 2)), (0,)),  # owners
    ):
        with pytest.raises(DrumnmfError, match="^band_share needs V"):
            band_share(*shapes, 2)


def test_gate_edges():
    row = np.zeros(30)
    single = Onsets(frames=np.array([0]), strengths=np.array([1.0]), threshold=row)
    share = np.zeros(30)
    assert gate_onsets(single, share, 0.2).frames.size == 0  # one onset is gated too
    share[0] = 0.5
    kept = gate_onsets(single, share, 0.2)
    np.testing.assert_array_equal(kept.frames, [0])  # share at frame 0 counts
    assert kept.threshold is row
    picked = Onsets(frames=np.array([10, 20]), strengths=np.array([1.0, 2.0]), threshold=row)
    share = np.zeros(30)
    share[[13, 24]] = 0.2  # 3 frames after onset 10 (in), 4 after onset 20 (out)
    gated = gate_onsets(picked, share, 0.2)  # exactly the minimum: kept
    np.testing.assert_array_equal(gated.frames, [10])
    np.testing.assert_array_equal(gated.strengths, [1.0])


def test_gate_relative_minimum_uses_the_90th_percentile():
    frames = np.arange(5, 60, 5)  # 11 onsets
    near = np.array([0.2, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.4])
    share = np.zeros(70)
    share[frames] = near
    picked = Onsets(frames=frames, strengths=np.ones(11))
    minimum = 0.5 * np.percentile(near, 90)  # 0.55; the 91st percentile gives 0.565
    assert 0.55 < 0.56 < 0.5 * np.percentile(near, 91)
    share[frames[4]] = 0.56  # between the two
    near[4] = 0.56
    minimum = 0.5 * np.percentile(near, 90)
    kept = gate_onsets(picked, share, 0.9, relative=0.5)
    np.testing.assert_array_equal(kept.frames, frames[near >= minimum])
    assert frames[4] in kept.frames


def test_explained_energy_edges():
    W = np.array([[0.0, 0.1], [0.0, 0.1]])  # drum 1 all zero; drum 2 small (norm < 1)
    H = np.array([[1.0, 2.0], [3.0, 4.0]])
    energy, profiles = explained_energy(W, H, (1, 2), 3)
    np.testing.assert_array_equal(energy[:2], 0.0)
    np.testing.assert_allclose(energy[2], [0.6, 0.8])
    np.testing.assert_array_equal(profiles[:2], 0.0)  # no NaN from a zero profile
    np.testing.assert_allclose(profiles[2], [2**-0.5, 2**-0.5])
    for shapes in ((W, np.ones((3, 2)), (1, 2)), (W, H, (1,))):
        with pytest.raises(DrumnmfError) as info:
            explained_energy(*shapes, 3)
        assert str(info.value).startswith(
            "need W (rows x templates), H (templates x frames) and one owner per template; got"
        )


def test_crosstalk_windows_and_equalities():
    profiles = np.array([[1.0, 0.0], [1.0, 0.0]])  # identical: cosine exactly 1
    threshold = np.zeros(40)

    def run(energy, mine, rival, similarity=1.0):
        picked = [
            Onsets(frames=np.array(mine), strengths=np.full(len(mine), 7.0), threshold=threshold),
            Onsets(frames=np.array(rival), strengths=np.ones(len(rival))),
        ]
        return suppress_crosstalk(picked, energy, profiles, ratio=0.5, similarity=similarity)

    energy = np.zeros((2, 40))
    energy[0, 0] = 0.2  # small energies: below 1
    energy[1, 0] = 0.3
    out = run(energy, [0], [2])  # 2 frames apart: coincide; 0.5 * 0.3 < 0.2: kept
    np.testing.assert_array_equal(out[0].frames, [0])
    assert out[0].threshold is threshold
    np.testing.assert_array_equal(out[0].strengths, [7.0])
    energy[1, 0] = 0.5  # 0.5 * 0.5 > 0.2: dropped
    assert run(energy, [0], [2])[0].frames.size == 0
    energy[1, 0] = 0.4  # 0.5 * 0.4 == 0.2: kept (more than, not as much)
    assert run(energy, [0], [2])[0].frames.size == 1
    energy = np.zeros((2, 40))
    energy[0, 10] = 1.0
    energy[1, 13] = 5.0  # 3 frames after the onset: inside the window
    assert run(energy, [10], [11])[0].frames.size == 0
    energy[1, 13], energy[1, 14] = 0.0, 5.0  # 4 frames after: outside
    assert run(energy, [10], [11])[0].frames.size == 1
    energy[1, 14], energy[1, 9] = 0.0, 5.0  # 1 frame before: inside
    assert run(energy, [10], [11])[0].frames.size == 0
    assert run(energy, [10], [13])[0].frames.size == 1  # 3 frames apart: no coincidence
    assert run(energy, [10], [11], similarity=0.0)[0].frames.size == 0


def test_crosstalk_shape_message():
    with pytest.raises(DrumnmfError) as info:
        suppress_crosstalk([_onsets(1)], np.ones((2, 5)), np.ones((3, 2)), ratio=0.5)
    assert str(info.value) == "need one Onsets, energy row and profile per drum; got 1, 2, 3"
