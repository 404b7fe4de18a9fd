"""Shared test set-up.

A conftest here puts ``tests/`` on ``sys.path``, so that tests in every subfolder import
:mod:`synth`, and :func:`require` with ``from conftest import require``.

Tests that need something from outside the repository (``../shared``, Debian's Hydrogen
kits, fluidsynth and its SoundFont, Chromium, an optional extra) call :func:`require`:
locally a missing piece skips the test with the reason; in CI (``CI=true``, where
``scripts/test.sh`` installs all of it) it fails the test, so that a green CI run has run
everything.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    """True where every test must run: the environment variable ``CI`` is set to true."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require(condition: object, reason: str) -> None:
    """Go on when ``condition`` holds; else skip (locally) or fail (in CI) with ``reason``.

    Callable inside a test or fixture, or at module level.
    """
    if condition:
        return
    if in_ci():
        pytest.fail(f"required in CI (CI=true), but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)
