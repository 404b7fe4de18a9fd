"""Many recordings at once: folders, resumable runs, worker processes or a Dask cluster.

:func:`transcribe_many` runs :func:`drumnmf.pipeline.transcribe` over files, folders
(searched recursively for :data:`AUDIO_SUFFIXES`) and list files (``@list.txt``, one path
a line), and writes each recording's outputs under one output folder, mirroring the
input folders so that two ``song.wav`` in different folders never write the same files.

Conventions
-----------
- **Atomic outputs.** Every file is written to a temporary name and renamed into place
  (:func:`drumnmf.io.export.atomic_path`); the JSON is written last, and it records the
  recording's *digest*, so a JSON with the right digest means every output is there.
- **Digests.** The *settings digest* is a SHA-256 of the configuration, the kit's content
  (templates, names, notes, STFT settings), the output options and the drumnmf version. A
  recording's *digest* adds the SHA-256 of the audio file's bytes. A re-run skips a
  recording whose outputs exist with the same digest (``force=True`` redoes it); changing
  the kit, an option, the audio or drumnmf redoes it. The input's size and modification
  time are stored beside its SHA-256 so that a re-run hashes only files that changed.
- **The run summary** ``drumnmf-run.json`` in the output folder lists every recording
  with its status (:data:`STATUSES`), error message, time and digest, and the totals. It
  is rewritten atomically as recordings finish (at most once a second) and at the end.
- **Failures** of one recording (unreadable, silent, NaN samples...) are recorded and the
  others go on. When a worker process dies, the recordings it and its pool held are
  retried one at a time; only one that kills its worker alone is recorded as failed.
- **Stopping.** A first SIGINT (Ctrl-C) or SIGTERM stops starting recordings; those
  running finish and are kept, the summary is written, and the result says
  ``interrupted``. A second one abandons the running recordings (their outputs are not
  written, or are incomplete without a JSON and so redone by the next run).
- **Determinism.** Each recording is transcribed with one BLAS thread, in-process, in a
  worker process or on a Dask worker alike, so the CSV and MIDI files are byte-identical
  whatever ``jobs`` or cluster.

The Dask path (``client=``) and object-store output folders are in
:mod:`drumnmf.cluster`.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from drumnmf.batch_task import (
    AUDIO_SUFFIXES,
    STATUSES,
    BatchInput,
    FileRecord,
    FileTask,
    OutputOptions,
    collect_inputs,
    file_fingerprint,
    recording_digest,
    run_file,
    settings_digest,
)
from drumnmf.errors import DrumnmfError
from drumnmf.kit import Kit, default_kit
from drumnmf.pipeline import TranscribeConfig

__all__ = [
    "AUDIO_SUFFIXES",
    "RUN_FILE",
    "STATUSES",
    "BatchInput",
    "FileRecord",
    "FileTask",
    "OutputOptions",
    "RunSummary",
    "collect_inputs",
    "run_file",
    "settings_digest",
    "transcribe_many",
]

RUN_FILE = "drumnmf-run.json"


@dataclass(frozen=True)
class RunSummary:
    """The result of :func:`transcribe_many`.

    Attributes
    ----------
    files : tuple of FileRecord
        One per recording, in input order.
    settings_digest : str
    out_dir : str
        The output folder (a path or an fsspec URL).
    interrupted : bool
        True when a signal stopped the run before every recording was tried.
    seconds : float
        Wall time of the run, seconds.
    """

    files: tuple[FileRecord, ...]
    settings_digest: str
    out_dir: str
    interrupted: bool = False
    seconds: float = 0.0

    def with_status(self, status: str) -> tuple[FileRecord, ...]:
        """The records of one status."""
        return tuple(r for r in self.files if r.status == status)

    @property
    def failed(self) -> tuple[FileRecord, ...]:
        """The recordings that failed."""
        return self.with_status("failed")

    @property
    def totals(self) -> dict[str, Any]:
        """Counts per status, audio seconds transcribed and wall time."""
        counts: dict[str, Any] = {s: 0 for s in STATUSES}
        for record in self.files:
            counts[record.status] += 1
        done = [r for r in self.files if r.status == "done"]
        counts["files"] = len(self.files)
        counts["audio_seconds"] = round(sum(r.audio_seconds or 0.0 for r in done), 3)
        counts["seconds"] = round(self.seconds, 3)
        return counts

    def to_dict(self) -> dict[str, Any]:
        """The run summary document written to ``drumnmf-run.json``."""
        from drumnmf import __version__

        return {
            "format": "drumnmf-run",
            "version": 1,
            "drumnmf": __version__,
            "settings_digest": self.settings_digest,
            "out_dir": self.out_dir,
            "interrupted": self.interrupted,
            "totals": self.totals,
            "files": [r.to_dict() for r in self.files],
        }


# ---------------------------------------------------------------------------- the run


def transcribe_many(
    paths: Iterable[str | os.PathLike[str]],
    kit: Kit | str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] = ".",
    config: TranscribeConfig | None = None,
    *,
    options: OutputOptions | None = None,
    jobs: int = 1,
    force: bool = False,
    client: Any = None,
    progress: bool = True,
    callback: Callable[[FileRecord], Any] | None = None,
) -> RunSummary:
    """Transcribe many recordings into one output folder, resumably.

    Parameters
    ----------
    paths : iterable of path-like
        Audio files, folders and ``@list.txt`` files (:func:`collect_inputs`).
    kit : Kit, path-like or None
        The calibrated kit (or its file); the built-in kit when None.
    out_dir : path-like or str
        Output folder, created if missing; an fsspec URL (``s3://bucket/run``,
        ``memory://run``, ``file:///shared/run``) writes through fsspec.
    config : TranscribeConfig, optional
        Pipeline options (the defaults when None).
    options : OutputOptions, optional
        What to write per recording (CSV, JSON and MIDI by default).
    jobs : int >= 1
        Worker processes (1: in this process).
    force : bool
        Redo recordings whose outputs already exist with the same digest.
    client : dask.distributed.Client, optional
        Run each recording as a task on this Dask cluster instead (``jobs`` must be 1);
        the workers write to ``out_dir``, which they must all reach.
    progress : bool
        Show a progress bar on stderr (files, audio hours, ETA).
    callback : callable, optional
        Called here with each :class:`FileRecord` as its recording finishes.

    Returns
    -------
    RunSummary
        Also written to ``out_dir/drumnmf-run.json``.

    Examples
    --------
    >>> summary = transcribe_many(["songs/"], "my.kit.json", "out", jobs=2)  # doctest: +SKIP
    >>> summary.totals["done"], [r.error for r in summary.failed]  # doctest: +SKIP
    (120, [])
    """
    from drumnmf.cluster import output_store

    started = time.perf_counter()
    config = config or TranscribeConfig()
    options = options or OutputOptions()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise DrumnmfError(f"jobs must be a whole number >= 1 (worker processes), got {jobs!r}")
    if client is not None and jobs != 1:
        raise DrumnmfError(
            "give jobs (local worker processes) or client (a Dask cluster), not both"
        )
    if kit is None:
        kit = default_kit()
    elif not isinstance(kit, Kit):
        from drumnmf.kit import load_kit

        kit = load_kit(kit)
    store = output_store(out_dir)
    if store.url.startswith("memory://") and jobs > 1:
        raise DrumnmfError(
            f"'{store.url}' lives in this process's memory, which worker processes do not "
            "share; use jobs=1, a Dask client with processes=False, or a real folder"
        )
    items = collect_inputs(paths, exclude=store.local)
    digest = settings_digest(kit, config, options)
    task = FileTask(kit, config, options, store.url, digest)
    records: dict[str, FileRecord] = {}
    todo: list[BatchInput] = []
    previous = store.previous_digests(RUN_FILE)
    for item in items:
        done = None if force else _finished(item, store, digest, options, previous)
        if done is None:
            todo.append(item)
        else:
            records[item.stem] = done
    log = _RunLog(store, items, records, digest, started)
    log.write()
    bar = _Progress(todo, enabled=progress and bool(todo), skipped=len(records))

    def finish(record: FileRecord) -> None:
        log.add(record)
        bar.advance(record)
        if callback is not None:
            callback(record)

    interrupted = False
    with _StopRequests() as stop:
        try:
            if client is not None:
                from drumnmf.cluster import run_on_dask

                run_on_dask(client, todo, task, finish, stop)
            elif jobs == 1 or len(todo) <= 1:
                for item in todo:
                    if stop.requested:
                        break
                    finish(run_file(item, task))
            else:
                _run_in_processes(todo, task, finish, stop, jobs)
        except KeyboardInterrupt:
            stop.requested = True
        finally:
            bar.close()
        interrupted = stop.requested and len(log.records) < len(items)
    return log.write(interrupted=interrupted, final=True)


def _finished(
    item: BatchInput,
    store: Any,
    digest: str,
    options: OutputOptions,
    previous: Mapping[str, str],
) -> FileRecord | None:
    """A ``skipped`` record when ``item``'s outputs exist with the current digest."""
    outputs = options.outputs(item.stem)
    if not all(store.exists(name) for name in outputs):
        return None
    stored: dict[str, Any] = {}
    if "json" in options.formats:
        try:
            document = json.loads(store.read_text(f"{item.stem}.json"))
            stored = document.get("batch") or {}
            duration = document.get("duration")
        except (OSError, ValueError, AttributeError):
            return None
        if stored.get("settings_digest") != digest:
            return None
    else:
        duration = None
        if item.stem not in previous:
            return None
    try:
        stat = item.source.stat()
    except OSError:
        return None
    fingerprint = stored.get("input") or {}
    if fingerprint.get("size") == stat.st_size and fingerprint.get("mtime_ns") == stat.st_mtime_ns:
        sha = fingerprint.get("sha256", "")
    else:
        try:
            sha = file_fingerprint(item.source)["sha256"]
        except DrumnmfError:
            return None
    expected = recording_digest(digest, sha)
    if expected != (stored.get("digest") if stored else previous.get(item.stem)):
        return None
    return FileRecord(
        str(item.source), item.stem, "skipped", audio_seconds=duration, digest=expected
    )


class _RunLog:
    """The records so far, written to ``drumnmf-run.json`` at most once a second.

    For a very large batch, writing the summary takes a while itself: the interval grows to
    twenty times that, so rewriting it never takes more than 5% of the run.
    """

    def __init__(
        self,
        store: Any,
        items: Sequence[BatchInput],
        records: dict[str, FileRecord],
        digest: str,
        started: float,
    ) -> None:
        self.store, self.items, self.records = store, items, records
        self.digest, self.started, self.last = digest, started, 0.0
        self.interval = 1.0

    def add(self, record: FileRecord) -> None:
        self.records[record.stem] = record
        if time.perf_counter() - self.last >= self.interval:
            self.write()

    def write(self, *, interrupted: bool = False, final: bool = False) -> RunSummary:
        files = tuple(
            self.records.get(i.stem) or FileRecord(str(i.source), i.stem, "pending")
            for i in self.items
        )
        summary = RunSummary(
            files,
            self.digest,
            self.store.url,
            interrupted=interrupted,
            seconds=time.perf_counter() - self.started,
        )
        began = time.perf_counter()
        document = summary.to_dict()
        document["finished"] = final
        self.store.write_json(RUN_FILE, document)
        self.last = time.perf_counter()
        self.interval = max(1.0, 20 * (self.last - began))
        return summary


class _StopRequests:
    """SIGINT and SIGTERM set ``requested`` (a second one raises KeyboardInterrupt).

    Signal handlers can only be set from the main thread; elsewhere this does nothing.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _StopRequests:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


class _Progress:
    """A tqdm bar over the audio hours to do, with the files done as a postfix."""

    def __init__(self, todo: Sequence[BatchInput], *, enabled: bool, skipped: int) -> None:
        self.bar: Any = None
        self.n_files, self.done, self.skipped = len(todo), 0, skipped
        if not enabled:
            return
        import soundfile as sf
        from tqdm import tqdm

        hours = 0.0
        for item in todo:
            try:
                hours += sf.info(str(item.source)).duration / 3600
            except Exception:  # unreadable: it will fail and be recorded
                pass

        class Bar(tqdm):
            monitor_interval = 0  # no monitor thread: worker processes can be forked

        self.bar = Bar(
            total=round(hours, 4),
            unit="h",
            desc="drumnmf",
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.3f}/{total:.3f} audio h "
            "[{elapsed}<{remaining}]{postfix}",
        )
        self._postfix()

    def _postfix(self) -> None:
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        self.bar.set_postfix_str(f"{self.done}/{self.n_files} files{skipped}", refresh=True)

    def advance(self, record: FileRecord) -> None:
        if self.bar is None:
            return
        self.done += 1
        hours = (record.audio_seconds or 0.0) / 3600
        self.bar.update(min(hours, max(self.bar.total - self.bar.n, 0.0)))
        self._postfix()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------------------- processes

_WORKER_TASK: FileTask | None = None


def _init_worker(task: FileTask) -> None:
    """Worker set-up: the task, one BLAS thread, and Ctrl-C and SIGTERM left to the parent.

    A terminal's Ctrl-C, or SLURM's SIGTERM, reaches every process of the group; the
    parent decides (finish the running files, or kill the workers).
    """
    global _WORKER_TASK
    from threadpoolctl import threadpool_limits

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threadpool_limits(limits=1)
    _WORKER_TASK = task


def _run_in_worker(item: BatchInput) -> FileRecord:
    assert _WORKER_TASK is not None
    return run_file(item, _WORKER_TASK)


def _run_in_processes(
    todo: Sequence[BatchInput],
    task: FileTask,
    finish: Callable[[FileRecord], None],
    stop: _StopRequests,
    jobs: int,
) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    context = _process_context(multiprocessing)

    def start() -> ProcessPoolExecutor:
        # Worker processes start with one BLAS/OpenMP thread each.
        saved = {k: os.environ.get(k) for k in _THREAD_VARIABLES}
        os.environ.update(dict.fromkeys(_THREAD_VARIABLES, "1"))
        try:
            return ProcessPoolExecutor(
                max_workers=min(jobs, len(todo)),
                mp_context=context,
                initializer=_init_worker,
                initargs=(task,),
            )
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    pool = start()
    # (recording, pools it was in when they broke): a recording that was in a broken pool
    # is retried alone, so that only the one that kills its worker is recorded as failed.
    queue = deque((item, 0) for item in todo)
    running: dict[Future, tuple[BatchInput, int]] = {}
    try:
        while True:
            while not stop.requested and queue and len(running) < 2 * jobs:
                item, deaths = queue[0]
                if deaths and running:
                    break
                queue.popleft()
                running[pool.submit(_run_in_worker, item)] = (item, deaths)
                if deaths:
                    break
            if not running:
                break
            finished, _ = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            lost: list[tuple[BatchInput, int]] = []
            for future in finished:
                entry = running.pop(future)
                if future.cancelled():
                    continue
                try:
                    finish(future.result())
                except BrokenProcessPool:  # a worker was killed (out of memory?)
                    lost.append(entry)
            if lost:  # every recording still running in a broken pool is lost
                lost += running.values()
                running.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                if len(lost) == 1 and lost[0][1]:
                    finish(_worker_died(lost[0][0]))
                else:
                    queue.extendleft((item, deaths + 1) for item, deaths in reversed(lost))
                pool = start()
            if stop.requested:
                for future in [f for f in running if f.cancel()]:
                    running.pop(future)
    except KeyboardInterrupt:
        _terminate(pool)
        for item, _ in running.values():
            _remove_temporaries(task.out_dir, item)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _process_context(multiprocessing: Any) -> Any:
    """How to start workers: fork when it is safe, else a preloaded forkserver, else spawn.

    Fork starts a worker in milliseconds with drumnmf already imported, but is safe only on
    Linux and while this process runs no other thread (a Dask client, a GUI). A forkserver
    imports drumnmf once and forks workers from it; spawn (macOS, Windows) imports it in
    every worker. With the last two, a script calling :func:`transcribe_many` needs the
    ``if __name__ == "__main__":`` guard.
    """
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["drumnmf.batch"])
        return context
    return multiprocessing.get_context("spawn")


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _worker_died(item: BatchInput) -> FileRecord:
    return replace(
        FileRecord(str(item.source), item.stem, "failed"),
        error=f"{item.source}: its worker process died, also when run alone (out of "
        "memory?); check the file, or give the workers more memory",
    )


def _terminate(pool: Any) -> None:
    """Kill a ProcessPoolExecutor's workers now (a second Ctrl-C)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
    for process in list(getattr(pool, "_processes", {}).values()):
        process.join(timeout=5)


def _remove_temporaries(out_dir: str, item: BatchInput) -> None:
    """Delete the temporary files a killed worker left for ``item`` (local folders)."""
    if "://" in out_dir:
        return
    stem = PurePosixPath(item.stem)
    folder = Path(out_dir).joinpath(*stem.parent.parts)
    for leftover in [
        *folder.glob(f".{stem.name}.*.tmp"),
        *folder.glob(f"{stem.name}_chart/.*.tmp"),
    ]:
        leftover.unlink(missing_ok=True)
