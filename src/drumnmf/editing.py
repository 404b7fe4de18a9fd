"""Hand corrections of a transcription: add, delete or reassign single hits.

The HTML report's editor records every correction as an :class:`Edit` and exports them
(the ``edits`` list of its JSON download); :func:`apply_edits` applies the same list to a
transcription, so ``drumnmf transcribe song.wav --edits song.json`` writes the corrected
CSV, JSON and MIDI the page downloads (with the same ``--threshold-offset`` values as its
sliders).

Rules (the page's script follows them too)
------------------------------------------
Edits apply in order, after onset picking. A hit is identified by its drum and its frame
(``round(time / frame_seconds)``).

* ``add``: a hit of ``drum`` at that frame, unless the drum already has one there. Its
  strength is the highest activation of the drum from that frame to ``MAX_RISE_FRAMES``
  after it (the picker's strength is the activation peak, which follows the onset by at
  most that many frames).
* ``delete``: removes the hit of ``drum`` at that frame.
* ``reassign``: removes it and adds one of drum ``to`` at the same frame (strength as
  for ``add``).

An edit whose hit is not there (e.g. after a threshold change moved it) changes nothing
and is reported in :attr:`Edited.ignored`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.onsets import MAX_RISE_FRAMES

if TYPE_CHECKING:
    from drumnmf.pipeline import Transcription

__all__ = ["EDIT_KINDS", "Edit", "Edited", "apply_edits", "edit_strength", "load_edits"]

EDIT_KINDS = ("add", "delete", "reassign")


@dataclass(frozen=True)
class Edit:
    """One correction.

    Attributes
    ----------
    kind : {"add", "delete", "reassign"}
    drum : str
        The drum whose hit is added, deleted or reassigned.
    time : float >= 0
        Time of the hit in seconds (the frame's time).
    to : str or None
        The new drum of a ``reassign``.
    """

    kind: str
    drum: str
    time: float
    to: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EDIT_KINDS:
            raise DrumnmfError(f"unknown edit {self.kind!r}; use one of {EDIT_KINDS}")
        if not (isinstance(self.time, (int, float)) and np.isfinite(self.time) and self.time >= 0):
            raise DrumnmfError(f"an edit's time must be seconds >= 0, got {self.time!r}")
        if (self.kind == "reassign") != (self.to is not None):
            raise DrumnmfError("a 'reassign' edit needs 'to' (the new drum); other edits take none")

    def to_dict(self) -> dict[str, Any]:
        """The edit as the page exports it."""
        out: dict[str, Any] = {"edit": self.kind, "drum": self.drum, "time": self.time}
        if self.to is not None:
            out["to"] = self.to
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Edit:
        """An edit from ``{"edit": ..., "drum": ..., "time": ..., ["to": ...]}``."""
        try:
            return cls(
                kind=str(data["edit"]),
                drum=str(data["drum"]),
                time=float(data["time"]),
                to=None if data.get("to") is None else str(data["to"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DrumnmfError(
                f"an edit needs 'edit', 'drum' and 'time' (and 'to' to reassign), got {data!r}"
            ) from exc


@dataclass(frozen=True, eq=False)
class Edited:
    """The result of :func:`apply_edits`.

    Attributes
    ----------
    transcription : Transcription
        The corrected transcription (its ``edits`` lists the edits given).
    ignored : tuple of Edit
        Edits that changed nothing (their hit was not there, or was there already).
    """

    transcription: Transcription
    ignored: tuple[Edit, ...]


def edit_strength(activation: np.ndarray, frame: int) -> float:
    """Strength of a hand-placed hit: the activation's maximum over ``MAX_RISE_FRAMES`` frames.

    Parameters
    ----------
    activation : np.ndarray [shape=(n_frames,)]
        The drum's activation row.
    frame : int
        The hit's frame.
    """
    row = np.asarray(activation, dtype=np.float64)
    return float(row[frame : frame + MAX_RISE_FRAMES + 1].max(initial=0.0))


def load_edits(path: str | os.PathLike[str]) -> tuple[Edit, ...]:
    """Edits from a JSON file: the report's download (its ``edits`` list) or a bare list."""
    p = Path(path)
    if not p.is_file():
        raise DrumnmfError(f"edits file '{p}' does not exist")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DrumnmfError(f"'{p}' is not valid JSON ({exc})") from exc
    items = data.get("edits") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise DrumnmfError(
            f"'{p}' has no list of edits: give the report's JSON download or a list of edits"
        )
    return tuple(Edit.from_dict(item) for item in items)


def apply_edits(transcription: Transcription, edits: Iterable[Edit]) -> Edited:
    """Apply hand corrections to a transcription (see the module docstring for the rules).

    Parameters
    ----------
    transcription : Transcription
    edits : iterable of Edit
        In the order they were made.

    Returns
    -------
    Edited
    """
    from drumnmf.kit import canonical_drum_name
    from drumnmf.spectrogram import frames_to_seconds

    edits = tuple(edits)
    drums = transcription.drums
    settings = transcription.kit.settings
    n_frames = transcription.activations.shape[1]
    picked: dict[str, dict[int, float]] = {}
    # a hand-added hit is certain, and of the drum itself
    extra: dict[str, dict[int, tuple[float, str]]] = {}
    for d in drums:
        frames = np.rint(np.asarray(transcription.onsets[d]) / settings.frame_seconds)
        keys = frames.astype(np.int64).tolist()
        values = map(float, transcription.strengths[d])
        picked[d] = dict(zip(keys, values, strict=True))
        extra[d] = dict(
            zip(
                keys,
                zip(
                    map(float, transcription.confidence_of(d)),
                    transcription.articulation_of(d),
                    strict=True,
                ),
                strict=True,
            )
        )

    def drum_of(name: str) -> str:
        key = canonical_drum_name(name)
        if key not in picked:
            raise DrumnmfError(f"an edit names drum '{name}', not in the kit ({', '.join(drums)})")
        return key

    ignored = []
    for edit in edits:
        frame = round(edit.time / settings.frame_seconds)
        if frame >= n_frames:
            raise DrumnmfError(
                f"an edit at {edit.time:.3f} s is after the end of the recording "
                f"({transcription.duration:.3f} s); was it made for another file?"
            )
        drum = drum_of(edit.drum)
        source = picked[drum]
        if edit.kind == "add":
            if frame in source:
                ignored.append(edit)
                continue
            source[frame] = edit_strength(transcription.activations[drums.index(drum)], frame)
            continue
        if frame not in source:
            ignored.append(edit)
            continue
        del source[frame]
        if edit.kind == "reassign":
            assert edit.to is not None
            target = drum_of(edit.to)
            if frame not in picked[target]:
                row = transcription.activations[drums.index(target)]
                picked[target][frame] = edit_strength(row, frame)
    onsets: dict[str, np.ndarray] = {}
    strengths: dict[str, np.ndarray] = {}
    confidences: dict[str, np.ndarray] = {}
    articulations: dict[str, tuple[str, ...]] = {}
    for d in drums:
        frames = np.array(sorted(picked[d]), dtype=np.int64)
        onsets[d] = frames_to_seconds(frames, settings)
        strengths[d] = np.array([picked[d][f] for f in frames.tolist()], dtype=np.float64)
        kept = [extra[d].get(f, (1.0, d)) for f in frames.tolist()]
        confidences[d] = np.array([c for c, _ in kept], dtype=np.float64)
        articulations[d] = tuple(a for _, a in kept)
    corrected = replace(
        transcription,
        onsets=onsets,
        strengths=strengths,
        confidences=confidences,
        articulations=articulations,
        edits=tuple(transcription.edits) + edits,
    )
    return Edited(transcription=corrected, ignored=tuple(ignored))


def edits_to_list(edits: Sequence[Edit]) -> list[dict[str, Any]]:
    """Edits as the JSON list the page exports."""
    return [e.to_dict() for e in edits]
