"""The editor's payload: exact numbers for the page's picker, and what it exports."""

import base64
import json
import zlib

import numpy as np
import pytest

from drumnmf.display.editor import _near_candidates, editor_data
from drumnmf.display.report import render_report
from drumnmf.io.notemaps import NoteMap
from drumnmf.onsets import GATE_FRAMES, MAX_RISE_FRAMES, _candidates, explained_energy
from drumnmf.pipeline import TranscribeConfig, transcribe

from synth import SR, groove, place, write_hits


def unpack(text, n_rows):
    values = np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype="<f8")
    return values.reshape(n_rows, -1)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    import drumnmf

    kit = drumnmf.calibrate(write_hits(tmp_path_factory.mktemp("hits")))
    # the page re-picks with the paper's picker, without families or silence gates
    config = TranscribeConfig(
        harmonic_rank=4,
        picker="paper",
        families=False,
        rise_ratio=0.0,
        floor_db=0.0,
        leak_margin=0.0,
    )
    return transcribe(place(groove(4.0), 4.0), kit=kit, sample_rate=SR, config=config)


def test_exact_activations_and_frames(result):
    data = editor_data(result)
    n = len(result.drums)
    np.testing.assert_array_equal(unpack(data["activations"], n), result.activations)
    fs = result.kit.settings.frame_seconds
    for i, d in enumerate(result.drums):
        assert np.array_equal(np.asarray(data["frames"][i]) * fs, result.onsets[d])
        assert data["strengths"][i] == result.strengths[d].tolist()
    assert data["live"] and data["window_frames"] % 2 == 1
    assert data["offsets"] == [result.config.offset(d) for d in result.drums]


def test_energy_is_sent_where_the_gate_reads_it(result):
    data = editor_data(result)
    n = len(result.drums)
    sent = unpack(data["crosstalk"]["energy"], n)
    fact = result.factorization
    energy, profiles = explained_energy(
        fact.templates, fact.drum_activations, np.asarray(result.kit.template_drums), n
    )
    for row in result.activations:
        for p in _candidates(row, data["min_frames"]):
            lo = max(0, p - MAX_RISE_FRAMES - GATE_FRAMES[0])
            np.testing.assert_array_equal(
                sent[:, lo : p + GATE_FRAMES[1] + 1], energy[:, lo : p + GATE_FRAMES[1] + 1]
            )
    near = _near_candidates(result.activations, data["min_frames"])
    assert np.all(sent[:, ~near] == 0) and near.mean() < 1
    cosine = profiles @ profiles.T
    for d, rivals in enumerate(data["crosstalk"]["rivals"]):
        assert rivals == [o for o in range(n) if o != d and cosine[d, o] >= 0.5]


def test_note_maps_offered_and_topk(result):
    mine = NoteMap(name="mine", title="mine", notes=(("kick", 35), ("snare", 38)))
    data = editor_data(result, note_map=mine)
    maps = {m["name"]: m for m in data["note_maps"]}
    assert list(maps)[:4] == ["kit", "gm", "roland-td17", "alesis-nitro"]
    assert maps["kit"]["notes"] == dict(zip(result.drums, result.kit.midi_notes, strict=True))
    assert maps["mine"]["missing"] == ["hihat"] and data["note_map"] == "mine"
    from dataclasses import replace

    topk = replace(result, config=TranscribeConfig(picker="topk"))
    off = editor_data(topk)
    assert not off["live"] and "top-k" in off["reason"] and off["crosstalk"] is None


def test_page_embeds_the_editor_safely(result):
    page = render_report(result, title="</script><b>x</b>")
    start = page.index('id="drumnmf-editor">') + len('id="drumnmf-editor">')
    payload = page[start : page.index("</script>", start)]
    assert "<" not in payload
    data = json.loads(payload)
    assert data["document"]["format"] == "drumnmf-transcription"
    assert data["document"]["onsets"] == [] and "edits" not in data["document"]
    assert 'id="ed-offset-0"' in page and 'id="ed-midi"' in page


def test_pipeline_flags_reproduce_the_settings(result):
    from dataclasses import replace

    from drumnmf.display.editor import pipeline_flags
    from drumnmf.kit import default_kit

    assert pipeline_flags(result) == [
        "--harmonic-rank",
        "4",
        "--picker",
        "paper",
        "--no-families",
        "--rise-ratio",
        "0",
        "--floor-db",
        "0",
        "--leak-margin",
        "0",
        "--kit",
        "KIT.json",
    ]
    on_default = replace(result, kit=default_kit(), config=TranscribeConfig())
    assert pipeline_flags(on_default) == []
    paper = replace(on_default, config=replace(TranscribeConfig.paper(), solver="mur"))
    assert pipeline_flags(paper) == ["--preset", "paper", "--solver", "mur"]
    odd = replace(on_default, config=TranscribeConfig(min_interval=0.03, fmin=40.0))
    assert pipeline_flags(odd) == ["--fmin", "40", "# also set from Python: min_interval"]
    per_drum = replace(
        on_default, config=TranscribeConfig(picker="db", drum_delta_db=(("hihat", 9.0),))
    )
    assert pipeline_flags(per_drum) == ["--picker", "db", "--drum-delta-db", "hihat=9"]
    # the learned picker reads no dB gate: a changed gate value is not a flag it would refuse
    unused = replace(on_default, config=TranscribeConfig(drum_delta_db=(("hihat", 9.0),)))
    assert pipeline_flags(unused) == []
