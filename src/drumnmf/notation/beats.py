"""Tempo, beats, downbeats and metre of a drum performance, from its hits.

The tracker reads the drums by role rather than as one generic onset curve:

1. **Envelope.** Every hit becomes a short bump (10 ms frames) weighted by its strength
   relative to its drum's median, summed per role: kick, snare (snare, side stick, rimshot,
   clap, toms), and timekeepers (hi-hats, cymbals, cowbell...).
2. **Tempo candidates** from the envelope's autocorrelation (peaks between 40 and 240
   BPM), with their metric relatives (x 2, / 2, x 3/2, x 2/3, x 3, / 3).
3. **Beats** for each candidate by dynamic programming (Ellis 2007): the beat sequence that
   best lines up with the envelope while keeping the period, run twice, the second time
   with the local period measured by the first pass (a tempo that drifts is followed).
4. **Choice** of the candidate (and of its half-beat shift) by a drum-pattern score: snare
   and kick land on beats, all hits fit a 16th or triplet grid, consecutive beats hold the
   same rhythm, the snare plays every second beat (backbeat), timekeepers play at least
   once a beat, the first hit is on a beat, and a log-normal prior on the tempo (centred
   on 110 BPM); the terms' weights were fitted on the Groove MIDI train split. Beats are
   then moved onto the hits within 40 ms and straightened by a local line fit.
5. **Subdivision and swing.** Onsets between beats are matched against the straight
   (eighths, sixteenths) and the triplet grid; when the triplet grid explains them better,
   the beat is swung (a shuffle); when every triplet position is played, the metre is
   compound (6/8, 12/8).
6. **Metre and downbeats.** Bars of 3 or 4 beats (2 or 4 in compound time) and their phase
   are chosen by how well the kick (on 1), the backbeat (on 2 and 4) and crashes (on 1)
   line up, by how well the pattern repeats bar to bar, and by a bonus for a bar starting
   at the first hit.

Conventions: times in seconds; ``tempo`` in beats per minute, where a beat is a quarter
note in simple metres and a dotted quarter in compound ones (6/8, 12/8), as in the
Groove MIDI Dataset's ``bpm`` column for 4/4. The grid is extrapolated to cover every hit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = [
    "FPS",
    "METERS",
    "BeatGrid",
    "Meter",
    "drum_role",
    "onset_envelope",
    "track_beats",
]

FPS = 100.0  # frames per second of the tracker's envelope (10 ms)
MIN_BPM, MAX_BPM = 40.0, 240.0
PRIOR_BPM = 110.0  # centre of the tempo prior
PRIOR_OCTAVES = 0.4  # its width (standard deviation), octaves
TIGHTNESS = 100.0  # Ellis's tightness: penalty of a beat interval off the period
FIRST_DOWNBEAT = 1.0  # metre score bonus for a bar starting at the first hit


@dataclass(frozen=True)
class Meter:
    """A time signature and how its beats divide.

    Attributes
    ----------
    beats : int
        Beats per bar as counted (4 in 4/4, 2 in 6/8, 4 in 12/8).
    numerator, denominator : int
        The written time signature.
    compound : bool
        True when a beat is a dotted quarter divided in three eighths.
    """

    beats: int
    numerator: int
    denominator: int
    compound: bool

    @property
    def name(self) -> str:
        """``"4/4"``, ``"6/8"``..."""
        return f"{self.numerator}/{self.denominator}"

    @property
    def beat_quarters(self) -> float:
        """Length of one beat in quarter notes (1 or 1.5)."""
        return 1.5 if self.compound else 1.0


#: The metres drumnmf detects and writes, by name.
METERS: dict[str, Meter] = {
    "4/4": Meter(4, 4, 4, False),
    "3/4": Meter(3, 3, 4, False),
    "6/8": Meter(2, 6, 8, True),
    "12/8": Meter(4, 12, 8, True),
}


@dataclass(frozen=True, eq=False)  # arrays: compare the fields
class BeatGrid:
    """Beats, bars and tempo of a performance.

    Attributes
    ----------
    beats : np.ndarray [shape=(n_beats,)]
        Beat times in seconds, increasing; extrapolated to cover every hit.
    downbeat_index : int
        Index in ``beats`` of the first downbeat (0 <= index < meter.beats); the grid's
        first bar starts there, earlier beats form a pickup.
    meter : Meter
    tempo : float
        Median tempo in BPM (beats per minute, beat as in :class:`Meter`).
    swing : bool
        True when the beat is divided in triplets in a simple metre (shuffle, swing).
    swing_ratio : float
        Measured ratio of the long to the short eighth (1 straight, 2 triplet swing);
        ``nan`` when there are too few off-beat eighths to tell.
    """

    beats: np.ndarray
    downbeat_index: int
    meter: Meter
    tempo: float
    swing: bool = False
    swing_ratio: float = float("nan")

    @property
    def downbeats(self) -> np.ndarray:
        """Times of the first beat of each bar, seconds."""
        return self.beats[self.downbeat_index :: self.meter.beats]

    @property
    def time_signature(self) -> str:
        """The metre's name, e.g. ``"4/4"``."""
        return self.meter.name

    def tempo_map(self, *, tolerance: float = 0.03) -> list[tuple[float, float]]:
        """Tempo changes: ``(time, bpm)`` where the local tempo moves by more than ``tolerance``.

        The local tempo is the median over 8 beats of the inter-beat interval.
        """
        if self.beats.size < 2:
            return [(float(self.beats[0]) if self.beats.size else 0.0, self.tempo)]
        intervals = np.diff(self.beats)
        half = 4
        local = np.array(
            [
                60.0 / np.median(intervals[max(0, i - half) : i + half])
                for i in range(intervals.size)
            ]
        )
        changes = [(float(self.beats[0]), float(local[0]))]
        for i, bpm in enumerate(local):
            if abs(bpm / changes[-1][1] - 1.0) > tolerance:
                changes.append((float(self.beats[i]), float(bpm)))
        return [(t, round(b, 2)) for t, b in changes]

    def to_dict(self) -> dict[str, object]:
        """``tempo``, ``beats``, ``downbeats``, ``time_signature``, ``swing`` as JSON values."""
        return {
            "tempo": round(self.tempo, 2),
            "time_signature": self.time_signature,
            "swing": self.swing,
            "beats": [round(float(t), 4) for t in self.beats],
            "downbeats": [round(float(t), 4) for t in self.downbeats],
            "tempo_map": [{"time": round(t, 4), "bpm": b} for t, b in self.tempo_map()],
        }


# ----------------------------------------------------------------------------- roles

_KICK = {"kick", "bass_drum"}
_PEDAL = {"pedal_hihat"}
_BACKBEAT = {"snare", "side_stick", "rimshot", "clap", "electric_snare"}
_TOMS = {"tom", "high_tom", "mid_tom", "low_tom", "floor_tom", "low_floor_tom", "high_floor_tom"}


def drum_role(drum: str) -> str:
    """The role a drum plays for the beat tracker: ``kick``, ``snare``, ``tom`` or ``time``.

    Hi-hats (except the pedal, counted with the kick's foot), cymbals and all other
    instruments keep time (``time``).
    """
    if drum in _KICK:
        return "kick"
    if drum in _BACKBEAT:
        return "snare"
    if drum in _TOMS:
        return "tom"
    if drum in _PEDAL:
        return "pedal"
    return "time"


ROLES = ("kick", "snare", "tom", "time", "pedal")
_ROLE_WEIGHT = {"kick": 1.0, "snare": 1.0, "tom": 0.6, "time": 0.6, "pedal": 0.4}


def _check_onsets(
    onsets: Mapping[str, np.ndarray], strengths: Mapping[str, np.ndarray] | None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for drum, times in onsets.items():
        t = np.asarray(times, dtype=np.float64).reshape(-1)
        if t.size and not np.all(np.isfinite(t)):
            raise DrumnmfError(f"onsets of '{drum}' contain NaN or inf; give times in seconds")
        if t.size and t.min() < 0:
            raise DrumnmfError(f"onsets of '{drum}' contain negative times; give seconds >= 0")
        if strengths is not None and drum in strengths:
            s = np.asarray(strengths[drum], dtype=np.float64).reshape(-1)
            if s.shape != t.shape:
                raise DrumnmfError(
                    f"'{drum}' has {t.size} onsets but {s.size} strengths; give one per onset"
                )
        else:
            s = np.ones_like(t)
        order = np.argsort(t, kind="stable")
        out[drum] = (t[order], s[order])
    if sum(t.size for t, _ in out.values()) < 2:
        raise DrumnmfError("need at least 2 onsets to find a beat; is the transcription empty?")
    return out


def _relative(strengths: np.ndarray) -> np.ndarray:
    """Strengths over the drum's median, clipped to [0.2, 2]."""
    med = float(np.median(strengths)) if strengths.size else 1.0
    if med <= 0:
        med = float(strengths.max()) or 1.0
    return np.clip(strengths / med, 0.2, 2.0)


def onset_envelope(
    onsets: Mapping[str, np.ndarray],
    strengths: Mapping[str, np.ndarray] | None = None,
    *,
    fps: float = FPS,
) -> tuple[dict[str, np.ndarray], float]:
    """Per-role onset envelopes built from hits.

    Parameters
    ----------
    onsets : mapping drum -> np.ndarray [shape=(n,)]
        Hit times in seconds.
    strengths : mapping drum -> np.ndarray [shape=(n,)], optional
        Strength of each hit (MIDI velocity, activation height); equal when omitted.
    fps : float > 0
        Frames per second.

    Returns
    -------
    envelopes : dict role -> np.ndarray [shape=(n_frames,)]
        One row per role of :func:`drum_role` (``kick``, ``snare``, ``tom``, ``time``,
        ``pedal``): hits as bumps of 2 frames' width weighted by relative strength.
    start : float
        Time of frame 0, seconds (the first hit minus one second, at least 0).
    """
    hits = _check_onsets(onsets, strengths)
    first = min(float(t[0]) for t, _ in hits.values() if t.size)
    last = max(float(t[-1]) for t, _ in hits.values() if t.size)
    start = max(0.0, first - 1.0)
    n_frames = int(np.ceil((last - start) * fps)) + int(fps) + 1
    env = {role: np.zeros(n_frames) for role in ROLES}
    kernel = np.exp(-0.5 * (np.arange(-4, 5) / 1.5) ** 2)
    for drum, (t, s) in hits.items():
        if not t.size:
            continue
        frames = np.rint((t - start) * fps).astype(int)
        row = env[drum_role(drum)]
        np.add.at(row, frames, _relative(s))
    for role in ROLES:
        env[role] = np.convolve(env[role], kernel, mode="same")
    return env, start


def _combined(env: Mapping[str, np.ndarray]) -> np.ndarray:
    out = sum(_ROLE_WEIGHT[r] * env[r] for r in ROLES)
    assert isinstance(out, np.ndarray)
    return out


# ----------------------------------------------------------------------------- tempo


def _tempo_candidates(envelope: np.ndarray, fps: float) -> list[float]:
    """Beat periods (frames) worth tracking: autocorrelation peaks and their relatives."""
    x = envelope - envelope.mean()
    n = x.size
    spectrum = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(np.abs(spectrum) ** 2)[:n]
    ac /= ac[0] or 1.0
    lo, hi = int(fps * 60 / MAX_BPM), min(n - 1, int(np.ceil(fps * 60 / MIN_BPM)))
    if hi <= lo + 2:
        return [fps * 60 / PRIOR_BPM]
    lags = np.arange(lo, hi)
    seg = ac[lo:hi]
    peaks = [i for i in range(1, seg.size - 1) if seg[i] >= seg[i - 1] and seg[i] >= seg[i + 1]]
    peaks.sort(key=lambda i: -seg[i])
    found: list[float] = []
    for i in peaks[:3]:
        # parabolic refinement of the peak lag
        a, b, c = seg[i - 1], seg[i], seg[i + 1]
        shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) else 0.0
        found.append(float(lags[i] + shift))
    if not found:
        found = [fps * 60 / PRIOR_BPM]
    out: list[float] = []
    for period in found:
        for factor in (1.0, 2.0, 0.5, 1.5, 2.0 / 3.0, 3.0, 1.0 / 3.0):
            p = period * factor
            bpm = 60 * fps / p
            if MIN_BPM <= bpm <= MAX_BPM and all(abs(p / q - 1) > 0.03 for q in out):
                out.append(p)
    return out


def _dp_beats(envelope: np.ndarray, periods: np.ndarray, *, tightness: float) -> np.ndarray:
    """Ellis's dynamic-programming beat tracker with a per-frame period (frames).

    Returns beat frames (int), increasing.
    """
    n = envelope.size
    norm = envelope / (envelope.std() or 1.0)
    score = np.zeros(n)
    back = np.full(n, -1, dtype=int)
    penalties: dict[int, tuple[int, int, np.ndarray]] = {}
    for t in range(n):
        key = round(periods[t] * 4)  # quarter-frame resolution of the period
        if key not in penalties:
            p = key / 4
            lo, hi = max(1, int(p / 2)), int(2 * p)
            gaps = np.arange(hi, lo - 1, -1)  # previous beat at t - gap, oldest first
            penalties[key] = (lo, hi, -tightness * np.log(gaps / p) ** 2)
        lo, hi, penalty = penalties[key]
        if t - lo < 0:
            score[t] = norm[t]
            continue
        first = t - hi
        cand = score[max(first, 0) : t - lo + 1] + penalty[max(0, -first) :]
        best = int(np.argmax(cand))
        if cand[best] > 0:
            score[t] = norm[t] + cand[best]
            back[t] = max(first, 0) + best
        else:
            score[t] = norm[t]
    # end at the best-scoring frame within the last period
    tail = int(max(1, periods[-1]))
    end = n - tail + int(np.argmax(score[n - tail :]))
    beats = [end]
    while back[beats[-1]] >= 0:
        beats.append(int(back[beats[-1]]))
    return np.array(beats[::-1], dtype=int)


def _local_periods(beat_frames: np.ndarray, n: int, fallback: float) -> np.ndarray:
    """Per-frame period from beat frames (median over 8 intervals), held at the ends."""
    if beat_frames.size < 3:
        return np.full(n, fallback)
    intervals = np.diff(beat_frames).astype(float)
    smooth = np.array([np.median(intervals[max(0, i - 4) : i + 4]) for i in range(intervals.size)])
    centres = 0.5 * (beat_frames[1:] + beat_frames[:-1])
    return np.interp(np.arange(n), centres, smooth)


def _extend(beats: np.ndarray, first: float, last: float, period: float) -> np.ndarray:
    """Extrapolate the beat grid by its edge periods (seconds) to cover [first, last]."""
    if beats.size < 2:
        beats = (
            np.array([beats[0], beats[0] + period])
            if beats.size
            else np.array([first, first + period])
        )
    head = float(np.median(np.diff(beats[:5])))
    tail = float(np.median(np.diff(beats[-5:])))
    # beats the tracker put on one frame (hits closer than a frame) leave no period there
    head = head if head > 0.1 * period else period
    tail = tail if tail > 0.1 * period else period
    pre = []
    t = beats[0]
    while t - 0.5 * head > first:
        t -= head
        pre.append(t)
    post = []
    t = beats[-1]
    while t + 0.5 * tail < last:
        t += tail
        post.append(t)
    out = np.concatenate([pre[::-1], beats, post])
    return np.asarray(out, dtype=np.float64)


# ----------------------------------------------------------------------------- scoring


def _phase_mass(times: np.ndarray, weights: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """Each hit's fractional beat position u (beat index + phase in [0, 1))."""
    idx = np.clip(np.searchsorted(beats, times, side="right") - 1, 0, beats.size - 2)
    span = beats[idx + 1] - beats[idx]
    return idx + (times - beats[idx]) / span


def _alignment(u: np.ndarray, w: np.ndarray, levels: tuple[int, ...], sigma: float) -> float:
    """Weighted share of hits near a grid of ``levels`` subdivisions (Gaussian, beat units)."""
    if not u.size:
        return 0.0
    best = np.zeros(u.size)
    for n in levels:
        d = (u * n - np.rint(u * n)) / n
        best = np.maximum(best, np.exp(-0.5 * (d / sigma) ** 2))
    return float(np.sum(w * best) / (np.sum(w) or 1.0))


@dataclass(frozen=True)
class _Hits:
    times: np.ndarray
    weights: np.ndarray
    roles: np.ndarray  # role name per hit


def _gather(hits: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> _Hits:
    times, weights, roles = [], [], []
    for drum, (t, s) in hits.items():
        times.append(t)
        weights.append(_relative(s) if t.size else s)
        roles.append(np.full(t.size, drum_role(drum), dtype=object))
    order_t = np.concatenate(times)
    order = np.argsort(order_t, kind="stable")
    return _Hits(order_t[order], np.concatenate(weights)[order], np.concatenate(roles)[order])


def _regularity(u: np.ndarray, w: np.ndarray, bins: int = 12) -> float:
    """Mean cosine similarity of consecutive beats' onset-phase histograms (0 to 1).

    1 when every beat holds the same rhythm; low for periods 2/3 or 3/2 of the true beat,
    where consecutive beats alternate between different rhythms.
    """
    beat = np.floor(u).astype(int)
    slot = np.clip(((u - beat) * bins + 0.5).astype(int), 0, bins) % bins
    beat -= beat.min() if beat.size else 0
    if not beat.size or beat.max() < 2:
        return 0.0
    hist = np.zeros((beat.max() + 1, bins))
    np.add.at(hist, (beat, slot), w)
    a, b = hist[:-1], hist[1:]
    keep = (a.sum(axis=1) > 0) & (b.sum(axis=1) > 0)
    if not keep.any():
        return 0.0
    a, b = a[keep], b[keep]
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return float(np.mean(cos))


def _backbeat(u: np.ndarray, w: np.ndarray, snare: np.ndarray) -> float:
    """Share of on-beat snare hits followed by the next on-beat snare hit 2 beats later."""
    near = snare & (np.abs(u - np.rint(u)) < 0.1)
    beats = np.unique(np.rint(u[near]).astype(int))
    if beats.size < 3:
        return 0.0
    return float(np.mean(np.diff(beats) == 2))


# Weights of the candidate score's terms, fitted on the Groove MIDI train split
# (benchmarks/notation.py reports the validation split).
_WEIGHTS = {
    "prior": 1.0,
    "grid": 4.0,
    "snare_on_beat": 2.0,
    "kick_on_beat": 2.0,
    "regularity": 2.0,
    "backbeat": 0.5,
    "slow_timekeeping": 1.0,
    "first_on_beat": 0.5,
}


def _candidate_score(hits: _Hits, beats: np.ndarray) -> float:
    """Drum-pattern plausibility of a beat sequence (higher is better)."""
    intervals = np.diff(beats)
    if beats.size < 2 or np.any(intervals <= 0):
        return -np.inf
    period = float(np.median(intervals))
    bpm = 60.0 / period
    u = _phase_mass(hits.times, hits.weights, beats)
    terms = {
        "prior": -0.5 * (np.log2(bpm / PRIOR_BPM) / PRIOR_OCTAVES) ** 2,
        "grid": _alignment(u, hits.weights, (4, 3), 0.03),
        "regularity": _regularity(u, hits.weights),
        "backbeat": _backbeat(u, hits.weights, hits.roles == "snare"),
    }
    for role in ("snare", "kick"):
        m = hits.roles == role
        terms[f"{role}_on_beat"] = (
            _alignment(u[m], hits.weights[m], (1,), 0.06) if m.sum() >= 2 else 0.0
        )
    m = hits.roles == "time"
    rate = 2.0
    if m.sum() >= 4:
        # timekeepers play at or faster than the beat: hits per beat
        rate = m.sum() / max(1.0, (hits.times[m][-1] - hits.times[m][0]) / period)
    terms["slow_timekeeping"] = -max(0.0, float(np.log2(1.0 / max(rate, 1e-3))))
    first = u[0] - np.rint(u[0])
    terms["first_on_beat"] = float(np.exp(-0.5 * (first / 0.06) ** 2))
    return float(sum(_WEIGHTS[k] * v for k, v in terms.items()))


# ----------------------------------------------------------------------------- metre

_PATTERNS = {
    # per beat of the bar: (kick, snare, crash) weights
    4: np.array([[1.0, -0.6, 1.0], [-0.2, 1.0, 0.0], [0.5, -0.3, 0.0], [-0.2, 1.0, 0.0]]),
    3: np.array([[1.0, -0.6, 1.0], [-0.1, 0.6, 0.0], [-0.1, 0.6, 0.0]]),
    2: np.array([[1.0, -0.6, 1.0], [-0.2, 1.0, 0.0]]),
}


def _beat_features(hits: _Hits, crash: np.ndarray, beats: np.ndarray) -> np.ndarray:
    """(n_beats, 3) kick, snare and crash mass landing on each beat (within 1/8 beat)."""
    n = beats.size
    feats = np.zeros((n, 5))
    u = _phase_mass(hits.times, hits.weights, beats)
    nearest = np.rint(u).astype(int)
    close = np.abs(u - nearest) < 0.125
    kick, snare = hits.roles == "kick", hits.roles == "snare"
    for col, mask in enumerate((kick, snare, crash)):
        m = mask & close & (nearest >= 0) & (nearest < n)
        np.add.at(feats[:, col], nearest[m], hits.weights[m])
    # kick and snare between beats, in the beat they fall in
    floor = np.floor(u).astype(int)
    for col, mask in ((3, kick), (4, snare)):
        m = mask & ~close & (floor >= 0) & (floor < n)
        np.add.at(feats[:, col], floor[m], hits.weights[m])
    return feats


def _subdivision(hits: _Hits, beats: np.ndarray) -> tuple[bool, bool, float]:
    """(triplet, compound, swing_ratio) from where the off-beat hits fall."""
    u = _phase_mass(hits.times, hits.weights, beats)
    phase = u - np.floor(u)
    w = hits.weights
    off = (phase > 0.1) & (phase < 0.9)
    if off.sum() < 4:
        return False, False, float("nan")
    straight = _alignment(phase[off], w[off], (4,), 0.025)
    triplet = _alignment(phase[off], w[off], (3,), 0.025)
    # swing ratio from hits near the off-beat eighth (between 0.4 and 0.75 of the beat)
    eighth = (phase > 0.4) & (phase < 0.75)
    ratio = (
        float(np.median(phase[eighth]) / (1 - np.median(phase[eighth])))
        if eighth.sum()
        else float("nan")
    )
    is_triplet = triplet > straight + 0.1
    if not is_triplet:
        return False, False, ratio
    # compound when the middle triplet is played about as often as the last one
    middle = np.sum(w[(phase > 0.25) & (phase < 0.42)])
    last = np.sum(w[(phase > 0.58) & (phase < 0.75)])
    return True, bool(middle > 0.6 * last), ratio


def _first_beat(hits: _Hits, beats: np.ndarray) -> int:
    """Index of the beat nearest the first hit (half a beat early counts as on it)."""
    u = _phase_mass(hits.times[:1], hits.weights[:1], beats)
    return int(np.floor(u[0] + 0.5))


def _meter_and_phase(
    hits: _Hits, crash: np.ndarray, beats: np.ndarray, compound: bool
) -> tuple[Meter, int]:
    feats = _beat_features(hits, crash, beats)
    first_beat = _first_beat(hits, beats)
    scale = feats.sum(axis=0)
    scale[scale == 0] = 1.0
    feats = feats / scale * beats.size  # each role sums to n_beats
    options = ("6/8", "12/8") if compound else ("4/4", "3/4")
    best: tuple[float, Meter, int] | None = None
    for name in options:
        meter = METERS[name]
        pattern = _PATTERNS[meter.beats]
        for phase in range(meter.beats):
            pos = (np.arange(beats.size) - phase) % meter.beats
            fit = float(np.sum(feats[:, :3] * pattern[pos])) / beats.size
            # bar-to-bar repetition of the kick/snare pattern at this bar length
            lag = meter.beats
            rep = 0.0
            if beats.size > 2 * lag:
                rhythm = feats[:, [0, 1, 3, 4]]
                a, b = rhythm[:-lag].ravel(), rhythm[lag:].ravel()
                denom = float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0
                rep = float(a @ b) / denom
            bias = 0.15 if name in ("4/4", "12/8") else 0.0
            # a performance usually starts on a downbeat (or just before one, a pickup)
            start = FIRST_DOWNBEAT if (first_beat - phase) % meter.beats == 0 else 0.0
            total = fit + rep + bias + start
            if best is None or total > best[0]:
                best = (total, meter, phase)
    assert best is not None
    return best[1], best[2]


# ----------------------------------------------------------------------------- public


def track_beats(
    onsets: Mapping[str, np.ndarray],
    strengths: Mapping[str, np.ndarray] | None = None,
    *,
    tempo: float | None = None,
    meter: str | None = None,
    tightness: float = TIGHTNESS,
) -> BeatGrid:
    """Tempo, beats, downbeats, metre and swing of a drum performance.

    Parameters
    ----------
    onsets : mapping drum -> np.ndarray [shape=(n,)]
        Hit times in seconds per drum (canonical names: ``kick``, ``snare``, ``hihat``...;
        see :func:`drum_role`).
    strengths : mapping drum -> np.ndarray [shape=(n,)], optional
        Strength of each hit (velocity or activation height); all equal when omitted.
    tempo : float > 0, optional
        Known tempo in BPM: skips the tempo search (the beats still follow the hits).
    meter : {"4/4", "3/4", "6/8", "12/8"}, optional
        Known metre: skips the metre search (the downbeat phase is still found).
    tightness : float > 0
        How strongly the beat period is held (Ellis's alpha).

    Returns
    -------
    BeatGrid

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(32) * 0.25  # eighths at 120 BPM
    >>> grid = track_beats({"hihat": t, "kick": t[::4], "snare": t[2::4]})
    >>> round(grid.tempo), grid.time_signature
    (120, '4/4')
    """
    if tempo is not None and not (np.isfinite(tempo) and MIN_BPM / 2 <= tempo <= MAX_BPM * 2):
        raise DrumnmfError(f"tempo={tempo!r} BPM is out of range; give a value in 20-480")
    if meter is not None and meter not in METERS:
        raise DrumnmfError(f"meter={meter!r} is not supported; choose from {list(METERS)}")
    if tightness <= 0:
        raise DrumnmfError(f"tightness={tightness!r} must be > 0 (100 is typical)")
    hits = _check_onsets(onsets, strengths)
    env, start = onset_envelope(onsets, strengths)
    combined = _combined(env)
    gathered = _gather(hits)
    crash = np.array(
        [drum in ("crash", "china", "splash", "cymbal", "crash2") for drum in _drum_per_hit(hits)]
    )
    if tempo is not None:
        candidates = [FPS * 60.0 / tempo]
    else:
        candidates = _tempo_candidates(combined, FPS)
    variants = _candidate_beats(combined, start, gathered, candidates, tightness=tightness)
    if tempo is not None:
        best = (0.0, variants[0])
    else:
        scored = [(_candidate_score(gathered, v), v) for v in variants]
        best = max(scored, key=lambda item: item[0])
    assert best is not None
    beats = _refine_times(_snap(best[1], gathered))
    if np.any(np.diff(beats) <= 0):  # snapping can only reorder beats of a degenerate grid
        beats = best[1]
    triplet, compound, ratio = _subdivision(gathered, beats)
    if meter is not None:
        chosen = METERS[meter]  # the tracked beats are taken as this metre's beats
        compound = chosen.compound
        _, phase = _meter_and_phase_fixed(gathered, crash, beats, chosen)
    else:
        chosen, phase = _meter_and_phase(gathered, crash, beats, compound)
    tempo_bpm = 60.0 / float(np.median(np.diff(beats)))
    swing = bool(triplet and not compound)
    return BeatGrid(
        beats=beats,
        downbeat_index=int(phase),
        meter=chosen,
        tempo=tempo_bpm,
        swing=swing,
        swing_ratio=ratio,
    )


def _candidate_beats(
    combined: np.ndarray,
    start: float,
    hits: _Hits,
    candidates: list[float],
    *,
    tightness: float,
) -> list[np.ndarray]:
    """Beat sequences (s) tracked at each candidate period, and their half-beat shifts."""
    out = []
    for period in candidates:
        frames = _dp_beats(combined, np.full(combined.size, period), tightness=tightness)
        if frames.size >= 6:
            frames = _dp_beats(
                combined, _local_periods(frames, combined.size, period), tightness=tightness
            )
        seconds = period / FPS
        times = _extend(start + frames / FPS, hits.times[0], hits.times[-1], seconds)
        out.append(times)
        # the tracker may lock to the off-beat: the half-beat shift is a candidate too
        half = 0.5 * np.diff(times)
        out.append(_extend(times[:-1] + half, hits.times[0], hits.times[-1], seconds))
    return out


def _snap(beats: np.ndarray, hits: _Hits) -> np.ndarray:
    """Move each beat to the weighted mean time of the hits within 40 ms (or 15 % of a beat)."""
    out = beats.copy()
    period = np.diff(beats, append=beats[-1] + (beats[-1] - beats[-2]))
    for i, b in enumerate(beats):
        reach = min(0.04, 0.15 * period[i])
        lo, hi = np.searchsorted(hits.times, [b - reach, b + reach])
        if hi > lo:
            w = hits.weights[lo:hi]
            out[i] = float(np.sum(hits.times[lo:hi] * w) / np.sum(w))
    return out


def _refine_times(times: np.ndarray) -> np.ndarray:
    idx = np.arange(times.size, dtype=float)
    if times.size < 5:
        return times
    out = times.copy()
    for i in range(times.size):
        lo, hi = max(0, i - 4), min(times.size, i + 5)
        coef = np.polyfit(idx[lo:hi], times[lo:hi], 1)
        fit = float(np.polyval(coef, idx[i]))
        out[i] = fit if abs(fit - times[i]) < 0.035 else times[i]
    return out


def _meter_and_phase_fixed(
    hits: _Hits, crash: np.ndarray, beats: np.ndarray, meter: Meter
) -> tuple[float, int]:
    feats = _beat_features(hits, crash, beats)
    scale = feats.sum(axis=0)
    scale[scale == 0] = 1.0
    feats = feats / scale
    pattern = _PATTERNS[meter.beats]
    scores = []
    for phase in range(meter.beats):
        pos = (np.arange(beats.size) - phase) % meter.beats
        scores.append(float(np.sum(feats[:, :3] * pattern[pos])))
    best = int(np.argmax(scores))
    return scores[best], best


def _drum_per_hit(hits: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    names = np.concatenate([np.full(t.size, d, dtype=object) for d, (t, _) in hits.items()])
    times = np.concatenate([t for t, _ in hits.values()])
    return names[np.argsort(times, kind="stable")]
