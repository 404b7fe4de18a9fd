import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.spectrogram import (
    SpectrogramSettings,
    frames_to_seconds,
    magnitude_spectrogram,
    seconds_to_frames,
)


def test_shape_and_dtype():
    s = SpectrogramSettings()
    V = magnitude_spectrogram(np.zeros(44100, dtype=np.float32), s)
    assert V.shape == (1025, 1 + 44100 // 512)
    assert V.dtype == np.float32
    assert magnitude_spectrogram(np.ones(1000), s, dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("t", [0.0, 0.1234, 0.5, 1.0, 1.7777])
@pytest.mark.parametrize("hop", [256, 512])
def test_click_reported_within_one_hop(t, hop):
    s = SpectrogramSettings(hop_length=hop)
    x = np.zeros(2 * s.sample_rate, dtype=np.float32)
    x[round(t * s.sample_rate)] = 1.0
    V = magnitude_spectrogram(x, s)
    frame = int(np.argmax(V.sum(axis=0)))
    assert abs(float(frames_to_seconds(frame, s)) - t) <= hop / s.sample_rate / 2 + 1e-9


def test_matches_scipy_stft():
    import scipy.signal

    rng = np.random.default_rng(0)
    x = rng.standard_normal(10000)
    s = SpectrogramSettings()
    V = magnitude_spectrogram(x, s, dtype=np.float64)
    window = scipy.signal.get_window("hann", 2048)
    sft = scipy.signal.ShortTimeFFT(window, hop=512, fs=44100, mfft=2048)
    ref = np.abs(sft.stft(x, p0=0, p1=V.shape[1]))
    np.testing.assert_allclose(V, ref, rtol=1e-9, atol=1e-9)


def test_input_not_mutated():
    x = np.arange(5000, dtype=np.float32) / 5000
    before = x.copy()
    magnitude_spectrogram(x)
    np.testing.assert_array_equal(x, before)


def test_frame_conversions_roundtrip():
    s = SpectrogramSettings()
    frames = np.arange(100)
    np.testing.assert_array_equal(seconds_to_frames(frames_to_seconds(frames, s), s), frames)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_fft": 0}, "n_fft must be a positive integer"),
        ({"hop_length": -1}, "hop_length must be a positive integer"),
        (
            {"hop_length": 4096},
            "^hop_length=4096 is larger than n_fft=2048: samples between frames would be "
            "skipped; use hop_length <= n_fft$",
        ),
        ({"window": "nope"}, "unknown window"),
        ({"sample_rate": 44100.5}, "sample_rate must be a positive integer"),
    ],
)
def test_settings_validation(kwargs, match):
    with pytest.raises(DrumnmfError, match=match):
        SpectrogramSettings(**kwargs)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.zeros((10, 2)), "mono"),
        (np.zeros(0), "^samples is empty; give at least one sample of audio$"),
        (
            np.array([0.0, np.nan]),
            "^samples contain NaN or infinite values; clean the audio first$",
        ),
    ],
)
def test_bad_samples(x, match):
    with pytest.raises(DrumnmfError, match=match):
        magnitude_spectrogram(x)


def test_settings_dict_roundtrip():
    s = SpectrogramSettings(sample_rate=22050, n_fft=1024, hop_length=256)
    assert SpectrogramSettings.from_dict(s.to_dict()) == s
    with pytest.raises(DrumnmfError, match="invalid spectrogram settings"):
        SpectrogramSettings.from_dict({"sample_rate": 1})


def test_smallest_valid_settings_are_accepted():
    assert SpectrogramSettings(n_fft=512, hop_length=512).hop_length == 512  # hop = window
    tiny = SpectrogramSettings(sample_rate=1, n_fft=1, hop_length=1)
    assert tiny.n_bins == 1 and tiny.frame_seconds == 1.0


def test_bin_frequencies_step_by_rate_over_window():
    s = SpectrogramSettings(sample_rate=22050, n_fft=1024, hop_length=256)
    freqs = s.bin_frequencies()
    assert freqs.shape == (513,)
    np.testing.assert_allclose(freqs, np.arange(513) * 22050 / 1024)


def test_settings_dict_roundtrip_keeps_the_window():
    s = SpectrogramSettings(window="hamming")
    assert SpectrogramSettings.from_dict(s.to_dict()).window == "hamming"


def _reference(x, n_fft, hop, window):
    """Centred frames, zero padding, |rfft| frame by frame: the module docstring's rule."""
    padded = np.concatenate([np.zeros(n_fft // 2), x, np.zeros(n_fft)])
    n_frames = 1 + x.size // hop
    frames = [padded[t * hop : t * hop + n_fft] * window for t in range(n_frames)]
    return np.abs(np.fft.rfft(np.array(frames), axis=1)).T


def test_long_signal_matches_frame_by_frame_reference():
    # more than two blocks of 512 frames, the last one partial
    x = np.random.default_rng(1).standard_normal(512 * 1300 + 77)
    V = magnitude_spectrogram(x, dtype=np.float64)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(2048) / 2048)
    np.testing.assert_allclose(V, _reference(x, 2048, 512, hann), rtol=1e-9, atol=1e-9)


def test_other_windows_come_from_scipy():
    import scipy.signal

    x = np.random.default_rng(2).standard_normal(6000)
    s = SpectrogramSettings(n_fft=1024, hop_length=256, window="hamming")
    V = magnitude_spectrogram(x, s, dtype=np.float64)
    window = scipy.signal.get_window("hamming", 1024)  # periodic, as for the FFT
    np.testing.assert_allclose(V, _reference(x, 1024, 256, window), rtol=1e-9, atol=1e-9)


def test_frame_conversions_types():
    s = SpectrogramSettings()
    frames = seconds_to_frames(np.array([0.0, 0.0116, 1.0]), s)
    assert frames.dtype == np.int64
    np.testing.assert_array_equal(frames, [0, 1, 86])
    assert seconds_to_frames(1.0, s) == 86
    np.testing.assert_allclose(frames_to_seconds(np.array([0, 86]), s), [0.0, 86 * 512 / 44100])


def test_frame_conversions_compute_in_float64():
    s = SpectrogramSettings()
    # float32 times of a long recording: float32 division would round ~4% of them wrongly
    seconds = np.linspace(0, 20000, 100001, dtype=np.float32)
    expected = np.rint(seconds.astype(np.float64) / (512 / 44100))
    np.testing.assert_array_equal(seconds_to_frames(seconds, s), expected)
    times = frames_to_seconds(np.arange(5, dtype=np.float32), s)
    assert times.dtype == np.float64
