"""Silence where there is no drum: the rise gate, the kit floor, and each hit's confidence.

A drum's activation also moves where the drum is not played: a bass note or a guitar
chord that resembles a template keeps its row up for a while, and noise makes it wobble.
Two gates drop such peaks:

* **rise gate** (:func:`rise_gate`): a hit starts; its activation must rise to at least
  ``ratio`` times the lowest activation of the ``RISE_FRAMES`` frames before the peak
  (3x, about 10 dB). A slow swell or a wobble on a sustained sound does not;
* **kit floor** (:func:`kit_floor`): a peak more than ``floor_db`` under the level the
  kit's own calibration hit produces (:attr:`drumnmf.kit.Kit.levels`) is dropped (15 dB
  by default, measured on the development corpus's train split: deeper floors let bass
  notes through the kick row, see docs/ablation.md). The level follows the recording's
  loudest peak of the drum when that is quieter, by at most ``follow_db`` (6 dB by
  default): a song played softer than the calibration hit, or on another kit than the
  one calibrated (the built-in kit), keeps its hits, while noise and accompaniment,
  whose peaks are far under any calibration level, still meet a floor.

Kits without calibration levels (calibrated from annotations, or by an older drumnmf)
use ``FALLBACK_LEVEL`` in template units: a hit whose spectrum equals the template (the
average spectrum of a calibration hit) has activation 1, and a calibration hit's peak is
about twice that.

Each kept hit gets a **confidence** in [0, 1] (:func:`confidence`): how far its strength
lies between the floor (0) and the calibration level (1), in dB; monotone in strength.
"""

from __future__ import annotations

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = ["FALLBACK_LEVEL", "RISE_FRAMES", "confidence", "kit_floor", "rise_gate"]

RISE_FRAMES = 6  # 70 ms at the default hop
FALLBACK_LEVEL = 2.0  # template units; see the module docstring
CONFIDENCE_RANGE_DB = 40.0  # confidence scale when the floor is off


def _checked(row: np.ndarray, peaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(row, dtype=np.float64)
    p = np.asarray(peaks, dtype=np.int64)
    if a.ndim != 1 or p.ndim != 1 or (p.size and (p.min() < 0 or p.max() >= a.size)):
        raise DrumnmfError(f"peaks must index a 1-D row of {a.size} frames")
    return a, p


def rise_gate(
    row: np.ndarray, peaks: np.ndarray, ratio: float, *, frames: int = RISE_FRAMES
) -> np.ndarray:
    """Keep the peaks that rise by ``ratio`` over the activation just before them.

    Parameters
    ----------
    row : np.ndarray [shape=(n_frames,)]
        Nonnegative activation row.
    peaks : np.ndarray [shape=(n,), dtype=int]
        Peak frames.
    ratio : float >= 1, or 0
        Smallest ``row[peak] / min(row[peak - frames : peak])``; 0 (or 1) keeps all.
    frames : int > 0
        How far back the minimum looks.

    Returns
    -------
    np.ndarray [shape=(n,), dtype=bool]
        True for the peaks kept. A peak at frame 0 has nothing before it and is kept.
    """
    a, p = _checked(row, peaks)
    if not (np.isfinite(ratio) and ratio >= 0):
        raise DrumnmfError(f"the rise ratio must be a number >= 0 (0 = off, e.g. 3), got {ratio!r}")
    if ratio <= 1 or p.size == 0:
        return np.ones(p.size, dtype=bool)
    before = np.array([a[max(0, f - frames) : f].min(initial=np.inf) for f in p])
    before[~np.isfinite(before)] = 0.0
    return ~(a[p] < ratio * before)


def kit_floor(
    strengths: np.ndarray, level: float, floor_db: float, follow_db: float = 0.0
) -> np.ndarray:
    """Keep the hits no more than ``floor_db`` under the drum's calibration level.

    Parameters
    ----------
    strengths : np.ndarray [shape=(n,)]
        Peak activations.
    level : float > 0
        The drum's calibration level, activation units.
    floor_db : float >= 0
        Depth of the floor, dB; 0 keeps every hit.
    follow_db : float >= 0
        How far the level may move down to the loudest of ``strengths`` (the
        recording's own loudest peak of the drum), dB; 0 = the calibration level only.

    Returns
    -------
    np.ndarray [shape=(n,), dtype=bool]
    """
    s = np.asarray(strengths, dtype=np.float64)
    if not (np.isfinite(follow_db) and follow_db >= 0):
        raise DrumnmfError(f"follow_db must be a number of dB >= 0 (0 = off), got {follow_db!r}")
    if not (np.isfinite(floor_db) and floor_db >= 0):
        raise DrumnmfError(
            f"floor_db must be a number of dB >= 0 (0 = off, e.g. 15), got {floor_db!r}"
        )
    if not (np.isfinite(level) and level > 0):
        raise DrumnmfError(f"the calibration level must be positive, got {level!r}")
    if floor_db == 0:
        return np.ones(s.shape, dtype=bool)
    if follow_db > 0 and s.size:
        level = max(min(level, float(s.max())), level * 10.0 ** (-follow_db / 20.0))
    return s >= level * 10.0 ** (-floor_db / 20.0)


def confidence(strengths: np.ndarray, level: float, floor_db: float) -> np.ndarray:
    """Confidence of each hit: its level in dB between the floor (0) and ``level`` (1).

    Parameters
    ----------
    strengths : np.ndarray [shape=(n,)]
    level : float > 0
        The drum's calibration level.
    floor_db : float >= 0
        The kit floor's depth; 0 uses ``CONFIDENCE_RANGE_DB``.

    Returns
    -------
    np.ndarray [shape=(n,)]
        In [0, 1], nondecreasing in strength.
    """
    s = np.asarray(strengths, dtype=np.float64)
    depth = floor_db if floor_db > 0 else CONFIDENCE_RANGE_DB
    db = 20.0 * np.log10(np.maximum(s, 1e-12) / level)
    return np.clip(1.0 + db / depth, 0.0, 1.0)
