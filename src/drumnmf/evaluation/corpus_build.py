"""Building the development corpus (:func:`build_corpus`) and adding protocols to one.

The corpus's layout, subsets and manifest are described in :mod:`drumnmf.evaluation.corpus`;
the calibration protocols in :mod:`drumnmf.evaluation.protocols`.

Accompaniment dealing
---------------------
Accompaniments (the MDB Drums accompaniment files, sorted by name) are dealt in turn over
every Groove MIDI "beat" performance in a fixed order: the train split, then validation,
each sorted by MIDI file name (:data:`DEALING_SPLITS`). A performance's accompaniment is
therefore a function of the performance alone (:func:`accompaniment_index`), the same in a
full build, a ``--max-per-split`` build or a ``--splits validation`` one.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.corpus import (
    CORPUS_KITS,
    HYDROGEN_DRUMKITS,
    MANIFEST_FORMAT,
    MANIFEST_VERSION,
    MDB_ACCOMPANIMENT_GAIN,
    MDB_TEMPLATE_DRUMS,
    CorpusItem,
    Manifest,
    default_shared_dir,
    install_command,
    load_manifest,
    missing_dependencies,
)

if TYPE_CHECKING:
    from drumnmf.kit import Kit

__all__ = [
    "DEALING_SPLITS",
    "accompaniment_index",
    "add_protocols",
    "build_corpus",
    "input_digest",
]


ProgressCallback = Callable[[str], Any]


# The order accompaniments are dealt in: every "beat" performance of these splits, split by
# split, each sorted by file name (the full default build's order); other splits follow.
DEALING_SPLITS: tuple[str, ...] = ("train", "validation")


def _dealing_positions(rows: Sequence[Mapping[str, str]]) -> dict[str, int]:
    """Each performance's place in the dealing order (a function of the dataset alone)."""
    rank = {split: i for i, split in enumerate(DEALING_SPLITS)}
    ordered = sorted(
        rows,
        key=lambda r: (rank.get(r["split"], len(rank)), r["split"], r["midi_filename"]),
    )
    return {r["midi_filename"]: i for i, r in enumerate(ordered)}


def accompaniment_index(position: int, n_accompaniments: int) -> int:
    """The accompaniment (index into the sorted accompaniment files) of a performance.

    Parameters
    ----------
    position : int >= 0
        The performance's place in the dealing order: every Groove MIDI "beat" performance,
        train split then validation, each sorted by MIDI file name (:data:`DEALING_SPLITS`).
    n_accompaniments : int > 0

    Returns
    -------
    int
        ``position mod n_accompaniments``: accompaniments dealt in turn over all
        performances, so an item's accompaniment never depends on which others a build
        renders (``--max-per-split``, ``--splits``).
    """
    if n_accompaniments < 1:
        raise DrumnmfError("no accompaniment files to deal; check mdb_drums/audio/accompaniment")
    return position % n_accompaniments


def _groove_performances(
    shared: Path, splits: Sequence[str], max_per_split: int | None
) -> list[dict[str, str]]:
    """The "beat" rows of Groove MIDI's info.csv, by split, evenly spread when limited.

    Each row gets ``"dealing"``: its place in the dealing order (:func:`accompaniment_index`).
    """
    info = shared / "groove_midi" / "info.csv"
    if not info.is_file():
        raise DrumnmfError(
            f"Groove MIDI info.csv not found at '{info}'; pass --shared pointing to the "
            "folder holding groove_midi/ and mdb_drums/"
        )
    with info.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("beat_type") == "beat"]
    positions = _dealing_positions(rows)
    rows = [{**r, "dealing": str(positions[r["midi_filename"]])} for r in rows]
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
    from drumnmf.evaluation.protocols import (
        velocity_reference_path,
        write_protocol_kits,
        write_velocity_references,
    )
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
        write_protocol_kits(kit_dir, sample_kit, progress=progress)
        for row in rows:
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
                write_velocity_references(
                    velocity_reference_path(reference), rendering.events, rate
                )
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
            k = (
                accompaniment_index(int(row["dealing"]), len(accompaniment_files))
                if accompaniment_files
                else 0
            )
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


def add_protocols(
    out: str | os.PathLike[str],
    *,
    shared: str | os.PathLike[str] | None = None,
    drumkits: str | os.PathLike[str] = HYDROGEN_DRUMKITS,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> list[Path]:
    """Add the calibration protocols to an existing corpus (``corpus build --kits-only``).

    For every kit of the corpus's manifest: the calibration recordings and protocol kits of
    :mod:`drumnmf.evaluation.protocols`; for every Groove item, its velocity reference.
    Only missing files are written: audio, references, kits and the manifest stay as they
    are.

    Parameters
    ----------
    out : path-like
        The corpus folder.
    shared, drumkits : path-like
        As in :func:`build_corpus` (the MIDI files are re-read for the velocities).
    force : bool
        Recalibrate the protocol kits from their recordings even when they exist.
    progress : callable, optional

    Returns
    -------
    list of Path
        The files written.
    """
    from drumnmf.evaluation.protocols import (
        velocity_reference_path,
        write_protocol_kits,
        write_velocity_references,
    )
    from drumnmf.evaluation.render import load_hydrogen_kit, render_midi

    manifest = load_manifest(out)
    shared_dir = _shared_folder(shared)
    report = progress or (lambda _line: None)
    config = manifest.config
    kits = [str(k) for k in config.get("kits", [])]
    missing = missing_dependencies(drumkits=drumkits, kits=kits)
    if missing:
        raise DrumnmfError(
            f"Hydrogen kit(s) {', '.join(missing)} not found in '{drumkits}'; install them "
            f"with: sudo {' '.join(install_command())}"
        )
    rows = {
        _performance_name(r): r
        for r in _groove_performances(
            shared_dir, config.get("splits", ["train", "validation"]), config.get("max_per_split")
        )
    }
    written: list[Path] = []
    for kit_name in kits:
        sample_kit = load_hydrogen_kit(Path(drumkits) / kit_name)
        kit_dir = manifest.root / "kits" / kit_name
        before = {p: p.stat().st_mtime_ns for p in kit_dir.rglob("*") if p.is_file()}
        write_protocol_kits(kit_dir, sample_kit, force=force, progress=report)
        written += sorted(
            p for p in kit_dir.rglob("*") if p.is_file() and before.get(p) != p.stat().st_mtime_ns
        )
        seen = set()
        for item in manifest.items:
            if item.source != "groove" or item.kit_name != kit_name or item.reference in seen:
                continue
            seen.add(item.reference)
            target = velocity_reference_path(item.reference)
            row = rows.get(item.reference.stem)
            if target.is_file() or row is None:
                continue
            rendering = render_midi(
                shared_dir / "groove_midi" / row["midi_filename"],
                sample_kit,
                max_seconds=float(config.get("max_seconds", 30.0)),
            )
            write_velocity_references(target, rendering.events, sample_kit.sample_rate)
            written.append(target)
        report(f"kit {kit_name}: velocity references written")
    return written


def _shared_folder(shared: str | os.PathLike[str] | None) -> Path:
    shared_dir = Path(shared) if shared is not None else default_shared_dir()
    if not shared_dir.is_dir():
        raise DrumnmfError(
            f"shared data folder not found: '{shared_dir}' (searched for shared/data from the "
            "working directory upward); pass --shared DIR (the folder holding groove_midi/ "
            "and mdb_drums/)"
        )
    return shared_dir


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
    shared_dir = _shared_folder(shared)
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
        "drumkits": str(Path(drumkits).resolve()),
        "input_digest": input_digest(
            shared_dir,
            _inputs(shared_dir, items, splits, max_per_split, mdb),
            kits=kits,
            drumkits=Path(drumkits),
        ),
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


def _inputs(
    shared: Path,
    items: Sequence[CorpusItem],
    splits: Sequence[str],
    max_per_split: int | None,
    mdb: bool,
) -> list[Path]:
    """The shared files a build read: MIDI performances, MDB audio and annotations."""
    paths = [
        shared / "groove_midi" / row["midi_filename"]
        for row in _groove_performances(shared, splits, max_per_split)
    ]
    paths += [item.audio for item in items if item.source == "mdb"]
    if mdb:
        paths += sorted((shared / "mdb_drums" / "annotations" / "class").glob("*_class.txt"))
    return paths


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_digest(
    shared: Path, paths: Iterable[Path], *, kits: Sequence[str], drumkits: Path
) -> str:
    """sha256 over the content of what a build read: Groove MIDI, MDB Drums, kit files.

    Each file contributes ``<path relative to its folder> <sha256 of its bytes>``, sorted,
    so the digest names the material, not where it lies.
    """
    import hashlib

    files: set[tuple[str, Path]] = set()
    for name in ("groove_midi/info.csv", "mdb_drums/tracks.json"):
        if (shared / name).is_file():
            files.add((name, shared / name))
    accompaniment = shared / "mdb_drums" / "audio" / "accompaniment"
    for path in sorted(accompaniment.glob("*.flac")):
        files.add((path.relative_to(shared).as_posix(), path))
    for path in paths:
        try:
            files.add((path.resolve().relative_to(shared.resolve()).as_posix(), path))
        except ValueError:
            continue
    for kit in kits:
        xml = drumkits / kit / "drumkit.xml"
        if xml.is_file():
            files.add((f"drumkits/{kit}/drumkit.xml", xml))
    lines = sorted(f"{name} {_sha256(path)}" for name, path in files)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _kit_license(folder: Path) -> str:
    """The licence a Hydrogen kit's drumkit.xml declares."""
    text = (folder / "drumkit.xml").read_text(encoding="utf-8", errors="replace")
    found = re.search(r"<licen[cs]e>(.*?)</licen[cs]e>", text, flags=re.S)
    return found.group(1).strip() if found and found.group(1).strip() else "see Debian copyright"
