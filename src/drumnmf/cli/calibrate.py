"""``drumnmf calibrate``: build a kit file from isolated hits of your own drums."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drumnmf.errors import DrumnmfError


def parse_pairs(items: list[str] | None, *, what: str, cast: type = int) -> dict[str, int]:
    """Parse repeated ``NAME=VALUE`` options."""
    out: dict[str, int] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise DrumnmfError(f"{what} {item!r} is not NAME=VALUE (e.g. 'cowbell=56')")
        try:
            out[name] = cast(value)
        except ValueError as exc:
            raise DrumnmfError(f"{what} {item!r}: {value!r} is not a whole number") from exc
    return out


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """STFT options shared by calibration."""
    group = parser.add_argument_group("analysis settings (transcription uses the kit's)")
    group.add_argument("--sample-rate", type=int, default=44100, help="analysis rate, Hz")
    group.add_argument("--n-fft", type=int, default=2048, help="STFT window, samples")
    group.add_argument("--hop", type=int, default=512, help="STFT hop, samples")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="build a kit from recordings of isolated hits",
        description=(
            "Build a kit file: one spectral template per drum, the time-averaged magnitude "
            "spectrum of its hits. Each HIT is a file named after its drum (kick.wav, "
            "snare.flac, hihat_2.wav, ...) or a NAME=FILE pair. A file may hold one hit or "
            "several isolated hits; they are detected and averaged. Alternatively, cut the "
            "isolated hits of one recording from annotated onsets with --annotations.\n"
            "Record every piece you play (kick, snare, hihat, open_hihat, pedal_hihat, each "
            "tom, crash, ride); the command warns about missing pieces and recordings that "
            "are too quiet, noisy or clipped."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf calibrate kick.wav snare.wav hihat.wav --out my.kit.json\n"
            "  drumnmf calibrate kick=bd.flac snare=sd.flac cowbell=cb.wav --note cowbell=56 "
            "--out my.kit.json\n"
            "  drumnmf calibrate --annotations take1.txt take1.wav --out my.kit.json"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "hits", nargs="+", metavar="HIT", help="FILE named after its drum, or NAME=FILE"
    )
    parser.add_argument("--out", "-o", required=True, type=Path, help="kit file to write (JSON)")
    parser.add_argument(
        "--note",
        action="append",
        metavar="NAME=NOTE",
        help="General MIDI note of a drum (needed for names drumnmf does not know)",
    )
    parser.add_argument(
        "--separate",
        action="store_true",
        help="keep one template per file instead of averaging a drum's files",
    )
    parser.add_argument(
        "--attack-frames",
        type=int,
        default=0,
        metavar="N",
        help="cut two templates per hit: its first N frames (attack) and the rest (decay); "
        "0 = one time-averaged template (default)",
    )
    parser.add_argument(
        "--annotations",
        metavar="FILE",
        help="'time label' onsets of the single recording HIT: calibrate from its isolated hits",
    )
    parser.add_argument(
        "--no-levels",
        dest="levels",
        action="store_false",
        help="with --annotations: do not measure each drum's level and cross-talk at its "
        "annotated onsets (the picker then assumes a fixed level)",
    )
    parser.add_argument(
        "--trigger",
        action="store_true",
        help="also store templates measured with the short STFT of 'drumnmf listen --mode "
        "trigger' (window 512, hop 96)",
    )
    add_settings_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from drumnmf.io.export import check_writable_dir
    from drumnmf.kit import calibrate, calibrate_from_annotations, save_kit
    from drumnmf.spectrogram import SpectrogramSettings

    settings = SpectrogramSettings(
        sample_rate=args.sample_rate, n_fft=args.n_fft, hop_length=args.hop
    )
    notes = parse_pairs(args.note, what="--note")
    check_writable_dir(args.out.parent if str(args.out.parent) else Path("."), create=True)
    if not args.levels and not args.annotations:
        raise DrumnmfError("--no-levels applies to --annotations; give an annotation file")
    if args.annotations:
        if len(args.hits) != 1:
            raise DrumnmfError("--annotations takes exactly one recording; give one audio file")
        from drumnmf.io.annotations import load_annotations

        onsets = load_annotations(args.annotations).onsets
        kit = calibrate_from_annotations(
            args.hits[0], onsets, settings=settings, notes=notes, levels=args.levels
        )
        if args.trigger:
            from drumnmf.live.templates import with_templates_for

            kit = with_templates_for(kit, annotations=(args.hits[0], onsets))
    else:
        kit = calibrate(
            args.hits,
            settings=settings,
            notes=notes,
            separate=args.separate,
            attack_frames=args.attack_frames,
        )
        if args.trigger:
            from drumnmf.live.templates import with_templates_for

            kit = with_templates_for(
                kit, args.hits, separate=args.separate, attack_frames=args.attack_frames
            )
    save_kit(kit, args.out)
    _warn(args, kit.names, settings.sample_rate)
    drums = ", ".join(f"{n} ({m})" for n, m in zip(kit.names, kit.midi_notes, strict=True))
    extra = "".join(f", also for n_fft {s.n_fft} / hop {s.hop_length}" for s, _ in kit.alternates)
    print(f"wrote {args.out}: {kit.templates.shape[1]} templates for {drums}{extra}")
    sys.stdout.flush()
    return 0


def _warn(args: argparse.Namespace, names: tuple[str, ...], sample_rate: int) -> None:
    """Print what is missing from the calibration or too quiet in it (stderr)."""
    from drumnmf.calibration_checks import check_calibration, missing_pieces

    if args.annotations:
        warnings = missing_pieces(names)
    else:
        warnings = check_calibration(args.hits, sample_rate=sample_rate)
    for warning in warnings:
        print(f"drumnmf: warning: {warning.message}", file=sys.stderr)
