"""Tests of drumnmf.io.annotations.text: ENST, MDB and generic time-label files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations import (
    load_annotations,
    load_enst,
    load_mdb,
    load_text,
    reduce_classes,
    sniff_format,
)

from annotation_fixtures import DATA, SHARED, onsets_equal

MDB = SHARED / "mdb_drums" / "annotations"


def test_enst_fixture() -> None:
    a = load_enst(DATA / "enst_hits.txt")
    onsets_equal(
        a,
        {
            "kick": [0.1, 1.1],
            "snare": [0.6, 1.35],
            "rimshot": [1.6],
            "hihat": [0.1, 0.35, 0.6],
            "open_hihat": [0.85],
            "mid_tom": [1.85],
            "floor_tom": [2.0],
            "crash": [1.1],
            "ride": [2.1],
            "other": [2.35],
        },
    )
    assert a.strengths is None
    assert a.labels["snare"] == ("sd", "sd-")
    assert a.drums[:3] == ("kick", "snare", "rimshot")


def test_mdb_class_fixture() -> None:
    a = load_mdb(DATA / "mdb_class.txt")
    onsets_equal(
        a,
        {
            "kick": [0.01, 1.01],
            "snare": [0.51],
            "hihat": [0.01, 0.26, 0.51, 0.76],
            "tom": [1.51],
            "cymbal": [1.01],
            "other": [1.76],
        },
    )


def test_mdb_subclass_fixture() -> None:
    a = load_mdb(DATA / "mdb_subclass.txt")
    onsets_equal(
        a,
        {
            "kick": [0.01, 1.01],
            "snare": [0.51],
            "side_stick": [1.76],
            "hihat": [0.01, 0.76],
            "open_hihat": [0.51],
            "pedal_hihat": [0.26],
            "floor_tom": [1.51],
            "crash": [1.01],
            "ride_bell": [1.26],
            "tambourine": [2.01],
        },
    )
    assert a.labels["snare"] == ("SDG",)


def test_generic_text_fixture_maps_aliases_and_keeps_unknown() -> None:
    a = load_text(DATA / "generic.txt")
    onsets_equal(
        a,
        {
            "kick": [0.25, 0.75],
            "snare": [0.75],
            "hihat": [0.5, 1.0],
            "cowbell": [1.0],
            "triangle": [1.25],
        },
    )
    assert a.strengths is not None
    np.testing.assert_array_equal(a.strengths["kick"], [0.8, 0.9])
    assert a.labels["kick"] == ("Bass_Drum", "Kick")
    with pytest.raises(DrumnmfError, match="unknown drum label 'triangle'"):
        load_text(DATA / "generic.txt", unknown="error")
    assert "triangle" not in load_text(DATA / "generic.txt", unknown="drop").onsets
    assert load_text(DATA / "generic.txt", unknown="other").onsets["other"].tolist() == [1.25]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("0.5 bd 1\n", r"line 1 has 3 fields, expected 2 \('time label' for ENST\)"),
        ("0.5\n", r"line 1 has 1 fields, expected 2"),
        ("x bd\n", r"time 'x' is not a number; expected seconds"),
        ("0.5 zz\n", r"unknown ENST label 'zz' .*label_map=\{'zz': 'snare'\}"),
    ],
)
def test_enst_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(DrumnmfError, match=match):
        load_enst(path)


def test_label_map_overrides_and_drops(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("0.5 rs\n0.6 sticks\n0.7 bd\n")
    a = load_enst(path, label_map={"rs": "snare", "sticks": None})
    onsets_equal(a, {"kick": [0.7], "snare": [0.5]})
    b = load_enst(path, label_map={"zz": "tom"}, unknown="error")
    assert "other" in b.onsets


def test_unknown_policy_is_checked() -> None:
    with pytest.raises(DrumnmfError, match=r"unknown='ignore' is not one of error, drop"):
        load_enst(DATA / "enst_hits.txt", unknown="ignore")  # type: ignore[arg-type]


def test_mixed_strengths_in_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("0.5 kick 1.0\n0.6 kick\n")
    with pytest.raises(DrumnmfError, match="some onsets have a strength and others do not"):
        load_text(path)


@pytest.mark.shared_data
def test_real_mdb_class_and_subclass_files_agree() -> None:
    if not MDB.is_dir():
        pytest.skip(f"{MDB} is absent")
    class_files = sorted((MDB / "class").glob("*_class.txt"))
    assert class_files
    for class_file in class_files:
        subclass_file = MDB / "subclass" / class_file.name.replace("_class", "_subclass")
        assert sniff_format(class_file) == sniff_format(subclass_file) == "mdb"
        coarse, fine = load_annotations(class_file), load_annotations(subclass_file)
        a, b = reduce_classes(coarse, 5), reduce_classes(fine, 5)
        for drum in ("kick", "hihat", "tom", "cymbal"):
            np.testing.assert_allclose(a.onsets[drum], b.onsets[drum], atol=1e-6)  # 6 vs 9 digits
        # MDB's class files count side stick as "other"; our snare takes it
        n_side_stick = fine.onsets.get("side_stick", np.empty(0)).size
        assert b.onsets["snare"].size == a.onsets["snare"].size + n_side_stick
