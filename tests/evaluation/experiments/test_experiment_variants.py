"""Named variants: the paper's and the report's, parsing, descriptions, checks."""

import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.experiments.variants import (
    Variant,
    accuracy_variants,
    describe_config,
    paper_variants,
    parse_variant,
)
from drumnmf.pipeline import TranscribeConfig


def test_paper_variants_differ_only_in_solver_and_iterations():
    mur, nenmf = paper_variants()
    assert (mur.name, nenmf.name) == ("MUR", "NeNMF")
    assert nenmf.config == TranscribeConfig.paper()
    assert (mur.config.solver, mur.config.max_iter) == ("mur", 100)
    a, b = mur.config.to_dict(), nenmf.config.to_dict()
    assert {k for k in a if a[k] != b[k]} == {"solver", "max_iter"}


def test_accuracy_variants_use_the_current_default():
    variants = {v.name: v for v in accuracy_variants()}
    assert variants["default"].config == TranscribeConfig()
    assert variants["default kit"].kit == "default"
    assert variants["default kit"].applies_to("groove/validation/GMRockKit/drums")
    assert not variants["default kit"].applies_to("groove/validation/GMRockKit/acc0db")
    assert not variants["default kit"].applies_to("mdb/drums")
    assert variants["dB picker"].config == TranscribeConfig(picker="db")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("r10: harmonic_rank=10", {"harmonic_rank": 10, "solver": "nenmf"}),
        (
            "mur: base=paper, solver=mur, max_iter=100",
            {"solver": "mur", "max_iter": 100, "onset_timing": "peak"},
        ),
        ("o: offsets=kick:0.2;snare:0.1", {"offsets": (("kick", 0.2), ("snare", 0.1))}),
        ("w: threshold_window=0.2, max_iter=none", {"threshold_window": 0.2, "max_iter": None}),
    ],
)
def test_parse_variant(text, expected):
    variant = parse_variant(text)
    assert variant.name == text.partition(":")[0]
    for key, value in expected.items():
        assert getattr(variant.config, key) == value


def test_describe_config_names_every_option():
    from dataclasses import fields

    text = describe_config(TranscribeConfig(picker="db"))
    assert text.startswith("NeNMF 10 x 10, r_h ")
    # the learned picker's summary leaves out the gates it does not read
    learned = describe_config(TranscribeConfig())
    assert "learned picker" in learned and "floor_db=" not in learned
    assert "percussive_frames=" in learned
    summarized = {
        "solver",
        "max_iter",
        "inner_iter",
        "harmonic_rank",
        "picker",
        "threshold_window",
        "offsets",
        "onset_timing",
        "min_interval",
        "seed",
    }
    for f in fields(TranscribeConfig):
        if f.name not in summarized:
            assert f"{f.name}=" in text, f.name
    assert "MUR 100 sweeps" in describe_config(paper_variants()[0].config)


def test_parse_variant_reads_every_option_by_its_type():
    from dataclasses import fields

    config = TranscribeConfig()
    for f in fields(TranscribeConfig):
        value = getattr(config, f.name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            parsed = parse_variant(f"v: {f.name}={value!r}").config
            assert getattr(parsed, f.name) == value and type(getattr(parsed, f.name)) is type(value)


def test_parse_variant_kit_and_subsets():
    variant = parse_variant("dk: kit=default, subsets=groove/*/*/drums;mdb")
    assert variant.kit == "default"
    assert variant.subsets == ("groove/*/*/drums", "mdb")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("no colon", "must read 'NAME: key=value"),
        ("x: harmonic_rank", "is not key=value"),
        ("x: colour=red", "unknown key 'colour'"),
        ("x: harmonic_rank=ten", "is not a valid value"),
        ("x: base=other", "base='other' must be default or paper"),
        ("x: solver=als", "unknown solver"),
        ("x: kit=mine", "kit='mine' must be one of"),
        ("x: offsets=kick", "must be DRUM:VALUE"),
    ],
)
def test_parse_variant_errors(text, match):
    with pytest.raises(DrumnmfError, match=match):
        parse_variant(text)


def test_variant_checks():
    with pytest.raises(DrumnmfError, match="needs a name"):
        Variant(" ", TranscribeConfig())
    with pytest.raises(DrumnmfError, match="tuple of patterns"):
        Variant("x", TranscribeConfig(), subsets="mdb")  # type: ignore[arg-type]
