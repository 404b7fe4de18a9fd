"""Calibration protocols of the development corpus: what a drummer records, three ways.

For every Hydrogen kit of the corpus, :func:`write_protocol_kits` renders calibration
recordings of every piece the kit plays (:func:`kit_pieces`) in two forms, and writes one
kit file per protocol:

``paper3``
    The paper's protocol: one medium hit (velocity 90) each of kick, snare and closed
    hi-hat; three drums, one template each.
``full``
    One medium hit of every piece the kit plays (kick, snare, rimshot, side stick, closed /
    open / pedal hi-hat, each tom, crash, ride, ...), each piece a drum of its own, named
    by its canonical sound (so that :func:`drumnmf.io.annotations.reduce_classes` pools
    them for scoring).
``velocities``
    The same pieces, each recorded as one file of :data:`PROTOCOL_VELOCITIES` hits of
    rising strength (1 s apart); the hits of a file are averaged into the piece's template.

Layout, beside the corpus's own ``kits/<Kit>/kit.json`` (never rewritten here)::

    kits/<Kit>/hits/<piece>.wav               one medium hit
    kits/<Kit>/velocity_hits/<piece>.wav      hits at 30, 60, 90 and 120
    kits/<Kit>/protocols/{paper3,full,velocities}.json

:func:`protocol_kit_path` finds a protocol's kit from an item's kit. Groove references with
velocities (``time,drum,velocity`` CSV, :func:`write_velocity_references`) live in
``groove/<split>/<Kit>/velocity/<name>.csv``, beside ``reference/``
(:func:`velocity_reference_path`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.errors import DrumnmfError

if TYPE_CHECKING:
    from drumnmf.evaluation.render import SampleKit
    from drumnmf.kit import Kit

__all__ = [
    "PAPER_PIECES",
    "PROTOCOLS",
    "PROTOCOL_VELOCITIES",
    "kit_pieces",
    "protocol_kit",
    "protocol_kit_path",
    "velocity_hits",
    "velocity_reference_path",
    "write_protocol_kits",
    "write_velocity_references",
]

PROTOCOLS: tuple[str, ...] = ("paper3", "full", "velocities")
PAPER_PIECES: tuple[str, ...] = ("kick", "snare", "hihat")
PROTOCOL_VELOCITIES: tuple[int, ...] = (30, 60, 90, 120)
HIT_SPACING = 1.0  # s between the hits of a velocity recording


def kit_pieces(kit: SampleKit) -> tuple[str, ...]:
    """Every piece (sound) the sample kit plays itself, in canonical drum order."""
    from drumnmf.io.annotations import order_drums

    return order_drums(kit.sounds)


def velocity_hits(
    kit: SampleKit,
    sound: str,
    *,
    velocities: Sequence[int] = PROTOCOL_VELOCITIES,
    spacing: float = HIT_SPACING,
) -> tuple[np.ndarray, int]:
    """One recording of ``sound`` hit at each of ``velocities`` in turn.

    Parameters
    ----------
    kit : SampleKit
    sound : str
        A piece the kit plays.
    velocities : sequence of int in 1..127
        Velocity of each hit, in order.
    spacing : float > 0
        Seconds between hits (the first is at ``spacing / 10``).

    Returns
    -------
    samples : np.ndarray [shape=(n,), float32]
    sample_rate : int
    """
    from drumnmf.evaluation.render import NoteEvent, render_events

    if not velocities:
        raise DrumnmfError("velocities must name at least one velocity, e.g. (30, 60, 90, 120)")
    if kit.instrument_for(sound) is None:
        raise DrumnmfError(f"kit '{kit.name}' cannot play {sound!r}; it has {kit.sounds}")
    lead = spacing / 10
    events = [
        NoteEvent(time=lead + i * spacing, sound=sound, velocity=int(v))
        for i, v in enumerate(velocities)
    ]
    rendering = render_events(events, kit, max_seconds=lead + len(events) * spacing)
    return rendering.audio, kit.sample_rate


Recording = tuple[str, tuple[np.ndarray, int]]


def protocol_kit(
    protocol: str, medium: Sequence[Recording], velocity: Sequence[Recording], name: str = ""
) -> Kit:
    """The kit of one protocol from the recordings of :func:`write_protocol_kits`.

    Parameters
    ----------
    protocol : {"paper3", "full", "velocities"}
    medium : sequence of (piece, (samples, sample_rate))
        One medium hit of each piece.
    velocity : sequence of (piece, (samples, sample_rate))
        One recording of hits at several velocities of each piece.
    name : str
        The sample kit's name, for the kit's sources.

    Returns
    -------
    drumnmf.kit.Kit
    """
    from dataclasses import replace

    from drumnmf.kit import calibrate

    if protocol not in PROTOCOLS:
        raise DrumnmfError(f"protocol {protocol!r} must be one of {', '.join(PROTOCOLS)}")
    if protocol == "paper3":
        chosen = [(p, hit) for p, hit in medium if p in PAPER_PIECES]
        missing = [p for p in PAPER_PIECES if p not in dict(chosen)]
        if missing:
            raise DrumnmfError(f"the paper's protocol needs a hit of {missing}")
    else:
        chosen = list(medium if protocol == "full" else velocity)
    kit = calibrate(chosen)  # with each drum's level on its own hits
    label = "velocities" if protocol == "velocities" else "medium hit"
    return replace(kit, sources=tuple(f"{name}: {p} ({label})" for p, _ in chosen))


def protocol_kit_path(item_kit: str | os.PathLike[str], protocol: str) -> Path:
    """Where a protocol's kit lies for an item whose kit is ``kits/<Kit>/kit.json``."""
    if protocol not in PROTOCOLS:
        raise DrumnmfError(f"protocol {protocol!r} must be one of {', '.join(PROTOCOLS)}")
    return Path(item_kit).parent / "protocols" / f"{protocol}.json"


def velocity_reference_path(reference: str | os.PathLike[str]) -> Path:
    """The velocity reference beside ``groove/<split>/<Kit>/reference/<name>.txt``."""
    p = Path(reference)
    return p.parent.parent / "velocity" / f"{p.stem}.csv"


def _write_once(path: Path, samples: np.ndarray, rate: int) -> bool:
    from drumnmf.io.audio import write_audio

    if path.is_file():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    write_audio(path, samples, rate)
    return True


def _read_hit(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    samples, rate = sf.read(str(path), dtype="float32", always_2d=False)
    return np.asarray(samples, dtype=np.float32), int(rate)


def write_protocol_kits(
    kit_dir: str | os.PathLike[str],
    sample_kit: SampleKit,
    *,
    force: bool = False,
    progress: Callable[[str], Any] | None = None,
) -> dict[str, Path]:
    """Render the calibration recordings of every piece and write the protocol kits.

    Recordings and kit files already present are kept (new files only), so this adds the
    protocols to an existing corpus without touching what is there; ``force`` recalibrates
    the protocol kits from the recordings (e.g. after an upgrade that stores more in a kit).

    Parameters
    ----------
    kit_dir : path-like
        The corpus's ``kits/<Kit>`` folder.
    sample_kit : SampleKit
    force : bool
        Rewrite the protocol kit files (the recordings are kept).
    progress : callable, optional
        Called with a line of text per kit written.

    Returns
    -------
    dict str -> Path
        Each protocol's kit file.
    """
    from drumnmf.evaluation.render import CALIBRATION_VELOCITY, calibration_hits
    from drumnmf.kit import save_kit

    folder = Path(kit_dir)
    pieces = kit_pieces(sample_kit)
    medium: list[Recording] = []
    velocity: list[Recording] = []
    for piece in pieces:
        path = folder / "hits" / f"{piece}.wav"
        if not path.is_file():
            [(_, (samples, rate))] = calibration_hits(
                sample_kit, sounds=[piece], velocity=CALIBRATION_VELOCITY
            )
            _write_once(path, samples, rate)
        medium.append((piece, _read_hit(path)))
        path = folder / "velocity_hits" / f"{piece}.wav"
        if not path.is_file():
            _write_once(path, *velocity_hits(sample_kit, piece))
        velocity.append((piece, _read_hit(path)))
    written = {}
    for protocol in PROTOCOLS:
        target = folder / "protocols" / f"{protocol}.json"
        if force or not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            save_kit(protocol_kit(protocol, medium, velocity, sample_kit.name), target)
            if progress is not None:
                progress(f"kit {sample_kit.name}: protocol {protocol} -> {target}")
        written[protocol] = target
    return written


def write_velocity_references(
    path: str | os.PathLike[str], events: Sequence[Any], sample_rate: int
) -> None:
    """Write the played notes of a rendering as ``time,drum,velocity`` CSV.

    Parameters
    ----------
    path : path-like
    events : sequence of NoteEvent
        The notes as played (:attr:`drumnmf.evaluation.render.Rendering.events`: sounds
        after fallbacks); times are placed on the sample grid as the renderer does.
    sample_rate : int
        The rendering's rate, Hz.
    """
    from drumnmf.io.export import atomic_path

    rows = sorted(
        (round(float(e.time) * sample_rate) / sample_rate, str(e.sound), int(e.velocity))
        for e in events
    )
    text = "time,drum,velocity\n" + "".join(f"{t:.6f},{d},{v}\n" for t, d, v in rows)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
