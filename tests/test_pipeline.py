from dataclasses import replace

import numpy as np
import pytest

import drumnmf
from drumnmf.errors import DrumnmfError
from drumnmf.pipeline import TranscribeConfig, save_transcription, transcribe

from synth import SR, groove, place, write_hits, write_wav

# A drums-only signal: a few free components suffice (many would learn the drums too).
RANK = 4


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    return drumnmf.calibrate(write_hits(tmp_path_factory.mktemp("hits")))


@pytest.fixture(scope="module")
def song():
    events = groove(8.0)
    return events, place(events, 8.0)


def _f_measure(ref, est, window=0.05):
    import mir_eval

    return mir_eval.onset.f_measure(ref, est, window=window)[0]


@pytest.mark.parametrize("solver", ["nenmf", "mur"])
def test_transcribes_synthetic_groove(kit, song, solver):
    events, audio = song
    result = transcribe(
        audio,
        kit=kit,
        sample_rate=SR,
        # the solvers on a synthetic kit: the dB picker (the learned one: tests/test_learned.py)
        config=TranscribeConfig(solver=solver, harmonic_rank=RANK, picker="db"),
    )
    assert result.drums == ("kick", "snare", "hihat")
    assert result.activations.shape == (3, result.spectrogram.shape[1])
    for drum, times in events.items():
        assert _f_measure(times, result.onsets[drum]) > 0.9, drum
        assert np.all(np.diff(result.onsets[drum]) > 0)
        assert result.strengths[drum].shape == result.onsets[drum].shape


def test_top_k_picker_returns_k(kit, song):
    events, audio = song
    k = {d: len(t) for d, t in events.items()}
    result = transcribe(
        audio, kit=kit, sample_rate=SR, config=TranscribeConfig(picker="topk"), top_k=k
    )
    assert result.n_onsets == k
    assert result.thresholds is None


def test_scale_of_audio_does_not_change_onsets_without_the_kit_floor(kit, song):
    _, audio = song
    config = TranscribeConfig(picker="db", floor_db=0.0)
    a = transcribe(audio, kit=kit, sample_rate=SR, config=config)
    b = transcribe(audio * 0.01, kit=kit, sample_rate=SR, config=config)
    for drum in a.drums:
        np.testing.assert_allclose(a.onsets[drum], b.onsets[drum])
    # the kit floor (15 dB) silences the same drums played 40 dB under the calibration hits
    quiet = transcribe(audio * 0.01, kit=kit, sample_rate=SR, config=replace(config, floor_db=15.0))
    assert sum(quiet.n_onsets.values()) == 0


def test_file_input_and_outputs(kit, song, tmp_path):
    _, audio = song
    path = write_wav(tmp_path / "groove.wav", audio)
    result = transcribe(path, kit=kit)
    written = save_transcription(result, tmp_path / "out")
    assert sorted(written) == ["csv", "json", "mid"]
    assert all(p.stem == "groove" and p.stat().st_size > 0 for p in written.values())
    doc = result.to_dict()
    assert doc["versions"]["numpy"] == np.__version__
    assert doc["counts"] == result.n_onsets


def test_drum_subset(kit, song):
    _, audio = song
    result = transcribe(audio, kit=kit, sample_rate=SR, drums=("snare",))
    assert result.drums == ("snare",)


def test_multi_template_activations_are_summed(tmp_path, song):
    events, audio = song
    paths = write_hits(tmp_path)
    multi = drumnmf.calibrate([*paths, f"snare={paths[1]}"], separate=True)
    assert multi.templates.shape[1] == 4
    result = transcribe(
        audio, kit=multi, sample_rate=SR, config=TranscribeConfig(harmonic_rank=RANK, picker="db")
    )
    assert result.activations.shape[0] == 3
    assert _f_measure(events["snare"], result.onsets["snare"]) > 0.9


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"solver": "als"}, "unknown solver"),
        ({"picker": "peaks"}, "unknown picker"),
        ({"harmonic_rank": -1}, "harmonic_rank"),
        ({"max_iter": 0}, "max_iter"),
        ({"min_interval": 0.0}, "min_interval"),
        ({"min_band_share": -0.1}, "min_band_share"),
        ({"min_band_share": 1.0}, "min_band_share"),
        ({"min_band_share": float("nan")}, "min_band_share"),
        ({"band_share_relative": -1.0}, "band_share_relative"),
        ({"crosstalk_ratio": -0.5}, "crosstalk_ratio"),
        ({"crosstalk_ratio": float("inf")}, "crosstalk_ratio"),
        ({"crosstalk_similarity": 1.5}, "crosstalk_similarity"),
    ],
)
def test_config_validation(kwargs, match):
    with pytest.raises(DrumnmfError, match=match):
        TranscribeConfig(**kwargs)


def test_topk_needs_counts(kit, song):
    _, audio = song
    with pytest.raises(DrumnmfError, match="needs k per drum"):
        transcribe(audio, kit=kit, sample_rate=SR, config=TranscribeConfig(picker="topk"))
    with pytest.raises(DrumnmfError, match="no count for"):
        transcribe(
            audio,
            kit=kit,
            sample_rate=SR,
            config=TranscribeConfig(picker="topk"),
            top_k={"kick": 3},
        )


def test_array_needs_rate(kit, song):
    with pytest.raises(DrumnmfError, match="sample_rate is required"):
        transcribe(song[1], kit=kit)


def test_paper_config_is_available():
    paper = TranscribeConfig.paper()
    assert (paper.solver, paper.harmonic_rank, paper.max_iter, paper.inner_iter) == (
        "nenmf",
        50,
        10,
        10,
    )


def test_deterministic_for_a_seed(kit, song):
    _, audio = song
    a = transcribe(audio, kit=kit, sample_rate=SR)
    b = transcribe(audio, kit=kit, sample_rate=SR)
    np.testing.assert_array_equal(a.activations, b.activations)
    for drum in a.drums:
        np.testing.assert_array_equal(a.onsets[drum], b.onsets[drum])


def test_paper_has_no_share_gate_and_gate_only_removes(kit, song):
    _, audio = song
    assert TranscribeConfig.paper().min_band_share == 0.0
    assert TranscribeConfig().min_band_share == 0.0  # off by default (docs/ablation.md)
    base = TranscribeConfig()
    off = transcribe(audio, kit=kit, sample_rate=SR, config=replace(base, min_band_share=0.0))
    on = transcribe(audio, kit=kit, sample_rate=SR, config=replace(base, min_band_share=0.9))
    for drum in kit.names:
        assert set(np.round(on.onsets[drum], 6)) <= set(np.round(off.onsets[drum], 6))
    np.testing.assert_array_equal(on.activations, off.activations)


def test_paper_has_no_crosstalk_gate_and_gate_only_removes(kit, song):
    _, audio = song
    assert TranscribeConfig.paper().crosstalk_ratio == 0.0
    assert TranscribeConfig().crosstalk_ratio == 0.5  # on by default (docs/ablation.md)
    base = TranscribeConfig()
    off = transcribe(audio, kit=kit, sample_rate=SR, config=replace(base, crosstalk_ratio=0.0))
    on = transcribe(audio, kit=kit, sample_rate=SR, config=replace(base, crosstalk_ratio=1.0))
    for drum in kit.names:
        assert set(np.round(on.onsets[drum], 6)) <= set(np.round(off.onsets[drum], 6))
    np.testing.assert_array_equal(on.activations, off.activations)


def test_crosstalk_flags_reach_the_config():
    import argparse

    from drumnmf.cli.transcribe import add_pipeline_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_pipeline_arguments(parser)
    config = config_from_args(
        parser.parse_args(
            ["--picker", "db", "--crosstalk-ratio", "0", "--crosstalk-similarity", "0.7"]
        )
    )
    assert (config.crosstalk_ratio, config.crosstalk_similarity) == (0.0, 0.7)
    paper = config_from_args(parser.parse_args(["--preset", "paper"]))
    assert paper == TranscribeConfig.paper()


# --------------------------------------------------------- what transcribe returns, exactly


def test_config_defaults_are_the_documented_ones():
    assert TranscribeConfig().to_dict() == {
        "solver": "nenmf",
        "harmonic_rank": 5,
        "max_iter": None,
        "inner_iter": 10,
        "picker": "learned",
        "families": True,
        "delta_db": 6.0,
        "drum_delta_db": {},
        "range_db": 40.0,
        "rise_ratio": 3.0,
        "floor_db": 15.0,
        "floor_follow_db": 6.0,
        "leak_margin": 1.0,
        "threshold_window": 0.1,
        "offsets": {},
        "min_interval": 0.05,
        "onset_timing": "rise",
        "seed": 0,
        "bands_per_octave": 12,
        "fmin": 30.0,
        "fmax": 16000.0,
        "percussive_frames": 17,
        "percussive_bands": 7,
        "min_band_share": 0.0,
        "band_share_relative": 0.5,
        "crosstalk_ratio": 0.5,
        "crosstalk_similarity": 0.5,
    }
    paper = TranscribeConfig.paper()
    assert (paper.onset_timing, paper.bands_per_octave, paper.percussive_frames) == ("peak", 0, 0)
    assert (paper.min_band_share, paper.crosstalk_ratio, paper.picker) == (0.0, 0.0, "paper")
    assert (paper.families, paper.rise_ratio, paper.floor_db, paper.leak_margin) == (
        False,
        0.0,
        0.0,
        0.0,
    )


def test_offsets_default_to_the_papers_and_can_be_overridden():
    config = TranscribeConfig(offsets=(("kick", 0.3),))
    assert config.offset("kick") == 0.3
    assert (config.offset("snare"), config.offset("hihat"), config.offset("gong")) == (
        0.1,
        0.05,
        0.1,
    )
    assert config.to_dict()["offsets"] == {"kick": 0.3}


def test_drum_delta_db_overrides_delta_db_for_one_drum():
    config = TranscribeConfig(delta_db=5.0, drum_delta_db=(("hihat", 9.0),))
    assert (config.delta_for("hihat"), config.delta_for("kick")) == (9.0, 5.0)
    assert config.to_dict()["drum_delta_db"] == {"hihat": 9.0}
    with pytest.raises(DrumnmfError, match="delta_db of 'kick' must be a number >= 0 dB"):
        TranscribeConfig(drum_delta_db=(("kick", -1.0),))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"solver": "als"}, "unknown solver 'als'; use one of ('nenmf', 'mur')"),
        (
            {"picker": "peaks"},
            "unknown picker 'peaks'; use one of ('db', 'paper', 'adaptive', 'topk', 'learned')",
        ),
        ({"harmonic_rank": 1.5}, "harmonic_rank must be an integer >= 0, got 1.5"),
        ({"max_iter": 2.0}, "max_iter must be a positive integer, got 2.0"),
        ({"inner_iter": 0}, "inner_iter must be a positive integer, got 0"),
        ({"threshold_window": 0}, "threshold_window must be a positive number of seconds, got 0"),
        (
            {"min_interval": float("nan")},
            "min_interval must be a positive number of seconds, got nan",
        ),
        ({"onset_timing": "late"}, "unknown onset_timing 'late'; use one of ('rise', 'peak')"),
        ({"offsets": (("kick", -0.1),)}, "threshold offset of 'kick' must be >= 0, got -0.1"),
        (
            {"bands_per_octave": True},
            "bands_per_octave must be an integer >= 0 (0 = off), got True",
        ),
        ({"percussive_frames": -1}, "percussive_frames must be an integer >= 0 (0 = off), got -1"),
        ({"percussive_bands": 0}, "percussive_bands must be a positive integer (e.g. 7), got 0"),
        ({"min_band_share": 1.0}, "min_band_share must be in [0, 1) (0 = off, e.g. 0.2), got 1.0"),
        (
            {"band_share_relative": -1.0},
            "band_share_relative must be a number >= 0 (0 = off, e.g. 0.5), got -1.0",
        ),
        (
            {"crosstalk_ratio": -0.5},
            "crosstalk_ratio must be a number >= 0 (0 = off, e.g. 0.5), got -0.5",
        ),
        (
            {"crosstalk_similarity": 1.5},
            "crosstalk_similarity must be in [0, 1] (e.g. 0.5), got 1.5",
        ),
        (
            {"fmin": 100.0, "fmax": 100.0},
            "need 0 < fmin < fmax in Hz (e.g. 30 and 16000), got fmin=100.0, fmax=100.0",
        ),
    ],
)
def test_config_messages(kwargs, message):
    with pytest.raises(DrumnmfError) as info:
        TranscribeConfig(**kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"harmonic_rank": 0, "max_iter": 1, "inner_iter": 1},
        {"bands_per_octave": 0, "percussive_frames": 0, "percussive_bands": 1},
        {"min_band_share": 0.0, "band_share_relative": 0.0, "crosstalk_ratio": 0.0},
        {"crosstalk_similarity": 0.0, "offsets": (("kick", 0.0),)},
        {"crosstalk_similarity": 1.0, "min_band_share": 0.99},
    ],
)
def test_config_edge_values_are_accepted(kwargs):
    assert TranscribeConfig(**kwargs)


@pytest.fixture(scope="module")
def plain(kit, song):
    """The paper's pipeline without gates: onsets straight from the pickers."""
    _, audio = song
    config = replace(TranscribeConfig.paper(), harmonic_rank=RANK, max_iter=5)
    return audio, config, transcribe(audio, kit=kit, sample_rate=SR, config=config)


def test_result_is_the_sum_of_its_stages(kit, plain):
    from drumnmf.onsets import pick_adaptive
    from drumnmf.spectrogram import frames_to_seconds, magnitude_spectrogram

    audio, config, result = plain
    V = magnitude_spectrogram(audio)
    np.testing.assert_array_equal(result.spectrogram, V)
    assert result.features is None and result.factorized is result.spectrogram
    n_frames = V.shape[1]
    np.testing.assert_allclose(result.frame_times, np.arange(n_frames) * 512 / SR)
    assert result.duration == audio.size / SR and result.source == "<array>"
    np.testing.assert_array_equal(result.activations, result.factorization.drum_activations)
    assert result.activations.dtype == np.float64
    for i, drum in enumerate(kit.names):
        picked = pick_adaptive(
            result.activations[i],
            frame_rate=SR / 512,
            offset=config.offset(drum),
            window=config.threshold_window,
            min_interval=config.min_interval,
            timing="peak",
        )
        np.testing.assert_array_equal(
            result.onsets[drum], frames_to_seconds(picked.frames, kit.settings)
        )
        np.testing.assert_array_equal(result.strengths[drum], picked.strengths)
        np.testing.assert_array_equal(result.thresholds[i], picked.threshold)
    assert set(result.seconds) == {"load", "spectrogram", "features", "factorize", "onsets"}
    assert all(v >= 0 for v in result.seconds.values())
    assert result.factorization.n_iter == 5 and result.config is config and result.kit is kit


def test_multi_template_activation_is_the_sum_of_its_rows(tmp_path, song):
    _, audio = song
    paths = write_hits(tmp_path)
    multi = drumnmf.calibrate([*paths, f"snare={paths[1]}"], separate=True)
    result = transcribe(
        audio, kit=multi, sample_rate=SR, config=TranscribeConfig(harmonic_rank=RANK)
    )
    rows = result.factorization.drum_activations.astype(np.float64)
    assert multi.template_drums == (0, 1, 1, 2)
    np.testing.assert_allclose(result.activations, [rows[0], rows[1] + rows[2], rows[3]])


def test_transcription_document(kit, plain):
    _, config, result = plain
    doc = result.to_dict()
    assert doc["format"] == "drumnmf-transcription" and doc["version"] == 1
    assert doc["source"] == "<array>" and doc["duration"] == result.duration
    times = sorted((round(float(t), 6), d) for d in kit.names for t in result.onsets[d])
    assert [(o["time"], o["drum"]) for o in doc["onsets"]] == times
    assert doc["counts"] == {d: int(result.onsets[d].size) for d in kit.names}
    assert doc["config"] == config.to_dict()
    assert doc["settings"] == kit.settings.to_dict()
    assert doc["kit"] == {
        "drums": [{"name": "kick", "midi_note": 36}, {"name": "snare", "midi_note": 38},
                  {"name": "hihat", "midi_note": 42}],
        "sources": list(kit.sources),
    }  # fmt: skip
    assert doc["factorization"] == {
        "solver": "nenmf",
        "n_iter": 5,
        "converged": False,
        "final_loss": float(result.factorization.losses[-1]),
    }
    assert set(doc["versions"]) == {
        "drumnmf",
        "numpy",
        "scipy",
        "soundfile",
        "soxr",
        "mido",
        "mir_eval",
    }
    assert "not installed" not in doc["versions"].values()
    assert doc["seconds"] == result.seconds


def test_saved_files_and_their_names(kit, plain, tmp_path):
    import mido

    from drumnmf.io.annotations import load_csv

    _, _, result = plain
    written = save_transcription(result, tmp_path / "new" / "out", formats=("csv", "mid"))
    assert sorted(written) == ["csv", "mid"]
    assert written["csv"] == tmp_path / "new" / "out" / "drums.csv"  # an array: "drums"
    read = load_csv(written["csv"]).onsets
    for drum in kit.names:
        np.testing.assert_allclose(read.get(drum, np.zeros(0)), result.onsets[drum], atol=1e-6)
    notes = {m.note for m in mido.MidiFile(str(written["mid"])) if m.type == "note_on"}
    assert notes == {36, 38, 42}
    named = save_transcription(result, tmp_path, stem="take", formats=("json",))
    assert named == {"json": tmp_path / "take.json"}
    with pytest.raises(DrumnmfError) as info:
        save_transcription(result, tmp_path, formats=("csv", "wav"))
    assert str(info.value) == "unknown output format(s) ['wav']; choose from ('csv', 'json', 'mid')"


def test_kit_file_settings_check_and_callback(kit, song, tmp_path):
    from drumnmf.kit import save_kit
    from drumnmf.spectrogram import SpectrogramSettings

    _, audio = song
    save_kit(kit, tmp_path / "k.json")
    seen = []
    config = TranscribeConfig(harmonic_rank=RANK, max_iter=3)
    result = transcribe(
        audio[: 2 * SR],
        kit=str(tmp_path / "k.json"),
        sample_rate=SR,
        config=config,
        settings=SpectrogramSettings(),
        callback=lambda i, loss: seen.append((i, loss)),
    )
    assert result.kit.names == kit.names
    assert [i for i, _ in seen] == [1, 2, 3]
    np.testing.assert_allclose([loss for _, loss in seen], result.factorization.losses)
    with pytest.raises(DrumnmfError, match="^the kit was calibrated with"):
        transcribe(audio, kit=kit, sample_rate=SR, settings=SpectrogramSettings(hop_length=256))


def test_top_k_counts_by_alias_and_messages(kit, song):
    _, audio = song
    config = TranscribeConfig(picker="topk", harmonic_rank=RANK)
    result = transcribe(
        audio, kit=kit, sample_rate=SR, config=config, top_k={"BD": 2, "SD": 1, "HH": 3}
    )
    assert result.n_onsets == {"kick": 2, "snare": 1, "hihat": 3}
    with pytest.raises(DrumnmfError) as info:
        transcribe(audio, kit=kit, sample_rate=SR, config=config, top_k={"kick": 3})
    assert str(info.value) == "top_k has no count for ['snare', 'hihat']; give k for every drum"
    with pytest.raises(DrumnmfError) as info:
        transcribe(audio, kit=kit, sample_rate=SR, config=config)
    assert str(info.value) == "the top-k picker needs k per drum: pass top_k={'kick': 40, ...}"
    with pytest.raises(DrumnmfError) as info:
        transcribe(audio, kit=kit)
    assert str(info.value) == "sample_rate is required when audio is an array of samples"


def test_output_stem_and_with_options():
    from drumnmf.pipeline import output_stem, with_options

    assert output_stem("dir/song.take1.wav") == "song.take1"
    base = TranscribeConfig()
    changed = with_options(base, solver="mur", harmonic_rank=None, seed=3)
    assert (changed.solver, changed.harmonic_rank, changed.seed) == ("mur", 5, 3)


def test_more_config_bounds():
    assert TranscribeConfig(fmin=0.5).fmin == 0.5
    for kwargs, message in (
        (
            {"fmin": 0.0},
            "need 0 < fmin < fmax in Hz (e.g. 30 and 16000), got fmin=0.0, fmax=16000.0",
        ),
        (
            {"percussive_bands": 2.5},
            "percussive_bands must be a positive integer (e.g. 7), got 2.5",
        ),
    ):
        with pytest.raises(DrumnmfError) as info:
            TranscribeConfig(**kwargs)
        assert str(info.value) == message


def test_every_option_reaches_its_stage(kit, song):
    """A non-default value of each option gives exactly what the stages give by hand."""
    from drumnmf.factorization import factorize
    from drumnmf.features import apply_filterbank, log_filterbank, percussive_spectrogram
    from drumnmf.onsets import (
        band_share,
        explained_energy,
        gate_onsets,
        pick_adaptive,
        suppress_crosstalk,
    )
    from drumnmf.spectrogram import magnitude_spectrogram

    _, audio = song
    config = TranscribeConfig(
        solver="mur",
        harmonic_rank=3,
        max_iter=7,
        inner_iter=3,
        threshold_window=0.3,
        min_interval=0.2,
        onset_timing="peak",
        seed=4,
        bands_per_octave=6,
        fmin=40.0,
        fmax=12000.0,
        percussive_frames=9,
        percussive_bands=3,
        min_band_share=0.5,
        band_share_relative=0.0,
        crosstalk_ratio=3.0,
        crosstalk_similarity=0.0,
        # the paper's picker by name, without the silence gates, is the old stage by stage
        picker="paper",
        families=False,
        rise_ratio=0.0,
        floor_db=0.0,
        leak_margin=0.0,
    )
    result = transcribe(audio, kit=kit, sample_rate=SR, config=config)
    V = magnitude_spectrogram(audio)
    filters = log_filterbank(kit.settings, bands_per_octave=6, fmin=40.0, fmax=12000.0)
    features = percussive_spectrogram(apply_filterbank(filters, V), time_frames=9, freq_bands=3)
    np.testing.assert_allclose(result.features, features, rtol=1e-5)
    templates = filters @ kit.templates
    fact = factorize(features, templates, harmonic_rank=3, solver="mur", max_iter=7, seed=4)
    assert result.factorization.solver == "mur" and result.factorization.n_iter == 7
    np.testing.assert_allclose(
        result.factorization.drum_activations, fact.drum_activations, rtol=1e-4
    )
    H = result.factorization.drum_activations
    share = band_share(features, result.factorization.templates, H, kit.template_drums, 3)
    picks, ungated = [], 0
    for i, drum in enumerate(kit.names):
        picked = pick_adaptive(
            result.activations[i],
            frame_rate=SR / 512,
            offset=config.offset(drum),
            window=0.3,
            min_interval=0.2,
            timing="peak",
        )
        np.testing.assert_array_equal(result.thresholds[i], picked.threshold)
        picks.append(gate_onsets(picked, share[i], 0.5, relative=0.0))
        ungated += picked.frames.size
    gated = sum(p.frames.size for p in picks)
    share_only = transcribe(
        audio, kit=kit, sample_rate=SR, config=replace(config, crosstalk_ratio=0.0)
    )
    for drum, picked in zip(kit.names, picks, strict=True):
        np.testing.assert_allclose(share_only.onsets[drum], picked.frames * 512 / SR, rtol=1e-12)
    energy, profiles = explained_energy(result.factorization.templates, H, kit.template_drums, 3)
    picks = suppress_crosstalk(picks, energy, profiles, ratio=3.0, similarity=0.0)
    assert ungated > gated > sum(p.frames.size for p in picks)  # both gates removed onsets
    for drum, picked in zip(kit.names, picks, strict=True):
        np.testing.assert_allclose(result.onsets[drum], picked.frames * 512 / SR, rtol=1e-12)
    inner = transcribe(
        audio, kit=kit, sample_rate=SR, config=replace(config, solver="nenmf", inner_iter=3)
    )
    direct = factorize(
        features, templates, harmonic_rank=3, solver="nenmf", max_iter=7, inner_iter=3, seed=4
    )
    np.testing.assert_allclose(
        inner.factorization.drum_activations, direct.drum_activations, rtol=1e-4
    )
    # the linear bins with the percussive mask only
    linear = transcribe(audio, kit=kit, sample_rate=SR, config=replace(config, bands_per_octave=0))
    np.testing.assert_allclose(
        linear.features, percussive_spectrogram(V, time_frames=9, freq_bands=3), rtol=1e-5
    )
    topk = transcribe(
        audio,
        kit=kit,
        sample_rate=SR,
        config=replace(config, picker="topk"),
        top_k={"kick": 2, "snare": 2, "hihat": 2},
    )
    for drum in kit.names:  # top-k: 200 ms apart at least, no gates
        assert topk.onsets[drum].size == 2 and np.diff(topk.onsets[drum])[0] >= 0.2 - 1e-9


def test_default_kit_other_rates_and_other_settings(tmp_path, song):
    import soxr

    from drumnmf.kit import default_kit
    from drumnmf.spectrogram import SpectrogramSettings

    _, audio = song
    short = audio[: 3 * SR]
    builtin = transcribe(short, sample_rate=SR)
    assert builtin.kit.names == default_kit().names
    low = soxr.resample(short, SR, 22050)
    from_array = transcribe(low, sample_rate=22050)
    from_file = transcribe(write_wav(tmp_path / "low.wav", low, 22050))
    for result in (from_array, from_file):
        assert result.spectrogram.shape[1] == 1 + round(low.size * 2) // 512
        assert abs(result.duration - 3.0) < 1e-3
    settings = SpectrogramSettings(n_fft=1024, hop_length=256)
    small = drumnmf.calibrate(write_hits(tmp_path), settings=settings)
    result = transcribe(
        short, kit=small, sample_rate=SR, config=TranscribeConfig(harmonic_rank=RANK)
    )
    assert result.spectrogram.shape == (513, 1 + short.size // 256)
    np.testing.assert_allclose(result.frame_times[1], 256 / SR)
    assert all(0 <= s < 60 for s in result.seconds.values())


def test_documents_and_versions(kit, plain, tmp_path, monkeypatch):
    import json
    from importlib import metadata

    from drumnmf.pipeline import versions

    _, _, result = plain
    doc = result.to_dict()
    for row in doc["onsets"]:
        assert set(row) == {"time", "drum", "strength", "confidence"}
        assert 0 <= row["confidence"] <= 1
    strongest = max(doc["onsets"], key=lambda r: r["strength"])
    assert strongest["strength"] == max(float(result.strengths[d].max()) for d in kit.names)
    written = save_transcription(result, tmp_path, stem="x", formats=("json",))
    assert json.loads(written["json"].read_text())["counts"] == doc["counts"]
    real = metadata.version

    def version(name):
        if name == "soxr":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "version", version)
    assert versions()["soxr"] == "not installed"
