"""drumnmf: interpretable drum transcription with partially fixed NMF.

The pipeline, one module per stage: :mod:`~drumnmf.io.audio` (load and resample),
:mod:`~drumnmf.spectrogram` (magnitude STFT), :mod:`~drumnmf.kit` (calibrated drum
templates), :mod:`~drumnmf.factorization` (MUR and NeNMF solvers), :mod:`~drumnmf.onsets`
(peak picking), :mod:`~drumnmf.evaluation.metrics` (scoring), :mod:`~drumnmf.io.export` (CSV, JSON,
MIDI), :mod:`~drumnmf.pipeline` (``transcribe``), :mod:`~drumnmf.batch` (``transcribe_many``: many
files, worker processes or a Dask cluster) and :mod:`~drumnmf.cli`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "ConvergenceWarning",
    "DrumnmfError",
    "Factorization",
    "Kit",
    "Transcription",
    "__version__",
    "apply_edits",
    "calibrate",
    "check_calibration",
    "evaluate_paths",
    "factorize",
    "load_annotations",
    "load_kit",
    "load_note_map",
    "make_score",
    "transcribe",
    "transcribe_many",
]

from drumnmf.errors import ConvergenceWarning, DrumnmfError

# Public names resolved lazily so that ``import drumnmf`` (and ``drumnmf --help``) stays fast.
_LAZY = {
    "Factorization": "drumnmf.factorization",
    "factorize": "drumnmf.factorization",
    "Kit": "drumnmf.kit",
    "calibrate": "drumnmf.kit",
    "load_kit": "drumnmf.kit",
    "check_calibration": "drumnmf.calibration_checks",
    "Transcription": "drumnmf.pipeline",
    "transcribe": "drumnmf.pipeline",
    "transcribe_many": "drumnmf.batch",
    "evaluate_paths": "drumnmf.evaluation.pairing",
    "load_annotations": "drumnmf.io.annotations",
    "make_score": "drumnmf.notation",
    "apply_edits": "drumnmf.editing",
    "load_note_map": "drumnmf.io.notemaps",
}

if TYPE_CHECKING:
    from drumnmf.batch import transcribe_many
    from drumnmf.calibration_checks import check_calibration
    from drumnmf.editing import apply_edits
    from drumnmf.evaluation.pairing import evaluate_paths
    from drumnmf.factorization import Factorization, factorize
    from drumnmf.io.annotations import load_annotations
    from drumnmf.io.notemaps import load_note_map
    from drumnmf.kit import Kit, calibrate, load_kit
    from drumnmf.notation import make_score
    from drumnmf.pipeline import Transcription, transcribe


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'drumnmf' has no attribute {name!r}")
