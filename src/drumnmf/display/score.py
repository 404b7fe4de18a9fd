"""The score section of the HTML report: the MusicXML engraved to SVG by verovio, offline.

verovio (LGPL, ``pip install 'drumnmf[score]'``) is optional: without it the report has
no score section. Each engraved note and bar carries its time in the recording (from
verovio's time map, in quarter notes, mapped through the score's beats), so the page's
script (``assets/score.js``) moves a cursor through the bars as the audio plays and plays
from a note when it is clicked.
"""

from __future__ import annotations

import html
import json
from importlib import resources

import numpy as np

from drumnmf.notation.quantize import Score

__all__ = ["score_available", "score_section", "score_svg"]


def score_available() -> bool:
    """True when verovio can be imported."""
    try:
        import verovio  # noqa: F401
    except ImportError:
        return False
    return True


def _beat_time(score: Score, quarters: np.ndarray) -> np.ndarray:
    """Times (s) of score positions in quarter notes from the first bar."""
    beat_times = [t for bar in score.bars for t in bar.beat_times] + [score.bars[-1].end]
    beats = np.asarray(beat_times, dtype=np.float64)
    index = quarters / score.grid.meter.beat_quarters
    return np.interp(index, np.arange(beats.size), beats)


def score_svg(score: Score, *, width: int = 2000) -> tuple[list[str], dict[str, float], list[str]]:
    """Engrave the score with verovio.

    Parameters
    ----------
    score : Score
    width : int > 0
        Page width in verovio units (the SVG scales to the page).

    Returns
    -------
    pages : list of str
        One SVG document per page.
    times : dict element id -> float
        Time in the recording (s) of each note's SVG element id.
    measures : list of str
        SVG element id of each bar, in order.
    """
    import verovio

    from drumnmf.io.musicxml import musicxml_string

    tk = verovio.toolkit()
    tk.setOptions(
        {
            "pageWidth": width,
            "adjustPageHeight": True,
            "scale": 45,
            "header": "none",
            "footer": "none",
            "breaks": "auto",
            "svgViewBox": True,
        }
    )
    if not tk.loadData(musicxml_string(score)):
        from drumnmf.errors import DrumnmfError

        raise DrumnmfError("verovio could not read the score's MusicXML")
    pages = [tk.renderToSVG(page) for page in range(1, tk.getPageCount() + 1)]
    timemap = tk.renderToTimemap({"includeMeasures": True})
    quarters = np.array([float(e.get("qstamp", 0.0)) for e in timemap])
    seconds = _beat_time(score, quarters) if quarters.size else quarters
    times: dict[str, float] = {}
    measures: list[str] = []
    for entry, t in zip(timemap, seconds, strict=True):
        for element in entry.get("on", []):
            times[element] = round(float(t), 4)
        if "measureOn" in entry:
            measures.append(entry["measureOn"])
    return pages, times, measures


def score_section(score: Score) -> str:
    """HTML of the report's score section (empty when verovio is not installed)."""
    if not score_available():
        return ""
    pages, times, measures = score_svg(score)
    bars = [
        {"id": m, "start": round(b.start, 4), "end": round(b.end, 4)}
        for m, b in zip(measures, score.bars, strict=False)
    ]
    data = json.dumps({"notes": times, "bars": bars}, separators=(",", ":"))
    data = data.replace("</", "<\\/")
    grid = score.grid
    meta = f"{grid.tempo:.0f} BPM · {grid.time_signature}" + (" · swing" if grid.swing else "")
    script = resources.files("drumnmf.display").joinpath("assets/score.js").read_text("utf-8")
    return f"""<h2>Score</h2>
<section class="panel" id="score" aria-label="drum score">
<p class="meta">{html.escape(meta)} · {len(score.bars)} bars · click a note to play from it</p>
<div id="score-pages">{"".join(pages)}</div>
</section>
<style>
#score-pages svg {{ width: 100%; height: auto; }}
#score-pages g.note, #score-pages g.chord {{ cursor: pointer; }}
#score-pages g.measure.current path, #score-pages g.measure.current use {{ fill: #c2185b; }}
#score-pages g.measure.current {{ color: #c2185b; }}
</style>
<script type="application/json" id="drumnmf-score">{data}</script>
<script>
{script}
</script>
"""
