"""Moving medians and peak finding in numpy, for the transcription path.

The transcription path needs two things from SciPy's larger modules: a median filter
(``scipy.ndimage.median_filter``, for the percussive mask and the adaptive threshold) and
local maxima at a minimum distance (``scipy.signal.find_peaks``, for onset candidates).
Importing those modules costs more than half a second (``scipy.signal`` pulls in
``scipy.stats``), longer than transcribing a short file, so this module does the same in
numpy with the same results:

- :func:`moving_median` equals ``scipy.ndimage.median_filter(x, size, mode="nearest")``
  along one axis (for an even ``size``, the window ``[i - size // 2, i + size // 2)`` and
  its upper median, as SciPy's rank filter takes them);
- :func:`find_peaks` equals ``scipy.signal.find_peaks(x, distance=d)[0]`` (plateaus give
  their middle sample, rounded down; the higher peak wins within ``d`` samples, ties
  resolved in the same order).

Both work on blocks of the input so that their temporaries stay small on long signals.
"""

from __future__ import annotations

import math

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = ["find_peaks", "moving_median"]

_BLOCK_ELEMENTS = 1 << 20  # window elements per block: temporaries of a few MB


def moving_median(x: np.ndarray, size: int, *, axis: int = -1) -> np.ndarray:
    """Median over a moving window of ``size`` samples along ``axis``, edges repeated.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n, ...)]
        Finite values, any float dtype (not modified).
    size : int >= 1
        Window length in samples along ``axis``.
    axis : int
        The axis to filter along.

    Returns
    -------
    np.ndarray [same shape and dtype as ``x``]
        ``out[i]`` is the median of ``x[i - size // 2 : i - size // 2 + size]`` (indices
        clipped to the ends, SciPy's ``mode="nearest"``); for an even ``size`` the upper of
        the two middle values.

    Examples
    --------
    >>> moving_median(np.array([0.0, 5.0, 1.0, 2.0, 9.0]), 3)
    array([0., 1., 2., 2., 9.])
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise DrumnmfError(f"median window size must be a positive integer, got {size!r}")
    a = np.asarray(x)
    if a.ndim == 0:
        raise DrumnmfError("moving_median needs an array with at least one axis")
    size = int(size)
    moved = np.moveaxis(a, axis, -1)
    n = moved.shape[-1]
    out = np.empty(moved.shape, dtype=a.dtype)
    if n == 0 or size == 1:
        out[...] = moved
        return np.moveaxis(out, -1, axis)
    before = size // 2
    after = size - 1 - before
    rows = moved.reshape(-1, n)
    flat = out.reshape(-1, n)
    width = rows.shape[0] * size
    block = max(1, _BLOCK_ELEMENTS // max(1, width))
    for start in range(0, n, block):
        stop = min(n, start + block)
        lo, hi = start - before, stop + after  # window span of this block, maybe off the ends
        span = rows[:, max(lo, 0) : min(hi, n)]
        padded = np.pad(span, ((0, 0), (max(0, -lo), max(0, hi - n))), mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, size, axis=1)
        flat[:, start:stop] = np.partition(windows, before, axis=-1)[..., before]
    return np.moveaxis(out, -1, axis)


def find_peaks(x: np.ndarray, *, distance: float | None = None) -> np.ndarray:
    """Indices of the local maxima of a 1-D signal, at least ``distance`` samples apart.

    Parameters
    ----------
    x : np.ndarray [shape=(n,)]
        The signal (not modified); ``-inf`` is allowed (e.g. as padding).
    distance : float >= 1, optional
        Smallest distance between two peaks in samples; within it the higher peak wins.

    Returns
    -------
    np.ndarray [shape=(n_peaks,), dtype=intp]
        Increasing indices. A peak is a sample (or a plateau of equal samples, giving its
        middle sample, rounded down) with a lower sample on both sides: the first and last
        samples are never peaks.

    Examples
    --------
    >>> find_peaks(np.array([0.0, 2.0, 0.0, 1.0, 1.0, 0.0, 3.0, 0.0]), distance=3)
    array([1, 6])
    """
    v = np.asarray(x, dtype=np.float64)
    if v.ndim != 1:
        raise DrumnmfError(f"find_peaks needs a 1-D signal, got shape {v.shape}")
    if distance is not None and not distance >= 1:
        raise DrumnmfError(f"peak distance must be >= 1 sample, got {distance!r}")
    peaks = _local_maxima(v)
    if distance is None or peaks.size < 2:
        return peaks
    keep = _select_by_distance(peaks, v[peaks], math.ceil(distance))
    return peaks[keep]


def _local_maxima(v: np.ndarray) -> np.ndarray:
    """Middle samples of runs of equal values higher than both neighbours."""
    n = v.size
    if n < 3:
        return np.zeros(0, dtype=np.intp)
    change = np.flatnonzero(v[1:] != v[:-1]) + 1  # first sample of each run but the first
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change - 1, [n - 1]))
    inner = (starts > 0) & (ends < n - 1)
    starts, ends = starts[inner], ends[inner]
    up = v[starts - 1] < v[starts]
    down = v[ends + 1] < v[ends]
    hit = up & down
    return ((starts[hit] + ends[hit]) // 2).astype(np.intp)


def _select_by_distance(peaks: np.ndarray, heights: np.ndarray, distance: int) -> np.ndarray:
    """Keep the highest peaks first, removing the others within ``distance`` of a kept one."""
    # The same priority order as SciPy (np.argsort, its default kind), so ties match too.
    order = np.argsort(heights)[::-1].tolist()
    position = peaks.tolist()
    keep = [True] * len(position)
    count = len(position)
    for j in order:
        if not keep[j]:
            continue
        here = position[j]
        k = j - 1
        while k >= 0 and here - position[k] < distance:
            keep[k] = False
            k -= 1
        k = j + 1
        while k < count and position[k] - here < distance:
            keep[k] = False
            k += 1
    return np.asarray(keep, dtype=bool)
