"""``benchmarks/accuracy.py``: a thin caller of the experiments package, run on a tiny corpus."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "accuracy.py"


def test_benchmark_counts_every_reference_onset(tiny_corpus, tmp_path):
    raw = tmp_path / "counts.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--manifest",
            str(tiny_corpus / "manifest.json"),
            "--split",
            "validation",
            "--config",
            "default",
            "--variant",
            "fast oracle: max_iter=5, picker=topk",
            "--jobs",
            "1",
            "--json",
            str(raw),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("# split validation, step 1, 3 classes, 6 jobs")
    for name in ("default", "fast oracle"):
        for where in ("validation drums", "validation acc0db", "validation drums, default kit"):
            assert any(line.startswith(f"{name:30s} {where:28s} micro ") for line in lines)
    counts = json.loads(raw.read_text())["counts"]
    # the references of the two validation takes, read here as plain text
    expected = Counter()
    for take in ("take1", "take2"):
        text = (tiny_corpus / "groove/validation/Synth/reference" / f"{take}.txt").read_text()
        expected.update(line.split("\t")[1] for line in text.splitlines())
    for name in ("default", "fast oracle"):
        for where, by_drum in counts[name].items():
            assert set(by_drum) == {"kick", "snare", "hihat"}, where
            for drum, (tp, fp, fn) in by_drum.items():
                assert tp + fn == expected[drum], (name, where, drum)
                if name == "fast oracle":  # k = the number of reference onsets
                    assert tp + fp <= expected[drum]


def test_benchmark_lists_the_package_ablations():
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--list"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    names = {line[:32].strip() for line in proc.stdout.splitlines()}
    assert {"paper", "round 2 default", "r_h 0", "MUR 100"} <= names
