"""Tests that need something from outside the repository call :func:`require`.

``../shared/data``, Debian's Hydrogen kits, fluidsynth and its SoundFont, Chromium, an
optional extra: locally a missing piece skips the test with the reason; in CI
(``CI=true``, where ``scripts/test.sh`` installs all of it) it fails the test, so that a
green CI run has run everything. Import it as ``from dependencies import require`` (the
test folders' conftest files put ``tests/`` on ``sys.path``; ``from conftest import`` would
be ambiguous with conftest files in subfolders).
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
