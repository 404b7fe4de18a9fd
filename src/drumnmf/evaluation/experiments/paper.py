"""The paper's study: MUR against NeNMF on one budget (``drumnmf experiment paper``).

:func:`run_paper` runs :func:`~drumnmf.evaluation.experiments.variants.paper_variants` on
a dataset and writes Fig. 4 (:func:`plot_budget_losses`), Tables 1-3, the runtimes, the
per-item scores and ``config.json``; it returns a :class:`PaperReport`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.experiments.datasets import (
    CLASSES,
    ProgressCallback,
    dataset_items,
    select_items,
)
from drumnmf.evaluation.experiments.runner import (
    DEFAULT_JOBS,
    PICKERS,
    WINDOW,
    Results,
    run_variants,
    score,
)
from drumnmf.evaluation.experiments.tables import (
    Table,
    adaptive_table,
    loss_curves,
    provenance,
    reporting_groups,
    runs_table,
    runtime_table,
    topk_table,
    write_table,
    write_text,
)
from drumnmf.evaluation.experiments.variants import paper_variants
from drumnmf.io.export import write_json

__all__ = ["PaperReport", "plot_budget_losses", "run_paper"]

# ----------------------------------------------------------------------------- Fig. 4

_COLORS = ("#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e")


def plot_budget_losses(curves: Table, path: str | os.PathLike[str]) -> Path:
    """Draw Fig. 4: normalized loss against reads of V and against time, one line per solver.

    Parameters
    ----------
    curves : Table
        From :func:`~drumnmf.evaluation.experiments.tables.loss_curves`.
    path : path-like
        PNG (or SVG, PDF) to write.

    Returns
    -------
    Path
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise DrumnmfError("Fig. 4 needs matplotlib: pip install 'drumnmf[plot]'") from exc
    from drumnmf.display.plots import save_figure

    fig = Figure(figsize=(10.0, 4.2), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharey=True)
    names = list(dict.fromkeys(row[0] for row in curves.rows))
    for k, name in enumerate(names):
        rows = np.array([row[1:7] for row in curves.rows if row[0] == name], dtype=np.float64)
        files = next(row[7] for row in curves.rows if row[0] == name)
        color = _COLORS[k % len(_COLORS)]
        marker = "o" if rows.shape[0] <= 30 else None
        for ax, x in zip(axes, (rows[:, 1], rows[:, 2]), strict=True):
            ax.fill_between(x, rows[:, 4], rows[:, 5], color=color, alpha=0.2, lw=0)
            ax.plot(
                x,
                rows[:, 3],
                color=color,
                lw=1.6,
                marker=marker,
                ms=3,
                label=f"{name} ({rows.shape[0]} it., {files} files)",
            )
    axes[0].set_xlabel("reads of V (2 per MUR sweep or NeNMF outer iteration)")
    axes[1].set_xlabel("seconds per 1000 frames (mean over files)")
    axes[0].set_ylabel("loss / ||V||²  (median, quartile band)")
    from matplotlib.ticker import NullFormatter

    for ax in axes:
        ax.set_yscale("log")
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels collide on short ranges
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend()
    fig.suptitle("Fig. 4: partially fixed NMF loss, MUR against NeNMF on one budget axis")
    save_figure(fig, path)
    return Path(path)


# ----------------------------------------------------------------------------- the paper


@dataclass(frozen=True, eq=False)
class PaperReport:
    """What :func:`run_paper` made.

    Attributes
    ----------
    out : Path
        The output folder.
    files : dict str -> Path
        Written files by role (``config``, ``table1_csv``, ``fig4``, ``summary``...).
    results : Results
    tables : dict str -> Table
    """

    out: Path
    files: dict[str, Path]
    results: Results
    tables: dict[str, Table] = field(default_factory=dict)


def run_paper(
    kind: str,
    path: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str],
    subsets: Sequence[str] = (),
    splits: Sequence[str] | None = None,
    limit: int | None = None,
    jobs: int = DEFAULT_JOBS,
    window: float = WINDOW,
    enst_mix: str = "wet_mix",
    enst_calibration: str = "auto",
    enst_accompaniment: bool = False,
    command: str | Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
) -> PaperReport:
    """Reproduce the paper's study (MUR against NeNMF) on a dataset.

    Parameters
    ----------
    kind : {"corpus", "enst"}
        ``corpus``: a development corpus folder or manifest (``drumnmf corpus build``);
        ``enst``: an ENST-Drums copy.
    path : path-like
    out : path-like
        Output folder (created): ``config.json``, ``summary.md``, ``table1_topk``,
        ``table2_mur_adaptive``, ``table3_nenmf_adaptive``, ``runtimes`` (each ``.csv`` and
        ``.md``), ``fig4_losses.png`` and ``.csv``, ``items.csv``, ``scores.json`` and, for
        ENST, the calibrated kits under ``kits/``.
    subsets : sequence of str
        Subset patterns or prefixes to run (default all).
    splits : sequence of str, optional
        Splits to run; default every split but ``train`` (tuning material).
    limit : int, optional
        Most items per subset.
    jobs : int
        Worker processes.
    window : float
        Matching window, seconds.
    enst_mix, enst_calibration, enst_accompaniment
        ENST options, see :func:`enst_items`.
    command : str or sequence of str, optional
        The command line, recorded in ``config.json``.
    progress : callable, optional
        Called with a line of text as the run advances.

    Returns
    -------
    PaperReport
    """
    from drumnmf.io.export import check_writable_dir

    folder = check_writable_dir(out)
    everything = dataset_items(
        kind,
        path,
        kits_dir=folder / "kits",
        enst_mix=enst_mix,
        enst_calibration=enst_calibration,
        enst_accompaniment=enst_accompaniment,
        subsets=subsets,
        progress=progress,
    )
    if splits is None:
        splits = tuple(dict.fromkeys(i.split for i in everything if i.split != "train"))
    items = select_items(everything, subsets=subsets, splits=splits, limit=limit)
    if not items:
        known = ", ".join(dict.fromkeys(i.subset for i in everything)) or "none"
        raise DrumnmfError(
            f"no items match --subset {list(subsets)} and splits {list(splits)}; subsets: {known}"
        )
    variants = paper_variants()
    results = run_variants(items, variants, jobs=jobs, progress=progress)
    if not results.runs:
        raise DrumnmfError("every item failed: " + "; ".join(f.message for f in results.failures))
    names = [v.name for v in variants]
    tables = {
        "table1_topk": topk_table(results, names, window=window),
        "table2_mur_adaptive": adaptive_table(
            results, "MUR", window=window, title="Table 2: adaptive threshold, MUR (100 sweeps)"
        ),
        "table3_nenmf_adaptive": adaptive_table(
            results, "NeNMF", window=window, title="Table 3: adaptive threshold, NeNMF (10 x 10)"
        ),
        "runtimes": runtime_table(results, names, title="Runtimes of the two solvers"),
        "fig4_losses": loss_curves(results, names),
    }
    detail = {
        "table1_topk_per_subset": topk_table(
            results, names, window=window, per_subset=True, title="Table 1 per subset"
        ),
        "items": runs_table(results, window),
    }
    files: dict[str, Path] = {}
    for stem, table in {**tables, **detail}.items():
        csv_path, md_path = write_table(folder, stem, table)
        files[f"{stem}_csv"], files[f"{stem}_md"] = csv_path, md_path
    files["fig4"] = plot_budget_losses(tables["fig4_losses"], folder / "fig4_losses.png")
    meta = provenance(command)
    config = {
        "format": "drumnmf-experiment",
        "version": 1,
        "experiment": "paper",
        "dataset": {"kind": kind, "path": str(Path(path).resolve())},
        "selection": {"subsets": list(subsets), "splits": list(splits), "limit": limit},
        "evaluation": {
            "classes": CLASSES,
            "window": window,
            "empty": "skip",
            "pickers": list(PICKERS),
        },
        "enst": {
            "mix": enst_mix,
            "calibration": enst_calibration,
            "accompaniment": enst_accompaniment,
        }
        if kind == "enst"
        else None,
        "variants": [v.to_dict() for v in variants],
        "jobs": jobs,
        "seconds": round(results.seconds, 1),
        "items": [i.id for i in items],
        "failures": [f.__dict__ for f in results.failures],
        **meta,
    }
    files["config"] = folder / "config.json"
    write_json(files["config"], config)
    scores = {
        f"{name}/{picker}/{label}": score(
            results.select(name, patterns), picker, window=window
        ).to_dict()
        for name in names
        for picker in PICKERS
        for label, patterns in reporting_groups(results, per_subset=True)
        if results.select(name, patterns)
    }
    files["scores"] = folder / "scores.json"
    write_json(
        files["scores"], {"format": "drumnmf-experiment-scores", "version": 1, "scores": scores}
    )
    files["summary"] = folder / "summary.md"
    write_text(files["summary"], _paper_summary(results, tables, config, kind))
    return PaperReport(out=folder, files=files, results=results, tables=tables)


def _paper_summary(
    results: Results, tables: Mapping[str, Table], config: Mapping[str, Any], kind: str
) -> str:
    leaky = sum(1 for i in results.items if i.leaky)
    lines = [
        "# The paper's study: MUR against NeNMF",
        "",
        f"Dataset: {kind} `{config['dataset']['path']}`, {len(results.items)} files "
        f"({leaky} with leaky templates cut from the file itself). "
        f"Made by `{config['command']}` on {config['date']}, drumnmf "
        f"{config['versions']['drumnmf']}, git {config['git_revision']}"
        + (" (uncommitted changes)" if config["git_dirty"] else "")
        + f"; {config['seconds']} s with {results.jobs} worker(s).",
        "",
        "Configurations: " + "; ".join(v.to_dict()["description"] for v in results.variants) + ".",
        "Evaluation: 3 classes (kick, snare, hi-hat), "
        f"{config['evaluation']['window'] * 1000:g} ms window.",
        "",
        tables["table1_topk"].markdown(heading="##"),
        tables["table2_mur_adaptive"].markdown(heading="##"),
        tables["table3_nenmf_adaptive"].markdown(heading="##"),
        tables["runtimes"].markdown(heading="##"),
        "## Fig. 4",
        "",
        "![Fig. 4](fig4_losses.png)",
        "",
    ]
    if results.failures:
        lines += ["## Failures", ""]
        lines += [f"- `{f.item}` ({f.variant}): {f.message}" for f in results.failures]
    return "\n".join(lines) + "\n"
