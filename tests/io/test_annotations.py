"""Tests of drumnmf.io.annotations: format sniffing and the load_annotations dispatch."""

from __future__ import annotations

from pathlib import Path

import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations import load_annotations, sniff_format

from annotation_fixtures import DATA, write_midi


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("enst_hits.txt", "enst"),
        ("mdb_class.txt", "mdb"),
        ("mdb_subclass.txt", "mdb"),
        ("idmt_loop#MIX.xml", "idmt"),
        ("idmt_loop#MIX.svl", "svl"),
        ("generic.txt", "text"),
        ("transcription.csv", "csv"),
        ("transcription.json", "json"),
    ],
)
def test_sniff_format(name: str, fmt: str) -> None:
    assert sniff_format(DATA / name) == fmt
    auto = load_annotations(DATA / name)
    explicit = load_annotations(DATA / name, fmt=fmt)
    assert auto.onsets.keys() == explicit.onsets.keys()


def test_sniff_other_cases(tmp_path: Path) -> None:
    (tmp_path / "svl.xml").write_text((DATA / "idmt_loop#MIX.svl").read_text())
    assert sniff_format(tmp_path / "svl.xml") == "svl"
    (tmp_path / "our.txt").write_text("time,drum\n0.5,kick\n")
    assert sniff_format(tmp_path / "our.txt") == "csv"
    (tmp_path / "strong.txt").write_text("0.5 bd 0.9\n0.7 sd 0.4\n")
    assert sniff_format(tmp_path / "strong.txt") == "text"
    assert load_annotations(tmp_path / "strong.txt").onsets["kick"].tolist() == [0.5]
    (tmp_path / "empty.txt").write_text("")
    assert sniff_format(tmp_path / "empty.txt") == "text"
    assert load_annotations(tmp_path / "empty.txt").onsets == {}
    write_midi(tmp_path / "a.midi")
    assert sniff_format(tmp_path / "a.midi") == "midi"


def test_load_annotations_errors(tmp_path: Path) -> None:
    with pytest.raises(DrumnmfError, match=r"fmt='mp3' is not 'auto' or one of enst"):
        load_annotations(DATA / "enst_hits.txt", fmt="mp3")
    with pytest.raises(DrumnmfError, match=r"'.*nope.txt' does not exist; check the path"):
        load_annotations(tmp_path / "nope.txt")
    with pytest.raises(DrumnmfError, match=r"is a folder, not a file"):
        load_annotations(tmp_path)
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(DrumnmfError, match=r"is not UTF-8 text"):
        load_annotations(tmp_path / "bin.txt")


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("neg.txt", "0.5 kick\n-0.25 snare\n", r"neg\.txt line 2: time '-0\.25' is negative"),
        ("neg.csv", "time,drum\n0.5,kick\n-1,kick\n", r"neg\.csv line 3: time '-1' is negative"),
        (
            "neg.json",
            '{"onsets": [{"time": -0.1, "drum": "kick"}]}',
            r"neg\.json onsets\[0\]: time '-0\.1' is negative",
        ),
        (
            "neg.xml",
            "<x><event><onsetSec>-2</onsetSec><instrument>KD</instrument></event></x>",
            r"neg\.xml event 1: time '-2' is negative",
        ),
    ],
)
def test_negative_times_name_the_file_and_line(
    tmp_path: Path, name: str, text: str, match: str
) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(DrumnmfError, match=match):
        load_annotations(tmp_path / name)


def test_unreadable_file_is_an_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("0.5 kick\n")
    real = Path.read_text

    def read_text(self: Path, *args: object, **kwargs: object) -> str:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", read_text)
    with pytest.raises(DrumnmfError, match=r"cannot read '.*locked\.txt' \(Permission denied\)"):
        load_annotations(path)
