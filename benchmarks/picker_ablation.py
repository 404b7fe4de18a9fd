"""Ablation of the onset stage (picker, families, silence gates) on the development corpus.

The onset stage (:func:`drumnmf.picking.pick_onsets`) runs after the factorization and does
not change it, so each item is factorized once (default :class:`TranscribeConfig`) and every
variant re-picks from the same activations: a variant costs milliseconds, not a
transcription. Scores are micro F over kick / snare / hi-hat at 50 ms, onsets of one class
closer than ``min_interval`` merged (the rule of ``drumnmf experiment``).

Groove items use their corpus kit's templates with calibration levels and the cross-talk
matrix measured on the kit's own calibration hits (``corpus/kits/<Kit>/hits/*.wav``,
:func:`drumnmf.calibration.with_levels`), which is what ``drumnmf corpus build`` records in
the kit files from this version on; MDB kits (cut from annotations) have neither and use
the fallbacks. ``--peers`` adds ADTOF's estimates (``../shared/peers``) scored the same way.

    python benchmarks/picker_ablation.py --manifest corpus/manifest.json --split train \\
        --per-subset 100
    python benchmarks/picker_ablation.py --manifest corpus/manifest.json --split validation \\
        --peers ../shared/peers/adtof

With ``--protocols``, also the calibration protocols of the corpus
(``kits/<Kit>/protocols/{paper3,full,velocities}.json``, levels measured on their hit files)
on the drums-only items: whether calibrating every piece, or every piece at several
strengths, costs accuracy.

Also prints, for the built-in kit, the hits on 3 s of white noise and per minute of the MDB
accompaniment stems alone (``--mdb-stems``), and the built-in example's scores.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from drumnmf.calibration import with_levels
from drumnmf.evaluation.metrics import evaluate
from drumnmf.evaluation.render.calibration import CALIBRATION_SOUNDS, TEMPLATE_DRUMS
from drumnmf.io.annotations import load_annotations, reduce_classes
from drumnmf.io.audio import load_audio
from drumnmf.kit import Kit, default_kit, load_kit
from drumnmf.picking import pick_onsets
from drumnmf.pipeline import TranscribeConfig, transcribe
from drumnmf.spectrogram import frames_to_seconds

DRUMS = ("kick", "snare", "hihat")
DEFAULT = TranscribeConfig(picker="db")  # the dB onset stage, whose gates the rows change
VARIANTS: dict[str, TranscribeConfig] = {
    "round 3 default": replace(
        DEFAULT, picker="paper", families=False, rise_ratio=0.0, floor_db=0.0, leak_margin=0.0
    ),
    "dB picker": DEFAULT,
    "learned picker (default)": TranscribeConfig(),
    "paper picker": replace(DEFAULT, picker="paper"),
    "no families": replace(DEFAULT, families=False),
    "no rise gate": replace(DEFAULT, rise_ratio=0.0),
    "no kit floor": replace(DEFAULT, floor_db=0.0),
    "kit floor 20 dB": replace(DEFAULT, floor_db=20.0),
    "no cross-talk model": replace(DEFAULT, leak_margin=0.0),
}
CONDITIONS = ("drums", "acc0db", "acc-6db")


def kit_with_levels(corpus: Path, kit_name: str, cache: dict[str, Kit]) -> Kit:
    """The corpus kit's templates, with levels measured on its calibration hit files."""
    if kit_name in cache:
        return cache[kit_name]
    folder = corpus / "kits" / kit_name
    kit = load_kit(folder / "kit.json")
    if not kit.levels:
        recordings = []
        for sound in CALIBRATION_SOUNDS:
            path = folder / "hits" / f"{sound}.wav"
            if path.exists():
                drum = TEMPLATE_DRUMS.get(sound, sound)
                recordings.append((drum, load_audio(path, sample_rate=kit.settings.sample_rate)))
        kit = with_levels(kit, recordings)
    cache[kit_name] = kit
    return kit


def factorized(audio: Any, kit: Kit, sample_rate: int | None = None) -> tuple:
    """What the onset stage needs: templates, activations, factorized matrix, duration."""
    r = transcribe(audio, kit=kit, sample_rate=sample_rate, spectrogram_columns=None)
    f = r.factorization
    return f.templates, f.drum_activations, r.factorized, r.duration


def estimate(kit: Kit, parts: tuple, config: TranscribeConfig) -> dict[str, np.ndarray]:
    W, H, V, _ = parts
    picked = pick_onsets(kit, W, H, V, config, frame_rate=1.0 / kit.settings.frame_seconds)
    return {d: frames_to_seconds(f, kit.settings) for d, f in picked.frames.items()}


def line(result: Any) -> str:
    m, a = result.micro, result.micro_total
    cells = [f"{m[d].f_measure:.3f} ({m[d].precision:.2f}/{m[d].recall:.2f})" for d in DRUMS]
    return f"{a.precision:.3f} | {a.recall:.3f} | {a.f_measure:.3f} | " + " | ".join(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--split", default="train", choices=("train", "validation"))
    parser.add_argument("--per-subset", type=int, default=0, help="items per condition (0 = all)")
    parser.add_argument("--peers", type=Path, help="ADTOF estimates folder (peers/adtof)")
    parser.add_argument("--mdb-stems", type=Path, help="MDB accompaniment stems folder")
    parser.add_argument("--protocols", action="store_true", help="also the calibration protocols")
    args = parser.parse_args(argv)
    corpus = args.manifest.parent
    items = json.loads(args.manifest.read_text())["items"]
    subsets = [(f"{args.split} {c}", f"groove/{args.split}/*/{c}") for c in CONDITIONS]
    if args.split == "validation":
        subsets += [("MDB drums", "mdb/drums"), ("MDB acc", "mdb/acc"), ("MDB mix", "mdb/mix")]
    kits: dict[str, Kit] = {}
    tables: dict[str, dict[str, Any]] = {}
    peers: dict[str, Any] = {}
    for label, pattern in subsets:
        chosen = [i for i in items if fnmatch.fnmatch(i["subset"], pattern)]
        if args.per_subset:
            chosen = chosen[:: max(1, len(chosen) // args.per_subset)][: args.per_subset]
        refs, data = {}, {}
        for item in chosen:
            kit = (
                kit_with_levels(corpus, item["kit_name"], kits)
                if item.get("source") == "groove"
                else load_kit(corpus / item["kit"])
            )
            reference = load_annotations(corpus / item["reference"]).onsets
            refs[item["id"]] = reduce_classes(reference, 3)
            data[item["id"]] = (kit, factorized(corpus / item["audio"], kit))
        tables[label] = {}
        for name, config in VARIANTS.items():
            ests = {
                i: reduce_classes(estimate(k, p, config), 3, merge_window=config.min_interval)
                for i, (k, p) in data.items()
            }
            tables[label][name] = (len(refs), evaluate(refs, ests, drums=DRUMS))
        if args.peers:
            ests = {}
            for i in refs:
                subset, stem = i.rsplit("/", 1)
                on = load_annotations(args.peers / subset / f"{stem}.csv").onsets
                ests[i] = reduce_classes(on, 3, merge_window=0.05)
            peers[label] = evaluate(refs, ests, drums=DRUMS)
        print(f"# {label}: {len(refs)} files", file=sys.stderr, flush=True)
    names = list(VARIANTS) + (["ADTOF"] if peers else [])
    print("| subset | files | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for label, row in tables.items():
        n = next(iter(row.values()))[0]
        cells = [f"{r.micro_total.f_measure:.3f}" for _, r in row.values()]
        if peers:
            cells.append(f"{peers[label].micro_total.f_measure:.3f}")
        print(f"| {label} | {n} | " + " | ".join(cells) + " |")
    print("\n| subset | system | P | R | F | kick F (P/R) | snare F (P/R) | hi-hat F (P/R) |")
    print("|---|---|---|---|---|---|---|---|")
    for label, row in tables.items():
        for name in ("round 3 default", "dB picker", "learned picker (default)"):
            print(f"| {label} | {name} | {line(row[name][1])} |")
        if peers:
            print(f"| {label} | ADTOF | {line(peers[label])} |")
    if args.protocols:
        protocols(corpus, items, args)
    silence(args.mdb_stems)
    return 0


def protocols(corpus: Path, items: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """The Groove drums-only items with each calibration protocol's kit."""
    chosen = [i for i in items if fnmatch.fnmatch(i["subset"], f"groove/{args.split}/*/drums")]
    if args.per_subset:
        chosen = chosen[:: max(1, len(chosen) // args.per_subset)][: args.per_subset]
    names = (
        "round 3 default",
        "dB picker",
        "learned picker (default)",
        "no families",
        "paper picker",
    )
    print(f"\n| protocol ({len(chosen)} drums-only files) | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for protocol in ("paper3", "full", "velocities"):
        kits: dict[str, Kit] = {}
        refs, data = {}, {}
        for item in chosen:
            name = item["kit_name"]
            if name not in kits:
                folder = corpus / "kits" / name
                kit = load_kit(folder / "protocols" / f"{protocol}.json")
                hits = folder / ("velocity_hits" if protocol == "velocities" else "hits")
                recordings = [
                    (d, load_audio(hits / f"{d}.wav", sample_rate=kit.settings.sample_rate))
                    for d in kit.names
                    if (hits / f"{d}.wav").exists()
                ]
                kits[name] = kit if kit.levels else with_levels(kit, recordings)
            reference = load_annotations(corpus / item["reference"]).onsets
            refs[item["id"]] = reduce_classes(reference, 3)
            data[item["id"]] = (kits[name], factorized(corpus / item["audio"], kits[name]))
        cells = []
        for variant in names:
            config = VARIANTS[variant]
            ests = {
                i: reduce_classes(estimate(k, p, config), 3, merge_window=config.min_interval)
                for i, (k, p) in data.items()
            }
            cells.append(f"{evaluate(refs, ests, drums=DRUMS).micro_total.f_measure:.3f}")
        print(f"| {protocol} | " + " | ".join(cells) + " |", flush=True)


def silence(stems: Path | None) -> None:
    """Hits of the built-in kit where there is no drum, and on the built-in example."""
    from importlib import resources

    from drumnmf.example import example_path

    kit = default_kit()
    noise = (0.1 * np.random.default_rng(0).standard_normal(3 * 44100)).astype(np.float32)
    noise_parts = factorized(noise, kit, 44100)
    stem_parts = [factorized(p, kit) for p in sorted(stems.glob("*.flac"))] if stems else []
    minutes = sum(p[3] for p in stem_parts) / 60
    example = factorized(example_path(), kit)
    reference = load_annotations(resources.files("drumnmf").joinpath("data/example_onsets.txt"))
    print("\n| system | noise 3 s (hits) | accompaniment alone (hits/min) | example F | "
          "example toms / crashes |")  # fmt: skip
    print("|---|---|---|---|---|")
    for name, config in VARIANTS.items():
        n_noise = sum(v.size for v in estimate(kit, noise_parts, config).values())
        n_stems = sum(sum(v.size for v in estimate(kit, p, config).values()) for p in stem_parts)
        on = estimate(kit, example, config)
        scored = evaluate({"x": reference.onsets}, {"x": on}, drums=tuple(kit.names))
        rate = f"{n_stems / minutes:.0f}" if minutes else "-"
        print(
            f"| {name} | {n_noise} | {rate} | {scored.micro_total.f_measure:.3f} | "
            f"{on['tom'].size} / {on['crash'].size} |"
        )


if __name__ == "__main__":
    sys.exit(main())
