"""Items: selection by subset, split and limit; the ENST-Drums adapter."""

from pathlib import Path

import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.experiments.datasets import (
    ExperimentItem,
    enst_items,
    enst_track_kind,
    find_enst_drummers,
    read_reference,
    select_items,
)

from synth import groove


def item(subset, name, split="validation"):
    return ExperimentItem(f"{subset}/{name}", subset, Path("a.wav"), Path("a.txt"), None, split)


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ((), 5),
        (("groove",), 4),
        (("groove/validation",), 3),
        (("groove/validation/*/drums",), 2),
        (("groove/*/K1/*",), 3),
        (("mdb/mix",), 1),
        (("mdb/mi",), 0),  # prefixes match whole components
    ],
)
def test_select_items_by_pattern(patterns, expected):
    items = [
        item("groove/validation/K1/drums", "a"),
        item("groove/validation/K2/drums", "a"),
        item("groove/validation/K1/acc0db", "a"),
        item("groove/train/K1/drums", "b", "train"),
        item("mdb/mix", "c", "dev"),
    ]
    assert len(select_items(items, subsets=patterns)) == expected


def test_select_items_limit_spreads_over_each_subset():
    items = [item("s", f"{i:02d}") for i in range(10)] + [item("t", "x")]
    chosen = select_items(items, limit=3)
    assert [i.id for i in chosen] == ["s/00", "s/04", "s/09", "t/x"]
    assert select_items(items, splits=("train",)) == ()
    with pytest.raises(DrumnmfError, match="positive number"):
        select_items(items, limit=0)


# ----------------------------------------------------------------------------- ENST-Drums


def test_enst_layout_detection(enst_tiny, tmp_path):
    assert find_enst_drummers(enst_tiny) == (enst_tiny / "drummer_1",)
    assert find_enst_drummers(enst_tiny / "drummer_1") == (enst_tiny / "drummer_1",)
    with pytest.raises(DrumnmfError, match="does not look like ENST-Drums"):
        find_enst_drummers(tmp_path)
    with pytest.raises(DrumnmfError, match="does not exist"):
        find_enst_drummers(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("stem", "kind"),
    [
        ("001_hits_snare-drum_sticks_x6", "hits"),
        ("013_phrase_rock_simple_medium_sticks", "phrase"),
        ("107_minus-one_salsa_sticks", "minus-one"),
        ("140_MIDI-minus-one_bigband_brushes", "midi-minus-one"),
        ("readme", "other"),
    ],
)
def test_enst_track_kind(stem, kind):
    assert enst_track_kind(stem) == kind


def test_enst_items_calibrate_from_hits(enst_tiny, tmp_path):
    from drumnmf.kit import load_kit

    items = enst_items(enst_tiny, kits_dir=tmp_path, accompaniment=True)
    assert enst_items(enst_tiny, kits_dir=tmp_path, kinds=("hits",))[0].subset == (
        "enst/wet_mix/hits"
    )
    assert [i.subset for i in items] == [
        "enst/wet_mix/phrase",
        "enst/wet_mix/minus-one",
        "enst/wet_mix+acc/minus-one",
    ]
    assert not any(i.leaky for i in items)
    assert items[2].accompaniment is not None and items[1].accompaniment is None
    kit = load_kit(items[0].kit)
    assert kit.names == ("kick", "snare", "hihat")
    assert all("hits" in s for s in kit.sources)


def test_enst_items_calibrate_from_the_track(enst_tiny, tmp_path):
    from drumnmf.kit import load_kit

    items = enst_items(
        enst_tiny, kits_dir=tmp_path, calibration="track", subsets=("enst/wet_mix/phrase",)
    )
    assert len(items) == 1 and items[0].leaky
    # kits are cut only for the tracks selected
    assert [p.name for p in (tmp_path / "drummer_1").iterdir()] == [items[0].kit.name]
    kit = load_kit(items[0].kit)
    assert set(kit.names) == {"kick", "snare", "hihat"}
    # the kick always sounds with the hi-hat: its template comes from the hits recording
    assert "hits" in kit.sources[kit.index("kick")]
    assert "this track" in kit.sources[kit.index("snare")]


def test_enst_items_errors(enst_tiny, tmp_path):
    with pytest.raises(DrumnmfError, match="has no 'dry_mix' folder"):
        enst_items(enst_tiny, kits_dir=tmp_path, mix="dry_mix")
    with pytest.raises(DrumnmfError, match="calibration 'x'"):
        enst_items(enst_tiny, kits_dir=tmp_path, calibration="x")


def test_enst_reference_uses_the_enst_label_map(enst_tiny):
    path = enst_tiny / "drummer_1" / "annotation" / "010_phrase_rock_simple_medium_sticks.txt"
    ref = read_reference(
        ExperimentItem("x", "x", path, path, None, "enst", reference_format="enst")
    )
    events = groove(4.0)
    assert set(ref) == {"kick", "snare", "hihat"}  # the crash is left out
    np.testing.assert_allclose(ref["hihat"], events["hihat"], atol=1e-6)  # chh and ohh
    np.testing.assert_allclose(ref["kick"], events["kick"], atol=1e-6)
    np.testing.assert_allclose(ref["snare"], [*events["snare"], 3.5], atol=1e-6)
