"""General MIDI drum files (channel 10), with the Groove MIDI Dataset's TD-11 notes.

Parameters, results and errors follow the reader conventions of
:mod:`drumnmf.io.annotations`, with ``note_map`` (MIDI note -> drum) for ``label_map``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations._core import GM_DRUM_NOTES, Annotations, PathLike, Unknown
from drumnmf.io.annotations._reading import _assemble, _mapper

__all__ = ["load_midi"]


def load_midi(
    path: PathLike,
    *,
    note_map: Mapping[int, str | None] | None = None,
    unknown: Unknown = "error",
    channel: int | None = 9,
) -> Annotations:
    """Read a General MIDI drum file: note-on events with velocity > 0, tempo changes honoured.

    Times come from absolute ticks and the tempo map (``set_tempo`` in any track, as
    ``mido`` merges type-0 and type-1 files), computed segment by segment so they do not
    accumulate rounding error. Velocities are returned as strengths.

    Parameters
    ----------
    path : str or path
        A ``.mid`` or ``.midi`` file of type 0 or 1.
    note_map, unknown
        As ``label_map`` and ``unknown`` in the reader conventions of
        :mod:`drumnmf.io.annotations`, over :data:`GM_DRUM_NOTES` (``{40: "rimshot"}``
        reads the TD-11 snare rim apart); ``unknown="keep"`` names a note ``note_<n>``.
    channel : int in [0, 15] or None
        Channel to read, counted from 0 (9 is General MIDI's percussion channel 10);
        ``None`` reads every channel.

    Returns
    -------
    Annotations
        With velocities (1-127) as strengths.

    Raises
    ------
    DrumnmfError
        As in the reader conventions, and for a type 2 file, a file that is not MIDI, a
        bad ``channel`` or a file whose notes are all on other channels.
    """
    import mido

    p = Path(path)
    if not p.is_file():
        raise DrumnmfError(f"MIDI file '{p}' does not exist; check the path")
    if channel is not None and not (isinstance(channel, int) and 0 <= channel <= 15):
        raise DrumnmfError(f"channel={channel!r} must be an integer in [0, 15] or None")
    try:
        midi = mido.MidiFile(str(p))
    except (OSError, EOFError, ValueError, KeyError, IndexError, MemoryError) as exc:
        raise DrumnmfError(
            f"cannot read MIDI file '{p.name}' ({exc}); is it a MIDI file?"
        ) from None
    if midi.type == 2:
        raise DrumnmfError(
            f"'{p.name}' is a type 2 (asynchronous) MIDI file, which has no single timeline; "
            "convert it to type 0 or 1"
        )
    tpb = midi.ticks_per_beat
    if not isinstance(tpb, int) or tpb <= 0:
        raise DrumnmfError(
            f"'{p.name}' declares {tpb!r} ticks per beat (SMPTE or corrupt header); "
            "re-export it with a positive ticks-per-beat (e.g. 480)"
        )
    tempo, seg_tick, seg_seconds = 500_000, 0, 0.0  # 120 bpm until the first set_tempo
    tick = 0
    notes: list[tuple[float, int, float]] = []
    other_channels: set[int] = set()
    for msg in mido.merge_tracks(midi.tracks):
        tick += msg.time
        if msg.type == "set_tempo":
            seg_seconds += (tick - seg_tick) * tempo / (1e6 * tpb)
            seg_tick, tempo = tick, msg.tempo
        elif msg.type == "note_on" and msg.velocity > 0:
            if channel is not None and msg.channel != channel:
                other_channels.add(msg.channel)
                continue
            seconds = seg_seconds + (tick - seg_tick) * tempo / (1e6 * tpb)
            notes.append((seconds, msg.note, float(msg.velocity)))
    if not notes and other_channels and channel is not None:
        raise DrumnmfError(
            f"'{p.name}' has no notes on channel {channel} (MIDI channel {channel + 1}) but has "
            f"notes on channels {sorted(other_channels)} (counted from 0); pass channel=N "
            "or channel=None"
        )
    table = {str(k): v for k, v in {**GM_DRUM_NOTES, **(note_map or {})}.items()}
    lookup = _mapper(
        table,
        None,
        "error" if unknown == "keep" else unknown,
        generic=False,
        what="MIDI note",
        option="note_map",
    )

    def note_lookup(label: str, where: str) -> str | None:
        if unknown == "keep" and label not in table:
            return f"note_{label}"
        return lookup(label, where)

    events = [(t, str(n), v) for t, n, v in notes]
    return _assemble(events, note_lookup, str(path))
