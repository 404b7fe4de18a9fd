"""The block-by-block feature stages equal the whole-signal path."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import drumnmf.pipeline as pipeline
from drumnmf.blockwise import BlockwiseFeatures, blockwise_features, stft_blocks
from drumnmf.errors import DrumnmfError
from drumnmf.io.audio import load_audio, prepare_samples
from drumnmf.kit import default_kit
from drumnmf.pipeline import TranscribeConfig, save_transcription, spectrogram_features, transcribe
from drumnmf.spectrogram import SpectrogramSettings, magnitude_spectrogram

from synth import SR, groove, place

SMALL_BLOCK = 0.37  # seconds: a 20 s signal in 55 blocks of frames, none aligned to a hop


@pytest.fixture(scope="module")
def song_20s():
    rng = np.random.default_rng(5)
    audio = place(groove(20.0, tempo=111.0), 20.0)
    # a sustained tone and a little noise, so the percussive mask has work to do
    t = np.arange(audio.size) / SR
    audio = audio + 0.05 * np.sin(2 * np.pi * 220.0 * t) + 0.003 * rng.standard_normal(t.size)
    return audio.astype(np.float32)


def _whole_path(audio, templates, settings, *, sample_rate=None, config=None, **_: object):
    """Today's whole-signal stages: all samples, the whole linear STFT, then the features."""
    config = config or TranscribeConfig()
    if isinstance(audio, np.ndarray):
        samples = prepare_samples(audio, sample_rate, sample_rate=settings.sample_rate)
    else:
        samples = load_audio(audio, sample_rate=settings.sample_rate)
    V = magnitude_spectrogram(samples, settings)
    features, rows = spectrogram_features(V, templates, config, settings)
    return BlockwiseFeatures(
        features=features,
        templates=rows,
        spectrogram=V,
        step=1,
        n_frames=V.shape[1],
        n_samples=samples.size,
        seconds={"load": 0.0, "spectrogram": 0.0, "features": 0.0},
    )


@pytest.mark.parametrize("rate", [SR, 48000])
def test_features_equal_the_whole_signal_path(song_20s, tmp_path, rate):
    import soxr

    kit = default_kit()
    audio = song_20s if rate == SR else soxr.resample(song_20s, SR, rate)
    path = tmp_path / "song.wav"
    sf.write(str(path), np.stack([audio, 0.5 * audio], axis=1), rate, subtype="FLOAT")
    whole = _whole_path(path, kit.templates, kit.settings)
    blocks = blockwise_features(
        path, kit.templates, kit.settings, block_seconds=SMALL_BLOCK, spectrogram_columns=None
    )
    assert blocks.n_frames == whole.n_frames and blocks.n_samples == whole.n_samples
    np.testing.assert_allclose(blocks.spectrogram, whole.spectrogram, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(blocks.features, whole.features, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(blocks.templates, whole.templates)


def test_transcription_csv_equals_the_whole_signal_path(song_20s, tmp_path, monkeypatch):
    path = tmp_path / "song.wav"
    sf.write(str(path), song_20s, SR, subtype="FLOAT")
    blockwise = transcribe(path, block_seconds=SMALL_BLOCK)
    assert blockwise.duration == pytest.approx(20.0, abs=1e-3)
    save_transcription(blockwise, tmp_path / "blocks", formats=("csv", "mid"))
    with monkeypatch.context() as m:
        m.setattr(
            pipeline,
            "blockwise_features",
            lambda audio, templates, settings, **kw: _whole_path(
                audio, templates, settings, config=TranscribeConfig(), **kw
            ),
        )
        reference = transcribe(path)
    save_transcription(reference, tmp_path / "whole", formats=("csv", "mid"))
    assert sum(reference.n_onsets.values()) > 60  # a real groove, not an empty CSV
    for name in ("song.csv", "song.mid"):
        assert (tmp_path / "blocks" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_paper_setting_keeps_the_linear_spectrogram_whole(song_20s):
    kit = default_kit()
    config = TranscribeConfig.paper()
    short = song_20s[: 3 * SR]
    result = transcribe(short, sample_rate=SR, config=config, block_seconds=SMALL_BLOCK)
    V = magnitude_spectrogram(short, kit.settings)
    assert result.features is None and result.spectrogram_step == 1
    np.testing.assert_allclose(result.spectrogram, V, rtol=1e-5, atol=1e-6)


def test_display_spectrogram_is_max_pooled(song_20s):
    kit = default_kit()
    V = magnitude_spectrogram(song_20s, kit.settings)
    out = blockwise_features(
        song_20s,
        kit.templates,
        kit.settings,
        sample_rate=SR,
        block_seconds=SMALL_BLOCK,
        spectrogram_columns=100,
    )
    step = -(-V.shape[1] // 100)
    assert out.step == step and out.spectrogram.shape == (V.shape[0], -(-V.shape[1] // step))
    pooled = np.maximum.reduceat(V, np.arange(0, V.shape[1], step), axis=1)
    np.testing.assert_allclose(out.spectrogram, pooled, rtol=1e-5, atol=1e-6)
    result = transcribe(song_20s, sample_rate=SR, spectrogram_columns=100)
    assert result.spectrogram_step == step and result.activations.shape[1] == V.shape[1]


@pytest.mark.parametrize("n", [1, 511, 512, 513, 2048, 2049, 5000])
@pytest.mark.parametrize("block", [1, 7, 4096])
def test_stft_blocks_equal_magnitude_spectrogram(n, block):
    settings = SpectrogramSettings()
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    pieces = np.array_split(x, max(1, n // 300))  # uneven sample blocks
    got = np.concatenate(list(stft_blocks(pieces, settings, block_frames=block)), axis=1)
    np.testing.assert_allclose(got, magnitude_spectrogram(x, settings), rtol=1e-5, atol=1e-5)


def test_bad_options_and_audio_are_refused(tmp_path):
    kit = default_kit()
    x = np.ones(3000, dtype=np.float32)
    with pytest.raises(DrumnmfError, match="shorter than one analysis window"):
        blockwise_features(x[:2047], kit.templates, kit.settings, sample_rate=SR)
    with pytest.raises(DrumnmfError, match="spectrogram_columns"):
        blockwise_features(x, kit.templates, kit.settings, sample_rate=SR, spectrogram_columns=0)
    with pytest.raises(DrumnmfError, match="block_seconds"):
        blockwise_features(x, kit.templates, kit.settings, sample_rate=SR, block_seconds=0)
    with pytest.raises(DrumnmfError, match="sample_rate is required"):
        blockwise_features(x, kit.templates, kit.settings)
    bad = x.copy()
    bad[700] = np.nan
    with pytest.raises(DrumnmfError, match="NaN or infinite"):
        blockwise_features(bad, kit.templates, kit.settings, sample_rate=SR, block_seconds=0.001)
    assert np.isnan(bad[700])  # the caller's array is untouched


@pytest.mark.parametrize("time_frames, freq_bands", [(17, 7), (4, 2), (1, 1), (40, 9)])
def test_percussive_mask_in_blocks_equals_the_scipy_median_mask(
    monkeypatch, time_frames, freq_bands
):
    import scipy.ndimage

    import drumnmf.features as features

    rng = np.random.default_rng(3)
    V = rng.random((30, 301)).astype(np.float32) ** 3
    harmonic = scipy.ndimage.median_filter(V, size=(1, time_frames), mode="nearest")
    percussive = scipy.ndimage.median_filter(V, size=(freq_bands, 1), mode="nearest")
    scale = float(V.max())
    h, p = (harmonic / scale) ** 2.0, (percussive / scale) ** 2.0
    tiny = np.float32(1e-12)
    expected = (p + tiny / 2) / (p + h + tiny)
    monkeypatch.setattr(features, "_MASK_BLOCK_FRAMES", 13)  # 24 blocks, each with overlap
    got = features.percussive_mask(V, time_frames=time_frames, freq_bands=freq_bands)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("bands", [1, 6, 12, 24])
def test_apply_filterbank_equals_the_dense_product(bands):
    from drumnmf.features import apply_filterbank, log_filterbank

    filters = log_filterbank(SpectrogramSettings(), bands_per_octave=bands)
    V = np.random.default_rng(bands).random((1025, 40)).astype(np.float32)
    got = apply_filterbank(filters, V)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, filters @ V, rtol=1e-6)
    with pytest.raises(DrumnmfError, match="do not match"):
        apply_filterbank(filters, V[:100])


@pytest.mark.parametrize("n", [1, 5, 6, 7, 30])
@pytest.mark.parametrize("step", [1, 2, 3, 6])
def test_pool_frames_equals_reduceat(n, step):
    from drumnmf.blockwise import _pool_frames

    V = np.random.default_rng(n).random((4, n)).astype(np.float32)
    expected = np.maximum.reduceat(V, np.arange(0, n, step), axis=1)
    np.testing.assert_array_equal(_pool_frames(V, step), expected)
    np.testing.assert_array_equal(_pool_frames(np.ascontiguousarray(V.T).T, step), expected)


def test_report_image_from_the_display_spectrogram_equals_the_whole_one(song_20s):
    from dataclasses import replace

    from drumnmf.display.report import _page_data

    pooled = transcribe(song_20s, sample_rate=SR, spectrogram_columns=300)
    full = transcribe(song_20s, sample_rate=SR, spectrogram_columns=None)
    assert pooled.spectrogram_step == 6 and full.spectrogram_step == 1
    colors = dict.fromkeys(full.drums, "#000000")
    a = _page_data(pooled, colors, {}, None, 300)["spectrogram"]
    b = _page_data(full, colors, {}, None, 300)["spectrogram"]
    assert a["step"] == b["step"] == 6 and a["columns"] == b["columns"]
    assert a["src"] == b["src"]  # the same image, pooled here or there
    # a narrower image pools the display spectrogram again: frames per column multiply
    c = _page_data(pooled, colors, {}, None, 100)["spectrogram"]
    assert c["step"] == 18 == _page_data(full, colors, {}, None, 100)["spectrogram"]["step"]
    assert (
        _page_data(replace(pooled, spectrogram_step=1), colors, {}, None, 300)["spectrogram"][
            "step"
        ]
        == 1
    )
