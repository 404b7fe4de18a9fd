"""The numpy moving median and peak finder equal SciPy's on random inputs."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

from drumnmf.errors import DrumnmfError
from drumnmf.filters import find_peaks, moving_median


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 8, 17, 40])
def test_moving_median_equals_scipy_median_filter(rng, dtype, axis, size):
    for levels in (None, 3):  # continuous values, then many ties
        x = rng.random((6, 53)).astype(dtype)
        if levels:
            x = np.round(x * levels).astype(dtype)
        shape = [1, 1]
        shape[axis] = size
        expected = scipy.ndimage.median_filter(x, size=tuple(shape), mode="nearest")
        before = x.copy()
        got = moving_median(x, size, axis=axis)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(x, before)  # input untouched


def test_moving_median_blocks_give_the_same_result(rng, monkeypatch):
    import drumnmf.filters as filters

    x = rng.random((3, 500))
    whole = moving_median(x, 9)
    monkeypatch.setattr(filters, "_BLOCK_ELEMENTS", 50)  # many small blocks
    np.testing.assert_array_equal(moving_median(x, 9), whole)
    np.testing.assert_array_equal(
        whole, scipy.ndimage.median_filter(x, size=(1, 9), mode="nearest")
    )


def test_moving_median_rejects_bad_sizes():
    with pytest.raises(DrumnmfError, match="positive integer"):
        moving_median(np.zeros(5), 0)
    with pytest.raises(DrumnmfError, match="positive integer"):
        moving_median(np.zeros(5), 2.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("distance", [None, 1, 2, 3.5, 5, 20])
def test_find_peaks_equals_scipy(rng, distance):
    for trial in range(60):
        n = int(rng.integers(0, 120))
        y = rng.random(n)
        if trial % 2:
            y = np.round(y * 4)  # plateaus and equal heights
        if trial % 3 == 0:
            y = np.concatenate(([-np.inf], y, [-np.inf]))
        expected = scipy.signal.find_peaks(y, distance=distance)[0]
        np.testing.assert_array_equal(find_peaks(y, distance=distance), expected)


def test_find_peaks_rejects_bad_input():
    with pytest.raises(DrumnmfError, match=">= 1"):
        find_peaks(np.zeros(5), distance=0.5)
    with pytest.raises(DrumnmfError, match="1-D"):
        find_peaks(np.zeros((2, 5)))


def test_transcribe_path_imports_no_heavy_scipy_modules(tmp_path):
    # A fresh interpreter: import the pipeline and the CLI and transcribe a short file
    # (scipy.fft too is left for recordings over 5 minutes, see spectrogram.fft_for).
    code = (
        "import sys, numpy as np\n"
        "from drumnmf.cli import main\n"
        "from drumnmf.example import example_path\n"
        f"code = main(['transcribe', str(example_path()), '--out-dir', {str(tmp_path)!r}])\n"
        "assert code == 0\n"
        "names = ('scipy.signal', 'scipy.ndimage', 'scipy.stats', 'scipy.fft')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "HEAVY:"
