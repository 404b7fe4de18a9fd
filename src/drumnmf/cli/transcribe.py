"""``drumnmf transcribe``: onsets of every calibrated drum, as CSV, JSON and MIDI."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from drumnmf.errors import DrumnmfError


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the transcription pipeline (shared with other commands)."""
    group = parser.add_argument_group("pipeline")
    group.add_argument(
        "--kit", type=Path, help="kit file from 'drumnmf calibrate' (default: the built-in kit)"
    )
    group.add_argument(
        "--preset",
        choices=("default", "paper"),
        default="default",
        help="starting configuration: drumnmf's default or the paper's (NeNMF 10x10, rank 50)",
    )
    group.add_argument("--solver", choices=("nenmf", "mur"), help="factorization solver")
    group.add_argument(
        "--harmonic-rank",
        type=_nonnegative,
        help="number of free (non-drum) components (default 5; paper 50)",
    )
    group.add_argument(
        "--iterations",
        type=_positive,
        help="NeNMF outer iterations or MUR sweeps (default: 10 NeNMF, 100 MUR)",
    )
    group.add_argument(
        "--inner-iterations", type=_positive, help="OGM steps per NeNMF block (default 10)"
    )
    group.add_argument(
        "--picker",
        choices=("db", "paper", "adaptive", "topk", "learned"),
        help="onset picker: a classifier of every candidate peak trained on the development "
        "corpus ('learned', default), thresholds in dB with silence gates ('db'), the "
        "paper's adaptive median threshold ('paper', also 'adaptive'), or top-k (needs --k "
        "or --reference)",
    )
    group.add_argument(
        "--families",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="related pieces (hi-hats, snare/rimshot, toms, cymbals) compete for a hit and "
        "each hit names its articulation (default on; paper off)",
    )
    group.add_argument(
        "--delta-db",
        type=float,
        metavar="DB",
        help="dB picker: height of a peak over the activation before it (default 6)",
    )
    group.add_argument(
        "--drum-delta-db",
        action="append",
        type=_offset_pair,
        metavar="DRUM=DB",
        help="dB picker: --delta-db for one drum (a family takes its output drum's)",
    )
    group.add_argument(
        "--range-db",
        type=float,
        metavar="DB",
        help="dB picker: deepest peak under the drum's loudest one (default 40)",
    )
    group.add_argument(
        "--rise-ratio",
        type=float,
        metavar="X",
        help="dB picker: a hit must rise X times over the activation just before it "
        "(default 3; 0 = off)",
    )
    group.add_argument(
        "--floor-db",
        type=float,
        metavar="DB",
        help="dB picker: drop hits more than DB under the kit's calibration hit "
        "(default 15; 0 = off)",
    )
    group.add_argument(
        "--floor-follow-db",
        type=float,
        metavar="DB",
        help="dB picker: the floor follows a song's loudest hit of a drum down to DB under the "
        "calibration hit (default 6; 0 = off)",
    )
    group.add_argument(
        "--leak-margin",
        type=float,
        metavar="X",
        help="dB picker: a hit must be X times the cross-talk the kit's calibration predicts "
        "from the "
        "other drums, for a drum that looks unplayed (default 1; 0 = off)",
    )
    group.add_argument(
        "--k", action="append", metavar="DRUM=N", help="onsets to keep per drum (top-k picker)"
    )
    group.add_argument("--drums", help="comma-separated subset of the kit's drums")
    group.add_argument(
        "--seed", type=_nonnegative, help="seed (>= 0) of the random start (default 0)"
    )
    group.add_argument(
        "--bands-per-octave",
        type=_nonnegative,
        metavar="N",
        help="log-frequency filterbank density before factorizing (default 12; "
        "0 = linear STFT bins, as the paper)",
    )
    group.add_argument("--fmin", type=float, metavar="HZ", help="lowest filterbank band (30)")
    group.add_argument("--fmax", type=float, metavar="HZ", help="highest filterbank band (16000)")
    group.add_argument(
        "--percussive-frames",
        type=_nonnegative,
        metavar="N",
        help="time median of the percussive-enhancement mask, frames (default 17; 0 = off)",
    )
    group.add_argument(
        "--percussive-bands",
        type=_positive,
        metavar="N",
        help="frequency median of the percussive-enhancement mask, rows (default 7)",
    )
    group.add_argument(
        "--min-band-share",
        type=float,
        metavar="X",
        help="dB or paper picker: drop onsets whose drum explains less than this fraction of "
        "the energy in its "
        "own bands, as cross-talk (default 0 = off; 0.3 suits rendered kits)",
    )
    group.add_argument(
        "--band-share-relative",
        type=float,
        metavar="X",
        help="dB or paper picker: lower that minimum per drum to X times the 90th percentile "
        "of its onsets' "
        "shares (default 0.5; 0 = fixed minimum)",
    )
    group.add_argument(
        "--crosstalk-ratio",
        type=float,
        metavar="X",
        help="dB or paper picker: drop an onset when a similar drum has a coinciding onset "
        "reconstructing more "
        "than 1/X times its energy (default 0.5; 0 = off)",
    )
    group.add_argument(
        "--crosstalk-similarity",
        type=float,
        metavar="X",
        help="smallest cosine similarity of two drums' templates for them to compete in that "
        "gate (default 0.5)",
    )
    group.add_argument(
        "--threshold-offset",
        action="append",
        type=_offset_pair,
        metavar="DRUM=X",
        help="paper picker: threshold offset of a drum's adaptive threshold, relative to its "
        "activation's "
        "maximum (defaults: kick 0.15, snare 0.1, hi-hats 0.05, others 0.1; lower = more "
        "hits); the report's sensitivity sliders show the value for each drum",
    )
    group.add_argument(
        "--sample-rate", type=_positive, help="expected analysis rate, Hz (must match the kit's)"
    )
    group.add_argument(
        "--n-fft", type=_positive, help="expected STFT window (must match the kit's)"
    )
    group.add_argument("--hop", type=_positive, help="expected STFT hop (must match the kit's)")


def _nonnegative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; give a whole number >= 0")
    return value


def _positive(text: str) -> int:
    value = _nonnegative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 is not allowed; give a whole number >= 1")
    return value


def _offset_pair(text: str) -> tuple[str, float]:
    from drumnmf.kit import canonical_drum_name

    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not DRUM=X (e.g. 'snare=0.2')")
    try:
        number = float(value)
        drum = canonical_drum_name(name)
    except (ValueError, DrumnmfError):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a drum name and a number >= 0 (e.g. 'snare=0.2')"
        ) from None
    if not (number >= 0 and number < float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r}: the offset must be a number >= 0")
    return drum, number


def _db_picker_options() -> list[tuple[str, str]]:
    """(argparse dest, flag) of the options only the dB picker (or the paper's) reads: the
    learned picker decides without them, so they are refused with it rather than ignored."""
    from drumnmf.pipeline import DB_PICKER_FIELDS

    options = [(name, "--" + name.replace("_", "-")) for name in DB_PICKER_FIELDS]
    return [*options, ("threshold_offset", "--threshold-offset")]


def config_from_args(args: argparse.Namespace) -> Any:
    """Build a TranscribeConfig from parsed pipeline options."""
    from drumnmf.pipeline import TranscribeConfig, with_options

    base = TranscribeConfig.paper() if args.preset == "paper" else TranscribeConfig()
    if (args.picker or base.picker) == "learned":
        given = [f for dest, f in _db_picker_options() if getattr(args, dest, None) is not None]
        if given:
            raise DrumnmfError(
                f"{', '.join(given)} set(s) the dB picker's gates or the paper's threshold, "
                "which the learned picker (the default) does not use; add --picker db "
                "(or --picker paper)"
            )
    return with_options(
        base,
        solver=args.solver,
        harmonic_rank=args.harmonic_rank,
        max_iter=args.iterations,
        inner_iter=args.inner_iterations,
        picker=args.picker,
        families=getattr(args, "families", None),
        delta_db=getattr(args, "delta_db", None),
        range_db=getattr(args, "range_db", None),
        rise_ratio=getattr(args, "rise_ratio", None),
        floor_db=getattr(args, "floor_db", None),
        floor_follow_db=getattr(args, "floor_follow_db", None),
        leak_margin=getattr(args, "leak_margin", None),
        seed=args.seed,
        bands_per_octave=getattr(args, "bands_per_octave", None),
        fmin=getattr(args, "fmin", None),
        fmax=getattr(args, "fmax", None),
        percussive_frames=getattr(args, "percussive_frames", None),
        percussive_bands=getattr(args, "percussive_bands", None),
        min_band_share=getattr(args, "min_band_share", None),
        band_share_relative=getattr(args, "band_share_relative", None),
        crosstalk_ratio=getattr(args, "crosstalk_ratio", None),
        crosstalk_similarity=getattr(args, "crosstalk_similarity", None),
        offsets=tuple(dict(getattr(args, "threshold_offset", None) or ()).items()) or None,
        drum_delta_db=tuple(dict(getattr(args, "drum_delta_db", None) or ()).items()) or None,
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "transcribe",
        help="transcribe the drums of songs to CSV, JSON and MIDI",
        description=(
            "Transcribe the drums of each AUDIO file (WAV, FLAC, OGG, MP3). For each input "
            "writes DIR/<stem>.csv (time,drum,strength), DIR/<stem>.mid (General MIDI drums, "
            "channel 10) and DIR/<stem>.json (onsets, settings, kit, versions)."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf transcribe song.wav\n"
            "  drumnmf transcribe *.flac --kit my.kit.json --out-dir out/ --report\n"
            "  drumnmf transcribe song.wav --preset paper --solver mur --formats csv\n"
            "  drumnmf transcribe song.wav --note-map roland-td17\n"
            "  drumnmf transcribe song.wav --threshold-offset snare=0.2 --edits song.json\n"
            "  drumnmf transcribe library/ @more.txt --out-dir out/ --jobs 2\n"
            "  drumnmf transcribe library/ --out-dir /shared/out --scheduler tcp://head:8786"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "audio",
        nargs="*",
        metavar="AUDIO",
        help="audio files, folders (searched recursively) or @LIST files to transcribe",
    )
    parser.add_argument(
        "--out-dir",
        "-o",
        default=".",
        help="output folder (default: .); in a batch also an fsspec URL (s3://bucket/run)",
    )
    parser.add_argument(
        "--formats",
        default="csv,json,mid",
        help="comma-separated outputs among csv, json, mid (default: all)",
    )
    parser.add_argument(
        "--note-map",
        metavar="NAME|FILE",
        help="MIDI notes for your drum software or module: a preset (see 'drumnmf maps') "
        "or a .toml/.json map file (default: the kit's General MIDI notes)",
    )
    parser.add_argument(
        "--beats",
        metavar="FILE|auto",
        help="give the MIDI file the song's tempo map (a tempo change per beat and the time "
        "signature), so the DAW's grid follows the song; hits keep their performed times. "
        "FILE: beat times in seconds, one per line (one input only); auto: the beats "
        "drumnmf.notation detects (--tempo and --meter override its tempo and metre)",
    )
    parser.add_argument(
        "--first-downbeat",
        type=_nonnegative,
        default=0,
        metavar="N",
        help="with --beats FILE: index of the first bar's first beat (earlier beats are a "
        "pickup); the metre is --meter (4/4 by default)",
    )
    parser.add_argument(
        "--chart",
        action="store_true",
        help="also write a Clone Hero / YARG drums chart: DIR/<stem>_chart/ with notes.mid "
        "(Pro Drums, Expert), song.ini and song.ogg, on the --beats tempo map (else on the "
        "detected beats)",
    )
    parser.add_argument(
        "--edits",
        metavar="JSON",
        help="hand corrections to apply after picking: the JSON downloaded from the report's "
        "editor (its 'edits' list); one input file only",
    )
    parser.add_argument(
        "--report", action="store_true", help="also write an interactive HTML report per song"
    )
    parser.add_argument(
        "--reference",
        metavar="PATH",
        help="reference onsets (file for one song, or a folder matched by stem): shown in the "
        "report and used as k by the top-k picker",
    )
    parser.add_argument(
        "--score",
        action="store_true",
        help="also write a drum score: <stem>.musicxml, <stem>.tab.txt, <stem>.score.mid, "
        "and tempo, beats, bars in the JSON",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    add_pipeline_arguments(parser)
    from drumnmf.cli._batch import add_batch_arguments
    from drumnmf.cli.score import add_score_arguments

    add_batch_arguments(parser)
    add_score_arguments(parser)
    parser.set_defaults(func=run)


def _reference_for(path: Path, reference: str | None, n_inputs: int) -> dict | None:
    if not reference:
        return None
    from drumnmf.evaluation.pairing import pairing_key
    from drumnmf.io.annotations import load_annotations

    ref = Path(reference)
    if ref.is_dir():
        key = pairing_key(path.stem)
        matches = sorted(p for p in ref.iterdir() if p.is_file() and pairing_key(p.stem) == key)
        if not matches:
            return None
        ref = matches[0]
    elif n_inputs > 1:
        raise DrumnmfError("--reference is a file but several inputs were given; use a folder")
    return dict(load_annotations(ref).onsets)


def run(args: argparse.Namespace) -> int:
    from drumnmf.cli.calibrate import parse_pairs
    from drumnmf.io.export import check_writable_dir
    from drumnmf.kit import default_kit, load_kit
    from drumnmf.pipeline import FORMATS, save_transcription, transcribe

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise DrumnmfError(f"unknown format(s) {bad} in --formats; choose from {FORMATS}")
    config = config_from_args(args)
    # Check everything cheap before any heavy work.
    kit = load_kit(args.kit) if args.kit else default_kit()
    drums = tuple(d.strip() for d in args.drums.split(",")) if args.drums else None
    if drums:
        kit = kit.subset(drums)
    if args.sample_rate or args.n_fft or args.hop:
        from dataclasses import replace

        kit.check_settings(
            replace(
                kit.settings,
                **{
                    k: v
                    for k, v in (
                        ("sample_rate", args.sample_rate),
                        ("n_fft", args.n_fft),
                        ("hop_length", args.hop),
                    )
                    if v
                },
            )
        )
    top_k = parse_pairs(args.k, what="--k") or None
    if top_k and config.picker != "topk":
        raise DrumnmfError("--k only applies to the top-k picker; add --picker topk")
    if top_k:
        unknown = [d for d in top_k if d not in kit.names]
        if unknown:
            raise DrumnmfError(
                f"--k names drum(s) {unknown} not in the kit ({', '.join(kit.names)})"
            )
    note_map = None
    if args.note_map:
        from drumnmf.io.notemaps import load_note_map

        note_map = load_note_map(args.note_map)
        for drum in kit.names:
            note_map.note_for(drum)  # every drum of the kit needs a note: fail now
    for flag, pairs in (
        ("--threshold-offset", config.offsets),
        ("--drum-delta-db", config.drum_delta_db),
    ):
        unknown = [d for d, _ in pairs if d not in kit.names]
        if unknown:
            raise DrumnmfError(
                f"{flag} names drum(s) {unknown} not in the kit ({', '.join(kit.names)})"
            )
    tempo_map = None  # from a beats file; detected per song with --beats auto or --chart
    if args.beats and args.beats != "auto":
        from drumnmf.io.tempomap import TempoMap, load_beats

        if len(args.audio) > 1:
            raise DrumnmfError("--beats FILE applies to one recording; give one AUDIO file")
        tempo_map = TempoMap.from_meter(
            load_beats(args.beats), args.meter or "4/4", first_downbeat=args.first_downbeat
        )
    edits = None
    if args.edits:
        from drumnmf.editing import load_edits

        if len(args.audio) > 1:
            raise DrumnmfError("--edits applies to one recording; give one AUDIO file")
        edits = load_edits(args.edits)
    if config.picker == "topk" and top_k is None and not args.reference:
        raise DrumnmfError("--picker topk needs --k DRUM=N for each drum, or --reference")
    if args.report:
        import drumnmf.display.report  # noqa: F401  (fail now if the report module is unavailable)
    from drumnmf.cli._batch import is_batch, run_batch

    if is_batch(args):
        return run_batch(
            args, kit=kit, config=config, formats=formats, top_k=top_k, note_map=note_map
        )
    out_dir = check_writable_dir(args.out_dir)

    failures = 0
    for name in args.audio:
        path = Path(name)
        started = time.perf_counter()
        try:
            reference = _reference_for(path, args.reference, len(args.audio))
            k = top_k
            if config.picker == "topk" and k is None:
                if reference is None:
                    raise DrumnmfError(f"no reference for '{path}' to take k from")
                k = {d: len(reference.get(d, ())) for d in kit.names}
            bar = _progress(path.name, config, disabled=args.quiet)
            try:
                result = transcribe(
                    path,
                    kit=kit,
                    config=config,
                    top_k=k,
                    callback=bar.tick if bar else None,
                )
            finally:
                if bar:
                    bar.close()
            if edits is not None:
                from drumnmf.editing import apply_edits

                edited = apply_edits(result, edits)
                result = edited.transcription
                if edited.ignored:
                    print(
                        f"drumnmf: {len(edited.ignored)} of {len(edits)} edit(s) changed "
                        "nothing (their hit was not there)",
                        file=sys.stderr,
                    )
            score = None
            if args.score:
                score = result.to_score(tempo=args.tempo, meter=args.meter, grid=args.grid)
            song_tempo = _song_tempo_map(result, args, tempo_map, score)
            written = save_transcription(
                result,
                out_dir,
                formats=formats,
                score=score,
                note_map=note_map,
                tempo_map=song_tempo if args.beats else None,
            )
            if args.chart:
                written["chart"] = _write_chart(result, path, out_dir, song_tempo)
            if args.report:
                from drumnmf.display.report import write_report

                written["html"] = out_dir / f"{path.stem}.html"
                write_report(
                    result,
                    written["html"],
                    audio_path=path,
                    reference=reference,
                    note_map=note_map,
                    tempo_map=song_tempo if args.beats else None,
                    score=score,
                )
        except DrumnmfError as exc:
            failures += 1
            where = "" if str(path) in str(exc) else f"{path}: "
            print(f"drumnmf: error: {where}{exc}", file=sys.stderr)
            continue
        counts = ", ".join(f"{d} {n}" for d, n in result.n_onsets.items())
        compute = sum(result.seconds.values())
        outputs = ", ".join(str(p) for p in written.values())
        print(
            f"{path}: {result.duration:.1f} s | {counts} | {compute:.2f} s "
            f"({time.perf_counter() - started:.2f} s total) -> {outputs}"
        )
        sys.stdout.flush()
    if failures:
        print(f"drumnmf: {failures} of {len(args.audio)} file(s) failed", file=sys.stderr)
        return 1
    return 0


def _song_tempo_map(result: Any, args: argparse.Namespace, tempo_map: Any, score: Any) -> Any:
    """The tempo map of one song: the beats file's, else the detected beats (if asked for)."""
    if tempo_map is not None or not (args.beats == "auto" or args.chart):
        return tempo_map
    from drumnmf.io.tempomap import TempoMap

    if score is not None:
        grid = score.grid
    else:
        from drumnmf.notation import track_beats

        grid = track_beats(result.onsets, result.strengths, tempo=args.tempo, meter=args.meter)
    return TempoMap.from_beat_grid(grid)


def _write_chart(result: Any, path: Path, out_dir: Path, tempo_map: Any) -> Path:
    """The rhythm-game chart folder of one song."""
    from drumnmf.io.audio import load_audio
    from drumnmf.io.chart import write_chart

    rate = result.kit.settings.sample_rate
    chart = write_chart(
        out_dir / f"{path.stem}_chart",
        result.onsets,
        tempo_map=tempo_map,
        duration=result.duration,
        name=path.stem,
        samples=load_audio(path, sample_rate=rate),
        sample_rate=rate,
    )
    if chart.skipped:
        left = ", ".join(f"{d} {n}" for d, n in sorted(chart.skipped.items()))
        print(
            f"drumnmf: chart of {path.name}: left out {left} (no lane, or its lane was "
            "already hit on that tick)",
            file=sys.stderr,
        )
    return chart.folder


def _progress(label: str, config: Any, *, disabled: bool) -> Any:
    if disabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    total = config.max_iter or (100 if config.solver == "mur" else 10)
    return _Bar(tqdm(total=total, desc=label, unit="it", leave=False, file=sys.stderr))


class _Bar:
    """A tqdm bar advanced by the solver's per-iteration callback."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def tick(self, iteration: int, loss: float) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()
