"""Named pipeline configurations: the rows of a comparison.

A :class:`Variant` is a :class:`~drumnmf.pipeline.TranscribeConfig` with a name, the kit it
runs with and the subsets it applies to. :func:`paper_variants` are the paper's two
solvers, :func:`accuracy_variants` the rows of ``docs/accuracy.md`` and :data:`ABLATIONS`
its ablation table; :func:`parse_variant` reads one from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.experiments.datasets import matches_subset
from drumnmf.pipeline import DB_PICKER_FIELDS, TranscribeConfig

__all__ = [
    "ABLATIONS",
    "KIT_SOURCES",
    "Variant",
    "accuracy_variants",
    "describe_config",
    "paper_variants",
    "parse_variant",
    "protocol_variants",
]

#: Where a variant's kit comes from: the item's calibrated kit, the built-in default kit,
#: or one of the corpus's calibration protocols (:mod:`drumnmf.evaluation.protocols`).
KIT_SOURCES: tuple[str, ...] = ("item", "default", "paper3", "full", "velocities")


@dataclass(frozen=True)
class Variant:
    """A named pipeline configuration, one row of a comparison.

    Attributes
    ----------
    name : str
        Row label, unique within an experiment.
    config : TranscribeConfig
        The pipeline options (its ``picker`` says which picker is the variant's own; both
        are scored).
    kit : {"item", "default", "paper3", "full", "velocities"}
        Transcribe with the item's calibrated kit, with :func:`drumnmf.kit.default_kit`
        (no calibration at all), or with the kit of one calibration protocol of the
        item's sample kit (:func:`drumnmf.evaluation.protocols.protocol_kit_path`; Groove
        items of a corpus built with the protocols).
    subsets : tuple of str
        Subsets the variant runs on, as glob patterns or prefixes
        (``"groove/*/*/drums"``); empty for every subset.
    description : str
        One line for the report.
    """

    name: str
    config: TranscribeConfig
    kit: str = "item"
    subsets: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise DrumnmfError("a variant needs a name, e.g. Variant('rank 10', config)")
        if self.kit not in KIT_SOURCES:
            raise DrumnmfError(
                f"variant {self.name!r}: kit={self.kit!r} must be one of {KIT_SOURCES}"
            )
        if not isinstance(self.config, TranscribeConfig):
            raise DrumnmfError(f"variant {self.name!r}: config must be a TranscribeConfig")
        if isinstance(self.subsets, str):
            raise DrumnmfError(f"variant {self.name!r}: subsets must be a tuple of patterns")

    def applies_to(self, subset: str) -> bool:
        """Whether the variant runs on ``subset``."""
        return not self.subsets or any(matches_subset(subset, p) for p in self.subsets)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "name": self.name,
            "config": self.config.to_dict(),
            "kit": self.kit,
            "subsets": list(self.subsets),
            "description": self.description or describe_config(self.config),
        }


def describe_config(config: TranscribeConfig) -> str:
    """A short human-readable summary of a configuration (``NeNMF 10 x 10, r_h 50, ...``)."""
    from drumnmf.factorization import DEFAULT_MAX_ITER

    iterations = config.max_iter or DEFAULT_MAX_ITER[config.solver]
    if config.solver == "nenmf":
        solver = f"NeNMF {iterations} x {config.inner_iter}"
    else:
        solver = f"MUR {iterations} sweeps"
    parts = [solver, f"r_h {config.harmonic_rank}", f"{config.picker} picker"]
    if config.picker in ("adaptive", "paper", "db", "learned"):
        parts.append(f"window {config.threshold_window:g} s")
    if config.offsets:
        parts.append("offsets " + ", ".join(f"{d} {v:g}" for d, v in config.offsets))
    parts += [f"{config.onset_timing} timing", f"min interval {config.min_interval:g} s"]
    if config.seed:
        parts.append(f"seed {config.seed}")
    # Every other option by name, so that a new pipeline option shows up in the reports.
    shown = {"solver", "max_iter", "inner_iter", "harmonic_rank", "picker", "threshold_window",
             "offsets", "onset_timing", "min_interval", "seed"}  # fmt: skip
    if config.picker == "learned":  # it reads none of the dB picker's gates
        shown |= set(DB_PICKER_FIELDS)
    parts += [
        f"{f.name}={getattr(config, f.name)!r}" for f in fields(config) if f.name not in shown
    ]
    return ", ".join(parts)


def paper_variants() -> tuple[Variant, Variant]:
    """The paper's two solvers: MUR (100 sweeps) and NeNMF (10 x 10), otherwise identical.

    Both start from :meth:`TranscribeConfig.paper` (rank 50, adaptive threshold, onsets at
    the activation peak) and the same seed, hence the same random start.
    """
    nenmf = TranscribeConfig.paper()
    mur = replace(nenmf, solver="mur", max_iter=100)
    return (
        Variant("MUR", mur, description="paper: " + describe_config(mur)),
        Variant("NeNMF", nenmf, description="paper: " + describe_config(nenmf)),
    )


def accuracy_variants() -> tuple[Variant, ...]:
    """The rows of ``docs/accuracy.md``: the paper's protocol, the default pipeline (the
    learned picker), the built-in kit, and the dB picker (the previous default; on the
    validation split, as the ablations run on the train split, which the learned picker
    was fitted on).

    ``TranscribeConfig()`` is read when this is called, so the report always shows the
    default of the code that made it.
    """
    mur, nenmf = paper_variants()
    default = TranscribeConfig()
    db = replace(default, picker="db")
    return (
        replace(mur, name="paper MUR"),
        replace(nenmf, name="paper NeNMF"),
        Variant("default", default, description="TranscribeConfig(): " + describe_config(default)),
        Variant(
            "default kit",
            default,
            kit="default",
            subsets=("groove/*/*/drums",),
            description="TranscribeConfig() with the built-in kit, no calibration "
            "(rendered kits, drums only)",
        ),
        Variant(
            "dB picker",
            db,
            description='TranscribeConfig(picker="db"): the previous default, thresholds in dB '
            "with the silence and cross-talk gates, in place of the learned picker",
        ),
    )


def protocol_variants() -> tuple[Variant, ...]:
    """``TranscribeConfig()`` with each calibration protocol's kit, on the Groove subsets.

    See :mod:`drumnmf.evaluation.protocols`: ``paper3`` (kick, snare, closed hi-hat),
    ``full`` (every piece, one medium hit), ``velocities`` (every piece, 4 velocities).
    """
    default = TranscribeConfig()
    descriptions = {
        "paper3": "one medium hit each of kick, snare and closed hi-hat (the paper's protocol)",
        "full": "one medium hit of every piece the sample kit plays, each its own drum",
        "velocities": "every piece recorded at velocities 30, 60, 90 and 120, averaged",
    }
    return tuple(
        Variant(
            f"protocol {name}",
            default,
            kit=name,
            subsets=("groove/*",),
            description=f"TranscribeConfig() calibrated on {text}",
        )
        for name, text in descriptions.items()
    )


def _ablation(name: str, **changes: Any) -> Variant:
    config = replace(TranscribeConfig(picker="db"), **changes)
    return Variant(name, config, description=describe_config(config))


#: Named variants compared in the ablation table of ``docs/accuracy.md`` (tuning: run on
#: the train split). The rows change one option of the dB picker's pipeline (the learned
#: picker was fitted on the train split, so its row there is in-sample). Add rows here, or
#: pass ``--variant`` to ``drumnmf experiment accuracy``.
ABLATIONS: tuple[Variant, ...] = (
    Variant(
        "default (learned picker; in-sample)",
        TranscribeConfig(),
        description="TranscribeConfig(), fitted on this split: "
        + describe_config(TranscribeConfig()),
    ),
    _ablation("dB picker"),
    Variant(
        "paper NeNMF",
        TranscribeConfig.paper(),
        description="TranscribeConfig.paper(): " + describe_config(TranscribeConfig.paper()),
    ),
    _ablation("linear bins (no filterbank)", bands_per_octave=0),
    _ablation("no percussive mask", percussive_frames=0),
    _ablation("no cross-talk gate", crosstalk_ratio=0.0),
    _ablation("band-share gate 0.3", min_band_share=0.3),
    _ablation("peak timing", onset_timing="peak"),
    _ablation("MUR 100", solver="mur", max_iter=100),
    _ablation("NeNMF 20 x 10", max_iter=20),
    _ablation("NeNMF 10 x 3", inner_iter=3),
    _ablation("r_h 0", harmonic_rank=0),
    _ablation("r_h 20", harmonic_rank=20),
    _ablation("r_h 50", harmonic_rank=50),
    _ablation("threshold window 0.2 s", threshold_window=0.2),
    _ablation("top-k picker (oracle)", picker="topk"),
    _ablation("paper picker", picker="paper"),
    _ablation("no families", families=False),
    _ablation("no rise gate", rise_ratio=0.0),
    _ablation("no kit floor", floor_db=0.0),
    _ablation("kit floor 20 dB", floor_db=20.0),
    _ablation("floor at the calibration level only", floor_follow_db=0.0),
    _ablation("no cross-talk model", leak_margin=0.0),
    _ablation(
        "previous default (paper picker, no gates)",
        picker="paper",
        families=False,
        rise_ratio=0.0,
        floor_db=0.0,
        leak_margin=0.0,
    ),
)


def _convert(name: str, text: str) -> Any:
    """A TranscribeConfig field value from its text form (by the field's annotation)."""
    kind = str(next(f.type for f in fields(TranscribeConfig) if f.name == name))
    if name == "offsets":
        pairs = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            drum, sep, value = part.partition(":")
            if not sep:
                raise DrumnmfError(
                    f"offsets entry {part!r} must be DRUM:VALUE (e.g. offsets=kick:0.2;snare:0.1)"
                )
            pairs.append((drum.strip(), float(value)))
        return tuple(pairs)
    if "None" in kind and text.lower() in ("none", "default"):
        return None
    if kind.startswith("int"):
        return int(text)
    if kind.startswith("float"):
        return float(text)
    if kind == "bool":
        if text.lower() not in ("true", "false", "on", "off", "1", "0"):
            raise DrumnmfError(f"{name}={text!r}: give true or false")
        return text.lower() in ("true", "on", "1")
    return text


def parse_variant(text: str) -> Variant:
    """Read a variant from its command-line form ``NAME: key=value, key=value``.

    Keys are :class:`TranscribeConfig` fields (``solver``, ``harmonic_rank``, ``max_iter``,
    ``bands_per_octave``, ... and ``offsets`` as ``kick:0.2;snare:0.1``) plus ``base``
    (``default`` or ``paper``: the configuration changed), ``kit`` (``item`` or
    ``default``) and ``subsets`` (patterns separated by ``;``).

    Examples
    --------
    >>> v = parse_variant("rank 10: harmonic_rank=10, onset_timing=peak")
    >>> v.name, v.config.harmonic_rank, v.config.onset_timing
    ('rank 10', 10, 'peak')
    """
    name, sep, spec = text.partition(":")
    name = name.strip()
    if not sep or not name:
        raise DrumnmfError(
            f"variant {text!r} must read 'NAME: key=value, ...' (e.g. 'rank 10: harmonic_rank=10')"
        )
    known = {f.name for f in fields(TranscribeConfig)}
    changes: dict[str, Any] = {}
    base, kit = "default", "item"
    subsets: tuple[str, ...] = ()
    for assignment in filter(None, (a.strip() for a in spec.split(","))):
        key, eq, value = assignment.partition("=")
        key, value = key.strip(), value.strip()
        if not eq:
            raise DrumnmfError(f"variant {name!r}: {assignment!r} is not key=value")
        if key == "base":
            if value not in ("default", "paper"):
                raise DrumnmfError(f"variant {name!r}: base={value!r} must be default or paper")
            base = value
        elif key == "kit":
            kit = value
        elif key == "subsets":
            subsets = tuple(p.strip() for p in value.split(";") if p.strip())
        elif key in known:
            try:
                changes[key] = _convert(key, value)
            except DrumnmfError:
                raise
            except ValueError:
                raise DrumnmfError(
                    f"variant {name!r}: {key}={value!r} is not a valid value"
                ) from None
        else:
            raise DrumnmfError(
                f"variant {name!r}: unknown key {key!r}; use base, kit, subsets or one of "
                f"{', '.join(sorted(known))}"
            )
    start = TranscribeConfig.paper() if base == "paper" else TranscribeConfig()
    config = replace(start, **changes)
    return Variant(name, config, kit=kit, subsets=subsets, description=describe_config(config))
