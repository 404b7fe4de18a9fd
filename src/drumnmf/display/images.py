"""Pictures without matplotlib: drum colours, log-frequency images and template levels.

Shared by the figures (:mod:`drumnmf.display.plots`) and the HTML report
(:mod:`drumnmf.display.report`), so that both show a drum in the same colour and a
spectrogram on the same axes, and so that the report needs no plotting library.

Conventions
-----------
Frequencies are in Hz, shown on a logarithmic scale from ``FMIN`` Hz to the Nyquist
frequency; levels are in dB relative to the maximum over a ``DB_RANGE`` dB range, mapped to
[0, 1].
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.kit import canonical_drum_name

__all__ = [
    "DB_RANGE",
    "FMIN",
    "check_reference",
    "drum_colors",
    "drum_key",
    "hz_label",
    "log_frequency_image",
    "template_levels",
]

FMIN = 30.0  # Hz: lowest frequency shown (below a kick's fundamental)
DB_RANGE = 80.0  # dB shown below the maximum

# One colour per drum name: related drums share a hue family (hi-hats green, cymbals warm,
# toms olive/brown). Drums not listed get a colour from _EXTRA, picked from a hash of the
# name so that it does not depend on the other drums of the kit unless two collide.
_DRUM_COLORS: dict[str, str] = {
    "kick": "#1f77b4",
    "snare": "#d62728",
    "hihat": "#2ca02c",
    "open_hihat": "#7bc96f",
    "pedal_hihat": "#117a65",
    "crash": "#ff7f0e",
    "crash2": "#f5b041",
    "ride": "#9467bd",
    "ride_bell": "#c39bd3",
    "china": "#8c564b",
    "splash": "#e377c2",
    "tom": "#bcbd22",
    "mid_tom": "#a4a51b",
    "high_tom": "#d4d55a",
    "low_tom": "#7d7e12",
    "floor_tom": "#6e4b1f",
    "low_floor_tom": "#5b3a14",
    "high_floor_tom": "#8d6a3a",
    "side_stick": "#ff9896",
    "rimshot": "#ff9896",
    "clap": "#17becf",
    "electric_snare": "#b03a2e",
    "tambourine": "#e6c229",
    "cowbell": "#7f7f7f",
}
_EXTRA = (
    "#17becf",
    "#e377c2",
    "#8c564b",
    "#bcbd22",
    "#7f7f7f",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#31a354",
)


def drum_colors(drums: Sequence[str]) -> dict[str, str]:
    """A colour (``"#rrggbb"``) for each drum, the same for a name in every figure.

    Known drum names have fixed colours (kick blue, snare red, hi-hat green...); other
    names get a colour from a hash of the name. When two drums of ``drums`` would share a
    colour, the later one takes the next free colour.

    Parameters
    ----------
    drums : sequence of str
        Drum names (aliases such as ``"BD"`` are accepted).

    Returns
    -------
    dict str -> str
        Keyed by the names as given.

    Examples
    --------
    >>> drum_colors(["kick", "snare"])
    {'kick': '#1f77b4', 'snare': '#d62728'}
    """
    used: set[str] = set()
    out: dict[str, str] = {}
    for name in drums:
        key = drum_key(name)
        color = _DRUM_COLORS.get(key)
        if color is None or color in used:
            start = zlib.crc32(key.encode()) % len(_EXTRA)
            free = [_EXTRA[(start + i) % len(_EXTRA)] for i in range(len(_EXTRA))]
            color = next((c for c in free if c not in used), free[0])
        used.add(color)
        out[name] = color
    return out


def drum_key(name: str) -> str:
    """The canonical name of a drum, or the lower-cased label if it is not a valid name."""
    try:
        return canonical_drum_name(name)
    except DrumnmfError:
        return str(name).strip().lower()


def log_frequency_image(
    spectrogram: np.ndarray,
    sample_rate: float,
    *,
    n_rows: int = 256,
    max_columns: int = 2000,
    fmin: float = FMIN,
    db_range: float = DB_RANGE,
) -> tuple[np.ndarray, np.ndarray, int]:
    """A magnitude spectrogram resampled to log-spaced rows and at most ``max_columns``.

    Frames are grouped ``step`` at a time by their maximum (so short hits stay visible);
    rows average the bins between log-spaced edges, or interpolate where a row is narrower
    than a bin.

    Parameters
    ----------
    spectrogram : np.ndarray [shape=(n_bins, n_frames)]
        Magnitudes, bins from 0 Hz to ``sample_rate / 2``.
    sample_rate : number > 0
        Sample rate of the analysed audio in Hz.
    n_rows : int > 0
        Number of log-frequency rows.
    max_columns : int > 0
        Most columns of the result.
    fmin : number > 0
        Lowest row edge in Hz.
    db_range : number > 0
        Range in dB below the maximum mapped to [0, 1].

    Returns
    -------
    image : np.ndarray [shape=(n_rows, n_columns), dtype=float32]
        Levels in [0, 1] (1 is the maximum, 0 is ``db_range`` dB below or less); row 0 is
        the lowest frequency.
    edges : np.ndarray [shape=(n_rows + 1,)]
        Row edges in Hz.
    step : int
        Frames per column (the last column may hold fewer).
    """
    V = np.asarray(spectrogram)
    if V.ndim != 2 or V.shape[0] < 2 or V.shape[1] < 1:
        raise DrumnmfError(f"spectrogram must have shape (n_bins, n_frames), got {V.shape}")
    fmax = sample_rate / 2
    if not 0 < fmin < fmax:
        raise DrumnmfError(f"fmin must be in (0, {fmax:g}) Hz, got {fmin!r}")
    n_bins, n_frames = V.shape
    step = max(1, -(-n_frames // max_columns))
    pooled = np.maximum.reduceat(V, np.arange(0, n_frames, step), axis=1).astype(np.float64)
    edges = np.geomspace(fmin, fmax, n_rows + 1)
    mapping = _log_frequency_matrix(edges, np.linspace(0.0, fmax, n_bins))
    rows = mapping @ pooled
    top = float(rows.max())
    if top <= 0:
        return np.zeros(rows.shape, dtype=np.float32), edges, step
    db = 20 * np.log10(np.maximum(rows, top * 10 ** (-db_range / 20)) / top)
    return (1 + db / db_range).astype(np.float32), edges, step


def _log_frequency_matrix(edges: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """Rows of weights mapping linear bins (at ``freqs``) to the bands between ``edges``."""
    n_rows = edges.size - 1
    out = np.zeros((n_rows, freqs.size))
    for r in range(n_rows):
        inside = np.nonzero((freqs >= edges[r]) & (freqs < edges[r + 1]))[0]
        if inside.size:
            out[r, inside] = 1.0 / inside.size
            continue
        centre = np.sqrt(edges[r] * edges[r + 1])
        hi = int(np.clip(np.searchsorted(freqs, centre), 1, freqs.size - 1))
        frac = (centre - freqs[hi - 1]) / (freqs[hi] - freqs[hi - 1])
        out[r, hi - 1] = 1 - frac
        out[r, hi] = frac
    return out


def template_levels(templates: np.ndarray, freqs: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Template spectra in dB re each one's maximum, sampled at ``points`` Hz (log interp)."""
    T = np.asarray(templates, dtype=np.float64)
    out = np.empty((points.size, T.shape[1]))
    for j in range(T.shape[1]):
        top = float(T[:, j].max()) or 1.0
        db = 20 * np.log10(np.maximum(T[:, j] / top, 10 ** (-DB_RANGE / 20)))
        out[:, j] = np.interp(points, freqs, db)
    return out


def hz_label(f: float) -> str:
    return f"{f / 1000:g}k" if f >= 1000 else f"{f:g}"


def check_reference(
    reference: Mapping[str, Sequence[float] | np.ndarray] | None,
) -> dict[str, np.ndarray]:
    """Reference onsets keyed by canonical drum name, sorted, as float arrays in seconds."""
    if reference is None:
        return {}
    out: dict[str, np.ndarray] = {}
    for name, times in reference.items():
        t = np.asarray(times, dtype=np.float64).ravel()
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            raise DrumnmfError(f"reference onsets of '{name}' must be finite times >= 0 in seconds")
        key = drum_key(name)
        out[key] = np.sort(np.concatenate([out[key], t])) if key in out else np.sort(t)
    return out
