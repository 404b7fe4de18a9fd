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

:func:`with_annotated_levels` measures the same two things for a kit cut from annotated
hits (:func:`drumnmf.kit.calibrate_from_annotations`): it transcribes the whole recording
once and reads every row at the annotated onsets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.kit import HIT_SECONDS, Kit

__all__ = [
    "calibration_activations",
    "crosstalk_matrix",
    "with_annotated_levels",
    "with_levels",
]

HIT_RISE = 3.0  # a calibration hit's peak rises this many times over the frames before it
HIT_RANGE_DB = 30.0  # ... and lies within this of the recording's highest
ONSET_WINDOW = (0.02, 0.05)  # s before and after an annotated onset where its peak lies


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

    config = TranscribeConfig(picker="db")  # the activations only: no picker file needed
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


def with_annotated_levels(
    kit: Kit,
    samples: np.ndarray,
    onsets: Mapping[str, np.ndarray],
    *,
    apart: float,
    hits: Mapping[str, np.ndarray] | None = None,
) -> Kit:
    """``kit`` with levels and cross-talk read at the annotated onsets of one recording.

    The recording is transcribed with the kit (the default :class:`TranscribeConfig`, as
    in :func:`with_levels`). A hit's peak is the highest activation of a row within
    ``ONSET_WINDOW`` of its onset. A drum's level is the median peak of its row over its
    calibration hits, the onsets in ``hits`` (when that is zero, its row's highest
    activation in the recording: the kit's other rows took every annotated hit).
    ``crosstalk[d][o]`` is the median, over the onsets of ``d`` with no onset of ``o``
    within ``apart`` seconds, of row ``o``'s peak relative to ``o``'s level, divided by the
    hit's own peak relative to ``d``'s level (0 when ``d`` never sounds without ``o``).

    Parameters
    ----------
    kit : Kit
        A kit cut from ``samples``.
    samples : np.ndarray [shape=(n_samples,)]
        The mono recording at ``kit.settings.sample_rate``.
    onsets : mapping drum -> np.ndarray
        Annotated onset times in seconds, keyed by the kit's (canonical) drum names.
    apart : float >= 0
        Seconds between onsets of two drums for one to count as sounding without the other.
    hits : mapping drum -> np.ndarray, optional
        The onsets (seconds) of the hits each drum's template was cut from: a hit as loud
        as these gets the level, as a calibration hit does in :func:`with_levels`.
        Default: every onset in ``onsets``.

    Returns
    -------
    Kit
        A copy with ``levels`` and ``crosstalk``; ``kit`` itself when a drum has no onset
        or its row stays at zero throughout (the level is then unknown).
    """
    from dataclasses import replace

    from drumnmf.pipeline import TranscribeConfig, transcribe

    times = [np.asarray(onsets.get(name, ()), dtype=np.float64).ravel() for name in kit.names]
    if not all(t.size for t in times):
        return kit
    activations = transcribe(
        np.asarray(samples),
        kit=kit,
        config=TranscribeConfig(picker="db"),  # the activations only
        sample_rate=kit.settings.sample_rate,
        spectrogram_columns=None,
    ).activations
    frame = kit.settings.frame_seconds
    peaks = [_onset_peaks(activations, t, frame) for t in times]
    chosen = [
        np.asarray(hits[n], dtype=np.float64) if hits and n in hits and np.size(hits[n]) else t
        for n, t in zip(kit.names, times, strict=True)
    ]
    levels = np.array(
        [float(np.median(_onset_peaks(activations, t, frame)[d])) for d, t in enumerate(chosen)]
    )
    levels = np.where(levels > 0, levels, activations.max(axis=1, initial=0.0))
    if not np.all(np.isfinite(levels) & (levels > 0)):
        return kit
    leaks = np.eye(kit.n_drums)
    for d, p in enumerate(peaks):
        own = p[d] / levels[d]
        for o in range(kit.n_drums):
            alone = np.abs(times[d][:, None] - times[o][None, :]).min(axis=1) > apart
            alone &= own > 0
            if o != d and np.any(alone):
                leaks[d, o] = float(np.median(p[o, alone] / levels[o] / own[alone]))
    return replace(
        kit,
        levels=tuple(map(float, levels)),
        crosstalk=tuple(tuple(map(float, r)) for r in leaks),
    )


def _onset_peaks(activations: np.ndarray, times: np.ndarray, frame_seconds: float) -> np.ndarray:
    """Every row's highest activation within ``ONSET_WINDOW`` of each onset, (n_drums, n)."""
    n_frames = activations.shape[1]
    before, after = ONSET_WINDOW
    start = np.clip(np.round((times - before) / frame_seconds).astype(int), 0, n_frames - 1)
    stop = np.clip(np.round((times + after) / frame_seconds).astype(int) + 1, 1, n_frames)
    stop = np.maximum(stop, start + 1)
    return np.stack(
        [activations[:, a:b].max(axis=1) for a, b in zip(start, stop, strict=True)], axis=1
    )
