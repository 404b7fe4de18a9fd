"""The HTML report: data it embeds, encoders, tempo estimate, validation (no browser)."""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import zlib

import numpy as np
import pytest
import soundfile as sf

from drumnmf.display.media import AUDIO_RATE, encode_audio, encode_png
from drumnmf.display.report import N_ROWS, render_report, write_report
from drumnmf.display.summary import estimate_tempo
from drumnmf.errors import DrumnmfError
from drumnmf.factorization import Factorization
from drumnmf.kit import Kit
from drumnmf.pipeline import TranscribeConfig, Transcription
from drumnmf.spectrogram import SpectrogramSettings


def synthetic_transcription(
    duration: float = 6.0,
    *,
    tempo: float = 120.0,
    sample_rate: int = 22050,
    n_fft: int = 512,
    hop_length: int = 256,
    seed: int = 0,
    source: str = "<array>",
    thresholds: bool = True,
) -> Transcription:
    """A Transcription built by hand (no audio, no solver): a rock beat with known hits.

    Kick on beats 1 and 3, snare on 2 and 4, hi-hat on eighths; each hit's activation
    decays exponentially from its strength; the spectrogram is templates x activations.
    """
    rng = np.random.default_rng(seed)
    settings = SpectrogramSettings(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length)
    n_frames = 1 + int(duration * sample_rate) // hop_length
    dt = settings.frame_seconds
    beat = 60.0 / tempo
    beats = np.arange(0.25, duration - 0.3, beat)
    eighths = np.sort(np.concatenate([beats, beats + beat / 2]))
    grid = {"kick": beats[0::2], "snare": beats[1::2], "hihat": eighths[eighths < duration - 0.3]}
    drums = tuple(grid)
    onsets, strengths = {}, {}
    act = np.zeros((len(drums), n_frames))
    decay = np.exp(-np.arange(12) / 3.0)
    for i, d in enumerate(drums):
        frames = np.rint(grid[d] / dt).astype(int)
        s = rng.uniform(0.5, 1.0, frames.size)
        for f, v in zip(frames, s, strict=True):
            n = min(decay.size, n_frames - f)
            act[i, f : f + n] = np.maximum(act[i, f : f + n], v * decay[:n])
        onsets[d] = frames * dt
        strengths[d] = s
    freqs = settings.bin_frequencies()
    templates = np.stack(
        [
            np.exp(-freqs / 300.0),
            np.exp(-(((freqs - 2000) / 1500) ** 2)) + 0.05,
            np.clip(freqs / freqs[-1], 0.01, None),
        ],
        axis=1,
    )
    V = (templates @ act + 1e-3).astype(np.float32)
    kit = Kit(
        names=drums,
        midi_notes=(36, 38, 42),
        templates=templates,
        template_drums=(0, 1, 2),
        settings=settings,
        sources=("kick.wav", "snare.wav", "hihat.wav"),
    )
    factorization = Factorization(
        drum_activations=act.astype(np.float32),
        harmonic_templates=np.zeros((freqs.size, 0), np.float32),
        harmonic_activations=np.zeros((0, n_frames), np.float32),
        templates=templates.astype(np.float32),
        losses=100.0 * 0.7 ** np.arange(10) + 1.0,
        n_iter=10,
        converged=False,
        solver="nenmf",
        seconds=0.1,
    )
    return Transcription(
        drums=drums,
        onsets=onsets,
        strengths=strengths,
        activations=act,
        thresholds=np.full_like(act, 0.3) if thresholds else None,
        frame_times=np.arange(n_frames) * dt,
        spectrogram=V,
        factorization=factorization,
        kit=kit,
        config=TranscribeConfig(),
        duration=(n_frames - 1) * dt,
        source=source,
    )


def page_data(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="drumnmf-data">(.*?)</script>', page, re.S
    )
    assert match, "the page has no data block"
    return json.loads(match.group(1))


def decode_png(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A minimal decoder for our palette PNGs: (indices, palette), checking every CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        if kind == b"IDAT":
            idat += body
        chunks[kind] = body
        pos += 12 + length
    width, height, depth, color, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color) == (8, 3)
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, width + 1)
    assert np.all(raw[:, 0] == 1)  # filter "Sub"
    indices = np.cumsum(raw[:, 1:], axis=1, dtype=np.uint64).astype(np.uint8)  # undo Sub mod 256
    palette = np.frombuffer(chunks[b"PLTE"], dtype=np.uint8).reshape(-1, 3)
    assert b"IEND" in chunks
    return indices, palette


@pytest.fixture(scope="module")
def transcription() -> Transcription:
    return synthetic_transcription()


# ----------------------------------------------------------------------------- encoders


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (256, 300)])
def test_png_round_trip(shape):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=shape, dtype=np.uint8)
    palette = rng.integers(0, 256, size=(256, 3))
    indices, pal = decode_png(encode_png(img, palette))
    np.testing.assert_array_equal(indices, img)
    np.testing.assert_array_equal(pal, palette)


@pytest.mark.parametrize(
    ("indices", "palette", "match"),
    [
        (np.zeros((0, 3), np.uint8), np.zeros((256, 3)), "non-empty 2-D uint8"),
        (np.zeros((2, 3), np.float32), np.zeros((256, 3)), "non-empty 2-D uint8"),
        (np.zeros((2, 3), np.uint8), np.zeros((257, 3)), "palette must have shape"),
    ],
)
def test_png_rejects_bad_input(indices, palette, match):
    with pytest.raises(DrumnmfError, match=match):
        encode_png(indices, palette)


def test_audio_encoding_round_trips():
    t = np.arange(2 * AUDIO_RATE) / AUDIO_RATE
    x = 0.5 * np.sin(2 * np.pi * 440 * t)
    mime, data = encode_audio(x, AUDIO_RATE)
    assert mime == "audio/ogg" and data[:4] == b"OggS"
    y, rate = sf.read(io.BytesIO(data))
    assert rate == AUDIO_RATE
    assert abs(y.size - x.size) < 0.01 * AUDIO_RATE
    assert 0.4 < np.max(np.abs(y)) < 0.6


def test_long_audio_encodes_without_crashing():
    # libvorbis crashed (segfault) on one write of more than about a minute of audio.
    rng = np.random.default_rng(0)
    x = 0.05 * rng.standard_normal(150 * AUDIO_RATE).astype(np.float32)
    _, data = encode_audio(x, AUDIO_RATE)
    with sf.SoundFile(io.BytesIO(data)) as f:
        assert abs(f.frames / f.samplerate - 150) < 0.1


# ----------------------------------------------------------------------------- tempo


@pytest.mark.parametrize("tempo", [90.0, 105.0, 120.0, 140.0])
def test_tempo_of_a_rock_beat(tempo):
    t = synthetic_transcription(20.0, tempo=tempo)
    estimate = estimate_tempo(t.onsets)
    assert estimate is not None
    # Onsets are snapped to 11.6 ms frames: allow 2 %.
    assert estimate == pytest.approx(tempo, rel=0.02)


@pytest.mark.parametrize("tempo", [66.0, 180.0])
def test_tempo_far_from_the_prior_may_be_off_by_an_octave(tempo):
    # Documented: the metrical level is ambiguous (eighths at 66 BPM are 132 BPM).
    estimate = estimate_tempo(synthetic_transcription(20.0, tempo=tempo).onsets)
    assert estimate is not None
    assert min(abs(estimate / (tempo * f) - 1) for f in (0.5, 1.0, 2.0)) < 0.02


def test_tempo_needs_enough_hits():
    assert estimate_tempo({"kick": [0.5, 1.0, 1.5]}) is None
    assert estimate_tempo({"kick": np.linspace(0, 2, 20)}) is None  # under 3 s
    assert estimate_tempo({}) is None


def test_tempo_rejects_bad_range():
    with pytest.raises(DrumnmfError, match="min_bpm < max_bpm"):
        estimate_tempo({"kick": np.arange(20) * 0.5}, min_bpm=200, max_bpm=100)


# ----------------------------------------------------------------------------- page content


def test_page_is_self_contained(transcription):
    page = render_report(transcription)
    assert page.startswith("<!DOCTYPE html>")
    # Nothing fetched from a network: no external src/href, no url(http...).
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert not re.search(r"url\(\s*['\"]?https?:", page)
    assert "<script src" not in page and "<link" not in page
    assert "window.drumnmfReport" in page


def test_page_data_matches_transcription(transcription):
    data = page_data(render_report(transcription))
    assert [d["name"] for d in data["drums"]] == list(transcription.drums)
    n_frames = transcription.activations.shape[1]
    for i, drum in enumerate(transcription.drums):
        np.testing.assert_allclose(data["hits"][i]["t"], transcription.onsets[drum], atol=1e-4)
        np.testing.assert_allclose(data["hits"][i]["s"], transcription.strengths[drum], rtol=1e-3)
        act = np.frombuffer(base64.b64decode(data["activations"][i]), np.uint8)
        assert act.size == n_frames
        # 8-bit quantization of activation / scale.
        expected = transcription.activations[i] / data["drums"][i]["scale"] * 255
        assert np.max(np.abs(act - expected)) <= 0.5 + 1e-9
    assert data["frame_seconds"] == pytest.approx(transcription.kit.settings.frame_seconds)
    assert data["reference"] is None
    assert data["has_audio"] is False


def test_spectrogram_image(transcription):
    data = page_data(render_report(transcription, max_columns=100))
    spec = data["spectrogram"]
    assert spec["src"].startswith("data:image/png;base64,")
    indices, _ = decode_png(base64.b64decode(spec["src"].split(",", 1)[1]))
    assert indices.shape == (N_ROWS, spec["columns"]) == (spec["rows"], spec["columns"])
    n_frames = transcription.spectrogram.shape[1]
    assert spec["columns"] <= 100 and spec["columns"] * spec["step"] >= n_frames


def test_spectrogram_image_puts_low_frequencies_at_the_bottom(transcription):
    from dataclasses import replace

    V = np.zeros_like(transcription.spectrogram)
    V[5] = 1.0  # one bin: 5 * 22050 / 512 = 215 Hz
    page = render_report(replace(transcription, spectrogram=V))
    spec = page_data(page)["spectrogram"]
    indices, _ = decode_png(base64.b64decode(spec["src"].split(",", 1)[1]))
    bright = int(np.argmax(indices.mean(axis=1)))  # row 0 is the top (highest) row
    height = np.log(215.3 / spec["fmin"]) / np.log(spec["fmax"] / spec["fmin"])
    assert abs(bright - (1 - height) * N_ROWS) < 3


def test_without_thresholds(transcription):
    t = synthetic_transcription(thresholds=False)
    data = page_data(render_report(t))
    assert data["thresholds"] is None


def test_reference_is_embedded_and_scored(transcription):
    reference = dict(transcription.onsets)
    reference["BD"] = reference.pop("kick")[:-1]  # an alias, one hit missed
    reference["cowbell"] = np.array([1.0, 2.0])
    page = render_report(transcription, reference=reference)
    data = page_data(page)
    assert len(data["reference"][0]) == transcription.onsets["kick"].size - 1
    assert "cowbell (not in the kit)" in page
    assert "F-measure" in page
    summary = re.search(r"<table id='summary'>(.*?)</table>", page, re.S).group(1)
    assert summary.count("1.000") >= 2  # snare and hi-hat match exactly


def test_reference_may_be_annotations(tmp_path, transcription):
    from drumnmf.io.annotations import load_annotations

    path = tmp_path / "ref.txt"
    path.write_text("".join(f"{t:.4f}\tKD\n" for t in transcription.onsets["kick"]))
    data = page_data(render_report(transcription, reference=load_annotations(path)))
    assert len(data["reference"][0]) == transcription.onsets["kick"].size
    assert data["reference"][1] == []  # snare is not in the reference: no reference hits


def test_drums_absent_from_the_reference_are_false_positives(transcription):
    kick = transcription.onsets["kick"]
    page = render_report(transcription, reference={"kick": kick[:-1]})
    data = page_data(page)
    assert data["hits"][0]["m"] == [1] * (kick.size - 1) + [0]
    for d, drum in ((1, "snare"), (2, "hihat")):
        assert data["hits"][d]["m"] == [0] * transcription.onsets[drum].size
    assert data["match_window"] == 0.05
    summary = re.search(r"<table id='summary'>(.*?)</table>", page, re.S).group(1)
    snare = re.search(r"<tr><td>[^<]*<span[^>]*></span> snare</td>(.*?)</tr>", summary).group(1)
    cells = re.findall(r"<td>(.*?)</td>", snare)
    assert cells[-4:] == ["0 (not in the reference)", "0.000", "0.000", "–"]
    # The summary F counts the snare and hi-hat hits as false positives.
    n_est = sum(transcription.n_onsets.values())
    tp, n_ref = kick.size - 1, kick.size - 1
    foot = re.search(r"<tfoot><tr>(.*?)</tr></tfoot>", summary).group(1)
    assert re.findall(r"<th>(.*?)</th>", foot)[-4:] == [
        str(n_ref),
        f"{2 * tp / (n_ref + n_est):.3f}",
        f"{tp / n_est:.3f}",
        "1.000",
    ]
    assert "detected, no reference hit within 50 ms" in page
    plain = page_data(render_report(transcription))
    assert "m" not in plain["hits"][0]


def test_reference_rejects_bad_times(transcription):
    with pytest.raises(DrumnmfError, match="finite times >= 0"):
        render_report(transcription, reference={"kick": [1.0, np.nan]})


def test_names_are_escaped():
    evil = "</script><script>alert(1)</script>"
    t = synthetic_transcription(source=f"/nowhere/{evil}.wav")
    for page in (render_report(t), render_report(t, title=evil)):
        assert "<script>alert(1)" not in page
        page_data(page)  # the data block still parses


def test_odd_reference_labels_are_shown_not_rejected(transcription):
    page = render_report(transcription, reference={"kick": [1.0], "<odd#label>": [1.0]})
    assert "&lt;odd#label&gt; (not in the kit)" in page


def test_summary_and_settings(transcription):
    page = render_report(transcription)
    for drum, n in transcription.n_onsets.items():
        assert re.search(rf"{drum}</td><td>\d+</td><td>{n}</td>", page)
    assert "BPM (estimate)" in page
    assert "config.solver" in page and "settings.hop_length" in page
    assert "versions.numpy" in page
    for drum in transcription.drums:
        assert f'<figure data-drum="{drum}">' in page


# ----------------------------------------------------------------------------- audio and files


def test_embeds_samples(transcription):
    sr = 44100
    x = 0.1 * np.sin(2 * np.pi * 220 * np.arange(int(transcription.duration * sr)) / sr)
    page = render_report(transcription, samples=x, sample_rate=sr)
    match = re.search(r'<audio id="audio" preload="auto" src="data:audio/ogg;base64,([^"]+)"', page)
    assert match
    with sf.SoundFile(io.BytesIO(base64.b64decode(match.group(1)))) as f:
        assert f.samplerate == AUDIO_RATE
        assert f.frames / f.samplerate == pytest.approx(transcription.duration, abs=0.05)
    assert page_data(page)["has_audio"] is True


def test_embeds_the_source_file(tmp_path):
    sr = 22050
    path = tmp_path / "song.wav"
    t0 = synthetic_transcription(source=str(path))
    sf.write(path, 0.1 * np.ones(int(t0.duration * sr)), sr)
    assert page_data(render_report(t0))["has_audio"] is True


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"samples": np.ones(1000)}, "sample_rate is required"),
        ({"samples": np.ones(1000), "sample_rate": 8000, "audio_path": "x.wav"}, "not both"),
        ({"samples": 0.1 * np.ones(8000), "sample_rate": 8000}, "give the recording that was"),
        ({"audio_path": "/no/such/file.wav"}, "not found"),
        ({"max_columns": 0}, "max_columns"),
    ],
)
def test_bad_audio_arguments(transcription, kwargs, match):
    with pytest.raises(DrumnmfError, match=match):
        render_report(transcription, **kwargs)


def test_write_report(tmp_path, transcription):
    path = tmp_path / "song.html"
    write_report(transcription, path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["song.html"]  # no temporary left
    with pytest.raises(DrumnmfError, match=r"name it '\*\.html'"):
        write_report(transcription, tmp_path / "song.png")
    with pytest.raises(DrumnmfError, match="does not exist"):
        write_report(transcription, tmp_path / "missing" / "song.html")


def test_ten_minute_page_stays_small():
    # 10 minutes at 86 frames/s with 4500 hits, without audio: the spectrogram is capped
    # and activations are 8-bit, so the page weighs about 1 MB.
    t = synthetic_transcription(600.0, tempo=150.0, sample_rate=22050, n_fft=256, hop_length=256)
    page = render_report(t, max_columns=4000)
    assert sum(t.n_onsets.values()) > 4000
    assert len(page) < 2_500_000
    assert page_data(page)["spectrogram"]["columns"] <= 4000


def test_a_drum_without_hits_and_no_tempo(transcription):
    from dataclasses import replace

    onsets = {d: v[:2] for d, v in transcription.onsets.items()}
    strengths = {d: v[:2] for d, v in transcription.strengths.items()}
    onsets["snare"] = strengths["snare"] = np.zeros(0)
    page = render_report(replace(transcription, onsets=onsets, strengths=strengths))
    assert "tempo: too few hits to estimate" in page
    assert page_data(page)["hits"][1] == {"t": [], "s": [], "c": [], "a": []}
    assert re.search(r"snare</td><td>38</td><td>0</td><td>0.0</td><td>–</td>", page)
