"""Experiments: variants, item selection, the ENST-Drums reader, and both commands end to end.

Everything runs on tiny generated corpora (a few seconds of synthetic drums), so the
end-to-end runs take seconds.
"""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.experiments import (
    DATASET_KINDS,
    ENST_CALIBRATIONS,
    ENST_MIXES,
    ExperimentItem,
    Table,
    Variant,
    accuracy_variants,
    corpus_items,
    enst_items,
    enst_track_kind,
    find_enst_drummers,
    paper_variants,
    parse_variant,
    run_variants,
    score,
    select_items,
    subset_group,
)
from drumnmf.pipeline import TranscribeConfig

from synth import SR, groove, place, write_hits, write_wav


def drumnmf(*args):
    return subprocess.run(
        [sys.executable, "-m", "drumnmf", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def accompaniment(n, *, seed=0):
    """A sustained chord with a little noise: not drum-like."""
    t = np.arange(n) / SR
    rng = np.random.default_rng(seed)
    tones = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))
    return (0.1 * tones + 0.01 * rng.standard_normal(n)).astype(np.float32)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    """A corpus manifest with Groove-like subsets (train, validation) and one MDB-like item."""
    from drumnmf.kit import calibrate, save_kit

    root = tmp_path_factory.mktemp("corpus")
    (root / "kits" / "Synth" / "hits").mkdir(parents=True)
    kit = calibrate(write_hits(root / "kits" / "Synth" / "hits"))
    save_kit(kit, root / "kits" / "Synth" / "kit.json")
    items = []
    duration = 4.0
    plan = [("train", 0), ("validation", 1), ("validation", 2)]
    for split, number in plan:
        events = groove(duration, tempo=100.0 + 10 * number)
        name = f"take{number}"
        base = f"groove/{split}/Synth"
        reference = root / base / "reference" / f"{name}.txt"
        reference.parent.mkdir(parents=True, exist_ok=True)
        rows = sorted((t, d) for d, times in events.items() for t in times)
        reference.write_text("".join(f"{t:.6f}\t{d}\n" for t, d in rows), encoding="utf-8")
        drums = place(events, duration)
        conditions = {"drums": drums, "acc0db": drums + accompaniment(drums.size, seed=number)}
        for condition, samples in conditions.items():
            audio = root / base / condition / f"{name}.wav"
            audio.parent.mkdir(parents=True, exist_ok=True)
            write_wav(audio, samples)
            items.append(
                {
                    "id": f"{base}/{condition}/{name}",
                    "subset": f"{base}/{condition}",
                    "audio": audio.relative_to(root).as_posix(),
                    "reference": reference.relative_to(root).as_posix(),
                    "kit": "kits/Synth/kit.json",
                    "split": split,
                    "leaky": False,
                    "source": "groove",
                    "kit_name": "Synth",
                    "duration": duration,
                }
            )
    items.append(
        {
            **items[2],
            "id": "mdb/drums/take1",
            "subset": "mdb/drums",
            "split": "dev",
            "leaky": True,
            "source": "mdb",
        }
    )
    manifest = {
        "format": "drumnmf-corpus",
        "version": 1,
        "config": {"max_per_split": 2, "max_seconds": duration, "kits": ["Synth"]},
        "sources": {},
        "items": items,
    }
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def write_enst_track(drummer, stem, labelled, duration, *, backing=False):
    """Audio in audio/wet_mix and an ENST annotation; ``labelled`` maps ENST label -> times."""
    sounds = {"bd": "kick", "sd": "snare", "chh": "hihat", "ohh": "hihat"}
    events = {}
    for label, times in labelled.items():
        if label in sounds:
            events.setdefault(sounds[label], []).extend(times)
    signal = place({d: np.sort(t) for d, t in events.items()}, duration)
    write_wav(drummer / "audio" / "wet_mix" / f"{stem}.wav", signal)
    lines = sorted((t, label) for label, times in labelled.items() for t in times)
    (drummer / "annotation" / f"{stem}.txt").write_text(
        "".join(f"{t:.6f} {label}\n" for t, label in lines), encoding="utf-8"
    )
    if backing:
        write_wav(drummer / "audio" / "accompaniment" / f"{stem}.wav", accompaniment(signal.size))


@pytest.fixture(scope="module")
def enst_tiny(tmp_path_factory):
    """ENST-Drums' layout with invented content: one drummer, hits, a phrase, a minus-one."""
    root = tmp_path_factory.mktemp("enst_tiny")
    drummer = root / "drummer_1"
    for folder in ("audio/wet_mix", "audio/accompaniment", "annotation"):
        (drummer / folder).mkdir(parents=True)
    hits = [0.2, 1.2, 2.2]
    write_enst_track(drummer, "001_hits_bass-drum_pedal_x3", {"bd": hits}, 3.0)
    write_enst_track(drummer, "002_hits_snare-drum_sticks_x3", {"sd": hits}, 3.0)
    write_enst_track(drummer, "003_hits_hi-hat-closed_sticks_x3", {"chh": hits}, 3.0)
    events = groove(4.0)
    hat = events["hihat"]
    snare = np.append(events["snare"], 3.5)  # one snare hit standing alone
    phrase = {
        "bd": events["kick"],
        "sd": snare,
        "chh": hat[:-1],
        "ohh": hat[-1:],
        "cr": np.array([1.0]),
    }
    write_enst_track(drummer, "010_phrase_rock_simple_medium_sticks", phrase, 4.0)
    events = groove(4.0, tempo=110.0)
    minus_one = {"bd": events["kick"], "sd": events["snare"], "chh": events["hihat"]}
    write_enst_track(drummer, "011_minus-one_rock_sticks", minus_one, 4.0, backing=True)
    return root


# ----------------------------------------------------------------------------- variants


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

    from drumnmf.evaluation.experiments import describe_config

    text = describe_config(TranscribeConfig())
    assert text.startswith("NeNMF 10 x 10, r_h ")
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


# ----------------------------------------------------------------------------- selection


def item(subset, name, split="validation"):
    return ExperimentItem(f"{subset}/{name}", subset, Path("a.wav"), Path("a.txt"), None, split)


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ((), 5),
        (("groove",), 4),
        (("groove/validation",), 3),
        (("groove/validation/*/drums",), 2),
        (("groove/*/K1/*",), 3),
        (("mdb/mix",), 1),
        (("mdb/mi",), 0),  # prefixes match whole components
    ],
)
def test_select_items_by_pattern(patterns, expected):
    items = [
        item("groove/validation/K1/drums", "a"),
        item("groove/validation/K2/drums", "a"),
        item("groove/validation/K1/acc0db", "a"),
        item("groove/train/K1/drums", "b", "train"),
        item("mdb/mix", "c", "dev"),
    ]
    assert len(select_items(items, subsets=patterns)) == expected


def test_select_items_limit_spreads_over_each_subset():
    items = [item("s", f"{i:02d}") for i in range(10)] + [item("t", "x")]
    chosen = select_items(items, limit=3)
    assert [i.id for i in chosen] == ["s/00", "s/04", "s/09", "t/x"]
    assert select_items(items, splits=("train",)) == ()
    with pytest.raises(DrumnmfError, match="positive number"):
        select_items(items, limit=0)


def test_subset_group_pools_groove_kits():
    assert subset_group("groove/train/BJA_Pacific/acc-6db") == "groove/train/*/acc-6db"
    assert subset_group("mdb/acc") == "mdb/acc"
    assert subset_group("enst/wet_mix/phrase") == "enst/wet_mix/phrase"


def test_table_renders_nan_as_dash():
    table = Table("T", ("data", "F"), (("a", 0.5), ("b", float("nan"))), note="n")
    md = table.markdown()
    assert "| a | 0.500 |" in md and "| b | – |" in md and md.rstrip().endswith("n")
    assert table.csv().splitlines() == ["data,F", "a,0.5", "b,"]


# ----------------------------------------------------------------------------- running


def test_run_variants_scores_both_pickers(tiny_corpus):
    items = select_items(corpus_items(tiny_corpus), subsets=("groove/validation/*/drums",))
    variants = (Variant("fast", TranscribeConfig(max_iter=5)),)
    results = run_variants(items, variants, jobs=1)
    assert not results.failures
    assert len(results.runs) == len(items) == 2
    for run in results.runs:
        assert set(run.reference) == {"kick", "snare", "hihat"}
        for cls, times in run.top_k.items():
            assert times.size <= run.reference[cls].size
        assert run.losses.shape == run.elapsed.shape == (5,)
        assert np.all(np.diff(run.elapsed) > 0) and run.elapsed[0] > 0
        assert 0 < run.losses[-1] < 1  # normalized by ||V||^2
    topk = score(results.runs, "topk")
    assert topk.micro_total.f_measure > 0.9  # clean synthetic drums, own kit
    assert score(results.runs, "adaptive").micro_total.f_measure > 0.8


def test_run_variants_reports_unreadable_items(tiny_corpus, tmp_path):
    good = select_items(corpus_items(tiny_corpus), subsets=("mdb",))[0]
    bad = ExperimentItem(
        "x/missing",
        "x",
        tmp_path / "missing.wav",
        good.reference,
        good.kit,
        "validation",
        reference_format="text",
    )
    results = run_variants([good, bad], [Variant("v", TranscribeConfig(max_iter=2))], jobs=1)
    assert [r.item.id for r in results.runs] == [good.id]
    assert [f.item for f in results.failures] == ["x/missing"]


def test_run_variants_checks_its_arguments(tiny_corpus):
    items = corpus_items(tiny_corpus)
    v = Variant("v", TranscribeConfig())
    with pytest.raises(DrumnmfError, match="distinct names"):
        run_variants(items, [v, v])
    with pytest.raises(DrumnmfError, match="jobs"):
        run_variants(items, [v], jobs=0)
    with pytest.raises(DrumnmfError, match="no items"):
        run_variants([], [v])


# ----------------------------------------------------------------------------- ENST-Drums


def test_enst_layout_detection(enst_tiny, tmp_path):
    assert find_enst_drummers(enst_tiny) == (enst_tiny / "drummer_1",)
    assert find_enst_drummers(enst_tiny / "drummer_1") == (enst_tiny / "drummer_1",)
    with pytest.raises(DrumnmfError, match="does not look like ENST-Drums"):
        find_enst_drummers(tmp_path)
    with pytest.raises(DrumnmfError, match="does not exist"):
        find_enst_drummers(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("stem", "kind"),
    [
        ("001_hits_snare-drum_sticks_x6", "hits"),
        ("013_phrase_rock_simple_medium_sticks", "phrase"),
        ("107_minus-one_salsa_sticks", "minus-one"),
        ("140_MIDI-minus-one_bigband_brushes", "midi-minus-one"),
        ("readme", "other"),
    ],
)
def test_enst_track_kind(stem, kind):
    assert enst_track_kind(stem) == kind


def test_enst_items_calibrate_from_hits(enst_tiny, tmp_path):
    from drumnmf.kit import load_kit

    items = enst_items(enst_tiny, kits_dir=tmp_path, accompaniment=True)
    assert enst_items(enst_tiny, kits_dir=tmp_path, kinds=("hits",))[0].subset == (
        "enst/wet_mix/hits"
    )
    assert [i.subset for i in items] == [
        "enst/wet_mix/phrase",
        "enst/wet_mix/minus-one",
        "enst/wet_mix+acc/minus-one",
    ]
    assert not any(i.leaky for i in items)
    assert items[2].accompaniment is not None and items[1].accompaniment is None
    kit = load_kit(items[0].kit)
    assert kit.names == ("kick", "snare", "hihat")
    assert all("hits" in s for s in kit.sources)


def test_enst_items_calibrate_from_the_track(enst_tiny, tmp_path):
    from drumnmf.kit import load_kit

    items = enst_items(
        enst_tiny, kits_dir=tmp_path, calibration="track", subsets=("enst/wet_mix/phrase",)
    )
    assert len(items) == 1 and items[0].leaky
    # kits are cut only for the tracks selected
    assert [p.name for p in (tmp_path / "drummer_1").iterdir()] == [items[0].kit.name]
    kit = load_kit(items[0].kit)
    assert set(kit.names) == {"kick", "snare", "hihat"}
    # the kick always sounds with the hi-hat: its template comes from the hits recording
    assert "hits" in kit.sources[kit.index("kick")]
    assert "this track" in kit.sources[kit.index("snare")]


def test_enst_items_errors(enst_tiny, tmp_path):
    with pytest.raises(DrumnmfError, match="has no 'dry_mix' folder"):
        enst_items(enst_tiny, kits_dir=tmp_path, mix="dry_mix")
    with pytest.raises(DrumnmfError, match="calibration 'x'"):
        enst_items(enst_tiny, kits_dir=tmp_path, calibration="x")


def test_enst_reference_uses_the_enst_label_map(enst_tiny):
    from drumnmf.evaluation.experiments import _load_reference

    path = enst_tiny / "drummer_1" / "annotation" / "010_phrase_rock_simple_medium_sticks.txt"
    ref = _load_reference(
        ExperimentItem("x", "x", path, path, None, "enst", reference_format="enst")
    )
    events = groove(4.0)
    assert set(ref) == {"kick", "snare", "hihat"}  # the crash is left out
    np.testing.assert_allclose(ref["hihat"], events["hihat"], atol=1e-6)  # chh and ohh
    np.testing.assert_allclose(ref["kick"], events["kick"], atol=1e-6)
    np.testing.assert_allclose(ref["snare"], [*events["snare"], 3.5], atol=1e-6)


def test_cli_constants_agree_with_the_library():
    from drumnmf.cli import experiment as cli

    assert cli.DATASET_KINDS == DATASET_KINDS
    assert cli.ENST_MIXES == ENST_MIXES
    assert cli.ENST_CALIBRATIONS == ENST_CALIBRATIONS


# ----------------------------------------------------------------------------- end to end


def test_experiment_paper_on_a_tiny_corpus(tiny_corpus, tmp_path):
    out = tmp_path / "paper"
    proc = drumnmf(
        "experiment",
        "paper",
        "--dataset",
        "corpus",
        tiny_corpus,
        "--out",
        out,
        "--jobs",
        "2",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Table 1" in proc.stdout
    for name in (
        "config.json",
        "summary.md",
        "scores.json",
        "fig4_losses.png",
        "items.csv",
        "table1_topk.csv",
        "table1_topk.md",
        "table2_mur_adaptive.csv",
        "table3_nenmf_adaptive.md",
        "runtimes.csv",
        "fig4_losses.csv",
    ):
        assert (out / name).is_file(), name
    assert (out / "fig4_losses.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    config = json.loads((out / "config.json").read_text())
    assert config["git_revision"] and "numpy" in config["versions"]
    assert config["command"].startswith("drumnmf experiment paper")
    assert {v["name"]: v["config"]["max_iter"] for v in config["variants"]} == {
        "MUR": 100,
        "NeNMF": 10,
    }
    assert all(v["config"]["harmonic_rank"] == 50 for v in config["variants"])
    assert config["selection"]["splits"] == ["validation", "dev"]  # train left for tuning
    assert len(config["items"]) == 5 and not any("/train/" in i for i in config["items"])

    table1 = read_csv(out / "table1_topk.csv")
    solvers = {(r["data"], r["solver"], r["mean"]) for r in table1}
    assert ("all", "MUR", "micro") in solvers and ("all", "NeNMF", "macro") in solvers
    assert {r["data"] for r in table1} >= {"groove/validation/*/drums", "mdb/drums"}
    for row in table1:
        for drum in ("kick", "snare", "hihat", "all"):
            assert 0.0 <= float(row[drum]) <= 1.0
    drums = {
        r["solver"]: r
        for r in table1
        if r["data"] == "groove/validation/*/drums" and r["mean"] == "micro"
    }
    assert float(drums["NeNMF"]["all"]) > 0.9

    table3 = read_csv(out / "table3_nenmf_adaptive.csv")
    assert float(next(r for r in table3 if r["data"] == "all")["all F"]) > 0.6

    runtimes = {r["variant"]: r for r in read_csv(out / "runtimes.csv")}
    assert runtimes["MUR"]["iterations"] == "100" and runtimes["NeNMF"]["iterations"] == "10"
    assert float(runtimes["MUR"]["factorize s/1000 frames"]) > 0

    curves = read_csv(out / "fig4_losses.csv")
    mur = [r for r in curves if r["solver"] == "MUR"]
    assert len(mur) == 100 and len([r for r in curves if r["solver"] == "NeNMF"]) == 10
    loss = np.array([float(r["median loss"]) for r in mur])
    assert np.all((loss > 0) & (loss < 1)) and np.all(np.diff(loss) <= 1e-9)
    assert [int(r["reads of V"]) for r in mur[:3]] == [2, 4, 6]
    assert "![Fig. 4](fig4_losses.png)" in (out / "summary.md").read_text()


def test_experiment_paper_on_enst(enst_tiny, tmp_path):
    out = tmp_path / "enst"
    proc = drumnmf(
        "experiment",
        "paper",
        "--dataset",
        "enst",
        enst_tiny,
        "--out",
        out,
        "--jobs",
        "1",
        "--enst-accompaniment",
        "--subset",
        "enst/wet_mix+acc",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["items"] == ["enst/wet_mix+acc/minus-one/drummer_1/011_minus-one_rock_sticks"]
    assert config["enst"] == {"mix": "wet_mix", "calibration": "auto", "accompaniment": True}
    assert (out / "kits" / "drummer_1_wet_mix_hits.json").is_file()
    table1 = read_csv(out / "table1_topk.csv")
    assert {r["data"] for r in table1} == {"enst/wet_mix+acc/minus-one"}


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("--dataset", "nope", "."), "KIND must be one of"),
        (("--dataset", "corpus", "/nonexistent/corpus"), "does not exist"),
        (("--dataset", "corpus", ".", "--limit", "0"), "--limit must be >= 1"),
        (("--dataset", "corpus", ".", "--window", "50"), "--window is in seconds"),
    ],
)
def test_experiment_paper_usage_errors(args, match):
    proc = drumnmf("experiment", "paper", *args)
    assert proc.returncode == 2
    assert match in proc.stderr and proc.stderr.startswith("drumnmf: error:")


def test_experiment_accuracy_unknown_ablation(tiny_corpus, tmp_path):
    proc = drumnmf(
        "experiment", "accuracy", tiny_corpus, "--doc", tmp_path / "a.md", "--ablation", "nope"
    )
    assert proc.returncode == 2 and "unknown --ablation 'nope'" in proc.stderr
    assert not (tmp_path / "a.md").exists()


def test_experiment_paper_unknown_subset(tiny_corpus, tmp_path):
    proc = drumnmf(
        "experiment",
        "paper",
        "--dataset",
        "corpus",
        tiny_corpus,
        "--out",
        tmp_path,
        "--subset",
        "enst",
        "--quiet",
    )
    assert proc.returncode == 2 and "no items match" in proc.stderr
    assert "groove/validation/Synth/drums" in proc.stderr  # lists the subsets there are


def test_experiment_accuracy_writes_the_doc(tiny_corpus, tmp_path):
    doc = tmp_path / "docs" / "accuracy.md"
    proc = drumnmf(
        "experiment",
        "accuracy",
        tiny_corpus,
        "--doc",
        doc,
        "--out",
        tmp_path / "acc",
        "--jobs",
        "1",
        "--quiet",
        "--variant",
        "rank 5: harmonic_rank=5",
        "--ablation",
        "peak timing",
        "--limit",
        "1",
    )
    assert proc.returncode == 0, proc.stderr
    text = doc.read_text()
    for needle in (
        "# Accuracy on the development corpus",
        "drumnmf experiment accuracy",
        "git `",
        "### Groove validation, pooled over the 1 kit(s)",
        "### Groove validation, kit Synth",
        "### MDB Drums (leaky templates)",
        "### Default kit, no calibration (rendered kits, drums only)",
        "## Results: oracle top-k",
        "## Runtimes",
        "### Ablation table",
        "| rank 5 |",
        "| peak timing |",
        "groove/train/*/drums",
    ):
        assert needle in text, needle
    rows = [line for line in text.splitlines() if line.startswith("| groove/validation/*/drums")]
    assert {line.split(" | ")[2] for line in rows} >= {"paper MUR", "paper NeNMF", "default"}
    config = json.loads((tmp_path / "acc" / "config.json").read_text())
    assert config["experiment"] == "accuracy" and config["splits"] == ["validation", "dev"]
    assert (tmp_path / "acc" / "topk.csv").is_file()
