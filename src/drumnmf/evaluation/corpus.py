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

Paths inside the corpus folder are relative to it; others (the MDB recordings read in
place from the shared folder) are absolute.
"""

from __future__ import annotations

import csv
import json
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.errors import DrumnmfError

if TYPE_CHECKING:
    from drumnmf.kit import Kit

__all__ = [
    "CORPUS_KITS",
    "DEBIAN_PACKAGES",
    "HYDROGEN_DRUMKITS",
    "CorpusItem",
    "Manifest",
    "build_corpus",
    "default_shared_dir",
    "install_command",
    "load_manifest",
    "missing_dependencies",
]

MANIFEST_FORMAT = "drumnmf-corpus"
MANIFEST_VERSION = 1
HYDROGEN_DRUMKITS = Path("/usr/share/hydrogen/data/drumkits")
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
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _absolute(text: str, root: Path) -> Path:
    p = Path(text)
    return p if p.is_absolute() else root / p


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


def default_shared_dir() -> Path:
    """``../shared/data`` beside the repository holding this package (source checkouts)."""
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


# ----------------------------------------------------------------------------- building


ProgressCallback = Callable[[str], Any]


def _groove_performances(
    shared: Path, splits: Sequence[str], max_per_split: int | None
) -> list[dict[str, str]]:
    """The "beat" rows of Groove MIDI's info.csv, by split, evenly spread when limited."""
    info = shared / "groove_midi" / "info.csv"
    if not info.is_file():
        raise DrumnmfError(
            f"Groove MIDI info.csv not found at '{info}'; pass --shared pointing to the "
            "folder holding groove_midi/ and mdb_drums/"
        )
    with info.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("beat_type") == "beat"]
    chosen = []
    for split in splits:
        pool = sorted((r for r in rows if r["split"] == split), key=lambda r: r["midi_filename"])
        if max_per_split is not None and len(pool) > max_per_split:
            picks = np.unique(np.linspace(0, len(pool) - 1, max_per_split).round().astype(int))
            pool = [pool[i] for i in picks]
        chosen += pool
    return chosen


def _performance_name(row: Mapping[str, str]) -> str:
    """``drummer1/session1/2_funk_80_beat_4-4.mid`` -> ``drummer1_session1_2_funk_80_beat_4-4``."""
    return Path(row["midi_filename"]).with_suffix("").as_posix().replace("/", "_")


def _mdb_tracks(shared: Path) -> dict[str, dict[str, Any]]:
    tracks = shared / "mdb_drums" / "tracks.json"
    if not tracks.is_file():
        raise DrumnmfError(
            f"MDB Drums tracks.json not found at '{tracks}'; pass --shared pointing to the "
            "folder holding groove_midi/ and mdb_drums/"
        )
    data = json.loads(tracks.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise DrumnmfError(f"'{tracks}' is malformed; expected a track -> info mapping")
    return dict(sorted(data.items()))


def _write_audio_once(path: Path, samples: np.ndarray, rate: int, *, force: bool) -> None:
    from drumnmf.io.audio import write_audio

    if force or not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_audio(path, samples, rate)


def _build_groove(
    out: Path,
    shared: Path,
    *,
    kits: Sequence[str],
    drumkits: Path,
    splits: Sequence[str],
    max_per_split: int | None,
    max_seconds: float,
    ratios_db: Sequence[float],
    audio_format: str,
    force: bool,
    progress: ProgressCallback,
) -> list[CorpusItem]:
    from drumnmf.evaluation.render import (
        calibrated_kit,
        calibration_hits,
        load_hydrogen_kit,
        mix_at_ratio,
        render_midi,
        write_reference,
    )
    from drumnmf.io.audio import load_audio
    from drumnmf.kit import save_kit

    rows = _groove_performances(shared, splits, max_per_split)
    accompaniment_files = sorted((shared / "mdb_drums" / "audio" / "accompaniment").glob("*.flac"))
    if ratios_db and not accompaniment_files:
        raise DrumnmfError(
            f"no accompaniment (*.flac) in '{shared / 'mdb_drums' / 'audio' / 'accompaniment'}'"
        )
    items: list[CorpusItem] = []
    for kit_name in kits:
        sample_kit = load_hydrogen_kit(drumkits / kit_name)
        rate = sample_kit.sample_rate
        accompaniments = [load_audio(p, sample_rate=rate) for p in accompaniment_files]
        kit_dir = out / "kits" / kit_name
        (kit_dir / "hits").mkdir(parents=True, exist_ok=True)
        hits = calibration_hits(sample_kit)
        for sound, (samples, hit_rate) in hits:
            _write_audio_once(kit_dir / "hits" / f"{sound}.wav", samples, hit_rate, force=force)
        kit_path = kit_dir / "kit.json"
        save_kit(calibrated_kit(sample_kit, hits=hits), kit_path)
        progress(f"kit {kit_name}: {', '.join(s for s, _ in hits)}")
        for number, row in enumerate(rows):
            name = _performance_name(row)
            base = f"groove/{row['split']}/{kit_name}"
            reference = out / base / "reference" / f"{name}.txt"
            drums_path = out / base / "drums" / f"{name}.{audio_format}"
            wanted = [drums_path] + [
                out / base / f"acc{r:g}db" / f"{name}.{audio_format}" for r in ratios_db
            ]
            rendering = None
            if force or not all(p.is_file() for p in [reference, *wanted]):
                midi = shared / "groove_midi" / row["midi_filename"]
                rendering = render_midi(midi, sample_kit, max_seconds=max_seconds)
                reference.parent.mkdir(parents=True, exist_ok=True)
                write_reference(reference, rendering.onsets)
                _write_audio_once(drums_path, rendering.audio, rate, force=True)
                drums, duration = rendering.audio, rendering.duration
            else:
                import soundfile as sf

                duration = float(sf.info(str(drums_path)).duration)
                drums = None
            item = partial(
                CorpusItem,
                reference=reference,
                kit=kit_path,
                split=row["split"],
                leaky=False,
                source="groove",
                kit_name=kit_name,
                duration=round(duration, 6),
            )
            items.append(item(id=f"{base}/drums/{name}", subset=f"{base}/drums", audio=drums_path))
            k = number % len(accompaniment_files) if accompaniment_files else 0
            for ratio, path in zip(ratios_db, wanted[1:], strict=True):
                if drums is not None:
                    mixture = mix_at_ratio(drums, accompaniments[k], ratio_db=ratio)
                    _write_audio_once(path, mixture.audio, rate, force=True)
                subset = f"{base}/acc{ratio:g}db"
                items.append(
                    item(
                        id=f"{subset}/{name}",
                        subset=subset,
                        audio=path,
                        accompaniment=accompaniment_files[k].stem.removesuffix("_ACCOMP"),
                        ratio_db=float(ratio),
                    )
                )
            progress(f"{base}: {name} ({duration:.1f} s)")
    return items


def _mdb_kit(audio: np.ndarray, onsets: Mapping[str, np.ndarray], rate: int) -> Kit:
    """Leaky templates cut from the annotated hits of a drum-only recording.

    :func:`drumnmf.kit.calibrate_from_annotations` with isolation relaxed as needed and
    companions subtracted for drums that never sound alone; drums with no usable hit are
    left out.
    """
    from drumnmf.kit import calibrate_from_annotations

    chosen = {d: t for d, t in onsets.items() if d in MDB_TEMPLATE_DRUMS and np.size(t)}
    return calibrate_from_annotations(audio, chosen, sample_rate=rate, skip_missing=True)


def _build_mdb(
    out: Path, shared: Path, *, audio_format: str, force: bool, progress: ProgressCallback
) -> list[CorpusItem]:
    from drumnmf.evaluation.render import mix_at_ratio, write_reference
    from drumnmf.io.annotations import load_mdb
    from drumnmf.io.audio import load_audio
    from drumnmf.kit import save_kit

    mdb = shared / "mdb_drums"
    items: list[CorpusItem] = []
    for track, info in _mdb_tracks(shared).items():
        split = str(info.get("split", "dev"))
        drum_path = mdb / "audio" / "drum_only" / f"{track}_Drum.wav"
        class_path = mdb / "annotations" / "class" / f"{track}_class.txt"
        if not drum_path.is_file() or not class_path.is_file():
            raise DrumnmfError(f"MDB Drums track '{track}' lacks '{drum_path}' or '{class_path}'")
        onsets = load_mdb(class_path).onsets
        reference = out / "mdb" / "reference" / f"{track}.txt"
        reference.parent.mkdir(parents=True, exist_ok=True)
        write_reference(reference, onsets)
        rate = 44100
        drums = load_audio(drum_path, sample_rate=rate)
        kit_path = out / "mdb" / "kits" / f"{track}.json"
        kit_path.parent.mkdir(parents=True, exist_ok=True)
        save_kit(_mdb_kit(drums, onsets, rate), kit_path)
        duration = round(drums.size / rate, 6)
        item = partial(
            CorpusItem,
            reference=reference,
            kit=kit_path,
            split=split,
            leaky=True,
            source="mdb",
            kit_name=track,
            duration=duration,
        )
        items.append(item(id=f"mdb/drums/{track}", subset="mdb/drums", audio=drum_path))
        acc_path = mdb / "audio" / "accompaniment" / f"{track}_ACCOMP.flac"
        if acc_path.is_file():
            accompaniment = load_audio(acc_path, sample_rate=rate) / MDB_ACCOMPANIMENT_GAIN
            rms = float(np.sqrt(np.mean(np.square(drums, dtype=np.float64))))
            rms_acc = float(np.sqrt(np.mean(np.square(accompaniment, dtype=np.float64))))
            ratio = 20 * np.log10(rms / rms_acc)
            mixture = mix_at_ratio(drums, accompaniment, ratio_db=ratio)
            mix_path = out / "mdb" / "acc" / f"{track}.{audio_format}"
            _write_audio_once(mix_path, mixture.audio, rate, force=force)
            items.append(
                item(
                    id=f"mdb/acc/{track}",
                    subset="mdb/acc",
                    audio=mix_path,
                    accompaniment=track,
                    ratio_db=round(float(ratio), 2),
                )
            )
        full_mix = mdb / "audio" / "full_mix" / f"{track}_MIX.wav"
        if full_mix.is_file():
            items.append(item(id=f"mdb/mix/{track}", subset="mdb/mix", audio=full_mix))
        progress(f"mdb: {track} ({duration:.1f} s)")
    return items


def build_corpus(
    out: str | os.PathLike[str],
    *,
    shared: str | os.PathLike[str] | None = None,
    kits: Sequence[str] = CORPUS_KITS,
    drumkits: str | os.PathLike[str] = HYDROGEN_DRUMKITS,
    splits: Sequence[str] = ("train", "validation"),
    max_per_split: int | None = None,
    max_seconds: float = 30.0,
    ratios_db: Sequence[float] = (0.0, -6.0),
    mdb: bool = True,
    audio_format: str = "flac",
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> Manifest:
    """Build the development corpus and write its manifest.

    Audio already present is kept (rebuilding is incremental) unless ``force``; kits,
    references and the manifest are always rewritten.

    Parameters
    ----------
    out : path-like
        Corpus folder (created).
    shared : path-like, optional
        Folder holding ``groove_midi/`` and ``mdb_drums/``; :func:`default_shared_dir`
        when None.
    kits : sequence of str
        Hydrogen kit folders (under ``drumkits``) to render with.
    drumkits : path-like
        Where the Hydrogen kits are (Debian: ``/usr/share/hydrogen/data/drumkits``).
    splits : sequence of str
        Groove MIDI splits to render (``train``, ``validation``).
    max_per_split : int > 0, optional
        Most performances per split, spread evenly over the split's sorted list.
    max_seconds : float > 0
        Render only the first ``max_seconds`` of each performance.
    ratios_db : sequence of float
        Drum-to-accompaniment ratios of the mixed versions, dB.
    mdb : bool
        Include the MDB Drums tracks.
    audio_format : {"flac", "wav"}
    force : bool
        Rewrite audio that already exists.
    progress : callable, optional
        Called with a line of text after each step (the CLI prints it).

    Returns
    -------
    Manifest
    """
    started = time.perf_counter()
    shared_dir = Path(shared) if shared is not None else default_shared_dir()
    if not shared_dir.is_dir():
        raise DrumnmfError(
            f"shared data folder not found: '{shared_dir}'; pass --shared DIR (the folder "
            "holding groove_midi/ and mdb_drums/)"
        )
    if audio_format not in ("flac", "wav"):
        raise DrumnmfError(f"audio_format must be 'flac' or 'wav', got {audio_format!r}")
    if max_per_split is not None and max_per_split < 1:
        raise DrumnmfError(f"max_per_split must be a positive count, got {max_per_split!r}")
    if not np.isfinite(max_seconds) or max_seconds <= 0:
        raise DrumnmfError(f"max_seconds must be > 0, got {max_seconds!r}")
    missing = missing_dependencies(drumkits=drumkits, kits=kits)
    if missing:
        raise DrumnmfError(
            f"Hydrogen kit(s) {', '.join(missing)} not found in '{drumkits}'; install them "
            f"with: sudo {' '.join(install_command())}"
        )
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda _line: None)
    items = _build_groove(
        root,
        shared_dir,
        kits=kits,
        drumkits=Path(drumkits),
        splits=splits,
        max_per_split=max_per_split,
        max_seconds=max_seconds,
        ratios_db=ratios_db,
        audio_format=audio_format,
        force=force,
        progress=report,
    )
    if mdb:
        items += _build_mdb(root, shared_dir, audio_format=audio_format, force=force,
                            progress=report)  # fmt: skip
    config = {
        "kits": list(kits),
        "splits": list(splits),
        "max_per_split": max_per_split,
        "max_seconds": max_seconds,
        "ratios_db": list(ratios_db),
        "mdb": mdb,
        "audio_format": audio_format,
        "shared": str(shared_dir.resolve()),
        "drumkits": str(Path(drumkits).resolve()),
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    sources = {
        "groove_midi": "Groove MIDI Dataset v1.0.0 (Gillick et al. 2019), CC BY 4.0",
        "mdb_drums": "MDB Drums (Southall et al. 2017) / MedleyDB, CC BY-NC-SA 4.0",
        "kits": {k: _kit_license(Path(drumkits) / k) for k in kits},
    }
    manifest = Manifest(items=tuple(items), root=root, config=config, sources=sources)
    from drumnmf.io.export import write_json

    write_json(
        root / "manifest.json",
        {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "config": config,
            "sources": sources,
            "items": [item.to_dict(root) for item in items],
        },
    )
    return manifest


def _kit_license(folder: Path) -> str:
    """The licence a Hydrogen kit's drumkit.xml declares."""
    text = (folder / "drumkit.xml").read_text(encoding="utf-8", errors="replace")
    found = re.search(r"<licen[cs]e>(.*?)</licen[cs]e>", text, flags=re.S)
    return found.group(1).strip() if found and found.group(1).strip() else "see Debian copyright"
