"""Writing results: CSV, JSON and General MIDI drum files, always atomically.

Every writer writes to a temporary file in the target folder and renames it into place,
so a failure never leaves a half-written file.

CSV contract (public): header ``time,drum,strength``, then one row per onset sorted by
time; ``time`` in seconds, ``strength`` the activation height at the peak.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.io.notemaps import PEDAL_CONTROL, NoteMap
from drumnmf.io.tempomap import TempoMap

__all__ = [
    "LEVEL_VELOCITY",
    "atomic_path",
    "check_writable_dir",
    "midi_velocities",
    "onset_rows",
    "write_csv",
    "write_json",
    "write_midi",
]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds."""
    target = Path(path)
    if target.is_dir():
        raise DrumnmfError(
            f"'{target}' is a folder; give a file name such as '{target / 'out.json'}'"
        )
    folder = target.parent if str(target.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise DrumnmfError(f"'{folder}' is a file, not a folder; choose another output path")
    if not folder.is_dir():
        raise DrumnmfError(f"output folder '{folder}' does not exist; create it first")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise DrumnmfError(
            f"cannot write into '{folder}' ({exc.strerror}); choose a writable folder"
        ) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_writable_dir(folder: str | os.PathLike[str], *, create: bool = True) -> Path:
    """Make sure ``folder`` exists (creating it if asked) and accepts new files."""
    p = Path(folder)
    if p.exists() and not p.is_dir():
        raise DrumnmfError(f"output path '{p}' is a file, not a folder; choose a folder")
    if not p.exists():
        if not create:
            raise DrumnmfError(f"output folder '{p}' does not exist; create it first")
        try:
            p.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DrumnmfError(
                f"cannot create output folder '{p}' ({exc.strerror}); choose a writable folder"
            ) from exc
    if not os.access(p, os.W_OK | os.X_OK):
        raise DrumnmfError(f"output folder '{p}' is not writable; choose another --out-dir")
    return p


def onset_rows(
    onsets: Mapping[str, np.ndarray], strengths: Mapping[str, np.ndarray]
) -> list[tuple[float, str, float]]:
    """Flatten per-drum onsets into ``(time, drum, strength)`` rows sorted by time, then drum."""
    rows = [
        (float(t), drum, float(s))
        for drum, times in onsets.items()
        for t, s in zip(times, strengths[drum], strict=True)
    ]
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def onset_table(
    onsets: Mapping[str, np.ndarray],
    strengths: Mapping[str, np.ndarray],
    confidences: Mapping[str, np.ndarray],
    articulations: Mapping[str, Sequence[str]],
) -> list[tuple[float, str, float, float, str]]:
    """Like :func:`onset_rows`, with each onset's confidence and articulation."""
    rows = [
        (float(t), drum, float(s), float(c), str(a))
        for drum, times in onsets.items()
        for t, s, c, a in zip(
            times, strengths[drum], confidences[drum], articulations[drum], strict=True
        )
    ]
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def write_csv(
    path: str | os.PathLike[str],
    onsets: Mapping[str, np.ndarray],
    strengths: Mapping[str, np.ndarray],
    confidences: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Write onsets as CSV, rows sorted by time.

    The header is ``time,drum,strength,confidence``, or ``time,drum,strength`` without
    ``confidences`` (:func:`drumnmf.io.annotations.load_csv` reads both).
    """
    if confidences is None:
        lines = ["time,drum,strength"]
        lines += [f"{t:.6f},{d},{s:.6g}" for t, d, s in onset_rows(onsets, strengths)]
    else:
        names = {d: (d,) * np.size(times) for d, times in onsets.items()}
        lines = ["time,drum,strength,confidence"]
        lines += [
            f"{t:.6f},{d},{s:.6g},{c:.4f}"
            for t, d, s, c, _ in onset_table(onsets, strengths, confidences, names)
        ]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_json(path: str | os.PathLike[str], document: Mapping[str, Any]) -> None:
    """Write a JSON document atomically (UTF-8, indented)."""
    text = json.dumps(document, indent=2, sort_keys=False, default=_json_default)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


LEVEL_VELOCITY = 90  # MIDI velocity of a hit as loud as the calibration hit


def midi_velocities(
    strengths: np.ndarray, *, level: float | None = None, level_velocity: int = LEVEL_VELOCITY
) -> np.ndarray:
    """MIDI velocities (1..127) of one drum's onsets from their strengths.

    Parameters
    ----------
    strengths : np.ndarray [shape=(n,)]
        Activation heights (not modified).
    level : float > 0, optional
        The strength of a hit as loud as the calibration hit: velocities are then
        ``level_velocity * strength / level``. Without it, relative to the strongest onset
        (127) with a floor of 20.
    level_velocity : int in 1..127

    Returns
    -------
    np.ndarray [shape=(n,), int]
    """
    s = np.asarray(strengths, dtype=np.float64)
    if not 1 <= int(level_velocity) <= 127:
        raise DrumnmfError(f"level_velocity must be a MIDI velocity 1..127, got {level_velocity!r}")
    if level is not None:
        if not (np.isfinite(level) and level > 0):
            raise DrumnmfError(f"a calibration level must be > 0, got {level!r}; recalibrate")
        return np.clip(np.rint(level_velocity * s / float(level)), 1, 127).astype(int)
    top = float(s.max()) if s.size else 1.0
    return np.clip(np.rint(20 + 107 * s / (top or 1.0)), 1, 127).astype(int)


def write_midi(
    path: str | os.PathLike[str],
    onsets: Mapping[str, np.ndarray],
    strengths: Mapping[str, np.ndarray],
    notes: Mapping[str, int],
    *,
    tempo_bpm: float = 120.0,
    note_seconds: float = 0.05,
    ticks_per_beat: int = 480,
    note_map: NoteMap | str | os.PathLike[str] | None = None,
    tempo_map: TempoMap | None = None,
    levels: Mapping[str, float] | None = None,
    level_velocity: int = LEVEL_VELOCITY,
) -> None:
    """Write onsets as a General MIDI drum track (channel 10).

    Velocity grows with strength. For a drum with a calibration level (``levels``: the
    strength a hit as loud as its calibration hit has, :attr:`drumnmf.kit.Kit.levels`) it
    is calibrated: ``level_velocity * strength / level``, rounded and clipped to 1..127,
    so such a hit gets the calibration hit's velocity and velocity stays proportional to
    loudness (a sample kit's rule). Otherwise it is relative to the file: the strongest
    onset of the drum gets 127, and velocities scale linearly down to a floor of 20.

    Parameters
    ----------
    onsets, strengths : mapping drum -> np.ndarray [shape=(n,)]
        Times in seconds and activation heights.
    notes : mapping drum -> int
        General MIDI note number of each drum (kick 36, snare 38, closed hi-hat 42, ...).
    tempo_bpm : float > 0
        Tempo written to the file; times are exact whatever it is.
    note_seconds : float > 0
        Length of each note.
    ticks_per_beat : int > 0
        MIDI resolution.
    note_map : NoteMap, preset name or map file, optional
        Take each drum's note from this map instead of ``notes``, and write its hi-hat
        pedal position (CC4) just before each note of the drums the map gives one
        (:mod:`drumnmf.io.notemaps`).
    tempo_map : TempoMap, optional
        Beats of the song (:mod:`drumnmf.io.tempomap`): the file then has a tempo change
        per beat and the time signature, so the DAW's grid follows the song; each hit stays
        at its performed time. ``tempo_bpm`` is ignored.
    levels : mapping drum -> float > 0, optional
        Calibration level of each drum, in strength units.
    level_velocity : int in 1..127
        The velocity of a hit at its drum's level (90: the medium hit a drummer records
        for calibration, as the development corpus does).
    """
    import mido

    from drumnmf.io.notemaps import load_note_map

    table = None if note_map is None else load_note_map(note_map)
    if table is None:
        missing = [d for d in onsets if d not in notes]
        if missing:
            raise DrumnmfError(f"no MIDI note for drum(s) {missing}; set one with the kit")
    tempo = mido.bpm2tempo(tempo_bpm)
    ticks_per_second = ticks_per_beat * 1e6 / tempo
    # (tick, 0 off / 1 on, note, 0 CC4 / 1 note, value): offs first, and at one tick each
    # note's pedal position right before it.
    events: list[tuple[int, int, int, int, int]] = []
    for drum, times in onsets.items():
        note = int(notes[drum]) if table is None else table.note_for(drum)
        pedal = None if table is None else table.pedal_for(drum)
        vel = midi_velocities(
            strengths[drum],
            level=None if levels is None else levels.get(drum),
            level_velocity=level_velocity,
        )
        if tempo_map is None:
            ons = [round(float(t) * ticks_per_second) for t in times]
            offs = [round((float(t) + note_seconds) * ticks_per_second) for t in times]
        else:
            times = np.asarray(times, dtype=np.float64)
            ons = tempo_map.ticks(times, ticks_per_beat).tolist()
            offs = tempo_map.ticks(times + note_seconds, ticks_per_beat).tolist()
        for on, off, v in zip(ons, offs, vel, strict=True):
            if pedal is not None:
                events.append((on, 1, note, 0, pedal))
            events.append((on, 1, note, 1, int(v)))
            events.append((off, 0, note, 1, 0))
    events.sort()
    track = mido.MidiTrack()
    # Meta events (tempo, time signature) at a tick come before the notes there.
    metas: list[tuple[int, Any]] = [(0, mido.MetaMessage("set_tempo", tempo=tempo))]
    if tempo_map is not None:
        metas = [
            (
                0,
                mido.MetaMessage(
                    "time_signature",
                    numerator=tempo_map.numerator,
                    denominator=tempo_map.denominator,
                ),
            )
        ]
        metas += [
            (tick, mido.MetaMessage("set_tempo", tempo=value))
            for tick, value in tempo_map.tempo_events(ticks_per_beat)
        ]
    now = 0
    queue = list(reversed(metas))
    for tick, on, note, is_note, value in events:
        while queue and queue[-1][0] <= tick:
            at, meta = queue.pop()
            track.append(meta.copy(time=at - now))
            now = at
        if not is_note:
            message = mido.Message(
                "control_change", channel=9, control=PEDAL_CONTROL, value=value, time=tick - now
            )
        else:
            kind = "note_on" if on else "note_off"
            message = mido.Message(kind, channel=9, note=note, velocity=value, time=tick - now)
        track.append(message)
        now = tick
    for at, meta in reversed(queue):
        track.append(meta.copy(time=at - now))
        now = at
    midi = mido.MidiFile(ticks_per_beat=ticks_per_beat)
    midi.tracks.append(track)
    with atomic_path(path) as tmp:
        midi.save(str(tmp))
