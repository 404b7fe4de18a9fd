"""Rhythm-game drum charts: a Clone Hero / YARG song folder from a transcription.

:func:`write_chart` writes ``notes.mid`` (a Pro Drums chart on the Expert difficulty),
``song.ini`` and, given the recording, ``song.ogg``: a folder Clone Hero and YARG load as a
song. The layout follows the community chart-format documentation (TheNathannator,
*GuitarGame_ChartFormats*, ``doc/FileFormats/.mid/Standard/Drums.md`` and
``.mid/Core Infrastructure.md``, https://github.com/TheNathannator/GuitarGame_ChartFormats):

* a format-1 MIDI file at 480 ticks per quarter note; track 1 holds the tempo map and time
  signature (named after the song), track 2 is ``PART DRUMS``, track 3 ``EVENTS`` with
  ``[end]``;
* Expert notes: 96 kick, 97 red (snare), 98 yellow, 99 blue, 100 green. Notes are cymbals
  unless a tom marker (110 yellow, 111 blue, 112 green) covers them; red is always a drum;
* ``song.ini`` says ``pro_drums = True`` so the chart is read as 4-lane Pro.

drumnmf's drums go to lanes as Rock Band charts them: hi-hats (closed and open) yellow
cymbal, ride blue cymbal, crashes, splash and china green cymbal; high tom yellow tom, mid /
low toms blue tom, floor toms green tom; snare, rimshot, side stick and clap red. The
hi-hat pedal and drums with no lane (cowbell, tambourine) are left out, and a tom on the
same lane and tick as a cymbal is dropped (a lane cannot hold both): :class:`Chart` counts
them. Every note keeps its performed time; the tempo map only places the beat lines.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.io.tempomap import TempoMap

__all__ = ["LANES", "Chart", "chart_lane", "write_chart"]

TICKS_PER_BEAT = 480
KICK, RED, YELLOW, BLUE, GREEN = 96, 97, 98, 99, 100
TOM_MARKERS = {YELLOW: 110, BLUE: 111, GREEN: 112}
NOTE_TICKS = TICKS_PER_BEAT // 8  # a 32nd note: shorter than any two hits of one lane
VELOCITY = 100

#: drum -> (Expert note, is a tom)
LANES: dict[str, tuple[int, bool]] = {
    "kick": (KICK, False),
    "snare": (RED, False),
    "rimshot": (RED, False),
    "side_stick": (RED, False),
    "clap": (RED, False),
    "electric_snare": (RED, False),
    "hihat": (YELLOW, False),
    "open_hihat": (YELLOW, False),
    "ride": (BLUE, False),
    "ride_bell": (BLUE, False),
    "crash": (GREEN, False),
    "crash2": (GREEN, False),
    "cymbal": (GREEN, False),
    "splash": (GREEN, False),
    "china": (GREEN, False),
    "high_tom": (YELLOW, True),
    "tom": (BLUE, True),
    "mid_tom": (BLUE, True),
    "low_tom": (BLUE, True),
    "floor_tom": (GREEN, True),
    "high_floor_tom": (GREEN, True),
    "low_floor_tom": (GREEN, True),
}


def chart_lane(drum: str) -> tuple[int, bool] | None:
    """The Expert note and tom flag of a drum, or None when it has no lane."""
    return LANES.get(drum)


@dataclass(frozen=True)
class Chart:
    """What :func:`write_chart` wrote.

    Attributes
    ----------
    folder : Path
        The song folder.
    notes : int
        Notes charted (kicks, pads and cymbals).
    skipped : dict str -> int
        Hits left out per drum: no lane (hi-hat pedal, cowbell...), or a tom that
        coincided with a cymbal of the same lane, or a second hit of a lane on one note.
    """

    folder: Path
    notes: int
    skipped: dict[str, int]


def _ini(name: str, artist: str, seconds: float) -> str:
    lines = [
        "[song]",
        f"name = {name}",
        f"artist = {artist}",
        "charter = drumnmf",
        "pro_drums = True",
        "diff_drums = -1",
        "diff_drums_real = -1",
        "delay = 0",
        f"song_length = {round(seconds * 1000)}",
    ]
    return "\n".join(lines) + "\n"


def write_chart(
    folder: str | os.PathLike[str],
    onsets: Mapping[str, np.ndarray],
    *,
    tempo_map: TempoMap,
    duration: float,
    name: str = "drums",
    artist: str = "unknown",
    samples: np.ndarray | None = None,
    sample_rate: int | None = None,
) -> Chart:
    """Write a Clone Hero / YARG song folder (``notes.mid``, ``song.ini``, ``song.ogg``).

    Parameters
    ----------
    folder : path-like
        The song folder (created if missing; its three files are replaced).
    onsets : mapping drum -> np.ndarray [shape=(n,)]
        Hit times in seconds.
    tempo_map : TempoMap
        Beats of the song (e.g. ``TempoMap.from_meter(beats, "4/4")``).
    duration : float > 0
        Length of the song in seconds.
    name, artist : str
        Written to ``song.ini``.
    samples : np.ndarray [shape=(n_samples,)], optional
        The recording (mono), encoded as ``song.ogg``; without it, copy the audio there.
    sample_rate : int, optional
        Rate of ``samples``, Hz.

    Returns
    -------
    Chart
    """
    import mido

    from drumnmf.io.export import atomic_path, check_writable_dir

    if not (np.isfinite(duration) and duration > 0):
        raise DrumnmfError(f"duration must be a positive number of seconds, got {duration!r}")
    if samples is not None and not sample_rate:
        raise DrumnmfError("sample_rate is required with samples (Hz, e.g. 44100)")
    for text in (name, artist):
        if "\n" in text or "\r" in text:
            raise DrumnmfError(f"song name and artist must be one line each, got {text!r}")
    out = check_writable_dir(folder)
    skipped: dict[str, int] = {}
    # (tick, note, is tom, drum) of every hit with a lane
    hits: list[tuple[int, int, bool, str]] = []
    for drum, times in onsets.items():
        lane = chart_lane(drum)
        if lane is None:
            if np.size(times):
                skipped[drum] = skipped.get(drum, 0) + int(np.size(times))
            continue
        ticks = tempo_map.ticks(np.asarray(times, dtype=np.float64), TICKS_PER_BEAT)
        hits += [(int(t), lane[0], lane[1], drum) for t in ticks]
    # One note per lane and tick; a cymbal wins over a tom of its colour.
    hits.sort(key=lambda h: (h[0], h[1], h[2]))
    kept: list[tuple[int, int, bool, str]] = []
    for hit in hits:
        if kept and kept[-1][:2] == hit[:2]:
            skipped[hit[3]] = skipped.get(hit[3], 0) + 1
            continue
        kept.append(hit)

    # A note (and its tom marker) ends before the next note of its lane starts, so that a
    # marker never covers the next cymbal and notes of one lane never overlap.
    following: dict[int, int] = {}
    ends = [0] * len(kept)
    for k in range(len(kept) - 1, -1, -1):
        tick, note = kept[k][:2]
        ends[k] = min(tick + NOTE_TICKS, following.get(note, tick + NOTE_TICKS))
        following[note] = tick
    events: list[tuple[int, int, int, int]] = []  # (tick, 0 off / 1 on, note, velocity)
    for (tick, note, tom, _), end in zip(kept, ends, strict=True):
        events.append((tick, 1, note, VELOCITY))
        events.append((end, 0, note, 0))
        if tom:
            events.append((tick, 1, TOM_MARKERS[note], VELOCITY))
            events.append((end, 0, TOM_MARKERS[note], 0))
    events.sort()

    tempo_track = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)])
    tempo_track.append(
        mido.MetaMessage(
            "time_signature", numerator=tempo_map.numerator, denominator=tempo_map.denominator
        )
    )
    now = 0
    for tick, value in tempo_map.tempo_events(TICKS_PER_BEAT):
        tempo_track.append(mido.MetaMessage("set_tempo", tempo=value, time=tick - now))
        now = tick
    drums = mido.MidiTrack([mido.MetaMessage("track_name", name="PART DRUMS", time=0)])
    now = 0
    for tick, on, note, velocity in events:
        kind = "note_on" if on else "note_off"
        drums.append(mido.Message(kind, channel=9, note=note, velocity=velocity, time=tick - now))
        now = tick
    last = max(now, int(tempo_map.ticks(np.array([duration]), TICKS_PER_BEAT)[0]))
    song_events = mido.MidiTrack([mido.MetaMessage("track_name", name="EVENTS", time=0)])
    song_events.append(mido.MetaMessage("text", text="[end]", time=last + TICKS_PER_BEAT))
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    midi.tracks += [tempo_track, drums, song_events]

    with atomic_path(out / "notes.mid") as tmp:
        midi.save(str(tmp))
    with atomic_path(out / "song.ini") as tmp:
        tmp.write_text(_ini(name, artist, duration), encoding="utf-8")
    if samples is not None:
        from drumnmf.display.media import encode_audio

        assert sample_rate is not None
        _, data = encode_audio(np.asarray(samples), int(sample_rate))
        with atomic_path(out / "song.ogg") as tmp:
            tmp.write_bytes(data)
    return Chart(folder=out, notes=len(kept), skipped=skipped)
