"""Corpus builds: reproducible manifests, per-item dealing, calibration protocols, shared data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from test_corpus import INFO_HEADER, fake_drumkits, fake_shared
from test_render import write_midi

from drumnmf.cli import main
from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.corpus import (
    accompaniment_index,
    add_protocols,
    build_corpus,
    default_shared_dir,
    load_manifest,
)
from drumnmf.evaluation.protocols import (
    PROTOCOLS,
    protocol_kit_path,
    velocity_reference_path,
)
from drumnmf.io.annotations import load_annotations, load_text
from drumnmf.kit import detect_hits, load_kit
from drumnmf.spectrogram import SpectrogramSettings, magnitude_spectrogram

from synth import SR


def test_two_builds_give_identical_manifests(tmp_path: Path) -> None:
    shared, drumkits = fake_shared(tmp_path), fake_drumkits(tmp_path)
    texts = []
    for name in ("a", "b"):
        build_corpus(tmp_path / name, shared=shared, kits=["TinyKit"], drumkits=drumkits)
        texts.append((tmp_path / name / "manifest.json").read_bytes())
    assert texts[0] == texts[1]
    manifest = json.loads(texts[0])
    assert "build_seconds" not in manifest["config"] and "shared" not in manifest["config"]
    assert len(manifest["config"]["input_digest"]) == 64
    # every path is relative; the MDB recordings are reached through ".."
    paths = [i["audio"] for i in manifest["items"]]
    assert not any(Path(p).is_absolute() for p in paths)
    mix = load_manifest(tmp_path / "a").select("mdb/mix")[0]
    assert mix.audio.is_file() and mix.audio.is_relative_to(shared)


def test_input_digest_follows_content(tmp_path: Path) -> None:
    shared, drumkits = fake_shared(tmp_path), fake_drumkits(tmp_path)
    options = dict(shared=shared, kits=["TinyKit"], drumkits=drumkits, mdb=False, ratios_db=[])
    first = build_corpus(tmp_path / "a", **options).config["input_digest"]  # type: ignore[arg-type]
    midi = shared / "groove_midi" / "drummer1" / "session1" / "1_rock_120_beat_4-4.mid"
    write_midi(midi, [(0.0, 36, 90), (1.0, 38, 90)], tempo_change=False)
    second = build_corpus(tmp_path / "b", **options).config["input_digest"]  # type: ignore[arg-type]
    assert first != second


def dealing_shared(root: Path, n_train: int = 4, n_validation: int = 3) -> Path:
    """Groove rows of two splits and 3 accompaniments (no MDB tracks needed)."""
    shared = root / "shared"
    folder = shared / "groove_midi" / "d1" / "s1"
    folder.mkdir(parents=True)
    rows = []
    names = [(f"{i}_rock_120_beat_4-4", "train") for i in range(n_train)]
    names += [(f"{i}_funk_120_beat_4-4", "validation") for i in range(n_validation)]
    for name, split in reversed(names):  # info.csv order must not matter
        write_midi(folder / f"{name}.mid", [(0.0, 36, 100), (1.0, 38, 100)], tempo_change=False)
        rows.append(
            f"d1,d1/s1,d1/s1/{name},rock,120,beat,4-4,d1/s1/{name}.mid,d1/s1/{name}.wav,2,{split}\n"
        )
    (shared / "groove_midi" / "info.csv").write_text(INFO_HEADER + "".join(rows))
    accompaniment = shared / "mdb_drums" / "audio" / "accompaniment"
    accompaniment.mkdir(parents=True)
    t = np.arange(SR) / SR
    for k, name in enumerate(("A", "B", "C")):
        sf.write(
            accompaniment / f"{name}_ACCOMP.flac", 0.1 * np.sin(2 * np.pi * 200 * (k + 1) * t), SR
        )
    return shared


def test_accompaniment_is_a_function_of_the_item(tmp_path: Path) -> None:
    shared, drumkits = dealing_shared(tmp_path), fake_drumkits(tmp_path)
    options = dict(shared=shared, kits=["TinyKit"], drumkits=drumkits, mdb=False, ratios_db=[0.0])

    def dealt(name: str, **more: object) -> dict[str, str | None]:
        manifest = build_corpus(tmp_path / name, **options, **more)  # type: ignore[arg-type]
        return {i.id: i.accompaniment for i in manifest.select("groove/validation/TinyKit/acc0db")}

    full = dealt("full")
    # the full build deals in turn over train (4) then validation, each sorted by name
    assert list(full.values()) == ["B", "C", "A"]
    assert [accompaniment_index(4 + i, 3) for i in range(3)] == [1, 2, 0]
    limited = dealt("limited", max_per_split=2)
    assert limited and all(full[k] == v for k, v in limited.items())
    alone = dealt("alone", splits=["validation"])
    assert alone == full
    with pytest.raises(DrumnmfError, match="no accompaniment"):
        accompaniment_index(3, 0)


@pytest.fixture(scope="module")
def protocol_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("protocols")
    shared, drumkits = fake_shared(root), fake_drumkits(root)
    out = root / "corpus"
    build_corpus(out, shared=shared, kits=["TinyKit"], drumkits=drumkits, mdb=False)
    return out, shared, drumkits


def test_build_writes_protocol_kits_and_velocity_references(
    protocol_corpus: tuple[Path, Path, Path],
) -> None:
    out, _, _ = protocol_corpus
    item = load_manifest(out).select("groove/validation/TinyKit/drums")[0]
    assert item.kit is not None
    kits = {p: load_kit(protocol_kit_path(item.kit, p)) for p in PROTOCOLS}
    assert kits["paper3"].names == ("kick", "snare", "hihat")
    # every piece TinyKit plays, each a drum of its own
    assert kits["full"].names == ("kick", "snare", "hihat", "open_hihat")
    assert kits["velocities"].names == kits["full"].names
    settings = SpectrogramSettings()
    for piece in kits["full"].names:
        samples, rate = sf.read(out / "kits" / "TinyKit" / "velocity_hits" / f"{piece}.wav")
        assert rate == SR
        spectrogram = magnitude_spectrogram(samples.astype(np.float32), settings)
        assert len(detect_hits(spectrogram, settings)) == 4, piece
    velocities = load_annotations(velocity_reference_path(item.reference))
    reference = load_text(item.reference).onsets
    assert set(velocities.onsets) == set(reference)
    for drum, times in reference.items():
        np.testing.assert_allclose(velocities.onsets[drum], times, atol=1e-6)
        assert velocities.strengths is not None
        assert np.all(velocities.strengths[drum] == 100)  # the MIDI's velocity


def test_kits_only_adds_new_files_and_touches_nothing(
    protocol_corpus: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    source, shared, drumkits = protocol_corpus
    out = tmp_path / "corpus"
    shutil.copytree(source, out)
    shutil.rmtree(out / "kits" / "TinyKit" / "protocols")
    shutil.rmtree(out / "kits" / "TinyKit" / "velocity_hits")
    for folder in out.glob("groove/*/TinyKit/velocity"):
        shutil.rmtree(folder)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    written = add_protocols(out, shared=shared, drumkits=drumkits)
    assert not set(written) & set(before)
    assert {p: p.read_bytes() for p in before} == before
    names = {p.relative_to(out).as_posix() for p in written}
    assert "kits/TinyKit/protocols/full.json" in names
    assert "groove/validation/TinyKit/velocity/drummer1_session1_2_funk_120_beat_4-4.csv" in names
    assert add_protocols(out, shared=shared, drumkits=drumkits) == []  # nothing left to add


def test_cli_kits_only_needs_a_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["corpus", "build", "--out", str(tmp_path), "--kits-only"]) == 2
    assert "build the corpus" in capsys.readouterr().err


def test_shared_data_is_found_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shared" / "data" / "mdb_drums").mkdir(parents=True)
    repo = tmp_path / "repo" / "sub"
    repo.mkdir(parents=True)
    monkeypatch.chdir(repo)
    assert default_shared_dir() == (tmp_path / "shared" / "data").resolve()
    assert default_shared_dir(repo) == (tmp_path / "shared" / "data").resolve()
    with pytest.raises(DrumnmfError, match="pass --shared DIR"):
        build_corpus(tmp_path / "c", shared=tmp_path / "nowhere")


@pytest.mark.parametrize("kit", ["item", "full"])
def test_experiment_and_evaluate_give_the_same_numbers(
    protocol_corpus: tuple[Path, Path, Path],
    tmp_path: Path,
    kit: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dataclasses

    import drumnmf.pipeline

    real = drumnmf.pipeline.transcribe

    def doubled(*args, **kwargs):  # type: ignore[no-untyped-def]
        """An open hi-hat 20 ms after every closed one: one class, two onsets."""
        result = real(*args, **kwargs)
        if "open_hihat" not in result.drums:
            return result
        onsets, strengths = dict(result.onsets), dict(result.strengths)
        onsets["open_hihat"] = np.sort(np.r_[onsets["open_hihat"], onsets["hihat"] + 0.02])
        strengths["open_hihat"] = np.ones(onsets["open_hihat"].size)
        return dataclasses.replace(result, onsets=onsets, strengths=strengths)

    monkeypatch.setattr(drumnmf.pipeline, "transcribe", doubled)
    from drumnmf.evaluation.experiments import (
        Variant,
        corpus_items,
        run_variants,
        score,
        write_estimates,
    )
    from drumnmf.pipeline import TranscribeConfig

    out, _, _ = protocol_corpus
    items = [i for i in corpus_items(out) if i.subset.startswith("groove/validation")]
    variant = Variant("v", TranscribeConfig(), kit=kit)
    runs = run_variants(items, [variant], jobs=1).runs
    assert len(runs) == 3
    write_estimates(runs, tmp_path / "est")
    for run in runs:
        expected = score([run], "adaptive")
        subset = run.item.subset
        reference = out / "groove" / "validation" / "TinyKit" / "reference"
        target = tmp_path / f"{run.item.subset.replace('/', '_')}.json"
        code = main(["evaluate", str(reference), str(tmp_path / "est" / subset), "--json",
                     str(target)])  # fmt: skip
        assert code == 0, capsys.readouterr().err
        got = json.loads(target.read_text())["micro"]
        for drum, s in {**expected.micro, "all": expected.micro_total}.items():
            assert (got[drum]["tp"], got[drum]["fp"], got[drum]["fn"]) == (s.tp, s.fp, s.fn)


def test_accuracy_doc_compares_peers_velocities_protocols_and_resumes(
    protocol_corpus: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drumnmf.evaluation.experiments import run_accuracy, runner

    out, _, _ = protocol_corpus
    peers = tmp_path / "peers"
    for item in load_manifest(out).select("groove/validation"):
        target = peers / "adtof" / f"{item.id}.csv"  # a perfect peer: the reference itself
        target.parent.mkdir(parents=True, exist_ok=True)
        rows = sorted(
            (float(t), d) for d, ts in load_text(item.reference).onsets.items() for t in ts
        )
        target.write_text("time,drum,strength\n" + "".join(f"{t},{d},1\n" for t, d in rows))
    options = dict(doc=tmp_path / "a.md", ablations=(), jobs=1, peers=peers,
                   cache=tmp_path / "cache")  # fmt: skip
    report = run_accuracy(out, **options)  # type: ignore[arg-type]
    text = report.text
    for needle in (
        "## drumnmf and ADTOF",
        "| **groove/validation/*/drums** | 1 | 1 |",
        "## Recall by reference velocity",
        "| groove/validation/*/drums | kick | ADTOF | – | 0% | – | 0% | 1.000 | 100% |",
        "## Calibration protocols",
        "| groove/validation/*/acc0db | protocol full | full | 1 |",
        "| groove/validation/*/drums | protocol velocities | velocities | 1 |",
    ):
        assert needle in text, needle
    row = next(
        line for line in text.splitlines() if line.startswith("| **groove/validation/*/acc-6db")
    )
    assert row.split(" | ")[8] == "1.000"  # the peer's F

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached run was recomputed")

    monkeypatch.setattr(runner, "_run_one", fail)
    again = run_accuracy(out, **options)  # type: ignore[arg-type]
    assert not again.results.failures and len(again.results.runs) == len(report.results.runs)
    absent = run_accuracy(out, **{**options, "peers": tmp_path / "none"})  # type: ignore[arg-type]
    assert "Skipped: no peer estimates found" in absent.text


def test_kits_only_force_recalibrates_only_the_protocol_kits(
    protocol_corpus: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    source, shared, drumkits = protocol_corpus
    out = tmp_path / "corpus"
    shutil.copytree(source, out)
    written = add_protocols(out, shared=shared, drumkits=drumkits, force=True)
    names = sorted(p.relative_to(out).as_posix() for p in written)
    assert names == [f"kits/TinyKit/protocols/{p}.json" for p in sorted(PROTOCOLS)]
    assert load_kit(out / names[0]).levels  # each drum's level on its own hits
