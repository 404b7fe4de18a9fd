"""Audio in: read any file soundfile can decode, mix to mono, resample with soxr.

WAV, FLAC, OGG/Vorbis and MP3 are read by libsndfile (the wheel of ``soundfile`` bundles
a build with MP3 support). Samples are float32 in [-1, 1].
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = ["load_audio", "prepare_samples", "write_audio"]

# Below this peak level (about -100 dBFS) a signal is treated as silence.
SILENCE_PEAK = 1e-5


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
    try:
        data, rate = sf.read(str(p), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        reason = str(exc).replace(f"Error opening '{p}': ", "")
        raise DrumnmfError(
            f"cannot decode '{p}' ({reason}); the file may be corrupt or truncated: "
            "re-export it as WAV, FLAC, OGG or MP3"
        ) from exc
    if data.shape[0] == 0:
        raise DrumnmfError(f"'{p}' holds no audio frames (truncated?); re-export it")
    return prepare_samples(data, rate, sample_rate=sample_rate, name=f"'{p}'")


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
    x = np.asarray(samples)
    if x.ndim not in (1, 2):
        raise DrumnmfError(
            f"{name}: samples must have shape (n_samples,) or (n_samples, n_channels), "
            f"got {x.shape}"
        )
    if not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise DrumnmfError(f"{name}: sample rate must be a positive integer in Hz, got {rate!r}")
    if x.shape[0] == 0:
        raise DrumnmfError(f"{name} holds no samples; give a recording of at least a few ms")
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max)
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise DrumnmfError(f"{name} contains NaN or infinite samples; repair or re-export it")
    mono = x if x.ndim == 1 else x.mean(axis=1, dtype=np.float32)
    if float(np.max(np.abs(mono))) < SILENCE_PEAK:
        raise DrumnmfError(
            f"{name} is silent (peak below {SILENCE_PEAK:g}); check the file or the input gain"
        )
    if rate != sample_rate:
        import soxr

        mono = soxr.resample(mono, int(rate), int(sample_rate), quality="HQ").astype(
            np.float32, copy=False
        )
    return np.ascontiguousarray(mono)


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
