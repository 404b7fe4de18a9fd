"""Calibration checks: missing pieces, quiet / noisy / clipped recordings, the CLI's warnings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drumnmf.calibration_checks import (
    KIT_PIECES,
    check_calibration,
    check_recording,
    missing_pieces,
)
from drumnmf.cli import main

from synth import SR, hihat, kick, snare, write_wav


def hit_file(folder: Path, name: str, sound: np.ndarray) -> str:
    gap = np.zeros(SR // 2, dtype=np.float32)
    return write_wav(folder / f"{name}.wav", np.concatenate([gap[: SR // 10], sound, gap]))


def test_a_full_kit_misses_nothing() -> None:
    names = ["kick", "snare", "hihat", "open_hihat", "pedal_hihat", "mid_tom", "crash", "ride"]
    assert missing_pieces(names) == ()
    missing = {w.drum for w in missing_pieces(["kick", "snare", "hihat"])}
    assert missing == {"open_hihat", "pedal_hihat", "high_tom", "crash", "ride"}
    assert len(KIT_PIECES) == 8


def test_levels_quiet_clipped_noisy() -> None:
    loud = 0.5 * kick(SR)
    assert check_recording("kick", np.r_[np.zeros(SR // 2), loud, np.zeros(SR // 2)], SR) == ()
    (quiet,) = check_recording("kick", 0.01 * loud, SR)
    assert quiet.kind == "quiet" and "-" in quiet.message and "more gain" in quiet.message
    clipped = np.clip(8 * np.r_[np.zeros(SR // 2), loud, np.zeros(SR // 2)], -1, 1)
    assert [w.kind for w in check_recording("kick", clipped, SR)] == ["clipped"]
    rng = np.random.default_rng(0)
    noisy = np.r_[np.zeros(SR // 2), loud, np.zeros(SR // 2)] + 0.2 * rng.standard_normal(
        2 * SR // 2 + loud.size
    )
    assert "noisy" in [w.kind for w in check_recording("kick", noisy, SR)]


def test_cli_calibrate_warns_about_missing_and_quiet_drums(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hits = [
        hit_file(tmp_path, "kick", 0.5 * kick(SR)),
        hit_file(tmp_path, "snare", 0.01 * snare(SR)),  # about -43 dBFS
        hit_file(tmp_path, "hihat", hihat(SR)),
    ]
    assert main(["calibrate", *hits, "--out", str(tmp_path / "k.json")]) == 0
    captured = capsys.readouterr()
    assert (tmp_path / "k.json").is_file() and "wrote" in captured.out
    lines = [x for x in captured.err.splitlines() if x.startswith("drumnmf: warning:")]
    assert any("snare.wav: too quiet" in x for x in lines), captured.err
    assert not any("/kick.wav" in x or "/hihat.wav" in x for x in lines), captured.err
    for piece in ("open hi-hat", "pedal hi-hat", "toms", "crash", "ride"):
        assert any(f"no {piece} recorded" in x for x in lines), piece
    assert not any("no kick" in x or "no snare" in x for x in lines)


def test_check_calibration_api_takes_arrays() -> None:
    warnings = check_calibration([("kick", (0.5 * kick(SR), SR)), ("ride", (0.5 * hihat(SR), SR))])
    kinds = {(w.kind, w.drum) for w in warnings}
    assert ("missing", "snare") in kinds and ("missing", "ride") not in kinds
