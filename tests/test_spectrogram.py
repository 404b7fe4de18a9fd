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
        ({"hop_length": 4096}, "larger than n_fft"),
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
        (np.zeros(0), "empty"),
        (np.array([0.0, np.nan]), "NaN"),
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
