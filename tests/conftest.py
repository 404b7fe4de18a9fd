"""Shared test set-up.

A conftest here puts ``tests/`` on ``sys.path``, so that tests in every subfolder import
the helper modules beside it: :mod:`synth` (synthetic drums), :mod:`annotation_fixtures`,
and :mod:`dependencies`, whose ``require(condition, reason)`` skips a test that needs
something from outside the repository when it is missing, and fails it in CI (``CI=true``).
"""
