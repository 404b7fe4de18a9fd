"""The package: every public name is importable from ``drumnmf.evaluation.experiments``."""

import importlib

import drumnmf.evaluation.experiments as experiments

MODULES = ("variants", "datasets", "runner", "tables", "paper", "accuracy", "comparison", "cache")


def test_every_public_name_comes_from_one_module():
    owners = {}
    for module in MODULES:
        loaded = importlib.import_module(f"drumnmf.evaluation.experiments.{module}")
        for name in loaded.__all__:
            assert hasattr(loaded, name), f"{module}.__all__ lists a missing {name}"
            owners.setdefault(name, module)
    for name in experiments.__all__:
        assert name in owners, name
        owner = importlib.import_module(f"drumnmf.evaluation.experiments.{owners[name]}")
        assert getattr(experiments, name) is getattr(owner, name), name
