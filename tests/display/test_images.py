"""Pictures without matplotlib: drum colours and log-frequency images."""

from __future__ import annotations

import numpy as np
import pytest

from drumnmf.display import images
from drumnmf.errors import DrumnmfError

# ----------------------------------------------------------------------------- colours


def test_colors_are_per_name_and_distinct():
    a = images.drum_colors(["kick", "snare", "hihat"])
    b = images.drum_colors(["hihat", "crash", "kick", "BD"])
    assert a["kick"] == b["kick"] and a["hihat"] == b["hihat"]
    assert len(set(a.values())) == 3
    assert b["BD"] != b["kick"]  # an alias of a drum already there: still told apart
    assert images.drum_colors(["BD"])["BD"] == a["kick"]
    c = images.drum_colors(["kick", "gong", "bongo", "udu", "cajon"])
    assert len(set(c.values())) == 5
    assert images.drum_colors(["gong"]) == {"gong": c["gong"]}  # stable for unknown names
    assert all(v.startswith("#") and len(v) == 7 for v in c.values())


# ----------------------------------------------------------------------------- helpers


def test_log_frequency_image_keeps_short_hits_and_places_tones():
    sr, n_bins, n_frames = 22050, 257, 1000
    V = np.full((n_bins, n_frames), 1e-6)
    V[20, 333] = 1.0  # one loud frame: survives max-pooling to 100 columns
    image, edges, step = images.log_frequency_image(V, sr, n_rows=64, max_columns=100)
    assert image.shape == (64, 100) and step == 10 and edges.size == 65
    assert image.max() == pytest.approx(1.0) and image.min() >= 0
    row, col = np.unravel_index(np.argmax(image), image.shape)
    assert col == 333 // step
    freq = 20 * sr / 2 / (n_bins - 1)
    assert edges[row] <= freq * 1.05 and edges[row + 1] >= freq * 0.95


def test_log_frequency_image_rejects_bad_input():
    with pytest.raises(DrumnmfError, match="shape"):
        images.log_frequency_image(np.zeros(10), 22050)
    with pytest.raises(DrumnmfError, match="fmin"):
        images.log_frequency_image(np.ones((5, 5)), 22050, fmin=20000)
    image, _, _ = images.log_frequency_image(np.zeros((5, 5)), 22050)
    assert not image.any()
