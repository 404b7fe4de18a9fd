"""Tests of drumnmf.evaluation.velocity: recall by velocity band and articulation, Spearman."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from drumnmf.cli import main
from drumnmf.evaluation.pairing import evaluate_paths
from drumnmf.evaluation.velocity import VELOCITY_BANDS, band_of, evaluate_velocity
from drumnmf.io.annotations import Annotations

REFERENCE = (
    "time,drum,velocity\n0.5,snare,20\n1.0,snare,60\n1.5,snare,100\n2.0,side_stick,30\n"
    "2.5,kick,90\n3.0,kick,50\n3.5,kick,120\n3.5,hihat,70\n"
)
ESTIMATE = (
    "time,drum,strength\n1.01,snare,0.5\n1.5,snare,0.9\n2.5,kick,0.6\n3.0,kick,0.3\n3.49,kick,1.0\n"
)


EDGES = [(1, "<40"), (39, "<40"), (40, "40-79"), (79.4, "40-79"), (80, ">=80"), (127, ">=80")]


@pytest.mark.parametrize(("velocity", "band"), EDGES)
def test_band_edges(velocity: float, band: str) -> None:
    assert band_of(velocity) == band
    assert [b for b, _, _ in VELOCITY_BANDS] == ["<40", "40-79", ">=80"]


def test_cli_reports_bands_articulations_and_spearman(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ref.csv").write_text(REFERENCE)
    (tmp_path / "est.csv").write_text(ESTIMATE)
    out = tmp_path / "s.json"
    assert main(["evaluate", str(tmp_path / "ref.csv"), str(tmp_path / "est.csv"),
                 "--json", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "recall by reference velocity" in printed and "side_stick" in printed
    velocity = json.loads(out.read_text())["velocity"]
    snare = velocity["bands"]["snare"]
    assert (snare["<40"]["tp"], snare["<40"]["n_reference"]) == (0, 2)  # ghost + side stick
    assert (snare["40-79"]["tp"], snare[">=80"]["tp"]) == (1, 1)
    assert velocity["articulations"]["snare"]["side_stick"] == {
        "tp": 0, "n_reference": 1, "recall": 0.0,
    }  # fmt: skip
    assert velocity["spearman"]["kick"] == pytest.approx(1.0)  # 50, 90, 120 vs 0.3, 0.6, 1.0
    assert velocity["spearman"]["snare"] is None  # 2 matched hits: undefined
    assert velocity["n_matched"] == {"kick": 3, "snare": 2, "hihat": 0}


def test_velocity_true_positives_equal_onset_scores(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    ref_lines, est_lines = ["time,drum,velocity"], ["time,drum,strength"]
    for drum in ("kick", "snare", "open_hihat", "hihat"):
        times = np.sort(rng.uniform(0, 20, 40))
        for t in times:
            ref_lines.append(f"{t:.4f},{drum},{int(rng.integers(1, 128))}")
            if rng.random() < 0.7:
                est_lines.append(f"{t + rng.normal(0, 0.03):.4f},{drum},{rng.random():.3f}")
    (tmp_path / "r.csv").write_text("\n".join(ref_lines) + "\n")
    rows = sorted(est_lines[1:], key=lambda line: float(line.split(",")[0]))
    (tmp_path / "e.csv").write_text("\n".join([est_lines[0], *rows]) + "\n")
    result = evaluate_paths(tmp_path / "r.csv", tmp_path / "e.csv")
    assert result.velocity is not None
    for cls in ("kick", "snare", "hihat"):
        bands = result.velocity.bands[cls].values()
        assert sum(c.tp for c in bands) == result.micro[cls].tp
        assert sum(c.n_reference for c in bands) == result.micro[cls].n_reference


def test_no_velocities_no_velocity_scores(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("0.5\tkick\n1.0\tsnare\n")
    (tmp_path / "e.csv").write_text("time,drum,strength\n0.5,kick,1\n")
    assert evaluate_paths(tmp_path / "r.txt", tmp_path / "e.csv").velocity is None
    assert evaluate_paths(tmp_path / "r.txt", tmp_path / "e.csv", top_k=True).velocity is None


def test_estimates_without_strengths_have_no_correlation() -> None:
    reference = Annotations(
        onsets={"kick": np.array([1.0, 2.0, 3.0])}, strengths={"kick": np.array([30.0, 60, 90])}
    )
    estimate = Annotations(onsets={"kick": np.array([1.0, 2.0, 3.0])})
    result = evaluate_velocity({"a": reference}, {"a": estimate})
    assert result is not None
    assert math.isnan(result.spearman["kick"]) and result.bands["kick"]["<40"].tp == 1
