"""From a factorization to onsets: families, picker, silence gates, cross-talk, confidence.

:func:`pick_onsets` is the onset stage of :func:`drumnmf.pipeline.transcribe`:

1. the kit's drums are grouped into families (:mod:`drumnmf.families`; one per drum with
   ``families=False``); a family's row is the sum of its templates' activations;
2. each row's peaks are picked (:mod:`drumnmf.detection`'s dB picker, ``"db"``, or the
   paper's adaptive median threshold, ``"paper"``; ``"topk"`` keeps the ``k`` highest;
   ``"learned"`` replaces steps 2-4 by a classifier of every candidate peak,
   :mod:`drumnmf.learned`);
3. the silence gates drop peaks that do not rise (``rise_ratio``) or lie under the kit
   floor (``floor_db``) (:mod:`drumnmf.silence`); the picked peaks are then moved to the
   reported time (``onset_timing``);
4. the cross-talk gates of :mod:`drumnmf.onsets` (band share, coincidence) compare the
   families' onsets;
5. each onset gets its articulation and a confidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from drumnmf.detection import crosstalk_context, pick_db_peaks
from drumnmf.families import articulations_at, kit_families
from drumnmf.filters import find_peaks
from drumnmf.kit import Kit
from drumnmf.onsets import (
    Onsets,
    adaptive_threshold,
    band_share,
    explained_energy,
    gate_onsets,
    rise_frames,
    suppress_crosstalk,
)
from drumnmf.silence import FALLBACK_LEVEL, confidence, kit_floor, rise_gate

if TYPE_CHECKING:
    from drumnmf.pipeline import TranscribeConfig

__all__ = ["MIN_LEAK", "PLAYED_SHARE", "Picked", "family_rows", "leak_context", "pick_onsets"]

# Leakage weaker than this (relative to the receiving drum's level) is left out of the
# cross-talk model: it is of the order of a ghost note, and gating on it loses them.
MIN_LEAK = 0.5
# The cross-talk model gates a drum only when fewer than this share of its peaks stand
# above the leakage it predicts (the drum looks unplayed).
PLAYED_SHARE = 0.5


@dataclass(frozen=True, eq=False)
class Picked:
    """Onsets of every drum of a kit.

    Attributes
    ----------
    frames, strengths, confidences : dict str -> np.ndarray [shape=(n,)]
        Per drum: reported onset frames (int), peak activations, confidences in [0, 1].
    articulations : dict str -> tuple of str
        Per drum, the articulation of each onset.
    activations : np.ndarray [shape=(n_drums, n_frames)]
        The rows picked from: each drum's templates summed, a family's output drum
        holding the whole family's sum.
    thresholds : np.ndarray [shape=(n_drums, n_frames)] or None
        Threshold curves in activation units (None for top-k).
    """

    frames: dict[str, np.ndarray]
    strengths: dict[str, np.ndarray]
    confidences: dict[str, np.ndarray]
    articulations: dict[str, tuple[str, ...]]
    activations: np.ndarray
    thresholds: np.ndarray | None


def _peaks_paper(row: np.ndarray, config: TranscribeConfig, drum: str, rate: float) -> tuple:
    threshold = adaptive_threshold(
        row, frame_rate=rate, offset=config.offset(drum), window=config.threshold_window
    )
    peaks = _candidates(row, rate, config.min_interval)
    return peaks[row[peaks] > threshold[peaks]], threshold


def _candidates(row: np.ndarray, rate: float, min_interval: float) -> np.ndarray:
    distance = max(1, round(min_interval * rate))
    peaks = find_peaks(np.concatenate(([-np.inf], row, [-np.inf])), distance=distance) - 1
    return peaks[row[peaks] > 0].astype(np.int64)


def family_rows(
    kit: Kit, template_activations: np.ndarray, families: tuple
) -> tuple[np.ndarray, np.ndarray]:
    """Each family's row (its templates' activations summed) and each template's family.

    Returns
    -------
    rows : np.ndarray [shape=(n_families, n_frames)]
    owners : np.ndarray [shape=(n_templates,), dtype=int]
    """
    H = np.asarray(template_activations, dtype=np.float64)
    owners = np.empty(len(kit.template_drums), dtype=np.int64)
    for f, family in enumerate(families):
        owners[list(family.templates)] = f
    rows = np.zeros((len(families), H.shape[1]))
    np.add.at(rows, owners, H)
    return rows, owners


def leak_context(kit: Kit, families: tuple, rows: np.ndarray) -> np.ndarray | None:
    """Per family row, the activation the other families' hits leak into it.

    None for a kit without a cross-talk matrix or calibration levels.
    """
    if not kit.crosstalk or not kit.levels:
        return None
    C = np.asarray(kit.crosstalk)
    C = np.where(C >= MIN_LEAK, C, 0.0)
    levels = np.asarray(kit.levels)
    n = len(families)
    leak = np.zeros((n, n))
    for f, source in enumerate(families):
        for g, target in enumerate(families):
            if f != g:
                leak[f, g] = max(
                    C[d, o] * levels[o] / levels[d] for d in source.members for o in target.members
                )
    return crosstalk_context(rows, leak)


def pick_onsets(
    kit: Kit,
    templates: np.ndarray,
    template_activations: np.ndarray,
    factorized: np.ndarray,
    config: TranscribeConfig,
    *,
    frame_rate: float,
    top_k: Mapping[str, int] | None = None,
) -> Picked:
    """Pick every drum's onsets from a factorization.

    Parameters
    ----------
    kit : Kit
    templates : np.ndarray [shape=(n_rows, n_templates)]
        The kit's templates in the factorized rows.
    template_activations : np.ndarray [shape=(n_templates, n_frames)]
        Their activations (``H_D``).
    factorized : np.ndarray [shape=(n_rows, n_frames)]
        The factorized matrix (for the band-share gate).
    config : TranscribeConfig
    frame_rate : float > 0
        Frames per second.
    top_k : mapping drum -> int, optional
        Onsets per drum, for ``picker="topk"`` (a family takes its output drum's count).

    Returns
    -------
    Picked
    """
    if config.picker == "learned":
        from drumnmf.learned import pick_learned

        return pick_learned(
            kit, templates, template_activations, factorized, config, frame_rate=frame_rate
        )
    H = np.asarray(template_activations, dtype=np.float64)
    n_frames = H.shape[1]
    families = kit_families(kit, enabled=config.families)
    rows, owners = family_rows(kit, H, families)
    activations = np.zeros((kit.n_drums, n_frames))
    np.add.at(activations, np.asarray(kit.template_drums), H)
    thresholds = None if config.picker == "topk" else np.zeros((kit.n_drums, n_frames))
    levels = kit.levels or (FALLBACK_LEVEL,) * kit.n_drums
    context = leak_context(kit, families, rows) if config.leak_margin > 0 else None

    weights = np.asarray(templates, dtype=np.float64).sum(axis=0)
    picks: list[Onsets] = []
    peak_of: list[dict[int, int]] = []
    for f, family in enumerate(families):
        row = rows[f]
        drum = kit.names[family.drum]
        activations[family.drum] = row
        threshold: np.ndarray | None = None
        if config.picker == "topk":
            assert top_k is not None
            peaks = _candidates(row, frame_rate, config.min_interval)
            peaks = np.sort(peaks[np.argsort(-row[peaks], kind="stable")[: int(top_k[drum])]])
        elif config.picker == "db":
            peaks, threshold = pick_db_peaks(
                row,
                reference=float(row.max(initial=0.0)) or 1.0,
                frame_rate=frame_rate,
                window=config.threshold_window,
                delta_db=config.delta_for(drum),
                range_db=config.range_db,
                min_interval=config.min_interval,
            )
        else:
            peaks, threshold = _peaks_paper(row, config, drum, frame_rate)
        if config.picker != "topk":
            level = max(levels[m] for m in family.members)
            keep = rise_gate(row, peaks, config.rise_ratio)
            keep &= kit_floor(row[peaks], level, config.floor_db, config.floor_follow_db)
            if context is not None and np.any(keep):
                near = np.array([context[f, max(0, p - 2) : p + 3].max() for p in peaks])
                above = ~(row[peaks] < config.leak_margin * near.reshape(-1))
                # a drum that is played keeps its soft hits; one whose peaks are mostly
                # the other drums' leakage (a tom the song never plays) keeps only the
                # peaks above the leakage
                if np.mean(above[keep]) < PLAYED_SHARE:
                    keep &= above
            peaks = peaks[keep]
        frames = rise_frames(row, peaks) if config.onset_timing == "rise" else peaks
        if thresholds is not None and threshold is not None:
            thresholds[family.drum] = threshold
        picks.append(Onsets(frames=frames, strengths=row[peaks], threshold=threshold))
        peak_of.append(dict(zip(frames.tolist(), peaks.tolist(), strict=True)))

    if config.picker != "topk":
        if config.min_band_share > 0:
            share = band_share(factorized, templates, H, owners, len(families))
            picks = [
                gate_onsets(p, share[f], config.min_band_share, relative=config.band_share_relative)
                for f, p in enumerate(picks)
            ]
        if config.crosstalk_ratio > 0:
            energy, profiles = explained_energy(templates, H, owners, len(families))
            picks = suppress_crosstalk(
                picks,
                energy,
                profiles,
                ratio=config.crosstalk_ratio,
                similarity=config.crosstalk_similarity,
            )

    out_frames = {d: np.zeros(0, dtype=np.int64) for d in kit.names}
    out_strengths = {d: np.zeros(0) for d in kit.names}
    out_confidences = {d: np.zeros(0) for d in kit.names}
    out_articulations: dict[str, tuple[str, ...]] = {d: () for d in kit.names}
    for f, (family, picked) in enumerate(zip(families, picks, strict=True)):
        drum = kit.names[family.drum]
        peaks = np.array([peak_of[f][int(x)] for x in picked.frames], dtype=np.int64)
        level = max(levels[m] for m in family.members)
        out_frames[drum] = np.asarray(picked.frames, dtype=np.int64)
        out_strengths[drum] = np.asarray(picked.strengths, dtype=np.float64)
        out_confidences[drum] = confidence(picked.strengths, level, config.floor_db)
        out_articulations[drum] = articulations_at(family, H, peaks, weights)
    return Picked(
        frames=out_frames,
        strengths=out_strengths,
        confidences=out_confidences,
        articulations=out_articulations,
        activations=activations,
        thresholds=thresholds,
    )
