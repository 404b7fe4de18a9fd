"""Magnitude spectrogram: the matrix the factorization explains.

Conventions
-----------
Frames are centred: frame ``t`` covers samples ``t * hop_length - n_fft // 2`` to
``t * hop_length + n_fft // 2`` (the signal is zero-padded at both ends), so frame ``t``
stands for time ``t * hop_length / sample_rate`` seconds. A click at time ``s`` therefore
peaks in frame ``round(s * sample_rate / hop_length)``, within half a hop of ``s``.
The number of frames is ``1 + n_samples // hop_length``.

The paper's setting (window 2048, hop 512, Hann, 44.1 kHz) is the default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = [
    "SpectrogramSettings",
    "frames_to_seconds",
    "magnitude_spectrogram",
    "seconds_to_frames",
]


@dataclass(frozen=True)
class SpectrogramSettings:
    """How audio becomes a magnitude spectrogram.

    Parameters
    ----------
    sample_rate : int > 0
        Analysis rate in Hz; audio at any other rate is resampled to it.
    n_fft : int > 0
        Window (and FFT) length in samples; ``n_fft // 2 + 1`` frequency bins.
    hop_length : int > 0
        Hop between frames in samples (512 at 44.1 kHz is 11.6 ms).
    window : str
        A window name understood by :func:`scipy.signal.get_window`.
    """

    sample_rate: int = 44100
    n_fft: int = 2048
    hop_length: int = 512
    window: str = "hann"

    def __post_init__(self) -> None:
        for name in ("sample_rate", "n_fft", "hop_length"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise DrumnmfError(f"{name} must be a positive integer, got {value!r}")
        if self.hop_length > self.n_fft:
            raise DrumnmfError(
                f"hop_length={self.hop_length} is larger than n_fft={self.n_fft}: "
                "samples between frames would be skipped; use hop_length <= n_fft"
            )
        try:
            _window(self.window, 8)
        except (ValueError, TypeError) as exc:
            raise DrumnmfError(
                f"unknown window {self.window!r}; use a scipy window name such as 'hann'"
            ) from exc

    @property
    def n_bins(self) -> int:
        """Number of frequency bins, ``n_fft // 2 + 1``."""
        return self.n_fft // 2 + 1

    @property
    def frame_seconds(self) -> float:
        """Hop between frames in seconds."""
        return self.hop_length / self.sample_rate

    def bin_frequencies(self) -> np.ndarray:
        """Centre frequency of each bin in Hz, shape ``(n_bins,)``."""
        return np.fft.rfftfreq(self.n_fft, d=1.0 / self.sample_rate)

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dictionary."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpectrogramSettings:
        """Inverse of :meth:`to_dict`."""
        try:
            return cls(
                sample_rate=int(data["sample_rate"]),
                n_fft=int(data["n_fft"]),
                hop_length=int(data["hop_length"]),
                window=str(data["window"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DrumnmfError(f"invalid spectrogram settings {data!r}: {exc}") from exc


def magnitude_spectrogram(
    samples: np.ndarray,
    settings: SpectrogramSettings | None = None,
    *,
    dtype: type = np.float32,
) -> np.ndarray:
    """Magnitude STFT of a mono signal (the paper's ``V``).

    Parameters
    ----------
    samples : np.ndarray [shape=(n_samples,)]
        Mono audio at ``settings.sample_rate``.
    settings : SpectrogramSettings, optional
        Window, hop and rate; the paper's defaults when omitted.
    dtype : numpy float type
        Output precision (float32 by default).

    Returns
    -------
    np.ndarray [shape=(n_bins, n_frames)]
        Nonnegative magnitudes; ``n_frames = 1 + n_samples // hop_length``.

    Examples
    --------
    >>> import numpy as np
    >>> V = magnitude_spectrogram(np.zeros(44100))
    >>> V.shape
    (1025, 87)
    """
    settings = settings or SpectrogramSettings()
    x = np.asarray(samples)
    if x.ndim != 1:
        raise DrumnmfError(
            f"samples must be mono with shape (n_samples,), got shape {x.shape}; mix channels first"
        )
    if x.size == 0:
        raise DrumnmfError("samples is empty; give at least one sample of audio")
    if not np.all(np.isfinite(x)):
        raise DrumnmfError("samples contain NaN or infinite values; clean the audio first")
    n_fft, hop = settings.n_fft, settings.hop_length
    work = np.float32 if np.dtype(dtype) == np.float32 else np.float64
    half = n_fft // 2
    padded = np.zeros(x.size + 2 * half + n_fft, dtype=work)
    padded[half : half + x.size] = x
    n_frames = 1 + x.size // hop
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop][:n_frames]
    window = _window(settings.window, n_fft).astype(work)
    out: np.ndarray = np.empty((settings.n_bins, n_frames), dtype=dtype)
    rfft = fft_for(n_frames)
    # Blocks of frames keep the temporaries small (cache-friendly, low peak memory).
    for start in range(0, n_frames, _BLOCK_FRAMES):
        block = frames[start : start + _BLOCK_FRAMES] * window
        out[:, start : start + block.shape[0]] = np.abs(rfft(block)).T
    return out


_BLOCK_FRAMES = 512

# From this many frames (about 5 minutes at hop 512) on, scipy.fft's float32 transform
# (about 3x faster than numpy's) repays its import (about 0.17 s).
SCIPY_FFT_FRAMES = 26000


def fft_for(n_frames: int) -> Callable[[np.ndarray], np.ndarray]:
    """The real FFT over the last axis used for a spectrogram of ``n_frames`` frames.

    numpy's for short recordings (no import cost), scipy.fft's for long ones. The two
    agree to about 1e-7 relative; the choice depends only on the length, so one recording
    always gets the same one.
    """
    if n_frames < SCIPY_FFT_FRAMES:
        return _numpy_rfft
    import scipy.fft

    def rfft(block: np.ndarray) -> np.ndarray:
        return np.asarray(scipy.fft.rfft(block, axis=1, workers=-1))

    return rfft


def _numpy_rfft(block: np.ndarray) -> np.ndarray:
    return np.fft.rfft(block, axis=1)


def _window(name: str, n_fft: int) -> np.ndarray:
    """Periodic analysis window (numpy for Hann, so scipy.signal stays unimported)."""
    if name == "hann":
        return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    import scipy.signal

    return scipy.signal.get_window(name, n_fft)


def frames_to_seconds(frames: np.ndarray | float, settings: SpectrogramSettings) -> np.ndarray:
    """Time in seconds of frame indices (centred frames)."""
    return np.asarray(frames, dtype=np.float64) * settings.frame_seconds


def seconds_to_frames(seconds: np.ndarray | float, settings: SpectrogramSettings) -> np.ndarray:
    """Nearest frame index of times in seconds."""
    return np.rint(np.asarray(seconds, dtype=np.float64) / settings.frame_seconds).astype(np.int64)
