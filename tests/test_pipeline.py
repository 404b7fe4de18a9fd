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
        audio, kit=kit, sample_rate=SR, config=TranscribeConfig(solver=solver, harmonic_rank=RANK)
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


def test_scale_of_audio_does_not_change_onsets(kit, song):
    _, audio = song
    a = transcribe(audio, kit=kit, sample_rate=SR)
    b = transcribe(audio * 0.01, kit=kit, sample_rate=SR)
    for drum in a.drums:
        np.testing.assert_allclose(a.onsets[drum], b.onsets[drum])


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
        audio, kit=multi, sample_rate=SR, config=TranscribeConfig(harmonic_rank=RANK)
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
        parser.parse_args(["--crosstalk-ratio", "0", "--crosstalk-similarity", "0.7"])
    )
    assert (config.crosstalk_ratio, config.crosstalk_similarity) == (0.0, 0.7)
    paper = config_from_args(parser.parse_args(["--preset", "paper"]))
    assert paper == TranscribeConfig.paper()
