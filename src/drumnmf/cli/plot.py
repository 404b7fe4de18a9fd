"""``drumnmf plot``: figures of a transcription (needs ``pip install 'drumnmf[plot]'``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from drumnmf.errors import DrumnmfError

FIGURES = ("decomposition", "templates", "losses", "activations")


def _add_output(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--out",
        "-o",
        type=Path,
        help=f"image to write: .png, .svg or .pdf (default: {default})",
    )


def _add_pipeline(parser: argparse.ArgumentParser, *, solver: bool = True) -> None:
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
    if solver:
        group.add_argument("--solver", choices=("nenmf", "mur"), help="factorization solver")
    group.add_argument("--harmonic-rank", type=int, help="number of free (non-drum) components")
    group.add_argument(
        "--iterations", type=int, help="NeNMF outer iterations or MUR sweeps (solver default)"
    )
    group.add_argument("--drums", help="comma-separated subset of the kit's drums")
    group.add_argument("--seed", type=int, help="seed of the random start (default 0)")


def _add_range(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", type=float, metavar="S", help="show from S seconds")
    parser.add_argument("--end", type=float, metavar="S", help="show until S seconds")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="draw figures: decomposition, templates, losses, activations",
        description=(
            "Draw one figure as PNG, SVG or PDF (by the --out suffix). decomposition: the "
            "spectrogram beside the kit's templates and the drum activations (V ~ W H). "
            "templates: the kit's template spectra. losses: the loss per iteration of both "
            "solvers (MUR and NeNMF) on AUDIO. activations: each drum's activation with its "
            "threshold, the detected onsets and, with --reference, the true ones. "
            "Needs matplotlib: pip install 'drumnmf[plot]'."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf plot decomposition song.wav --kit my.kit.json --start 10 --end 20\n"
            "  drumnmf plot activations song.wav --reference song.txt --out song.svg\n"
            "  drumnmf plot losses song.wav --out losses.png\n"
            "  drumnmf plot templates --kit my.kit.json --out kit.png"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    figures = parser.add_subparsers(dest="figure", metavar="FIGURE", required=True)

    p = figures.add_parser(
        "decomposition",
        help="spectrogram ~ templates x activations",
        description="The spectrogram (V), the templates (W) and the drum activations (H).",
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
            "Each drum's activation with its adaptive threshold, the detected onsets and, "
            "with --reference, the reference onsets."
        ),
    )
    p.add_argument("audio", metavar="AUDIO", type=Path, help="audio file to transcribe")
    p.add_argument(
        "--reference",
        type=Path,
        metavar="FILE",
        help="reference onsets (any format 'drumnmf evaluate' reads)",
    )
    _add_output(p, "AUDIO_STEM.activations.png")
    _add_range(p)
    _add_pipeline(p)
    p.set_defaults(func=run)

    p = figures.add_parser(
        "losses",
        help="loss per iteration of MUR and NeNMF",
        description="Factorize AUDIO with both solvers and plot their loss per iteration.",
    )
    p.add_argument("audio", metavar="AUDIO", type=Path, help="audio file to factorize")
    _add_output(p, "AUDIO_STEM.losses.png")
    _add_pipeline(p, solver=False)
    p.set_defaults(func=run)

    p = figures.add_parser(
        "templates",
        help="the kit's template spectra",
        description="The template spectrum of each drum of a kit.",
    )
    p.add_argument(
        "--kit", type=Path, help="kit file from 'drumnmf calibrate' (default: the built-in kit)"
    )
    _add_output(p, "KIT_STEM.templates.png")
    p.set_defaults(func=run)


def _output_path(args: argparse.Namespace) -> Path:
    from drumnmf.plots import FORMATS

    if args.out is not None:
        out = Path(args.out)
    elif args.figure == "templates":
        stem = Path(args.kit).name.split(".")[0] if args.kit else "default-kit"
        out = Path(f"{stem}.templates.png")
    else:
        out = Path(f"{Path(args.audio).stem}.{args.figure}.png")
    if out.suffix.lower() not in FORMATS:
        raise DrumnmfError(f"--out '{out}' must end in {', '.join(FORMATS)}")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise DrumnmfError(f"output folder '{folder}' does not exist; create it first")
    return out


def _config(args: argparse.Namespace) -> Any:
    from drumnmf.pipeline import TranscribeConfig, with_options

    base = TranscribeConfig.paper() if args.preset == "paper" else TranscribeConfig()
    return with_options(
        base,
        solver=getattr(args, "solver", None),
        harmonic_rank=args.harmonic_rank,
        max_iter=args.iterations,
        seed=args.seed,
    )


def run(args: argparse.Namespace) -> int:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise DrumnmfError("'drumnmf plot' needs matplotlib: pip install 'drumnmf[plot]'") from exc
    from drumnmf import plots
    from drumnmf.kit import default_kit, load_kit

    out = _output_path(args)
    kit = load_kit(args.kit) if args.kit else default_kit()
    if args.figure == "templates":
        plots.plot_templates(kit, out)
        print(f"wrote {out}")
        sys.stdout.flush()
        return 0

    start, end = getattr(args, "start", None), getattr(args, "end", None)
    if start is not None and start < 0:
        raise DrumnmfError(f"--start must be >= 0 seconds, got {start:g}")
    if start is not None and end is not None and end <= start:
        raise DrumnmfError(f"--end ({end:g} s) must be after --start ({start:g} s)")
    if args.drums:
        kit = kit.subset(tuple(d.strip() for d in args.drums.split(",") if d.strip()))
    config = _config(args)
    audio = Path(args.audio)
    if not audio.is_file():
        raise DrumnmfError(f"audio file not found: '{audio}'; check the path")

    if args.figure == "losses":
        from drumnmf.audio import load_audio
        from drumnmf.factorization import factorize
        from drumnmf.spectrogram import magnitude_spectrogram

        V = magnitude_spectrogram(
            load_audio(audio, sample_rate=kit.settings.sample_rate), kit.settings
        )
        results = {
            label: factorize(
                V,
                kit.templates,
                harmonic_rank=config.harmonic_rank,
                solver=solver,
                max_iter=config.max_iter,
                inner_iter=config.inner_iter,
                seed=config.seed,
            )
            for label, solver in (("MUR", "mur"), ("NeNMF", "nenmf"))
        }
        plots.plot_losses(results, out)
    else:
        from drumnmf.pipeline import transcribe

        reference = None
        if getattr(args, "reference", None) is not None:
            from drumnmf.annotations import load_annotations

            reference = load_annotations(args.reference).onsets
        result = transcribe(audio, kit=kit, config=config)
        if args.figure == "decomposition":
            plots.plot_decomposition(result, out, start=start, end=end)
        else:
            plots.plot_activations(result, reference, out, start=start, end=end)
    print(f"wrote {out}")
    sys.stdout.flush()
    return 0
