"""``drumnmf listen``: transcribe while the drummer plays (a device, or a file at real speed)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from drumnmf.errors import DrumnmfError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "listen",
        help="transcribe live from an input device (or a file at real speed)",
        description=(
            "Transcribe drums as they are played: one line per hit as soon as it is decided "
            "('12.345 snare 0.82 0.91': time in seconds, drum, strength, confidence), "
            "optionally as MIDI notes to a port, and on stop (Ctrl-C, or the end of --file) "
            "the CSV, MIDI and JSON that 'drumnmf transcribe' writes. --mode trigger uses a "
            "11.6 ms window for playing a sampler; transcribe (the default) the offline STFT."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf listen --kit my.kit.json\n"
            "  drumnmf listen --kit my.kit.json --mode trigger --midi-out 'Sampler In'\n"
            "  drumnmf listen --file song.wav --no-wait --out-dir out/ --report\n"
            "  drumnmf listen --list-devices"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--kit", metavar="KIT", help="kit file (default: the built-in kit)")
    parser.add_argument(
        "--mode",
        choices=("transcribe", "trigger"),
        default="transcribe",
        help="latency mode: transcribe (the offline STFT) or trigger (an 11.6 ms window)",
    )
    source = parser.add_argument_group("input")
    source.add_argument(
        "--device", metavar="NAME|INDEX", help="input device (default: the system's default)"
    )
    source.add_argument(
        "--file", type=Path, metavar="AUDIO", help="stream this file instead of a device"
    )
    source.add_argument(
        "--no-wait",
        action="store_true",
        help="with --file: stream as fast as possible instead of at real speed",
    )
    source.add_argument(
        "--block",
        type=int,
        default=None,
        metavar="SAMPLES",
        help="samples per audio block (default: one hop, 512 or 64 in trigger mode)",
    )
    source.add_argument(
        "--seconds", type=float, default=None, metavar="S", help="stop after S seconds of audio"
    )
    source.add_argument(
        "--list-devices", action="store_true", help="list the input devices and exit"
    )
    tuning = parser.add_argument_group("picker")
    tuning.add_argument(
        "--look-ahead",
        type=float,
        default=None,
        metavar="S",
        help="seconds to wait after a threshold crossing before deciding a hit "
        "(default 0 transcribe, 0.0022 trigger)",
    )
    out = parser.add_argument_group("output")
    out.add_argument("--midi-out", metavar="NAME", help="send hits as MIDI notes to this port")
    out.add_argument(
        "--midi-virtual",
        action="store_true",
        help="create --midi-out as a new virtual port (Linux, macOS) instead of opening one",
    )
    out.add_argument("--out-dir", type=Path, help="write CSV/MIDI/JSON here when stopped")
    out.add_argument(
        "--formats", default="csv,json,mid", help="files to write (csv,json,mid; default all)"
    )
    out.add_argument("--report", action="store_true", help="also write the HTML report")
    out.add_argument("--note-map", metavar="MAP", help="MIDI note map (preset or file)")
    out.add_argument("--quiet", "-q", action="store_true", help="do not print the hits")
    parser.set_defaults(func=run)


def _print_hit(hit: Any) -> None:
    print(f"{hit.time:.3f} {hit.drum} {hit.strength:.2f} {hit.confidence:.2f}", flush=True)


def run(args: argparse.Namespace) -> int:
    if args.list_devices:
        from drumnmf.live.session import import_sounddevice

        devices = import_sounddevice().query_devices()
        print(devices if len(devices) else "no audio devices found")
        return 0
    from drumnmf.io.export import check_writable_dir
    from drumnmf.kit import default_kit, load_kit
    from drumnmf.pipeline import FORMATS

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise DrumnmfError(f"unknown format(s) {bad} in --formats; choose from {FORMATS}")
    if args.file is not None and args.device is not None:
        raise DrumnmfError("give --file or --device, not both")
    if args.no_wait and args.file is None:
        raise DrumnmfError("--no-wait applies to --file; a device plays at its own speed")
    if args.report and args.out_dir is None:
        raise DrumnmfError("--report needs --out-dir (where to write the report)")
    if args.file is not None and not args.file.is_file():
        raise DrumnmfError(f"audio file not found: '{args.file}'")
    kit = load_kit(args.kit) if args.kit else default_kit()
    out_dir = check_writable_dir(args.out_dir) if args.out_dir is not None else None
    note_map = None
    if args.note_map:
        from drumnmf.io.notemaps import load_note_map

        note_map = load_note_map(args.note_map)
    from drumnmf.live.session import (
        MidiOut,
        device_blocks,
        file_blocks,
        run_session,
        save_session,
    )
    from drumnmf.live.stream import StreamConfig, StreamingTranscriber

    changes = {} if args.look_ahead is None else {"look_ahead": args.look_ahead}
    config = StreamConfig.for_mode(args.mode, **changes)
    transcriber = StreamingTranscriber(kit, config)
    if transcriber.template_origin == "resampled" and not args.quiet:
        print(
            f"drumnmf: the kit has no templates for n_fft={transcriber.settings.n_fft}; "
            "using its templates resampled (calibrate with --trigger for measured ones)",
            file=sys.stderr,
        )
    settings = transcriber.settings
    block = args.block or settings.hop_length
    if block < 1:
        raise DrumnmfError(f"--block must be a positive number of samples, got {block}")
    midi = None
    if args.midi_out:
        notes = {
            d: (note_map.note_for(d) if note_map is not None else n)
            for d, n in zip(kit.names, kit.midi_notes, strict=True)
        }
        midi = MidiOut(args.midi_out, notes, virtual=args.midi_virtual)
    started = time.strftime("%Y%m%d-%H%M%S")
    if args.file is not None:
        blocks = file_blocks(
            args.file, sample_rate=settings.sample_rate, block=block, realtime=not args.no_wait
        )
        source, stem = str(args.file), args.file.stem
    else:
        blocks = device_blocks(sample_rate=settings.sample_rate, block=block, device=args.device)
        source, stem = f"device {args.device or 'default'}", f"live-{started}"
    if not args.quiet:
        print(
            f"drumnmf: listening to {source} ({args.mode} mode, window {settings.n_fft}, "
            f"hop {settings.hop_length}); Ctrl-C to stop",
            file=sys.stderr,
        )
    result = run_session(
        transcriber,
        blocks,
        on_hit=None if args.quiet else _print_hit,
        midi=midi,
        record=out_dir is not None,
        max_seconds=args.seconds,
    )
    if out_dir is not None:
        written = save_session(
            result,
            transcriber,
            out_dir,
            source=source,
            stem=stem,
            formats=formats,
            report=args.report,
            audio_path=args.file,
            note_map=note_map,
        )
        print(
            f"drumnmf: {result.seconds:.1f} s, {len(result.hits)} hits"
            f"{' (stopped)' if result.interrupted else ''} -> "
            + ", ".join(str(p) for p in written.values()),
            file=sys.stderr,
        )
    return 0
