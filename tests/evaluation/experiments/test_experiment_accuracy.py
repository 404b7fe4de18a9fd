"""``drumnmf experiment accuracy``: the document and its errors."""

import json


def test_experiment_accuracy_unknown_ablation(tiny_corpus, tmp_path, drumnmf):
    proc = drumnmf(
        "experiment", "accuracy", tiny_corpus, "--doc", tmp_path / "a.md", "--ablation", "nope"
    )
    assert proc.returncode == 2 and "unknown --ablation 'nope'" in proc.stderr
    assert not (tmp_path / "a.md").exists()


def test_experiment_accuracy_writes_the_doc(tiny_corpus, tmp_path, drumnmf):
    doc = tmp_path / "docs" / "accuracy.md"
    proc = drumnmf(
        "experiment",
        "accuracy",
        tiny_corpus,
        "--doc",
        doc,
        "--out",
        tmp_path / "acc",
        "--jobs",
        "1",
        "--quiet",
        "--variant",
        "rank 5: harmonic_rank=5",
        "--ablation",
        "peak timing",
        "--limit",
        "1",
    )
    assert proc.returncode == 0, proc.stderr
    text = doc.read_text()
    for needle in (
        "# Accuracy on the development corpus",
        "drumnmf experiment accuracy",
        "git `",
        "### Groove validation, pooled over the 1 kit(s)",
        "### Groove validation, kit Synth",
        "### MDB Drums (leaky templates)",
        "### Default kit, no calibration (rendered kits, drums only)",
        "## Results: oracle top-k",
        "## Runtimes",
        "### Ablation table",
        "| rank 5 |",
        "| peak timing |",
        "groove/train/*/drums",
    ):
        assert needle in text, needle
    rows = [line for line in text.splitlines() if line.startswith("| groove/validation/*/drums")]
    assert {line.split(" | ")[2] for line in rows} >= {"paper MUR", "paper NeNMF", "default"}
    config = json.loads((tmp_path / "acc" / "config.json").read_text())
    assert config["experiment"] == "accuracy" and config["splits"] == ["validation", "dev"]
    assert (tmp_path / "acc" / "topk.csv").is_file()
