import numpy as np
import pytest

from drumnmf.families import FAMILIES, articulations_at, family_of, kit_families
from drumnmf.kit import calibrate
from drumnmf.pipeline import TranscribeConfig, transcribe

from synth import SR, hihat, kick, snare


def _open_hihat(sr=SR):
    rng = np.random.default_rng(5)
    t = np.arange(int(0.4 * sr)) / sr
    from scipy.signal import butter, sosfilt

    noise = rng.standard_normal(t.size)
    bright = sosfilt(butter(4, 6000, btype="high", fs=sr, output="sos"), noise)
    return (0.4 * bright * np.exp(-t / 0.15)).astype(np.float32)


def _hit(sound):
    return np.concatenate([np.zeros(SR // 10, np.float32), sound])


@pytest.fixture(scope="module")
def kit():
    return calibrate(
        [
            ("kick", (_hit(kick()), SR)),
            ("snare", (_hit(snare()), SR)),
            ("hihat", (_hit(hihat()), SR)),
            ("open_hihat", (_hit(_open_hihat()), SR)),
        ]
    )


def _song(times, sound, seconds=4.0):
    out = np.zeros(int(seconds * SR), np.float32)
    for t in times:
        i = round(t * SR)
        n = min(sound.size, out.size - i)
        out[i : i + n] += sound[:n]
    return out


def test_every_family_member_knows_its_family():
    for family, members in FAMILIES.items():
        assert all(family_of(m) == family for m in members)
    assert family_of("cowbell") is None


def test_kit_families_group_related_pieces(kit):
    families = kit_families(kit)
    assert [kit.names[f.drum] for f in families] == ["kick", "snare", "hihat"]
    assert families[2].members == (2, 3) and families[2].names == ("hihat", "open_hihat")
    alone = kit_families(kit, enabled=False)
    assert [f.members for f in alone] == [(0,), (1,), (2,), (3,)]


@pytest.mark.parametrize("articulation", ["hihat", "open_hihat"])
def test_one_hit_of_one_articulation_is_one_hit(kit, articulation):
    times = np.array([0.5, 1.5, 2.5, 3.2])
    sound = hihat() if articulation == "hihat" else _open_hihat()
    audio = _song(times, sound)
    config = TranscribeConfig(harmonic_rank=2)
    result = transcribe(audio, kit=kit, sample_rate=SR, config=config)
    assert result.onsets["open_hihat"].size == 0  # reported under the family's drum
    found = result.onsets["hihat"]
    assert found.size == times.size
    np.testing.assert_allclose(found, times, atol=0.03)
    assert result.articulation_of("hihat") == (articulation,) * times.size
    document = result.to_dict()
    hats = [o for o in document["onsets"] if o["drum"] == "hihat"]
    if articulation == "open_hihat":
        assert all(o["articulation"] == "open_hihat" for o in hats)
    else:
        assert all("articulation" not in o for o in hats)


def test_without_families_both_rows_fire_on_one_open_hihat(kit):
    times = np.array([0.5, 1.5, 2.5, 3.2])
    audio = _song(times, _open_hihat())
    config = TranscribeConfig(harmonic_rank=2, families=False)
    result = transcribe(audio, kit=kit, sample_rate=SR, config=config)
    together = result.onsets["hihat"].size + result.onsets["open_hihat"].size
    config = TranscribeConfig(harmonic_rank=2)
    with_families = transcribe(audio, kit=kit, sample_rate=SR, config=config)
    assert sum(with_families.n_onsets.values()) == times.size <= together


def test_articulation_is_the_member_with_most_activation(kit):
    family = kit_families(kit)[2]
    H = np.zeros((kit.templates.shape[1], 40))
    H[family.templates[0], 2] = 1.0
    H[family.templates[1], 2] = 0.5
    H[family.templates[1], 27] = 2.0
    H[family.templates[0], 28] = 1.0
    assert articulations_at(family, H, np.array([2, 27])) == ("hihat", "open_hihat")
    weights = np.ones(H.shape[0])
    weights[family.templates[1]] = 3.0  # the open hi-hat template holds more energy
    assert articulations_at(family, H, np.array([2, 27]), weights) == ("open_hihat",) * 2


def test_articulations_named_by_template_sources(kit):
    from dataclasses import replace

    from drumnmf.kit import Kit

    merged = Kit(
        names=("kick", "hihat"),
        midi_notes=(36, 42),
        templates=kit.templates[:, [0, 2, 3]],
        template_drums=(0, 1, 1),
        sources=("mine: kick hit", "mine: hihat hit", "mine: open_hihat hit"),
    )
    families = kit_families(merged)
    assert families[1].articulations == ("hihat", "open_hihat")
    plain = replace(merged, sources=("a.wav", "b.wav", "c.wav"))
    assert kit_families(plain)[1].articulations == ("hihat", "hihat")
