"""Experiments: the paper's study (MUR against NeNMF) and the accuracy report, on any corpus.

An experiment runs named pipeline configurations (:class:`Variant`) over annotated
recordings (:class:`ExperimentItem`), keeps each run's onsets, losses and timing
(:class:`Run`), and scores them with :mod:`drumnmf.evaluation.metrics`.

Modules, in the order an experiment uses them: :mod:`.variants` (named configurations),
:mod:`.datasets` (items of the corpus and of ENST-Drums), :mod:`.runner` (the process
pool, runs and scores), :mod:`.tables` (tables and provenance), :mod:`.paper` and
:mod:`.accuracy` (the two studies). Every public name is importable from here.

* :func:`run_paper` (``drumnmf experiment paper``) reproduces Foster & Webber's study on
  ENST-Drums or on the development corpus: Fig. 4 (loss against a shared budget), Table 1
  (oracle top-k F), Tables 2 and 3 (adaptive-threshold F of MUR and of NeNMF) and the
  runtimes, as CSV, Markdown and PNG, with ``config.json`` recording the configuration,
  versions and git revision.
* :func:`run_accuracy` (``drumnmf experiment accuracy``) writes ``docs/accuracy.md``: the
  paper's protocol and the default pipeline on every development subset, plus an ablation
  table of the named variants in :data:`ABLATIONS`.

Conventions
-----------
Classes
    References and estimates are pooled into 3 classes (kick, snare, hihat) with
    :func:`drumnmf.io.annotations.reduce_classes`; every other drum is left out
    (``run_variants(..., classes=5)`` also scores tom and cymbal).
Matching
    50 ms either side (``window``), mir_eval's matching; see :mod:`drumnmf.evaluation.metrics`.
    *Micro* F pools TP/FP/FN over files, *macro* F is the mean of the files' F. A class
    neither annotated nor detected in a file is skipped, not scored 0 or 1.
Pickers
    Each run factorizes once and is scored twice. *Adaptive*: the pipeline's onsets (the
    variant's threshold settings), pooled into classes by
    :func:`drumnmf.evaluation.metrics.scoring_classes`, the rule ``drumnmf evaluate``
    applies to the same onsets as CSV (:func:`write_estimates`). *Top-k* (oracle): the
    activation rows of a class's drums are summed and its k
    highest peaks kept, k being the class's number of reference onsets in the file.
Budget
    Both solvers read the spectrogram ``V`` twice per outer iteration (a MUR sweep, a NeNMF
    outer iteration) and NeNMF's inner steps never touch it, so Fig. 4 puts the losses on a
    shared axis of reads of ``V``, and on wall-clock seconds per 1000 frames. Losses are
    divided by ``||V||_F^2`` of their file.
ENST-Drums
    The paper calibrates its templates from isolated hits. ``enst_calibration="hits"``
    does the same with each drummer's own ``hits`` recordings (same microphone mix as the
    evaluated track; one template per class, the mean over its hits files, preferring
    those played with sticks): the kit never saw the evaluated track. ``"track"`` cuts the
    templates from the annotated isolated hits of the evaluated track itself
    (:func:`drumnmf.kit.calibrate_from_annotations`): optimistic, so those items are
    marked ``leaky``. ``"auto"`` (default) takes the hits when a drummer has hits files of
    kick, snare and hi-hat, else the track.
"""

from drumnmf.evaluation.experiments.accuracy import (
    AccuracyReport,
    render_accuracy_doc,
    run_accuracy,
)
from drumnmf.evaluation.experiments.comparison import (
    find_peers,
    peers_table,
    protocol_table,
    velocity_table,
)
from drumnmf.evaluation.experiments.datasets import (
    DATASET_KINDS,
    ENST_CALIBRATIONS,
    ENST_MIXES,
    ExperimentItem,
    corpus_items,
    dataset_items,
    enst_items,
    enst_track_kind,
    find_enst_drummers,
    select_items,
)
from drumnmf.evaluation.experiments.paper import PaperReport, plot_budget_losses, run_paper
from drumnmf.evaluation.experiments.runner import (
    Failure,
    Results,
    Run,
    run_variants,
    score,
    write_estimates,
)
from drumnmf.evaluation.experiments.tables import (
    Table,
    adaptive_table,
    git_revision,
    loss_curves,
    provenance,
    runtime_table,
    subset_group,
    topk_table,
)
from drumnmf.evaluation.experiments.variants import (
    ABLATIONS,
    Variant,
    accuracy_variants,
    describe_config,
    paper_variants,
    parse_variant,
    protocol_variants,
)

__all__ = [
    "ABLATIONS",
    "DATASET_KINDS",
    "ENST_CALIBRATIONS",
    "ENST_MIXES",
    "AccuracyReport",
    "ExperimentItem",
    "Failure",
    "PaperReport",
    "Results",
    "Run",
    "Table",
    "Variant",
    "accuracy_variants",
    "adaptive_table",
    "corpus_items",
    "dataset_items",
    "describe_config",
    "enst_items",
    "enst_track_kind",
    "find_enst_drummers",
    "find_peers",
    "git_revision",
    "loss_curves",
    "paper_variants",
    "parse_variant",
    "peers_table",
    "plot_budget_losses",
    "protocol_table",
    "protocol_variants",
    "provenance",
    "render_accuracy_doc",
    "run_accuracy",
    "run_paper",
    "run_variants",
    "runtime_table",
    "score",
    "select_items",
    "subset_group",
    "topk_table",
    "velocity_table",
    "write_estimates",
]
