import numpy as np
import pytest
import soundfile as sf

from drumnmf.errors import DrumnmfError
from drumnmf.io.audio import load_audio, prepare_samples, write_audio


def _tone(sr, seconds=0.5, channels=1):
    t = np.arange(int(sr * seconds)) / sr
    x = 0.5 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
    return np.stack([x] * channels, axis=1) if channels > 1 else x


@pytest.mark.parametrize(
    ("suffix", "fmt"), [("wav", "WAV"), ("flac", "FLAC"), ("ogg", "OGG"), ("mp3", "MP3")]
)
def test_reads_common_formats(tmp_path, suffix, fmt):
    path = tmp_path / f"tone.{suffix}"
    sf.write(str(path), _tone(44100), 44100, format=fmt)
    x = load_audio(path)
    assert x.dtype == np.float32 and x.ndim == 1
    assert abs(x.size - 22050) < 3000  # MP3 adds encoder padding
    assert 0.3 < float(np.max(np.abs(x))) < 0.7


def test_resamples_and_mixes_to_mono(tmp_path):
    path = tmp_path / "stereo48k.wav"
    stereo = _tone(48000, channels=2)
    stereo[:, 1] *= 0.0
    sf.write(str(path), stereo, 48000)
    x = load_audio(path, sample_rate=44100)
    assert x.size == 22050
    assert 0.2 < float(np.max(np.abs(x))) < 0.3  # half of 0.5, mixed with silence


def test_prepare_does_not_mutate_and_scales_integers():
    ints = (np.arange(-1000, 1000) * 10).astype(np.int16)
    before = ints.copy()
    out = prepare_samples(ints, 44100)
    np.testing.assert_array_equal(ints, before)
    assert out.dtype == np.float32 and float(np.max(np.abs(out))) <= 1.0


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: p, "not found"),
        (lambda p: (p.write_bytes(b""), p)[1], "empty"),
        (lambda p: (p.write_bytes(b"RIFF garbage that is not audio" * 10), p)[1], "cannot decode"),
        (lambda p: (sf.write(str(p), np.zeros(4410, dtype=np.float32), 44100), p)[1], "silent"),
        (
            lambda p: (
                sf.write(str(p), np.full(4410, np.nan, dtype=np.float32), 44100, subtype="FLOAT"),
                p,
            )[1],
            "NaN",
        ),
    ],
    ids=["missing", "empty", "corrupt", "silent", "nan"],
)
def test_bad_files(tmp_path, make, match):
    path = make(tmp_path / "bad.wav")
    with pytest.raises(DrumnmfError, match=match):
        load_audio(path)


def test_folder_is_not_audio(tmp_path):
    with pytest.raises(DrumnmfError, match="is a folder"):
        load_audio(tmp_path)


def test_write_audio_roundtrip(tmp_path):
    write_audio(tmp_path / "x.flac", _tone(44100), 44100)
    assert load_audio(tmp_path / "x.flac").size == 22050
    with pytest.raises(DrumnmfError, match="cannot write audio"):
        write_audio(tmp_path / "x.xyz", _tone(44100), 44100)


def test_write_long_ogg(tmp_path):
    # libsndfile's Vorbis encoder crashes on long single writes; write_audio writes in blocks
    x = np.tile(_tone(44100), 160)  # 80 s
    write_audio(tmp_path / "long.ogg", x, 44100)
    assert abs(load_audio(tmp_path / "long.ogg").size - x.size) < 44100


def test_unrecognised_header_and_truncated(tmp_path):
    junk = tmp_path / "junk.wav"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DrumnmfError, match="unrecognised header"):
        load_audio(junk)
    head = tmp_path / "head.wav"
    sf.write(str(head), np.zeros(0, dtype=np.float32), 44100)
    with pytest.raises(DrumnmfError, match="holds no audio frames"):
        load_audio(head)
