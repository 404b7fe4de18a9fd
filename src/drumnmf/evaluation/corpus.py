"""The development corpus: rendered Groove MIDI performances and MDB Drums tracks, one manifest.

:func:`build_corpus` (``drumnmf corpus build --out DIR``) makes it from ``../shared/data``
and Debian's Hydrogen kits; :func:`load_manifest` reads it back for evaluation and
experiments. Nothing it makes belongs in the repository (``/corpus/`` is git-ignored).

Subsets
-------
``groove/<split>/<Kit>/drums``
    Groove MIDI Dataset "beat" performances (``train`` / ``validation``; the first
    ``max_seconds`` of each) rendered with the Hydrogen kit ``<Kit>``, drums only.
``groove/<split>/<Kit>/acc0db``, ``.../acc-6db``
    The same, mixed with a real MDB Drums accompaniment (assigned in turn, looped) at a
    drum-to-accompaniment RMS ratio of 0 dB and -6 dB.
``mdb/drums``, ``mdb/acc``, ``mdb/mix``
    The MDB Drums development tracks: the drum-only recording, the drums plus the sum of
    the other raw stems at their recorded balance (``accompaniment / 0.25``), and the
    official full mixes where present.

Each item has reference onsets (``time<TAB>drum``, canonical drum names of
:mod:`drumnmf.io.annotations`) and a kit. Groove items use the kit calibrated on one medium
hit of each drum of the same Hydrogen kit
(:func:`drumnmf.evaluation.render.calibrated_kit`; the hits
are saved as WAV files beside it). MDB items use templates cut from annotated isolated hits
of the same drum-only recording (:func:`drumnmf.kit.calibrate_from_annotations`), which is
optimistic: these items are marked ``leaky``.

Manifest (``manifest.json``, ``"format": "drumnmf-corpus"``)::

    {"format": "drumnmf-corpus", "version": 1, "config": {...}, "sources": {...},
     "items": [{"id": "groove/validation/GMRockKit/acc0db/drummer1_session1_2_funk_80_beat_4-4",
                "subset": "groove/validation/GMRockKit/acc0db", "audio": "groove/...flac",
                "reference": "groove/...txt", "kit": "kits/GMRockKit/kit.json",
                "split": "validation", "leaky": false, "source": "groove",
                "kit_name": "GMRockKit", "accompaniment": "MusicDelta_Rock",
                "ratio_db": 0.0, "duration": 30.0}, ...]}

Every path is relative to the corpus folder (the MDB recordings read in place from the
shared folder through ``..`` steps), and ``config`` records the sha256 of the material read
(``input_digest``) rather than where it was or how long the build took, so two builds of
the same material give byte-identical manifests.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drumnmf.errors import DrumnmfError

if TYPE_CHECKING:
    pass

__all__ = [
    "CORPUS_KITS",
    "DEALING_SPLITS",
    "DEBIAN_PACKAGES",
    "HYDROGEN_DRUMKITS",
    "CorpusItem",
    "Manifest",
    "accompaniment_index",
    "add_protocols",
    "build_corpus",
    "default_shared_dir",
    "input_digest",
    "install_command",
    "load_manifest",
    "missing_dependencies",
]

MANIFEST_FORMAT = "drumnmf-corpus"
MANIFEST_VERSION = 1
HYDROGEN_DRUMKITS: Path = Path("/usr/share/hydrogen/data/drumkits")
# The Hydrogen kits the corpus is rendered with (GPL / CC BY-SA: used here, never shipped).
CORPUS_KITS: tuple[str, ...] = (
    "GMRockKit",
    "BJA_Pacific",
    "Millo_MultiLayered3",
    "ColomboAcousticDrumkit",
)
DEBIAN_PACKAGES: tuple[str, ...] = (
    "hydrogen-drumkits",
    "hydrogen-data",
    "fluidsynth",
    "fluid-soundfont-gm",
    "sonic-pi-samples",
)
MDB_ACCOMPANIMENT_GAIN = 0.25  # the shared ACCOMP files are the stems' sum times this
MDB_TEMPLATE_DRUMS = ("kick", "snare", "hihat", "tom", "cymbal")


@dataclass(frozen=True)
class CorpusItem:
    """One recording of the corpus.

    Attributes
    ----------
    id : str
        Unique name, ``<subset>/<recording>``.
    subset : str
        E.g. ``groove/validation/GMRockKit/acc-6db`` or ``mdb/mix``.
    audio, reference : Path
        Audio file and its ``time<TAB>drum`` reference onsets (absolute paths).
    kit : Path or None
        The kit file to transcribe it with.
    split : str
        ``train``, ``validation`` (Groove MIDI) or ``dev`` (MDB Drums).
    leaky : bool
        The kit was cut from this very recording (optimistic results).
    source : str
        ``groove`` or ``mdb``.
    kit_name : str
        The sample kit (Groove) or track (MDB) the kit belongs to.
    accompaniment : str or None
        Name of the accompaniment mixed in, if any.
    ratio_db : float or None
        Drum-to-accompaniment RMS ratio, dB (measured for MDB).
    duration : float
        Seconds.
    """

    id: str
    subset: str
    audio: Path
    reference: Path
    kit: Path | None
    split: str
    leaky: bool
    source: str
    kit_name: str = ""
    accompaniment: str | None = None
    ratio_db: float | None = None
    duration: float = 0.0

    def to_dict(self, root: Path) -> dict[str, Any]:
        """JSON-ready, with paths relative to ``root`` when inside it."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = _relative(value, root) if isinstance(value, Path) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], root: Path) -> CorpusItem:
        """Inverse of :meth:`to_dict`."""
        kit = data.get("kit")
        return cls(
            id=str(data["id"]),
            subset=str(data["subset"]),
            audio=_absolute(str(data["audio"]), root),
            reference=_absolute(str(data["reference"]), root),
            kit=_absolute(str(kit), root) if kit else None,
            split=str(data["split"]),
            leaky=bool(data["leaky"]),
            source=str(data.get("source", "")),
            kit_name=str(data.get("kit_name", "")),
            accompaniment=data.get("accompaniment"),
            ratio_db=None if data.get("ratio_db") is None else float(data["ratio_db"]),
            duration=float(data.get("duration", 0.0)),
        )


@dataclass(frozen=True)
class Manifest:
    """A corpus: its items and how it was built.

    Attributes
    ----------
    items : tuple of CorpusItem
    root : Path
        The corpus folder.
    config : dict
        The options it was built with.
    sources : dict
        Where its material came from, with licences.
    """

    items: tuple[CorpusItem, ...]
    root: Path
    config: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Any] = field(default_factory=dict)

    @property
    def subsets(self) -> tuple[str, ...]:
        """Subset names, in manifest order."""
        return tuple(dict.fromkeys(item.subset for item in self.items))

    def select(self, prefix: str = "", *, leaky: bool | None = None) -> tuple[CorpusItem, ...]:
        """Items whose subset starts with ``prefix`` (``"groove/validation"``, ``"mdb/mix"``).

        ``leaky=False`` keeps only items whose kit was not cut from the recording itself.
        """
        return tuple(
            item
            for item in self.items
            if item.subset.startswith(prefix) and (leaky is None or item.leaky == leaky)
        )


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, with ``..`` steps when outside it (location-free)."""
    return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()


def _absolute(text: str, root: Path) -> Path:
    p = Path(text)
    if p.is_absolute():
        return p
    if ".." in p.parts:  # outside the corpus: resolve the corpus folder (maybe a link) first
        return Path(os.path.normpath(root.resolve() / p))
    return root / p


def load_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Read a corpus manifest (the file, or the corpus folder holding ``manifest.json``).

    Examples
    --------
    >>> corpus = load_manifest("corpus")  # doctest: +SKIP
    >>> items = corpus.select("groove/validation/GMRockKit/acc0db")  # doctest: +SKIP
    """
    p = Path(path)
    if p.is_dir():
        p = p / "manifest.json"
    if not p.is_file():
        raise DrumnmfError(
            f"corpus manifest not found: '{p}'; build the corpus with "
            "'drumnmf corpus build --out DIR'"
        )
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DrumnmfError(f"cannot read manifest '{p}' ({exc}); rebuild the corpus") from exc
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise DrumnmfError(f"'{p}' is not a drumnmf corpus manifest; rebuild the corpus")
    if int(data.get("version", 0)) > MANIFEST_VERSION:
        raise DrumnmfError(f"'{p}' has manifest version {data.get('version')}; upgrade drumnmf")
    root = p.parent
    try:
        items = tuple(CorpusItem.from_dict(item, root) for item in data["items"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DrumnmfError(f"manifest '{p}' is malformed ({exc!r}); rebuild the corpus") from exc
    return Manifest(
        items=items,
        root=root,
        config=dict(data.get("config", {})),
        sources=dict(data.get("sources", {})),
    )


# ----------------------------------------------------------------------------- dependencies


SHARED_MARKERS = ("groove_midi", "mdb_drums")


def default_shared_dir(start: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder: ``shared/data`` in ``start`` or one of its parents.

    The search begins in ``start`` (the working directory by default), so that from a
    repository root it finds ``../shared/data`` whether drumnmf is installed from the
    checkout or into a virtual environment; a folder counts when it holds ``groove_midi/``
    or ``mdb_drums/``. When none does, the source checkout's own ``../shared/data`` is
    returned (it may not exist; :func:`build_corpus` then says to pass ``--shared``).

    Parameters
    ----------
    start : path-like, optional
        Where to begin (default: the working directory).

    Returns
    -------
    Path
    """
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "shared" / "data"
        if any((candidate / marker).is_dir() for marker in SHARED_MARKERS):
            return candidate
    return Path(__file__).resolve().parents[4] / "shared" / "data"


def missing_dependencies(
    *, drumkits: str | os.PathLike[str] = HYDROGEN_DRUMKITS, kits: Sequence[str] = CORPUS_KITS
) -> list[str]:
    """Kits of ``kits`` not found in ``drumkits`` (install them with :func:`install_command`)."""
    folder = Path(drumkits)
    return [k for k in kits if not (folder / k / "drumkit.xml").is_file()]


def install_command() -> list[str]:
    """The command that installs the Debian packages the corpus needs."""
    return ["apt-get", "install", "-y", "--no-install-recommends", *DEBIAN_PACKAGES]


# The builder lives in its own module; its public names are part of this one's API.
_BUILD_NAMES = (
    "DEALING_SPLITS",
    "accompaniment_index",
    "add_protocols",
    "build_corpus",
    "input_digest",
)

if TYPE_CHECKING:
    from drumnmf.evaluation.corpus_build import (
        DEALING_SPLITS,
        accompaniment_index,
        add_protocols,
        build_corpus,
        input_digest,
    )


def __getattr__(name: str) -> Any:
    if name in _BUILD_NAMES:
        from drumnmf.evaluation import corpus_build

        return getattr(corpus_build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
