"""Tests of drumnmf.io.annotations.tables: CSV and JSON, headers, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations import load_annotations, load_csv, load_json

from annotation_fixtures import DATA, onsets_equal


@pytest.mark.parametrize("name", ["transcription.csv", "transcription.json"])
def test_our_csv_and_json_outputs(name: str) -> None:
    a = load_annotations(DATA / name)
    onsets_equal(
        a,
        {
            "kick": [0.104, 1.096],
            "snare": [0.598],
            "hihat": [0.108, 0.352, 0.611],
            "tom": [1.4],
        },
    )
    assert a.strengths is not None
    np.testing.assert_array_equal(a.strengths["hihat"], [0.31, 0.28, 0.3])
    assert a.n_onsets == {"kick": 2, "snare": 1, "hihat": 3, "tom": 1}


def test_csv_header_in_any_order_and_headerless(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("velocity,extra,Label,Onset\n64,x,KD,1.5\n100,y,hi-hat,0.5\n")
    a = load_csv(path)
    onsets_equal(a, {"kick": [1.5], "hihat": [0.5]})
    assert a.strengths is not None
    np.testing.assert_array_equal(a.strengths["kick"], [64.0])
    np.testing.assert_array_equal(a.strengths["hihat"], [100.0])
    path.write_text("0.5,snare\n0.25,kick\n")
    b = load_csv(path)
    onsets_equal(b, {"kick": [0.25], "snare": [0.5]})
    assert b.strengths is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("when,what\n1,kick\n", r"no time and drum columns; name them 'time' and 'drum'"),
        ("time,drum,strength\n1.0\n", r"line 2 has 1 columns, expected at least 3"),
        ("time,drum\nsoon,kick\n", r"line 2: time 'soon' is not a number"),
        ("time,drum\nnan,kick\n", r"line 2: time 'nan' is not finite"),
    ],
)
def test_csv_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DrumnmfError, match=match):
        load_csv(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{", r"not valid JSON"),
        ('{"notes": []}', r"has no 'onsets' list"),
        ('{"onsets": [{"time": 1.0}]}', r"onsets\[0\] is .*needs 'time' and 'drum'"),
        (
            '{"onsets": [{"time": 1, "drum": "kick", "strength": 1}, {"time": 2, "drum": "kick"}]}',
            r"some onsets have a strength and others do not",
        ),
    ],
)
def test_json_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(DrumnmfError, match=match):
        load_json(path)
