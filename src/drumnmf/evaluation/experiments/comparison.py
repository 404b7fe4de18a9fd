"""Sections of ``docs/accuracy.md`` that compare: a peer transcriber, velocities, protocols.

* :func:`peers_table`: drumnmf against another transcriber's onsets on the same files
  (ADTOF's, in ``../shared/peers/adtof/<item id>.csv``, when present; see
  :func:`find_peers`), micro P / R / F per subset, scored by the one rule of
  :mod:`drumnmf.evaluation.metrics`.
* :func:`velocity_table`: recall per reference-velocity band and the strength/velocity
  Spearman correlation (:mod:`drumnmf.evaluation.velocity`) on the Groove items, whose
  velocity references the corpus keeps in ``velocity/*.csv``.
* :func:`protocol_table`: the calibration protocols of :mod:`drumnmf.evaluation.protocols`
  (variants whose ``kit`` is ``paper3``, ``full`` or ``velocities``) against the corpus kit.

Peer estimates are read, scored and compared; nothing is learnt from them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drumnmf.evaluation.experiments.runner import WINDOW, Results, Run, score
from drumnmf.evaluation.experiments.tables import Table, subset_group

if TYPE_CHECKING:
    from drumnmf.evaluation.metrics import EvaluationResult
    from drumnmf.evaluation.velocity import VelocityResult
    from drumnmf.io.annotations import Annotations

__all__ = [
    "PEER_NAME",
    "find_peers",
    "peer_estimates",
    "peers_table",
    "protocol_table",
    "velocity_table",
]

PEER_NAME = "ADTOF"
PEER_FOLDER = "adtof"
PEERS_HEADER = ("subset", "files", f"{PEER_NAME} files", "drumnmf P", "R", "F",
                f"{PEER_NAME} P", "R", "F", "F difference")  # fmt: skip


def find_peers(peers: str | os.PathLike[str] | None = None) -> Path | None:
    """The folder of the peer's estimates (``<peers>/adtof``), or None when absent.

    Parameters
    ----------
    peers : path-like, optional
        The ``peers`` folder; default ``peers/`` beside the shared data folder
        (:func:`drumnmf.evaluation.corpus.default_shared_dir`), i.e. ``../shared/peers``.
    """
    from drumnmf.evaluation.corpus import default_shared_dir

    base = Path(peers) if peers is not None else default_shared_dir().parent / "peers"
    folder = base / PEER_FOLDER
    return folder if folder.is_dir() else None


def peer_estimates(folder: Path, runs: Sequence[Run]) -> dict[str, Annotations]:
    """The peer's onsets of each run's item (``<folder>/<item id>.csv``), pooled to classes."""
    from drumnmf.evaluation.metrics import scoring_classes
    from drumnmf.io.annotations import load_annotations

    out = {}
    for run in runs:
        path = folder / f"{run.item.id}.csv"
        if path.is_file():
            out[run.item.id] = scoring_classes(load_annotations(path), run.classes)
    return out


def _peer_score(runs: Sequence[Run], estimates: Mapping[str, Annotations]) -> EvaluationResult:
    from drumnmf.evaluation.metrics import evaluate
    from drumnmf.io.annotations import CLASSES

    references = {r.item.id: r.reference for r in runs}
    chosen = {r.item.id: estimates[r.item.id] for r in runs if r.item.id in estimates}
    classes = runs[0].classes if runs else 3
    return evaluate(references, chosen, window=WINDOW, drums=CLASSES[classes])


def _groups(results: Results, variant: str) -> list[str]:
    """Pooled Groove groups, then each subset (per kit), in manifest order."""
    subsets = list(dict.fromkeys(r.item.subset for r in results.select(variant)))
    out: list[str] = []
    for subset in subsets:
        group = subset_group(subset)
        if group != subset and group not in out:
            out.append(group)
            out += [s for s in subsets if subset_group(s) == group]
        elif group == subset:
            out.append(subset)
    return out


def _prf(s: EvaluationResult) -> tuple[float, float, float]:
    t = s.micro_total
    return t.precision, t.recall, t.f_measure


def peers_table(results: Results, folder: Path | None, *, variant: str = "default") -> Table | None:
    """drumnmf (``variant``) against the peer on every subset the peer has files of.

    Returns
    -------
    Table or None
        None without a peer folder or without any matching estimate.
    """
    if folder is None:
        return None
    rows = []
    for group in _groups(results, variant):
        runs = results.select(variant, (group,))
        estimates = peer_estimates(folder, runs)
        if not runs or not estimates:
            continue
        ours, theirs = score(runs, "adaptive"), _peer_score(runs, estimates)
        p, r, f = _prf(ours)
        pp, pr, pf = _prf(theirs)
        label = f"**{group}**" if "*" in group else group
        rows.append((label, len(runs), len(estimates), p, r, f, pp, pr, pf, f - pf))
    if not rows:
        return None
    return Table(
        f"drumnmf ({variant}) and {PEER_NAME} on the same files",
        PEERS_HEADER,
        tuple(rows),
        note=f"Micro P / R / F over kick, snare and hi-hat, both scored by the same rule "
        f"(`drumnmf evaluate`). {PEER_NAME}'s onsets are its own outputs on these files "
        "(`../shared/peers/README.md`: model, peak picking, licence); a file without an "
        f"{PEER_NAME} estimate counts as no detections. Bold rows pool the 4 kits.",
    )


def _velocity_references(runs: Sequence[Run]) -> dict[str, Annotations]:
    from drumnmf.evaluation.protocols import velocity_reference_path
    from drumnmf.io.annotations import load_annotations

    out = {}
    for run in runs:
        if not run.item.subset.startswith("groove/"):
            continue
        path = velocity_reference_path(run.item.reference)
        if path.is_file():
            out[run.item.id] = load_annotations(path)
    return out


def _velocity(
    runs: Sequence[Run], estimates: Mapping[str, Annotations] | None = None
) -> VelocityResult | None:
    from drumnmf.evaluation.velocity import evaluate_velocity
    from drumnmf.io.annotations import Annotations

    references = _velocity_references(runs)
    if not references:
        return None
    if estimates is None:
        estimates = {
            r.item.id: Annotations(onsets=r.adaptive, strengths=r.adaptive_strengths) for r in runs
        }
    classes = runs[0].classes if runs else 3
    return evaluate_velocity(references, estimates, classes=classes, window=WINDOW)


def velocity_table(
    results: Results, folder: Path | None, *, variant: str = "default"
) -> Table | None:
    """Recall per reference-velocity band and Spearman, per Groove condition and class."""
    from drumnmf.evaluation.velocity import VELOCITY_BANDS

    groups = [g for g in _groups(results, variant) if g.startswith("groove/") and "*" in g]
    rows: list[tuple[Any, ...]] = []
    for group in groups:
        runs = results.select(variant, (group,))
        ours = (f"drumnmf ({variant})", _velocity(runs))
        systems: list[tuple[str, VelocityResult | None]] = [ours]
        if folder is not None:
            estimates = peer_estimates(folder, runs)
            if estimates:
                systems.append((PEER_NAME, _velocity(runs, estimates)))
        for name, result in systems:
            if result is None:
                continue
            for cls, bands in result.bands.items():
                total = sum(c.n_reference for c in bands.values())
                cells: list[Any] = []
                for band, _, _ in VELOCITY_BANDS:
                    count = bands[band]
                    share = count.n_reference / total if total else math.nan
                    cells += [count.recall, f"{share:.0%}" if total else "–"]
                rows.append(
                    (group, cls, name, *cells, result.file_spearman[cls], result.spearman[cls])
                )
    if not rows:
        return None
    header = ["condition", "class", "system"]
    for band, _, _ in VELOCITY_BANDS:
        header += [f"R {band}", "share"]
    header += ["Spearman per file", "pooled"]
    return Table(
        "Recall by reference velocity (Groove validation, 4 kits pooled)",
        tuple(header),
        tuple(rows),
        note="Bands of the reference's MIDI velocity (`drumnmf evaluate` with the corpus's "
        "`velocity/*.csv` references); *share* is the band's part of the class's reference "
        "onsets. Spearman: rank correlation of the estimate's strength with the reference "
        "velocity over matched onsets: the median over files of each file's own (files "
        "with at least 5 matched onsets), and pooled over the condition's files.",
    )


def protocol_table(
    results: Results, variants: Sequence[str], *, baseline: str = "default"
) -> Table | None:
    """Micro P / R / F of the calibration protocols per Groove condition (kits pooled)."""
    names = [baseline, *variants]
    by_name = {v.name: v for v in results.variants}
    groups = list(
        dict.fromkeys(
            subset_group(r.item.subset) for r in results.runs if r.item.subset.startswith("groove/")
        )
    )
    rows = []
    for group in groups:
        for name in names:
            runs = results.select(name, (group,))
            if not runs:
                continue
            p, r, f = _prf(score(runs, "adaptive"))
            kit = by_name[name].kit if name in by_name else ""
            rows.append((group, name, kit, len(runs), p, r, f))
    if len({row[1] for row in rows}) < 2:
        return None
    return Table(
        "Calibration protocols (Groove validation, 4 kits pooled)",
        ("condition", "pipeline", "kit", "files", "P", "R", "F"),
        tuple(rows),
        note="`item`: the corpus kit (one medium hit of each piece, hi-hat pieces pooled "
        "into one drum, toms into one); `paper3`: one medium hit each of kick, snare and "
        "closed hi-hat (the paper's protocol); `full`: one medium hit of every piece the kit "
        "plays, each piece its own drum; `velocities`: the same pieces, each recorded at "
        "velocities 30, 60, 90 and 120 and averaged. All with `TranscribeConfig()`.",
    )
