"""Input checks of :mod:`drumnmf.evaluation.metrics`: onset times, strengths, settings.

Every check raises :class:`~drumnmf.errors.DrumnmfError` naming the offending value and the
fix; none modifies its input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from drumnmf.errors import DrumnmfError

__all__ = ["DEFAULT_WINDOW", "EMPTY_POLICIES", "MAX_TIME", "EmptyPolicy", "validate"]

EmptyPolicy = Literal["skip", "zero", "one"]

DEFAULT_WINDOW = 0.05  # s, mir_eval's onset window
MAX_TIME = 30000.0  # s, mir_eval.onset.MAX_TIME: larger times are probably not seconds
EMPTY_POLICIES: tuple[str, ...] = ("skip", "zero", "one")


def _check_empty(empty: str) -> None:
    if empty not in EMPTY_POLICIES:
        raise DrumnmfError(
            f"empty={empty!r} must be one of {', '.join(map(repr, EMPTY_POLICIES))} "
            "(both-empty F: skipped, 0 as mir_eval, 1 as madmom)"
        )


def _check_window(window: float) -> float:
    try:
        value = float(window)
    except (TypeError, ValueError):
        raise DrumnmfError(
            f"window={window!r} must be a number of seconds (0.05 is 50 ms)"
        ) from None
    if not (math.isfinite(value) and value > 0):
        raise DrumnmfError(f"window={window!r} must be positive seconds (0.05 is 50 ms)")
    if value >= 1.0:
        raise DrumnmfError(
            f"window={window!r} s is implausibly long for onsets; give seconds (0.05 is 50 ms)"
        )
    return value


def _as_times(values: ArrayLike, what: str) -> np.ndarray:
    """One drum's onset times as a checked float64 array (the input is not modified)."""
    try:
        times = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DrumnmfError(f"{what} are not numbers; give an array of times in seconds") from None
    if times.ndim != 1:
        raise DrumnmfError(f"{what} have shape {times.shape}; give a 1-d array of times in seconds")
    if not np.all(np.isfinite(times)):
        raise DrumnmfError(f"{what} contain NaN or infinity; remove them")
    if times.size and times.max() > MAX_TIME:
        raise DrumnmfError(
            f"{what} include {times.max():g}, above {MAX_TIME:g} s; did you supply times in "
            "seconds (not samples, frames or milliseconds)?"
        )
    steps = np.diff(times)
    if np.any(steps < 0):
        i = int(np.argmax(steps < 0)) + 1
        raise DrumnmfError(
            f"{what} are not sorted ({times[i]:g} follows {times[i - 1]:g} at index {i}); "
            "sort them with np.sort"
        )
    return times


def _as_onsets(onsets: Mapping[str, ArrayLike], what: str) -> dict[str, np.ndarray]:
    if not isinstance(onsets, Mapping):
        raise DrumnmfError(
            f"{what} onsets are a {type(onsets).__name__}; give a dict drum -> array of times"
        )
    out = {}
    for drum, values in onsets.items():
        if not isinstance(drum, str):
            raise DrumnmfError(f"{what} drum name {drum!r} is not a string; use 'kick', ...")
        out[drum] = _as_times(values, f"{what} onsets of {drum!r}")
    return out


def _as_strengths(
    strengths: Mapping[str, ArrayLike] | None, estimate: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    if strengths is None:
        return {}
    if not isinstance(strengths, Mapping):
        raise DrumnmfError(f"strengths are a {type(strengths).__name__}; give a dict drum -> array")
    out = {}
    for drum, values in strengths.items():
        try:
            s = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise DrumnmfError(f"strengths of {drum!r} are not numbers") from None
        n = estimate[drum].size if drum in estimate else 0
        if s.shape != (n,):
            raise DrumnmfError(
                f"strengths of {drum!r} have shape {s.shape} for {n} estimated onsets; "
                "give one strength per onset"
            )
        if not np.all(np.isfinite(s)):
            raise DrumnmfError(f"strengths of {drum!r} contain NaN or infinity; remove them")
        out[drum] = s
    return out


def validate(
    reference: Mapping[str, ArrayLike],
    estimate: Mapping[str, ArrayLike],
    *,
    window: float = DEFAULT_WINDOW,
    strengths: Mapping[str, ArrayLike] | None = None,
    empty: EmptyPolicy = "skip",
) -> None:
    """Check that onsets, strengths and settings are well-formed; raise if not.

    Parameters
    ----------
    reference, estimate : mapping str -> np.ndarray [shape=(n,)]
        Onset times in seconds per drum: finite, non-decreasing, below 30000 s.
    window : float in (0, 1)
        Matching window, seconds.
    strengths : mapping str -> np.ndarray [shape=(n,)], optional
        One finite strength per estimated onset.
    empty : {"skip", "zero", "one"}
        Empty-input policy.

    Raises
    ------
    DrumnmfError
        Naming the offending value and how to fix it.
    """
    _check_window(window)
    _check_empty(empty)
    _as_onsets(reference, "reference")
    _as_strengths(strengths, _as_onsets(estimate, "estimate"))
