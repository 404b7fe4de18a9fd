"""``drumnmf experiment paper`` end to end on a tiny corpus and a tiny ENST-Drums."""

import csv
import json

import numpy as np
import pytest

from drumnmf.evaluation.experiments.datasets import DATASET_KINDS, ENST_CALIBRATIONS, ENST_MIXES


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_cli_constants_agree_with_the_library():
    from drumnmf.cli import experiment as cli

    assert cli.DATASET_KINDS == DATASET_KINDS
    assert cli.ENST_MIXES == ENST_MIXES
    assert cli.ENST_CALIBRATIONS == ENST_CALIBRATIONS


# ----------------------------------------------------------------------------- end to end


def test_experiment_paper_on_a_tiny_corpus(tiny_corpus, tmp_path, drumnmf):
    out = tmp_path / "paper"
    proc = drumnmf(
        "experiment",
        "paper",
        "--dataset",
        "corpus",
        tiny_corpus,
        "--out",
        out,
        "--jobs",
        "2",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Table 1" in proc.stdout
    for name in (
        "config.json",
        "summary.md",
        "scores.json",
        "fig4_losses.png",
        "items.csv",
        "table1_topk.csv",
        "table1_topk.md",
        "table2_mur_adaptive.csv",
        "table3_nenmf_adaptive.md",
        "runtimes.csv",
        "fig4_losses.csv",
    ):
        assert (out / name).is_file(), name
    assert (out / "fig4_losses.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    config = json.loads((out / "config.json").read_text())
    assert config["git_revision"] and "numpy" in config["versions"]
    assert config["command"].startswith("drumnmf experiment paper")
    assert {v["name"]: v["config"]["max_iter"] for v in config["variants"]} == {
        "MUR": 100,
        "NeNMF": 10,
    }
    assert all(v["config"]["harmonic_rank"] == 50 for v in config["variants"])
    assert config["selection"]["splits"] == ["validation", "dev"]  # train left for tuning
    assert len(config["items"]) == 5 and not any("/train/" in i for i in config["items"])

    table1 = read_csv(out / "table1_topk.csv")
    solvers = {(r["data"], r["solver"], r["mean"]) for r in table1}
    assert ("all", "MUR", "micro") in solvers and ("all", "NeNMF", "macro") in solvers
    assert {r["data"] for r in table1} >= {"groove/validation/*/drums", "mdb/drums"}
    for row in table1:
        for drum in ("kick", "snare", "hihat", "all"):
            assert 0.0 <= float(row[drum]) <= 1.0
    drums = {
        r["solver"]: r
        for r in table1
        if r["data"] == "groove/validation/*/drums" and r["mean"] == "micro"
    }
    assert float(drums["NeNMF"]["all"]) > 0.9

    table3 = read_csv(out / "table3_nenmf_adaptive.csv")
    assert float(next(r for r in table3 if r["data"] == "all")["all F"]) > 0.6

    runtimes = {r["variant"]: r for r in read_csv(out / "runtimes.csv")}
    assert runtimes["MUR"]["iterations"] == "100" and runtimes["NeNMF"]["iterations"] == "10"
    assert float(runtimes["MUR"]["factorize s/1000 frames"]) > 0

    curves = read_csv(out / "fig4_losses.csv")
    mur = [r for r in curves if r["solver"] == "MUR"]
    assert len(mur) == 100 and len([r for r in curves if r["solver"] == "NeNMF"]) == 10
    loss = np.array([float(r["median loss"]) for r in mur])
    assert np.all((loss > 0) & (loss < 1)) and np.all(np.diff(loss) <= 1e-9)
    assert [int(r["reads of V"]) for r in mur[:3]] == [2, 4, 6]
    assert "![Fig. 4](fig4_losses.png)" in (out / "summary.md").read_text()


def test_experiment_paper_on_enst(enst_tiny, tmp_path, drumnmf):
    out = tmp_path / "enst"
    proc = drumnmf(
        "experiment",
        "paper",
        "--dataset",
        "enst",
        enst_tiny,
        "--out",
        out,
        "--jobs",
        "1",
        "--enst-accompaniment",
        "--subset",
        "enst/wet_mix+acc",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["items"] == ["enst/wet_mix+acc/minus-one/drummer_1/011_minus-one_rock_sticks"]
    assert config["enst"] == {"mix": "wet_mix", "calibration": "auto", "accompaniment": True}
    assert (out / "kits" / "drummer_1_wet_mix_hits.json").is_file()
    table1 = read_csv(out / "table1_topk.csv")
    assert {r["data"] for r in table1} == {"enst/wet_mix+acc/minus-one"}


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("--dataset", "nope", "."), "KIND must be one of"),
        (("--dataset", "corpus", "/nonexistent/corpus"), "does not exist"),
        (("--dataset", "corpus", ".", "--limit", "0"), "--limit must be >= 1"),
        (("--dataset", "corpus", ".", "--window", "50"), "--window is in seconds"),
    ],
)
def test_experiment_paper_usage_errors(args, match, drumnmf):
    proc = drumnmf("experiment", "paper", *args)
    assert proc.returncode == 2
    assert match in proc.stderr and proc.stderr.startswith("drumnmf: error:")


def test_experiment_paper_unknown_subset(tiny_corpus, tmp_path, drumnmf):
    proc = drumnmf(
        "experiment",
        "paper",
        "--dataset",
        "corpus",
        tiny_corpus,
        "--out",
        tmp_path,
        "--subset",
        "enst",
        "--quiet",
    )
    assert proc.returncode == 2 and "no items match" in proc.stderr
    assert "groove/validation/Synth/drums" in proc.stderr  # lists the subsets there are
