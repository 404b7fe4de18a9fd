"""An interactive HTML report of one transcription, to check it by eye and by ear.

:func:`write_report` writes one self-contained page (no network access needed: the
script, style, spectrogram image and audio are inlined) with

- the song, playable from any point, with an optional click track of the detected hits
  (one synthetic sound per drum, mixed in by the browser's WebAudio);
- a time-synchronized view that follows playback: the log-frequency spectrogram, one
  activation lane per drum with its threshold, detected onsets and reference onsets, and
  a drum grid of the hits (filled marks detected, black outlines reference);
- zoom (wheel, buttons, shift-drag, drag on the overview strip or typed times), hover
  tooltips and a panel for the clicked hit;
- a summary table (hits per drum, a tempo estimate, scores against the reference), the
  kit's templates and the settings used.

The page is assembled here from :mod:`drumnmf.display.media` (PNG and Ogg encoding, the
page's assets), :mod:`drumnmf.display.summary` (tempo estimate, summary and settings
tables) and :mod:`drumnmf.display.editor` (the editor's panel and data).

Sizes: the audio is Ogg/Vorbis, mono at ``drumnmf.display.media.AUDIO_RATE`` Hz
(35-100 kbit/s depending on the music: 2.6-7 MB for ten minutes, a third more once
base64-encoded); the spectrogram is
a palette PNG of ``N_ROWS`` log-frequency rows and at most ``max_columns`` columns (frames
are max-pooled); activations and thresholds are quantized to 8 bits per frame. The page
draws only the visible time range, so a ten-minute song with thousands of hits stays
responsive.

The page can be driven from a script (and is, by the tests) through ``window.drumnmfReport``:
``hitCount(drum)``, ``marks(drum)`` (hit marks drawn in the grid, page coordinates),
``playFrom(t)``, ``currentTime()``, ``paused()``, ``setView(start, end)``, ``view()``; the
editor (:mod:`drumnmf.display.editor`, ``assets/editor.js``) through
``window.drumnmfReport.editor``: ``setOffset(drum, x)``, ``repick()``, ``frames()``,
``add/remove/reassign``, ``undo()``, ``csv()``, ``json()``, ``midi(map)``, ``command()``.
"""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.display.images import (
    DB_RANGE,
    FMIN,
    check_reference,
    drum_colors,
    hz_label,
    log_frequency_image,
    template_levels,
)
from drumnmf.display.media import AUDIO_RATE, asset, encode_audio, encode_png, palette
from drumnmf.display.summary import (
    MATCH_WINDOW,
    estimate_tempo,
    fmt_time,
    matches,
    settings_rows,
    summary_table,
)
from drumnmf.errors import DrumnmfError

if TYPE_CHECKING:
    from drumnmf.pipeline import Transcription

__all__ = ["N_ROWS", "render_report", "write_report"]

N_ROWS = 256  # log-frequency rows of the spectrogram image

# --------------------------------------------------------------------------- page


def _quantize(rows: np.ndarray, scale: np.ndarray) -> list[str]:
    """Rows scaled to 0-255 by their drum's scale, base64 of the bytes."""
    q = np.clip(np.rint(rows / scale[:, None] * 255), 0, 255).astype(np.uint8)
    return [base64.b64encode(r.tobytes()).decode("ascii") for r in q]


def _load_song(
    transcription: Transcription,
    audio_path: str | os.PathLike[str] | None,
    samples: np.ndarray | None,
    sample_rate: int | None,
) -> np.ndarray | None:
    from drumnmf.io.audio import load_audio, prepare_samples

    if audio_path is not None and samples is not None:
        raise DrumnmfError("give audio_path or samples, not both")
    if samples is not None:
        if sample_rate is None:
            raise DrumnmfError("sample_rate is required with samples (Hz, e.g. 44100)")
        x = prepare_samples(samples, sample_rate, sample_rate=AUDIO_RATE)
    elif audio_path is not None:
        x = load_audio(audio_path, sample_rate=AUDIO_RATE)
    elif transcription.source != "<array>" and Path(transcription.source).is_file():
        x = load_audio(transcription.source, sample_rate=AUDIO_RATE)
    else:
        return None
    seconds = x.size / AUDIO_RATE
    if abs(seconds - transcription.duration) > 0.5 + 0.01 * transcription.duration:
        raise DrumnmfError(
            f"the audio lasts {seconds:.2f} s but the transcription {transcription.duration:.2f} s;"
            " give the recording that was transcribed"
        )
    return x


def _templates_svg(transcription: Transcription, colors: Mapping[str, str]) -> str:
    """One small inline SVG per drum: its template(s), dB against log frequency."""
    kit = transcription.kit
    fmax = kit.settings.sample_rate / 2
    points = np.geomspace(FMIN, fmax, 160)
    levels = template_levels(kit.templates, kit.settings.bin_frequencies(), points)
    w, h, left, right, top, bottom = 250, 130, 34, 8, 6, 20
    pw, ph = w - left - right, h - top - bottom
    lx = (np.log(points) - np.log(FMIN)) / (np.log(fmax) - np.log(FMIN)) * pw + left

    def ly(db: np.ndarray | float) -> Any:
        return top + (-np.asarray(db) / DB_RANGE) * ph

    figures = []
    for i, drum in enumerate(kit.names):
        color = colors[drum]
        cols = [j for j, d in enumerate(kit.template_drums) if d == i]
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" role="img" aria-label="template of {html.escape(drum)}">',
            f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#f7f7f7"/>',
        ]
        for f in (100, 1000, 10000):
            if FMIN < f < fmax:
                x = (np.log(f) - np.log(FMIN)) / (np.log(fmax) - np.log(FMIN)) * pw + left
                parts.append(
                    f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" stroke="#ddd"/>'
                    f'<text x="{x:.1f}" y="{h - 6}" font-size="10" text-anchor="middle" '
                    f'fill="#555">{hz_label(f)} Hz</text>'
                )
        for db in (0, -40, -80):
            y = float(ly(db))
            parts.append(
                f'<text x="{left - 3}" y="{y + 3:.1f}" font-size="10" text-anchor="end" '
                f'fill="#555">{db}</text>'
            )
        envelope = levels[:, cols].max(axis=1)
        area = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(lx, ly(envelope), strict=True))
        parts.append(
            f'<polygon points="{left},{top + ph} {area} {left + pw},{top + ph}" '
            f'fill="{color}" fill-opacity="0.18"/>'
        )
        for k, j in enumerate(cols):
            line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(lx, ly(levels[:, j]), strict=True))
            dash = ' stroke-dasharray="4 3"' if k else ""
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="1.4"{dash}/>'
            )
        parts.append("</svg>")
        extra = f" ({len(cols)} templates)" if len(cols) > 1 else ""
        figures.append(
            f'<figure data-drum="{html.escape(drum)}"><figcaption style="color:{color}">'
            f"{html.escape(drum)}{extra}</figcaption>{''.join(parts)}</figure>"
        )
    return "".join(figures)


def _page_data(
    transcription: Transcription,
    colors: Mapping[str, str],
    reference: Mapping[str, np.ndarray],
    audio_uri: str | None,
    max_columns: int,
) -> dict[str, Any]:
    kit = transcription.kit
    drums = transcription.drums
    act = np.asarray(transcription.activations, dtype=np.float64)
    thr = (
        None
        if transcription.thresholds is None
        else np.asarray(transcription.thresholds, dtype=np.float64)
    )
    tops = [
        act.max(axis=1),
        np.array([float(np.max(transcription.strengths[d], initial=0.0)) for d in drums]),
    ]
    if thr is not None:
        tops.append(thr.max(axis=1))
    scale = np.max(tops, axis=0) * 1.05
    scale[~(scale > 0)] = 1.0
    spectrogram = None
    V = np.asarray(transcription.spectrogram)
    if V.ndim == 2 and V.shape[1] and V.shape[0] > 1:
        image, edges, step = log_frequency_image(
            V, kit.settings.sample_rate, n_rows=N_ROWS, max_columns=max_columns
        )
        indices = np.rint(image[::-1] * 255).astype(np.uint8)  # PNG row 0 = top = high Hz
        png = encode_png(indices, palette())
        spectrogram = {
            "src": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            "columns": int(image.shape[1]),
            "rows": int(image.shape[0]),
            # frames per column: the image's pooling times the transcription's own
            "step": int(step) * int(transcription.spectrogram_step),
            "fmin": float(edges[0]),
            "fmax": float(edges[-1]),
        }
    return {
        "duration": float(transcription.duration),
        "frame_seconds": float(kit.settings.frame_seconds),
        "match_window": MATCH_WINDOW,
        "drums": [
            {"name": d, "color": colors[d], "midi": int(n), "scale": float(s)}
            for d, n, s in zip(drums, kit.midi_notes, scale, strict=True)
        ],
        "hits": [
            {
                "t": [round(float(t), 4) for t in transcription.onsets[d]],
                "s": [float(f"{float(s):.4g}") for s in transcription.strengths[d]],
                "c": [round(float(c), 3) for c in transcription.confidence_of(d)],
                "a": [x if x != d else "" for x in transcription.articulation_of(d)],
                # With a reference: 1 where the hit matched a reference hit, else 0 (a drum
                # the reference lacks has no reference hits, so all of its hits are 0).
                **(
                    {
                        "m": matches(
                            np.asarray(reference.get(d, np.zeros(0)), dtype=np.float64),
                            np.asarray(transcription.onsets[d], dtype=np.float64),
                        )
                        .astype(int)
                        .tolist()
                    }
                    if reference
                    else {}
                ),
            }
            for d in drums
        ],
        "reference": (
            [[round(float(t), 4) for t in reference.get(d, ())] for d in drums]
            if reference
            else None
        ),
        "activations": _quantize(act, scale),
        "thresholds": None if thr is None else _quantize(thr, scale),
        "spectrogram": spectrogram,
        "has_audio": audio_uri is not None,
    }


def render_report(
    transcription: Transcription,
    *,
    audio_path: str | os.PathLike[str] | None = None,
    samples: np.ndarray | None = None,
    sample_rate: int | None = None,
    reference: Any = None,
    title: str | None = None,
    note_map: Any = None,
    tempo_map: Any = None,
    max_columns: int = 6000,
    score: Any = None,
) -> str:
    """The report page of a transcription as an HTML string; see :func:`write_report`."""
    from drumnmf.display.editor import editor_section

    if not isinstance(max_columns, int) or max_columns < 1:
        raise DrumnmfError(f"max_columns must be a positive integer, got {max_columns!r}")
    ref = check_reference(getattr(reference, "onsets", reference))
    song = _load_song(transcription, audio_path, samples, sample_rate)
    audio_uri = None
    if song is not None:
        mime, encoded = encode_audio(song, AUDIO_RATE)
        audio_uri = f"data:{mime};base64," + base64.b64encode(encoded).decode("ascii")
    drums = transcription.drums
    colors = drum_colors(list(drums) + [d for d in ref if d not in drums])
    data = _page_data(transcription, colors, ref, audio_uri, max_columns)

    from drumnmf import __version__

    name = title or (
        Path(transcription.source).name if transcription.source != "<array>" else "transcription"
    )
    total = sum(int(v.size) for v in transcription.onsets.values())
    tempo = estimate_tempo(transcription.onsets)
    tempo_text = (
        f"≈ {tempo:g} BPM (estimate)" if tempo is not None else "tempo: too few hits to estimate"
    )
    meta = f"{fmt_time(transcription.duration)} · {total} hits · {tempo_text}"
    legend = "".join(
        f'<label title="include {html.escape(d)} in the click track">'
        f'<input type="checkbox" checked data-mute-drum="{html.escape(d)}">'
        f'<span class="swatch" style="background:{colors[d]}"></span>{html.escape(d)}'
        f'<span data-count="{html.escape(d)}">({int(transcription.onsets[d].size)})</span></label>'
        for d in drums
    )
    if ref:
        legend += '<span><span class="outline"></span> reference hit</span>'
        legend += (
            '<span><span class="unmatched"></span> detected, no reference hit within '
            f"{MATCH_WINDOW * 1000:g} ms</span>"
        )
    audio_tag = (
        f'<audio id="audio" preload="auto" src="{audio_uri}"></audio>'
        if audio_uri
        else '<audio id="audio"></audio>'
    )
    no_audio = (
        ""
        if audio_uri
        else '<p class="hint">No audio embedded: playback runs the click track alone.</p>'
    )
    song_controls = (
        '<label>song <input type="range" id="song-volume" min="0" max="1" step="0.05" '
        'value="1"></label><label>speed <select id="speed"><option value="0.5">0.5×</option>'
        '<option value="0.75">0.75×</option><option value="1" selected>1×</option></select>'
        "</label>"
        if audio_uri
        else ""
    )
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False)
    payload = payload.replace("</", "<\\/").replace("<!--", "<\\!--")
    editor_html, editor_payload = editor_section(transcription, note_map, tempo_map)
    body = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="drumnmf {html.escape(__version__)}">
<title>{html.escape(name)} – drumnmf transcription</title>
<style>
{asset("report.css")}
</style>
</head>
<body>
<header>
<h1>{html.escape(name)}</h1>
<p class="meta" id="meta">{html.escape(meta)}</p>
</header>
<main>
<section class="panel" id="player" aria-label="player and timeline">
{audio_tag}
<div class="controls">
<button id="play" type="button" aria-pressed="false">▶ play</button>
<span id="clock">0:00.000</span>
<label><input type="checkbox" id="click-track"> click track</label>
<label>clicks <input type="range" id="click-volume" min="0" max="1" step="0.05" value="0.6"></label>
{song_controls}
<label><input type="checkbox" id="follow" checked> follow playback</label>
</div>
<div class="controls">
<span>zoom</span>
<button id="zoom-in" type="button" title="zoom in (+)">+</button>
<button id="zoom-out" type="button" title="zoom out (-)">−</button>
<button id="zoom-fit" type="button" title="whole song (Home)">whole song</button>
<form id="view-form">from <input type="number" id="view-start" min="0" step="0.1"
 aria-label="view start (s)"> to <input type="number" id="view-end" min="0" step="0.1"
 aria-label="view end (s)"> s <button type="submit">show</button></form>
<span class="hint">wheel: zoom · drag: pan · shift-drag: zoom to a range ·
click: play from there · space: play/pause</span>
</div>
{no_audio}
<p id="status" role="status" hidden></p>
<canvas id="overview" height="36" aria-label="whole song overview: drag to choose a range"></canvas>
<div id="timeline-wrap">
<canvas id="timeline" aria-label="spectrogram, activations and drum grid"></canvas>
<canvas id="timeline-overlay"></canvas>
<div id="tooltip" role="tooltip" hidden></div>
</div>
<div class="below">
<dl id="hit-panel" aria-live="polite"></dl>
<div class="legend" aria-label="drums in the click track">{legend}</div>
</div>
{editor_html}
</section>
{_score_section(score)}
<h2>Summary</h2>
{summary_table(transcription, colors, ref)}
<p class="hint">Tempo is an estimate from the autocorrelation of all hits; it may be off by
a factor of two. Hits closer than {MATCH_WINDOW * 1000:g} ms to a reference hit of the same
drum count as matches.</p>
<h2>Kit templates</h2>
<div class="templates">{_templates_svg(transcription, colors)}</div>
<p class="hint">Each drum's template: its time-averaged spectrum in dB below its maximum.</p>
<h2>Hits</h2>
<details id="hit-list"><summary>All {total} hits (click one to play from it)</summary>
<table><thead><tr><th>time (s)</th><th>drum</th><th>strength</th><th>confidence</th></tr></thead>
<tbody id="hit-rows"></tbody></table></details>
<h2>Settings</h2>
<details id="settings"><summary>Options, kit and versions used</summary>
<table class="settings">{settings_rows(transcription)}</table></details>
</main>
<footer>Made by drumnmf {html.escape(__version__)}. The page works offline: the audio,
spectrogram and script are inside this file.</footer>
<script type="application/json" id="drumnmf-data">{payload}</script>
<script>
{asset("report.js")}
</script>
<script type="application/json" id="drumnmf-editor">{editor_payload}</script>
<script>
{asset("editor.js")}
</script>
</body>
</html>
"""
    return body


def _score_section(score: Any) -> str:
    if score is None:
        return ""
    from drumnmf.display.score import score_section

    return score_section(score)


def write_report(
    transcription: Transcription,
    path: str | os.PathLike[str],
    *,
    audio_path: str | os.PathLike[str] | None = None,
    samples: np.ndarray | None = None,
    sample_rate: int | None = None,
    reference: Any = None,
    title: str | None = None,
    note_map: Any = None,
    tempo_map: Any = None,
    max_columns: int = 6000,
    score: Any = None,
) -> None:
    """Write the self-contained HTML report of a transcription (atomically).

    Parameters
    ----------
    transcription : Transcription
        A result of :func:`drumnmf.transcribe`.
    path : path-like
        The ``.html`` file to write.
    audio_path : path-like, optional
        The recording to embed. By default ``transcription.source`` when it is a file;
        with neither this, ``samples`` nor a source file the page has no audio (the click
        track still plays).
    samples : np.ndarray [shape=(n_samples,) or (n_samples, n_channels)], optional
        The recording as samples instead of a file (needs ``sample_rate``).
    sample_rate : int, optional
        Rate of ``samples`` in Hz.
    reference : mapping drum -> sequence of float, or Annotations, optional
        True onset times in seconds (e.g. ``load_annotations(path)``), shown beside the
        detected hits and scored in the summary.
    title : str, optional
        Page title; the audio file's name by default.
    note_map : NoteMap, preset name or map file, optional
        The note map the editor's MIDI download starts with (the kit's notes by default).
    tempo_map : TempoMap, optional
        Beats of the song: the editor's MIDI download carries them, as ``--beats`` does.
    max_columns : int > 0
        Most columns of the spectrogram image (frames are max-pooled to fit).
    score : drumnmf.notation.Score, optional
        A drum score to engrave (with verovio, ``drumnmf[score]``; left out without it),
        with a cursor that follows playback.

    Raises
    ------
    DrumnmfError
        If the audio cannot be read or does not last as long as the transcription, or the
        folder of ``path`` does not exist.

    Examples
    --------
    >>> result = transcribe("song.wav", kit="my.kit.json")  # doctest: +SKIP
    >>> write_report(result, "song.html")  # doctest: +SKIP
    """
    from drumnmf.io.export import atomic_path

    if Path(path).suffix.lower() not in (".html", ".htm"):
        raise DrumnmfError(f"the report is an HTML page: name it '*.html', got '{path}'")
    page = render_report(
        transcription,
        audio_path=audio_path,
        samples=samples,
        sample_rate=sample_rate,
        reference=reference,
        title=title,
        note_map=note_map,
        tempo_map=tempo_map,
        max_columns=max_columns,
        score=score,
    )
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
