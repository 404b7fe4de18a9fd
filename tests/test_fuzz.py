"""Property-based tests: bad files of every kind give a clear DrumnmfError naming the file.

The audio loader, the annotation readers, the kit loader and the MIDI reader are fed
random and mutated inputs (truncated files, wrong headers, huge declared sizes, NaN/inf
samples, zero-length and one-sample audio, extreme rates, many channels, unknown drums,
kits of another STFT setting or a future version). Each either reads the file or raises
:class:`DrumnmfError` with the file's name in the message; nothing else may escape, and
``drumnmf transcribe`` exits non-zero without a traceback and without output.

Examples are few and derandomized (the same ones on every run) so the module stays fast.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

from drumnmf.cli import main
from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations import load_annotations, load_midi
from drumnmf.io.audio import load_audio, stream_audio
from drumnmf.kit import default_kit, load_kit
from drumnmf.pipeline import transcribe

from dependencies import require

try:
    import hypothesis
except ImportError:  # in the dev extra
    hypothesis = None
require(hypothesis is not None, "the fuzz tests need hypothesis: pip install -e '.[dev]'")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(
    max_examples=int(os.environ.get("DRUMNMF_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    database=None,  # the same examples every run; nothing written to .hypothesis/
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SR = 44100
ANNOTATIONS = Path(__file__).parent / "data" / "annotations"


def _check(call, path: Path):
    """Run ``call``; it may succeed or raise a DrumnmfError naming ``path``, nothing else."""
    try:
        return call()
    except DrumnmfError as exc:
        assert path.name in str(exc), f"the message does not name the file: {exc}"
        return exc


def _tone_bytes(fmt: str, subtype: str, *, seconds: float = 0.2, channels: int = 1) -> bytes:
    t = np.arange(round(seconds * SR)) / SR
    x = 0.3 * np.sin(2 * np.pi * 200 * t) * np.exp(-t * 8)
    data = np.repeat(x[:, None], channels, axis=1).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"x.{fmt.lower()}"
        sf.write(str(path), data, SR, format=fmt, subtype=subtype)
        return path.read_bytes()


WAV16 = _tone_bytes("WAV", "PCM_16")
WAVF = _tone_bytes("WAV", "FLOAT")
FLAC = _tone_bytes("FLAC", "PCM_16")
AUDIO = {"wav16.wav": WAV16, "float.wav": WAVF, "tone.flac": FLAC}


def _mutate(data: bytes, draw) -> bytes:
    """Truncate, overwrite or insert bytes, or declare huge sizes in a RIFF header."""
    kind = draw(st.sampled_from(["truncate", "overwrite", "insert", "huge"]))
    b = bytearray(data)
    if kind == "truncate":
        return bytes(b[: draw(st.integers(0, len(b) - 1))])
    if kind == "overwrite":
        at = draw(st.integers(0, len(b) - 1))
        junk = draw(st.binary(min_size=1, max_size=16))
        b[at : at + len(junk)] = junk
        return bytes(b)
    if kind == "insert":
        at = draw(st.integers(0, len(b)))
        return bytes(b[:at] + draw(st.binary(min_size=1, max_size=64)) + b[at:])
    # huge declared sizes: RIFF size, fmt fields (channels, rate, bits) or the data size
    at = draw(st.sampled_from([4, 16, 22, 24, 28, 34, 40]))
    width = 2 if at in (22, 34) else 4
    value = draw(st.sampled_from([0, 1, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]))
    b[at : at + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
    return bytes(b)


@FUZZ
@given(data=st.data())
def test_mutated_audio_files_read_or_fail_clearly(tmp_path, data):
    name = data.draw(st.sampled_from(sorted(AUDIO)))
    path = tmp_path / name
    path.write_bytes(_mutate(AUDIO[name], data.draw))
    whole = _check(lambda: load_audio(path), path)
    streamed = _check(lambda: np.concatenate(list(stream_audio(path, block_seconds=0.05)[1])), path)
    if isinstance(whole, np.ndarray):
        assert whole.dtype == np.float32 and np.all(np.isfinite(whole))
        if isinstance(streamed, np.ndarray):
            np.testing.assert_array_equal(streamed, whole)
    result = _check(lambda: transcribe(path), path)
    if not isinstance(result, DrumnmfError):
        assert all(np.all(np.isfinite(t)) for t in result.onsets.values())


@FUZZ
@given(
    channels=st.integers(1, 12),
    position=st.floats(0, 1),
    value=st.sampled_from([np.nan, np.inf, -np.inf]),
    rate=st.sampled_from([8000, 44100, 96000]),
)
def test_nan_and_inf_samples_are_an_error_naming_the_file(
    tmp_path, channels, position, value, rate
):
    x = 0.1 * np.random.default_rng(channels).standard_normal((rate // 10, channels))
    x[int(position * (x.shape[0] - 1)), channels - 1] = value
    path = tmp_path / "bad samples.wav"
    sf.write(str(path), x.astype(np.float32), rate, subtype="FLOAT")
    for call in (
        lambda: load_audio(path),
        lambda: list(stream_audio(path, block_seconds=0.01)[1]),
        lambda: transcribe(path),
    ):
        with pytest.raises(DrumnmfError, match="NaN or infinite") as info:
            call()
        assert path.name in str(info.value)
    with pytest.raises(DrumnmfError, match="NaN or infinite"):
        transcribe(x, sample_rate=rate)


@pytest.mark.parametrize(
    "n, rate, channels, ok",
    [
        (0, SR, 1, False),
        (1, SR, 1, False),
        (2047, SR, 2, False),  # shorter than one 2048-sample window
        (4410, SR, 1, True),
        (20, 1, 1, False),  # 1 Hz
        (3000, 3999, 1, False),
        (4000, 4000, 1, True),
        (76800, 768000, 2, True),  # 768 kHz: resampled
        (8820, SR, 8, True),
        (8820, SR, 16, True),
    ],
)
def test_lengths_rates_and_channels(tmp_path, n, rate, channels, ok):
    t = np.arange(n) / max(rate, 1)
    x = 0.3 * np.sin(2 * np.pi * 150 * t)[:, None] * np.ones(channels)
    path = tmp_path / f"n{n}_r{rate}_c{channels}.wav"
    sf.write(str(path), x.astype(np.float32), rate, subtype="FLOAT")
    if ok:
        result = transcribe(path)
        assert result.duration == pytest.approx(n / rate, abs=1e-3)
        return
    with pytest.raises(DrumnmfError) as info:
        transcribe(path)
    assert path.name in str(info.value)


def _annotation_files() -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sorted(ANNOTATIONS.glob("*")) if p.is_file()}
    files.pop("README.md", None)
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    for i, note in enumerate([36, 38, 42, 36, 38, 42]):
        track.append(
            mido.Message("note_on", note=note, velocity=90, channel=9, time=0 if i == 0 else 240)
        )
        track.append(mido.Message("note_off", note=note, velocity=0, channel=9, time=10))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "groove.mid"
        midi.save(str(path))
        files["groove.mid"] = path.read_bytes()
    return files


ANNOTATION_FILES = _annotation_files()


def _mutate_any(data: bytes, draw) -> bytes:
    kind = draw(st.sampled_from(["truncate", "overwrite", "insert", "random"]))
    b = bytearray(data)
    if kind == "truncate":
        return bytes(b[: draw(st.integers(0, max(0, len(b) - 1)))])
    if kind == "random":
        return draw(st.binary(max_size=200))
    if kind == "insert":
        at = draw(st.integers(0, len(b)))
        text = draw(st.sampled_from([b"nan", b"-1", b"1e400", b"\xff\xfe", b",,,", b"\n", b"<"]))
        return bytes(b[:at] + text + b[at:])
    at = draw(st.integers(0, max(0, len(b) - 1)))
    junk = draw(st.binary(min_size=1, max_size=8))
    b[at : at + len(junk)] = junk
    return bytes(b)


@FUZZ
@given(data=st.data())
def test_mutated_annotation_files_read_or_fail_clearly(tmp_path, data):
    name = data.draw(st.sampled_from(sorted(ANNOTATION_FILES)))
    path = tmp_path / name
    path.write_bytes(_mutate_any(ANNOTATION_FILES[name], data.draw))
    result = _check(lambda: load_annotations(path), path)
    if not isinstance(result, DrumnmfError):
        for times in result.onsets.values():
            assert np.all(np.isfinite(times)) and np.all(times >= 0)


@FUZZ
@given(data=st.data())
def test_mutated_midi_files_read_or_fail_clearly(tmp_path, data):
    original = ANNOTATION_FILES["groove.mid"]
    b = bytearray(original)
    kind = data.draw(st.sampled_from(["truncate", "flip", "huge"]))
    if kind == "truncate":
        b = b[: data.draw(st.integers(0, len(b) - 1))]
    elif kind == "flip":
        at = data.draw(st.integers(0, len(b) - 1))
        b[at] ^= data.draw(st.integers(1, 255))
    else:  # huge declared sizes: the MThd length, format, track count, division, MTrk length
        at = data.draw(st.sampled_from([4, 8, 10, 12, 18]))
        width = 4 if at in (4, 18) else 2
        value = data.draw(st.sampled_from([0, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]))
        b[at : at + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "big")
    path = tmp_path / "groove.mid"
    path.write_bytes(bytes(b))
    _check(lambda: load_midi(path), path)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=8,
)


def _kit_dict() -> dict:
    return default_kit().to_dict()


def _paths(value, prefix=()):
    """Every key path inside a JSON document."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:3]):
            yield from _paths(item, (*prefix, i))


KIT = _kit_dict()
KIT_PATHS = [p for p in _paths(KIT) if p]


@FUZZ
@given(data=st.data())
def test_mutated_kit_files_load_or_fail_clearly(tmp_path, data):
    doc = json.loads(json.dumps(KIT))
    kind = data.draw(st.sampled_from(["replace", "delete", "text", "future", "settings", "drum"]))
    if kind in ("replace", "delete"):
        where = data.draw(st.sampled_from(KIT_PATHS))
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        if kind == "delete":
            del parent[where[-1]]
        else:
            parent[where[-1]] = data.draw(JSON_VALUES)
    elif kind == "future":
        doc["version"] = data.draw(st.sampled_from([2, 99, "2", "x", None, [1]]))
    elif kind == "settings":  # a kit of another STFT setting, its templates unchanged
        key = data.draw(st.sampled_from(["n_fft", "hop_length", "sample_rate", "window"]))
        doc["settings"][key] = data.draw(
            st.sampled_from([1024, 4096, 0, -1, 22050, "hamming", "nope", 2.5])
        )
    elif kind == "drum":
        doc["drums"][0]["name"] = data.draw(st.sampled_from(["cowbell!", "", "KICK", "zzz"]))
    text = json.dumps(doc, allow_nan=True)
    if kind == "text":
        text = text[: data.draw(st.integers(0, len(text) - 1))]
    path = tmp_path / "my kit.json"
    path.write_text(text)
    kit = _check(lambda: load_kit(path), path)
    if isinstance(kit, DrumnmfError):
        return
    assert np.all(np.isfinite(kit.templates)) and np.all(kit.templates >= 0)
    x = 0.3 * np.sin(np.arange(SR // 2) / 7.0)
    try:  # a kit that loads transcribes, or refuses with the package's own error
        transcribe(x, sample_rate=SR, kit=kit)
    except DrumnmfError:
        pass


def test_a_kit_of_another_stft_setting_is_refused_by_name(tmp_path):
    from drumnmf.spectrogram import SpectrogramSettings

    other = SpectrogramSettings(n_fft=1024, hop_length=256)
    with pytest.raises(DrumnmfError, match="recalibrate the kit"):
        transcribe(np.ones(SR), sample_rate=SR, kit=default_kit(), settings=other)
    doc = _kit_dict()
    doc["settings"]["n_fft"] = 1024  # the templates still have 1025 bins
    path = tmp_path / "other.kit.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DrumnmfError) as info:
        load_kit(path)
    assert path.name in str(info.value)


def test_a_kit_from_a_future_version_says_upgrade(tmp_path):
    doc = _kit_dict()
    doc["version"] = 7
    path = tmp_path / "future.kit.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DrumnmfError, match="upgrade drumnmf") as info:
        load_kit(path)
    assert path.name in str(info.value)


def _bad_inputs(folder: Path) -> dict[str, tuple[list[str], str]]:
    """Bad inputs for the command line: name -> (arguments after the audio, message)."""
    x = np.zeros((SR // 2, 2), dtype=np.float32)
    x[100, 1] = np.nan
    sf.write(str(folder / "nan.wav"), x, SR, subtype="FLOAT")
    (folder / "short.wav").write_bytes(WAV16[:30])
    sf.write(str(folder / "slow.wav"), np.ones(20, dtype=np.float32) * 0.1, 1)
    sf.write(str(folder / "good.wav"), 0.3 * np.sin(np.arange(SR) / 5.0).astype(np.float32), SR)
    future = _kit_dict()
    future["version"] = 3
    (folder / "future.kit.json").write_text(json.dumps(future))
    return {
        "nan.wav": ([], "NaN or infinite"),
        "short.wav": ([], "cannot decode"),
        "slow.wav": ([], "1 Hz"),
        "good.wav": (["--kit", str(folder / "future.kit.json")], "upgrade drumnmf"),
    }


def test_cli_exits_non_zero_without_traceback_or_output(tmp_path, capsys):
    for name, (extra, message) in _bad_inputs(tmp_path).items():
        out = tmp_path / f"out-{name}"
        code = main(["transcribe", str(tmp_path / name), "--out-dir", str(out), *extra])
        captured = capsys.readouterr()
        assert code != 0, name
        assert message in captured.err and "Traceback" not in captured.err, captured.err
        assert not out.exists() or not any(out.iterdir()), f"{name} left output"


def test_cli_process_reports_bad_samples_without_traceback(tmp_path):
    _bad_inputs(tmp_path)
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "drumnmf",
            "transcribe",
            str(tmp_path / "nan.wav"),
            "--out-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "nan.wav" in done.stderr and "NaN or infinite" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() or not any(out.iterdir())


def test_struct_helper_sanity():
    # the RIFF offsets mutated above: channels at 22, rate at 24 in a canonical header
    channels, rate = struct.unpack("<HI", WAV16[22:28])
    assert (channels, rate) == (1, SR)


@pytest.mark.parametrize("value", [3e6, -1e30, 3.4e38])
def test_huge_float_samples_are_an_error_naming_the_file(tmp_path, value):
    x = 0.1 * np.sin(np.arange(SR) / 9.0)
    x[1234] = value
    path = tmp_path / "loud.wav"
    sf.write(str(path), x.astype(np.float32), SR, subtype="FLOAT")
    with pytest.raises(DrumnmfError, match="times full scale") as info:
        transcribe(path)
    assert path.name in str(info.value)
    x[1234] = 32767.0  # floats at integer scale are fine
    sf.write(str(path), x.astype(np.float32), SR, subtype="FLOAT")
    transcribe(path)


@pytest.mark.parametrize(
    "samples, rate, message",
    [
        (np.zeros((100, 0)), SR, "no samples"),
        (np.zeros((0,)), SR, "no samples"),
        (np.ones((4, 4, 4)), SR, "shape"),
        (np.ones(5000), 0, "positive integer"),
        (np.ones(5000), 44100.0, "positive integer"),
        (np.ones(5000), 2_000_000, "outside"),
        (np.array(["a"] * 5000), SR, "dtype"),
    ],
)
def test_bad_arrays_are_refused(samples, rate, message):
    with pytest.raises(DrumnmfError, match=message):
        transcribe(samples, sample_rate=rate)
