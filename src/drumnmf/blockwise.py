"""The audio, spectrogram and feature stages block by block, in memory bounded by the features.

:func:`blockwise_features` reads the audio in blocks (:func:`drumnmf.io.audio.stream_audio`),
resamples it with a streaming resampler, computes the magnitude STFT of each block of
frames and maps it through the log-frequency filterbank at once, so that only the banded
spectrogram (about 100 rows, 0.12 GB for an hour) is ever whole in memory; the samples
(0.6 GB an hour at 44.1 kHz) and the linear STFT (1.3 GB an hour) never are. The
percussive mask of :mod:`drumnmf.features` then runs over blocks of frames of the banded
spectrogram, each block reading the frames its time median needs beyond its edges.

The result equals the whole-signal path (:func:`drumnmf.spectrogram.magnitude_spectrogram`
then :func:`drumnmf.pipeline.spectrogram_features`) frame for frame: the frames are the
same samples, every frame is transformed on its own, and the filterbank and the mask
treat columns independently (to float32 rounding; ``tests/test_blockwise.py`` checks
equal onsets).

Display spectrogram
-------------------
The report draws the linear spectrogram. It is kept at display resolution: at most
``spectrogram_columns`` columns, each the maximum of ``step`` consecutive frames (the
pooling :func:`drumnmf.display.images.log_frequency_image` does), so a recording of up to
``spectrogram_columns`` frames (70 s with the default 6000) keeps every frame. Without a
filterbank (the paper's setting) the linear spectrogram is what is factorized and is kept
whole.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from drumnmf.errors import DrumnmfError
from drumnmf.features import apply_filterbank, log_filterbank, percussive_spectrogram
from drumnmf.io.audio import stream_audio, stream_samples
from drumnmf.spectrogram import SpectrogramSettings, _window, fft_for

__all__ = ["DISPLAY_COLUMNS", "BlockwiseFeatures", "blockwise_features", "stft_blocks"]

# Columns of the display spectrogram: the report's default image width, so that pooling
# here and there gives the image the whole-spectrogram path gives.
DISPLAY_COLUMNS = 6000


@dataclass(frozen=True, eq=False)
class BlockwiseFeatures:
    """What the feature stages produce for the factorization and the outputs.

    Attributes
    ----------
    features : np.ndarray [shape=(n_rows, n_frames), dtype=float32] or None
        The matrix to factorize (filterbank bands and/or percussive enhancement); None
        when it is the linear spectrogram itself (neither step on, the paper's setting).
    templates : np.ndarray [shape=(n_rows, n_templates)]
        The kit's templates in the rows of ``features`` (through the same filterbank).
    spectrogram : np.ndarray [shape=(n_bins, n_columns), dtype=float32]
        The linear magnitude STFT, every frame (``step == 1``) or max-pooled over
        ``step`` frames per column for display.
    step : int >= 1
        Frames per column of ``spectrogram`` (the last column may hold fewer).
    n_frames : int
        Frames of the STFT, ``1 + n_samples // hop_length``.
    n_samples : int
        Samples of the audio at the analysis rate.
    seconds : dict str -> float
        Time spent decoding and resampling (``load``), in the STFT (``spectrogram``) and
        in the filterbank, pooling and mask (``features``).
    """

    features: np.ndarray | None
    templates: np.ndarray
    spectrogram: np.ndarray
    step: int
    n_frames: int
    n_samples: int
    seconds: dict[str, float] = field(default_factory=dict)


def blockwise_features(
    audio: str | os.PathLike[str] | np.ndarray,
    templates: np.ndarray,
    settings: SpectrogramSettings,
    *,
    sample_rate: int | None = None,
    bands_per_octave: int = 12,
    fmin: float = 30.0,
    fmax: float = 16000.0,
    percussive_frames: int = 17,
    percussive_bands: int = 7,
    block_seconds: float = 10.0,
    spectrogram_columns: int | None = DISPLAY_COLUMNS,
) -> BlockwiseFeatures:
    """Decode, resample, STFT and filter a recording block by block.

    Parameters
    ----------
    audio : path-like or np.ndarray [shape=(n_samples,) or (n_samples, n_channels)]
        An audio file, or samples at ``sample_rate``.
    templates : np.ndarray [shape=(n_bins, n_templates)]
        The kit's templates, in the STFT's bins.
    settings : SpectrogramSettings
        The kit's STFT settings (analysis rate, window, hop).
    sample_rate : int, optional
        Rate of ``audio`` when it is an array, Hz.
    bands_per_octave, fmin, fmax
        The filterbank (:func:`drumnmf.features.log_filterbank`); 0 bands per octave keeps
        the linear bins.
    percussive_frames, percussive_bands
        The percussive mask (:func:`drumnmf.features.percussive_spectrogram`); 0 frames
        turns it off.
    block_seconds : float > 0
        Audio per block, seconds (memory of the temporaries, not of the result).
    spectrogram_columns : int > 0 or None
        Most columns of the display spectrogram; None keeps every frame (memory then
        grows with the linear STFT, 1.3 GB an hour).

    Returns
    -------
    BlockwiseFeatures

    Raises
    ------
    DrumnmfError
        On unreadable or invalid audio (see :func:`drumnmf.io.audio.stream_audio`) or
        invalid options.
    """
    if spectrogram_columns is not None and (
        isinstance(spectrogram_columns, bool)
        or not isinstance(spectrogram_columns, (int, np.integer))
        or spectrogram_columns < 1
    ):
        raise DrumnmfError(
            f"spectrogram_columns must be a positive integer or None (every frame), "
            f"got {spectrogram_columns!r}"
        )
    if isinstance(audio, np.ndarray):
        if sample_rate is None:
            raise DrumnmfError("sample_rate is required when audio is an array of samples")
        expected, blocks = stream_samples(
            audio, sample_rate, sample_rate=settings.sample_rate, block_seconds=block_seconds
        )
    else:
        expected, blocks = stream_audio(
            audio, sample_rate=settings.sample_rate, block_seconds=block_seconds
        )
    filters = None
    if bands_per_octave:
        filters = log_filterbank(settings, bands_per_octave=bands_per_octave, fmin=fmin, fmax=fmax)
    # The header's length only sizes the buffers (which grow if it was short); a corrupt
    # header may declare anything, so no buffer is sized beyond _MAX_BUFFER_BYTES.
    expected_frames = 1 + expected // settings.hop_length
    step = 1
    if filters is not None and spectrogram_columns is not None:
        step = max(1, math.ceil(expected_frames / int(spectrogram_columns)))
    block_frames = max(1, round(block_seconds / settings.frame_seconds))
    block_frames = step * math.ceil(block_frames / step)  # display columns never straddle
    rows = settings.n_bins if filters is None else filters.shape[0]
    banded = _Columns(rows, expected_frames + 2)
    display = banded
    if filters is not None:
        display = _Columns(settings.n_bins, expected_frames // step + 2)
    # One BLAS thread: the band products are small, and on a busy machine a second
    # thread's synchronisation costs more than it saves (as in the factorization).
    with threadpool_limits(limits=1, user_api="blas"):
        staged = _stream(
            blocks, settings, filters, step, block_frames, expected_frames, banded, display
        )
    counter, filtering, seconds = staged
    if counter.total < settings.n_fft:
        name = "the audio" if isinstance(audio, np.ndarray) else f"'{os.fspath(audio)}'"
        raise DrumnmfError(
            f"{name} is {1000 * counter.total / settings.sample_rate:.1f} ms long, shorter "
            f"than one analysis window ({settings.n_fft} samples, "
            f"{1000 * settings.n_fft / settings.sample_rate:.0f} ms); give a longer recording"
        )
    clock = time.perf_counter()
    n_frames = 1 + counter.total // settings.hop_length
    matrix = banded.array()
    spectrogram = matrix if filters is None else display.array()
    features: np.ndarray | None = None if filters is None else matrix
    rows_templates = templates if filters is None else filters @ templates
    if percussive_frames:
        features = percussive_spectrogram(
            matrix, time_frames=percussive_frames, freq_bands=percussive_bands
        )
    seconds["features"] = filtering + time.perf_counter() - clock
    return BlockwiseFeatures(
        features=features,
        templates=rows_templates,
        spectrogram=spectrogram,
        step=step,
        n_frames=n_frames,
        n_samples=counter.total,
        seconds=seconds,
    )


def _stream(
    blocks: Iterator[np.ndarray],
    settings: SpectrogramSettings,
    filters: np.ndarray | None,
    step: int,
    block_frames: int,
    expected_frames: int,
    banded: _Columns,
    display: _Columns,
) -> tuple[_Count, float, dict[str, float]]:
    """Run the blocks through the STFT, the filterbank and the display pooling."""
    counter = _Count()
    filtering = 0.0
    clock = time.perf_counter()
    for V in stft_blocks(
        counter.counted(blocks),
        settings,
        block_frames=block_frames,
        expected_frames=expected_frames,
    ):
        if filters is None:
            banded.append(V)
            continue
        start = time.perf_counter()
        banded.append(apply_filterbank(filters, V))
        display.append(V if step == 1 else _pool_frames(V, step))
        filtering += time.perf_counter() - start
    seconds = {
        "load": counter.seconds,
        "spectrogram": time.perf_counter() - clock - counter.seconds - filtering,
    }
    return counter, filtering, seconds


def stft_blocks(
    blocks: Iterable[np.ndarray],
    settings: SpectrogramSettings,
    *,
    block_frames: int = 1024,
    expected_frames: int | None = None,
) -> Iterator[np.ndarray]:
    """Magnitude STFT of a signal given block by block, in blocks of frames.

    The frames are those of :func:`drumnmf.spectrogram.magnitude_spectrogram` (centred,
    zero-padded at both ends), and so are their values.

    Parameters
    ----------
    blocks : iterable of np.ndarray [shape=(n,)]
        Consecutive mono float32 samples at ``settings.sample_rate`` (any lengths).
    settings : SpectrogramSettings
    block_frames : int > 0
        Frames per yielded block (the last one may hold fewer).
    expected_frames : int, optional
        Expected total of frames, to choose the FFT as the whole-signal path does.

    Yields
    ------
    np.ndarray [shape=(n_bins, k), dtype=float32]
        Consecutive frames; ``1 + n_samples // hop_length`` in all.
    """
    n_fft, hop = settings.n_fft, settings.hop_length
    half = n_fft // 2
    window = _window(settings.window, n_fft).astype(np.float32)
    rfft = fft_for(expected_frames if expected_frames is not None else 0)
    pending: list[np.ndarray] = [np.zeros(half, dtype=np.float32)]  # the leading padding
    held = half  # samples in pending; pending starts at frame `done`'s first sample
    total = 0
    done = 0

    def frames_of(buffer: np.ndarray, k: int) -> np.ndarray:
        frames = np.lib.stride_tricks.sliding_window_view(buffer, n_fft)[::hop][:k]
        out: np.ndarray = np.abs(rfft(frames * window)).T.astype(np.float32, copy=False)
        return out

    for block in blocks:
        x = np.asarray(block, dtype=np.float32)
        if x.size == 0:
            continue
        pending.append(x)
        held += x.size
        total += x.size
        ready = (held - n_fft) // hop + 1 if held >= n_fft else 0
        if ready < block_frames:
            continue
        k = block_frames * (ready // block_frames)
        buffer = np.concatenate(pending)
        for start in range(0, k, block_frames):
            yield frames_of(buffer[start * hop :], block_frames)
        done += k
        pending = [buffer[k * hop :]]
        held = pending[0].size
    if total == 0:
        raise DrumnmfError("the audio holds no samples; give at least one sample of audio")
    remaining = 1 + total // hop - done
    buffer = np.concatenate(pending)
    need = (remaining - 1) * hop + n_fft
    if buffer.size < need:  # the trailing zero padding
        buffer = np.concatenate((buffer, np.zeros(need - buffer.size, dtype=np.float32)))
    for start in range(0, remaining, block_frames):
        yield frames_of(buffer[start * hop :], min(block_frames, remaining - start))


class _Count:
    """Counts the samples of the blocks passing through and the time spent making them."""

    def __init__(self) -> None:
        self.total = 0
        self.seconds = 0.0

    def counted(self, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        source = iter(blocks)
        while True:
            clock = time.perf_counter()
            block = next(source, None)
            self.seconds += time.perf_counter() - clock
            if block is None:
                return
            self.total += int(block.size)
            yield block


def _pool_frames(V: np.ndarray, step: int) -> np.ndarray:
    """Maximum over each ``step`` consecutive frames (columns) of ``V``, the last group short.

    Equal to ``np.maximum.reduceat(V, range(0, n, step), axis=1)``, computed frame-major
    (the STFT's own layout) where groups are contiguous.
    """
    frames = V.T  # (n_frames, n_bins); contiguous when V is the STFT's transposed output
    n = frames.shape[0]
    full = n - n % step
    groups = [frames[:full].reshape(-1, step, frames.shape[1]).max(axis=1)]
    if full < n:
        groups.append(frames[full:].max(axis=0, keepdims=True))
    return np.concatenate(groups, axis=0).T


_MAX_BUFFER_BYTES = 1 << 31  # reserved, not touched: pages are used only as frames arrive


class _Columns:
    """A (rows, columns) float32 matrix filled column block by column block."""

    def __init__(self, rows: int, capacity: int) -> None:
        capacity = min(capacity, _MAX_BUFFER_BYTES // (4 * rows))
        self.data = np.empty((rows, max(1, capacity)), dtype=np.float32)
        self.size = 0

    def append(self, block: np.ndarray) -> None:
        k = block.shape[1]
        if self.size + k > self.data.shape[1]:  # longer than the header said: grow
            bigger = np.empty((self.data.shape[0], 2 * (self.size + k)), dtype=np.float32)
            bigger[:, : self.size] = self.data[:, : self.size]
            self.data = bigger
        self.data[:, self.size : self.size + k] = block
        self.size += k

    def array(self) -> np.ndarray:
        if self.size == self.data.shape[1]:
            return self.data
        return np.ascontiguousarray(self.data[:, : self.size])
