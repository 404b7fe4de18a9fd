"""Tests of drumnmf.io.annotations.idmt: IDMT-SMT-Drums XML and Sonic Visualiser layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations import load_idmt_xml, load_svl

from annotation_fixtures import DATA, onsets_equal


def test_idmt_xml_fixture_sorts_events() -> None:
    a = load_idmt_xml(DATA / "idmt_loop#MIX.xml")
    onsets_equal(a, {"kick": [0.0625, 1.0625], "snare": [0.5625], "hihat": [0.0625, 0.3125]})
    assert a.labels == {"kick": ("KD",), "snare": ("SD",), "hihat": ("HH",)}


def test_svl_fixture_times_are_frames_over_rate() -> None:
    a = load_svl(DATA / "idmt_loop#MIX.svl")
    onsets_equal(
        a,
        {
            "kick": [2756 / 44100, 46856 / 44100],
            "snare": [24806 / 44100],
            "hihat": [2756 / 44100, 13781 / 44100],
        },
    )


def test_svl_single_drum_layer_takes_drum_from_file_name() -> None:
    a = load_svl(DATA / "idmt_loop#KD.svl")
    onsets_equal(a, {"kick": [1378 / 22050, 23428 / 22050]})
    b = load_svl(DATA / "idmt_loop#KD.svl", instrument="HH")
    onsets_equal(b, {"hihat": [1378 / 22050, 23428 / 22050]})


def test_svl_without_known_labels_or_name(tmp_path: Path) -> None:
    path = tmp_path / "layer.svl"
    path.write_text((DATA / "idmt_loop#KD.svl").read_text())
    with pytest.raises(DrumnmfError, match=r"unknown SVL label 'New Point'.*label_map="):
        load_svl(path)
    assert load_svl(path, unknown="drop").onsets == {}


def test_idmt_xml_errors(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_text(
        "<instrumentRecording><transcription><event><onsetSec>1</onsetSec>"
        "</event></transcription></instrumentRecording>"
    )
    with pytest.raises(DrumnmfError, match=r"event 1 lacks <onsetSec> or <instrument>"):
        load_idmt_xml(path)
    path.write_text("<instrumentRecording><event>")
    with pytest.raises(DrumnmfError, match="is not well-formed XML"):
        load_idmt_xml(path)


def test_svl_without_model(tmp_path: Path) -> None:
    path = tmp_path / "a.svl"
    path.write_text("<sv><data><dataset id='0'><point frame='1' label='KD'/></dataset></data></sv>")
    with pytest.raises(DrumnmfError, match=r"has no <model sampleRate=...>"):
        load_svl(path)
    path.write_text("<sv><data><model id='1' sampleRate='0' dataset='0'/></data></sv>")
    with pytest.raises(DrumnmfError, match=r"sampleRate 0.0 must be positive"):
        load_svl(path)
