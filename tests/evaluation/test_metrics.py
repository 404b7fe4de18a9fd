"""Tests of drumnmf.evaluation.metrics: mir_eval golden files, properties, policies, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import mir_eval
import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.metrics import (
    DrumScore,
    evaluate,
    score_onsets,
    select_top_k,
    validate,
)
from drumnmf.io.annotations import Annotations

DATA = Path(__file__).resolve().parents[1] / "data"
GOLDEN = DATA / "golden"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def golden(name: str) -> dict:
    return json.loads((GOLDEN / name).read_text())


# ----------------------------------------------------------------------------- golden files


ONSET_CASES = golden("onsets.json")["cases"]


@pytest.mark.parametrize("case", ONSET_CASES, ids=[c["name"] for c in ONSET_CASES])
def test_golden_onsets_match_mir_eval(case: dict) -> None:
    ref, est = np.array(case["reference"]), np.array(case["estimate"])
    strengths = np.array(case["strengths"])
    for top_k, expected in ((False, case["expected"]), (True, case["expected_top_k"])):
        s = score_onsets(
            {"d": ref},
            {"d": est},
            window=case["window"],
            strengths={"d": strengths},
            top_k=top_k,
            empty="zero",  # mir_eval's convention
        )["d"]
        assert s.f_measure == expected["f_measure"]  # bit-identical
        assert s.precision == pytest.approx(expected["precision"], abs=1e-15)
        assert s.recall == pytest.approx(expected["recall"], abs=1e-15)
        assert s.tp == expected["tp"]
        assert s.tp + s.fn == ref.size


@pytest.mark.parametrize("empty", ["skip", "zero"])
def test_golden_corpus_micro_and_macro(empty: str) -> None:
    g = golden("corpus.json")
    result = evaluate(g["references"], g["estimates"], window=g["window"], empty=empty)  # type: ignore[arg-type]
    assert result.drums == tuple(g["drums"])
    for name, drums in g["expected_files"].items():
        for drum, expected in drums.items():
            got = result.files[name].drums[drum]
            assert (got.tp, got.n_reference, got.n_estimate) == (
                expected["tp"],
                expected["n_reference"],
                expected["n_estimate"],
            )
            if expected["n_reference"] or expected["n_estimate"] or empty == "zero":
                assert got.f_measure == expected["f_measure"]
            else:
                assert math.isnan(got.f_measure)
    for drum, expected in g["micro"].items():
        got = result.micro_total if drum == "all" else result.micro[drum]
        assert (got.tp, got.n_reference, got.n_estimate) == (
            expected["tp"],
            expected["n_reference"],
            expected["n_estimate"],
        )
        assert got.f_measure == expected["f_measure"]
    for drum, expected in g[f"macro_{empty}"].items():
        got = result.macro_total if drum == "all" else result.macro[drum]
        assert got == pytest.approx(expected, abs=1e-12)


# ----------------------------------------------------------------------------- properties


def random_onsets(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.sort(rng.uniform(0.0, 20.0, n))


@pytest.mark.parametrize("seed", range(8))
def test_swapping_sides_swaps_precision_and_recall(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ref, est = random_onsets(rng, 30), random_onsets(rng, 25)
    est = np.sort(np.concatenate([est, ref[:10] + rng.normal(0, 0.02, 10)]))
    a = score_onsets({"k": ref}, {"k": est})["k"]
    b = score_onsets({"k": est}, {"k": ref})["k"]
    assert (a.precision, a.recall, a.tp) == (b.recall, b.precision, b.tp)
    assert a.f_measure == pytest.approx(b.f_measure, abs=1e-15)


@pytest.mark.parametrize("seed", range(4))
def test_true_positives_grow_with_the_window(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ref, est = random_onsets(rng, 40), random_onsets(rng, 40)
    tps = [score_onsets({"k": ref}, {"k": est}, window=w)["k"].tp for w in (0.01, 0.05, 0.2)]
    assert tps == sorted(tps)


def test_perfect_and_shifted_estimates(rng: np.random.Generator) -> None:
    ref = random_onsets(rng, 20)
    assert score_onsets({"k": ref}, {"k": ref.copy()})["k"].f_measure == 1.0
    ref = np.arange(20.0)
    assert score_onsets({"k": ref}, {"k": ref})["k"].f_measure == 1.0
    far = score_onsets({"k": ref}, {"k": ref + 0.5}, window=0.01)["k"]
    assert (far.f_measure, far.fp, far.fn) == (0.0, 20, 20)


def test_inputs_are_not_mutated_and_read_only_arrays_are_fine(rng: np.random.Generator) -> None:
    ref, est, s = random_onsets(rng, 10), random_onsets(rng, 12), rng.random(12)
    for a in (ref, est, s):
        a.setflags(write=False)
    copies = [a.copy() for a in (ref, est, s)]
    score_onsets({"k": ref}, {"k": est}, strengths={"k": s}, top_k=True)
    evaluate({"f": {"k": ref}}, {"f": {"k": est}}, strengths={"f": {"k": s}}, top_k=True)
    for a, c in zip((ref, est, s), copies, strict=True):
        np.testing.assert_array_equal(a, c)


def test_lists_are_accepted() -> None:
    s = score_onsets({"kick": [0.5, 1.0]}, {"kick": [0.52]})
    assert (s["kick"].tp, s["kick"].fn) == (1, 1)


def test_mir_eval_equivalence_on_random_data(rng: np.random.Generator) -> None:
    for _ in range(20):
        ref, est = random_onsets(rng, 15), random_onsets(rng, 15)
        est = np.sort(np.concatenate([est, ref[::2] + rng.normal(0, 0.03, ref[::2].size)]))
        f, p, r = mir_eval.onset.f_measure(ref, est, window=0.05)
        got = score_onsets({"k": ref}, {"k": est})["k"]
        assert (got.f_measure, got.precision, got.recall) == (f, p, r)


# ----------------------------------------------------------------------------- top-k


def test_select_top_k() -> None:
    times = np.array([0.1, 0.2, 0.3, 0.4])
    s = np.array([0.5, 0.9, 0.5, 0.1])
    kept, ks = select_top_k(times, s, 2)
    assert kept.tolist() == [0.1, 0.2]  # the tie at 0.5 goes to the earlier onset
    assert ks is not None and ks.tolist() == [0.5, 0.9]
    assert select_top_k(times, None, 3)[0].tolist() == [0.1, 0.2, 0.3]
    assert select_top_k(times, s, 9)[0] is times
    assert select_top_k(times, s, 0)[0].size == 0
    with pytest.raises(DrumnmfError, match="k=-1 must be >= 0"):
        select_top_k(times, s, -1)


def test_top_k_keeps_reference_count_per_drum() -> None:
    ref = {"kick": np.array([1.0, 2.0]), "snare": np.array([1.5])}
    est = {"kick": np.array([0.5, 1.0, 2.0, 3.0]), "snare": np.array([1.5, 1.7])}
    strengths = {"kick": np.array([0.1, 0.9, 0.8, 0.2]), "snare": np.array([0.3, 0.4])}
    plain = score_onsets(ref, est)
    oracle = score_onsets(ref, est, strengths=strengths, top_k=True)
    assert (plain["kick"].fp, oracle["kick"].fp) == (2, 0)
    assert oracle["kick"].f_measure == 1.0
    assert oracle["snare"].n_estimate == 1 and oracle["snare"].tp == 0  # 1.7 is stronger
    no_strengths = score_onsets(ref, est, top_k=True)  # first k in time
    assert no_strengths["kick"].tp == 1 and no_strengths["snare"].tp == 1


def test_evaluate_uses_annotation_strengths_for_top_k() -> None:
    est = Annotations({"kick": np.array([0.5, 1.0])}, {"kick": np.array([0.1, 0.9])})
    result = evaluate({"f": {"kick": np.array([1.0])}}, {"f": est}, top_k=True)
    assert result.micro["kick"].f_measure == 1.0
    override = evaluate(
        {"f": {"kick": np.array([1.0])}},
        {"f": est},
        strengths={"f": {"kick": np.array([0.9, 0.1])}},
        top_k=True,
    )
    assert override.micro["kick"].f_measure == 0.0


# ----------------------------------------------------------------------------- empty policy


@pytest.mark.parametrize(
    ("empty", "n_ref", "n_est", "expected"),
    [
        ("skip", 0, 0, (math.nan, math.nan, math.nan)),
        ("zero", 0, 0, (0.0, 0.0, 0.0)),
        ("one", 0, 0, (1.0, 1.0, 1.0)),
        ("skip", 2, 0, (math.nan, 0.0, 0.0)),
        ("zero", 2, 0, (0.0, 0.0, 0.0)),
        ("one", 2, 0, (1.0, 0.0, 0.0)),
        ("skip", 0, 3, (0.0, math.nan, 0.0)),
        ("zero", 0, 3, (0.0, 0.0, 0.0)),
        ("one", 0, 3, (0.0, 1.0, 0.0)),
    ],
)
def test_empty_policy(empty: str, n_ref: int, n_est: int, expected: tuple) -> None:
    s = DrumScore.from_counts("kick", 0, n_ref, n_est, empty=empty)  # type: ignore[arg-type]
    np.testing.assert_array_equal((s.precision, s.recall, s.f_measure), expected)
    assert (s.fp, s.fn) == (n_est, n_ref)


def test_both_empty_drum_is_skipped_in_macro_means() -> None:
    refs = {"a": {"kick": [1.0], "snare": []}, "b": {"kick": [1.0], "snare": [2.0]}}
    ests = {"a": {"kick": [1.0]}, "b": {"kick": [1.0], "snare": [3.0]}}
    skip = evaluate(refs, ests)
    assert skip.files["a"].mean_f_measure == 1.0
    assert skip.macro["snare"] == 0.0  # only file b counts
    assert skip.macro_total == pytest.approx((1.0 + 0.5) / 2)
    zero = evaluate(refs, ests, empty="zero")
    assert zero.files["a"].mean_f_measure == 0.5
    one = evaluate(refs, ests, empty="one")
    assert one.macro["snare"] == 0.5
    nothing = evaluate({"a": {"kick": []}}, {"a": {}})
    assert math.isnan(nothing.macro_total) and math.isnan(nothing.micro_total.f_measure)


def test_missing_and_unmatched_estimates() -> None:
    result = evaluate({"a": {"kick": [1.0]}, "b": {"kick": [1.0]}}, {"a": {"kick": [1.0]}, "z": {}})
    assert result.missing_estimates == ("b",)
    assert result.unmatched_estimates == ("z",)
    assert not result.files["b"].has_estimate
    assert result.files["b"].drums["kick"].fn == 1


def test_drums_argument_restricts_and_orders() -> None:
    result = evaluate(
        {"a": {"snare": [1.0], "kick": [2.0], "cowbell": [3.0]}},
        {"a": {"kick": [2.0]}},
        drums=["snare", "kick", "tom"],
    )
    assert result.drums == ("snare", "kick", "tom")
    assert math.isnan(result.micro["tom"].f_measure)
    default = evaluate({"a": {"snare": [1.0], "cowbell": [3.0], "kick": [2.0]}}, {"a": {}})
    assert default.drums == ("kick", "snare", "cowbell")


# ----------------------------------------------------------------------------- output


def test_to_dict_is_json_with_null_for_undefined() -> None:
    result = evaluate({"a": {"kick": [1.0], "tom": []}}, {"a": {"kick": [1.02, 3.0]}})
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert document["settings"] == {
        "window": 0.05,
        "top_k": False,
        "empty": "skip",
        "classes": None,
        "drums": ["kick", "tom"],
    }
    assert document["micro"]["kick"]["f_measure"] == pytest.approx(2 / 3)
    assert document["micro"]["tom"]["f_measure"] is None
    assert document["macro"]["all"] == pytest.approx(2 / 3)
    assert document["files"][0]["drums"]["kick"]["fp"] == 1


def test_format_table() -> None:
    result = evaluate(
        {"song": {"kick": [1.0], "tom": []}, "other": {"kick": [1.0]}}, {"song": {"kick": [1.0]}}
    )
    table = result.format_table()
    lines = table.splitlines()
    assert lines[0].startswith("window 50 ms, top-k off, empty=skip, classes all, 2 file(s)")
    assert any(line.startswith("song") and "1.000" in line and " -" in line for line in lines)
    assert any(line.endswith("(no estimate)") for line in lines)
    assert lines[-1].startswith("all")
    summary = result.format_table(per_file=False).splitlines()
    assert not any(line.startswith(("file", "song")) for line in summary)


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window": 0}, r"window=0 must be positive seconds \(0.05 is 50 ms\)"),
        ({"window": "wide"}, r"window='wide' must be a number of seconds"),
        ({"window": 50}, r"window=50 s is implausibly long"),
        ({"empty": "nan"}, r"empty='nan' must be one of 'skip', 'zero', 'one'"),
        ({"reference": {"kick": [[1.0]]}}, r"reference onsets of 'kick' have shape \(1, 1\)"),
        ({"reference": {"kick": [2.0, 1.0]}}, r"are not sorted .*sort them with np.sort"),
        ({"estimate": {"kick": [np.nan]}}, r"estimate onsets of 'kick' contain NaN"),
        ({"estimate": {"kick": [44100.0]}}, r"above 30000 s; did you supply times in seconds"),
        ({"estimate": {"kick": ["a"]}}, r"estimate onsets of 'kick' are not numbers"),
        ({"estimate": {1: [1.0]}}, r"estimate drum name 1 is not a string"),
        ({"estimate": [1.0]}, r"estimate onsets are a list; give a dict drum -> array"),
        ({"strengths": {"kick": [1.0, 2.0]}}, r"strengths of 'kick' have shape \(2,\) for 1"),
        ({"strengths": {"kick": [np.inf]}}, r"strengths of 'kick' contain NaN or infinity"),
        ({"strengths": [1.0]}, r"strengths are a list; give a dict"),
    ],
)
def test_validate_errors(kwargs: dict, match: str) -> None:
    args = {"reference": {"kick": [1.0]}, "estimate": {"kick": [1.0]}, **kwargs}
    with pytest.raises(DrumnmfError, match=match):
        validate(args.pop("reference"), args.pop("estimate"), **args)


def test_validate_accepts_good_input() -> None:
    validate({"kick": [1.0, 1.0]}, {"kick": []}, strengths={"kick": []})


def test_other_argument_errors() -> None:
    with pytest.raises(DrumnmfError, match=r"drums='kick' is one string"):
        score_onsets({}, {}, drums="kick")
    with pytest.raises(DrumnmfError, match=r"must be distinct drum names"):
        score_onsets({}, {}, drums=["kick", "kick"])
    with pytest.raises(DrumnmfError, match=r"tp=3 must lie in \[0, min\(n_reference=2"):
        DrumScore.from_counts("kick", 3, 2, 5)
    with pytest.raises(DrumnmfError, match=r"file 'a': reference onsets of 'kick' are not sorted"):
        evaluate({"a": {"kick": [2.0, 1.0]}}, {})
    with pytest.raises(DrumnmfError, match=r"strengths must be a dict file name"):
        evaluate({}, {}, strengths=[])  # type: ignore[arg-type]
