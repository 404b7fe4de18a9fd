"""The vocabulary of the annotation readers: canonical drums, label maps, class reductions.

:class:`Annotations` is what every reader returns; the label maps say which dataset label
is which canonical drum (the table in :mod:`drumnmf.io.annotations`); :func:`reduce_classes`
pools canonical drums into 3 or 5 classes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeVar, overload

import numpy as np

from drumnmf.errors import DrumnmfError

Unknown = Literal["error", "drop", "other", "keep"]
PathLike = str | os.PathLike[str]

#: Canonical drum names, in the order tables list them.
CANONICAL_DRUMS: tuple[str, ...] = (
    "kick",
    "snare",
    "rimshot",
    "side_stick",
    "hihat",
    "open_hihat",
    "pedal_hihat",
    "tom",
    "high_tom",
    "mid_tom",
    "low_tom",
    "floor_tom",
    "cymbal",
    "crash",
    "china",
    "splash",
    "ride",
    "ride_bell",
    "clap",
    "cowbell",
    "tambourine",
    "other",
)

_THREE = {
    "kick": "kick",
    "snare": "snare",
    "rimshot": "snare",
    "side_stick": "snare",
    "hihat": "hihat",
    "open_hihat": "hihat",
    "pedal_hihat": "hihat",
}
_FIVE = {
    **_THREE,
    **dict.fromkeys(("tom", "high_tom", "mid_tom", "low_tom", "floor_tom"), "tom"),
    **dict.fromkeys(("cymbal", "crash", "china", "splash", "ride", "ride_bell"), "cymbal"),
}
#: Class names of each reduction, in table order.
CLASSES: Mapping[int, tuple[str, ...]] = MappingProxyType(
    {3: ("kick", "snare", "hihat"), 5: ("kick", "snare", "hihat", "tom", "cymbal")}
)
_REDUCTIONS: Mapping[int, Mapping[str, str]] = MappingProxyType({3: _THREE, 5: _FIVE})


K = TypeVar("K", str, int)


def _inverse(groups: Mapping[str, Iterable[K]]) -> dict[K, str]:
    """Invert ``{drum: [labels]}`` into ``{label: drum}``."""
    return {label: drum for drum, labels in groups.items() for label in labels}


#: ENST-Drums labels -> canonical names.
ENST_LABELS: Mapping[str, str] = MappingProxyType(
    _inverse(
        {
            "kick": ["bd"],
            "snare": ["sd", "sd-"],
            "rimshot": ["rs"],
            "side_stick": ["cs"],
            "hihat": ["chh"],
            "open_hihat": ["ohh"],
            "high_tom": ["ht"],
            "mid_tom": ["mt", "mtr", "lmt"],
            "low_tom": ["lt", "ltr"],
            "floor_tom": ["lft"],
            "crash": ["cr", "cr1", "cr2", "cr5", "c", "c1", "c4"],
            "china": ["ch", "ch1", "ch5"],
            "splash": ["spl", "spl2"],
            "ride": ["rc", "rc1", "rc2", "rc3", "rc4"],
            "cowbell": ["cb"],
            "other": ["sticks", "sweep"],
        }
    )
)

#: MDB Drums class and subclass labels -> canonical names.
MDB_LABELS: Mapping[str, str] = MappingProxyType(
    _inverse(
        {
            "kick": ["KD"],
            "snare": ["SD", "SDB", "SDD", "SDF", "SDG", "SDNS"],
            "side_stick": ["SST"],
            "hihat": ["HH", "CHH"],
            "open_hihat": ["OHH"],
            "pedal_hihat": ["PHH"],
            "tom": ["TT"],
            "high_tom": ["HIT"],
            "mid_tom": ["MHT"],
            "floor_tom": ["HFT", "LFT"],
            "cymbal": ["CY"],
            "crash": ["CRC"],
            "china": ["CHC"],
            "splash": ["SPC"],
            "ride": ["RDC"],
            "ride_bell": ["RDB"],
            "tambourine": ["TMB"],
            "other": ["OT"],
        }
    )
)

#: IDMT-SMT-Drums instrument labels -> canonical names.
IDMT_LABELS: Mapping[str, str] = MappingProxyType({"KD": "kick", "SD": "snare", "HH": "hihat"})

#: General MIDI percussion notes (with the Groove MIDI Dataset's TD-11 overrides) -> names.
GM_DRUM_NOTES: Mapping[int, str] = MappingProxyType(
    {
        **_inverse(
            {
                "kick": [35, 36],
                "side_stick": [37],
                "snare": [38, 40],
                "clap": [39],
                "hihat": [22, 42],
                "open_hihat": [26, 46],
                "pedal_hihat": [44],
                "high_tom": [48, 50],
                "mid_tom": [45, 47],
                "floor_tom": [41, 43, 58],
                "crash": [49, 52, 55, 57],
                "ride": [51, 59],
                "ride_bell": [53],
                "tambourine": [54],
                "cowbell": [56],
            }
        ),
        **dict.fromkeys(range(60, 82), "other"),
    }
)

_AMBIGUOUS = {"c", "ch"}  # ENST's crash and china; too easily read as something else
#: Labels of the generic readers (text, csv, json) -> canonical names; keys are normalized
#: (lower case, runs of space and '-' as '_', no leading or trailing '_').
GENERIC_LABELS: Mapping[str, str] = MappingProxyType(
    {
        **{k.lower().strip("-"): v for k, v in ENST_LABELS.items() if k not in _AMBIGUOUS},
        **{k.lower(): v for k, v in MDB_LABELS.items()},
        **{k.lower(): v for k, v in IDMT_LABELS.items()},
        **_inverse(
            {
                "kick": ["bass", "bass_drum", "bassdrum", "kick_drum", "kickdrum"],
                "snare": ["snare_drum", "snaredrum", "acoustic_snare", "electric_snare"],
                "rimshot": ["rim_shot", "rim"],
                "side_stick": ["cross_stick", "crossstick", "x_stick", "xstick", "sidestick"],
                "hihat": ["hi_hat", "hat", "closed_hihat", "closed_hi_hat", "hihat_closed"],
                "open_hihat": ["open_hi_hat", "hihat_open", "openhat"],
                "pedal_hihat": ["pedal_hi_hat", "hihat_pedal", "foot_hihat"],
                "tom": ["toms", "tom_tom"],
                "floor_tom": ["ft", "low_floor_tom", "high_floor_tom"],
                "cymbal": ["cymbals"],
                "crash": ["crash_cymbal", "crash2"],
                "china": ["china_cymbal", "chinese_cymbal"],
                "splash": ["splash_cymbal"],
                "ride": ["rd", "ride_cymbal", "ride2"],
                "ride_bell": ["bell"],
                "clap": ["hand_clap", "handclap"],
            }
        ),
        **{name: name for name in CANONICAL_DRUMS},
    }
)

#: Formats understood by :func:`load_annotations`.
FORMATS: tuple[str, ...] = ("enst", "mdb", "idmt", "svl", "midi", "text", "csv", "json")


@dataclass(frozen=True, eq=False)  # arrays: compare the fields, not the objects
class Annotations:
    """Onsets of one recording, per canonical drum name.

    Attributes
    ----------
    onsets : dict str -> np.ndarray [shape=(n,), float64]
        Onset times in seconds, sorted, per drum.
    strengths : dict str -> np.ndarray [shape=(n,), float64] or None
        Strength of each onset, aligned with ``onsets`` (MIDI velocity 1-127, drumnmf's
        activation height); ``None`` when the format has none.
    labels : dict str -> tuple of str
        The original labels (or MIDI notes, as text) read as each drum, sorted.
    """

    onsets: dict[str, np.ndarray]
    strengths: dict[str, np.ndarray] | None = None
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def drums(self) -> tuple[str, ...]:
        """Drum names, canonical ones in table order, then others alphabetically."""
        return order_drums(self.onsets)

    @property
    def n_onsets(self) -> dict[str, int]:
        """Number of onsets per drum."""
        return {drum: int(times.size) for drum, times in self.onsets.items()}


def order_drums(names: Iterable[str]) -> tuple[str, ...]:
    """Sort drum names: canonical names in :data:`CANONICAL_DRUMS` order, then the rest."""
    rank = {name: i for i, name in enumerate(CANONICAL_DRUMS)}
    return tuple(sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n)))


# ----------------------------------------------------------------------------- reductions


@overload
def reduce_classes(
    onsets: Annotations, classes: int = 3, *, merge_window: float | None = 0.0
) -> Annotations: ...


@overload
def reduce_classes(
    onsets: Mapping[str, np.ndarray], classes: int = 3, *, merge_window: float | None = 0.0
) -> dict[str, np.ndarray]: ...


def reduce_classes(
    onsets: Annotations | Mapping[str, np.ndarray],
    classes: int = 3,
    *,
    merge_window: float | None = 0.0,
) -> Annotations | dict[str, np.ndarray]:
    """Pool canonical drums into the 3-class or 5-class vocabulary (the label map table).

    3 classes: kick; snare (with rimshot, side stick); hihat (closed, open, pedal).
    5 classes add tom (every tom) and cymbal (crash, china, splash, ride, ride bell,
    cymbal). Other drums (clap, cowbell, tambourine, other) are dropped.

    Parameters
    ----------
    onsets : Annotations or mapping str -> np.ndarray
        Onset times in seconds per canonical drum name.
    classes : {3, 5}
        The vocabulary.
    merge_window : float >= 0 or None
        Onsets of one class closer than this (seconds) to the previous kept one become one
        onset at the earlier time with the larger strength; 0 merges only identical times
        (an open and a closed hi-hat annotated at one instant), ``None`` keeps all.

    Returns
    -------
    Annotations or dict str -> np.ndarray
        The same kind as ``onsets``, with every class of the vocabulary as a key (empty
        arrays for classes without onsets). The input is not modified.

    Raises
    ------
    DrumnmfError
        If a drum name is not canonical: its class would be a guess.

    Examples
    --------
    >>> import numpy as np
    >>> r = reduce_classes({"open_hihat": np.array([1.0]), "hihat": np.array([0.5, 1.0])})
    >>> r["hihat"], r["snare"]
    (array([0.5, 1. ]), array([], dtype=float64))
    """
    if classes not in _REDUCTIONS:
        raise DrumnmfError(f"classes={classes!r} must be 3 or 5 (or no reduction at all)")
    if merge_window is not None and not (
        isinstance(merge_window, (int, float)) and math.isfinite(merge_window) and merge_window >= 0
    ):
        raise DrumnmfError(f"merge_window={merge_window!r} must be seconds >= 0, or None")
    table = _REDUCTIONS[classes]
    is_annotations = isinstance(onsets, Annotations)
    times_in = onsets.onsets if isinstance(onsets, Annotations) else onsets
    strengths_in = onsets.strengths if isinstance(onsets, Annotations) else None
    odd = [name for name in times_in if name not in CANONICAL_DRUMS]
    if odd:
        raise DrumnmfError(
            f"drum name(s) {odd} are not canonical ({', '.join(CANONICAL_DRUMS)}), so their "
            "class is unknown; rename them (label_map when reading) or skip the reduction"
        )
    out_t: dict[str, np.ndarray] = {}
    out_s: dict[str, np.ndarray] = {}
    out_labels: dict[str, tuple[str, ...]] = {}
    for cls in CLASSES[classes]:
        members = [name for name in times_in if table.get(name) == cls]
        t = np.concatenate(
            [np.asarray(times_in[m], dtype=np.float64).ravel() for m in members] + [np.empty(0)]
        )
        if strengths_in is not None:
            s = np.concatenate(
                [np.asarray(strengths_in[m], dtype=np.float64).ravel() for m in members]
                + [np.empty(0)]
            )
        else:
            s = np.full(t.shape, np.nan)
        order = np.argsort(t, kind="stable")
        t, s = t[order], s[order]
        if merge_window is not None and t.size > 1:
            t, s = _merge(t, s, float(merge_window))
        out_t[cls], out_s[cls] = t, s
        if isinstance(onsets, Annotations):
            out_labels[cls] = tuple(
                sorted({label for m in members for label in onsets.labels.get(m, ())})
            )
    if not is_annotations:
        return out_t
    return Annotations(
        onsets=out_t, strengths=out_s if strengths_in is not None else None, labels=out_labels
    )


def _merge(
    times: np.ndarray, strengths: np.ndarray, window: float
) -> tuple[np.ndarray, np.ndarray]:
    """Merge sorted onsets closer than ``window`` to the previous kept one (max strength)."""
    keep_t, keep_s = [times[0]], [strengths[0]]
    for t, s in zip(times[1:], strengths[1:], strict=True):
        if t - keep_t[-1] <= window:
            keep_s[-1] = np.fmax(keep_s[-1], s)
        else:
            keep_t.append(t)
            keep_s.append(s)
    return np.asarray(keep_t, dtype=np.float64), np.asarray(keep_s, dtype=np.float64)
