"""Hand edits of a transcription: the rules the report's editor follows too."""

import json

import numpy as np
import pytest

from drumnmf.editing import Edit, apply_edits, edit_strength, load_edits
from drumnmf.errors import DrumnmfError
from drumnmf.onsets import MAX_RISE_FRAMES
from drumnmf.pipeline import TranscribeConfig, transcribe

from synth import SR, groove, place, write_hits


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    import drumnmf

    kit = drumnmf.calibrate(write_hits(tmp_path_factory.mktemp("hits")))
    events = groove(4.0)
    return transcribe(
        place(events, 4.0), kit=kit, sample_rate=SR, config=TranscribeConfig(harmonic_rank=4)
    )


def frames(t, drum):
    return np.rint(t.onsets[drum] / t.kit.settings.frame_seconds).astype(int).tolist()


def test_add_delete_reassign(result):
    fs = result.kit.settings.frame_seconds
    kick, snare = frames(result, "kick"), frames(result, "snare")
    gap = (kick[0] + kick[1]) // 2
    edits = [
        Edit("add", "kick", gap * fs),
        Edit("delete", "snare", snare[0] * fs),
        Edit("reassign", "kick", kick[0] * fs, to="snare"),
    ]
    edited = apply_edits(result, edits)
    t = edited.transcription
    assert edited.ignored == ()
    assert frames(t, "kick") == sorted([gap, *kick[1:]])
    assert frames(t, "snare") == sorted([kick[0], *snare[1:]])
    assert frames(t, "hihat") == frames(result, "hihat")
    i = frames(t, "kick").index(gap)
    assert t.strengths["kick"][i] == edit_strength(result.activations[0], gap)
    assert t.edits == tuple(edits)
    assert t.to_dict()["edits"][2] == {
        "edit": "reassign",
        "drum": "kick",
        "time": kick[0] * fs,
        "to": "snare",
    }
    # The caller's transcription is untouched.
    assert frames(result, "kick") == kick and result.edits == ()


def test_edits_that_change_nothing_are_reported(result):
    fs = result.kit.settings.frame_seconds
    kick = frames(result, "kick")
    edits = [Edit("add", "kick", kick[0] * fs), Edit("delete", "kick", (kick[0] + 1) * fs)]
    edited = apply_edits(result, edits)
    assert edited.ignored == tuple(edits)
    assert frames(edited.transcription, "kick") == kick


def test_edit_strength_is_the_peak_after_the_frame():
    row = np.array([0.0, 1.0, 3.0, 2.0, 0.5, 0.1, 0.0, 0.0, 9.0])
    assert edit_strength(row, 0) == 3.0
    assert MAX_RISE_FRAMES == 6  # frame 1 + 6 = 7 < 8: the 9 is out of reach
    assert edit_strength(row, 1) == 3.0
    assert edit_strength(row, 2) == 9.0


def test_bad_edits(result, tmp_path):
    with pytest.raises(DrumnmfError, match="unknown edit"):
        Edit("move", "kick", 1.0)
    with pytest.raises(DrumnmfError, match="needs 'to'"):
        Edit("reassign", "kick", 1.0)
    with pytest.raises(DrumnmfError, match="seconds >= 0"):
        Edit("add", "kick", -1.0)
    with pytest.raises(DrumnmfError, match="not in the kit"):
        apply_edits(result, [Edit("add", "cowbell", 1.0)])
    with pytest.raises(DrumnmfError, match="after the end"):
        apply_edits(result, [Edit("add", "kick", 999.0)])
    (tmp_path / "x.json").write_text(json.dumps({"edits": [{"edit": "add"}]}))
    with pytest.raises(DrumnmfError, match="needs 'edit', 'drum' and 'time'"):
        load_edits(tmp_path / "x.json")
    (tmp_path / "y.json").write_text(json.dumps({"onsets": []}))
    with pytest.raises(DrumnmfError, match="no list of edits"):
        load_edits(tmp_path / "y.json")


def test_load_edits_from_a_report_download_or_a_list(tmp_path):
    items = [{"edit": "add", "drum": "kick", "time": 0.5}]
    (tmp_path / "a.json").write_text(
        json.dumps({"format": "drumnmf-transcription", "edits": items})
    )
    (tmp_path / "b.json").write_text(json.dumps(items))
    assert (
        load_edits(tmp_path / "a.json")
        == load_edits(tmp_path / "b.json")
        == (Edit("add", "kick", 0.5),)
    )
