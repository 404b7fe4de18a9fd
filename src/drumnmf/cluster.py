"""Where a batch runs and writes: a Dask cluster, and output folders on object stores.

:func:`run_on_dask` sends :func:`drumnmf.batch.run_file`, the same per-recording task the
local workers run, to a ``dask.distributed`` cluster. Each Dask worker transcribes and
writes the outputs itself, so the output folder must be one every worker reaches: a
shared file system (NFS, Lustre, a Kubernetes volume) or an object store through fsspec
(``s3://``, ``gs://``, ``az://``; ``memory://`` for workers in this process, as the tests
do). The client only gathers the small :class:`~drumnmf.batch.FileRecord` of each task.

:func:`output_store` gives a folder path or an fsspec URL one interface. On a local
folder (or ``file://``) every file is written atomically in place. On any other fsspec
file system a recording's outputs are first written to a local temporary folder and then
uploaded one object at a time, the JSON last; an object store's PUT is atomic, so a
reader sees either nothing or a whole file, and a JSON means every output is there.

Both need the ``cluster`` extra (``pip install 'drumnmf[cluster]'``: dask[distributed] and
fsspec); the core install stays without them.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from drumnmf.errors import DrumnmfError

__all__ = ["LocalStore", "RemoteStore", "connect", "output_store", "run_on_dask"]

_EXTRA = "pip install 'drumnmf[cluster]'"


def _is_url(text: str) -> bool:
    return "://" in text and not text.startswith("file://")


def output_store(out_dir: str | os.PathLike[str]) -> LocalStore | RemoteStore:
    """The output folder ``out_dir``: a local path, ``file://`` URL or other fsspec URL."""
    text = os.fspath(out_dir)
    if _is_url(text):
        return RemoteStore(text)
    if text.startswith("file://"):
        text = text[len("file://") :]
    return LocalStore(Path(text))


class LocalStore:
    """An output folder on a local or shared file system."""

    def __init__(self, folder: Path) -> None:
        from drumnmf.io.export import check_writable_dir

        self.folder = check_writable_dir(folder).resolve()
        self.url = os.fspath(self.folder)
        self.local: Path | None = self.folder

    def exists(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def read_text(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="utf-8")

    def write_json(self, name: str, document: Any) -> None:
        from drumnmf.io.export import write_json

        write_json(self.folder / name, document)

    @contextlib.contextmanager
    def writer(self) -> Iterator[Path]:
        """The folder to write a recording's outputs into (atomically, by the writers)."""
        yield self.folder

    def previous_digests(self, name: str) -> dict[str, str]:
        """``{stem: digest}`` of the recordings finished in the last run summary."""
        try:
            return _digests(json.loads(self.read_text(name)))
        except (OSError, ValueError):
            return {}


class RemoteStore:
    """An output folder on an fsspec file system (object store, memory, ...)."""

    def __init__(self, url: str) -> None:
        try:
            from fsspec.core import url_to_fs
        except ImportError:
            raise DrumnmfError(
                f"output folder '{url}' is a URL, which needs fsspec: {_EXTRA}"
            ) from None
        try:
            self.fs, root = url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise DrumnmfError(
                f"cannot open output folder '{url}' ({exc}); install the fsspec backend of "
                "that protocol (e.g. s3fs for s3://) or give a local folder"
            ) from None
        self.root = root.rstrip("/")
        self.url = url.rstrip("/")
        self.local: Path | None = None
        self.fs.makedirs(self.root, exist_ok=True)

    def _path(self, name: str) -> str:
        return f"{self.root}/{name}"

    def exists(self, name: str) -> bool:
        return bool(self.fs.isfile(self._path(name)))

    def read_text(self, name: str) -> str:
        return bytes(self.fs.cat_file(self._path(name))).decode("utf-8")

    def write_json(self, name: str, document: Any) -> None:
        from drumnmf.io.export import write_json

        with tempfile.TemporaryDirectory(prefix="drumnmf-") as tmp:
            local = Path(tmp) / "document.json"
            write_json(local, document)
            self.fs.pipe_file(self._path(name), local.read_bytes())

    @contextlib.contextmanager
    def writer(self) -> Iterator[Path]:
        """A local temporary folder, uploaded (JSON files last) when the block succeeds."""
        with tempfile.TemporaryDirectory(prefix="drumnmf-") as tmp:
            yield Path(tmp)
            files = sorted(
                (p for p in Path(tmp).rglob("*") if p.is_file()),
                key=lambda p: (p.suffix == ".json", p.as_posix()),
            )
            for path in files:
                target = self._path(path.relative_to(tmp).as_posix())
                parent = target.rsplit("/", 1)[0]
                self.fs.makedirs(parent, exist_ok=True)
                self.fs.pipe_file(target, path.read_bytes())

    def previous_digests(self, name: str) -> dict[str, str]:
        try:
            return _digests(json.loads(self.read_text(name)))
        except (OSError, ValueError, FileNotFoundError):
            return {}


def _digests(document: Any) -> dict[str, str]:
    files = document.get("files", []) if isinstance(document, dict) else []
    return {
        str(f["outputs"]): str(f["digest"])
        for f in files
        if isinstance(f, dict) and f.get("status") in ("done", "skipped") and f.get("digest")
    }


def connect(address: str, *, timeout: float = 30.0) -> Any:
    """A ``dask.distributed.Client`` of the scheduler at ``address`` (``tcp://HOST:8786``).

    ``timeout`` is how long to try to reach it, seconds.
    """
    try:
        from distributed import Client
    except ImportError:
        raise DrumnmfError(f"--scheduler needs Dask: {_EXTRA}") from None
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DrumnmfError(
            f"cannot reach the Dask scheduler at '{address}' ({exc}); start one with "
            "'dask scheduler' and give its tcp://HOST:8786 address"
        ) from None


def run_on_dask(
    client: Any,
    todo: Sequence[Any],
    task: Any,
    finish: Callable[[Any], None],
    stop: Any,
) -> None:
    """Run each recording of ``todo`` as a task on ``client``'s cluster.

    Parameters
    ----------
    client : dask.distributed.Client
    todo : sequence of drumnmf.batch.BatchInput
    task : drumnmf.batch.FileTask
        Sent once to every worker.
    finish : callable
        Called here with each :class:`~drumnmf.batch.FileRecord` as its task ends.
    stop : object with a ``requested`` attribute
        When it becomes true, the tasks not yet finished are cancelled.
    """
    try:
        from distributed import as_completed
    except ImportError:
        raise DrumnmfError(f"a Dask client needs dask.distributed: {_EXTRA}") from None
    from drumnmf.batch import FileRecord, run_file

    if not todo:
        return
    shared = client.scatter(task, broadcast=True)
    futures = {
        client.submit(run_file, item, shared, pure=False, key=f"drumnmf-{i}-{time.time_ns()}"): item
        for i, item in enumerate(todo)
    }
    remaining = as_completed(futures)
    while not remaining.is_empty():
        if stop.requested:
            client.cancel([f for f in futures if not f.done()])
            return
        batch = remaining.next_batch(block=False)
        if not batch:
            time.sleep(0.05)
            continue
        for future in batch:
            item = futures[future]
            try:
                record = future.result()
            except Exception as exc:  # the task itself failed (worker lost, ...)
                record = FileRecord(
                    str(item.source),
                    item.stem,
                    "failed",
                    f"{item.source}: Dask task failed: {type(exc).__name__}: {exc}",
                )
            finish(record)
