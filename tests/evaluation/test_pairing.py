"""Tests of drumnmf.evaluation.pairing: pairing files by name, reading and scoring them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.metrics import EvaluationResult
from drumnmf.evaluation.pairing import evaluate_paths, pair_paths, pairing_key

DATA = Path(__file__).resolve().parents[1] / "data"
PAIRS = DATA / "annotations" / "pairs"


def test_golden_fixture_pairs_through_evaluate_paths() -> None:
    g = json.loads((DATA / "golden" / "fixture_pairs.json").read_text())
    result = evaluate_paths(PAIRS / "reference", PAIRS / "estimate")
    for name, drums in g["expected_files"].items():
        for drum, expected in drums.items():
            got = result.files[name].drums[drum]
            assert got.tp == expected["tp"]
            if got.n_reference and got.n_estimate:
                assert got.f_measure == expected["f_measure"]
    for drum, expected in g["micro"].items():
        got = result.micro_total if drum == "all" else result.micro[drum]
        assert got.f_measure == expected["f_measure"]
    for drum, expected in g["macro_skip"].items():
        got = result.macro_total if drum == "all" else result.macro[drum]
        assert got == pytest.approx(expected, abs=1e-12)


# ----------------------------------------------------------------------------- files


@pytest.mark.parametrize(
    ("stem", "key"),
    [
        ("MusicDelta_Rock_class", "MusicDelta_Rock"),
        ("MusicDelta_Rock_subclass", "MusicDelta_Rock"),
        ("MusicDelta_Rock_Drum", "MusicDelta_Rock"),
        ("MusicDelta_Rock_MIX", "MusicDelta_Rock"),
        ("RealDrum01_00#MIX", "RealDrum01_00"),
        ("song", "song"),
        ("_class", "_class"),
        ("song_class_Drum", "song_class"),
    ],
)
def test_pairing_key(stem: str, key: str) -> None:
    assert pairing_key(stem) == key


def test_pair_fixture_folders() -> None:
    pairing = pair_paths(PAIRS / "reference", PAIRS / "estimate")
    found = {p.name: (p.reference.name, p.estimate and p.estimate.name) for p in pairing.pairs}
    assert found == {
        "song_a": ("song_a_class.txt", "song_a.csv"),
        "song_b": ("song_b_class.txt", "song_b_Drum.json"),
        "song_c": ("song_c_class.txt", None),
    }
    assert [p.name for p in pairing.unmatched_estimates] == ["song_d.csv"]


def test_pair_file_with_file_or_folder() -> None:
    ref = PAIRS / "reference" / "song_b_class.txt"
    one = pair_paths(ref, PAIRS / "estimate" / "song_a.csv")
    assert one.pairs[0].name == "song_b" and one.pairs[0].estimate is not None
    folder = pair_paths(ref, PAIRS / "estimate")
    assert folder.pairs[0].estimate == PAIRS / "estimate" / "song_b_Drum.json"
    assert len(folder.unmatched_estimates) == 2


def test_pair_format_preference_and_filter(tmp_path: Path) -> None:
    (tmp_path / "ref").mkdir()
    (tmp_path / "est").mkdir()
    (tmp_path / "ref" / "song_class.txt").write_text("0.5 KD\n")
    for name in ("song.csv", "song.json", "song.mid", ".hidden.csv", "notes.md"):
        (tmp_path / "est" / name).write_text("")
    pairing = pair_paths(tmp_path / "ref", tmp_path / "est")
    assert pairing.pairs[0].estimate == tmp_path / "est" / "song.json"
    assert pairing.unmatched_estimates == ()
    csv_only = pair_paths(tmp_path / "ref", tmp_path / "est", estimate_format="csv")
    assert csv_only.pairs[0].estimate == tmp_path / "est" / "song.csv"


def test_pair_errors(tmp_path: Path) -> None:
    (tmp_path / "ref").mkdir()
    (tmp_path / "est").mkdir()
    with pytest.raises(DrumnmfError, match=r"no annotation files in '.*ref'"):
        pair_paths(tmp_path / "ref", tmp_path / "est")
    (tmp_path / "ref" / "song_class.txt").write_text("0.5 KD\n")
    (tmp_path / "ref" / "song_subclass.txt").write_text("0.5 KD\n")
    with pytest.raises(DrumnmfError, match=r"song_class, song_subclass .* all pair as 'song'"):
        pair_paths(tmp_path / "ref", tmp_path / "est")
    with pytest.raises(DrumnmfError, match=r"REFERENCE '.*ref' is a folder but ESTIMATE"):
        pair_paths(tmp_path / "ref", tmp_path / "ref" / "song_class.txt")
    with pytest.raises(DrumnmfError, match=r"ESTIMATE '.*nowhere' does not exist"):
        pair_paths(tmp_path / "ref", tmp_path / "nowhere")
    with pytest.raises(DrumnmfError, match=r"reference_format='wav' is not 'auto' or one of"):
        pair_paths(tmp_path / "ref", tmp_path / "est", reference_format="wav")


def test_evaluate_paths_settings_and_sources() -> None:
    result = evaluate_paths(PAIRS / "reference", PAIRS / "estimate", classes=5, top_k=True)
    assert isinstance(result, EvaluationResult)
    assert result.drums == ("kick", "snare", "hihat", "tom", "cymbal")
    assert result.classes == 5 and result.top_k
    assert result.sources["song_c"][1] is None
    assert result.unmatched_estimates == ("song_d.csv",)
    assert result.missing_estimates == ("song_c",)
    plain = evaluate_paths(PAIRS / "reference", PAIRS / "estimate", classes=None)
    assert "other" in plain.drums and "cowbell" in plain.drums
    with pytest.raises(DrumnmfError, match=r"classes=4 must be 3, 5 or None"):
        evaluate_paths(PAIRS / "reference", PAIRS / "estimate", classes=4)


def test_evaluate_paths_names_the_file_with_an_odd_drum(tmp_path: Path) -> None:
    (tmp_path / "song.txt").write_text("0.5 triangle\n")
    with pytest.raises(DrumnmfError, match=r"song.txt: drum name\(s\) \['triangle'\] are not"):
        evaluate_paths(tmp_path / "song.txt", tmp_path / "song.txt")


def test_folders_without_a_single_pair_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "ref").mkdir()
    (tmp_path / "est").mkdir()
    (tmp_path / "ref" / "song_class.txt").write_text("0.5 KD\n")
    (tmp_path / "ref" / "other.txt").write_text("0.5 KD\n")
    (tmp_path / "est" / "take1.csv").write_text("time,drum\n0.5,kick\n")
    with pytest.raises(
        DrumnmfError,
        match=r"no reference in '.*ref' has an estimate .*reference names other, song; "
        r"estimate names take1\.",
    ):
        pair_paths(tmp_path / "ref", tmp_path / "est")
    with pytest.raises(DrumnmfError, match=r"estimate names \(none: no annotation files\)"):
        evaluate_paths(tmp_path / "ref", tmp_path / "ref" / "..")


def test_skip_bad_files_scores_the_others(tmp_path: Path) -> None:
    (tmp_path / "ref").mkdir()
    (tmp_path / "est").mkdir()
    for name in ("a", "b", "c"):
        (tmp_path / "ref" / f"{name}.txt").write_text("0.5 kick\n1.0 snare\n")
        (tmp_path / "est" / f"{name}.csv").write_text("time,drum\n0.5,kick\n1.0,snare\n")
    (tmp_path / "ref" / "b.txt").write_text("0.5 kick\n-1.0 snare\n")  # bad reference
    (tmp_path / "est" / "c.csv").write_text("time,drum\n0.5,kick,extra\nnot-a-time,kick\n")
    with pytest.raises(DrumnmfError, match=r"b\.txt line 2: time '-1\.0' is negative"):
        evaluate_paths(tmp_path / "ref", tmp_path / "est")
    result = evaluate_paths(tmp_path / "ref", tmp_path / "est", errors="skip")
    assert list(result.files) == ["a"]
    assert result.micro_total.f_measure == 1.0
    failed = dict(result.failed)
    assert set(failed) == {str(tmp_path / "ref" / "b.txt"), str(tmp_path / "est" / "c.csv")}
    assert "negative" in failed[str(tmp_path / "ref" / "b.txt")]
    assert "not-a-time" in failed[str(tmp_path / "est" / "c.csv")]
    assert result.to_dict()["failed"][0]["path"].endswith("b.txt")
    with pytest.raises(DrumnmfError, match=r"errors='ignore' must be 'raise' or 'skip'"):
        evaluate_paths(tmp_path / "ref", tmp_path / "est", errors="ignore")  # type: ignore[arg-type]


def test_nothing_readable_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "song.txt").write_text("-0.5 kick\n")
    with pytest.raises(DrumnmfError, match=r"no recording could be scored: .*song\.txt"):
        evaluate_paths(tmp_path / "song.txt", tmp_path / "song.txt", errors="skip")


def test_empty_reference_is_listed(tmp_path: Path) -> None:
    (tmp_path / "song.txt").write_text("")
    (tmp_path / "song.csv").write_text("time,drum\n0.5,kick\n")
    result = evaluate_paths(tmp_path / "song.txt", tmp_path / "song.csv")
    assert result.empty_references == (str(tmp_path / "song.txt"),)
    assert result.micro_total.fp == 1
