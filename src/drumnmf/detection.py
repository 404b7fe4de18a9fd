"""A picker in decibels, so that a ghost note 25 dB under the loudest hit can pass.

The paper's adaptive threshold (:func:`drumnmf.onsets.pick_adaptive`) adds an offset of
5-15 % of the row's maximum to a moving median: a hit more than about 20 dB under the
loudest one can never reach it. :func:`pick_db` judges every candidate peak in a log
domain instead:

* the row ``a`` is expressed in dB relative to its own scale ``r`` (its maximum):
  ``L = 20 log10(a / r)``;
* a peak is kept when it stands ``delta_db`` above the median of ``L`` over the
  ``window`` seconds that end ``LAG_FRAMES`` before it (the row's background before the
  hit; a centred median would count a long kick's own decay as background), and no more
  than ``range_db`` under ``r``;
* and, when ``context`` is given (what the other drums' templates put into this row at
  each frame, see :func:`crosstalk_context`), when the peak exceeds ``context_ratio``
  times it: a snare-row bump under a loud kick hit is the kick's leakage, not a snare.

The silence gates of :mod:`drumnmf.silence` (a rise over the activation just before the
peak, and the kit floor) then drop what has no drum under it.
"""

from __future__ import annotations

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.filters import find_peaks, moving_median

__all__ = [
    "background_db",
    "candidate_peaks",
    "crosstalk_context",
    "db_threshold",
    "pick_db_peaks",
    "to_db",
]

TINY_DB = -120.0  # dB floor of an all-zero frame
LAG_FRAMES = 2  # the background ends this many frames before a peak (its own rise)


def to_db(row: np.ndarray, reference: float) -> np.ndarray:
    """``20 log10(row / reference)``, at least ``TINY_DB``."""
    if not (np.isfinite(reference) and reference > 0):
        raise DrumnmfError(f"the dB reference must be a positive number, got {reference!r}")
    ratio = np.maximum(np.asarray(row, dtype=np.float64) / reference, 10 ** (TINY_DB / 20))
    return 20.0 * np.log10(ratio)


def candidate_peaks(row: np.ndarray, min_frames: int) -> np.ndarray:
    """Local maxima of a row at least ``min_frames`` apart (higher wins), above zero."""
    row = np.asarray(row, dtype=np.float64)
    peaks = find_peaks(np.concatenate(([-np.inf], row, [-np.inf])), distance=max(1, min_frames))
    peaks = peaks - 1
    return peaks[row[peaks] > 0].astype(np.int64)


def db_threshold(
    row: np.ndarray, *, reference: float, window_frames: int, delta_db: float, range_db: float
) -> np.ndarray:
    """The threshold curve of :func:`pick_db_peaks`, in the row's units.

    Parameters
    ----------
    row : np.ndarray [shape=(n_frames,)]
        Nonnegative activation row.
    reference : float > 0
        The row's scale (0 dB).
    window_frames : int > 0
        Length of the median before each frame, frames (made odd).
    delta_db : float >= 0
        Height above the local median, dB.
    range_db : float > 0
        Lowest level relative to ``reference``, dB.

    Returns
    -------
    np.ndarray [shape=(n_frames,)]
    """
    before = background_db(row, reference=reference, window_frames=window_frames)
    curve = np.maximum(before + delta_db, -range_db)
    return reference * 10.0 ** (curve / 20.0)


def background_db(row: np.ndarray, *, reference: float, window_frames: int) -> np.ndarray:
    """The row's background before each frame, dB relative to ``reference``.

    The median of ``20 log10(row / reference)`` over the ``window_frames`` frames (made
    odd) that end ``LAG_FRAMES`` before each frame; ``TINY_DB`` where there is none.

    Parameters
    ----------
    row : np.ndarray [shape=(n_frames,)]
        Nonnegative activation row.
    reference : float > 0
        The row's scale (0 dB).
    window_frames : int > 0
        Length of the median, frames.

    Returns
    -------
    np.ndarray [shape=(n_frames,)]
    """
    level = to_db(row, reference)
    size = max(1, int(window_frames))
    size += 1 - size % 2
    centred = moving_median(level, size)
    shift = size // 2 + LAG_FRAMES
    return np.concatenate((np.full(min(shift, level.size), TINY_DB), centred))[: level.size]


def pick_db_peaks(
    row: np.ndarray,
    *,
    reference: float,
    frame_rate: float,
    window: float = 0.1,
    delta_db: float = 6.0,
    range_db: float = 40.0,
    min_interval: float = 0.05,
    context: np.ndarray | None = None,
    context_ratio: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Peaks of one activation row that pass the dB threshold.

    Parameters
    ----------
    row : np.ndarray [shape=(n_frames,)]
        Nonnegative activation row.
    reference : float > 0
        The row's scale (its maximum, for the row-relative rule).
    frame_rate : float > 0
        Frames per second.
    window : float > 0
        Moving-median window, seconds (0.1).
    delta_db : float >= 0
        A peak must exceed the local median by this much, dB (6).
    range_db : float > 0
        ... and be at most this far under ``reference``, dB (40).
    min_interval : float > 0
        Shortest time between two peaks, seconds.
    context : np.ndarray [shape=(n_frames,)], optional
        Cross-talk expected in this row from the other drums, row units.
    context_ratio : float >= 0
        A peak must exceed ``context_ratio * context`` at its frame.

    Returns
    -------
    peaks : np.ndarray [shape=(n,), dtype=int]
        Peak frames, increasing.
    threshold : np.ndarray [shape=(n_frames,)]
        The threshold curve in the row's units.
    """
    a = np.asarray(row, dtype=np.float64)
    if a.ndim != 1 or not np.all(np.isfinite(a)):
        raise DrumnmfError(f"an activation row must be 1-D and finite, got shape {a.shape}")
    for name, value in (("delta_db", delta_db), ("context_ratio", context_ratio)):
        if not (np.isfinite(value) and value >= 0):
            raise DrumnmfError(f"{name} must be a number >= 0, got {value!r}")
    if not (np.isfinite(range_db) and range_db > 0):
        raise DrumnmfError(f"range_db must be a positive number of dB (e.g. 40), got {range_db!r}")
    if not (np.isfinite(window) and window > 0 and np.isfinite(min_interval) and min_interval > 0):
        raise DrumnmfError(
            f"window and min_interval must be positive seconds, got {window!r}, {min_interval!r}"
        )
    if a.size == 0 or not np.any(a > 0):
        return np.zeros(0, dtype=np.int64), np.full(a.shape, np.inf)
    threshold = db_threshold(
        a,
        reference=reference,
        window_frames=round(window * frame_rate),
        delta_db=delta_db,
        range_db=range_db,
    )
    peaks = candidate_peaks(a, round(min_interval * frame_rate))
    keep = a[peaks] > threshold[peaks]
    if context is not None and context_ratio > 0:
        c = np.asarray(context, dtype=np.float64)
        if c.shape != a.shape:
            raise DrumnmfError(f"context must have the row's shape {a.shape}, got {c.shape}")
        keep &= a[peaks] > context_ratio * c[peaks]
    return peaks[keep], threshold


def crosstalk_context(activations: np.ndarray, leakage: np.ndarray) -> np.ndarray:
    """Activation each row is expected to get from the *other* rows' hits.

    Parameters
    ----------
    activations : np.ndarray [shape=(n_rows, n_frames)]
        Activation rows (one per drum or family).
    leakage : np.ndarray [shape=(n_rows, n_rows)]
        ``leakage[d, o]``: activation of row ``o`` per unit of row ``d`` on a hit of ``d``
        alone (the cross-talk model; the diagonal is ignored).

    Returns
    -------
    np.ndarray [shape=(n_rows, n_frames)]
        ``context[o, t] = max over d != o of leakage[d, o] * r_d[t]``, where
        ``r_d = max(0, a_d - max over e != d of leakage[e, d] * a_e)`` is the part of row
        ``d`` that no other row's leakage explains: a row that is itself leakage (a tom
        row driven by a kick) predicts none, and two rows that leak into each other do
        not silence each other's real hits.
    """
    A = np.asarray(activations, dtype=np.float64)
    L = np.array(leakage, dtype=np.float64)
    if A.ndim != 2 or L.shape != (A.shape[0], A.shape[0]):
        raise DrumnmfError(
            f"need activations (rows x frames) and a rows x rows leakage; got {A.shape}, {L.shape}"
        )
    np.fill_diagonal(L, 0.0)
    explained = np.zeros_like(A)
    for d in range(A.shape[0]):
        explained[d] = (L[:, d, None] * A).max(axis=0)
    residual = np.maximum(A - explained, 0.0)
    out = np.zeros_like(A)
    for o in range(A.shape[0]):
        out[o] = (L[:, o, None] * residual).max(axis=0)
    return out
