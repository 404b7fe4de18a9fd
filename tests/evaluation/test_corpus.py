"""Tests of drumnmf.evaluation.corpus: a tiny corpus from a fake shared folder, manifest, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from test_render import KIT_XML, write_midi, write_samples

from drumnmf.cli import main
from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.corpus import (
    build_corpus,
    default_shared_dir,
    install_command,
    load_manifest,
    missing_dependencies,
)
from drumnmf.io.annotations import load_text
from drumnmf.kit import load_kit

from dependencies import require
from synth import SR, groove, place

INFO_HEADER = (
    "drummer,session,id,style,bpm,beat_type,time_signature,midi_filename,audio_filename,"
    "duration,split\n"
)


def fake_shared(root: Path) -> Path:
    """groove_midi (2 beats + a fill), one MDB track with accompaniment and full mix."""
    shared = root / "shared"
    folder = shared / "groove_midi" / "drummer1" / "session1"
    folder.mkdir(parents=True)
    rows = []
    for name, split, kind in [("1_rock_120_beat_4-4", "train", "beat"),
                              ("2_funk_120_beat_4-4", "validation", "beat"),
                              ("3_rock_120_fill_4-4", "train", "fill")]:  # fmt: skip
        notes = [(b / 2, n, 100) for b, n in enumerate([36, 42, 38, 46, 36, 44, 40, 42])]
        write_midi(folder / f"{name}.mid", notes, tempo_change=False)
        rows.append(
            f"drummer1,drummer1/session1,drummer1/session1/{name[0]},rock,120,{kind},4-4,"
            f"drummer1/session1/{name}.mid,drummer1/session1/{name}.wav,4.0,{split}\n"
        )
    (shared / "groove_midi" / "info.csv").write_text(INFO_HEADER + "".join(rows))
    mdb = shared / "mdb_drums"
    for sub in ("audio/drum_only", "audio/accompaniment", "audio/full_mix", "annotations/class"):
        (mdb / sub).mkdir(parents=True)
    track = "MusicDelta_Fake"
    events = groove(6.0)
    drums = place(events, 6.0)
    t = np.arange(drums.size) / SR
    accompaniment = 0.2 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.5 * t))
    sf.write(mdb / "audio" / "drum_only" / f"{track}_Drum.wav", drums, SR)
    sf.write(mdb / "audio" / "accompaniment" / f"{track}_ACCOMP.flac", 0.25 * accompaniment, SR)
    sf.write(mdb / "audio" / "full_mix" / f"{track}_MIX.wav", drums + accompaniment, SR)
    labels = {"kick": "KD", "snare": "SD", "hihat": "HH"}
    lines = sorted((float(x), labels[d]) for d, times in events.items() for x in times)
    (mdb / "annotations" / "class" / f"{track}_class.txt").write_text(
        "".join(f"{x:.6f} \t {label} \n" for x, label in lines)
    )
    (mdb / "tracks.json").write_text(json.dumps({track: {"split": "dev"}}))
    return shared


def fake_drumkits(root: Path) -> Path:
    kit = root / "drumkits" / "TinyKit"
    kit.mkdir(parents=True)
    write_samples(kit)
    (kit / "drumkit.xml").write_text(KIT_XML, encoding="utf-8")
    return kit.parent


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("corpus")
    shared, drumkits = fake_shared(root), fake_drumkits(root)
    out = root / "corpus"
    build_corpus(out, shared=shared, kits=["TinyKit"], drumkits=drumkits)
    return out, shared, drumkits


def test_tiny_corpus_subsets_and_files(tiny: tuple[Path, Path, Path]) -> None:
    out, _, _ = tiny
    manifest = load_manifest(out)
    assert manifest.subsets == (
        "groove/train/TinyKit/drums",
        "groove/train/TinyKit/acc0db",
        "groove/train/TinyKit/acc-6db",
        "groove/validation/TinyKit/drums",
        "groove/validation/TinyKit/acc0db",
        "groove/validation/TinyKit/acc-6db",
        "mdb/drums",
        "mdb/acc",
        "mdb/mix",
    )
    assert len(manifest.items) == 9  # the fill is left out
    for item in manifest.items:
        assert item.audio.is_file() and item.reference.is_file()
        assert item.kit is not None and item.kit.is_file()
        assert item.leaky == (item.source == "mdb")
    assert [i.split for i in manifest.select("groove")] == ["train"] * 3 + ["validation"] * 3
    assert len(manifest.select("mdb", leaky=True)) == 3
    assert manifest.select("", leaky=False) == manifest.select("groove")


def test_tiny_corpus_references_and_kits(tiny: tuple[Path, Path, Path]) -> None:
    out, shared, _ = tiny
    manifest = load_manifest(out / "manifest.json")
    item = manifest.select("groove/validation/TinyKit/acc-6db")[0]
    assert item.ratio_db == -6.0 and item.accompaniment == "MusicDelta_Fake"
    reference = load_text(item.reference).onsets
    # notes 36 42 38 46 36 44 40 42 every 0.25 s; 40 (rim) falls back to the snare
    assert reference["kick"].tolist() == [0.0, 1.0]
    assert reference["snare"].tolist() == [0.5, 1.5]
    assert reference["hihat"].tolist() == [0.25, 1.25, 1.75]
    assert reference["open_hihat"].tolist() == [0.75]
    kit = load_kit(item.kit)  # type: ignore[arg-type]
    assert kit.names == ("kick", "snare", "hihat")
    hits = sorted(p.name for p in (out / "kits" / "TinyKit" / "hits").iterdir())
    assert hits == ["hihat.wav", "kick.wav", "open_hihat.wav", "snare.wav"]
    mdb = manifest.select("mdb/mix")[0]
    assert mdb.audio.is_absolute() and mdb.audio.is_relative_to(shared)
    assert load_kit(mdb.kit).names == ("kick", "snare", "hihat")  # type: ignore[arg-type]
    acc = manifest.select("mdb/acc")[0]
    assert acc.ratio_db is not None and np.isfinite(acc.ratio_db)


def test_mix_ratio_in_corpus_audio(tiny: tuple[Path, Path, Path]) -> None:
    out, _, _ = tiny
    manifest = load_manifest(out)
    drums, _ = sf.read(manifest.select("groove/train/TinyKit/drums")[0].audio)
    rms = lambda x: np.sqrt(np.mean(np.square(x)))  # noqa: E731
    for subset, ratio in (("acc0db", 0.0), ("acc-6db", -6.0)):
        mix, _ = sf.read(manifest.select(f"groove/train/TinyKit/{subset}")[0].audio)
        assert mix.size == drums.size and np.abs(mix).max() <= 0.99 + 1e-4
        scale = np.dot(mix, drums) / np.dot(drums, drums)  # the mix's peak normalisation
        accompaniment = mix - scale * drums
        measured = 20 * np.log10(rms(scale * drums) / rms(accompaniment))
        assert measured == pytest.approx(ratio, abs=0.5)


def test_rebuild_is_incremental_and_deterministic(tiny: tuple[Path, Path, Path]) -> None:
    out, shared, drumkits = tiny
    before = (out / "manifest.json").read_text()
    audio = (
        out
        / "groove"
        / "train"
        / "TinyKit"
        / "drums"
        / "drummer1_session1_1_rock_120_beat_4-4.flac"
    )
    stamp = audio.stat().st_mtime_ns
    build_corpus(out, shared=shared, kits=["TinyKit"], drumkits=drumkits)
    assert audio.stat().st_mtime_ns == stamp
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k != "config"}  # noqa: E731
    assert strip((out / "manifest.json").read_text()) == strip(before)


def test_max_per_split_and_options(tmp_path: Path) -> None:
    shared, drumkits = fake_shared(tmp_path), fake_drumkits(tmp_path)
    manifest = build_corpus(
        tmp_path / "c", shared=shared, kits=["TinyKit"], drumkits=drumkits,
        splits=["validation"], ratios_db=[], mdb=False, max_per_split=1,
    )  # fmt: skip
    assert [i.subset for i in manifest.items] == ["groove/validation/TinyKit/drums"]


def test_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DrumnmfError, match="--shared"):
        build_corpus(tmp_path / "c", shared=tmp_path / "nowhere")
    with pytest.raises(DrumnmfError, match="apt-get install -y"):
        build_corpus(tmp_path / "c", shared=tmp_path, drumkits=tmp_path / "none")
    assert missing_dependencies(drumkits=tmp_path, kits=["GMRockKit"]) == ["GMRockKit"]
    assert install_command()[:3] == ["apt-get", "install", "-y"]
    with pytest.raises(DrumnmfError, match="build the corpus"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "other"}')
    with pytest.raises(DrumnmfError, match="not a drumnmf corpus"):
        load_manifest(tmp_path)


def test_cli_corpus_build_and_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shared, drumkits = fake_shared(tmp_path), fake_drumkits(tmp_path)
    out = tmp_path / "c"
    # the CLI only knows Debian's folder: a kit name missing there needs installing
    code = main(["corpus", "build", "--out", str(out), "--shared", str(shared),
                 "--kits", "NoSuchKit", "--no-install"])  # fmt: skip
    assert code == 2
    assert "install them with: sudo apt-get" in capsys.readouterr().err
    build_corpus(out, shared=shared, kits=["TinyKit"], drumkits=drumkits, mdb=False)
    assert main(["corpus", "info", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "groove/train/TinyKit/acc-6db: 1 items" in printed and "6 items in" in printed


@pytest.mark.shared_data
def test_real_shared_data_one_performance(tmp_path: Path) -> None:
    require((default_shared_dir() / "groove_midi" / "info.csv").is_file(), "../shared/data absent")
    missing = missing_dependencies(kits=["GMRockKit"])
    require(not missing, f"missing {missing}: apt-get install hydrogen-drumkits hydrogen-data")
    manifest = build_corpus(
        tmp_path, kits=["GMRockKit"], splits=["validation"], max_per_split=1, max_seconds=5.0,
        ratios_db=[-6.0], mdb=False,
    )  # fmt: skip
    assert len(manifest.items) == 2
    item = manifest.items[1]
    assert item.subset == "groove/validation/GMRockKit/acc-6db"
    assert 0 < item.duration <= 5.0
    assert load_text(item.reference).onsets


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("build", ["examples:\n  drumnmf corpus build --out corpus/", "(default: 30.0)"]),
        ("build", ["(default: GMRockKit BJA_Pacific", "(default: train validation)"]),
        ("info", ["Summarise a corpus", "examples:\n  drumnmf corpus info corpus/"]),
    ],
)
def test_corpus_help_has_description_examples_and_defaults(action, expected, capsys):
    with pytest.raises(SystemExit):
        main(["corpus", action, "--help"])
    text = capsys.readouterr().out
    for piece in expected:
        assert piece in text, text


def test_plot_help_shows_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["plot", "activations", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "show from S seconds (default: 0)" in text
    assert "--preset {default,paper}" in text and "(default: default)" in text
