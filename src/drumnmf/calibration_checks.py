"""Checks of calibration recordings: which pieces of the kit are missing, which are too quiet.

:func:`check_calibration` (``drumnmf calibrate`` prints its warnings) looks at the recordings
given to :func:`drumnmf.kit.calibrate` before the templates are made, and says what would
make the kit better. It never refuses a recording: each finding is a
:class:`CalibrationWarning`.

What to record
--------------
:data:`KIT_PIECES`: kick, snare, closed hi-hat, open hi-hat, pedal hi-hat, each tom, crash
and ride, one file each, named after the piece (``kick.wav``, ``open_hihat.wav``,
``high_tom.wav``...). A piece the kit has but the calibration lacks has no template, so its
hits are explained by the nearest one (a ride read as hi-hat): record it. Articulations
(``rimshot.wav``, ``side_stick.wav``) and several hits of different strengths in one file
are welcome.

Levels
------
``quiet``
    The loudest sample is below :data:`QUIET_DBFS` (-30 dBFS): the hit is close to the noise
    and its template is mostly noise. Record with more gain, peaks near -12 to -3 dBFS.
``noisy``
    The hit's loudest frame is less than :data:`MIN_SNR_DB` (20 dB) above the recording's
    background (its quietest tenth of frames): hum, bleed or room noise in the template.
``clipped``
    The peak reaches full scale: the hit's spectrum is distorted; lower the gain.
``quieter``
    A piece is more than :data:`RELATIVE_DB` (30 dB) quieter than the loudest piece:
    probably a gain change between recordings.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = [
    "KIT_PIECES",
    "MIN_SNR_DB",
    "QUIET_DBFS",
    "CalibrationWarning",
    "check_calibration",
    "check_recording",
    "missing_pieces",
]

#: (what to record, file name to use, drum names that count as having it).
KIT_PIECES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("kick", "kick", ("kick",)),
    ("snare", "snare", ("snare",)),
    ("closed hi-hat", "hihat", ("hihat",)),
    ("open hi-hat", "open_hihat", ("open_hihat",)),
    ("pedal hi-hat", "pedal_hihat", ("pedal_hihat",)),
    (
        "toms",
        "high_tom, mid_tom, floor_tom",
        ("high_tom", "mid_tom", "floor_tom", "low_tom", "tom"),
    ),
    ("crash", "crash", ("crash", "china", "splash", "cymbal")),
    ("ride", "ride", ("ride", "ride_bell")),
)

QUIET_DBFS = -30.0  # peak level below which a hit is too quiet
MIN_SNR_DB = 20.0  # loudest frame over the background
RELATIVE_DB = 30.0  # a piece this much quieter than the loudest one
CLIPPED = 0.999  # peak (full scale 1.0)
FRAME_SECONDS = 0.01


@dataclass(frozen=True)
class CalibrationWarning:
    """One finding about a calibration.

    Attributes
    ----------
    kind : {"missing", "quiet", "noisy", "clipped", "quieter"}
    drum : str
        The piece concerned (for ``missing``: what to record).
    message : str
        What was found and what to do.
    """

    kind: str
    drum: str
    message: str


def missing_pieces(names: Sequence[str]) -> tuple[CalibrationWarning, ...]:
    """A warning for each piece of :data:`KIT_PIECES` that ``names`` lack.

    Parameters
    ----------
    names : sequence of str
        Canonical drum names of the calibration (``kick``, ``open_hihat``...).
    """
    have = set(names)
    out = []
    for what, file_name, accepted in KIT_PIECES:
        if have.isdisjoint(accepted):
            out.append(
                CalibrationWarning(
                    "missing",
                    accepted[0],
                    f"no {what} recorded: if your kit has one, its hits will be read as "
                    f"another drum; record {file_name.replace(', ', '.wav, ')}.wav",
                )
            )
    return tuple(out)


def _db(value: float) -> float:
    return 20 * math.log10(value) if value > 0 else -math.inf


def check_recording(
    name: str, samples: np.ndarray, sample_rate: int, *, label: str = ""
) -> tuple[CalibrationWarning, ...]:
    """Level warnings for one recording of one piece.

    Parameters
    ----------
    name : str
        The piece.
    samples : np.ndarray [shape=(n,)]
        Mono samples, full scale 1.0 (not modified).
    sample_rate : int > 0
    label : str
        How to name the recording in messages (its file).

    Returns
    -------
    tuple of CalibrationWarning
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise DrumnmfError(f"samples of {name!r} must be a non-empty mono array, got {x.shape}")
    where = label or name
    peak = float(np.max(np.abs(x)))
    out = []
    if peak >= CLIPPED:
        out.append(
            CalibrationWarning(
                "clipped",
                name,
                f"{where}: the hit clips (peak at full scale); lower the gain and record it again",
            )
        )
    elif _db(peak) < QUIET_DBFS:
        out.append(
            CalibrationWarning(
                "quiet",
                name,
                f"{where}: too quiet (peak {_db(peak):.0f} dBFS, below "
                f"{QUIET_DBFS:.0f}); record it with more gain, peaks near -12 to -3 dBFS",
            )
        )
    hop = max(1, round(FRAME_SECONDS * sample_rate))
    n = x.size // hop
    if n >= 10:
        rms = np.sqrt(np.mean(np.square(x[: n * hop].reshape(n, hop)), axis=1))
        background = float(np.quantile(rms, 0.1))
        snr = _db(float(rms.max())) - _db(background) if background > 0 else math.inf
        if snr < MIN_SNR_DB:
            out.append(
                CalibrationWarning(
                    "noisy",
                    name,
                    f"{where}: the hit is only {snr:.0f} dB above the background "
                    f"(at least {MIN_SNR_DB:.0f} wanted); record in a quieter room, closer, or "
                    "without other drums ringing",
                )
            )
    return tuple(out)


def check_calibration(
    hits: Sequence[str | os.PathLike[str] | tuple[str, Any]], *, sample_rate: int = 44100
) -> tuple[CalibrationWarning, ...]:
    """Every warning about a set of calibration recordings (see the module docstring).

    Parameters
    ----------
    hits : sequence
        What :func:`drumnmf.kit.calibrate` takes: files named after their drum,
        ``"NAME=PATH"`` strings or ``(name, path or (samples, rate))`` pairs.
    sample_rate : int
        Rate the recordings are read at.

    Returns
    -------
    tuple of CalibrationWarning
        Level warnings per recording, then relative levels, then missing pieces.

    Examples
    --------
    >>> for w in check_calibration(["kick.wav", "snare.wav"]):  # doctest: +SKIP
    ...     print(w.message)
    """
    from drumnmf.drums import parse_hit_source
    from drumnmf.io.audio import load_audio, prepare_samples

    out: list[CalibrationWarning] = []
    peaks: dict[str, float] = {}
    for item in hits:
        name, source = parse_hit_source(item)
        if isinstance(source, tuple):
            samples = prepare_samples(source[0], source[1], sample_rate=sample_rate, name=name)
            label = name
        else:
            samples = load_audio(source, sample_rate=sample_rate)
            label = os.fspath(source)
        out += check_recording(name, samples, sample_rate, label=label)
        peaks[name] = max(peaks.get(name, 0.0), float(np.max(np.abs(samples))))
    if peaks:
        top = max(peaks.values())
        for name, peak in peaks.items():
            gap = _db(top) - _db(peak)
            if gap > RELATIVE_DB and not any(w.drum == name and w.kind == "quiet" for w in out):
                out.append(
                    CalibrationWarning(
                        "quieter",
                        name,
                        f"{name}: {gap:.0f} dB quieter than the loudest piece; "
                        "was the gain changed? Record every piece at one gain, hit as in a song",
                    )
                )
    out += missing_pieces(list(peaks))
    return tuple(out)
