"""The helper for tests that need something from outside: skip locally, fail in CI."""

from __future__ import annotations

import pytest

from dependencies import require


@pytest.mark.parametrize("value", ["true", "True", "1"])
def test_missing_requirement_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="required in CI .*but fluidsynth absent"):
        require(False, "fluidsynth absent")
    require(True, "never said")


@pytest.mark.parametrize("value", [None, "", "false"])
def test_missing_requirement_skips_elsewhere(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="fluidsynth absent"):
        require(False, "fluidsynth absent")
    require(True, "never said")
