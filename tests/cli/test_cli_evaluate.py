"""Tests of ``drumnmf evaluate``: the real command reproduces mir_eval's F on the fixtures."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import mido
import pytest

from drumnmf.cli import evaluate as cli_evaluate
from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.pairing import evaluate_paths
from drumnmf.io.annotations import FORMATS

DATA = Path(__file__).resolve().parents[1] / "data"
PAIRS = DATA / "annotations" / "pairs"
GOLDEN = json.loads((DATA / "golden" / "fixture_pairs.json").read_text())
HAS_MAIN = (Path(cli_evaluate.__file__).resolve().parents[1] / "__main__.py").is_file()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="drumnmf")
    cli_evaluate.register(p.add_subparsers())
    return p


def run(*argv: str) -> int:
    args = parser().parse_args(["evaluate", *argv])
    return int(args.func(args))


def check_against_golden(document: dict) -> None:
    """Every F equals the golden value, which mir_eval computed."""
    for entry in document["files"]:
        for drum, expected in GOLDEN["expected_files"][entry["name"]].items():
            got = entry["drums"][drum]
            assert got["tp"] == expected["tp"]
            if expected["n_reference"] and expected["n_estimate"]:
                assert got["f_measure"] == expected["f_measure"]
    for drum, expected in GOLDEN["micro"].items():
        assert document["micro"][drum]["f_measure"] == expected["f_measure"]
    for drum, expected in GOLDEN["macro_skip"].items():
        assert document["macro"][drum] == pytest.approx(expected, abs=1e-12)


@pytest.mark.skipif(not HAS_MAIN, reason="src/drumnmf/__main__.py is not there yet")
def test_real_command_reproduces_mir_eval(tmp_path: Path) -> None:
    out = tmp_path / "scores.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "drumnmf",
            "evaluate",
            str(PAIRS / "reference"),
            str(PAIRS / "estimate"),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    check_against_golden(json.loads(out.read_text()))
    assert "song_a" in proc.stdout and "macro F" in proc.stdout
    assert f"wrote {out}" in proc.stdout
    assert "1 reference(s) without an estimate, scored as no detections: song_c" in proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["scores.json"]  # no temporary left


@pytest.mark.skipif(not HAS_MAIN, reason="src/drumnmf/__main__.py is not there yet")
def test_real_command_reports_bad_input() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "drumnmf", "evaluate", "/nonexistent/ref", str(PAIRS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "drumnmf: error: REFERENCE '/nonexistent/ref' does not exist" in proc.stderr


def test_run_writes_json_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scores.json"
    assert run(str(PAIRS / "reference"), str(PAIRS / "estimate"), "--json", str(out)) == 0
    document = json.loads(out.read_text())
    check_against_golden(document)
    assert document["settings"]["classes"] == 3
    assert document["unmatched_estimates"] == ["song_d.csv"]
    printed = capsys.readouterr().out
    assert "estimates without a reference: song_d.csv" in printed


@pytest.mark.parametrize(
    "options",
    [
        ["--topk"],
        ["--classes", "5", "--empty", "zero"],
        ["--classes", "all", "--window", "0.025"],
        ["--empty", "one", "--summary-only"],
    ],
)
def test_options_reach_the_library(tmp_path: Path, options: list[str]) -> None:
    out = tmp_path / "s.json"
    assert run(str(PAIRS / "reference"), str(PAIRS / "estimate"), "--json", str(out), *options) == 0
    args = parser().parse_args(["evaluate", "r", "e", *options])
    expected = evaluate_paths(
        PAIRS / "reference",
        PAIRS / "estimate",
        window=args.window,
        top_k=args.topk,
        classes=None if args.classes == "all" else int(args.classes),
        empty=args.empty,
    )
    assert json.loads(out.read_text()) == json.loads(json.dumps(expected.to_dict()))


def test_single_files_and_midi_estimate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    midi = mido.MidiFile(type=0, ticks_per_beat=480)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500_000, time=0)])
    for note, delta in ((36, 240), (42, 0), (38, 240), (36, 480)):  # 0.25, 0.25, 0.5, 1.0 s
        track.append(mido.Message("note_on", channel=9, note=note, velocity=100, time=delta))
    midi.tracks.append(track)
    midi.save(str(tmp_path / "take.mid"))
    (tmp_path / "take.txt").write_text("0.25 bd\n0.25 chh\n0.5 sd\n1.0 bd\n")
    assert run(str(tmp_path / "take.txt"), str(tmp_path / "take.mid"), "--summary-only") == 0
    lines = capsys.readouterr().out.splitlines()
    all_row = next(line for line in lines if line.startswith("all"))
    assert all_row.split()[1:4] == ["4", "4", "4"]  # n_ref, n_est, TP
    assert "1.000" in all_row


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["missing_ref", "."], r"REFERENCE 'missing_ref' does not exist"),
        ([".", "missing_est"], r"ESTIMATE 'missing_est' does not exist"),
        ([".", ".", "--json", "no/such/dir/out.json"], r"--json folder 'no/such/dir' does not"),
        (
            [".", ".", "--json", "song.txt/s.json"],
            r"--json folder 'song.txt' cannot be made: 'song.txt' is a file, not a folder",
        ),
        ([".", ".", "--json", "."], r"--json '\.' is a folder; give a file name"),
        ([".", ".", "--window", "-1"], r"window=-1.0 must be positive seconds"),
    ],
)
def test_run_errors(
    argv: list[str], match: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "song.txt").write_text("0.5 KD\n")
    with pytest.raises(DrumnmfError, match=match):
        run(*argv)


def test_format_choices_match_the_library() -> None:
    assert cli_evaluate.FORMAT_CHOICES == ("auto", *FORMATS)


def test_help_has_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["evaluate", "--help"])
    text = capsys.readouterr().out
    assert "drumnmf evaluate refs/ out/ --topk --json scores.json" in text
    assert "_class, _subclass, _Drum, _MIX or #MIX" in text


def test_register_imports_nothing_heavy() -> None:
    code = (
        "import sys, argparse; from drumnmf.cli import evaluate as e; "
        "p = argparse.ArgumentParser(); e.register(p.add_subparsers()); "
        "print(sorted(m for m in ('numpy', 'mir_eval', 'mido') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_json_target_is_checked_before_scoring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import drumnmf.evaluation.pairing

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("scored before checking --json")

    monkeypatch.setattr(drumnmf.evaluation.pairing, "evaluate_paths", fail)
    (tmp_path / "regular.txt").write_text("0.5 kick\n")
    with pytest.raises(DrumnmfError, match=r"'.*regular\.txt' is a file, not a folder"):
        run(
            str(PAIRS / "reference"),
            str(PAIRS / "estimate"),
            "--json",
            str(tmp_path / "regular.txt" / "s.json"),
        )


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drumnmf", "evaluate", *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    ref, est = tmp_path / "ref", tmp_path / "est"
    ref.mkdir()
    est.mkdir()
    for name in ("a", "b", "c", "d"):
        (ref / f"{name}.txt").write_text("0.5 kick\n1.0 snare\n")
        (est / f"{name}.csv").write_text("time,drum,strength\n0.5,kick,1\n1.0,snare,1\n")
    return ref, est


@pytest.mark.skipif(not HAS_MAIN, reason="src/drumnmf/__main__.py is not there yet")
def test_bad_files_are_named_and_the_rest_scored(folders: tuple[Path, Path]) -> None:
    ref, est = folders
    (ref / "b.txt").write_text("0.5 kick\n-0.2 snare\n")
    (est / "c.csv").write_bytes(b"\xff\xfe\x00binary")
    (est / "d.csv").write_text("time,drum\n0.5,kick\n1.0,snare\n")  # fine, no strengths
    out = ref.parent / "s.json"
    proc = _cli(str(ref), str(est), "--json", str(out))
    assert proc.returncode == 1, proc.stderr
    assert f"drumnmf: error: {ref / 'b.txt'}: b.txt line 2: time '-0.2' is negative" in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("drumnmf: error:")]
    assert any(str(est / "c.csv") in line and "not UTF-8" in line for line in errors)
    assert "2 of 4 recording(s) could not be read" in proc.stderr
    document = json.loads(out.read_text())
    assert [f["name"] for f in document["files"]] == ["a", "d"]
    assert document["micro"]["all"]["f_measure"] == 1.0
    assert len(document["failed"]) == 2


@pytest.mark.skipif(not HAS_MAIN, reason="src/drumnmf/__main__.py is not there yet")
def test_no_pairs_is_an_error_naming_both_sides(folders: tuple[Path, Path]) -> None:
    ref, est = folders
    for path in est.iterdir():
        path.rename(est / f"take_{path.name}")
    proc = _cli(str(ref), str(est))
    assert proc.returncode == 2
    assert "reference names a, b, c, d; estimate names take_a, take_b, take_c, take_d" in (
        proc.stderr
    )


@pytest.mark.skipif(not HAS_MAIN, reason="src/drumnmf/__main__.py is not there yet")
def test_empty_reference_warns(tmp_path: Path) -> None:
    (tmp_path / "song.txt").write_text("")
    (tmp_path / "song.csv").write_text("time,drum\n0.5,kick\n")
    proc = _cli(str(tmp_path / "song.txt"), str(tmp_path / "song.csv"))
    assert proc.returncode == 0, proc.stderr
    assert f"warning: reference '{tmp_path / 'song.txt'}' is empty (0 bytes)" in proc.stderr
