"""Log-frequency filterbank, percussive enhancement, and their use in the pipeline."""

from dataclasses import replace

import numpy as np
import pytest

import drumnmf
from drumnmf.errors import DrumnmfError
from drumnmf.features import log_filterbank, percussive_mask, percussive_spectrogram
from drumnmf.pipeline import TranscribeConfig, spectrogram_features, transcribe
from drumnmf.spectrogram import SpectrogramSettings, magnitude_spectrogram

from synth import SR, groove, place, write_hits


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ----------------------------------------------------------------------------- filterbank


@pytest.mark.parametrize("bands_per_octave", [3, 6, 12, 24])
@pytest.mark.parametrize("n_fft", [1024, 2048, 4096])
def test_filterbank_shape_and_nonnegative(bands_per_octave, n_fft):
    settings = SpectrogramSettings(n_fft=n_fft)
    filters = log_filterbank(settings, bands_per_octave=bands_per_octave)
    assert filters.shape[1] == settings.n_bins
    assert np.all(filters >= 0)
    assert np.all(filters.max(axis=1) == 1.0)  # every band has its centre bin
    centres = filters.argmax(axis=1)
    assert np.all(np.diff(centres) > 0)  # distinct, increasing bands
    # far fewer rows than bins (octaves x density at most)
    assert filters.shape[0] <= bands_per_octave * np.log2(16000 / 30) + 1


def test_filterbank_preserves_energy_order(rng):
    filters = log_filterbank()
    quiet = rng.random((1025, 20))
    loud = quiet + rng.random((1025, 20))  # louder in every bin
    assert np.all(filters @ loud >= filters @ quiet)
    assert np.all((filters @ quiet).sum(axis=0) > 0)


@pytest.mark.parametrize("frequency", [100.0, 440.0, 1000.0, 5000.0, 12000.0])
def test_filterbank_tone_lands_in_its_band(frequency):
    settings = SpectrogramSettings()
    t = np.arange(SR) / SR
    V = magnitude_spectrogram(np.sin(2 * np.pi * frequency * t).astype(np.float32), settings)
    filters = log_filterbank(settings)
    band = int(np.argmax((filters @ V).mean(axis=1)))
    centre = filters[band].argmax() * SR / settings.n_fft
    assert abs(np.log2(centre / frequency)) < 2 / 12  # within two semitones


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bands_per_octave": 0}, "bands_per_octave must be >= 1"),
        ({"bands_per_octave": 1.5}, "must be an integer"),
        ({"fmin": 0.0}, "0 < fmin < fmax"),
        ({"fmin": 2000.0, "fmax": 1000.0}, "0 < fmin < fmax"),
        ({"fmin": 20000.0, "fmax": 21000.0, "bands_per_octave": 1}, "distinct bins"),
    ],
)
def test_filterbank_validation(kwargs, match):
    with pytest.raises(DrumnmfError, match=match):
        log_filterbank(**kwargs)


# ----------------------------------------------------------------------------- percussive mask


def _tone_and_clicks():
    V = np.full((40, 200), 0.01, dtype=np.float32)
    V[10, :] = 5.0  # a steady tone in one row
    V[:, [50, 120]] += 3.0  # two broadband clicks
    return V


def test_mask_separates_tone_from_clicks():
    V = _tone_and_clicks()
    mask = percussive_mask(V, time_frames=17, freq_bands=7)
    assert np.all((mask >= 0) & (mask <= 1))
    assert mask[10, 80] < 0.01  # the tone, away from the clicks
    assert np.all(mask[20:, 50] > 0.99) and np.all(mask[20:, 120] > 0.99)


def test_mask_is_scale_invariant():
    V = _tone_and_clicks()
    np.testing.assert_allclose(percussive_mask(V), percussive_mask(1000.0 * V), rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_percussive_spectrogram_is_bounded_and_pure(dtype, rng):
    V = rng.random((30, 100)).astype(dtype)
    before = V.copy()
    P = percussive_spectrogram(V)
    assert P.dtype == dtype and P.shape == V.shape
    assert np.all(P >= 0) and np.all(P <= V)
    np.testing.assert_array_equal(V, before)


def test_mask_of_silence_is_defined():
    mask = percussive_mask(np.zeros((5, 9)))
    assert np.all(mask == 0.5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time_frames": 0}, "time_frames"),
        ({"freq_bands": 2.5}, "freq_bands"),
        ({"power": 0.0}, "power"),
    ],
)
def test_mask_validation(kwargs, match):
    with pytest.raises(DrumnmfError, match=match):
        percussive_mask(np.ones((4, 4)), **kwargs)


@pytest.mark.parametrize("bad", [np.ones(5), -np.ones((3, 3)), np.full((2, 2), np.nan)])
def test_mask_rejects_bad_spectrograms(bad):
    with pytest.raises(DrumnmfError, match="spectrogram"):
        percussive_mask(bad)


# ----------------------------------------------------------------------------- pipeline


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    return drumnmf.calibrate(write_hits(tmp_path_factory.mktemp("hits")))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bands_per_octave": -1}, "bands_per_octave"),
        ({"percussive_frames": -2}, "percussive_frames"),
        ({"percussive_bands": 0}, "percussive_bands"),
        ({"fmin": 500.0, "fmax": 100.0}, "fmin < fmax"),
    ],
)
def test_config_validation(kwargs, match):
    with pytest.raises(DrumnmfError, match=match):
        TranscribeConfig(**kwargs)


def test_paper_config_uses_linear_bins():
    paper = TranscribeConfig.paper()
    assert paper.bands_per_octave == 0 and paper.percussive_frames == 0
    assert paper.onset_timing == "peak" and paper.harmonic_rank == 50


def test_features_follow_config(kit, rng):
    V = rng.random((1025, 50)).astype(np.float32)
    settings = kit.settings
    same, templates = spectrogram_features(V, kit.templates, TranscribeConfig.paper(), settings)
    assert same is None and templates is kit.templates
    banded, band_templates = spectrogram_features(V, kit.templates, TranscribeConfig(), settings)
    assert banded is not None and banded.shape[1] == 50 and banded.dtype == np.float32
    assert band_templates.shape == (banded.shape[0], kit.templates.shape[1])
    assert banded.shape[0] < 200


# The feature paths on a synthetic groove, picked by the dB picker: the learned picker's
# classifier, trained on sample kits, misses some of this synthetic kit's noise-burst snares
# on linear or 24-band rows (docs/learned.md, limits); tests/test_learned.py covers it.
DB = TranscribeConfig(picker="db")


@pytest.mark.parametrize(
    "config",
    [
        TranscribeConfig(),
        replace(DB, percussive_frames=0),
        # On linear-frequency rows the synthetic snare's cross-talk peaks lie 14.5 dB under
        # its hits, which are 3 dB under the calibration level: a floor that follows the
        # recording down lets them through, so this case keeps the calibration level.
        replace(DB, bands_per_octave=0, floor_follow_db=0.0),
        replace(DB, bands_per_octave=24),
    ],
)
def test_default_pipeline_transcribes_groove(kit, config):
    import mir_eval

    events = groove(6.0)
    result = transcribe(place(events, 6.0), kit=kit, sample_rate=SR, config=config)
    assert result.spectrogram.shape[0] == kit.settings.n_bins  # linear STFT kept for display
    assert result.factorized.shape[1] == result.spectrogram.shape[1]
    for drum, times in events.items():
        f = mir_eval.onset.f_measure(times, result.onsets[drum], window=0.05)[0]
        assert f > 0.9, (drum, f)


def test_cli_flags_reach_the_config():
    import argparse

    from drumnmf.cli.transcribe import add_pipeline_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_pipeline_arguments(parser)
    config = config_from_args(parser.parse_args([]))
    assert config == TranscribeConfig()
    args = ["--bands-per-octave", "0", "--percussive-frames", "0", "--percussive-bands", "5"]
    config = config_from_args(parser.parse_args([*args, "--fmin", "40", "--fmax", "12000"]))
    assert (config.bands_per_octave, config.percussive_frames, config.percussive_bands) == (0, 0, 5)
    assert (config.fmin, config.fmax) == (40.0, 12000.0)
    paper = config_from_args(parser.parse_args(["--preset", "paper"]))
    assert paper == TranscribeConfig.paper()


# ------------------------------------------------- plain references, from the docstrings


def reference_filterbank(sample_rate, n_fft, bands_per_octave, fmin, fmax):
    """Triangles between consecutive distinct bins of the log-spaced centres, in loops."""
    resolution = sample_rate / n_fft
    top = min(fmax, sample_rate / 2)
    centres, k = [], 0
    while fmin * 2 ** (k / bands_per_octave) <= top * (1 + 1e-12):
        centres.append(fmin * 2 ** (k / bands_per_octave))
        k += 1
    bins = sorted({round(c / resolution) for c in centres})
    filters = np.zeros((len(bins) - 2, n_fft // 2 + 1))
    for row in range(len(bins) - 2):
        low, centre, high = bins[row : row + 3]
        for b in range(low, centre + 1):
            filters[row, b] = (b - low) / (centre - low) if centre > low else 1.0
        for b in range(centre, high + 1):
            filters[row, b] = (high - b) / (high - centre) if high > centre else 1.0
    return filters


@pytest.mark.parametrize(
    ("sample_rate", "n_fft", "bands_per_octave", "fmin", "fmax"),
    [
        (44100, 2048, 12, 30.0, 16000.0),
        (44100, 2048, 13, 31.0, 16000.0),
        (22050, 1024, 12, 30.0, 16000.0),  # fmax above Nyquist: clipped to 11025 Hz
        (44100, 2048, 6, 5.0, 20000.0),  # the lowest centre rounds to bin 0
        (44100, 4096, 24, 0.5, 1000.0),  # fmin below 1 Hz
        (8000, 512, 3, 100.0, 4000.0),
    ],
)
def test_filterbank_matches_plain_reference(sample_rate, n_fft, bands_per_octave, fmin, fmax):
    settings = SpectrogramSettings(sample_rate=sample_rate, n_fft=n_fft, hop_length=n_fft // 4)
    got = log_filterbank(settings, bands_per_octave=bands_per_octave, fmin=fmin, fmax=fmax)
    want = reference_filterbank(sample_rate, n_fft, bands_per_octave, fmin, fmax)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_filterbank_defaults_are_12_per_octave_from_30_hz_to_16_khz():
    np.testing.assert_allclose(
        log_filterbank(), reference_filterbank(44100, 2048, 12, 30.0, 16000.0), atol=1e-15
    )


def test_filterbank_range_limits():
    # three distinct bins (bins 10, 11, 12 at 21.5 Hz each) make exactly one band
    one = log_filterbank(fmin=10 * 44100 / 2048, fmax=12 * 44100 / 2048, bands_per_octave=12)
    assert one.shape == (1, 1025)
    with pytest.raises(DrumnmfError) as info:
        log_filterbank(fmin=1000.0, fmax=1010.0)
    assert str(info.value) == (
        "only 1 distinct bins between fmin=1000.0 and fmax=1010.0 Hz; "
        "widen the range or raise n_fft"
    )
    with pytest.raises(DrumnmfError, match=r"^need 0 < fmin < fmax in Hz"):
        log_filterbank(fmin=100.0, fmax=100.0)


def _median_nearest(V, size, axis):
    """Median over a centred window of ``size`` along ``axis``, edges repeated."""
    half = size // 2
    pad = [(0, 0), (0, 0)]
    pad[axis] = (half, size - 1 - half)
    padded = np.pad(V, pad, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, size, axis=axis)
    return np.median(windows, axis=-1)


def reference_mask(V, time_frames, freq_bands, power):
    V = np.asarray(V, dtype=np.float64)
    harmonic = _median_nearest(V, time_frames, axis=1)
    percussive = _median_nearest(V, freq_bands, axis=0)
    scale = V.max()
    h, p = (harmonic / scale) ** power, (percussive / scale) ** power
    return (p + 0.5e-12) / (p + h + 1e-12)


@pytest.mark.parametrize(
    ("time_frames", "freq_bands", "power"), [(17, 7, 2.0), (5, 3, 1.0), (1, 1, 0.5), (9, 5, 3.0)]
)
def test_mask_matches_plain_reference(rng, time_frames, freq_bands, power):
    V = 0.8 * rng.random((24, 60))  # peak below 1
    V[:, 30] += 0.5  # a click
    V[5, :] += 0.3  # a tone
    options = {"time_frames": time_frames, "freq_bands": freq_bands, "power": power}
    want = reference_mask(V, time_frames, freq_bands, power)
    np.testing.assert_allclose(percussive_mask(V, **options), want, rtol=1e-10)
    np.testing.assert_allclose(percussive_spectrogram(V, **options), V * want, rtol=1e-10)


def test_mask_defaults_are_17_frames_7_bands_power_2(rng):
    V = rng.random((30, 80))
    want = reference_mask(V, 17, 7, 2.0)
    np.testing.assert_allclose(percussive_mask(V), want, rtol=1e-10)
    np.testing.assert_allclose(percussive_spectrogram(V), V * want, rtol=1e-10)


def test_mask_is_one_half_where_both_medians_vanish():
    V = np.zeros((9, 30))
    V[:3, :] = 1.0  # the other rows are silent
    mask = percussive_mask(V, time_frames=5, freq_bands=3)
    np.testing.assert_array_equal(mask[6:], 0.5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mask_keeps_the_precision(dtype, rng):
    assert percussive_mask(rng.random((6, 20)).astype(dtype)).dtype == dtype
    assert percussive_mask(np.zeros((6, 20), dtype=dtype)).dtype == dtype
    assert percussive_mask(np.zeros((0, 4), dtype=dtype)).shape == (0, 4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_frames": 0}, "time_frames must be a positive integer (e.g. 17 and 7), got 0"),
        ({"freq_bands": 2.5}, "freq_bands must be a positive integer (e.g. 17 and 7), got 2.5"),
        ({"power": -1.0}, "power must be a positive number (e.g. 2), got -1.0"),
    ],
)
def test_mask_messages(kwargs, message):
    with pytest.raises(DrumnmfError) as info:
        percussive_mask(np.ones((4, 4)), **kwargs)
    assert str(info.value) == message
    with pytest.raises(DrumnmfError) as info:
        percussive_mask(-np.ones((3, 3)))
    assert str(info.value) == "the spectrogram must be finite and nonnegative (a magnitude STFT)"
