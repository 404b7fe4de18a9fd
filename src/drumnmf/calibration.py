"""What a kit's own calibration hits produce when transcribed: each drum's level.

:func:`drumnmf.kit.calibrate` builds the templates; :func:`with_levels` then transcribes
every calibration recording with the new kit (the default :class:`TranscribeConfig`) and
records, per drum, the median over its recordings of the highest activation its own row
reaches. That is :attr:`drumnmf.kit.Kit.levels`: the activation a hit as loud as the
calibration hit produces. The kit floor (:mod:`drumnmf.silence`) drops hits far below it,
and MIDI velocities can be scaled to it.

:func:`with_levels` also stores :attr:`drumnmf.kit.Kit.crosstalk`, and
:func:`crosstalk_matrix` gives, from the same transcriptions, how much a hit of one drum
drives every other drum's row (relative to that row's level): the per-kit cross-talk model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.kit import Kit

__all__ = ["calibration_activations", "crosstalk_matrix", "with_levels"]


def calibration_activations(
    kit: Kit, recordings: Sequence[tuple[str, np.ndarray]]
) -> list[tuple[int, np.ndarray]]:
    """Transcribe each calibration recording with ``kit``.

    Parameters
    ----------
    kit : Kit
    recordings : sequence of (drum, samples)
        Mono samples at ``kit.settings.sample_rate`` of hits of each drum.

    Returns
    -------
    list of (drum index, np.ndarray [shape=(n_drums,)])
        Per recording, the highest activation of every drum's row.
    """
    from drumnmf.pipeline import TranscribeConfig, transcribe

    config = TranscribeConfig()
    out = []
    for name, samples in recordings:
        result = transcribe(
            np.asarray(samples),
            kit=kit,
            config=config,
            sample_rate=kit.settings.sample_rate,
            spectrogram_columns=None,
        )
        out.append((kit.index(name), result.activations.max(axis=1, initial=0.0)))
    return out


def with_levels(kit: Kit, recordings: Sequence[tuple[str, np.ndarray]]) -> Kit:
    """``kit`` with :attr:`~drumnmf.kit.Kit.levels` measured on its calibration hits.

    Parameters
    ----------
    kit : Kit
        A kit just calibrated from ``recordings``.
    recordings : sequence of (drum, samples)
        The calibration recordings (mono, at the kit's rate), every drum at least once.

    Returns
    -------
    Kit
        A copy with ``levels``; ``kit`` itself when a drum's row stays at zero on its
        own hits (the level is then unknown).
    """
    from dataclasses import replace

    found = calibration_activations(kit, recordings)
    peaks: dict[int, list[float]] = {}
    for drum, row in found:
        peaks.setdefault(drum, []).append(float(row[drum]))
    missing = [kit.names[d] for d in range(kit.n_drums) if d not in peaks]
    if missing:
        raise DrumnmfError(f"no calibration recording of {missing}; give one per drum")
    levels = tuple(float(np.median(peaks[d])) for d in range(kit.n_drums))
    if not all(np.isfinite(v) and v > 0 for v in levels):
        return kit
    leaks = _crosstalk(found, np.asarray(levels), kit.n_drums)
    return replace(kit, levels=levels, crosstalk=tuple(tuple(map(float, r)) for r in leaks))


def _crosstalk(found: list[tuple[int, np.ndarray]], levels: np.ndarray, n: int) -> np.ndarray:
    rows: dict[int, list[np.ndarray]] = {}
    for drum, row in found:
        rows.setdefault(drum, []).append(row / levels)
    out = np.zeros((n, n))
    for d, seen in rows.items():
        out[d] = np.median(seen, axis=0)
    return out


def crosstalk_matrix(kit: Kit, recordings: Sequence[tuple[str, np.ndarray]]) -> np.ndarray:
    """How much each drum's calibration hit drives every other drum's row.

    Parameters
    ----------
    kit : Kit
        A kit with :attr:`~drumnmf.kit.Kit.levels`.
    recordings : sequence of (drum, samples)

    Returns
    -------
    np.ndarray [shape=(n_drums, n_drums)]
        ``C[d, o]``: the median over ``d``'s recordings of row ``o``'s peak divided by
        ``o``'s level (1 on the diagonal for a drum whose hits match its level).
    """
    if not kit.levels:
        raise DrumnmfError("the kit has no calibration levels; recalibrate it with drumnmf")
    found = calibration_activations(kit, recordings)
    return _crosstalk(found, np.asarray(kit.levels), kit.n_drums)
