"""Onsets from activation rows: the paper's adaptive median threshold and top-k pickers.

Both pickers return one onset per hit: candidates are local maxima of the activation row
at least ``min_interval`` seconds apart (the higher peak wins).

Adaptive threshold (the paper's rule)
-------------------------------------
The row is divided by its maximum; the threshold at frame ``t`` is the median of the
normalized row over a ``window``-second neighbourhood centred on ``t`` plus a per-drum
offset: 0.05 for hi-hats, 0.1 for snares, 0.15 for kicks and ``DEFAULT_OFFSET`` (0.1) for
any other drum. Peaks above the threshold are onsets.

Onset timing
------------
An activation peaks when the template matches best, which for a decaying drum is a few
frames after the hit starts. With ``timing="rise"`` each picked peak is reported at the
frame of the activation's steepest rise between the preceding trough (at most
``MAX_RISE_FRAMES`` back) and the peak; ``timing="peak"`` (the paper's) reports the peak
frame itself. Strengths are always the peak heights.

Band-share gate (cross-talk)
----------------------------
A drum that is not playing still gets activation where another drum's sound resembles
its template, and a threshold relative to the row's maximum picks that cross-talk when the
row has nothing else. :func:`band_share` measures, frame by frame, how much of the
spectrogram's energy *in a drum's own bands* (rows weighted by its template) the drum's
templates explain; :func:`gate_onsets` drops onsets whose share stays below a minimum
within a few frames of the onset. A real hit explains most of its bands; cross-talk
explains a small part of a louder sound.

Coincidence gate (cross-talk between similar drums)
----------------------------------------------------
:func:`suppress_crosstalk` compares the onsets of drums whose templates overlap
(cosine similarity of their band profiles at least ``similarity``): an onset of drum ``d``
that coincides (within ``COINCIDE_FRAMES``) with an onset of a similar drum ``o`` is dropped
when ``o`` explains much more of the frame, i.e. ``E_d < ratio * E_o`` with ``E`` the
factorized energy a drum's templates reconstruct (``sum(W_d @ H_d)`` over the rows, its
maximum from a frame before to three after the onset). A crash that fires on every hi-hat
and snare hit loses to them; a real crash, louder than the hi-hat it lands on, stays.

Top-k (oracle protocol, for evaluation)
---------------------------------------
The ``k`` highest local maxima, ``k`` usually being the true number of hits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.filters import find_peaks, moving_median

__all__ = [
    "DEFAULT_OFFSET",
    "DRUM_OFFSETS",
    "Onsets",
    "adaptive_threshold",
    "band_share",
    "explained_energy",
    "gate_onsets",
    "offset_for",
    "pick_adaptive",
    "pick_top_k",
    "suppress_crosstalk",
]

DRUM_OFFSETS: dict[str, float] = {
    "hihat": 0.05,
    "open_hihat": 0.05,
    "pedal_hihat": 0.05,
    "snare": 0.1,
    "kick": 0.15,
}
DEFAULT_OFFSET = 0.1
MAX_RISE_FRAMES = 6  # 70 ms at the default hop
TIMINGS = ("rise", "peak")
GATE_FRAMES = (1, 3)  # the share gate looks this many frames before / after an onset
COINCIDE_FRAMES = 2  # onsets of two drums this close (23 ms at the default hop) coincide


@dataclass(frozen=True, eq=False)
class Onsets:
    """Onsets picked from one activation row.

    Attributes
    ----------
    frames : np.ndarray [shape=(n,), dtype=int]
        Frame index of each onset, increasing.
    strengths : np.ndarray [shape=(n,)]
        Activation height at each onset.
    threshold : np.ndarray [shape=(n_frames,)] or None
        The threshold curve in activation units (adaptive picker), else None.
    """

    frames: np.ndarray
    strengths: np.ndarray
    threshold: np.ndarray | None = None


def offset_for(drum: str) -> float:
    """The paper's threshold offset for a drum name (``DEFAULT_OFFSET`` if not listed)."""
    return DRUM_OFFSETS.get(drum, DEFAULT_OFFSET)


def _check_row(activation: np.ndarray) -> np.ndarray:
    row = np.asarray(activation, dtype=np.float64)
    if row.ndim != 1:
        raise DrumnmfError(f"an activation row must be 1-D, got shape {row.shape}")
    if not np.all(np.isfinite(row)):
        raise DrumnmfError("the activation row contains NaN or inf values")
    return row


def _frames(seconds: float, frame_rate: float, name: str) -> int:
    if not np.isfinite(seconds) or seconds < 0:
        raise DrumnmfError(f"{name} must be a nonnegative number of seconds, got {seconds!r}")
    return max(1, round(seconds * frame_rate))


def adaptive_threshold(
    activation: np.ndarray, *, frame_rate: float, offset: float, window: float = 0.1
) -> np.ndarray:
    """The paper's moving-median threshold of one activation row.

    Parameters
    ----------
    activation : np.ndarray [shape=(n_frames,)]
        Nonnegative activation row.
    frame_rate : float > 0
        Frames per second.
    offset : float >= 0
        Offset relative to the row's maximum (0.15 kick, 0.1 snare, 0.05 hi-hat).
    window : float > 0
        Median window in seconds (0.1 s).

    Returns
    -------
    np.ndarray [shape=(n_frames,)]
        Threshold in the activation's units.
    """
    row = _check_row(activation)
    size = _frames(window, frame_rate, "window")
    top = float(row.max()) if row.size else 0.0
    if top <= 0:
        return np.full(row.shape, np.inf)
    size += 1 - size % 2  # odd, so the window is centred
    normalized = row / top
    return (moving_median(normalized, size) + offset) * top


def _candidates(row: np.ndarray, min_frames: int) -> np.ndarray:
    peaks = find_peaks(np.concatenate(([-np.inf], row, [-np.inf])), distance=min_frames)
    peaks = peaks - 1
    return peaks[row[peaks] > 0]


def rise_frames(activation: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """Move each peak back to the frame of steepest rise before it.

    Parameters
    ----------
    activation : np.ndarray [shape=(n_frames,)]
    peaks : np.ndarray [shape=(n,), dtype=int]
        Increasing peak frames.

    Returns
    -------
    np.ndarray [shape=(n,), dtype=int]
        For each peak, the frame ``k`` in ``(trough, peak]`` maximizing
        ``activation[k] - activation[k - 1]``, where ``trough`` is the lowest frame of the
        ``MAX_RISE_FRAMES`` before the peak (not crossing the previous peak).
    """
    row = _check_row(activation)
    rise = np.diff(row, prepend=row[:1])
    out = np.empty(len(peaks), dtype=np.int64)
    previous = -1
    for i, p in enumerate(np.asarray(peaks, dtype=np.int64)):
        lo = max(previous + 1, int(p) - MAX_RISE_FRAMES, 0)
        trough = lo + int(np.argmin(row[lo : p + 1]))
        span = rise[trough + 1 : p + 1]
        out[i] = trough + 1 + int(np.argmax(span)) if span.size else p
        previous = int(p)
    return out


def _timed(row: np.ndarray, peaks: np.ndarray, timing: str) -> np.ndarray:
    if timing not in TIMINGS:
        raise DrumnmfError(f"unknown onset timing {timing!r}; use one of {TIMINGS}")
    return rise_frames(row, peaks) if timing == "rise" else peaks


def pick_adaptive(
    activation: np.ndarray,
    *,
    frame_rate: float,
    offset: float,
    window: float = 0.1,
    min_interval: float = 0.05,
    timing: str = "peak",
) -> Onsets:
    """Onsets where the activation peaks above the adaptive median threshold.

    Parameters
    ----------
    activation : np.ndarray [shape=(n_frames,)]
    frame_rate : float > 0
        Frames per second.
    offset : float >= 0
        Per-drum offset relative to the row maximum (see :func:`offset_for`).
    window : float > 0
        Median window in seconds.
    min_interval : float > 0
        Shortest time between two onsets of this drum, in seconds.
    timing : {"peak", "rise"}
        Report the peak frame (the paper) or the steepest rise before it.

    Returns
    -------
    Onsets
    """
    row = _check_row(activation)
    threshold = adaptive_threshold(row, frame_rate=frame_rate, offset=offset, window=window)
    peaks = _candidates(row, _frames(min_interval, frame_rate, "min_interval"))
    peaks = peaks[row[peaks] > threshold[peaks]]
    return Onsets(frames=_timed(row, peaks, timing), strengths=row[peaks], threshold=threshold)


def pick_top_k(
    activation: np.ndarray,
    k: int,
    *,
    frame_rate: float,
    min_interval: float = 0.05,
    timing: str = "peak",
) -> Onsets:
    """The ``k`` highest peaks of an activation row (oracle top-k protocol).

    Parameters
    ----------
    activation : np.ndarray [shape=(n_frames,)]
    k : int >= 0
        How many onsets to keep (fewer if the row has fewer peaks).
    frame_rate : float > 0
        Frames per second.
    min_interval : float > 0
        Shortest time between two onsets, in seconds.
    timing : {"peak", "rise"}
        Report the peak frame (the paper) or the steepest rise before it.

    Returns
    -------
    Onsets
        In time order.
    """
    row = _check_row(activation)
    if not isinstance(k, (int, np.integer)) or k < 0:
        raise DrumnmfError(f"k must be a nonnegative integer, got {k!r}")
    peaks = _candidates(row, _frames(min_interval, frame_rate, "min_interval"))
    best = np.sort(peaks[np.argsort(-row[peaks], kind="stable")[: int(k)]])
    return Onsets(frames=_timed(row, best.astype(np.int64), timing), strengths=row[best])


def top_k_counts(reference: Mapping[str, np.ndarray]) -> dict[str, int]:
    """``k`` per drum for the oracle protocol: the number of reference onsets."""
    return {drum: int(np.size(times)) for drum, times in reference.items()}


def band_share(
    spectrogram: np.ndarray,
    templates: np.ndarray,
    activations: np.ndarray,
    owners: np.ndarray | tuple[int, ...],
    n_drums: int,
) -> np.ndarray:
    """Fraction of each drum's band energy its templates explain, per frame.

    For drum ``d`` with templates ``W_d`` and activations ``H_d``, the band weights are
    ``w = sum(W_d, axis=1) / max(...)`` and the share is
    ``w @ (W_d @ H_d) / (w @ V)``.

    Parameters
    ----------
    spectrogram : np.ndarray [shape=(n_rows, n_frames)], >= 0
        The matrix that was factorized (``V``).
    templates : np.ndarray [shape=(n_rows, n_templates)], >= 0
        The fixed templates in the same rows (``W_D``).
    activations : np.ndarray [shape=(n_templates, n_frames)], >= 0
        Their activations (``H_D``), one row per template.
    owners : sequence of int [shape=(n_templates,)]
        Drum index of each template (:attr:`drumnmf.kit.Kit.template_drums`).
    n_drums : int > 0

    Returns
    -------
    np.ndarray [shape=(n_drums, n_frames)]
        Shares, >= 0 (0 where the drum's bands are silent; may exceed 1 where the model
        over-explains).
    """
    V = np.asarray(spectrogram, dtype=np.float64)
    W = np.asarray(templates, dtype=np.float64)
    H = np.asarray(activations, dtype=np.float64)
    owners = np.asarray(owners)
    if W.shape[0] != V.shape[0] or H.shape != (W.shape[1], V.shape[1]) or owners.size != W.shape[1]:
        raise DrumnmfError(
            f"band_share needs V (rows x frames), W (rows x templates), H (templates x "
            f"frames) and one owner per template; got {V.shape}, {W.shape}, {H.shape}, "
            f"{owners.size} owners"
        )
    out = np.zeros((n_drums, V.shape[1]))
    for d in range(n_drums):
        mine = owners == d
        if not np.any(mine):
            continue
        weights = W[:, mine].sum(axis=1)
        top = float(weights.max())
        if top <= 0:
            continue
        weights /= top
        total = weights @ V
        explained = weights @ (W[:, mine] @ H[mine])
        out[d] = np.divide(explained, total, out=np.zeros_like(total), where=total > 0)
    return out


def gate_onsets(
    onsets: Onsets, share: np.ndarray, minimum: float, *, relative: float = 0.0
) -> Onsets:
    """Drop onsets whose band share stays below ``minimum`` near the onset.

    With ``relative > 0`` the minimum is lowered, for this row, to ``relative`` times the
    90th percentile of the onsets' shares: a drum whose template fits its real hits
    poorly (all of its shares low, e.g. an uncalibrated kit) keeps its hits.

    Parameters
    ----------
    onsets : Onsets
        Onsets of one drum (frames as reported).
    share : np.ndarray [shape=(n_frames,)]
        The drum's row of :func:`band_share`.
    minimum : float >= 0
        Smallest share kept; 0 keeps everything.
    relative : float >= 0
        Cap of the minimum relative to the row's high shares (0 = no cap).

    Returns
    -------
    Onsets
        The kept onsets (same threshold curve).
    """
    if not np.isfinite(minimum) or minimum < 0:
        raise DrumnmfError(f"the share minimum must be a number >= 0 (e.g. 0.2), got {minimum!r}")
    if minimum == 0 or onsets.frames.size == 0:
        return onsets
    row = np.asarray(share, dtype=np.float64)
    before, after = GATE_FRAMES
    if not np.isfinite(relative) or relative < 0:
        raise DrumnmfError(f"relative must be a number >= 0 (e.g. 0.5), got {relative!r}")
    near = np.array(
        [row[max(0, f - before) : f + after + 1].max(initial=0.0) for f in onsets.frames]
    )
    if relative > 0:
        minimum = min(minimum, relative * float(np.percentile(near, 90)))
    keep = near >= minimum
    return Onsets(
        frames=onsets.frames[keep], strengths=onsets.strengths[keep], threshold=onsets.threshold
    )


def explained_energy(
    templates: np.ndarray,
    activations: np.ndarray,
    owners: np.ndarray | tuple[int, ...],
    n_drums: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Energy each drum reconstructs per frame, and each drum's band profile.

    Parameters
    ----------
    templates : np.ndarray [shape=(n_rows, n_templates)], >= 0
        The fixed templates in the factorized rows (``W_D``).
    activations : np.ndarray [shape=(n_templates, n_frames)], >= 0
        Their activations (``H_D``).
    owners : sequence of int [shape=(n_templates,)]
        Drum index of each template.
    n_drums : int > 0

    Returns
    -------
    energy : np.ndarray [shape=(n_drums, n_frames)]
        ``sum over rows of W_d @ H_d``.
    profiles : np.ndarray [shape=(n_drums, n_rows)]
        ``sum(W_d, axis=1)``, unit Euclidean norm (zero for a drum without templates).
    """
    W = np.asarray(templates, dtype=np.float64)
    H = np.asarray(activations, dtype=np.float64)
    owners = np.asarray(owners)
    if H.shape[0] != W.shape[1] or owners.size != W.shape[1]:
        raise DrumnmfError(
            f"need W (rows x templates), H (templates x frames) and one owner per template; "
            f"got {W.shape}, {H.shape}, {owners.size} owners"
        )
    energy = np.zeros((n_drums, H.shape[1]))
    profiles = np.zeros((n_drums, W.shape[0]))
    for d in range(n_drums):
        mine = owners == d
        if not np.any(mine):
            continue
        energy[d] = W[:, mine].sum(axis=0) @ H[mine]
        profile = W[:, mine].sum(axis=1)
        norm = float(np.linalg.norm(profile))
        profiles[d] = profile / norm if norm > 0 else profile
    return energy, profiles


def suppress_crosstalk(
    picked: list[Onsets],
    energy: np.ndarray,
    profiles: np.ndarray,
    *,
    ratio: float,
    similarity: float = 0.5,
) -> list[Onsets]:
    """Drop onsets that coincide with a much stronger onset of a similar drum.

    Parameters
    ----------
    picked : list of Onsets
        One per drum, in the order of ``energy``'s rows (frames as reported).
    energy, profiles : np.ndarray
        From :func:`explained_energy`.
    ratio : float >= 0
        An onset of drum ``d`` is dropped when a similar drum with a coinciding onset
        reconstructs more than ``E_d / ratio`` near it (0.5: more than twice ``E_d``);
        0 keeps everything.
    similarity : float in [0, 1]
        Smallest cosine similarity of two drums' band profiles for them to compete (0.5).

    Returns
    -------
    list of Onsets
        The kept onsets (same threshold curves). Every drum is judged against the
        *unfiltered* onsets of the others.
    """
    if not np.isfinite(ratio) or ratio < 0:
        raise DrumnmfError(f"the cross-talk ratio must be a number >= 0 (e.g. 0.5), got {ratio!r}")
    if not (np.isfinite(similarity) and 0 <= similarity <= 1):
        raise DrumnmfError(f"similarity must be in [0, 1] (e.g. 0.5), got {similarity!r}")
    E = np.asarray(energy, dtype=np.float64)
    P = np.asarray(profiles, dtype=np.float64)
    if len(picked) != E.shape[0] or P.shape[0] != E.shape[0]:
        raise DrumnmfError(
            f"need one Onsets, energy row and profile per drum; got {len(picked)}, "
            f"{E.shape[0]}, {P.shape[0]}"
        )
    if ratio == 0:
        return list(picked)
    cosine = P @ P.T
    before, after = GATE_FRAMES
    out = []
    for d, onsets in enumerate(picked):
        rivals = [o for o in range(len(picked)) if o != d and cosine[d, o] >= similarity]
        keep = np.ones(onsets.frames.size, dtype=bool)
        for k, f in enumerate(onsets.frames):
            lo, hi = max(0, int(f) - before), int(f) + after + 1
            mine = E[d, lo:hi].max(initial=0.0)
            for o in rivals:
                frames = picked[o].frames
                if (
                    frames.size
                    and np.min(np.abs(frames - f)) <= COINCIDE_FRAMES
                    and ratio * E[o, lo:hi].max(initial=0.0) > mine
                ):
                    keep[k] = False
                    break
        out.append(
            Onsets(
                frames=onsets.frames[keep],
                strengths=onsets.strengths[keep],
                threshold=onsets.threshold,
            )
        )
    return out
