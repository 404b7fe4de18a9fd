"""Audio in: read any file soundfile can decode, mix to mono, resample with soxr.

WAV, FLAC, OGG/Vorbis and MP3 are read by libsndfile (the wheel of ``soundfile`` bundles
a build with MP3 support). Samples are float32 in [-1, 1].

:func:`load_audio` and :func:`prepare_samples` return the whole signal;
:func:`stream_audio` and :func:`stream_samples` give the same samples block by block
(soundfile blocks, ``soxr.ResampleStream``), so a long recording is never whole in memory.
Both refuse the same inputs with the same messages: files that are missing, empty, not
audio, truncated or corrupt; NaN or infinite samples (an error, never zeroed) and samples
beyond ``MAX_SAMPLE`` times full scale; silence; sample rates outside
``MIN_SAMPLE_RATE`` - ``MAX_SAMPLE_RATE``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = [
    "MAX_SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "load_audio",
    "prepare_samples",
    "stream_audio",
    "stream_samples",
    "write_audio",
]

# Below this peak level (about -100 dBFS) a signal is treated as silence.
SILENCE_PEAK = 1e-5
# Rates accepted, Hz: below 4 kHz nothing of a drum kit but the kick is left; above
# 768 kHz (the highest rate of current converters) a header is more likely corrupt.
MIN_SAMPLE_RATE = 4000
# Float files may exceed full scale (1.0), even at integer scale (32768); far beyond,
# the samples are garbage and would overflow the float32 STFT.
MAX_SAMPLE = 1e6
MAX_SAMPLE_RATE = 768000


def load_audio(path: str | os.PathLike[str], *, sample_rate: int = 44100) -> np.ndarray:
    """Read an audio file as mono float32 at ``sample_rate``.

    Parameters
    ----------
    path : path-like
        A WAV, FLAC, OGG or MP3 file (anything libsndfile reads).
    sample_rate : int > 0
        Rate in Hz to resample to (soxr, high quality).

    Returns
    -------
    np.ndarray [shape=(n_samples,), dtype=float32]
        Mono samples.

    Raises
    ------
    DrumnmfError
        If the file is missing, unreadable, corrupt, empty, silent or holds NaN/inf.
    """
    import soundfile as sf

    p = _check_audio_file(path)
    try:
        data, rate = sf.read(str(p), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, MemoryError) as exc:
        raise _decode_error(p, exc) from exc
    if data.shape[0] == 0:
        raise DrumnmfError(f"'{p}' holds no audio frames (truncated?); re-export it")
    return prepare_samples(data, rate, sample_rate=sample_rate, name=f"'{p}'")


def stream_audio(
    path: str | os.PathLike[str], *, sample_rate: int = 44100, block_seconds: float = 10.0
) -> tuple[int, Iterator[np.ndarray]]:
    """Read an audio file block by block as mono float32 at ``sample_rate``.

    The blocks, concatenated, equal :func:`load_audio`'s result. The file's header is
    checked now, its samples as the blocks are read: NaN or inf samples, silence and
    decoding errors raise :class:`DrumnmfError` from the iterator.

    Parameters
    ----------
    path : path-like
        A WAV, FLAC, OGG or MP3 file.
    sample_rate : int > 0
        Rate in Hz to resample to (``soxr.ResampleStream``, high quality).
    block_seconds : float > 0
        Length of a block of the file, seconds.

    Returns
    -------
    n_samples : int
        Expected number of output samples (from the header; exact without resampling).
    blocks : iterator of np.ndarray [shape=(n,), dtype=float32]
        Mono samples at ``sample_rate``, in order (some blocks may be empty).
    """
    import soundfile as sf

    p = _check_audio_file(path)
    _check_block_seconds(block_seconds)
    try:
        info = sf.info(str(p))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise _decode_error(p, exc) from exc
    name = f"'{p}'"
    _check_rate(int(info.samplerate), name)
    if info.frames <= 0:
        raise DrumnmfError(f"{name} holds no audio frames (truncated?); re-export it")
    block = max(1, round(block_seconds * info.samplerate))
    expected = _expected_samples(int(info.frames), int(info.samplerate), sample_rate)

    def read() -> Iterator[np.ndarray]:
        try:
            with sf.SoundFile(str(p)) as f:
                while True:
                    data = f.read(block, dtype="float32", always_2d=True)
                    if data.shape[0] == 0:
                        return
                    yield data
        except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, MemoryError) as exc:
            raise _decode_error(p, exc) from exc

    return expected, _mono_resampled(read(), int(info.samplerate), sample_rate, name)


def stream_samples(
    samples: np.ndarray,
    rate: int,
    *,
    sample_rate: int = 44100,
    block_seconds: float = 10.0,
    name: str = "audio",
) -> tuple[int, Iterator[np.ndarray]]:
    """:func:`prepare_samples` block by block: validate, mix to mono and resample.

    Parameters
    ----------
    samples : np.ndarray [shape=(n_samples,) or (n_samples, n_channels)]
        Audio samples, any float or integer dtype (not modified).
    rate : int > 0
        Their sample rate in Hz.
    sample_rate : int > 0
        Target rate in Hz.
    block_seconds : float > 0
        Length of a block, seconds.
    name : str
        How to refer to the audio in error messages.

    Returns
    -------
    n_samples : int
        Expected number of output samples (exact without resampling).
    blocks : iterator of np.ndarray [shape=(n,), dtype=float32]
        Their concatenation equals ``prepare_samples(samples, rate, ...)``.
    """
    x = _check_array(samples, rate, name)
    _check_block_seconds(block_seconds)
    block = max(1, round(block_seconds * int(rate)))
    chunks = (x[start : start + block] for start in range(0, x.shape[0], block))
    expected = _expected_samples(x.shape[0], int(rate), sample_rate)
    return expected, _mono_resampled(chunks, int(rate), sample_rate, name)


def _mono_resampled(
    chunks: Iterator[np.ndarray], rate: int, sample_rate: int, name: str
) -> Iterator[np.ndarray]:
    """Blocks (n, channels) of any dtype -> checked mono float32 blocks at ``sample_rate``."""
    stream: Any = None
    if rate != sample_rate:
        import soxr

        stream = soxr.ResampleStream(rate, sample_rate, 1, dtype="float32", quality="HQ")
    peak = 0.0
    for chunk in chunks:
        mono = _to_mono(chunk, name)
        if mono.size:
            peak = max(peak, float(np.max(np.abs(mono))))
        yield mono if stream is None else stream.resample_chunk(mono, last=False)
    if peak < SILENCE_PEAK:
        raise _silence_error(name)
    if stream is not None:
        yield stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)


def _to_mono(chunk: np.ndarray, name: str) -> np.ndarray:
    x = chunk
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max)
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise _not_finite_error(name)
    if x.size and float(np.max(np.abs(x))) > MAX_SAMPLE:
        raise DrumnmfError(
            f"{name} has samples of magnitude {float(np.max(np.abs(x))):.3g}, more than "
            f"{MAX_SAMPLE:g} times full scale (a corrupt float file?); repair or re-export it"
        )
    mono = x if x.ndim == 1 else x.mean(axis=1, dtype=np.float32)
    return np.ascontiguousarray(mono)


def _expected_samples(n_in: int, rate: int, sample_rate: int) -> int:
    if rate == sample_rate:
        return n_in
    return int(np.ceil(n_in * sample_rate / rate))


def _check_block_seconds(block_seconds: float) -> None:
    if isinstance(block_seconds, bool) or not isinstance(block_seconds, (int, float)):
        raise DrumnmfError(f"block_seconds must be a positive number, got {block_seconds!r}")
    if not (np.isfinite(block_seconds) and block_seconds > 0):
        raise DrumnmfError(f"block_seconds must be a positive number, got {block_seconds!r}")


def _check_audio_file(path: str | os.PathLike[str]) -> Path:
    """The path of a readable file with an audio header, or a DrumnmfError saying why not."""
    p = Path(path)
    if not p.exists():
        raise DrumnmfError(f"audio file not found: '{p}'; check the path")
    if p.is_dir():
        raise DrumnmfError(f"'{p}' is a folder, not an audio file; give a WAV/FLAC/OGG/MP3 file")
    if p.stat().st_size == 0:
        raise DrumnmfError(f"audio file '{p}' is empty (0 bytes); re-export it")
    try:
        with p.open("rb") as f:
            head = f.read(12)
    except OSError as exc:
        raise DrumnmfError(f"cannot read '{p}' ({exc.strerror}); check its permissions") from exc
    if not _looks_like_audio(head):
        raise DrumnmfError(
            f"'{p}' is not a WAV, FLAC, OGG, AIFF or MP3 file (unrecognised header); "
            "convert it to one of those"
        )
    return p


def _decode_error(p: Path, exc: BaseException) -> DrumnmfError:
    reason = str(exc).replace(f"Error opening '{p}': ", "") or type(exc).__name__
    return DrumnmfError(
        f"cannot decode '{p}' ({reason}); the file may be corrupt or truncated: "
        "re-export it as WAV, FLAC, OGG or MP3"
    )


def _not_finite_error(name: str) -> DrumnmfError:
    return DrumnmfError(
        f"{name} contains NaN or infinite samples (a corrupt float file?); repair or "
        "re-export it: drumnmf does not replace them"
    )


def _silence_error(name: str) -> DrumnmfError:
    return DrumnmfError(
        f"{name} is silent (peak below {SILENCE_PEAK:g}); check the file or the input gain"
    )


def _check_rate(rate: int, name: str) -> None:
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise DrumnmfError(
            f"{name} has a sample rate of {rate} Hz, outside {MIN_SAMPLE_RATE}-"
            f"{MAX_SAMPLE_RATE} Hz; resample it (e.g. to 44100 Hz) or check its header"
        )


def _looks_like_audio(head: bytes) -> bool:
    """Whether a file's first bytes are those of a format libsndfile reads."""
    if head[:4] in (b"RIFF", b"RIFX", b"RF64", b"fLaC", b"OggS", b"FORM", b"ID3\x03", b"caff"):
        return True
    if head[:3] == b"ID3":
        return True
    # an MPEG audio frame sync (11 set bits)
    return len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0


def prepare_samples(
    samples: np.ndarray,
    rate: int,
    *,
    sample_rate: int = 44100,
    name: str = "audio",
) -> np.ndarray:
    """Validate raw samples, mix them to mono and resample them.

    Parameters
    ----------
    samples : np.ndarray [shape=(n_samples,) or (n_samples, n_channels)]
        Audio samples, any float or integer dtype (not modified).
    rate : int > 0
        Their sample rate in Hz.
    sample_rate : int > 0
        Target rate in Hz.
    name : str
        How to refer to the audio in error messages.

    Returns
    -------
    np.ndarray [shape=(n_samples_out,), dtype=float32]
    """
    x = _check_array(samples, rate, name)
    mono = _to_mono(x, name)
    if float(np.max(np.abs(mono))) < SILENCE_PEAK:
        raise _silence_error(name)
    if rate != sample_rate:
        import soxr

        mono = soxr.resample(mono, int(rate), int(sample_rate), quality="HQ").astype(
            np.float32, copy=False
        )
    return np.ascontiguousarray(mono)


def _check_array(samples: np.ndarray, rate: int, name: str) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim not in (1, 2):
        raise DrumnmfError(
            f"{name}: samples must have shape (n_samples,) or (n_samples, n_channels), "
            f"got {x.shape}"
        )
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise DrumnmfError(f"{name}: sample rate must be a positive integer in Hz, got {rate!r}")
    _check_rate(int(rate), name)
    if x.shape[0] == 0 or (x.ndim == 2 and x.shape[1] == 0):
        raise DrumnmfError(f"{name} holds no samples; give a recording of at least a few ms")
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise DrumnmfError(f"{name}: samples must be integers or floats, got dtype {x.dtype}")
    return x


def write_audio(path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int) -> None:
    """Write mono or multichannel float samples atomically (format from the file suffix)."""
    import soundfile as sf

    from drumnmf.io.export import atomic_path

    p = Path(path)
    data = np.asarray(samples)
    channels = 1 if data.ndim == 1 else data.shape[1]
    with atomic_path(p) as tmp:
        # Written in blocks: libsndfile's Vorbis encoder crashes on long single writes.
        with sf.SoundFile(str(tmp), "w", int(sample_rate), channels, format=_format_for(p)) as out:
            for start in range(0, data.shape[0], 1 << 14):
                out.write(data[start : start + (1 << 14)])


def _format_for(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    formats = {"wav": "WAV", "flac": "FLAC", "ogg": "OGG", "mp3": "MP3"}
    if suffix not in formats:
        raise DrumnmfError(f"cannot write audio as '{path.suffix}'; use .wav, .flac, .ogg or .mp3")
    return formats[suffix]
