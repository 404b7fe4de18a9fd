"""The accuracy report: ``docs/accuracy.md`` (``drumnmf experiment accuracy``).

:func:`run_accuracy` runs :func:`~drumnmf.evaluation.experiments.variants.accuracy_variants`
on the validation subsets of the development corpus and the :data:`ABLATIONS` on its train
split, and writes the document (:func:`render_accuracy_doc`); it returns an
:class:`AccuracyReport`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.experiments.comparison import (
    find_peers,
    peers_table,
    protocol_table,
    velocity_table,
)
from drumnmf.evaluation.experiments.datasets import ProgressCallback, corpus_items, select_items
from drumnmf.evaluation.experiments.runner import (
    DEFAULT_JOBS,
    WINDOW,
    Results,
    Run,
    run_variants,
    score,
)
from drumnmf.evaluation.experiments.tables import (
    Table,
    adaptive_table,
    provenance,
    runs_table,
    runtime_table,
    subset_group,
    topk_table,
    write_table,
    write_text,
)
from drumnmf.evaluation.experiments.variants import (
    ABLATIONS,
    Variant,
    accuracy_variants,
    describe_config,
    protocol_variants,
)
from drumnmf.io.export import write_json

if TYPE_CHECKING:
    from drumnmf.evaluation.corpus import Manifest

__all__ = ["AccuracyReport", "render_accuracy_doc", "run_accuracy"]


@dataclass(frozen=True, eq=False)
class AccuracyReport:
    """What :func:`run_accuracy` made: the document, its results and the files written."""

    doc: Path
    text: str
    results: Results
    ablations: Results | None
    files: dict[str, Path] = field(default_factory=dict)


def run_accuracy(
    corpus: str | os.PathLike[str],
    *,
    doc: str | os.PathLike[str] = "docs/accuracy.md",
    out: str | os.PathLike[str] | None = None,
    variants: Sequence[Variant] | None = None,
    ablations: Sequence[Variant] = ABLATIONS,
    splits: Sequence[str] = ("validation", "dev"),
    ablation_splits: Sequence[str] = ("train",),
    limit: int | None = None,
    ablation_limit: int | None = None,
    jobs: int = DEFAULT_JOBS,
    window: float = WINDOW,
    command: str | Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    peers: str | os.PathLike[str] | None = None,
    compare: bool = True,
    protocols: bool = True,
    cache: str | os.PathLike[str] | None = None,
) -> AccuracyReport:
    """Measure the paper's protocol and the default pipeline on the development corpus.

    Parameters
    ----------
    corpus : path-like
        The corpus folder or manifest (``drumnmf corpus build``).
    doc : path-like
        The Markdown document to write (``docs/accuracy.md``).
    out : path-like, optional
        Also write the tables as CSV and ``config.json`` here.
    variants : sequence of Variant, optional
        The reported pipelines; default :func:`accuracy_variants`.
    ablations : sequence of Variant
        The rows of the ablation table (empty: the section lists none).
    splits : sequence of str
        Splits reported (validation; MDB's ``dev``).
    ablation_splits : sequence of str
        Splits the ablations run on (tuning happens on ``train``).
    limit : int, optional
        Most items per subset (a quick look; the document says so).
    ablation_limit : int, optional
        Most items per subset for the ablations (default: ``limit``).
    jobs : int
        Worker processes.
    window : float
        Matching window, seconds.
    command : str or sequence of str, optional
        The command line, recorded in the document.
    progress : callable, optional
    peers : path-like, optional
        The ``peers`` folder holding ``adtof/<item id>.csv``; default ``../shared/peers``
        (:func:`~drumnmf.evaluation.experiments.comparison.find_peers`). When absent the
        comparison is skipped with a note.
    compare : bool
        Compare with the peer at all.
    protocols : bool
        Also run the calibration protocols (:func:`protocol_variants`) when the corpus has
        their kits (``drumnmf corpus build --kits-only`` adds them).
    cache : path-like, optional
        A folder of finished runs (:mod:`drumnmf.evaluation.experiments.cache`): a
        repeated or interrupted run resumes, recomputing only what changed.

    Returns
    -------
    AccuracyReport
    """
    from drumnmf.evaluation.protocols import protocol_kit_path

    everything = corpus_items(corpus)
    chosen = tuple(variants) if variants is not None else accuracy_variants()
    groove = [i for i in everything if i.subset.startswith("groove/") and i.kit is not None]
    has_protocols = bool(groove) and all(
        protocol_kit_path(groove[0].kit, v.kit).is_file()  # type: ignore[arg-type]
        for v in protocol_variants()
    )
    if protocols and has_protocols and variants is None:
        chosen = (*chosen, *protocol_variants())
    peers_folder = find_peers(peers) if compare else None
    items = select_items(everything, splits=splits, limit=limit)
    if not items:
        raise DrumnmfError(f"the corpus has no items in splits {list(splits)}")
    report = progress or (lambda _line: None)
    report(f"reported pipelines: {len(items)} items x {len(chosen)} variants")
    results = run_variants(items, chosen, jobs=jobs, progress=progress, cache=cache)
    ablation_results = None
    ablation_items = select_items(
        everything, splits=ablation_splits, limit=ablation_limit if ablation_limit else limit
    )
    if ablations and ablation_items:
        report(f"ablations: {len(ablation_items)} items x {len(ablations)} variants")
        ablation_results = run_variants(
            ablation_items, ablations, jobs=jobs, progress=progress, cache=cache
        )
    from drumnmf.evaluation.corpus import load_manifest

    manifest = load_manifest(corpus)
    meta = provenance(command)
    text = render_accuracy_doc(
        results,
        ablation_results,
        meta=meta,
        manifest=manifest,
        window=window,
        limit=limit,
        ablation_splits=ablation_splits,
        ablation_limit=ablation_limit,
        peers=peers_folder,
        peers_note=_peers_note(compare, peers),
        protocols_note=""
        if has_protocols or not protocols
        else "The corpus has no protocol kits; add them with `drumnmf corpus build --out "
        "CORPUS --kits-only`.",
    )
    doc_path = Path(doc)
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    write_text(doc_path, text)
    files: dict[str, Path] = {"doc": doc_path}
    if out is not None:
        from drumnmf.io.export import check_writable_dir

        folder = check_writable_dir(out)
        names = [v.name for v in results.variants]
        tables = {
            "adaptive_" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_"): adaptive_table(
                results, name, window=window, per_subset=True
            )
            for name in names
        }
        tables["topk"] = topk_table(results, names, window=window, per_subset=True)
        tables["items"] = runs_table(results, window)
        if ablation_results is not None:
            tables["ablation_items"] = runs_table(ablation_results, window)
        for stem, table in tables.items():
            for path in write_table(folder, stem, table):
                files[path.name] = path
        files["config"] = folder / "config.json"
        write_json(
            files["config"],
            {
                "format": "drumnmf-experiment",
                "version": 1,
                "experiment": "accuracy",
                "corpus": str(manifest.root.resolve()),
                "splits": list(splits),
                "ablation_splits": list(ablation_splits),
                "limit": limit,
                "window": window,
                "variants": [v.to_dict() for v in results.variants],
                "ablations": [v.to_dict() for v in ablations],
                "jobs": jobs,
                **meta,
            },
        )
    return AccuracyReport(
        doc=doc_path, text=text, results=results, ablations=ablation_results, files=files
    )


def _peers_note(compare: bool, peers: str | os.PathLike[str] | None) -> str:
    if not compare:
        return "Not compared (`--no-peers`)."
    where = f"`{peers}`" if peers is not None else "`../shared/peers`"
    return (
        f"Skipped: no peer estimates found in {where} (`adtof/<item id>.csv`); run from the "
        "repository root with `../shared/peers` present, or pass `--peers DIR`."
    )


def _micro_row(runs: Sequence[Run], picker: str, window: float) -> tuple[Any, ...]:
    s = score(runs, picker, window=window)
    return (*(s.micro[d].f_measure for d in s.drums), s.micro_total.f_measure, s.macro_total)


def _kit_of_subset(subset: str) -> str:
    parts = subset.split("/")
    return parts[2] if parts[0] == "groove" and len(parts) == 4 else ""


def render_accuracy_doc(
    results: Results,
    ablations: Results | None,
    *,
    meta: Mapping[str, Any],
    manifest: Manifest | None = None,
    window: float = WINDOW,
    limit: int | None = None,
    ablation_splits: Sequence[str] = ("train",),
    ablation_limit: int | None = None,
    peers: Path | None = None,
    peers_note: str = "",
    protocols_note: str = "",
) -> str:
    """The text of ``docs/accuracy.md`` from the runs (see :func:`run_accuracy`)."""
    names = [v.name for v in results.variants]
    by_name = {v.name: v for v in results.variants}
    subsets = list(dict.fromkeys(r.item.subset for r in results.runs))
    n_items = len(results.items)
    out: list[str] = [
        "# Accuracy on the development corpus",
        "",
        "<!-- Generated by the command below; do not edit by hand: rerun it. -->",
        "",
        f"- command: `{meta.get('command')}`",
        f"- date: {meta.get('date')}",
        f"- drumnmf {meta['versions'].get('drumnmf')}, git `{meta.get('git_revision')}`"
        + (" (with uncommitted changes)" if meta.get("git_dirty") else ""),
        "- versions: "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if k != "drumnmf"),
        f"- machine: {meta.get('platform')}, {meta.get('cpus')} CPUs, "
        + ", ".join(
            f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')})"
            for b in meta.get("blas", [])
        ),
        f"- {n_items} files, {results.seconds / 60:.1f} min with {results.jobs} worker process(es)"
        + (
            f"; at most {limit} files per subset (a quick look, not the full corpus)"
            if limit
            else ""
        ),
    ]
    if manifest is not None:
        built = manifest.config
        out.append(
            f"- corpus: `{manifest.root}`, {len(manifest.items)} items; Groove MIDI: "
            f"{built.get('max_per_split') or 'all'} performances per split, first "
            f"{built.get('max_seconds')} s, kits {', '.join(built.get('kits', []))}"
        )
    out += [
        "",
        "## Protocol",
        "",
        "Every file is transcribed with its own calibrated kit (Groove: one medium hit of each "
        "drum of the same sample kit; MDB: templates cut from the track's own annotated "
        "isolated hits, so MDB numbers are optimistic, *leaky*). References and estimates are "
        "pooled into 3 classes (kick, snare, hi-hat) by the scoring rule of `drumnmf "
        "evaluate` (`scoring_classes`: only onsets of one class at the same instant merge), "
        f"so a user scoring drumnmf's CSVs gets these numbers; onsets match within "
        f"{window * 1000:g} ms. **Micro F** pools TP/FP/FN over the files of a subset; the "
        "last column is the macro F (mean of the files' F over classes and files).",
        "Tuning happens on the Groove *train* split; the numbers below are on the *validation* "
        "split (Groove) and the MDB development tracks, never used for tuning.",
        "",
        "Pipelines:",
        "",
    ]
    for v in results.variants:
        scope = f" (only on {', '.join(v.subsets)})" if v.subsets else ""
        kit = "built-in default kit" if v.kit == "default" else "calibrated kit"
        out.append(f"- **{v.name}**: {v.description or describe_config(v.config)}; {kit}{scope}.")
    out.append("")

    header = ("subset", "files", "pipeline", "kick", "snare", "hihat", "all", "macro all")

    def section(
        title: str, chosen: Sequence[str], picker: str, variants: Sequence[str], note: str = ""
    ) -> None:
        rows = []
        for subset in chosen:
            for name in variants:
                runs = results.select(name, (subset,))
                if runs:
                    rows.append((subset, len(runs), name, *_micro_row(runs, picker, window)))
        if rows:
            out.append(Table(title, header, tuple(rows), note=note).markdown(heading="###"))

    out += ["## drumnmf and ADTOF", ""]
    compared = peers_table(results, peers)
    out += [compared.markdown(heading="###")] if compared is not None else [peers_note, ""]
    out += ["## Recall by reference velocity", ""]
    velocities = velocity_table(results, peers)
    out += (
        [velocities.markdown(heading="###")]
        if velocities is not None
        else ["No velocity references (`velocity/*.csv`) in this corpus; rebuild it.", ""]
    )
    out += ["## Calibration protocols", ""]
    protocol_names = [n for n in names if by_name[n].kit in ("paper3", "full", "velocities")]
    protocol = protocol_table(results, protocol_names)
    out += (
        [protocol.markdown(heading="###")]
        if protocol is not None
        else [protocols_note or "No protocol variants were run.", ""]
    )
    adaptive_names = [n for n in names if by_name[n].kit == "item"]
    groove = [s for s in subsets if s.startswith("groove/")]
    mdb = [s for s in subsets if s.startswith("mdb/")]
    other = [s for s in subsets if s not in groove and s not in mdb]
    out += ["## Results: adaptive threshold (what a user gets)", ""]
    pooled = list(dict.fromkeys(subset_group(s) for s in groove))
    kits = list(dict.fromkeys(_kit_of_subset(s) for s in groove))
    pooled_title = f"Groove validation, pooled over the {len(kits)} kit(s)"
    section(pooled_title, pooled, "adaptive", adaptive_names)
    for kit in kits:
        section(
            f"Groove validation, kit {kit}",
            [s for s in groove if _kit_of_subset(s) == kit],
            "adaptive",
            adaptive_names,
        )
    section(
        "MDB Drums (leaky templates)",
        mdb,
        "adaptive",
        adaptive_names,
        note="mdb/drums: drum-only recording; mdb/acc: with the other stems at their "
        "recorded balance; mdb/mix: the official full mixes where they exist.",
    )
    section("Other subsets", other, "adaptive", adaptive_names)
    default_kit_names = [n for n in names if by_name[n].kit == "default"]
    if default_kit_names:
        drums_only = [s for s in groove if s.endswith("/drums")]
        compare = [n for n in names if n == "default"] + default_kit_names
        section(
            "Default kit, no calibration (rendered kits, drums only)",
            drums_only,
            "adaptive",
            compare,
            note="`default kit` transcribes with drumnmf's built-in kit instead of the "
            "kit calibrated on the same sample kit: what a user gets without "
            "calibrating.",
        )

    out += ["## Results: oracle top-k (the paper's Table 1 protocol)", ""]
    section(
        pooled_title,
        pooled,
        "topk",
        adaptive_names,
        note="k = the number of reference onsets per class and file.",
    )
    section("MDB Drums (leaky templates)", mdb, "topk", adaptive_names)
    section("Other subsets", other, "topk", adaptive_names)

    out += ["## Runtimes", ""]
    out.append(runtime_table(results, names, title="All reported files").markdown(heading="###"))

    out += ["## Ablations", ""]
    if ablations is None:
        out += [
            f"Not run (no items in splits {', '.join(ablation_splits)}, or no variants).",
            "",
        ]
    else:
        out.append(
            f"Named variants on the {', '.join(ablation_splits)} split (tuning data"
            + (f"; at most {ablation_limit} files per subset" if ablation_limit else "")
            + "), micro F per condition: the default (the learned picker, fitted on the train "
            "split, so its row there is in-sample), then the dB picker's pipeline and one "
            "change to it per row. Add a row: append "
            "a `Variant` to `drumnmf.evaluation.experiments.ABLATIONS`, or pass `--variant 'NAME: "
            "key=value, ...'` to `drumnmf experiment accuracy`."
        )
        out.append("")
        groups = list(dict.fromkeys(subset_group(r.item.subset) for r in ablations.runs))
        rows = []
        for v in ablations.variants:
            picker = v.config.picker
            cells: list[Any] = [v.name, picker]
            for group in groups:
                runs = ablations.select(v.name, (group,))
                cells.append(
                    score(runs, picker, window=window).micro_total.f_measure if runs else math.nan
                )
            runs = ablations.select(v.name)
            s = score(runs, picker, window=window)
            cells += [*(s.micro[d].f_measure for d in s.drums), s.micro_total.f_measure]
            per_1000 = (
                1000
                * sum(r.seconds["factorize"] for r in runs)
                / max(1, sum(r.n_frames for r in runs))
            )
            cells.append(round(per_1000, 3))
            rows.append(tuple(cells))
        header_ab = (
            "variant",
            "picker",
            *groups,
            "kick",
            "snare",
            "hihat",
            "all",
            "factorize s/1000 frames",
        )
        out.append(Table("Ablation table", header_ab, tuple(rows)).markdown(heading="###"))
        out.append("Variants:")
        out.append("")
        out += [
            f"- **{v.name}**: {v.description or describe_config(v.config)}"
            for v in ablations.variants
        ]
        out.append("")
    failures = [*results.failures, *(ablations.failures if ablations else ())]
    if failures:
        out += ["## Failures", ""]
        out += [f"- `{f.item}` ({f.variant}): {f.message}" for f in failures]
        out.append("")
    build = "drumnmf corpus build --out corpus"
    if manifest is not None and manifest.config.get("max_per_split"):
        build += f" --max-per-split {manifest.config['max_per_split']}"
    out += [
        "## Reproduce",
        "",
        "From the repository root, with `../shared` beside it (the data, and ADTOF's outputs in "
        "`../shared/peers`):",
        "",
        "```bash",
        build,
        "drumnmf corpus build --out corpus --kits-only  # protocol kits, velocity references",
        str(meta.get("command") or "drumnmf experiment accuracy corpus --doc docs/accuracy.md"),
        "```",
        "",
        f"This run took {results.seconds / 60:.1f} min for the reported pipelines"
        + (
            f" and {ablations.seconds / 60:.1f} min for the ablations"
            if ablations is not None
            else ""
        )
        + f" ({results.jobs} worker process(es)). With `--cache DIR` every finished run is "
        "kept: an interrupted run resumes, and a rerun recomputes only the runs whose code, "
        "variant or files changed.",
        "",
    ]
    return "\n".join(out)
