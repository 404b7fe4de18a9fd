import numpy as np
import pytest

from drumnmf.detection import crosstalk_context, db_threshold, pick_db_peaks, to_db
from drumnmf.errors import DrumnmfError
from drumnmf.onsets import pick_adaptive
from drumnmf.silence import confidence, kit_floor, rise_gate

RATE = 44100 / 512


def _row(peaks, n=400, decay=0.7, floor=0.0):
    row = np.full(n, floor)
    for frame, height in peaks:
        row[frame:] += height * decay ** np.arange(n - frame)
    return row


def test_rise_gate_keeps_a_hit_and_drops_a_swell():
    row = _row([(50, 1.0)])
    swell = np.concatenate([np.linspace(0.5, 1.0, 30), np.linspace(1.0, 0.5, 30)])
    row[200:260] += swell
    peaks = np.array([50, 229])
    np.testing.assert_array_equal(rise_gate(row, peaks, 3.0), [True, False])
    np.testing.assert_array_equal(rise_gate(row, peaks, 0.0), [True, True])
    assert rise_gate(row, np.array([0]), 3.0).tolist() == [True]  # nothing before it


def test_kit_floor_drops_what_lies_under_it():
    strengths = np.array([2.0, 0.2, 0.05, 0.01])
    # level 2, floor 30 dB: the smallest kept strength is 2 / 31.6 = 0.063
    np.testing.assert_array_equal(kit_floor(strengths, 2.0, 30.0), [True, True, False, False])
    assert kit_floor(strengths, 2.0, 0.0).all()
    with pytest.raises(DrumnmfError, match="floor_db"):
        kit_floor(strengths, 2.0, -1.0)


def test_confidence_in_unit_interval_and_monotone_in_strength():
    strengths = np.geomspace(1e-4, 10.0, 200)
    for floor in (0.0, 20.0, 30.0):
        c = confidence(strengths, 2.0, floor)
        assert np.all((c >= 0) & (c <= 1))
        assert np.all(np.diff(c) >= 0)
    assert confidence(np.array([2.0]), 2.0, 30.0)[0] == 1.0
    assert confidence(np.array([2.0 / 10**1.5]), 2.0, 30.0)[0] == pytest.approx(0.0, abs=1e-9)


def test_db_picker_hears_a_ghost_note_the_paper_misses():
    # a loud hit and a ghost note 25 dB down, on a quiet background
    ghost = 10 ** (-25 / 20)
    row = _row([(40, 1.0), (200, ghost)], floor=1e-4)
    peaks, _ = pick_db_peaks(row, reference=float(row.max()), frame_rate=RATE)
    assert peaks.tolist() == [40, 200]
    paper = pick_adaptive(row, frame_rate=RATE, offset=0.1)
    assert paper.frames.tolist() == [40]
    # ... and the range stops it when asked
    peaks, _ = pick_db_peaks(row, reference=float(row.max()), frame_rate=RATE, range_db=20)
    assert peaks.tolist() == [40]


def test_db_threshold_is_measured_before_the_hit():
    # a long decay does not raise the threshold of its own peak
    row = _row([(100, 1.0)], decay=0.97, floor=1e-3)
    threshold = db_threshold(row, reference=1.0, window_frames=9, delta_db=6.0, range_db=80.0)
    assert row[100] > threshold[100]
    assert threshold[100] == pytest.approx(1e-3 * 10 ** (6 / 20), rel=1e-6)
    # never deeper than range_db under the reference
    threshold = db_threshold(row, reference=1.0, window_frames=9, delta_db=6.0, range_db=40.0)
    assert threshold[100] == pytest.approx(0.01)
    np.testing.assert_allclose(to_db(np.array([1.0, 0.1]), 1.0), [0.0, -20.0])


def test_crosstalk_context_ignores_leakage_back_from_the_row_itself():
    # row 0 (a kick) leaks 0.1 into row 1; row 1 leaks 0.5 into row 0
    leakage = np.array([[1.0, 0.1], [0.5, 1.0]])
    kick_only = np.array([[2.0], [0.2]])  # row 1 is the kick's leakage
    both = np.array([[2.0], [1.5]])  # row 1 plays too; row 0's 2.0 is partly row 1's leak
    c = crosstalk_context(kick_only, leakage)
    assert c[1, 0] == pytest.approx(0.1 * (2.0 - 0.5 * 0.2))  # about all of row 1
    c = crosstalk_context(both, leakage)
    assert c[1, 0] == pytest.approx(0.1 * (2.0 - 0.5 * 1.5))
    assert c[0, 0] == pytest.approx(0.5 * max(0.0, 1.5 - 0.1 * 2.0))


def test_kit_floor_follows_a_softer_recording_by_at_most_follow_db():
    level = 2.0
    # a song 10 dB softer than the calibration hit: its loudest peak is 0.632
    soft = 0.632 * 10.0 ** (-np.array([0.0, 10.0, 19.0, 23.0]) / 20.0)
    # calibration level only: floor at 2 / 5.62 = 0.356 drops all but the loudest
    np.testing.assert_array_equal(kit_floor(soft, level, 15.0), [True, False, False, False])
    # following by up to 6 dB: level 1.0, floor 0.178
    np.testing.assert_array_equal(kit_floor(soft, level, 15.0, 6.0), [True, True, False, False])
    # following by up to 12 dB: level 0.632 (the song's own), floor 0.112
    np.testing.assert_array_equal(kit_floor(soft, level, 15.0, 12.0), [True, True, False, False])
    np.testing.assert_array_equal(kit_floor(soft, level, 15.0, 20.0), [True, True, False, False])
    # a recording louder than the calibration keeps the calibration level
    loud = np.array([4.0, 0.3])
    np.testing.assert_array_equal(kit_floor(loud, level, 15.0, 6.0), kit_floor(loud, level, 15.0))
    with pytest.raises(DrumnmfError, match="follow_db"):
        kit_floor(soft, level, 15.0, -1.0)
