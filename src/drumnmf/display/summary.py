"""The report's summary: a tempo estimate, per-drum counts and scores, and the settings table."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from drumnmf.errors import DrumnmfError

if TYPE_CHECKING:
    from drumnmf.pipeline import Transcription

__all__ = [
    "MATCH_WINDOW",
    "estimate_tempo",
    "fmt_time",
    "matches",
    "settings_rows",
    "summary_table",
]

MATCH_WINDOW = 0.05  # s: a detected hit within this of a reference hit is a match


def estimate_tempo(
    onsets: Mapping[str, Sequence[float] | np.ndarray],
    *,
    min_bpm: float = 60.0,
    max_bpm: float = 200.0,
    prior_bpm: float = 120.0,
) -> float | None:
    """Estimate a song's tempo from its hits (all drums together). An estimate only.

    The hits become an impulse train at 100 Hz, smoothed by a 20 ms Gaussian; the tempo is
    the lag between ``min_bpm`` and ``max_bpm`` where the train's (unbiased)
    autocorrelation, weighted by a log-normal preference one octave wide around
    ``prior_bpm``, peaks, refined by parabolic interpolation. It can be off by a factor
    of two (or 3/2) on syncopated or sparse parts, and it is one number for the whole song.

    Parameters
    ----------
    onsets : mapping drum -> sequence of float
        Hit times in seconds.
    min_bpm, max_bpm : float > 0
        Tempo range searched, beats per minute.
    prior_bpm : float > 0
        Most likely tempo before seeing the hits.

    Returns
    -------
    float or None
        Beats per minute, rounded to 0.1; None with fewer than 8 hits or under 3 s of them.

    Examples
    --------
    >>> import numpy as np
    >>> beats = np.arange(32) * 0.5  # a hit every half second
    >>> estimate_tempo({"kick": beats})
    120.0
    """
    if not 0 < min_bpm < max_bpm:
        raise DrumnmfError(f"need 0 < min_bpm < max_bpm, got {min_bpm!r} and {max_bpm!r}")
    times = np.concatenate(
        [np.asarray(v, dtype=np.float64).ravel() for v in onsets.values()] or [np.zeros(0)]
    )
    times = times[np.isfinite(times)]
    if times.size < 8 or float(np.ptp(times)) < 3.0:
        return None
    rate = 100.0  # Hz: 10 ms bins
    idx = np.rint((times - times.min()) * rate).astype(np.int64)
    n = int(idx.max()) + 1
    train = np.zeros(n)
    np.add.at(train, idx, 1.0)
    kernel = np.exp(-0.5 * (np.arange(-6, 7) / 2.0) ** 2)  # sigma 20 ms
    train = np.convolve(train, kernel, mode="same")
    spectrum = np.fft.rfft(train, 2 * n)
    ac = np.fft.irfft(np.abs(spectrum) ** 2)[:n] / (n - np.arange(n))
    lo = max(2, int(np.floor(60 * rate / max_bpm)))
    hi = min(n - 2, int(np.ceil(60 * rate / min_bpm)))
    if hi <= lo:
        return None
    lags = np.arange(lo, hi + 1)
    bpm = 60 * rate / lags
    score = ac[lags] * np.exp(-0.5 * np.log2(bpm / prior_bpm) ** 2)
    best = int(lags[np.argmax(score)])
    a, b, c = ac[best - 1], ac[best], ac[best + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) < 0 else 0.0
    return round(float(60 * rate / (best + float(np.clip(shift, -0.5, 0.5)))), 1)


def matches(reference: np.ndarray, onsets: np.ndarray) -> np.ndarray:
    """Which ``onsets`` mir_eval's matching pairs with a ``reference`` onset (``MATCH_WINDOW``)."""
    out = np.zeros(onsets.size, dtype=bool)
    if reference.size and onsets.size:
        from mir_eval.util import match_events

        for _, j in match_events(reference, onsets, MATCH_WINDOW):
            out[j] = True
    return out


def _counts(
    reference: Mapping[str, np.ndarray], onsets: Mapping[str, np.ndarray]
) -> dict[str, tuple[int, int, int]]:
    """Per drum of either side: (matched, n_reference, n_detected).

    A drum the reference lacks has no reference onsets, so its hits are false positives;
    a reference drum the kit lacks has no detections, so its onsets are misses.
    """
    out = {}
    for drum in (*onsets, *(d for d in reference if d not in onsets)):
        ref = np.asarray(reference.get(drum, np.zeros(0)), dtype=np.float64)
        est = np.asarray(onsets.get(drum, np.zeros(0)), dtype=np.float64)
        out[drum] = (int(matches(ref, est).sum()), int(ref.size), int(est.size))
    return out


def _prf(matched: int, n_ref: int, n_est: int) -> tuple[str, str, str]:
    """F-measure, precision and recall as text; "–" where undefined (0 / 0)."""
    precision = matched / n_est if n_est else None
    recall = matched / n_ref if n_ref else None
    if n_ref == 0 and n_est == 0:
        f = None
    else:
        f = 2 * matched / (n_ref + n_est)
    return tuple("–" if v is None else f"{v:.3f}" for v in (f, precision, recall))  # type: ignore[return-value]


def fmt_time(seconds: float) -> str:
    m, s = divmod(float(seconds), 60.0)
    return f"{int(m)}:{s:04.1f}"


def summary_table(
    transcription: Transcription,
    colors: Mapping[str, str],
    reference: Mapping[str, np.ndarray],
) -> str:
    minutes = max(transcription.duration / 60.0, 1e-9)
    counts = _counts(reference, transcription.onsets) if reference else {}
    head = ["drum", "MIDI note", "hits", "hits / min", "median strength"]
    if reference:
        head += ["reference hits", f"F-measure ({MATCH_WINDOW * 1000:g} ms)", "precision", "recall"]
    rows = []
    for drum, note in zip(transcription.drums, transcription.kit.midi_notes, strict=True):
        n = int(transcription.onsets[drum].size)
        strengths = np.asarray(transcription.strengths[drum])
        cells = [
            f'<span class="swatch" style="background:{colors[drum]}"></span> {html.escape(drum)}',
            str(int(note)),
            str(n),
            f"{n / minutes:.1f}",
            f"{float(np.median(strengths)):.3g}" if n else "–",
        ]
        if reference:
            matched, n_ref, n_est = counts[drum]
            absent = "" if drum in reference else " (not in the reference)"
            cells += [f"{n_ref}{absent}", *_prf(matched, n_ref, n_est)]
        rows.append(cells)
    for drum in reference:
        if drum not in transcription.drums:
            matched, n_ref, n_est = counts[drum]
            cells = [html.escape(drum) + " (not in the kit)", "–", "–", "–", "–"]
            cells += [str(n_ref), *_prf(matched, n_ref, n_est)]
            rows.append(cells)
    total = sum(int(v.size) for v in transcription.onsets.values())
    foot = ["all drums", "", str(total), f"{total / minutes:.1f}", ""]
    if reference:
        # Summed over drums (micro): hits of drums absent from the reference are false
        # positives, reference hits of drums absent from the kit are misses.
        sums = [sum(c[k] for c in counts.values()) for k in range(3)]
        foot += [str(sums[1]), *_prf(*sums)]
    lines = ["<table id='summary'><thead><tr>"]
    lines += [f"<th>{h}</th>" for h in head]
    lines.append("</tr></thead><tbody>")
    for cells in rows:
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    lines.append("</tbody><tfoot><tr>")
    lines += [f"<th>{c}</th>" for c in foot]
    lines.append("</tr></tfoot></table>")
    return "".join(lines)


def settings_rows(transcription: Transcription) -> str:
    """The transcription's settings (``Transcription.to_dict``) as table rows."""
    doc = transcription.to_dict()
    rows: list[tuple[str, str]] = [("source", str(doc.get("source", "")))]
    for section in ("config", "settings", "factorization", "seconds", "versions"):
        for key, value in (doc.get(section) or {}).items():
            if isinstance(value, float):
                text = f"{value:.6g}"
            elif isinstance(value, dict):
                text = (
                    ", ".join(
                        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in value.items()
                    )
                    or "–"
                )
            else:
                text = str(value)
            rows.append((f"{section}.{key}", text))
    for i, src in enumerate(doc.get("kit", {}).get("sources", [])):
        rows.append((f"kit.sources[{i}]", str(src)))
    return "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
