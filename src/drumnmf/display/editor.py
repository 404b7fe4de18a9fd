"""What the report's editor needs to re-pick onsets in the page exactly as the pipeline does.

The editor (``assets/editor.js``) ports the paper's picker (:func:`drumnmf.onsets.pick_adaptive`
with rise timing, then :func:`drumnmf.onsets.suppress_crosstalk`) to JavaScript, so a
sensitivity slider gives the hits that ``drumnmf transcribe --threshold-offset DRUM=X`` gives.
For that it needs the exact numbers, not the 8-bit display copies: every drum's activation
row as float64, and each drum's reconstructed energy (float64, only around candidate peaks,
where the cross-talk gate reads it), zlib-compressed (the page inflates them with the
browser's DecompressionStream), and the integer window sizes and rival drums the Python
code derives. The band-share gate (:func:`drumnmf.onsets.gate_onsets`, off by default) is
ported too, with each drum's share rows sent like the energy. With the top-k picker, the
dB picker, families of several drums or the silence gates (:mod:`drumnmf.picking`), the
sliders are off and editing works on the pipeline's hits.

:func:`editor_data` also carries what the page exports: the note maps offered for MIDI
(the kit's own notes and every preset), the MIDI timing constants of
:func:`drumnmf.io.export.write_midi`, and the transcription's JSON document.
"""

from __future__ import annotations

import base64
import html
import json
import zlib
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.display.media import asset
from drumnmf.io.export import LEVEL_VELOCITY
from drumnmf.onsets import (
    COINCIDE_FRAMES,
    GATE_FRAMES,
    MAX_RISE_FRAMES,
    _candidates,
    band_share,
    explained_energy,
)

if TYPE_CHECKING:
    from drumnmf.io.notemaps import NoteMap
    from drumnmf.io.tempomap import TempoMap
    from drumnmf.pipeline import Transcription

__all__ = ["editor_data", "editor_section"]

MIDI_TEMPO_BPM = 120.0  # write_midi's defaults
MIDI_NOTE_SECONDS = 0.05
MIDI_TICKS_PER_BEAT = 480


def _packed(matrix: np.ndarray) -> str:
    """A float64 matrix, row after row, zlib-compressed, base64 (the page inflates it)."""
    raw = np.ascontiguousarray(matrix, dtype="<f8").tobytes()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def _near_candidates(activations: np.ndarray, min_frames: int) -> np.ndarray:
    """Frames where the coincidence gate may read energy: around every drum's candidate peaks.

    An onset reported at frame ``f`` lies at most ``MAX_RISE_FRAMES`` before its peak, and
    the gate reads frames ``f - GATE_FRAMES[0]`` to ``f + GATE_FRAMES[1]``.
    """
    n = activations.shape[1]
    mask = np.zeros(n, dtype=bool)
    for row in activations:
        for p in _candidates(np.asarray(row, dtype=np.float64), min_frames):
            lo = max(0, int(p) - MAX_RISE_FRAMES - GATE_FRAMES[0])
            mask[lo : int(p) + GATE_FRAMES[1] + 1] = True
    return mask


def _frames(seconds: float, frame_rate: float) -> int:
    return max(1, round(seconds * frame_rate))  # as drumnmf.onsets._frames


# TranscribeConfig fields and the transcribe flag that sets each.
_FLAGS = {
    "solver": "--solver",
    "harmonic_rank": "--harmonic-rank",
    "max_iter": "--iterations",
    "inner_iter": "--inner-iterations",
    "picker": "--picker",
    "families": "--families",
    "delta_db": "--delta-db",
    "drum_delta_db": "--drum-delta-db",
    "range_db": "--range-db",
    "rise_ratio": "--rise-ratio",
    "floor_db": "--floor-db",
    "floor_follow_db": "--floor-follow-db",
    "leak_margin": "--leak-margin",
    "seed": "--seed",
    "bands_per_octave": "--bands-per-octave",
    "fmin": "--fmin",
    "fmax": "--fmax",
    "percussive_frames": "--percussive-frames",
    "percussive_bands": "--percussive-bands",
    "min_band_share": "--min-band-share",
    "band_share_relative": "--band-share-relative",
    "crosstalk_ratio": "--crosstalk-ratio",
    "crosstalk_similarity": "--crosstalk-similarity",
}


def pipeline_flags(transcription: Transcription) -> list[str]:
    """``drumnmf transcribe`` options that reproduce the transcription's kit and settings.

    The threshold offsets are left out (the editor adds its own). Settings are given
    relative to the default configuration, or to ``--preset paper`` when that needs fewer
    flags; a custom kit appears as ``--kit KIT.json`` (its path is not known), and a
    setting no flag sets as a trailing ``# ...`` note.
    """
    from drumnmf.kit import default_kit
    from drumnmf.pipeline import DB_PICKER_FIELDS, TranscribeConfig

    config = transcription.config

    # the learned picker reads none of the dB picker's gates: their values say nothing
    unused = set(DB_PICKER_FIELDS) if config.picker == "learned" else set()

    def changes(base: TranscribeConfig) -> list[str]:
        names = [f.name for f in fields(config) if f.name != "offsets" and f.name not in unused]
        return [n for n in names if getattr(config, n) != getattr(base, n)]

    def text(value: Any) -> str:
        return f"{value:g}" if isinstance(value, float) else str(value)

    candidates = [
        ([], changes(TranscribeConfig())),
        (["--preset", "paper"], changes(TranscribeConfig.paper())),
    ]
    # Fewest settings without a flag first, then fewest flags.
    start, differs = min(
        candidates, key=lambda c: (sum(n not in _FLAGS for n in c[1]), len(c[0]) + len(c[1]))
    )
    flags = list(start)
    for name in differs:
        value = getattr(config, name)
        if name == "drum_delta_db":
            flags += [f for d, v in value for f in (_FLAGS[name], f"{d}={v:g}")]
        elif name in _FLAGS and isinstance(value, bool):
            flags.append(_FLAGS[name] if value else _FLAGS[name].replace("--", "--no-", 1))
        elif name in _FLAGS and value is not None:
            flags += [_FLAGS[name], text(value)]
    flags += _kit_flag(transcription, default_kit())
    unflagged = [n for n in differs if n not in _FLAGS]
    if unflagged:
        flags.append(f"# also set from Python: {', '.join(unflagged)}")
    return flags


def _kit_flag(transcription: Transcription, default: Any) -> list[str]:
    kit = transcription.kit
    same = (
        kit.names == default.names
        and kit.templates.shape == default.templates.shape
        and np.array_equal(kit.templates, default.templates)
    )
    return [] if same else ["--kit", "KIT.json"]


def _note_maps(transcription: Transcription) -> list[dict[str, Any]]:
    from drumnmf.io.notemaps import PRESETS

    drums = transcription.drums
    out = [
        {
            "name": "kit",
            "title": "the kit's notes (as drumnmf transcribe writes by default)",
            "notes": {d: int(n) for d, n in zip(drums, transcription.kit.midi_notes, strict=True)},
            "pedal": {},
            "missing": [],
        }
    ]
    for name, note_map in PRESETS.items():
        notes = dict(note_map.notes)
        pedal = dict(note_map.pedal)
        out.append(
            {
                "name": name,
                "title": note_map.title,
                "notes": {d: notes[d] for d in drums if d in notes},
                "pedal": {d: pedal[d] for d in drums if d in pedal},
                "missing": [d for d in drums if d not in notes],
            }
        )
    return out


def _hit_details(t: Transcription, min_frames: int, live: bool) -> dict[str, Any]:
    """Each hit's confidence and articulation, and what re-picked hits get.

    A re-picked hit's confidence is :func:`drumnmf.silence.confidence` of its strength
    (``levels``, ``confidence_depth``); its articulation depends on its peak frame only, so
    ``articulation_at`` lists, per drum, every candidate peak not named after the drum.
    """
    from drumnmf.families import articulations_at, kit_families
    from drumnmf.silence import CONFIDENCE_RANGE_DB, FALLBACK_LEVEL

    drums = t.drums
    config = t.config
    families = kit_families(t.kit, enabled=config.families)
    levels = list(t.kit.levels or (FALLBACK_LEVEL,) * len(drums))
    for family in families:
        levels[family.drum] = max(levels[m] for m in family.members)
    named: list[dict[str, str]] = [{} for _ in drums]
    if live:
        weights = np.asarray(t.factorization.templates, dtype=np.float64).sum(axis=0)
        for family in families:
            peaks = _candidates(np.asarray(t.activations[family.drum]), min_frames)
            found = articulations_at(family, t.factorization.drum_activations, peaks, weights)
            named[family.drum] = {
                str(int(p)): a for p, a in zip(peaks, found, strict=True) if a != drums[family.drum]
            }
    return {
        "confidences": [[float(c) for c in t.confidence_of(d)] for d in drums],
        "articulations": [list(t.articulation_of(d)) for d in drums],
        "articulation_at": named,
        "levels": [float(v) for v in levels],
        "confidence_depth": float(config.floor_db or CONFIDENCE_RANGE_DB),
    }


def _live(t: Transcription) -> tuple[bool, str]:
    """Whether the page can re-pick as the pipeline did, and why not."""
    from drumnmf.families import kit_families

    config = t.config
    if config.picker == "topk":
        return False, "the top-k picker has no threshold: edit the hits by hand"
    if config.picker == "learned":
        return False, "the learned picker has no threshold curve: edit the hits by hand"
    shared = any(len(f.members) > 1 for f in kit_families(t.kit, enabled=config.families))
    if (
        config.picker == "db"
        or shared
        or config.rise_ratio > 1
        or config.floor_db > 0
        or (config.leak_margin > 0 and bool(t.kit.crosstalk))
    ):
        return False, (
            "the sliders re-pick with the paper's picker only (--picker paper "
            "--no-families --rise-ratio 0 --floor-db 0 --leak-margin 0): edit the hits by hand"
        )
    return True, ""


def editor_data(
    transcription: Transcription,
    *,
    note_map: NoteMap | None = None,
    tempo_map: TempoMap | None = None,
) -> dict[str, Any]:
    """The editor's payload for one transcription (JSON-ready).

    Parameters
    ----------
    transcription : Transcription
    note_map : NoteMap, optional
        The map chosen for MIDI export when the page opens (the kit's notes by default);
        a user map is offered beside the presets.
    tempo_map : TempoMap, optional
        Beats of the song for the MIDI download (as ``drumnmf transcribe --beats``).
    """
    import mido

    t = transcription
    config = t.config
    settings = t.kit.settings
    frame_rate = 1.0 / settings.frame_seconds
    drums = t.drums
    window = _frames(config.threshold_window, frame_rate)
    window += 1 - window % 2  # odd, as adaptive_threshold
    min_frames = _frames(config.min_interval, frame_rate)
    live, reason = _live(t)
    fact = t.factorization
    owners = np.asarray(t.kit.template_drums)
    near = _near_candidates(t.activations, min_frames)
    share_gate = None
    if live and config.min_band_share > 0:
        share = band_share(t.factorized, fact.templates, fact.drum_activations, owners, len(drums))
        share_gate = {
            "minimum": float(config.min_band_share),
            "relative": float(config.band_share_relative),
            # Read, like the energy, only around candidate peaks.
            "share": _packed(np.where(near, share, 0.0)),
            "before": GATE_FRAMES[0],
            "after": GATE_FRAMES[1],
        }
    crosstalk = None
    if live and config.crosstalk_ratio > 0:
        energy, profiles = explained_energy(
            fact.templates, fact.drum_activations, owners, t.kit.n_drums
        )
        # Only the frames the gate can read are sent (zeros elsewhere compress away).
        energy = np.where(near, energy, 0.0)
        cosine = profiles @ profiles.T
        similarity = config.crosstalk_similarity
        crosstalk = {
            "ratio": float(config.crosstalk_ratio),
            "rivals": [
                [o for o in range(len(drums)) if o != d and cosine[d, o] >= similarity]
                for d in range(len(drums))
            ],
            "energy": _packed(energy),
            "before": GATE_FRAMES[0],
            "after": GATE_FRAMES[1],
            "coincide": COINCIDE_FRAMES,
        }
    maps = _note_maps(t)
    chosen = "kit"
    if note_map is not None:
        chosen = note_map.name
        if note_map.name not in {m["name"] for m in maps}:
            notes = dict(note_map.notes)
            pedal = dict(note_map.pedal)
            maps.append(
                {
                    "name": note_map.name,
                    "title": note_map.title,
                    "notes": {d: notes[d] for d in drums if d in notes},
                    "pedal": {d: pedal[d] for d in drums if d in pedal},
                    "missing": [d for d in drums if d not in notes],
                }
            )
    document = t.to_dict()
    document["onsets"] = []
    document["counts"] = {}
    document.pop("edits", None)
    frames = [
        np.rint(np.asarray(t.onsets[d]) / settings.frame_seconds).astype(np.int64).tolist()
        for d in drums
    ]
    return {
        "live": live,
        "reason": reason,
        "frame_seconds": float(settings.frame_seconds),
        "window_frames": int(window),
        "min_frames": min_frames,
        "timing": config.onset_timing,
        "max_rise": MAX_RISE_FRAMES,
        "offsets": [float(config.offset(d)) for d in drums],
        "configured_offsets": {d: float(v) for d, v in config.offsets},
        "activations": _packed(np.asarray(t.activations)),
        "frames": frames,
        "strengths": [[float(s) for s in t.strengths[d]] for d in drums],
        **_hit_details(t, min_frames, live),
        "crosstalk": crosstalk,
        "share_gate": share_gate,
        "edits": [e.to_dict() for e in t.edits],
        "note_maps": maps,
        "note_map": chosen,
        "midi": {
            "tempo": int(mido.bpm2tempo(MIDI_TEMPO_BPM)),
            "ticks_per_beat": MIDI_TICKS_PER_BEAT,
            "note_seconds": MIDI_NOTE_SECONDS,
            "pedal_control": 4,
            # io.export.midi_velocities: a drum with a calibration level gets
            # level_velocity * strength / level, the others are relative to the file.
            "velocity_levels": [
                None if not t.kit.levels else float(t.kit.levels[i]) for i in range(len(drums))
            ],
            "level_velocity": LEVEL_VELOCITY,
            "tempo_map": None
            if tempo_map is None
            else {
                "beats": [float(b) for b in tempo_map.beats],
                "lead": tempo_map.lead_in(MIDI_TICKS_PER_BEAT),
                "step": tempo_map.beat_ticks(MIDI_TICKS_PER_BEAT),
                "tempos": tempo_map.tempo_events(MIDI_TICKS_PER_BEAT),
                "numerator": tempo_map.numerator,
                "denominator": tempo_map.denominator,
            },
        },
        "document": document,
        "pipeline_flags": pipeline_flags(t),
        "stem": Path(t.source).stem if t.source != "<array>" else "drums",
        "audio_name": Path(t.source).name if t.source != "<array>" else "song.wav",
    }


def editor_section(transcription: Transcription, note_map: Any, tempo_map: Any) -> tuple[str, str]:
    """The editor's panel (HTML) and its data (JSON, safe inside a script tag)."""
    from drumnmf.io.notemaps import load_note_map

    table = None if note_map is None else load_note_map(note_map)
    data = editor_data(transcription, note_map=table, tempo_map=tempo_map)
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e")  # inert in <script>
    rows = "".join(
        f'<div class="ed-row" data-drum="{html.escape(d)}"><label for="ed-offset-{i}">'
        f"{html.escape(d)}</label>"
        f'<input type="range" id="ed-offset-{i}" data-offset-drum="{i}" min="0" max="0.5" '
        f'step="0.005" value="{data["offsets"][i]:g}" aria-label="threshold offset of '
        f'{html.escape(d)}"><output id="ed-offset-{i}-value">{data["offsets"][i]:g}</output>'
        "</div>"
        for i, d in enumerate(transcription.drums)
    )
    options = "".join(
        f'<option value="{html.escape(m["name"])}"'
        f"{' selected' if m['name'] == data['note_map'] else ''}"
        f"{' disabled' if m['missing'] else ''}>{html.escape(m['name'])}"
        f"{' (no note for ' + ', '.join(m['missing']) + ')' if m['missing'] else ''}</option>"
        for m in data["note_maps"]
    )
    reassign = "".join(
        f'<option value="{i}">{html.escape(d)}</option>' for i, d in enumerate(transcription.drums)
    )
    disabled = "" if data["live"] else f'<p class="hint">{html.escape(data["reason"])}</p>'
    section = f"""<style>
{asset("editor.css")}
</style>
<div id="editor" role="region" aria-label="correct the transcription">
<h2>Correct and export</h2>
<div class="ed-grid">
<div class="ed-sliders"><h3>Sensitivity per drum</h3>
<p class="hint">Threshold offset of each drum's picker, relative to its loudest activation:
lower finds more hits. Moving a slider re-picks that drum with the pipeline's own rule.</p>
{disabled}{rows}</div>
<div class="ed-tools"><h3>Edit hits</h3>
<label><input type="checkbox" id="ed-mode"> edit mode (E)</label>
<p class="hint">In edit mode, click a drum's lane or grid row to add a hit there, click a hit
to select it; Delete removes it; Ctrl+Z undoes.</p>
<div class="controls"><button type="button" id="ed-delete" disabled>delete hit</button>
<label>reassign to <select id="ed-reassign" disabled><option value="">–</option>
{reassign}</select></label>
<button type="button" id="ed-prelisten" disabled>pre-listen</button>
<button type="button" id="ed-undo" disabled>undo</button></div>
<p id="ed-status" role="status">No changes.</p>
<h3>Export</h3>
<div class="controls"><label>MIDI notes <select id="ed-note-map">{options}</select></label></div>
<div class="controls"><button type="button" id="ed-csv">download CSV</button>
<button type="button" id="ed-midi">download MIDI</button>
<button type="button" id="ed-json">download JSON</button></div>
<p class="hint">The same files from the command line (save the JSON download as the edits
file):</p><pre id="ed-command"></pre></div>
</div>
</div>"""
    return section, payload
