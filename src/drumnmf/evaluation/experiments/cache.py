"""A folder of finished runs, so that an interrupted or repeated experiment resumes.

:func:`run_variants(..., cache=DIR) <drumnmf.evaluation.experiments.run_variants>` keeps
each :class:`~drumnmf.evaluation.experiments.Run` as ``DIR/<key>.pkl``. The key digests
everything the run depends on: the drumnmf source code (every ``.py`` and data file of the
package), the variant (name, configuration, kit source, subsets), the class vocabulary, the
item's id and the size and modification time of its audio, reference and kit files. A
change to any of them is a new key, so a stale run is never reused; delete the folder to
reclaim the space.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drumnmf.evaluation.experiments.datasets import ExperimentItem
    from drumnmf.evaluation.experiments.runner import Run
    from drumnmf.evaluation.experiments.variants import Variant

__all__ = ["code_digest", "load_run", "run_key", "save_run"]


@lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 over the package's source and data files (names and bytes)."""
    root = Path(__file__).resolve().parents[2]  # the drumnmf package
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".json", ".txt", ".flac"):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _stat(path: Path | None) -> list[int] | None:
    if path is None:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns]


def run_key(item: ExperimentItem, variant: Variant, classes: int) -> str:
    """The cache key of one run (see the module docstring)."""
    from drumnmf.evaluation.protocols import PROTOCOLS, protocol_kit_path

    kit = item.kit
    if kit is not None and variant.kit in PROTOCOLS:
        kit = protocol_kit_path(kit, variant.kit)
    document = {
        "code": code_digest(),
        "variant": variant.to_dict(),
        "classes": classes,
        "item": item.to_dict(),
        "files": [_stat(item.audio), _stat(item.reference), _stat(kit),
                  _stat(item.accompaniment)],
    }  # fmt: skip
    text = json.dumps(document, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def load_run(folder: Path, key: str) -> Run | None:
    """The cached run of ``key``, or None (absent or unreadable)."""
    path = folder / f"{key}.pkl"
    try:
        with path.open("rb") as handle:
            run = pickle.load(handle)  # our own files, written by save_run
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    return run


def save_run(folder: Path, key: str, run: Run) -> None:
    """Store a run atomically."""
    from drumnmf.io.export import atomic_path

    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / f"{key}.pkl") as tmp:
        Path(tmp).write_bytes(pickle.dumps(run, protocol=pickle.HIGHEST_PROTOCOL))
