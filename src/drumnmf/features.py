"""What the factorization explains: a log-frequency, percussion-enhanced magnitude spectrogram.

Between the STFT (:mod:`drumnmf.spectrogram`) and the factorization
(:mod:`drumnmf.factorization`), two optional steps reshape ``V``:

Log-frequency filterbank
    :func:`log_filterbank` sums the STFT bins into triangular bands spaced
    ``bands_per_octave`` per octave between ``fmin`` and ``fmax`` (bands narrower than a
    bin collapse into that bin, so the low end keeps the STFT's own resolution). The
    filters are not normalized: a band holds the (weighted) sum of its bins, so wide
    high-frequency bands keep their share of the energy. The map is linear and
    nonnegative, so the fixed drum templates go through the same matrix and the model
    ``B V ~ (B W_D) H_D + W_H H_H`` stays a partially fixed NMF, on about 100 rows
    instead of 1025 (12 bands per octave, 30 Hz - 16 kHz, n_fft 2048 at 44.1 kHz).

Percussive enhancement
    :func:`percussive_spectrogram` multiplies the spectrogram by the soft percussive mask
    of median-filtering harmonic-percussive separation (Fitzgerald 2010, as in
    ``librosa.decompose.hpss``): ``P^p / (P^p + H^p)`` with ``H`` the median over
    ``time_frames`` frames of each row and ``P`` the median over ``freq_bands`` rows of
    each frame. Sustained (harmonic) energy of the accompaniment and ringing cymbals is
    attenuated before the drum templates try to explain it.

Conventions: spectrograms are ``(n_bins, n_frames)``; nothing here changes the frame
grid, so onset times keep the STFT's frame times.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.filters import moving_median
from drumnmf.spectrogram import SpectrogramSettings

__all__ = ["apply_filterbank", "log_filterbank", "percussive_mask", "percussive_spectrogram"]

_TINY = 1e-12  # keeps the mask defined where both medians are zero (silence)


def log_filterbank(
    settings: SpectrogramSettings | None = None,
    *,
    bands_per_octave: int = 12,
    fmin: float = 30.0,
    fmax: float = 16000.0,
) -> np.ndarray:
    """Triangular log-frequency filters mapping STFT bins to bands.

    Parameters
    ----------
    settings : SpectrogramSettings, optional
        The STFT the filters apply to (rate and ``n_fft``); the paper's by default.
    bands_per_octave : int > 0
        Band density (12: semitone spacing).
    fmin, fmax : float, 0 < fmin < fmax
        Centre of the lowest band and highest centre frequency considered, Hz; ``fmax``
        is clipped to the Nyquist frequency.

    Returns
    -------
    np.ndarray [shape=(n_bands, n_bins)], float64, >= 0
        One row per band; every row has a positive entry and rows are distinct. Apply as
        ``filters @ spectrogram``.

    Raises
    ------
    DrumnmfError
        On invalid options, or when fewer than two bands fit between ``fmin`` and ``fmax``.

    Examples
    --------
    >>> B = log_filterbank()
    >>> B.shape[1], 80 < B.shape[0] < 140
    (1025, True)
    """
    settings = settings or SpectrogramSettings()
    if isinstance(bands_per_octave, bool) or not isinstance(bands_per_octave, (int, np.integer)):
        raise DrumnmfError(
            f"bands_per_octave must be an integer (e.g. 12), got {bands_per_octave!r}"
        )
    if bands_per_octave < 1:
        raise DrumnmfError(f"bands_per_octave must be >= 1 (e.g. 12), got {bands_per_octave}")
    if not (np.isfinite(fmin) and np.isfinite(fmax) and 0 < fmin < fmax):
        raise DrumnmfError(
            f"need 0 < fmin < fmax in Hz (e.g. 30 and 16000), got fmin={fmin!r}, fmax={fmax!r}"
        )
    resolution = settings.sample_rate / settings.n_fft  # Hz per bin
    n_bins = settings.n_bins
    top = min(float(fmax), settings.sample_rate / 2)
    n_centres = int(np.floor(np.log2(top / fmin) * bands_per_octave)) + 1
    centres = fmin * 2.0 ** (np.arange(n_centres) / bands_per_octave)
    bins = np.unique(np.rint(centres / resolution).astype(np.int64))
    bins = bins[(bins >= 0) & (bins < n_bins)]
    if bins.size < 3:
        raise DrumnmfError(
            f"only {bins.size} distinct bins between fmin={fmin} and fmax={fmax} Hz; "
            "widen the range or raise n_fft"
        )
    filters = np.zeros((bins.size - 2, n_bins), dtype=np.float64)
    for row, (low, centre, high) in enumerate(zip(bins[:-2], bins[1:-1], bins[2:], strict=True)):
        filters[row, low : centre + 1] = np.linspace(0.0, 1.0, centre - low + 1)
        filters[row, centre : high + 1] = np.linspace(1.0, 0.0, high - centre + 1)
    return filters


def apply_filterbank(filters: np.ndarray, spectrogram: np.ndarray) -> np.ndarray:
    """``filters @ spectrogram`` computed band by band over each band's nonzero bins.

    A triangular band spans a few bins, so this is about 50 times less arithmetic than the
    dense product (with the same float64 accumulation) on a 1025-bin STFT.

    Parameters
    ----------
    filters : np.ndarray [shape=(n_bands, n_bins)], >= 0
        From :func:`log_filterbank`.
    spectrogram : np.ndarray [shape=(n_bins, n_frames)]
        Magnitudes (not modified).

    Returns
    -------
    np.ndarray [shape=(n_bands, n_frames)], the dtype of ``spectrogram``
    """
    F = np.asarray(filters)
    V = np.asarray(spectrogram)
    if F.ndim != 2 or V.ndim != 2 or F.shape[1] != V.shape[0]:
        raise DrumnmfError(
            f"filters {F.shape} and spectrogram {V.shape} do not match: need "
            "(n_bands, n_bins) and (n_bins, n_frames)"
        )
    out = np.empty((F.shape[0], V.shape[1]), dtype=V.dtype)
    for row, weights in enumerate(F):
        inside = np.flatnonzero(weights)
        if inside.size == 0:
            out[row] = 0
            continue
        lo, hi = int(inside[0]), int(inside[-1]) + 1
        out[row] = weights[lo:hi] @ V[lo:hi]
    return out


def _check_spectrogram(spectrogram: np.ndarray) -> np.ndarray:
    V = np.asarray(spectrogram)
    if V.ndim != 2:
        raise DrumnmfError(f"a spectrogram must be 2-D (n_bins, n_frames), got shape {V.shape}")
    if not np.all(np.isfinite(V)) or np.any(V < 0):
        raise DrumnmfError("the spectrogram must be finite and nonnegative (a magnitude STFT)")
    return V


def percussive_mask(
    spectrogram: np.ndarray, *, time_frames: int = 17, freq_bands: int = 7, power: float = 2.0
) -> np.ndarray:
    """Soft percussive mask of median-filtering harmonic-percussive separation.

    Parameters
    ----------
    spectrogram : np.ndarray [shape=(n_bins, n_frames)], >= 0
        Magnitudes (linear STFT bins or filterbank bands).
    time_frames : int >= 1
        Length of the horizontal (harmonic) median, frames (17 = 0.2 s at hop 512).
    freq_bands : int >= 1
        Length of the vertical (percussive) median, rows.
    power : float > 0
        Exponent of the soft mask (2: Wiener-like).

    Returns
    -------
    np.ndarray [shape=(n_bins, n_frames)], values in [0, 1]
        ``P^p / (P^p + H^p)``; 0.5 where both medians vanish.
    """
    V = _check_spectrogram(spectrogram)
    _check_mask_options(time_frames, freq_bands, power)
    work = V.astype(np.float32 if V.dtype == np.float32 else np.float64, copy=False)
    out = np.empty(work.shape, dtype=work.dtype)
    for start, stop, mask in _mask_blocks(work, int(time_frames), int(freq_bands), power):
        out[:, start:stop] = mask
    return out


def _check_mask_options(time_frames: int, freq_bands: int, power: float) -> None:
    for name, value in (("time_frames", time_frames), ("freq_bands", freq_bands)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise DrumnmfError(f"{name} must be a positive integer (e.g. 17 and 7), got {value!r}")
    if not (np.isfinite(power) and power > 0):
        raise DrumnmfError(f"power must be a positive number (e.g. 2), got {power!r}")


def _mask_blocks(
    work: np.ndarray, time_frames: int, freq_bands: int, power: float
) -> Iterator[tuple[int, int, np.ndarray]]:
    """The percussive mask of ``work`` block of frames by block: (start, stop, mask)."""
    n_frames = work.shape[1]
    scale = float(np.max(work)) if work.size else 0.0
    before, after = time_frames // 2, time_frames - 1 - time_frames // 2
    tiny = np.asarray(_TINY, dtype=work.dtype)
    # Blocks of frames keep the temporaries small; each block reads the frames its time
    # median reaches beyond it, so the result equals the whole-matrix filter exactly.
    for start in range(0, n_frames, _MASK_BLOCK_FRAMES):
        stop = min(n_frames, start + _MASK_BLOCK_FRAMES)
        if scale <= 0:
            yield start, stop, np.full((work.shape[0], stop - start), 0.5, dtype=work.dtype)
            continue
        lo, hi = max(0, start - before), min(n_frames, stop + after)
        harmonic = moving_median(work[:, lo:hi], time_frames, axis=1)[:, start - lo : stop - lo]
        percussive = moving_median(work[:, start:stop], freq_bands, axis=0)
        # Medians divided by the peak so that power > 1 neither overflows nor underflows.
        harmonic = (harmonic / scale) ** power
        percussive = (percussive / scale) ** power
        yield start, stop, (percussive + tiny / 2) / (percussive + harmonic + tiny)


_MASK_BLOCK_FRAMES = 2048


def percussive_spectrogram(
    spectrogram: np.ndarray, *, time_frames: int = 17, freq_bands: int = 7, power: float = 2.0
) -> np.ndarray:
    """The spectrogram times its soft percussive mask (see :func:`percussive_mask`).

    Parameters
    ----------
    spectrogram : np.ndarray [shape=(n_bins, n_frames)], >= 0
    time_frames, freq_bands, power
        As in :func:`percussive_mask`.

    Returns
    -------
    np.ndarray [shape=(n_bins, n_frames)]
        A new array, same dtype, ``0 <= out <= spectrogram``.

    Examples
    --------
    >>> import numpy as np
    >>> V = np.ones((8, 40)); V[:, 20] = 10.0  # a steady tone plus one click
    >>> P = percussive_spectrogram(V, time_frames=9, freq_bands=3)
    >>> bool(P[:, 20].min() > 9.0), bool(P[:, 5].max() < 0.6)
    (True, True)
    """
    V = _check_spectrogram(spectrogram)
    _check_mask_options(time_frames, freq_bands, power)
    work = V.astype(np.float32 if V.dtype == np.float32 else np.float64, copy=False)
    out = np.empty(V.shape, dtype=V.dtype)
    # Block by block: the whole mask is never held beside the spectrogram and the result.
    for start, stop, mask in _mask_blocks(work, int(time_frames), int(freq_bands), power):
        out[:, start:stop] = V[:, start:stop] * mask
    return out
