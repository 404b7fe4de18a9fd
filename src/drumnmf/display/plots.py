"""Figures of a transcription: what the factorization saw, assumed and found.

Every figure function returns a :class:`matplotlib.figure.Figure` and, when ``path`` is
given, also writes it (PNG, SVG or PDF, chosen by the suffix; written atomically).
matplotlib is an optional dependency (``pip install 'drumnmf[plot]'``) imported only when a
figure is drawn. Colours and log-frequency images, shared with the HTML report, are in
:mod:`drumnmf.display.images`.

Conventions
-----------
- Time axes are in seconds, frequency axes in Hz on a logarithmic scale from ``FMIN`` Hz
  to the Nyquist frequency.
- Spectrograms are shown in dB relative to their maximum over a ``DB_RANGE`` dB range.
- Each drum has one colour, chosen from its name (:func:`drum_colors`), in every figure and
  in the report.
- pyplot is never used: figures are built with :class:`~matplotlib.figure.Figure` directly,
  so no global state is touched and any backend setting is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.display.images import (
    DB_RANGE,
    FMIN,
    check_reference,
    drum_colors,
    hz_label,
    template_levels,
)
from drumnmf.errors import DrumnmfError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from drumnmf.factorization import Factorization
    from drumnmf.kit import Kit
    from drumnmf.pipeline import Transcription

__all__ = [
    "FORMATS",
    "plot_activations",
    "plot_decomposition",
    "plot_losses",
    "plot_templates",
    "row_frequencies",
    "save_figure",
]

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
_SOLVER_COLORS = ("#222222", "#e6550d", "#3182bd", "#31a354", "#756bb1", "#636363")


# --------------------------------------------------------------------------- figures


def _figure(figsize: tuple[float, float], dpi: float) -> Figure:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise DrumnmfError("drawing figures needs matplotlib: pip install 'drumnmf[plot]'") from exc
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _check_path(path: str | os.PathLike[str] | None) -> None:
    if path is not None and Path(path).suffix.lower() not in FORMATS:
        raise DrumnmfError(
            f"cannot tell the image format of '{path}'; end the name in {', '.join(FORMATS)}"
        )


def save_figure(fig: Figure, path: str | os.PathLike[str]) -> None:
    """Write a figure atomically; the format (PNG, SVG, PDF) comes from the suffix."""
    from drumnmf.io.export import atomic_path

    _check_path(path)
    fmt = FORMATS[Path(path).suffix.lower()]
    # No creation date in SVG/PDF: the same figure gives the same file.
    metadata: dict[str, Any] = {"Software": "drumnmf"} if fmt == "png" else {"Date": None}
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=fig.dpi, metadata=metadata)


def _finish(fig: Figure, path: str | os.PathLike[str] | None) -> Figure:
    if path is not None:
        save_figure(fig, path)
    return fig


def _log_hz_axis(ax: Axes, fmin: float, fmax: float, *, axis: str = "y") -> None:
    """Ticks in Hz on an axis whose coordinate is log10(frequency)."""
    nice = [f for f in (50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4) if fmin <= f <= fmax]
    ticks = np.log10(nice)
    labels = [hz_label(f) for f in nice]
    if axis == "y":
        ax.set_yticks(ticks, labels)
        ax.set_ylim(np.log10(fmin), np.log10(fmax))
    else:
        ax.set_xticks(ticks, labels)
        ax.set_xlim(np.log10(fmin), np.log10(fmax))


def _time_range(
    transcription: Transcription, start: float | None, end: float | None
) -> tuple[float, float, slice]:
    """Checked ``[start, end]`` in seconds and the slice of frames inside it."""
    duration = float(transcription.duration)
    t0 = 0.0 if start is None else float(start)
    t1 = duration if end is None else min(float(end), duration)
    if not np.isfinite(t0) or t0 < 0 or t0 >= duration:
        raise DrumnmfError(
            f"start must be in [0, {duration:.3f}) seconds (the audio's length), got {start!r}"
        )
    if not np.isfinite(t1) or t1 <= t0:
        raise DrumnmfError(f"end must be after start ({t0:g} s), got {end!r}")
    times = np.asarray(transcription.frame_times)
    a = int(np.searchsorted(times, t0, side="left"))
    b = int(np.searchsorted(times, t1, side="right"))
    return t0, t1, slice(a, max(b, a + 1))


def row_frequencies(transcription: Transcription) -> np.ndarray:
    """Centre frequency in Hz of each row of ``transcription.factorized``.

    The filterbank band centres (:func:`drumnmf.features.log_filterbank`: the bin where
    each triangle peaks) when the pipeline used one, else the STFT bin frequencies.

    Returns
    -------
    np.ndarray [shape=(n_rows,)]
        Increasing frequencies in Hz.
    """
    settings = transcription.kit.settings
    config = transcription.config
    n_rows = int(np.asarray(transcription.factorized).shape[0])
    freqs = settings.bin_frequencies()
    if transcription.features is not None and config.bands_per_octave:
        from drumnmf.features import log_filterbank

        filters = log_filterbank(
            settings, bands_per_octave=config.bands_per_octave, fmin=config.fmin, fmax=config.fmax
        )
        centres = freqs[np.argmax(filters, axis=1)]
    else:
        centres = freqs
    if centres.size != n_rows:
        raise DrumnmfError(
            f"the factorized matrix has {n_rows} rows but its settings give {centres.size} "
            "frequencies; was the transcription made with another configuration?"
        )
    return np.asarray(centres, dtype=np.float64)


def _row_edges(centres: np.ndarray) -> np.ndarray:
    """Edges in Hz between rows centred at ``centres`` (geometric midpoints), > 0."""
    c = np.maximum(centres, FMIN / 2)
    mid = np.sqrt(c[:-1] * c[1:])
    first = c[0] ** 2 / mid[0] if c.size > 1 else c[0] / 1.1
    last = c[-1] ** 2 / mid[-1] if c.size > 1 else c[0] * 1.1
    return np.concatenate([[first], mid, [last]])


def plot_decomposition(
    transcription: Transcription,
    path: str | os.PathLike[str] | None = None,
    *,
    start: float | None = None,
    end: float | None = None,
    figsize: tuple[float, float] = (12.0, 7.0),
    dpi: float = 100,
) -> Figure:
    """Fig. 1: the factorized matrix beside the drum templates and their activations (V ≈ W H).

    ``V`` is the matrix the solver explained (``transcription.factorized``: with the
    default pipeline, log-frequency filterbank bands of the percussion-enhanced
    spectrogram), one row per band at its centre frequency on a log axis; ``W`` the
    templates in the same rows (``factorization.templates``); ``H`` the drum activations.
    Laid out like the product: ``W`` at the left shares ``V``'s frequency axis, ``H`` on
    top shares its time axis.

    Parameters
    ----------
    transcription : Transcription
        A result of :func:`drumnmf.transcribe`.
    path : path-like, optional
        Also write the figure here (``.png``, ``.svg`` or ``.pdf``).
    start, end : float, optional
        Time range shown in seconds (default: the whole recording); the title counts the
        hits in it.
    figsize : (float, float)
        Size in inches; the image is ``figsize * dpi`` pixels.
    dpi : float > 0
        Pixels per inch.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_path(path)
    t0, t1, frames = _time_range(transcription, start, end)
    kit = transcription.kit
    drums = transcription.drums
    colors = drum_colors(drums)
    dt = kit.settings.frame_seconds
    centres = row_frequencies(transcription)
    shown = centres >= FMIN  # the DC bin and its neighbours have no place on a log axis
    edges = _row_edges(centres[shown])
    fig = _figure(figsize, dpi)
    grid = fig.add_gridspec(2, 2, width_ratios=(1.3, 6), height_ratios=(2.2, 5))
    ax_h = fig.add_subplot(grid[0, 1])
    ax_w = fig.add_subplot(grid[1, 0])
    ax_v = fig.add_subplot(grid[1, 1], sharex=ax_h, sharey=ax_w)
    ax_eq = fig.add_subplot(grid[0, 0])

    V = np.asarray(transcription.factorized)[shown][:, frames]
    n_frames = V.shape[1]
    step = max(1, -(-n_frames // max(200, int(figsize[0] * dpi))))
    pooled = np.maximum.reduceat(V, np.arange(0, n_frames, step), axis=1).astype(np.float64)
    top = float(pooled.max()) if pooled.size else 0.0
    if top > 0:
        db = 20 * np.log10(np.maximum(pooled, top * 10 ** (-DB_RANGE / 20)) / top)
        image = 1 + db / DB_RANGE
    else:
        image = np.zeros_like(pooled)
    first = float(transcription.frame_times[frames.start])
    x_edges = first - dt / 2 + dt * np.minimum(np.arange(image.shape[1] + 1) * step, n_frames)
    ax_v.pcolormesh(
        x_edges, np.log10(edges), image, cmap="magma", vmin=0.0, vmax=1.0, shading="flat"
    )
    ax_v.set_xlim(t0, t1)
    ax_v.set_xlabel("time (s)")
    ax_v.set_title(f"V: {_factorized_name(transcription)} ({DB_RANGE:g} dB range)", fontsize=10)
    ax_v.tick_params(labelleft=False)

    # W_D in the same rows: each template a level curve in its drum's column (0 dB right).
    templates = np.asarray(transcription.factorization.templates, dtype=np.float64)[shown]
    y = np.log10(np.maximum(centres[shown], FMIN / 2))
    for j, owner in enumerate(kit.template_drums):
        column = templates[:, j]
        peak = float(column.max()) or 1.0
        level = 20 * np.log10(np.maximum(column / peak, 10 ** (-DB_RANGE / 20)))
        x = owner + 0.05 + 0.85 * (1 + level / DB_RANGE)
        color = colors[drums[owner]]
        ax_w.fill_betweenx(y, owner + 0.05, x, color=color, alpha=0.25, lw=0, step="mid")
        ax_w.step(x, y, where="mid", color=color, lw=1)
    ax_w.set_xlim(0, len(drums))
    ax_w.set_xticks(np.arange(len(drums)) + 0.5, drums, rotation=45, ha="right")
    for label, d in zip(ax_w.get_xticklabels(), drums, strict=True):
        label.set_color(colors[d])
    _log_hz_axis(ax_w, float(edges[0]), float(edges[-1]))
    unit = "band centre" if transcription.features is not None and shown.sum() < 400 else "bin"
    ax_w.set_ylabel(f"frequency (Hz, {unit})")
    ax_w.set_title("W: templates", fontsize=10)

    # H_D: one lane per drum, each scaled to its own maximum, first drum on top.
    act = np.asarray(transcription.activations)[:, frames]
    times = np.asarray(transcription.frame_times)[frames]
    n = len(drums)
    for i, d in enumerate(drums):
        row = act[i] / (float(act[i].max()) or 1.0)
        base = n - 1 - i
        ax_h.fill_between(times, base, base + 0.9 * row, color=colors[d], alpha=0.35, lw=0)
        ax_h.plot(times, base + 0.9 * row, color=colors[d], lw=0.8)
    ax_h.set_ylim(-0.05, n)
    ax_h.set_yticks(np.arange(n) + 0.45, list(reversed(drums)))
    for label, d in zip(ax_h.get_yticklabels(), reversed(drums), strict=True):
        label.set_color(colors[d])
    ax_h.tick_params(labelbottom=False)
    ax_h.set_title("H: drum activations (each scaled to its maximum)", fontsize=10)

    ax_eq.axis("off")
    ax_eq.text(0.5, 0.62, "V ≈ W H", ha="center", va="center", fontsize=20)
    ax_eq.text(
        0.5,
        0.25,
        f"{transcription.factorization.solver}, rank {kit.templates.shape[1]} fixed"
        f" + {transcription.config.harmonic_rank} free\n(free part not shown)",
        ha="center",
        va="center",
        fontsize=8,
        color="#555555",
    )
    fig.suptitle(_title(transcription, t0, t1), fontsize=11)
    return _finish(fig, path)


def _factorized_name(transcription: Transcription) -> str:
    """What ``transcription.factorized`` is, in words."""
    config = transcription.config
    if transcription.features is None:
        return "magnitude spectrogram (linear STFT bins)"
    parts = []
    if config.bands_per_octave:
        parts.append(f"{config.bands_per_octave} bands/octave log-frequency")
    if config.percussive_frames:
        parts.append("percussive-masked")
    return ", ".join(parts) + " spectrogram (as factorized)"


def _title(transcription: Transcription, t0: float | None = None, t1: float | None = None) -> str:
    name = Path(transcription.source).name if transcription.source != "<array>" else "audio"
    total = sum(transcription.n_onsets.values())
    duration = float(transcription.duration)
    if t0 is None or t1 is None or (t0 <= 0 and t1 >= duration):
        return f"{name}: {total} hits, {duration:.1f} s"
    shown = sum(
        int(np.sum((np.asarray(v) >= t0) & (np.asarray(v) <= t1)))
        for v in transcription.onsets.values()
    )
    return f"{name}: {shown} hits in {t0:g}–{t1:g} s (of {total} in {duration:.1f} s)"


def plot_templates(
    kit: Kit,
    path: str | os.PathLike[str] | None = None,
    *,
    name: str | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> Figure:
    """Fig. 2: the kit's templates, one panel per drum (dB against log frequency).

    Every panel has its own frequency axis, labelled, whatever the grid.

    Parameters
    ----------
    kit : Kit
        The calibrated kit.
    path : path-like, optional
        Also write the figure here (``.png``, ``.svg`` or ``.pdf``).
    name : str, optional
        What the kit is called in the title, e.g. its file name (``"my.kit.json"``).
    figsize : (float, float), optional
        Size in inches; by default 3.2 x 2.4 inches per panel, at most 4 panels a row.
    dpi : float > 0
        Pixels per inch.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import FuncFormatter

    _check_path(path)
    n = kit.n_drums
    ncols = min(n, 4)
    nrows = -(-n // ncols)
    fig = _figure(figsize or (3.2 * ncols, 2.4 * nrows + 0.4), dpi)
    # Not sharex: a shared axis hides the tick labels of every panel with one below it.
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
    colors = drum_colors(kit.names)
    fmax = kit.settings.sample_rate / 2
    points = np.geomspace(FMIN, fmax, 600)
    levels = template_levels(kit.templates, kit.settings.bin_frequencies(), points)
    styles = ("-", "--", ":", "-.")
    for i, drum in enumerate(kit.names):
        ax = axes[i // ncols, i % ncols]
        cols = [j for j, d in enumerate(kit.template_drums) if d == i]
        for k, j in enumerate(cols):
            ax.plot(points, levels[:, j], color=colors[drum], lw=1.2, ls=styles[k % len(styles)])
        ax.fill_between(
            points, -DB_RANGE, levels[:, cols].max(axis=1), color=colors[drum], alpha=0.15, lw=0
        )
        extra = f" ({len(cols)} templates)" if len(cols) > 1 else ""
        ax.set_title(f"{drum}{extra}", color=colors[drum], fontsize=10)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: hz_label(v)))
        ax.set_xlim(FMIN, fmax)
        ax.set_ylim(-DB_RANGE, 3)
        ax.grid(True, which="major", alpha=0.3)
        ax.set_xlabel("frequency (Hz)")
        ax.tick_params(labelbottom=True)
        if i % ncols == 0:
            ax.set_ylabel("level (dB re max)")
    for k in range(n, nrows * ncols):
        axes[k // ncols, k % ncols].axis("off")
    what = f"Templates of {name}" if name else "Kit templates"
    fig.suptitle(f"{what} (time-averaged spectrum of each drum's hits)", fontsize=11)
    return _finish(fig, path)


_SOLVER_UNITS = {"mur": "MUR sweeps", "nenmf": "NeNMF outer iterations"}


def plot_losses(
    losses: Mapping[str, Factorization | Sequence[float] | np.ndarray],
    path: str | os.PathLike[str] | None = None,
    *,
    seconds: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    units: Mapping[str, str] | None = None,
    norm: float | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> Figure:
    """Fig. 4: loss against iteration, and against time, for one or more solvers (log y).

    An iteration of one solver is not one of another (a MUR sweep updates each factor
    once; a NeNMF outer iteration runs a block of OGM steps on each), so curves are drawn
    against iteration in one panel per unit, each with its own axis label, and all
    together against seconds in a last panel.

    Parameters
    ----------
    losses : mapping label -> Factorization or sequence of float
        One curve per label, e.g. ``{"MUR": mur_result, "NeNMF": nenmf_result}``. A
        sequence's element ``i`` is the loss after iteration ``i + 1``: the squared
        Frobenius error ``||V - W H||_F^2``.
    path : path-like, optional
        Also write the figure here (``.png``, ``.svg`` or ``.pdf``).
    seconds : mapping label -> sequence of float, optional
        Elapsed seconds at the end of each iteration, per label. Without it, a
        Factorization's total ``seconds`` is spread evenly over its iterations (marked
        "≈" in the legend) and a bare sequence is left out of the time panel.
    units : mapping label -> str, optional
        What the iterations of each curve are (x-axis label, plural). Default: "MUR
        sweeps" or "NeNMF outer iterations" from a Factorization's solver, else
        "iterations".
    norm : float > 0, optional
        ``||V||_F^2``: the losses are divided by it (relative squared error, 0 to 1).
    figsize : (float, float), optional
        Size in inches; by default 3.8 wide per panel and 4.2 high.
    dpi : float > 0
        Pixels per inch.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_path(path)
    if not losses:
        raise DrumnmfError("no loss curves given; pass e.g. {'MUR': losses, 'NeNMF': losses}")
    if norm is not None and not (np.isfinite(norm) and norm > 0):
        raise DrumnmfError(f"norm must be ||V||_F^2 > 0, got {norm!r}")
    seconds = dict(seconds or {})
    units = dict(units or {})
    unknown = sorted((set(seconds) | set(units)) - set(losses))
    if unknown:
        raise DrumnmfError(f"seconds/units given for {unknown}, which have no loss curve")
    curves: list[tuple[str, str, np.ndarray, np.ndarray | None]] = []
    for label, item in losses.items():
        values = np.asarray(getattr(item, "losses", item), dtype=np.float64).ravel()
        if values.size == 0:
            raise DrumnmfError(f"the loss curve '{label}' is empty; run the solver first")
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise DrumnmfError(
                f"the loss curve '{label}' has values that are not positive and finite; "
                "a log axis needs losses > 0"
            )
        unit = units.get(label) or _SOLVER_UNITS.get(str(getattr(item, "solver", "")), "iterations")
        total = getattr(item, "seconds", None)
        legend = label
        if label in seconds:
            times = np.asarray(seconds[label], dtype=np.float64).ravel()
            if (
                times.shape != values.shape
                or not np.all(np.isfinite(times))
                or np.any(np.diff(times) < 0)
            ):
                raise DrumnmfError(
                    f"seconds of '{label}' must be {values.size} non-decreasing times, one per "
                    "iteration"
                )
            legend = f"{label} ({values.size} it., {float(times[-1]):.2f} s)"
        elif total is not None:
            times = float(total) * np.arange(1, values.size + 1) / values.size
            legend = f"{label} ({values.size} it., ≈{float(total):.2f} s)"
        else:
            times = None
            legend = f"{label} ({values.size} it.)"
        curves.append((legend, unit, values / (norm or 1.0), times))
    panel_units = list(dict.fromkeys(unit for _, unit, _, _ in curves))
    timed = any(t is not None for *_, t in curves)
    n_panels = len(panel_units) + int(timed)
    fig = _figure(figsize or (3.8 * n_panels, 4.2), dpi)
    axes = fig.subplots(1, n_panels, sharey=True, squeeze=False)[0]
    colors = {c[0]: _SOLVER_COLORS[k % len(_SOLVER_COLORS)] for k, c in enumerate(curves)}
    for ax, unit in zip(axes, panel_units, strict=False):
        for legend, u, values, _ in curves:
            if u != unit:
                continue
            ax.plot(
                np.arange(1, values.size + 1),
                values,
                color=colors[legend],
                lw=1.5,
                marker="o" if values.size <= 30 else None,
                ms=3,
                label=legend,
            )
        ax.set_xlabel(unit)
        ax.set_title(f"against {unit.split(' (')[0]}", fontsize=10)
    if timed:
        ax = axes[-1]
        for legend, _, values, times in curves:
            if times is not None:
                ax.plot(times, values, color=colors[legend], lw=1.5, label=legend)
        ax.set_xlabel("elapsed time (s)")
        ax.set_title("against time", fontsize=10)
    for ax in axes:
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_ylabel(
        "loss ||V − WH||²_F / ||V||²_F" if norm else "loss ||V − WH||²_F (squared Frobenius error)"
    )
    fig.suptitle("Factorization loss" + (" (relative squared error)" if norm else ""), fontsize=11)
    return _finish(fig, path)


def plot_activations(
    transcription: Transcription,
    reference: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    path: str | os.PathLike[str] | None = None,
    *,
    start: float | None = None,
    end: float | None = None,
    match_window: float = 0.05,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> Figure:
    """Fig. 5: each drum's activation with its threshold, detected and reference onsets.

    Reference onsets are faint full-height lines; with a reference, a detection matched
    to one of them (mir_eval's matching, within ``match_window``) is a filled triangle
    and an unmatched one a hollow triangle.

    Parameters
    ----------
    transcription : Transcription
        A result of :func:`drumnmf.transcribe`.
    reference : mapping drum -> sequence of float, optional
        True onset times in seconds per drum (aliases accepted); drums the transcription
        lacks are ignored. A drum of the transcription missing here has no reference
        onsets: all its detections are unmatched (false positives, as in the report).
    path : path-like, optional
        Also write the figure here (``.png``, ``.svg`` or ``.pdf``).
    start, end : float, optional
        Time range shown in seconds (default: the whole recording).
    match_window : float > 0
        Matching window in seconds, either side (0.05 = 50 ms, as ``drumnmf evaluate``).
    figsize : (float, float), optional
        Size in inches; by default 12 wide and 1.5 per drum high.
    dpi : float > 0
        Pixels per inch.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_path(path)
    if not (np.isfinite(match_window) and 0 < match_window < 1):
        raise DrumnmfError(
            f"match_window must be in (0, 1) seconds (0.05 = 50 ms), got {match_window!r}"
        )
    t0, t1, frames = _time_range(transcription, start, end)
    drums = transcription.drums
    ref = check_reference(reference)
    colors = drum_colors(drums)
    n = len(drums)
    fig = _figure(figsize or (12.0, 1.5 * n + 1.0), dpi)
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    times = np.asarray(transcription.frame_times)[frames]
    thresholds = transcription.thresholds
    for i, drum in enumerate(drums):
        ax = axes[i]
        row = np.asarray(transcription.activations[i])[frames]
        ax.plot(times, row, color=colors[drum], lw=0.9, label="activation")
        if thresholds is not None:
            thr = np.asarray(thresholds[i])[frames]
            ax.plot(times, thr, color="#444444", lw=0.9, ls="--", label="threshold")
        onsets = np.asarray(transcription.onsets[drum])
        strengths = np.asarray(transcription.strengths[drum])
        keep = (onsets >= t0) & (onsets <= t1)
        if reference is not None:
            # Full height, faint and behind the curves, so no onset hides another. A drum
            # the reference lacks has no reference onsets: its detections are unmatched.
            r_all = ref.get(drum, np.zeros(0))
            r = r_all[(r_all >= t0) & (r_all <= t1)]
            ax.vlines(
                r,
                0,
                1,
                transform=ax.get_xaxis_transform(),
                color="black",
                alpha=0.3,
                lw=1.0,
                zorder=0,
                label="reference onset",
            )
            matched = _matched(r_all, onsets, match_window)
            for mask, label, face in (
                (keep & matched, f"detected, matched (≤ {match_window * 1000:g} ms)", None),
                (keep & ~matched, "detected, unmatched", "white"),
            ):
                ax.plot(
                    onsets[mask],
                    strengths[mask],
                    "v",
                    color=colors[drum],
                    mfc=face or colors[drum],
                    mec="black" if face is None else colors[drum],
                    mew=0.5 if face is None else 1.3,
                    ms=6,
                    label=label,
                )
        else:
            ax.plot(
                onsets[keep],
                strengths[keep],
                "v",
                color=colors[drum],
                mec="black",
                mew=0.5,
                ms=6,
                label="detected onset",
            )
        top = max(float(row.max()) if row.size else 0.0, float(strengths.max(initial=0.0)))
        ax.set_ylim(0, 1.12 * top if top > 0 else 1)
        ax.set_ylabel(drum, color=colors[drum], rotation=0, ha="right", va="center", fontsize=10)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(True, axis="x", alpha=0.3)
        n_ref = (
            f", {r.size} reference, {int(np.sum(keep & matched))} matched"
            if reference is not None
            else ""
        )
        ax.text(
            0.995,
            0.93,
            f"{int(keep.sum())} detected{n_ref}",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="#333333",
        )
    axes[-1].set_xlim(t0, t1)
    axes[-1].set_xlabel("time (s)")
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(
        handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8, frameon=False
    )
    fig.suptitle(_title(transcription, t0, t1), fontsize=11, x=0.02, ha="left")
    return _finish(fig, path)


def _matched(reference: np.ndarray, onsets: np.ndarray, window: float) -> np.ndarray:
    """Which ``onsets`` mir_eval's matching pairs with a ``reference`` onset within ``window``."""
    out = np.zeros(onsets.size, dtype=bool)
    if reference.size and onsets.size:
        from mir_eval.util import match_events

        for _, j in match_events(reference, onsets, window):
            out[j] = True
    return out
