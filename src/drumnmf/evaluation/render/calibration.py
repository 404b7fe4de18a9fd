"""Calibration from a sample kit: one medium hit of each drum, and the kit they calibrate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.render.kits import SampleKit
from drumnmf.evaluation.render.synth import NoteEvent, render_events

if TYPE_CHECKING:
    from drumnmf.kit import Kit
    from drumnmf.spectrogram import SpectrogramSettings

__all__ = ["CALIBRATION_SOUNDS", "TEMPLATE_DRUMS", "calibrated_kit", "calibration_hits"]

CALIBRATION_VELOCITY = 90  # a medium hit, as a drummer would record it

# Sound -> the drum of a calibrated kit its template joins (drum classes plus toms and
# cymbals as distractors; see calibrated_kit).
TEMPLATE_DRUMS: dict[str, str] = {
    "kick": "kick",
    "snare": "snare",
    "hihat": "hihat",
    "open_hihat": "hihat",
    "pedal_hihat": "hihat",
    "high_tom": "tom",
    "mid_tom": "tom",
    "floor_tom": "tom",
    "crash": "crash",
    "ride": "ride",
}

# Drums a drummer records for calibration (the kit's pieces, not every articulation).
CALIBRATION_SOUNDS: tuple[str, ...] = tuple(TEMPLATE_DRUMS)


def calibration_hits(
    kit: SampleKit,
    *,
    sounds: Sequence[str] | None = None,
    velocity: int = CALIBRATION_VELOCITY,
    lead_seconds: float = 0.1,
) -> list[tuple[str, tuple[np.ndarray, int]]]:
    """One medium hit of each drum of the kit, as a drummer would record them.

    Parameters
    ----------
    kit : SampleKit
    sounds : sequence of str, optional
        Sounds to record; by default each of :data:`CALIBRATION_SOUNDS` that the kit
        plays itself.
    velocity : int in 1..127
        Velocity of each hit (90: a medium hit).
    lead_seconds : float >= 0
        Silence before the hit.

    Returns
    -------
    list of (sound, (samples, sample_rate))
        Pairs that :func:`drumnmf.kit.calibrate` accepts.

    Examples
    --------
    >>> from drumnmf.kit import calibrate
    >>> my_kit = calibrate(calibration_hits(sample_kit))  # doctest: +SKIP
    """
    if sounds is None:
        chosen = [s for s in CALIBRATION_SOUNDS if s in kit.sounds]
    else:
        chosen = list(sounds)
    hits = []
    for sound in chosen:
        if kit.instrument_for(sound) is None:
            raise DrumnmfError(f"kit '{kit.name}' cannot play {sound!r}; it has {kit.sounds}")
        r = render_events([NoteEvent(time=lead_seconds, sound=sound, velocity=velocity)], kit)
        hits.append((sound, (r.audio, kit.sample_rate)))
    return hits


def calibrated_kit(
    kit: SampleKit,
    *,
    hits: Sequence[tuple[str, tuple[np.ndarray, int]]] | None = None,
    settings: SpectrogramSettings | None = None,
) -> Kit:
    """Calibrate a drumnmf kit on :func:`calibration_hits` of a sample kit.

    Each hit becomes one template of its drum (:data:`TEMPLATE_DRUMS`): ``hihat`` gets
    closed, open and pedal templates, ``tom`` one per tom, and their activations add up,
    which matches references pooled by :func:`drumnmf.io.annotations.reduce_classes`.

    Parameters
    ----------
    kit : SampleKit
    hits : sequence of (sound, (samples, sample_rate)), optional
        Hits made by :func:`calibration_hits` (made here when None).
    settings : SpectrogramSettings, optional
        STFT settings (the defaults when None).

    Returns
    -------
    drumnmf.kit.Kit
    """
    from dataclasses import replace

    from drumnmf.kit import calibrate

    hits = calibration_hits(kit) if hits is None else hits
    drums = [TEMPLATE_DRUMS.get(sound, sound) for sound, _ in hits]
    drum_kit = calibrate(
        [(drum, hit) for drum, (_, hit) in zip(drums, hits, strict=True)],
        settings=settings,
        separate=True,
    )
    # calibrate() orders templates by drum (first seen first), then by hit
    labelled = sorted(enumerate(hits), key=lambda item: drums.index(drums[item[0]]))
    sources = [f"{kit.name}: {sound} hit" for _, (sound, _) in labelled]
    return replace(drum_kit, sources=tuple(sources))
