"""The learned picker at the edges of what it was trained on, and as the default onset stage.

Kits of one or two drums, a recording without frames, features far outside the training
data, a corrupt picker file, the options it does not read, and the batch digest that
follows the shipped classifier.
"""

from __future__ import annotations

import json

import mir_eval
import numpy as np
import pytest

import drumnmf
from drumnmf.batch_task import OutputOptions, settings_digest
from drumnmf.cli import main as cli_main
from drumnmf.errors import DrumnmfError
from drumnmf.learned import (
    FEATURES,
    LearnedPicker,
    candidate_features,
    load_picker,
    pick_learned,
    picker_digest,
)
from drumnmf.pipeline import TranscribeConfig, transcribe

from synth import SR, groove, place, write_hits, write_wav

CONFIG = TranscribeConfig(harmonic_rank=4)  # the default picker: learned


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    return drumnmf.calibrate(write_hits(tmp_path_factory.mktemp("hits")))


@pytest.fixture(scope="module")
def song():
    events = groove(6.0)
    return events, place(events, 6.0)


def test_the_default_onset_stage_is_the_learned_picker():
    assert TranscribeConfig().picker == "learned"


@pytest.mark.parametrize("drums", [("kick",), ("snare",), ("kick", "snare")])
def test_a_kit_of_one_or_two_drums_keeps_its_hits(kit, song, drums):
    """A feature a smaller kit cannot define (the other drums' rows) reads as its mean."""
    events, audio = song
    result = transcribe(audio, kit=kit, sample_rate=SR, config=CONFIG, drums=drums)
    for drum in drums:
        f = mir_eval.onset.f_measure(events[drum], result.onsets[drum], window=0.05)[0]
        # with a kick template alone, two of the five snare hits here land on the kick row
        assert f > 0.8, (drum, f)


def test_undefined_features_are_missing_not_extreme(kit, song):
    result = transcribe(song[1], kit=kit, sample_rate=SR, config=CONFIG, drums=("kick",))
    (found,) = candidate_features(
        result.kit,
        result.factorization.templates,
        result.factorization.drum_activations,
        result.factorized,
        frame_rate=1.0 / kit.settings.frame_seconds,
    )
    others = [FEATURES.index("other_db"), FEATURES.index("other_max_db")]
    assert found.peaks.size and np.all(np.isnan(found.features[:, others]))
    assert np.all(np.isfinite(np.delete(found.features, others, axis=1)))


def test_a_missing_feature_reads_as_the_training_mean():
    picker = load_picker()
    x = np.tile(picker.mean, (2, 1))
    x[1, 0] = np.nan
    p = picker.probability(x)
    assert p[1] == pytest.approx(p[0])


def test_the_shipped_picker_cannot_be_changed_in_place():
    picker = load_picker()
    with pytest.raises(ValueError):
        picker.mean[0] = 0.0
    with pytest.raises(ValueError):
        picker.layers[0][0][0, 0] = 0.0


def test_non_finite_weights_are_refused():
    document = load_picker().to_dict()
    document["mean"][0] = float("nan")
    with pytest.raises(DrumnmfError, match="finite"):
        LearnedPicker.from_dict(document)


@pytest.mark.parametrize(
    ("content", "match"), [(None, "cannot read"), ("{not json", "not JSON"), ("[1, 2]", "not a")]
)
def test_unreadable_picker_files_are_refused(tmp_path, content, match):
    path = tmp_path / "picker.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DrumnmfError, match=match):
        load_picker(path)


def test_no_frames_give_no_hits(kit):
    n_rows = 8
    picked = pick_learned(
        kit,
        np.ones((n_rows, len(kit.template_drums))),
        np.zeros((len(kit.template_drums), 0)),
        np.zeros((n_rows, 0)),
        CONFIG,
        frame_rate=1.0 / kit.settings.frame_seconds,
    )
    assert all(picked.frames[d].size == 0 for d in kit.names)


@pytest.mark.parametrize(
    "option",
    [
        ["--delta-db", "3"],
        ["--drum-delta-db", "hihat=9"],
        ["--range-db", "30"],
        ["--rise-ratio", "2"],
        ["--floor-db", "0"],
        ["--floor-follow-db", "3"],
        ["--leak-margin", "0"],
        ["--min-band-share", "0.3"],
        ["--band-share-relative", "0"],
        ["--crosstalk-ratio", "0"],
        ["--threshold-offset", "kick=0.2"],
    ],
)
def test_options_the_learned_picker_does_not_read_are_refused(kit, song, tmp_path, capsys, option):
    from drumnmf.kit import save_kit

    save_kit(kit, tmp_path / "my.kit.json")
    write_wav(tmp_path / "song.wav", song[1])
    base = [str(tmp_path / "song.wav"), "--kit", str(tmp_path / "my.kit.json")]
    out = tmp_path / "out"
    assert cli_main(["transcribe", *base, "-q", *option, "--out-dir", str(out)]) != 0
    assert f"{option[0]} set(s) the dB picker's gates" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())
    assert cli_main(["plot", "activations", *base, *option, "--out", str(tmp_path / "p.png")]) != 0
    assert "add --picker db" in capsys.readouterr().err


def test_the_batch_digest_follows_the_picker_file(kit, monkeypatch):
    options = OutputOptions()
    learned = settings_digest(kit, TranscribeConfig(), options)
    db = settings_digest(kit, TranscribeConfig(picker="db"), options)
    assert learned != db
    monkeypatch.setattr("drumnmf.learned.picker_digest", lambda: "another classifier")
    assert settings_digest(kit, TranscribeConfig(), options) != learned
    assert settings_digest(kit, TranscribeConfig(picker="db"), options) == db
    assert len(picker_digest()) == 64
    assert json.dumps(learned)
