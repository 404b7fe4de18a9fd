"""``drumnmf render``: render MIDI drum performances with a sample kit, with exact references."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drumnmf.errors import DrumnmfError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "render",
        help="render MIDI grooves with a sample kit (audio + exact reference onsets)",
        description=(
            "Render MIDI drum performances (General MIDI / Groove MIDI notes) with a Hydrogen "
            "drum kit or a SoundFont, writing for each MIDI file the audio, its reference "
            "onsets ('time<TAB>drum' lines: kick, snare, hihat, tom, crash, ride) and, with "
            "--accompaniment, a mix. With --calibration it also writes one medium hit of each "
            "drum and a kit calibrated from them, so you can measure how well drumnmf "
            "transcribes your own kit."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf render groove.mid --kit-dir /usr/share/hydrogen/data/drumkits/GMRockKit "
            "--out-dir rendered/ --calibration\n"
            "  drumnmf render *.mid --kit-dir my_kit/drumkit.xml --out-dir rendered/ "
            "--accompaniment song.wav --ratio-db -6\n"
            "  drumnmf transcribe rendered/groove_mix.wav --kit rendered/calibration/kit.json "
            "--out-dir out/"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("midi", nargs="+", metavar="MIDI", type=Path, help="MIDI drum files")
    parser.add_argument(
        "--kit-dir",
        required=True,
        type=Path,
        metavar="KIT",
        help="a Hydrogen kit folder or its drumkit.xml, or a SoundFont (.sf2)",
    )
    parser.add_argument("--out-dir", "-o", required=True, type=Path, help="folder to write to")
    parser.add_argument(
        "--accompaniment",
        type=Path,
        metavar="FILE",
        help="audio to mix under the drums (looped or trimmed to their length)",
    )
    parser.add_argument(
        "--ratio-db",
        type=float,
        default=0.0,
        help="drum-to-accompaniment RMS ratio of the mix, dB (default 0; -6: quieter drums)",
    )
    parser.add_argument(
        "--calibration",
        action="store_true",
        help="also write one hit of each drum (calibration/*.wav) and calibration/kit.json",
    )
    parser.add_argument(
        "--max-seconds", type=float, metavar="S", help="render only the first S seconds"
    )
    parser.add_argument(
        "--format", choices=("wav", "flac"), default="wav", help="audio format (default wav)"
    )
    parser.add_argument(
        "--sample-rate", type=int, default=44100, help="rate of the audio, Hz (default 44100)"
    )
    parser.add_argument(
        "--map",
        action="append",
        metavar="SOUND=INSTRUMENT",
        help="which kit instrument plays a sound (e.g. 'snare=Snare Rock'); repeatable",
    )
    parser.set_defaults(func=run)


def _instrument_map(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or ():
        sound, sep, name = item.partition("=")
        if not sep or not sound or not name:
            raise DrumnmfError(f"--map {item!r} is not SOUND=INSTRUMENT (e.g. 'snare=Snare Rock')")
        out[sound.strip()] = name.strip()
    return out


def run(args: argparse.Namespace) -> int:
    from drumnmf.evaluation.render import (
        calibrated_kit,
        calibration_hits,
        load_sample_kit,
        mix_at_ratio,
        render_midi,
        write_reference,
    )
    from drumnmf.io.audio import load_audio, write_audio
    from drumnmf.io.export import check_writable_dir
    from drumnmf.kit import save_kit

    missing = [str(p) for p in args.midi if not p.is_file()]
    if missing:
        raise DrumnmfError(f"MIDI file(s) not found: {', '.join(missing)}; check the paths")
    stems = [p.stem for p in args.midi]
    if len(set(stems)) != len(stems):
        raise DrumnmfError(
            "two MIDI files share a name; their outputs would collide: render them separately"
        )
    if args.accompaniment is not None and not args.accompaniment.is_file():
        raise DrumnmfError(f"accompaniment not found: '{args.accompaniment}'; check the path")
    if not args.kit_dir.exists():
        raise DrumnmfError(f"kit not found: '{args.kit_dir}'; give a Hydrogen kit folder or .sf2")
    out = check_writable_dir(args.out_dir, create=True)
    kit = load_sample_kit(
        args.kit_dir, sample_rate=args.sample_rate, instrument_map=_instrument_map(args.map)
    )
    print(f"kit '{kit.name}': {', '.join(kit.sounds)}")
    accompaniment = None
    if args.accompaniment is not None:
        accompaniment = load_audio(args.accompaniment, sample_rate=kit.sample_rate)
    for path in args.midi:
        rendering = render_midi(path, kit, max_seconds=args.max_seconds)
        stem = path.stem
        drums_path = out / f"{stem}_drums.{args.format}"
        write_audio(drums_path, rendering.audio, kit.sample_rate)
        write_reference(out / f"{stem}.txt", rendering.onsets)
        written = [drums_path.name, f"{stem}.txt"]
        if accompaniment is not None:
            mixture = mix_at_ratio(rendering.audio, accompaniment, ratio_db=args.ratio_db)
            mix_path = out / f"{stem}_mix.{args.format}"
            write_audio(mix_path, mixture.audio, kit.sample_rate)
            written.append(mix_path.name)
        counts = ", ".join(f"{k} {v.size}" for k, v in sorted(rendering.onsets.items()))
        note = ""
        if rendering.dropped:
            note = f" (kit lacks {', '.join(sorted(rendering.dropped))}: notes skipped)"
        print(f"{path}: {rendering.duration:.1f} s, {counts}{note} -> {', '.join(written)}")
    if args.calibration:
        folder = check_writable_dir(out / "calibration", create=True)
        hits = calibration_hits(kit)
        for sound, (samples, rate) in hits:
            write_audio(folder / f"{sound}.{args.format}", samples, rate)
        my_kit = calibrated_kit(kit, hits=hits)
        save_kit(my_kit, folder / "kit.json")
        print(f"calibration: {len(hits)} hits and kit.json ({', '.join(my_kit.names)}) in {folder}")
    sys.stdout.flush()
    return 0
