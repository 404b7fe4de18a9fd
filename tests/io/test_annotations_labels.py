"""Tests of the label maps, the module table and reduce_classes (drumnmf.io.annotations)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import drumnmf.io.annotations as ann
from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations import (
    CANONICAL_DRUMS,
    CLASSES,
    ENST_LABELS,
    GENERIC_LABELS,
    GM_DRUM_NOTES,
    IDMT_LABELS,
    MDB_LABELS,
    Annotations,
    load_annotations,
    reduce_classes,
)
from drumnmf.io.annotations._core import _REDUCTIONS

from annotation_fixtures import DATA


def test_every_map_targets_canonical_names() -> None:
    for table in (ENST_LABELS, MDB_LABELS, IDMT_LABELS, GM_DRUM_NOTES, GENERIC_LABELS):
        assert set(table.values()) <= set(CANONICAL_DRUMS)
    assert len([k for k in MDB_LABELS if k not in {"KD", "SD", "HH", "TT", "CY", "OT"}]) == 19


def test_groove_midi_dataset_classes() -> None:
    """The TD-11 notes of the GMD land in the brief's classes."""
    five = {
        "kick": [36],
        "snare": [38, 40, 37],
        "hihat": [42, 22, 46, 26, 44],
        "tom": [48, 50, 45, 47, 43, 58],
        "cymbal": [49, 55, 57, 52, 51, 59, 53],
    }
    for cls, notes in five.items():
        for note in notes:
            assert _REDUCTIONS[5][GM_DRUM_NOTES[note]] == cls, note


def test_generic_labels_agree_with_dataset_maps() -> None:
    for table in (ENST_LABELS, MDB_LABELS, IDMT_LABELS):
        for label, drum in table.items():
            if label not in {"c", "ch"}:
                assert GENERIC_LABELS[label.lower().strip("-")] == drum


def _docstring_table() -> list[list[str]]:
    doc = ann.__doc__ or ""
    block = doc.split("Label map")[1]
    lines = block.splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("====")]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", lines[rules[0]])]
    rows = []
    for line in lines[rules[1] + 1 : rules[2]]:
        cells = [
            line[a : (spans[i + 1][0] if i + 1 < len(spans) else None)].strip()
            for i, (a, _) in enumerate(spans)
        ]
        rows.append(cells)
    return rows


def test_module_docstring_table_matches_the_maps() -> None:
    rows = _docstring_table()
    assert [r[0] for r in rows] == list(CANONICAL_DRUMS)
    tables = {
        3: {},
        5: {},
        "enst": {},
        "mdb": {},
        "idmt": {},
        "gm": {},
    }  # type: dict
    for name, three, five, enst, mdb, idmt, gm in rows:
        if three != "-":
            tables[3][name] = three
        if five != "-":
            tables[5][name] = five
        for key, cell in (("enst", enst), ("mdb", mdb), ("idmt", idmt)):
            for label in cell.split():
                if label != "-":
                    tables[key][label.replace("/", "")] = name
        for item in gm.split():
            if item == "-":
                continue
            lo, _, hi = item.partition("-")
            for note in range(int(lo), int(hi or lo) + 1):
                tables["gm"][note] = name
    assert tables[3] == dict(_REDUCTIONS[3])
    assert tables[5] == dict(_REDUCTIONS[5])
    assert tables["enst"] == dict(ENST_LABELS)
    assert tables["mdb"] == dict(MDB_LABELS)
    assert tables["idmt"] == dict(IDMT_LABELS)
    assert tables["gm"] == dict(GM_DRUM_NOTES)


def test_reduce_classes_on_a_dict_does_not_mutate() -> None:
    onsets = {
        "hihat": np.array([0.5, 1.0]),
        "open_hihat": np.array([1.0, 2.0]),
        "side_stick": np.array([0.25]),
        "snare": np.array([0.75]),
        "crash": np.array([3.0]),
        "cowbell": np.array([4.0]),
    }
    before = {k: v.copy() for k, v in onsets.items()}
    three = reduce_classes(onsets, 3)
    assert list(three) == list(CLASSES[3])
    assert three["hihat"].tolist() == [0.5, 1.0, 2.0]  # the shared 1.0 merged
    assert three["snare"].tolist() == [0.25, 0.75]
    assert three["kick"].tolist() == []
    five = reduce_classes(onsets, 5)
    assert list(five) == list(CLASSES[5])
    assert five["cymbal"].tolist() == [3.0]
    assert reduce_classes(onsets, 3, merge_window=None)["hihat"].tolist() == [0.5, 1.0, 1.0, 2.0]
    assert reduce_classes(onsets, 3, merge_window=0.6)["hihat"].tolist() == [0.5, 2.0]
    for k, v in before.items():
        np.testing.assert_array_equal(onsets[k], v)


def test_reduce_classes_on_annotations_keeps_strengths_and_labels() -> None:
    a = load_annotations(DATA / "generic.txt", fmt="text")
    a = Annotations(
        onsets={k: v for k, v in a.onsets.items() if k != "triangle"},
        strengths={k: v for k, v in a.strengths.items() if k != "triangle"},  # type: ignore[union-attr]
        labels=a.labels,
    )
    r = reduce_classes(a, 3)
    assert isinstance(r, Annotations)
    assert r.strengths is not None
    assert r.onsets["kick"].tolist() == [0.25, 0.75]
    assert r.strengths["kick"].tolist() == [0.8, 0.9]
    assert r.labels["hihat"] == ("hi-hat", "hihat")
    merged = reduce_classes(
        Annotations(
            {"hihat": np.array([1.0]), "open_hihat": np.array([1.0])},
            {"hihat": np.array([0.2]), "open_hihat": np.array([0.7])},
        ),
        3,
    )
    assert merged.strengths is not None
    assert merged.strengths["hihat"].tolist() == [0.7]


def test_reduce_classes_errors() -> None:
    with pytest.raises(DrumnmfError, match=r"classes=4 must be 3 or 5"):
        reduce_classes({}, 4)
    with pytest.raises(DrumnmfError, match=r"merge_window=-1 must be seconds >= 0, or None"):
        reduce_classes({}, 3, merge_window=-1)
    with pytest.raises(DrumnmfError, match=r"\['triangle'\] are not canonical"):
        reduce_classes({"triangle": np.array([1.0])}, 5)
