"""Write the golden files of tests/evaluation/test_metrics.py, test_pairing.py and tests/cli.

Every expected score is computed here with mir_eval directly (``mir_eval.onset.f_measure``
and ``mir_eval.util.match_events``), never with drumnmf, from seeded random onsets:

* ``onsets.json``: single-drum cases (random, plus hand-made edge cases: empty sides,
  onsets exactly one window apart, a matching that greedy nearest-neighbour pairing gets
  wrong, duplicates), with and without the oracle top-k selection.
* ``corpus.json``: a small multi-file, multi-drum corpus with its micro and macro scores
  under the "skip" and "zero" empty-input policies.
* ``fixture_pairs.json``: the scores of tests/data/annotations/pairs (MDB class references,
  drumnmf CSV/JSON estimates, 3 classes), read here with a few lines of plain parsing.

Run from the repository root: ``python scripts/generate_golden.py``. The output is
deterministic for a given numpy and mir_eval.
"""

from __future__ import annotations

import csv
import json
import math
import warnings
from pathlib import Path

import mir_eval
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"
PAIRS = ROOT / "tests" / "data" / "annotations" / "pairs"
SEED = 20240611


def mir_eval_scores(ref: np.ndarray, est: np.ndarray, window: float) -> dict:
    """F, P, R from mir_eval.onset.f_measure and TP from mir_eval.util.match_events."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mir_eval warns about empty inputs
        f, p, r = mir_eval.onset.f_measure(ref, est, window=window)
    tp = len(mir_eval.util.match_events(ref, est, window)) if ref.size and est.size else 0
    return {"f_measure": f, "precision": p, "recall": r, "tp": tp}


def oracle_top_k(est: np.ndarray, strengths: np.ndarray, k: int) -> np.ndarray:
    """The k strongest estimates, ties to the earlier one, back in time order."""
    order = sorted(range(est.size), key=lambda i: (-strengths[i], i))[:k]
    return est[sorted(order)]


def random_case(rng: np.random.Generator, window: float) -> tuple[np.ndarray, ...]:
    n_ref = int(rng.integers(0, 40))
    if rng.random() < 0.5:
        ref = np.sort(rng.uniform(0.0, 30.0, n_ref))
    else:  # on a 10 ms grid: many pairs exactly a window apart
        ref = np.sort(rng.integers(0, 3000, n_ref) / 100.0)
    hits = ref[rng.random(n_ref) < rng.uniform(0.3, 1.0)]
    jitter = rng.normal(0.0, window * 0.7, hits.size)
    if rng.random() < 0.3:
        jitter = np.round(jitter, 2)
    false = rng.uniform(0.0, 30.0, int(rng.integers(0, 15)))
    est = np.concatenate([hits + jitter, false])
    s = np.concatenate([rng.uniform(0.3, 1.0, hits.size), rng.uniform(0.0, 0.7, false.size)])
    if rng.random() < 0.3:
        s = np.round(s, 1)  # ties
    order = np.argsort(est, kind="stable")
    return ref, np.clip(est[order], 0.0, None), s[order]


EDGE_CASES = [
    ("both empty", 0.05, [], [], []),
    ("no estimates", 0.05, [0.5, 1.0], [], []),
    ("no references", 0.05, [], [0.5, 1.0], [0.2, 0.9]),
    ("one window apart", 0.05, [0.0, 0.1, 0.2], [0.05, 0.15, 0.25], [1.0, 1.0, 1.0]),
    ("greedy fails", 0.05, [0.0, 0.09], [0.045, 0.135], [0.5, 0.5]),
    ("duplicates", 0.05, [1.0, 1.0, 2.0], [1.0, 1.01, 1.02, 2.0], [0.1, 0.9, 0.9, 0.3]),
    ("just outside", 0.025, [1.0], [1.0251], [1.0]),
]


def onset_cases(rng: np.random.Generator) -> list[dict]:
    cases = []
    items = [(n, w, np.array(r), np.array(e), np.array(s)) for n, w, r, e, s in EDGE_CASES]
    for i in range(60):
        window = float(rng.choice([0.02, 0.025, 0.05, 0.1]))
        items.append((f"random {i}", window, *random_case(rng, window)))
    for name, window, ref, est, s in items:
        ref, est, s = (np.asarray(a, dtype=np.float64) for a in (ref, est, s))
        cases.append(
            {
                "name": name,
                "window": window,
                "reference": ref.tolist(),
                "estimate": est.tolist(),
                "strengths": s.tolist(),
                "expected": mir_eval_scores(ref, est, window),
                "expected_top_k": mir_eval_scores(ref, oracle_top_k(est, s, ref.size), window),
            }
        )
    return cases


def aggregate(files: dict[str, dict[str, dict]], drums: list[str]) -> dict:
    """Micro and macro scores from per-file mir_eval results, both empty policies."""
    out: dict = {"micro": {}, "macro_skip": {}, "macro_zero": {}}
    for drum in [*drums, "all"]:
        members = [s for f in files.values() for d, s in f.items() if drum in ("all", d)]
        tp = sum(s["tp"] for s in members)
        n_ref = sum(s["n_reference"] for s in members)
        n_est = sum(s["n_estimate"] for s in members)
        if n_ref and n_est:
            f = mir_eval.util.f_measure(float(tp) / n_est, float(tp) / n_ref)
        else:  # all misses or all false alarms: 0; nothing at all: undefined
            f = 0.0 if n_ref or n_est else None
        out["micro"][drum] = {"tp": tp, "n_reference": n_ref, "n_estimate": n_est, "f_measure": f}
    for policy in ("skip", "zero"):
        key = f"macro_{policy}"
        file_means = []
        per_drum: dict[str, list[float]] = {d: [] for d in drums}
        for scores in files.values():
            values = []
            for drum in drums:
                s = scores[drum]
                both_empty = s["n_reference"] == 0 and s["n_estimate"] == 0
                if both_empty and policy == "skip":
                    continue
                values.append(s["f_measure"])  # mir_eval: 0 when either side is empty
                per_drum[drum].append(s["f_measure"])
            if values:
                file_means.append(math.fsum(values) / len(values))
        out[key] = {d: (math.fsum(v) / len(v) if v else None) for d, v in per_drum.items()}
        out[key]["all"] = math.fsum(file_means) / len(file_means) if file_means else None
    return out


def corpus(rng: np.random.Generator) -> dict:
    drums = ["kick", "snare", "hihat", "tom"]
    window = 0.05
    references: dict[str, dict] = {}
    estimates: dict[str, dict] = {}
    expected: dict[str, dict] = {}
    for i in range(6):
        name = f"track{i}"
        references[name], estimates[name], expected[name] = {}, {}, {}
        for drum in drums:
            ref, est, _ = random_case(rng, window)
            if drum == "tom" and i % 2 == 0:  # no toms played, none detected
                ref, est = ref[:0], est[:0]
            if drum == "snare" and i == 3:  # snare played, never detected
                est = est[:0]
            if ref.size:
                references[name][drum] = ref.tolist()
            if est.size:
                estimates[name][drum] = est.tolist()
            expected[name][drum] = {
                **mir_eval_scores(ref, est, window),
                "n_reference": int(ref.size),
                "n_estimate": int(est.size),
            }
    return {
        "window": window,
        "drums": drums,
        "references": references,
        "estimates": estimates,
        "expected_files": expected,
        **aggregate(expected, drums),
    }


FIXTURE_CLASSES = {"KD": "kick", "SD": "snare", "HH": "hihat"}  # MDB class -> 3 classes


def fixture_pairs() -> dict:
    """Expected scores of tests/data/annotations/pairs, read with plain parsing."""
    drums = ["kick", "snare", "hihat"]
    window = 0.05
    expected: dict[str, dict] = {}
    for ref_path in sorted((PAIRS / "reference").glob("*_class.txt")):
        name = ref_path.stem[: -len("_class")]
        ref: dict[str, list[float]] = {d: [] for d in drums}
        for line in ref_path.read_text().splitlines():
            t, label = line.split()
            if label in FIXTURE_CLASSES:
                ref[FIXTURE_CLASSES[label]].append(float(t))
        est: dict[str, list[float]] = {d: [] for d in drums}
        csv_path = PAIRS / "estimate" / f"{name}.csv"
        json_path = PAIRS / "estimate" / f"{name}_Drum.json"
        if csv_path.exists():
            for row in csv.DictReader(csv_path.read_text().splitlines()):
                if row["drum"] in est:
                    est[row["drum"]].append(float(row["time"]))
        elif json_path.exists():
            for item in json.loads(json_path.read_text())["onsets"]:
                if item["drum"] in est:
                    est[item["drum"]].append(float(item["time"]))
        expected[name] = {}
        for drum in drums:
            r, e = np.sort(np.array(ref[drum])), np.sort(np.array(est[drum]))
            expected[name][drum] = {
                **mir_eval_scores(r, e, window),
                "n_reference": int(r.size),
                "n_estimate": int(e.size),
            }
    return {
        "window": window,
        "drums": drums,
        "expected_files": expected,
        **aggregate(expected, drums),
    }


def main() -> None:
    rng = np.random.default_rng(SEED)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    meta = {"seed": SEED, "mir_eval": mir_eval.__version__, "numpy": np.__version__}
    documents = {
        "onsets.json": {**meta, "cases": onset_cases(rng)},
        "corpus.json": {**meta, **corpus(rng)},
        "fixture_pairs.json": {**meta, **fixture_pairs()},
    }
    for name, document in documents.items():
        (GOLDEN / name).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {GOLDEN / name}")


if __name__ == "__main__":
    main()
