"""One recording of a batch: finding the inputs, digests, and the per-recording task.

:func:`collect_inputs` turns files, folders and list files into :class:`BatchInput`s with
output stems; :func:`settings_digest` and :func:`recording_digest` say whether a
recording's outputs are up to date; :func:`run_file` is the task a local worker process
or a Dask worker runs for one recording. :func:`drumnmf.batch.transcribe_many` runs them.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.kit import Kit
from drumnmf.pipeline import FORMATS, TranscribeConfig

__all__ = [
    "AUDIO_SUFFIXES",
    "STATUSES",
    "BatchInput",
    "FileRecord",
    "FileTask",
    "OutputOptions",
    "collect_inputs",
    "file_fingerprint",
    "recording_digest",
    "run_file",
    "settings_digest",
]

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".w64", ".caf")
STATUSES = ("done", "skipped", "failed", "pending")
_SCORE_SUFFIXES = (".musicxml", ".tab.txt", ".score.mid")
_HASH_BLOCK = 1 << 20  # 1 MiB


@dataclass(frozen=True)
class BatchInput:
    """One recording of a batch.

    Attributes
    ----------
    source : Path
        The audio file.
    stem : str
        Its outputs' path in the output folder without suffix, ``/``-separated
        (``"live/2024/song"`` writes ``live/2024/song.csv``, ...).
    """

    source: Path
    stem: str


@dataclass(frozen=True)
class OutputOptions:
    """What to write for each recording besides the transcription itself.

    Parameters
    ----------
    formats : tuple of {"csv", "json", "mid"}
        Transcription files. Without ``"json"`` a re-run recognises finished recordings
        from the previous run summary only.
    note_map : drumnmf.io.notemaps.NoteMap, optional
        MIDI notes of the MIDI file; the kit's by default.
    score : bool
        Also write ``<stem>.musicxml``, ``<stem>.tab.txt`` and ``<stem>.score.mid``.
    tempo, meter, grid
        Options of the score and of the beat tracking (:func:`drumnmf.notation.make_score`).
    tempo_map : bool
        Give the MIDI file the detected beats as its tempo map (``--beats auto``).
    chart : bool
        Also write a rhythm-game chart folder ``<stem>_chart/``.
    report : bool
        Also write the interactive HTML report ``<stem>.html``.
    reference : Path, optional
        Folder of reference annotations matched by stem (shown in the report; the counts
        per drum are k of the top-k picker when ``top_k`` is None).
    top_k : tuple of (drum, k) pairs, optional
        Onsets per drum of the top-k picker.
    """

    formats: tuple[str, ...] = FORMATS
    note_map: Any = None
    score: bool = False
    tempo: float | None = None
    meter: str | None = None
    grid: str = "auto"
    tempo_map: bool = False
    chart: bool = False
    report: bool = False
    reference: Path | None = None
    top_k: tuple[tuple[str, int], ...] | None = None

    def __post_init__(self) -> None:
        bad = [f for f in self.formats if f not in FORMATS]
        if bad or not self.formats:
            raise DrumnmfError(f"output formats {list(self.formats)}: choose from {FORMATS}")
        if self.reference is not None and not Path(self.reference).is_dir():
            raise DrumnmfError(
                f"reference '{self.reference}' is not a folder; a batch matches reference "
                "files by stem in a folder"
            )

    def to_dict(self) -> dict[str, Any]:
        """The options as a JSON-ready dictionary (part of the settings digest)."""
        from dataclasses import asdict

        data = asdict(self)
        data["note_map"] = None if self.note_map is None else asdict(self.note_map)
        data["reference"] = None if self.reference is None else os.fspath(self.reference)
        return data

    def outputs(self, stem: str) -> tuple[str, ...]:
        """Paths (relative to the output folder) of the files written for ``stem``."""
        names = [f"{stem}.{f}" for f in ("csv", "mid") if f in self.formats]
        names += [stem + suffix for suffix in _SCORE_SUFFIXES] if self.score else []
        names += [f"{stem}.html"] if self.report else []
        names += [f"{stem}_chart/notes.mid"] if self.chart else []
        names += [f"{stem}.json"] if "json" in self.formats else []
        return tuple(names)


@dataclass(frozen=True)
class FileRecord:
    """What became of one recording.

    Attributes
    ----------
    source : str
        The audio file.
    stem : str
        Its outputs' path in the output folder, without suffix.
    status : {"done", "skipped", "failed", "pending"}
        ``pending``: not finished when the run was interrupted.
    error : str or None
        Why it failed.
    seconds : float
        Wall time spent on it, seconds (0 when skipped or pending).
    cpu_seconds : float
        CPU time of the thread that transcribed it, seconds (BLAS runs in that thread).
    audio_seconds : float or None
        Length of the recording, seconds (None when unknown).
    digest : str or None
        Its digest (settings and audio content), None when the audio could not be read.
    counts : tuple of (drum, n) pairs
        Onsets found per drum (done recordings).
    warnings : tuple of str
        Notes about its outputs (e.g. chart notes left out).
    """

    source: str
    stem: str
    status: str
    error: str | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    audio_seconds: float | None = None
    digest: str | None = None
    counts: tuple[tuple[str, int], ...] = ()
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dictionary."""
        return {
            "input": self.source,
            "outputs": self.stem,
            "status": self.status,
            "error": self.error,
            "seconds": round(self.seconds, 4),
            "cpu_seconds": round(self.cpu_seconds, 4),
            "audio_seconds": self.audio_seconds,
            "digest": self.digest,
            "counts": dict(self.counts),
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }


# ---------------------------------------------------------------------------- inputs


def collect_inputs(
    paths: Iterable[str | os.PathLike[str]],
    *,
    exclude: str | os.PathLike[str] | None = None,
) -> tuple[BatchInput, ...]:
    """The recordings named by files, folders and list files, with their output stems.

    Parameters
    ----------
    paths : iterable of path-like
        Audio files; folders (searched recursively for :data:`AUDIO_SUFFIXES`, hidden
        files skipped); ``@FILE`` list files with one path a line (blank lines and lines
        starting with ``#`` ignored; relative paths are relative to the list file).
    exclude : path-like, optional
        A folder whose files are never inputs (the output folder).

    Returns
    -------
    tuple of BatchInput
        Each file once, in the order given (folders sorted). A folder's files keep their
        path below it as stem (``lib/a/x.wav`` from ``lib`` -> ``a/x``), a file its name;
        when two stems collide, every stem becomes the path below the inputs' common
        folder, and recordings differing only by suffix keep it (``x.flac``).
    """
    found: list[tuple[Path, Path]] = []  # (file, the folder its stem is relative to)
    for entry in paths:
        text = os.fspath(entry)
        if text.startswith("@"):
            for line_path in _read_list(Path(text[1:])):
                found += _expand(line_path, origin=f"list file '{text[1:]}'")
        else:
            found += _expand(Path(text), origin="the command line")
    skip = Path(exclude).resolve() if exclude is not None else None
    unique: dict[Path, tuple[Path, Path]] = {}
    for file, root in found:
        real = file.resolve()
        if skip is not None and real.is_relative_to(skip):
            continue
        unique.setdefault(real, (file, root))
    if not unique:
        raise DrumnmfError(
            f"no audio files ({', '.join(AUDIO_SUFFIXES)}) among the inputs; give audio "
            "files, folders holding them, or @list.txt"
        )
    files = [file for file, _ in unique.values()]
    stems = [_stem(file.relative_to(root)) for file, root in unique.values()]
    if len(set(stems)) < len(stems):
        common = Path(os.path.commonpath([p.parent for p in unique]))
        stems = [_stem(p.relative_to(common)) for p in unique]
        if len(set(stems)) < len(stems):
            clash = {s for s in stems if stems.count(s) > 1}
            stems = [
                PurePosixPath(p.relative_to(common)).as_posix() if s in clash else s
                for p, s in zip(unique, stems, strict=True)
            ]
    return tuple(BatchInput(f, s) for f, s in zip(files, stems, strict=True))


def _read_list(path: Path) -> list[Path]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DrumnmfError(
            f"list file '{path}' not found; give @FILE with one path a line"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DrumnmfError(
            f"cannot read list file '{path}' ({exc}); give a UTF-8 text file"
        ) from None
    out = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(Path(line) if Path(line).is_absolute() else path.parent / line)
    return out


def _expand(path: Path, *, origin: str) -> list[tuple[Path, Path]]:
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.suffix.lower() in AUDIO_SUFFIXES
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        return [(p, path) for p in files]
    if path.is_file():
        return [(path, path.parent)]
    raise DrumnmfError(
        f"input '{path}' (from {origin}) does not exist; give audio files, folders or @list.txt"
    )


def _stem(relative: Path) -> str:
    return PurePosixPath(relative.with_suffix("")).as_posix()


# ---------------------------------------------------------------------------- digests


def settings_digest(kit: Kit, config: TranscribeConfig, options: OutputOptions) -> str:
    """SHA-256 (hex) of the configuration, the kit's content, the options and the version."""
    from drumnmf import __version__

    templates = np.ascontiguousarray(kit.templates, dtype=np.float64)
    kit_hash = hashlib.sha256(templates.tobytes())
    kit_hash.update(
        _canonical(
            {
                "names": kit.names,
                "notes": [int(n) for n in kit.midi_notes],
                "template_drums": [int(d) for d in kit.template_drums],
                "shape": templates.shape,
                "settings": kit.settings.to_dict(),
                "levels": [float(v) for v in kit.levels],
                "crosstalk": [[float(v) for v in row] for row in kit.crosstalk],
            }
        )
    )
    document = {
        "drumnmf": __version__,
        "config": config.to_dict(),
        "kit": kit_hash.hexdigest(),
        "options": options.to_dict(),
    }
    if config.picker == "learned":  # a retrained classifier is another transcription
        from drumnmf.learned import picker_digest

        document["picker"] = picker_digest()
    return hashlib.sha256(_canonical(document)).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def file_fingerprint(path: Path) -> dict[str, Any]:
    """Size (bytes), modification time (ns) and SHA-256 of a file's content."""
    try:
        stat = path.stat()
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
    except FileNotFoundError:
        raise DrumnmfError(f"audio file not found: '{path}'") from None
    except OSError as exc:
        raise DrumnmfError(f"cannot read '{path}' ({exc.strerror}); check the file") from None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest.hexdigest()}


def recording_digest(settings: str, content_sha256: str) -> str:
    """The digest of one recording: its settings digest and its audio content."""
    return hashlib.sha256(f"{settings}:{content_sha256}".encode()).hexdigest()


# ---------------------------------------------------------------------------- one file


@dataclass(frozen=True)
class FileTask:
    """Everything a worker needs to transcribe one recording (picklable).

    ``out_dir`` is a local folder or an fsspec URL (:mod:`drumnmf.cluster`).
    """

    kit: Kit
    config: TranscribeConfig
    options: OutputOptions
    out_dir: str
    settings_digest: str


def run_file(item: BatchInput, task: FileTask) -> FileRecord:
    """Transcribe one recording and write its outputs; a failure becomes a record.

    Runs with one BLAS thread. Returns a ``done`` or ``failed`` :class:`FileRecord`.
    """
    from threadpoolctl import threadpool_limits

    from drumnmf.cluster import output_store

    started, cpu = time.perf_counter(), time.thread_time()
    digest = None
    try:
        fingerprint = file_fingerprint(item.source)
        digest = recording_digest(task.settings_digest, fingerprint["sha256"])
        metadata = {
            "digest": digest,
            "settings_digest": task.settings_digest,
            "input": fingerprint,
            "outputs": list(task.options.outputs(item.stem)),
        }
        with threadpool_limits(limits=1), output_store(task.out_dir).writer() as folder:
            result, warnings = _transcribe_and_write(item, task, folder, metadata)
    except DrumnmfError as exc:
        message = str(exc)
        if str(item.source) not in message:
            message = f"{item.source}: {message}"
        return FileRecord(
            str(item.source), item.stem, "failed", message, time.perf_counter() - started,
            digest=digest,
        )  # fmt: skip
    except Exception as exc:  # a bug or the system (memory, disk): record it, go on
        return FileRecord(
            str(item.source), item.stem, "failed", f"{item.source}: {type(exc).__name__}: {exc}",
            time.perf_counter() - started, digest=digest,
        )  # fmt: skip
    return FileRecord(
        str(item.source),
        item.stem,
        "done",
        seconds=time.perf_counter() - started,
        cpu_seconds=time.thread_time() - cpu,
        audio_seconds=round(result.duration, 3),
        digest=digest,
        counts=tuple(result.n_onsets.items()),
        warnings=warnings,
    )


def _transcribe_and_write(
    item: BatchInput, task: FileTask, root: Path, metadata: Mapping[str, Any]
) -> tuple[Any, tuple[str, ...]]:
    from drumnmf.pipeline import save_transcription, transcribe

    options = task.options
    reference = _reference_for(item.source, options.reference)
    top_k = dict(options.top_k) if options.top_k else None
    if task.config.picker == "topk" and top_k is None:
        if reference is None:
            raise DrumnmfError(f"no reference for '{item.source}' to take k from")
        top_k = {d: len(reference.get(d, ())) for d in task.kit.names}
    result = transcribe(item.source, kit=task.kit, config=task.config, top_k=top_k)
    score = None
    if options.score:
        score = result.to_score(tempo=options.tempo, meter=options.meter, grid=options.grid)
    tempo_map = None
    if options.tempo_map or options.chart:
        from drumnmf.io.tempomap import TempoMap

        if score is not None:
            grid = score.grid
        else:
            from drumnmf.notation import track_beats

            grid = track_beats(
                result.onsets, result.strengths, tempo=options.tempo, meter=options.meter
            )
        tempo_map = TempoMap.from_beat_grid(grid)
    stem = PurePosixPath(item.stem)
    folder = root.joinpath(*stem.parent.parts)
    folder.mkdir(parents=True, exist_ok=True)
    warnings: tuple[str, ...] = ()
    if options.chart:
        warnings = _write_chart(result, item.source, folder / f"{stem.name}_chart", tempo_map)
    if options.report:
        from drumnmf.display.report import write_report

        write_report(
            result,
            folder / f"{stem.name}.html",
            audio_path=item.source,
            reference=reference,
            note_map=options.note_map,
            tempo_map=tempo_map if options.tempo_map else None,
            score=score,
        )
    save_transcription(
        result,
        folder,
        stem=stem.name,
        formats=options.formats,
        score=score,
        note_map=options.note_map,
        tempo_map=tempo_map if options.tempo_map else None,
        metadata=metadata,
    )
    return result, warnings


def _reference_for(path: Path, folder: Path | None) -> dict | None:
    if folder is None:
        return None
    from drumnmf.evaluation.pairing import pairing_key
    from drumnmf.io.annotations import load_annotations

    key = pairing_key(path.stem)
    matches = sorted(
        p for p in Path(folder).iterdir() if p.is_file() and pairing_key(p.stem) == key
    )
    return dict(load_annotations(matches[0]).onsets) if matches else None


def _write_chart(result: Any, source: Path, folder: Path, tempo_map: Any) -> tuple[str, ...]:
    from drumnmf.io.audio import load_audio
    from drumnmf.io.chart import write_chart

    rate = result.kit.settings.sample_rate
    chart = write_chart(
        folder,
        result.onsets,
        tempo_map=tempo_map,
        duration=result.duration,
        name=source.stem,
        samples=load_audio(source, sample_rate=rate),
        sample_rate=rate,
    )
    if not chart.skipped:
        return ()
    left = ", ".join(f"{d} {n}" for d, n in sorted(chart.skipped.items()))
    return (f"chart: left out {left} (no lane, or its lane was already hit on that tick)",)
