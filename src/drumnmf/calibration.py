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
from drumnmf.kit import HIT_SECONDS, Kit

__all__ = ["calibration_activations", "crosstalk_matrix", "with_levels"]

HIT_RISE = 3.0  # a calibration hit's peak rises this many times over the frames before it
HIT_RANGE_DB = 30.0  # ... and lies within this of the recording's highest


def calibration_activations(
    kit: Kit, recordings: Sequence[tuple[str, np.ndarray]]
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Transcribe each calibration recording with ``kit``.

    Parameters
    ----------
    kit : Kit
    recordings : sequence of (drum, samples)
        Mono samples at ``kit.settings.sample_rate`` of hits of each drum.

    Returns
    -------
    list of (drum index, np.ndarray [shape=(n_drums,)], np.ndarray [shape=(n_hits,)])
        Per recording: the highest activation of every drum's row, and the peak of the
        recorded drum's own row on each hit of the recording
        (:func:`drumnmf.kit.detect_hits`; a recording of hits at several strengths
        gives one peak each: the peaks of its row that rise ``HIT_RISE`` times and lie
        within ``HIT_RANGE_DB`` of the highest).
    """
    from drumnmf.detection import candidate_peaks
    from drumnmf.pipeline import TranscribeConfig, transcribe
    from drumnmf.silence import rise_gate

    config = TranscribeConfig()
    gap = max(1, round(HIT_SECONDS / kit.settings.frame_seconds))  # one hit per span
    out = []
    for name, samples in recordings:
        result = transcribe(
            np.asarray(samples),
            kit=kit,
            config=config,
            sample_rate=kit.settings.sample_rate,
            spectrogram_columns=None,
        )
        drum = kit.index(name)
        row = result.activations[drum]
        # the hits: the highest peak of each HIT_SECONDS, if it rises, within HIT_RANGE_DB
        peaks = candidate_peaks(row, gap)
        peaks = peaks[rise_gate(row, peaks, HIT_RISE)]
        hits = row[peaks]
        hits = hits[hits >= float(row.max(initial=0.0)) * 10 ** (-HIT_RANGE_DB / 20)]
        if not hits.size:  # no peak rises (a hit at the very start): its highest frame
            hits = np.array([float(row.max(initial=0.0))])
        out.append((drum, result.activations.max(axis=1, initial=0.0), hits))
    return out


def with_levels(kit: Kit, recordings: Sequence[tuple[str, np.ndarray]]) -> Kit:
    """``kit`` with :attr:`~drumnmf.kit.Kit.levels` measured on its calibration hits.

    A drum's level is the median over its calibration hits (every hit of every recording
    of it) of its row's peak on the hit: with hits at several strengths, the middle one.

    Parameters
    ----------
    kit : Kit
        A kit just calibrated from ``recordings``.
    recordings : sequence of (drum, samples)
        The calibration recordings (mono, at the kit's rate), every drum at least once.

    Returns
    -------
    Kit
        A copy with ``levels`` and ``crosstalk``; ``kit`` itself when a drum's row stays
        at zero on its own hits (the level is then unknown).
    """
    from dataclasses import replace

    found = calibration_activations(kit, recordings)
    peaks: dict[int, list[float]] = {}
    for drum, _, hits in found:
        peaks.setdefault(drum, []).extend(float(v) for v in hits)
    missing = [kit.names[d] for d in range(kit.n_drums) if d not in peaks]
    if missing:
        raise DrumnmfError(f"no calibration recording of {missing}; give one per drum")
    levels = tuple(float(np.median(peaks[d])) for d in range(kit.n_drums))
    if not all(np.isfinite(v) and v > 0 for v in levels):
        return kit
    leaks = _crosstalk(found, np.asarray(levels), kit.n_drums)
    return replace(kit, levels=levels, crosstalk=tuple(tuple(map(float, r)) for r in leaks))


def _crosstalk(
    found: list[tuple[int, np.ndarray, np.ndarray]], levels: np.ndarray, n: int
) -> np.ndarray:
    rows: dict[int, list[np.ndarray]] = {}
    for drum, row, hits in found:
        # relative to the recording's own loudest hit, so several strengths do not inflate it
        scale = float(hits.max(initial=0.0)) / levels[drum] if hits.size else 1.0
        rows.setdefault(drum, []).append(row / levels / max(scale, 1e-12))
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
