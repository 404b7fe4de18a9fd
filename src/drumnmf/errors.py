"""Exceptions and warnings raised by drumnmf.

Every problem with a caller's input raises :class:`DrumnmfError`, whose message names
the offending value and how to fix it.
"""

from __future__ import annotations


class DrumnmfError(ValueError):
    """Invalid input or settings: the message names the value and the fix."""


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at its iteration limit before reaching its tolerance."""
