"""Levels of kits cut from annotations, on MDB Drums: measured at the onsets, or none.

The MDB kits of the development corpus are cut from each track's own annotated drum-only
recording (:func:`drumnmf.kit.calibrate_from_annotations`). This benchmark cuts each kit
again in memory, with its levels and cross-talk measured at the annotated onsets
(:func:`drumnmf.calibration.with_annotated_levels`) and without them (the picker then
assumes ``drumnmf.silence.FALLBACK_LEVEL``), and scores the default pipeline on every MDB
item of the corpus outside the train split: drums only, with accompaniment, full mixes.
Scores: precision / recall / F per class (kick, snare, hi-hat) and micro over them, 50 ms,
:func:`drumnmf.evaluation.metrics.scoring_classes`; ``--peers`` adds ADTOF's estimates
scored the same way. Nothing is written.

    python benchmarks/annotated_levels.py --manifest corpus/manifest.json \\
        --peers ../shared/peers/adtof
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from drumnmf.evaluation.corpus import CorpusItem, load_manifest
from drumnmf.evaluation.corpus_build import MDB_TEMPLATE_DRUMS
from drumnmf.evaluation.metrics import evaluate, scoring_classes
from drumnmf.io.annotations import load_annotations, load_mdb
from drumnmf.io.audio import load_audio
from drumnmf.kit import Kit, calibrate_from_annotations
from drumnmf.pipeline import transcribe

DRUMS = ("kick", "snare", "hihat")
SUBSETS = ("mdb/drums", "mdb/acc", "mdb/mix")
RATE = 44100


def _kits(item: CorpusItem, shared: Path) -> dict[str, Kit]:
    track = str(item.kit_name)
    mdb = shared / "mdb_drums"
    onsets = load_mdb(mdb / "annotations" / "class" / f"{track}_class.txt").onsets
    chosen = {d: t for d, t in onsets.items() if d in MDB_TEMPLATE_DRUMS and np.size(t)}
    drums = load_audio(mdb / "audio" / "drum_only" / f"{track}_Drum.wav", sample_rate=RATE)
    measured = calibrate_from_annotations(drums, chosen, sample_rate=RATE, skip_missing=True)
    return {
        "no levels": replace(measured, levels=(), crosstalk=()),
        "levels, no cross-talk": replace(measured, crosstalk=()),
        "levels and cross-talk": measured,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--peers", type=Path, help="ADTOF estimates folder (peers/adtof)")
    args = parser.parse_args()
    manifest = load_manifest(args.manifest)
    items = [i for i in manifest.items if i.source == "mdb" and i.split != "train"]
    references: dict[str, dict[str, np.ndarray]] = {}
    estimates: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    kits: dict[str, dict[str, Kit]] = {}
    for item in items:
        track = str(item.kit_name)
        if track not in kits:
            kits[track] = _kits(item, args.shared)
        references[item.id] = scoring_classes(load_annotations(item.reference).onsets, 3)
        samples = load_audio(item.audio, sample_rate=RATE)
        for name, kit in kits[track].items():
            result = transcribe(samples, kit=kit, sample_rate=RATE, spectrogram_columns=None)
            estimates.setdefault(name, {})[item.id] = scoring_classes(result.onsets, 3)
        if args.peers is not None and (args.peers / f"{item.id}.csv").is_file():
            peer = load_annotations(args.peers / f"{item.id}.csv").onsets
            estimates.setdefault("ADTOF", {})[item.id] = scoring_classes(peer, 3)
    print("| kits | subset | files | micro F (P / R) | " + " | ".join(DRUMS) + " |")
    print("|---|---|---|---|" + "---|" * len(DRUMS))
    for name, found in estimates.items():
        for subset in SUBSETS:
            ids = [i.id for i in items if i.subset == subset and i.id in found]
            if not ids:
                continue
            score = evaluate(
                {i: references[i] for i in ids}, {i: found[i] for i in ids}, drums=DRUMS
            )
            t = score.micro_total
            cells = [
                f"{s.precision:.3f} / {s.recall:.3f} / {s.f_measure:.3f}"
                for s in (score.micro[d] for d in DRUMS)
            ]
            print(
                f"| {name} | {subset} | {len(ids)} | {t.f_measure:.3f} "
                f"({t.precision:.3f} / {t.recall:.3f}) | " + " | ".join(cells) + " |"
            )


if __name__ == "__main__":
    main()
