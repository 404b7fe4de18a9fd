"""Writing a transcription: its CSV, JSON and MIDI files (and the score's), each atomically.

:func:`save_transcription` is re-exported by :mod:`drumnmf.pipeline`, beside
:func:`~drumnmf.pipeline.transcribe` whose result it writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drumnmf.errors import DrumnmfError

if TYPE_CHECKING:
    from drumnmf.kit import Kit
    from drumnmf.pipeline import Transcription

__all__ = ["FORMATS", "output_stem", "save_transcription"]


def output_stem(path: str | os.PathLike[str]) -> str:
    """File stem used for a transcription's outputs (``song.wav`` -> ``song``)."""
    return Path(path).stem


FORMATS = ("csv", "json", "mid")


def _levels(kit: Kit) -> dict[str, float] | None:
    """The kit's calibration level per drum, for calibrated MIDI velocities (None: unknown)."""
    levels = tuple(getattr(kit, "levels", ()))
    return dict(zip(kit.names, levels, strict=True)) if levels else None


def save_transcription(
    transcription: Transcription,
    out_dir: str | os.PathLike[str],
    *,
    stem: str | None = None,
    note_map: Any = None,
    tempo_map: Any = None,
    formats: tuple[str, ...] = FORMATS,
    score: Any = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write a transcription's CSV, JSON and MIDI files (each atomically, the JSON last).

    Parameters
    ----------
    transcription : Transcription
    out_dir : path-like
        Output folder (created if missing).
    stem : str, optional
        File stem; the audio file's stem by default.
    note_map : NoteMap, preset name or map file, optional
        Notes of the MIDI file (:mod:`drumnmf.io.notemaps`); the kit's notes by default.
    tempo_map : TempoMap, optional
        Beats of the song for the MIDI file's tempo map (:mod:`drumnmf.io.tempomap`).
    formats : tuple of {"csv", "json", "mid"}
        Which files to write.
    score : drumnmf.notation.Score, optional
        Also write ``<stem>.musicxml``, ``<stem>.tab.txt`` and ``<stem>.score.mid``, and
        add its tempo, beats, downbeats, time signature, bars and positions to the JSON.
    metadata : mapping, optional
        Stored under ``"batch"`` in the JSON (:mod:`drumnmf.batch`: the settings digest).

    Returns
    -------
    dict format -> Path
        The files written.
    """
    from drumnmf.io.export import check_writable_dir, write_csv, write_json, write_midi

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise DrumnmfError(f"unknown output format(s) {unknown}; choose from {FORMATS}")
    folder = check_writable_dir(out_dir)
    if stem is None:
        stem = output_stem(transcription.source) if transcription.source != "<array>" else "drums"
    written: dict[str, Path] = {}
    if "csv" in formats:
        written["csv"] = folder / f"{stem}.csv"
        write_csv(
            written["csv"],
            transcription.onsets,
            transcription.strengths,
            {d: transcription.confidence_of(d) for d in transcription.drums},
        )
    if "mid" in formats:
        written["mid"] = folder / f"{stem}.mid"
        notes = dict(zip(transcription.kit.names, transcription.kit.midi_notes, strict=True))
        write_midi(
            written["mid"],
            transcription.onsets,
            transcription.strengths,
            notes,
            note_map=note_map,
            tempo_map=tempo_map,
            levels=_levels(transcription.kit),
        )
    if score is not None:
        from drumnmf.notation.outputs import write_score_files

        notes = dict(zip(transcription.kit.names, transcription.kit.midi_notes, strict=True))
        written.update(write_score_files(score, folder, stem, notes=notes))
    if "json" in formats:  # last: a batch takes a JSON with its digest as "all written"
        written["json"] = folder / f"{stem}.json"
        document = transcription.to_dict()
        if score is not None:
            from drumnmf.notation.outputs import score_fields

            document = score_fields(document, score)
        if metadata:
            document = {**document, "batch": dict(metadata)}
        write_json(written["json"], document)
    # Listed as before: csv, mid, json, then the score's files.
    ordered: dict[str, Path] = {k: written[k] for k in ("csv", "mid", "json") if k in written}
    return {**ordered, **written}
