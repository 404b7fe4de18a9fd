"""Mixing rendered drums with accompaniment, and writing reference onsets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.render.synth import DEFAULT_PEAK

__all__ = ["Mixture", "mix_at_ratio", "write_reference"]


@dataclass(frozen=True, eq=False)
class Mixture:
    """Drums mixed with accompaniment: ``audio = drums + accompaniment``.

    Attributes
    ----------
    audio : np.ndarray [shape=(n_samples,), dtype=float32]
        The mix.
    drums, accompaniment : np.ndarray [shape=(n_samples,), dtype=float32]
        The two parts as mixed (scaled, the accompaniment looped or trimmed).
    ratio_db : float
        Drum-to-accompaniment RMS ratio, dB.
    """

    audio: np.ndarray
    drums: np.ndarray
    accompaniment: np.ndarray
    ratio_db: float


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def mix_at_ratio(
    drums: np.ndarray,
    accompaniment: np.ndarray,
    *,
    ratio_db: float = 0.0,
    peak: float = DEFAULT_PEAK,
) -> Mixture:
    """Mix drums with accompaniment at a drum-to-accompaniment RMS ratio.

    The accompaniment is looped or trimmed to the drums' length and scaled so that
    ``20 log10(rms(drums) / rms(accompaniment)) = ratio_db`` (RMS over the whole clip).
    If the mix then peaks above ``peak`` both parts are scaled down together, which keeps
    the ratio and prevents clipping.

    Parameters
    ----------
    drums : np.ndarray [shape=(n_samples,)]
    accompaniment : np.ndarray [shape=(m_samples,)]
        At the same sample rate as ``drums``.
    ratio_db : float
        0 dB: equal RMS; -6 dB: accompaniment twice as loud as the drums.
    peak : float in (0, 1]

    Returns
    -------
    Mixture
    """
    d = np.asarray(drums, dtype=np.float32)
    a = np.asarray(accompaniment, dtype=np.float32)
    if d.ndim != 1 or a.ndim != 1 or d.size == 0 or a.size == 0:
        raise DrumnmfError(
            f"drums and accompaniment must be non-empty mono arrays, got shapes {d.shape} "
            f"and {a.shape}"
        )
    if not np.isfinite(ratio_db):
        raise DrumnmfError(f"ratio_db must be a finite number of dB, got {ratio_db!r}")
    if not 0 < peak <= 1:
        raise DrumnmfError(f"peak must be in (0, 1], got {peak!r}")
    a = np.resize(a, d.size)  # loops (repeats) or trims to the drums' length
    rms_d, rms_a = _rms(d), _rms(a)
    if rms_d == 0 or rms_a == 0:
        raise DrumnmfError("cannot mix silent audio: drums and accompaniment must be audible")
    a = a * np.float32(rms_d / rms_a * 10 ** (-ratio_db / 20))
    d = d.copy()
    mix = d + a
    top = float(np.max(np.abs(mix)))
    if top > peak:
        scale = np.float32(peak / top)
        mix *= scale
        d *= scale
        a *= scale
    return Mixture(audio=mix, drums=d, accompaniment=a, ratio_db=float(ratio_db))


# ----------------------------------------------------------------------------- references


def write_reference(path: str | os.PathLike[str], onsets: Mapping[str, np.ndarray]) -> None:
    """Write reference onsets as text: ``time<TAB>drum`` lines sorted by time, then drum."""
    from drumnmf.io.export import atomic_path

    rows = sorted((float(t), str(d)) for d, times in onsets.items() for t in np.ravel(times))
    with atomic_path(path) as tmp:
        tmp.write_text("".join(f"{t:.6f}\t{d}\n" for t, d in rows), encoding="utf-8")
