"""Families of related kit pieces, which compete for a hit instead of sharing it.

A closed, an open and a pedal hi-hat answer the same sound, and so do a snare and its
rimshot, the toms, or a crash and a ride: with one row per piece, one hit fires in several
rows. With families on (``TranscribeConfig(families=True)``), the templates of a family's
pieces are one detector: onsets are picked on their summed activation, and each onset is
then named by the *articulation* whose templates explain most of it. The onset is reported
under the family's drum (the first of the family's names that the kit has: ``hihat``,
``snare``, ``tom``, ``crash``...), with the articulation beside it (JSON, CSV).

A template's articulation is its drum's name, or, when the drum holds several templates,
the name of a family member its source names (``"GMRockKit: open_hihat hit"`` -> open
hi-hat), so a kit whose ``hihat`` holds closed, open and pedal templates names them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.kit import Kit

__all__ = ["FAMILIES", "Family", "articulations_at", "family_of", "kit_families"]

# Family -> members, the first present in a kit names the family's output drum.
FAMILIES: dict[str, tuple[str, ...]] = {
    "kick": ("kick",),
    "snare": ("snare", "rimshot", "side_stick", "electric_snare"),
    "hihat": ("hihat", "open_hihat", "pedal_hihat"),
    "tom": (
        "tom",
        "mid_tom",
        "high_tom",
        "low_tom",
        "floor_tom",
        "high_floor_tom",
        "low_floor_tom",
    ),
    "cymbal": ("crash", "cymbal", "crash2", "ride", "ride_bell", "china", "splash"),
}
# An articulation is judged on its activation summed from a frame before a peak to 8 after
# (about 100 ms): an open hi-hat's attack resembles a closed one; its ring does not.
NEAR_FRAMES = (1, 8)


def family_of(drum: str) -> str | None:
    """The family a drum name belongs to, None for a drum of no family (e.g. cowbell)."""
    for family, members in FAMILIES.items():
        if drum in members:
            return family
    return None


@dataclass(frozen=True)
class Family:
    """Drums of one kit that compete for a hit.

    Attributes
    ----------
    drum : int
        Index (in the kit) of the drum its onsets are reported under.
    members : tuple of int
        Indices of its drums, in kit order (``drum`` among them).
    templates : tuple of int
        Columns of the kit's templates owned by its members.
    articulations : tuple of str
        Articulation of each of ``templates``.
    """

    drum: int
    members: tuple[int, ...]
    templates: tuple[int, ...]
    articulations: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Distinct articulations, in template order."""
        return tuple(dict.fromkeys(self.articulations))


def _articulation(kit: Kit, column: int) -> str:
    drum = kit.names[kit.template_drums[column]]
    if kit.template_drums.count(kit.template_drums[column]) < 2:
        return drum
    family = family_of(drum)
    source = kit.sources[column] if len(kit.sources) == len(kit.template_drums) else ""
    words = re.findall(r"[a-z0-9_]+", source.lower())
    for word in words:
        if family is not None and word in FAMILIES[family]:
            return word
    return drum


def kit_families(kit: Kit, *, enabled: bool = True) -> tuple[Family, ...]:
    """Group a kit's drums into families (every drum alone when ``enabled`` is False).

    Parameters
    ----------
    kit : Kit
    enabled : bool
        False gives one family per drum: no competition between drums, articulations
        still named within a drum's templates.

    Returns
    -------
    tuple of Family
        In the kit order of their output drums; every drum in exactly one.
    """
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(kit.names):
        family = family_of(name) if enabled else None
        groups.setdefault(family or f"drum:{name}", []).append(i)
    out = []
    for key, members in groups.items():
        order = FAMILIES.get(key, ())
        named = [m for m in members if kit.names[m] in order]
        drum = min(named, key=lambda m: order.index(kit.names[m])) if named else members[0]
        columns = tuple(j for j, d in enumerate(kit.template_drums) if d in members)
        out.append(
            Family(
                drum=drum,
                members=tuple(members),
                templates=columns,
                articulations=tuple(_articulation(kit, j) for j in columns),
            )
        )
    return tuple(sorted(out, key=lambda f: f.drum))


def articulations_at(
    family: Family,
    template_activations: np.ndarray,
    frames: np.ndarray,
    weights: np.ndarray | None = None,
) -> tuple[str, ...]:
    """Name each onset of a family by the articulation that explains most of it.

    Parameters
    ----------
    family : Family
    template_activations : np.ndarray [shape=(n_templates, n_frames)]
        Activations of every template of the kit (``H_D``).
    frames : np.ndarray [shape=(n,), dtype=int]
        Peak frames of the family's onsets.
    weights : np.ndarray [shape=(n_templates,)], optional
        Energy of each template (the sum of its column), so that articulations are
        compared by the energy they explain; 1 each when None.

    Returns
    -------
    tuple of str [length n]
        The articulation whose templates explain the most energy (activation times
        weight) summed over ``NEAR_FRAMES`` around the peak.
    """
    H = np.asarray(template_activations, dtype=np.float64)
    if H.ndim != 2:
        raise DrumnmfError(f"template activations must be 2-D, got shape {H.shape}")
    names = family.names
    if len(names) == 1:
        return tuple(names * len(frames))
    w = np.ones(H.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    rows = np.zeros((len(names), H.shape[1]))
    for column, name in zip(family.templates, family.articulations, strict=True):
        rows[names.index(name)] += w[column] * H[column]
    out = []
    before, after = NEAR_FRAMES
    for f in np.asarray(frames, dtype=np.int64):
        lo, hi = max(0, int(f) - before), int(f) + after + 1
        out.append(names[int(np.argmax(rows[:, lo:hi].sum(axis=1)))])
    return tuple(out)
