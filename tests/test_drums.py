import numpy as np
import pytest

import drumnmf.kit
from drumnmf.drums import DRUM_NOTES, canonical_drum_name, kit_note, parse_hit_source
from drumnmf.errors import DrumnmfError


def test_kit_reexports_the_name_tables():
    assert drumnmf.kit.DRUM_NOTES is DRUM_NOTES
    assert drumnmf.kit.canonical_drum_name is canonical_drum_name


@pytest.mark.parametrize(
    ("item", "name"),
    [
        ("kick.wav", "kick"),
        ("dir/Kick_2.wav", "kick"),
        ("BD 3.flac", "kick"),
        ("hi-hat.wav", "hihat"),
        ("snare=take one.wav", "snare"),
        (("HH", np.zeros(3)), "hihat"),
    ],
)
def test_a_hit_source_names_its_drum(item, name):
    assert parse_hit_source(item)[0] == name


def test_kit_note_prefers_the_given_note_under_any_spelling():
    assert kit_note("kick") == 36
    assert kit_note("kick", {"BD": 35}) == 35
    with pytest.raises(DrumnmfError, match=r"--note tuba=NOTE"):
        kit_note("tuba")
