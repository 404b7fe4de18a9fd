"""``drumnmf plot``: figures of a transcription (needs ``pip install 'drumnmf[plot]'``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from drumnmf.cli._help import HelpFormatter
from drumnmf.errors import DrumnmfError

FIGURES = ("decomposition", "templates", "losses", "activations")
MATCH_WINDOW = 0.05  # s, as 'drumnmf evaluate' and drumnmf.display.plots.plot_activations


def _add_output(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--out",
        "-o",
        type=Path,
        help=f"image to write: .png, .svg or .pdf (default: {default})",
    )


def _add_pipeline(parser: argparse.ArgumentParser) -> None:
    """The options of ``drumnmf transcribe``'s pipeline, so a figure shows that result."""
    from drumnmf.cli.transcribe import add_pipeline_arguments

    add_pipeline_arguments(parser)


def _add_range(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", type=float, metavar="S", help="show from S seconds (default: 0)")
    parser.add_argument(
        "--end", type=float, metavar="S", help="show until S seconds (default: the end)"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="draw figures: decomposition, templates, losses, activations",
        description=(
            "Draw one figure as PNG, SVG or PDF (by the --out suffix). decomposition: the "
            "matrix the pipeline factorized beside the kit's templates in its rows and the "
            "drum activations (V ~ W H). templates: the kit's template spectra. losses: the "
            "loss of both solvers (MUR and NeNMF) on AUDIO, per iteration and per second. "
            "activations: each drum's activation with its threshold, the detected onsets "
            "and, with --reference, the true ones. "
            "Needs matplotlib: pip install 'drumnmf[plot]'."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf plot decomposition song.wav --kit my.kit.json --start 10 --end 20\n"
            "  drumnmf plot activations song.wav --reference song.txt --out song.svg\n"
            "  drumnmf plot losses song.wav --out losses.png\n"
            "  drumnmf plot templates --kit my.kit.json --out kit.png"
        ),
        formatter_class=HelpFormatter,
    )
    figures = parser.add_subparsers(dest="figure", metavar="FIGURE", required=True)
    formatter = HelpFormatter

    p = figures.add_parser(
        "decomposition",
        help="factorized spectrogram ~ templates x activations",
        description=(
            "The matrix the pipeline factorized (V: with the default pipeline, log-frequency "
            "bands of the percussion-enhanced spectrogram, on a log-frequency axis in Hz), the "
            "kit's templates in the same bands (W) and the drum activations (H). The pipeline "
            "options are those of 'drumnmf transcribe'."
        ),
        epilog=(
            "example:\n"
            "  drumnmf plot decomposition song.wav --kit my.kit.json --start 10 --end 20 "
            "--out fig1.png"
        ),
        formatter_class=formatter,
    )
    p.add_argument("audio", metavar="AUDIO", type=Path, help="audio file to transcribe")
    _add_output(p, "AUDIO_STEM.decomposition.png")
    _add_range(p)
    _add_pipeline(p)
    p.set_defaults(func=run)

    p = figures.add_parser(
        "activations",
        help="activations, thresholds and onsets per drum",
        description=(
            "Each drum's activation with its adaptive threshold and the detected onsets; with "
            "--reference, the reference onsets as faint full-height lines, and detections "
            f"matched to one within {MATCH_WINDOW * 1000:g} ms filled (unmatched hollow)."
        ),
        epilog=(
            "example:\n"
            "  drumnmf plot activations song.wav --reference song.txt --start 0 --end 8 "
            "--out fig5.svg"
        ),
        formatter_class=formatter,
    )
    p.add_argument("audio", metavar="AUDIO", type=Path, help="audio file to transcribe")
    p.add_argument(
        "--reference",
        type=Path,
        metavar="FILE",
        help="reference onsets (any format 'drumnmf evaluate' reads; default: none)",
    )
    _add_output(p, "AUDIO_STEM.activations.png")
    _add_range(p)
    _add_pipeline(p)
    p.set_defaults(func=run)

    p = figures.add_parser(
        "losses",
        help="loss of MUR and NeNMF, per iteration and per second",
        description=(
            "Transcribe AUDIO twice through the pipeline of 'drumnmf transcribe' (same "
            "features, kit and options), once with each solver, and plot the loss "
            "||V - WH||^2 / ||V||^2 of the factorized matrix V: against MUR sweeps, against "
            "NeNMF outer iterations (each a block of --inner-iterations OGM steps per factor), "
            "and both against elapsed seconds. --solver is not accepted: both are run."
        ),
        epilog="example:\n  drumnmf plot losses song.wav --iterations 50 --out fig4.png",
        formatter_class=formatter,
    )
    p.add_argument("audio", metavar="AUDIO", type=Path, help="audio file to factorize")
    _add_output(p, "AUDIO_STEM.losses.png")
    _add_pipeline(p)
    p.set_defaults(func=run)

    p = figures.add_parser(
        "templates",
        help="the kit's template spectra",
        description="The template spectrum of each drum of a kit, one panel per drum.",
        epilog="example:\n  drumnmf plot templates --kit my.kit.json --out fig2.png",
        formatter_class=formatter,
    )
    p.add_argument(
        "--kit", type=Path, help="kit file from 'drumnmf calibrate' (default: the built-in kit)"
    )
    _add_output(p, "KIT_STEM.templates.png")
    p.set_defaults(func=run)


def _output_path(args: argparse.Namespace) -> Path:
    from drumnmf.display.plots import FORMATS

    if args.out is not None:
        out = Path(args.out)
    elif args.figure == "templates":
        stem = Path(args.kit).name.split(".")[0] if args.kit else "default-kit"
        out = Path(f"{stem}.templates.png")
    else:
        out = Path(f"{Path(args.audio).stem}.{args.figure}.png")
    if out.suffix.lower() not in FORMATS:
        raise DrumnmfError(f"--out '{out}' must end in {', '.join(FORMATS)}")
    if out.is_dir():
        raise DrumnmfError(f"--out '{out}' is a folder; give an image name such as '{out}/fig.png'")
    folder = out.parent if str(out.parent) else Path(".")
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise DrumnmfError(
                f"cannot write '{out}': '{parent}' is a file, not a folder; choose another --out"
            )
    return out


def _make_folder(out: Path) -> None:
    """Create the output folder (as calibrate and transcribe do), once the inputs are checked."""
    from drumnmf.io.export import check_writable_dir

    check_writable_dir(out.parent if str(out.parent) else Path("."))


def _stamper(stamps: list[float]) -> Callable[[int, float], None]:
    """A solver callback recording the time of each iteration's end."""

    def callback(iteration: int, loss: float) -> None:
        stamps.append(time.perf_counter())

    return callback


def run(args: argparse.Namespace) -> int:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise DrumnmfError("'drumnmf plot' needs matplotlib: pip install 'drumnmf[plot]'") from exc
    from drumnmf.display import plots
    from drumnmf.kit import default_kit, load_kit

    out = _output_path(args)
    kit = load_kit(args.kit) if args.kit else default_kit()
    if args.figure == "templates":
        _make_folder(out)
        plots.plot_templates(kit, out, name=Path(args.kit).name if args.kit else "the built-in kit")
        print(f"wrote {out}")
        sys.stdout.flush()
        return 0

    from dataclasses import replace

    from drumnmf.cli.calibrate import parse_pairs
    from drumnmf.cli.transcribe import config_from_args

    start, end = getattr(args, "start", None), getattr(args, "end", None)
    if start is not None and start < 0:
        raise DrumnmfError(f"--start must be >= 0 seconds, got {start:g}")
    if start is not None and end is not None and end <= start:
        raise DrumnmfError(f"--end ({end:g} s) must be after --start ({start:g} s)")
    if args.figure == "losses" and args.solver:
        raise DrumnmfError("'plot losses' runs both solvers; drop --solver")
    if args.drums:
        kit = kit.subset(tuple(d.strip() for d in args.drums.split(",") if d.strip()))
    if args.sample_rate or args.n_fft or args.hop:
        asked = {"sample_rate": args.sample_rate, "n_fft": args.n_fft, "hop_length": args.hop}
        kit.check_settings(replace(kit.settings, **{k: v for k, v in asked.items() if v}))
    config = config_from_args(args)
    audio = Path(args.audio)
    if not audio.is_file():
        raise DrumnmfError(f"audio file not found: '{audio}'; check the path")
    reference = None
    if getattr(args, "reference", None) is not None:
        from drumnmf.io.annotations import load_annotations

        reference = dict(load_annotations(args.reference).onsets)
    top_k = parse_pairs(args.k, what="--k") or None
    if top_k and config.picker != "topk":
        raise DrumnmfError("--k only applies to the top-k picker; add --picker topk")
    if config.picker == "topk" and top_k is None:
        if reference is None:
            raise DrumnmfError("--picker topk needs --k DRUM=N for each drum, or --reference")
        top_k = {d: len(reference.get(d, ())) for d in kit.names}
    _make_folder(out)

    from drumnmf.pipeline import transcribe

    if args.figure == "losses":
        import numpy as np

        results, seconds = {}, {}
        for label, solver in (("MUR", "mur"), ("NeNMF", "nenmf")):
            stamps: list[float] = []
            result = transcribe(
                audio,
                kit=kit,
                config=replace(config, solver=solver),
                top_k=top_k,
                callback=_stamper(stamps),
            )
            fact = result.factorization
            results[label] = fact
            if len(stamps) == len(fact.losses):
                # The last callback is (nearly) the end of the call: count back from it.
                seconds[label] = fact.seconds - (stamps[-1] - np.asarray(stamps))
        V = np.asarray(result.factorized, dtype=np.float64)
        plots.plot_losses(
            results,
            out,
            seconds=seconds,
            units={
                "MUR": "MUR sweeps",
                "NeNMF": f"NeNMF outer iterations ({config.inner_iter} OGM steps per block)",
            },
            norm=float(np.vdot(V, V)),
        )
    else:
        result = transcribe(audio, kit=kit, config=config, top_k=top_k)
        if args.figure == "decomposition":
            plots.plot_decomposition(result, out, start=start, end=end)
        else:
            plots.plot_activations(result, reference, out, start=start, end=end)
    print(f"wrote {out}")
    sys.stdout.flush()
    return 0
