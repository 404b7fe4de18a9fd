import json

import numpy as np
import pytest

from drumnmf.calibration import crosstalk_matrix, with_levels
from drumnmf.errors import DrumnmfError
from drumnmf.kit import Kit, calibrate, load_kit, save_kit

from synth import SR, hihat, kick, snare


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
