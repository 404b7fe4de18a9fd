"""Rendering: drum hits (or a MIDI file) played with a sample kit, with exact onsets.

A note at ``t`` seconds places its sample's onset at sample ``round(t * sample_rate)``, and
the reference onset is that sample's time. A closed or pedal hi-hat stops a ringing open
hi-hat, and Hydrogen mute groups stop each other (a 10 ms fade).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.render.kits import Instrument, SampleKit

__all__ = [
    "DEFAULT_PEAK",
    "NOTE_SOUNDS",
    "NoteEvent",
    "Rendering",
    "read_midi",
    "render_events",
    "render_midi",
]

CHOKE_SECONDS = 0.01  # fade of a choked (muted) note
DEFAULT_PEAK = 0.99  # renderings and mixes are scaled down to this peak when louder

# MIDI notes whose sound differs from drumnmf.io.annotations.GM_DRUM_NOTES when rendering:
# the TD-11 snare rim (40) is a rimshot; notes 60-81 (Latin percussion) are not drums.
NOTE_SOUNDS: dict[int, str | None] = {40: "rimshot", **dict.fromkeys(range(60, 82))}

# Hi-hat sounds that stop a ringing open hi-hat (the hats close).
_HAT_CLOSERS = frozenset({"hihat", "pedal_hihat"})


@dataclass(frozen=True)
class NoteEvent:
    """A drum hit to render.

    Attributes
    ----------
    time : float >= 0
        Onset in seconds.
    sound : str
        The sound (``"snare"``).
    velocity : int in 1..127
    """

    time: float
    sound: str
    velocity: int = 100


@dataclass(frozen=True, eq=False)
class Rendering:
    """Rendered audio and its reference onsets.

    Attributes
    ----------
    audio : np.ndarray [shape=(n_samples,), dtype=float32]
        Mono audio.
    sample_rate : int
        Hz.
    onsets : dict str -> np.ndarray [shape=(n,)]
        Reference onset times per sound played, seconds, increasing (sample-exact).
    events : tuple of NoteEvent
        The notes played, in time order, with the sound that played them.
    dropped : dict str -> int
        Notes not played, per sound, because the kit has no instrument for it.
    gain : float
        Scale applied to keep the peak at most ``peak`` (1.0 when none was needed).
    """

    audio: np.ndarray
    sample_rate: int
    onsets: dict[str, np.ndarray]
    events: tuple[NoteEvent, ...]
    dropped: dict[str, int] = field(default_factory=dict)
    gain: float = 1.0

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.audio.size / self.sample_rate


def _choke_stops(
    starts: np.ndarray, instruments: Sequence[Instrument], *, choke_hihat: bool
) -> np.ndarray:
    """Sample index at which each note is stopped by a later one (a large number if never).

    Hydrogen's mute groups: a note stops the notes of *other* instruments of its group.
    With ``choke_hihat``, a closed or pedal hi-hat also stops a ringing open hi-hat.
    Notes starting at the same sample do not stop each other.
    """
    never = np.iinfo(np.int64).max
    stops = np.full(starts.size, never, dtype=np.int64)
    next_in_group: dict[int, dict[str, int]] = {}
    next_closer = never
    order = np.argsort(starts, kind="stable")[::-1]
    i = 0
    while i < order.size:  # walk backwards one start time at a time
        same = [int(order[i])]
        while i + len(same) < order.size and starts[order[i + len(same)]] == starts[same[0]]:
            same.append(int(order[i + len(same)]))
        for k in same:
            inst = instruments[k]
            if inst.mute_group >= 0:
                others = [
                    s for n, s in next_in_group.get(inst.mute_group, {}).items() if n != inst.name
                ]
                if others:
                    stops[k] = min(stops[k], min(others))
            if choke_hihat and inst.sound == "open_hihat":
                stops[k] = min(stops[k], next_closer)
        for k in same:
            inst = instruments[k]
            if inst.mute_group >= 0:
                next_in_group.setdefault(inst.mute_group, {})[inst.name] = int(starts[k])
            if inst.sound in _HAT_CLOSERS:
                next_closer = int(starts[k])
        i += len(same)
    return stops


def render_events(
    events: Sequence[NoteEvent],
    kit: SampleKit,
    *,
    max_seconds: float | None = None,
    choke_hihat: bool = True,
    peak: float = DEFAULT_PEAK,
) -> Rendering:
    """Render drum hits with a sample kit.

    Parameters
    ----------
    events : sequence of NoteEvent
        The hits (any order).
    kit : SampleKit
    max_seconds : float > 0, optional
        Longest audio, seconds: hits at or after it are dropped and ringing samples cut.
        The audio ends when the last sample has rung out, or at ``max_seconds``.
    choke_hihat : bool
        A closed or pedal hi-hat stops a ringing open hi-hat (10 ms fade), as on a real
        kit. Hydrogen mute groups always apply.
    peak : float in (0, 1]
        Largest allowed peak; louder renderings are scaled down (see ``Rendering.gain``).

    Returns
    -------
    Rendering
    """
    sr = kit.sample_rate
    if max_seconds is not None and (not np.isfinite(max_seconds) or max_seconds <= 0):
        raise DrumnmfError(f"max_seconds must be a positive number of seconds, got {max_seconds!r}")
    if not 0 < peak <= 1:
        raise DrumnmfError(f"peak must be in (0, 1], got {peak!r}")
    played: list[NoteEvent] = []
    instruments: list[Instrument] = []
    dropped: dict[str, int] = {}
    for event in sorted(events, key=lambda e: (e.time, e.sound)):
        if not np.isfinite(event.time) or event.time < 0:
            raise DrumnmfError(f"note time must be >= 0 seconds, got {event.time!r}")
        if not 1 <= int(event.velocity) <= 127:
            raise DrumnmfError(f"note velocity must be in 1..127, got {event.velocity!r}")
        if max_seconds is not None and event.time >= max_seconds:
            continue
        inst = kit.instrument_for(event.sound)
        if inst is None:
            dropped[event.sound] = dropped.get(event.sound, 0) + 1
            continue
        assert inst.sound is not None
        played.append(NoteEvent(time=event.time, sound=inst.sound, velocity=event.velocity))
        instruments.append(inst)
    starts = np.array([round(e.time * sr) for e in played], dtype=np.int64)
    layers = [inst.layer_for(e.velocity) for e, inst in zip(played, instruments, strict=True)]
    ends = [int(s) + layer.samples.size for s, layer in zip(starts, layers, strict=True)]
    n_out = max(ends, default=round(0.1 * sr))
    if max_seconds is not None:
        n_out = min(n_out, round(max_seconds * sr))
    out = np.zeros(n_out, dtype=np.float32)
    stops = _choke_stops(starts, instruments, choke_hihat=choke_hihat)
    fade = max(1, round(CHOKE_SECONDS * sr))
    for start, stop, event, inst, layer in zip(
        starts, stops, played, instruments, layers, strict=True
    ):
        sound = layer.samples * np.float32(inst.amplitude(event.velocity, layer))
        length = min(sound.size, n_out - int(start))
        if stop - start < length:
            cut = int(stop - start)
            n_fade = min(fade, length - cut)
            sound = sound[: cut + n_fade].copy()
            sound[cut:] *= np.linspace(1.0, 0.0, n_fade, dtype=np.float32)
            length = sound.size
        out[start : start + length] += sound[:length]
    top = float(np.max(np.abs(out))) if out.size else 0.0
    gain = peak / top if top > peak else 1.0
    if gain != 1.0:
        out *= np.float32(gain)
    onsets: dict[str, list[float]] = {}
    for start, event in zip(starts, played, strict=True):
        onsets.setdefault(event.sound, []).append(int(start) / sr)
    return Rendering(
        audio=out,
        sample_rate=sr,
        onsets={k: np.asarray(v, dtype=np.float64) for k, v in onsets.items()},
        events=tuple(played),
        dropped=dropped,
        gain=gain,
    )


def read_midi(
    path: str | os.PathLike[str],
    *,
    note_map: Mapping[int, str | None] | None = None,
    channel: int | None = 9,
) -> list[NoteEvent]:
    """Read the drum hits of a MIDI file, honouring tempo changes.

    Parameters
    ----------
    path : path-like
        A type 0 or 1 MIDI file.
    note_map : mapping note -> sound or None, optional
        Entries merged over :data:`NOTE_SOUNDS` and
        :data:`drumnmf.io.annotations.GM_DRUM_NOTES`; None drops a note. Notes in neither
        map are dropped.
    channel : int in 0..15 or None
        Channel to read, from 0 (9 is General MIDI's drum channel 10); None for all.

    Returns
    -------
    list of NoteEvent
        In time order; times in seconds.
    """
    from drumnmf.io.annotations import load_midi

    notes = load_midi(
        path, note_map={**NOTE_SOUNDS, **(note_map or {})}, unknown="drop", channel=channel
    )
    assert notes.strengths is not None  # MIDI velocities
    events = [
        NoteEvent(time=float(t), sound=sound, velocity=int(v))
        for sound, times in notes.onsets.items()
        for t, v in zip(times, notes.strengths[sound], strict=True)
    ]
    return sorted(events, key=lambda e: (e.time, e.sound))


def render_midi(
    midi: str | os.PathLike[str],
    kit: SampleKit,
    *,
    note_map: Mapping[int, str | None] | None = None,
    channel: int | None = 9,
    max_seconds: float | None = None,
    choke_hihat: bool = True,
    peak: float = DEFAULT_PEAK,
) -> Rendering:
    """Render a MIDI drum performance with a sample kit.

    Parameters
    ----------
    midi : path-like
        The performance (Groove MIDI / General MIDI drum notes).
    kit : SampleKit
    note_map, channel
        As in :func:`read_midi`.
    max_seconds : float > 0, optional
        Render only the first ``max_seconds``.
    choke_hihat, peak
        As in :func:`render_events`.

    Returns
    -------
    Rendering

    Examples
    --------
    >>> kit = load_hydrogen_kit("/usr/share/hydrogen/data/drumkits/GMRockKit")  # doctest: +SKIP
    >>> r = render_midi("groove.mid", kit, max_seconds=30)  # doctest: +SKIP
    >>> sorted(r.onsets)  # doctest: +SKIP
    ['hihat', 'kick', 'snare']
    """
    events = read_midi(midi, note_map=note_map, channel=channel)
    if not events:
        raise DrumnmfError("the MIDI file holds no drum notes drumnmf can map (GM note numbers)")
    return render_events(events, kit, max_seconds=max_seconds, choke_hihat=choke_hihat, peak=peak)
