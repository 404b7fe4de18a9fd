"""Shared test set-up.

A conftest here puts ``tests/`` on ``sys.path``, so that tests in every subfolder import
:mod:`synth`.
"""
