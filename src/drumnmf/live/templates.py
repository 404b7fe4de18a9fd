"""Drum templates for STFT settings other than the kit's (live trigger mode's short window).

A kit's templates are measured with its STFT settings (2048 / 512 by default). Trigger mode
analyses a short window (``TRIGGER_SETTINGS``, 512 / 96 samples) and needs the same drums'
spectra at that resolution. They come, in order of preference, from

1. the kit's ``alternates`` (templates measured from the calibration hits with those
   settings: ``drumnmf calibrate --trigger``, or :func:`with_templates_for`), or
2. :func:`resampled_templates`: the kit's own spectra interpolated onto the short window's
   bins and scaled by the windows' gain ratio. That keeps each drum's spectral envelope
   but not its fine structure; measured templates are preferred.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.kit import Kit, calibrate, calibrate_from_annotations
from drumnmf.spectrogram import SpectrogramSettings, _window

__all__ = [
    "TRIGGER_SETTINGS",
    "resampled_templates",
    "templates_for",
    "with_templates_for",
]

TRIGGER_SETTINGS = SpectrogramSettings(n_fft=512, hop_length=96)  # 11.6 ms window, 2.2 ms hop


def resampled_templates(kit: Kit, settings: SpectrogramSettings) -> np.ndarray:
    """The kit's templates interpolated onto another STFT's bins.

    Parameters
    ----------
    kit : Kit
    settings : SpectrogramSettings
        Target STFT (same sample rate as the kit's).

    Returns
    -------
    np.ndarray [shape=(settings.n_bins, n_templates)], float64, >= 0
        Each template's magnitude, linearly interpolated in frequency (a target bin wider
        than the source's takes the mean of the source bins it covers) and multiplied by
        ``sum(window') / sum(window)``, the gain of a steady tone through each window.
    """
    if settings.sample_rate != kit.settings.sample_rate:
        raise DrumnmfError(
            f"templates for {settings.sample_rate} Hz from a kit at "
            f"{kit.settings.sample_rate} Hz: recalibrate the kit at that rate"
        )
    source = kit.settings.bin_frequencies()
    target = settings.bin_frequencies()
    W = np.asarray(kit.templates, dtype=np.float64)
    if settings.n_fft < kit.settings.n_fft:
        # Box-average the fine bins over each coarse bin, then sample at its centre.
        width = kit.settings.n_fft // settings.n_fft
        kernel = np.ones(width) / width
        W = np.stack([np.convolve(col, kernel, mode="same") for col in W.T], axis=1)
    out = np.stack([np.interp(target, source, col) for col in W.T], axis=1)
    gain = float(_window(settings.window, settings.n_fft).sum()) / float(
        _window(kit.settings.window, kit.settings.n_fft).sum()
    )
    out = np.maximum(out * gain, 0.0)
    # A template must not vanish: keep a floor of its own peak.
    return np.maximum(out, 1e-9 * out.max(axis=0, keepdims=True) + 1e-30)


def templates_for(kit: Kit, settings: SpectrogramSettings) -> tuple[np.ndarray, str]:
    """The kit's templates for ``settings`` and where they came from.

    Returns
    -------
    templates : np.ndarray [shape=(settings.n_bins, n_templates)]
    origin : {"kit", "measured", "resampled"}
        The kit's own templates, templates the kit stores for these settings, or
        :func:`resampled_templates`.
    """
    if settings == kit.settings:
        return np.asarray(kit.templates), "kit"
    for stored, templates in kit.alternates:
        if stored == settings:
            return np.asarray(templates), "measured"
    return resampled_templates(kit, settings), "resampled"


def with_templates_for(
    kit: Kit,
    hits: Sequence[str | os.PathLike[str] | tuple[str, Any]] | None = None,
    *,
    settings: SpectrogramSettings = TRIGGER_SETTINGS,
    annotations: tuple[Any, Mapping[str, np.ndarray]] | None = None,
    separate: bool = False,
    attack_frames: int = 0,
) -> Kit:
    """A copy of ``kit`` that also stores templates measured with ``settings``.

    The calibration is run again on the same hits with the other STFT: the result must
    give the same drums and template columns, in the same order.

    Parameters
    ----------
    kit : Kit
        A kit calibrated from ``hits`` (or from ``annotations``).
    hits : sequence, optional
        The calibration hits given to :func:`drumnmf.kit.calibrate`.
    settings : SpectrogramSettings
        The other STFT (trigger mode's by default).
    annotations : (audio, onsets), optional
        Instead of ``hits``: the recording and onsets given to
        :func:`drumnmf.kit.calibrate_from_annotations`.
    separate, attack_frames
        As given to :func:`drumnmf.kit.calibrate`; ``attack_frames`` (in the kit's frames)
        is converted to the same duration in ``settings``' frames.

    Returns
    -------
    Kit
    """
    if settings == kit.settings:
        raise DrumnmfError("these are the kit's own STFT settings; give other ones")
    if (hits is None) == (annotations is None):
        raise DrumnmfError("give the calibration hits or the annotations, one of the two")
    if annotations is not None:
        audio, onsets = annotations
        other = calibrate_from_annotations(
            audio,
            onsets,
            settings=settings,
            notes=dict(zip(kit.names, kit.midi_notes, strict=True)),
            skip_missing=True,
        )
    else:
        assert hits is not None
        frames = round(attack_frames * kit.settings.hop_length / settings.hop_length)
        other = calibrate(
            hits,
            settings=settings,
            notes=dict(zip(kit.names, kit.midi_notes, strict=True)),
            separate=separate,
            attack_frames=max(frames, 1) if attack_frames else 0,
        )
    if other.names != kit.names or other.template_drums != kit.template_drums:
        raise DrumnmfError(
            f"calibrating with n_fft={settings.n_fft} found drums {other.names} "
            f"({len(other.template_drums)} templates) but the kit has {kit.names} "
            f"({len(kit.template_drums)}); record clearer, more isolated hits"
        )
    kept = tuple(a for a in kit.alternates if a[0] != settings)
    return replace(kit, alternates=(*kept, (settings, other.templates)))
