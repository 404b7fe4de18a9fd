"""Options of the streaming transcriber, with the defaults of each latency mode."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from drumnmf.errors import DrumnmfError
from drumnmf.live.templates import TRIGGER_SETTINGS
from drumnmf.onsets import offset_for
from drumnmf.spectrogram import SpectrogramSettings

__all__ = ["MODES", "StreamConfig"]

MODES = ("transcribe", "trigger")


@dataclass(frozen=True)
class StreamConfig:
    """Options of the streaming transcriber.

    Parameters
    ----------
    mode : {"transcribe", "trigger"}
        The latency mode the options were chosen for (recorded with the outputs).
    settings : SpectrogramSettings or None
        STFT of the analysis; None for the kit's (the offline STFT).
    look_ahead : float >= 0
        Seconds the picker waits after a hit's threshold crossing before deciding it.
    harmonic_rank : int >= 0
        Columns of the non-drum part ``W_H``.
    harmonic_every : float > 0
        Seconds between updates of ``W_H``.
    memory : float > 0
        Time constant of the forgetting of ``W_H``'s statistics, seconds.
    bands_per_octave : int >= 0
        Log-frequency filterbank density (0: linear STFT bins), as offline.
    fmin, fmax : float
        Filterbank range, Hz.
    percussive_seconds : float >= 0
        Span of the causal harmonic median of the percussive mask; 0 disables the mask.
    percussive_bands : int > 0
        Rows of the percussive (frequency) median.
    threshold_window : float > 0
        Span of the causal median of the threshold, seconds.
    offsets : tuple of (drum, offset) pairs
        Per-drum threshold offsets overriding the defaults (0.15 kick, 0.1 snare, 0.05
        hi-hat, 0.1 others), relative to the running level.
    min_interval : float > 0
        Shortest time between two hits of one drum, seconds.
    retrigger_ratio : float in [0, 1]
        Re-arming (what offline's local-maximum rule does): after a hit, a drum triggers
        again only once its activation has fallen below this fraction of its peak since
        the hit (or below its threshold), so one hit that keeps rising is one hit; 0
        disables it.
    crosstalk_ratio : float >= 0
        Coincidence gate, as offline's (:func:`drumnmf.onsets.suppress_crosstalk`): a hit
        is dropped when a similar drum crossed its threshold within ``coincide`` s of it
        and reconstructs more than ``1 / crosstalk_ratio`` times its energy from a frame
        before the crossing to the decision; 0 disables it.
    crosstalk_similarity : float in [0, 1]
        Smallest cosine similarity of two drums' band profiles for them to compete.
    coincide : float >= 0
        Two drums' crossings this close (seconds) coincide (23 ms, two offline hops).
    level_half_life : float > 0
        Half-life of the running level of each drum's activation, seconds.
    level_floor : float >= 0
        Smallest running level, in activation units (1 is a hit as loud as the
        calibration's): keeps silence and room noise from triggering.
    seed : int
        Seed of the random start of ``W_H``.
    """

    mode: str = "transcribe"
    settings: SpectrogramSettings | None = None
    look_ahead: float = 0.0
    harmonic_rank: int = 5
    harmonic_every: float = 0.05
    memory: float = 2.0
    bands_per_octave: int = 12
    fmin: float = 30.0
    fmax: float = 16000.0
    percussive_seconds: float = 0.2
    percussive_bands: int = 7
    threshold_window: float = 0.1
    offsets: tuple[tuple[str, float], ...] = ()
    min_interval: float = 0.05
    retrigger_ratio: float = 0.8
    crosstalk_ratio: float = 0.5
    crosstalk_similarity: float = 0.5
    coincide: float = 0.023
    level_half_life: float = 30.0
    level_floor: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise DrumnmfError(f"unknown mode {self.mode!r}; use one of {MODES}")
        if self.settings is not None and not isinstance(self.settings, SpectrogramSettings):
            raise DrumnmfError("settings must be a SpectrogramSettings or None (the kit's)")
        if not (math.isfinite(self.crosstalk_similarity) and 0 <= self.crosstalk_similarity <= 1):
            raise DrumnmfError(
                f"crosstalk_similarity must be in [0, 1], got {self.crosstalk_similarity!r}"
            )
        for name in (
            "look_ahead",
            "percussive_seconds",
            "level_floor",
            "crosstalk_ratio",
            "coincide",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise DrumnmfError(f"{name} must be a number >= 0, got {value!r}")
        for name in (
            "harmonic_every",
            "memory",
            "threshold_window",
            "min_interval",
            "level_half_life",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise DrumnmfError(f"{name} must be a positive number of seconds, got {value!r}")
        for name, low in (
            ("harmonic_rank", 0),
            ("bands_per_octave", 0),
            ("percussive_bands", 1),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise DrumnmfError(f"{name} must be an integer >= {low}, got {value!r}")
        for drum, value in self.offsets:
            if not (math.isfinite(value) and value >= 0):
                raise DrumnmfError(f"threshold offset of '{drum}' must be >= 0, got {value!r}")
        if not (
            math.isfinite(self.fmin) and math.isfinite(self.fmax) and 0 < self.fmin < self.fmax
        ):
            raise DrumnmfError(
                f"need 0 < fmin < fmax in Hz (e.g. 30 and 16000), got {self.fmin}, {self.fmax}"
            )

    @classmethod
    def for_mode(cls, mode: str, **changes: Any) -> StreamConfig:
        """The defaults of a latency mode, with some options changed.

        ``"transcribe"``: the kit's STFT (2048 / 512), decided at the crossing.
        ``"trigger"``: ``TRIGGER_SETTINGS`` (512 / 96, an 11.6 ms window), decided one
        hop (2.2 ms) after the crossing.
        """
        if mode == "trigger":
            base = cls(mode="trigger", settings=TRIGGER_SETTINGS, look_ahead=0.0022)
        elif mode == "transcribe":
            base = cls(mode="transcribe", look_ahead=0.0)
        else:
            raise DrumnmfError(f"unknown mode {mode!r}; use one of {MODES}")
        return replace(base, **changes)

    def offset(self, drum: str) -> float:
        """Threshold offset of ``drum``."""
        return dict(self.offsets).get(drum, offset_for(drum))

    def to_dict(self) -> dict[str, Any]:
        """The options as a JSON-ready dictionary."""
        data = asdict(self)
        data["settings"] = None if self.settings is None else self.settings.to_dict()
        data["offsets"] = dict(self.offsets)
        return data
