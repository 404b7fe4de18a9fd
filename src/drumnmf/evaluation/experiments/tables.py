"""Tables of an experiment's results, and what is needed to repeat it.

:class:`Table` renders as CSV and Markdown; :func:`topk_table` (the paper's Table 1),
:func:`adaptive_table` (Tables 2 and 3), :func:`runtime_table`, :func:`loss_curves`
(Fig. 4's data) and :func:`runs_table` (per item) build them from
:class:`~drumnmf.evaluation.experiments.runner.Results`. :func:`provenance` and
:func:`git_revision` record the command, versions and commit of a run.
"""

from __future__ import annotations

import csv
import io
import math
import os
import platform
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from drumnmf.evaluation.experiments.datasets import CLASSES
from drumnmf.evaluation.experiments.runner import PICKERS, WINDOW, Results, score

__all__ = [
    "Table",
    "adaptive_table",
    "git_revision",
    "loss_curves",
    "provenance",
    "reporting_groups",
    "runs_table",
    "runtime_table",
    "subset_group",
    "topk_table",
    "write_table",
    "write_text",
]


def subset_group(subset: str) -> str:
    """The reporting group of a subset: Groove subsets pooled over kits.

    >>> subset_group("groove/validation/GMRockKit/acc0db")
    'groove/validation/*/acc0db'
    """
    parts = subset.split("/")
    if parts[0] == "groove" and len(parts) == 4:
        parts[2] = "*"
    return "/".join(parts)


def reporting_groups(results: Results, *, per_subset: bool) -> list[tuple[str, tuple[str, ...]]]:
    """(label, patterns) of the reporting groups present, then everything."""
    subsets = list(dict.fromkeys(r.item.subset for r in results.runs))
    names = subsets if per_subset else list(dict.fromkeys(subset_group(s) for s in subsets))
    groups: list[tuple[str, tuple[str, ...]]] = [(name, (name,)) for name in names]
    if len(groups) > 1:
        groups.append(("all", ()))
    return groups


def _f(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.3f}"


# ----------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Table:
    """A table written as CSV (machine) and Markdown (human)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""

    def markdown(self, *, heading: str = "###") -> str:
        """The table as GitHub Markdown, with its title as a heading and its note below."""

        def cell(value: Any) -> str:
            if isinstance(value, float):
                return _f(value)
            return "–" if value is None else str(value)

        lines = [f"{heading} {self.title}", ""] if self.title else []
        lines.append("| " + " | ".join(self.header) + " |")
        numeric = [
            bool(self.rows) and all(isinstance(row[i], (int, float)) for row in self.rows)
            for i in range(len(self.header))
        ]
        lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines) + "\n"

    def csv(self) -> str:
        """The table as CSV (NaN as empty cells)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        for row in self.rows:
            writer.writerow(
                [
                    ""
                    if v is None or (isinstance(v, float) and math.isnan(v))
                    else (f"{v:.6g}" if isinstance(v, float) else v)
                    for v in row
                ]
            )
        return buffer.getvalue()


def write_text(path: Path, text: str) -> None:
    from drumnmf.io.export import atomic_path

    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def write_table(folder: Path, stem: str, table: Table) -> list[Path]:
    paths = [folder / f"{stem}.csv", folder / f"{stem}.md"]
    write_text(paths[0], table.csv())
    write_text(paths[1], table.markdown(heading="#"))
    return paths


def topk_table(
    results: Results,
    variants: Sequence[str],
    *,
    window: float = WINDOW,
    per_subset: bool = False,
    title: str = "",
) -> Table:
    """Table 1: oracle top-k F per class, micro and macro, per variant and group."""
    rows = []
    for label, patterns in reporting_groups(results, per_subset=per_subset):
        for name in variants:
            runs = results.select(name, patterns)
            if not runs:
                continue
            s = score(runs, "topk", window=window)
            micro = [*(s.micro[d].f_measure for d in s.drums), s.micro_total.f_measure]
            macro = [*(s.macro[d] for d in s.drums), s.macro_total]
            for mean, values in (("micro", micro), ("macro", macro)):
                rows.append((label, len(runs), name, mean, *values))
    return Table(
        title or "Table 1: oracle top-k F-measure",
        ("data", "files", "solver", "mean", "kick", "snare", "hihat", "all"),
        tuple(rows),
        note=f"k = number of reference onsets per class and file; {window * 1000:g} ms window; "
        "micro pools TP/FP/FN over files, macro averages the files' F.",
    )


def adaptive_table(
    results: Results,
    variant: str,
    *,
    window: float = WINDOW,
    per_subset: bool = False,
    title: str = "",
) -> Table:
    """Tables 2 and 3: adaptive-threshold P, R, F per class of one variant."""
    rows = []
    for label, patterns in reporting_groups(results, per_subset=per_subset):
        runs = results.select(variant, patterns)
        if not runs:
            continue
        s = score(runs, "adaptive", window=window)
        row: list[Any] = [label, len(runs)]
        for d in s.drums:
            row += [s.micro[d].precision, s.micro[d].recall, s.micro[d].f_measure]
        row += [
            s.micro_total.precision,
            s.micro_total.recall,
            s.micro_total.f_measure,
            s.macro_total,
        ]
        rows.append(tuple(row))
    header = ["data", "files"]
    for d in ("kick", "snare", "hihat", "all"):
        header += [f"{d} P", f"{d} R", f"{d} F"]
    header.append("all macro F")
    return Table(
        title or f"Adaptive threshold: {variant}",
        tuple(header),
        tuple(rows),
        note=f"Micro P/R/F pooled over files; {window * 1000:g} ms window.",
    )


def runtime_table(results: Results, variants: Sequence[str], *, title: str = "") -> Table:
    """Mean seconds per file and per 1000 frames of each variant (factorization and total)."""
    rows = []
    base: float | None = None
    for name in variants:
        runs = results.select(name)
        if not runs:
            continue
        frames = sum(r.n_frames for r in runs)
        factorize = sum(r.seconds["factorize"] for r in runs)
        total = sum(r.seconds["total"] for r in runs)
        per_1000 = 1000 * factorize / frames
        base = base or per_1000
        rows.append(
            (
                name,
                len(runs),
                round(frames / len(runs)),
                int(np.median([r.losses.size for r in runs])),
                factorize / len(runs),
                per_1000,
                total / len(runs),
                1000 * total / frames,
                per_1000 / base,
            )
        )
    return Table(
        title or "Runtimes",
        (
            "variant",
            "files",
            "mean frames",
            "iterations",
            "factorize s/file",
            "factorize s/1000 frames",
            "total s/file",
            "total s/1000 frames",
            "factorize ratio",
        ),
        tuple(rows),
        note=f"Wall-clock seconds with {results.jobs} worker process(es)"
        + (" of one BLAS thread each" if results.jobs > 1 else "")
        + " on a shared machine: compare the ratios (last column, to the first row), "
        "not the absolute times.",
    )


# ----------------------------------------------------------------------------- Fig. 4


def loss_curves(results: Results, variants: Sequence[str]) -> Table:
    """Fig. 4's data: median (and quartiles) over files of the normalized loss per iteration."""
    rows = []
    for name in variants:
        runs = [r for r in results.select(name) if r.losses.size]
        if not runs:
            continue
        n = min(r.losses.size for r in runs)
        losses = np.stack([r.losses[:n] for r in runs])
        per_1000 = np.stack([r.elapsed[:n] / (r.n_frames / 1000) for r in runs])
        q25, median, q75 = np.percentile(losses, [25, 50, 75], axis=0)
        for i in range(n):
            rows.append(
                (
                    name,
                    i + 1,
                    2 * (i + 1),
                    float(per_1000[:, i].mean()),
                    float(median[i]),
                    float(q25[i]),
                    float(q75[i]),
                    len(runs),
                )
            )
    return Table(
        "Fig. 4 data: loss / ||V||^2 per outer iteration",
        (
            "solver",
            "iteration",
            "reads of V",
            "seconds per 1000 frames",
            "median loss",
            "q25 loss",
            "q75 loss",
            "files",
        ),
        tuple(rows),
    )


# ----------------------------------------------------------------------------- provenance


def git_revision(folder: str | os.PathLike[str] | None = None) -> tuple[str, bool | None]:
    """The git commit of ``folder`` (default: this package's checkout) and whether it is dirty.

    Returns
    -------
    revision : str
        ``git rev-parse HEAD``, or ``"unknown"`` outside a git checkout.
    dirty : bool or None
        Tracked files differ from the commit; None when unknown.
    """
    where = Path(folder) if folder is not None else Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if head.returncode != 0:
            return "unknown", None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown", None
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return head.stdout.strip(), dirty


def provenance(command: str | Sequence[str] | None = None) -> dict[str, Any]:
    """What is needed to repeat a run: command, date, versions, git revision, BLAS.

    Parameters
    ----------
    command : str or sequence of str, optional
        The command line that made the run.
    """
    from importlib import metadata

    from drumnmf.pipeline import versions

    found = versions()
    for name in ("matplotlib", "threadpoolctl"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    revision, dirty = git_revision()
    blas: list[dict[str, Any]] = []
    try:
        from threadpoolctl import threadpool_info

        blas = [
            {
                k: v
                for k, v in info.items()
                if k
                in ("internal_api", "version", "architecture", "num_threads", "threading_layer")
            }
            for info in threadpool_info()
        ]
    except ImportError:  # pragma: no cover
        pass
    if command is not None and not isinstance(command, str):
        command = shlex.join(command)
    return {
        "command": command,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_revision": revision,
        "git_dirty": dirty,
        "versions": found,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "blas": blas,
        "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")},
    }


def runs_table(results: Results, window: float) -> Table:
    """Per item and variant: F per class for both pickers, timing, final loss."""
    from drumnmf.io.annotations import CLASSES as CLASS_NAMES

    rows = []
    for r in results.runs:
        scores = {p: score([r], p, window=window).files[r.item.id] for p in PICKERS}
        row: list[Any] = [r.item.id, r.item.subset, r.item.split, r.item.leaky, r.variant]
        for p in PICKERS:
            row += [scores[p].drums[d].f_measure for d in CLASS_NAMES[CLASSES]]
        row += [
            r.n_frames,
            r.seconds["factorize"],
            r.seconds["total"],
            float(r.losses[-1]) if r.losses.size else math.nan,
        ]
        rows.append(tuple(row))
    header = ["item", "subset", "split", "leaky", "variant"]
    header += [f"{p} {d} F" for p in PICKERS for d in CLASS_NAMES[CLASSES]]
    header += ["frames", "factorize s", "total s", "final loss / ||V||^2"]
    return Table("Per-item F-measures", tuple(header), tuple(rows))
