import json
from dataclasses import replace

import numpy as np
import pytest

from drumnmf.calibration import crosstalk_matrix, with_levels
from drumnmf.errors import DrumnmfError
from drumnmf.kit import Kit, calibrate, load_kit, save_kit

from synth import SR, hihat, kick, place, snare


def _hits(gain=1.0):
    lead = np.zeros(SR // 10, np.float32)
    return [
        ("kick", (np.concatenate([lead, gain * kick()]), SR)),
        ("snare", (np.concatenate([lead, gain * snare()]), SR)),
        ("hihat", (np.concatenate([lead, gain * hihat()]), SR)),
    ]


@pytest.fixture(scope="module")
def kit():
    return calibrate(_hits())


def test_calibration_records_one_positive_level_per_drum(kit):
    assert len(kit.levels) == kit.n_drums
    assert all(v > 0 for v in kit.levels)
    assert kit.level_of("snare") == kit.levels[1]


def test_levels_scale_with_the_calibration_hits():
    soft = calibrate(_hits(0.1))
    loud = calibrate(_hits(1.0))
    # the templates scale with the hits, so the levels are about equal...
    np.testing.assert_allclose(soft.levels, loud.levels, rtol=0.05)
    # ...and a kit's own hits, 20 dB quieter, produce a tenth of the level
    quiet = [(name, samples * 0.1) for name, (samples, _) in _hits()]
    again = with_levels(loud, quiet)
    np.testing.assert_allclose(again.levels, np.asarray(loud.levels) * 0.1, rtol=0.05)


def test_levels_roundtrip_and_old_files_still_load(kit, tmp_path):
    path = tmp_path / "k.kit.json"
    save_kit(kit, path)
    data = json.loads(path.read_text())
    assert all("level" in d for d in data["drums"])
    np.testing.assert_allclose(load_kit(path).levels, kit.levels, rtol=1e-5)
    for d in data["drums"]:
        del d["level"]
    path.write_text(json.dumps(data))
    old = load_kit(path)
    assert old.levels == () and old.level_of("kick") is None
    assert kit.subset(["hihat", "kick"]).levels == (kit.levels[2], kit.levels[0])


def test_bad_levels_are_refused(kit):
    with pytest.raises(DrumnmfError, match="one positive number per drum"):
        Kit(kit.names, kit.midi_notes, kit.templates, kit.template_drums, levels=(1.0,))
    with pytest.raises(DrumnmfError, match="one positive number per drum"):
        Kit(kit.names, kit.midi_notes, kit.templates, kit.template_drums, levels=(1, 0, 1))


def test_crosstalk_matrix_diagonal_dominates(kit):
    recordings = [(name, samples) for name, (samples, _) in _hits()]
    matrix = crosstalk_matrix(kit, recordings)
    assert matrix.shape == (3, 3)
    np.testing.assert_allclose(np.diag(matrix), 1.0, rtol=1e-6)
    assert np.all(matrix[~np.eye(3, dtype=bool)] < 0.5)


def test_a_recording_of_several_strengths_gives_the_middle_level():
    from drumnmf.calibration import calibration_activations

    lead = np.zeros(SR // 10, np.float32)
    gap = np.zeros(SR // 2, np.float32)
    gains = (0.25, 0.5, 1.0, 2.0)
    rising = np.concatenate([lead, *[np.concatenate([g * snare(), gap]) for g in gains]])
    kit = calibrate([("kick", (np.concatenate([lead, kick()]), SR)), ("snare", (rising, SR))])
    ((_, _, hits),) = calibration_activations(kit, [("snare", rising)])
    assert hits.size == len(gains) and np.all(np.diff(hits) > 0)  # one peak per hit
    assert kit.levels[1] == pytest.approx(float(np.median(hits)))
    assert hits[1] < kit.levels[1] < hits[2]


SEPARATE = {
    "kick": np.array([0.5, 2.0, 3.5]),
    "snare": np.array([1.0, 2.5, 4.0]),
    "hihat": np.array([1.5, 3.0, 4.5]),
}


@pytest.fixture(scope="module")
def annotated():
    from drumnmf.kit import calibrate_from_annotations

    return calibrate_from_annotations(place(SEPARATE, 5.5), SEPARATE, sample_rate=SR)


def test_annotated_kit_levels_match_those_of_separate_hits(annotated):
    # the same kit's levels measured as drumnmf.kit.calibrate measures them, on the same hits
    separate = [(name, samples) for name, (samples, _) in _hits()]
    bare = replace(annotated, levels=(), crosstalk=())
    np.testing.assert_allclose(annotated.levels, with_levels(bare, separate).levels, rtol=0.1)


def test_annotated_crosstalk_has_a_unit_diagonal_and_small_leaks(annotated):
    matrix = np.asarray(annotated.crosstalk)
    assert matrix.shape == (3, 3)
    np.testing.assert_allclose(np.diag(matrix), 1.0)
    assert np.all(matrix[~np.eye(3, dtype=bool)] < 0.5)


def test_annotated_level_is_the_median_hit_and_can_be_left_out():
    from drumnmf.kit import calibrate_from_annotations

    others = place({k: v for k, v in SEPARATE.items() if k != "snare"}, 7.0)

    def kit_with(loud, soft):
        audio = others + place({"snare": loud}, 7.0) + 0.1 * place({"snare": soft}, 7.0)
        events = {**SEPARATE, "snare": np.sort(np.concatenate([loud, soft]))}
        return calibrate_from_annotations(audio, events, sample_rate=SR)

    mostly_loud = kit_with(np.array([1.0, 2.5, 4.0]), np.array([5.0, 5.5]))
    mostly_soft = kit_with(np.array([1.0, 2.5]), np.array([4.0, 5.0, 5.5]))
    ratio = np.asarray(mostly_soft.levels) / np.asarray(mostly_loud.levels)
    assert ratio[1] < 0.3 and abs(ratio[0] - 1) < 0.1 and abs(ratio[2] - 1) < 0.1
    audio = place(SEPARATE, 5.5)
    bare = calibrate_from_annotations(audio, SEPARATE, sample_rate=SR, levels=False)
    assert bare.levels == () and bare.crosstalk == ()
    full = calibrate_from_annotations(audio, SEPARATE, sample_rate=SR)
    np.testing.assert_allclose(bare.templates, full.templates)
