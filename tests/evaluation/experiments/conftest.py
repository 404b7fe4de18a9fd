"""Fixtures of the experiment tests: tiny generated corpora and the command line.

Everything is a few seconds of synthetic drums, so the end-to-end runs take seconds.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from synth import SR, groove, place, write_hits, write_wav


@pytest.fixture(scope="session")
def drumnmf():
    """Run ``python -m drumnmf ARGS...``; returns the completed process."""

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "drumnmf", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run


def accompaniment(n, *, seed=0):
    """A sustained chord with a little noise: not drum-like."""
    t = np.arange(n) / SR
    rng = np.random.default_rng(seed)
    tones = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6))
    return (0.1 * tones + 0.01 * rng.standard_normal(n)).astype(np.float32)


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
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
