"""The score in the HTML report: engraved by verovio, a cursor on the bars, click to play."""

from __future__ import annotations

import json
import re

import pytest
from test_report import synthetic_transcription
from test_report_browser import Page, R, browser  # noqa: F401  (browser is a fixture)

from drumnmf.display import score as score_view
from drumnmf.display.report import render_report, write_report

pytest.importorskip("verovio", reason="the report's score needs drumnmf[score] (verovio)")


@pytest.fixture(scope="module")
def transcription():
    return synthetic_transcription(8.0, tempo=100.0)


def test_report_has_the_engraved_score(transcription):
    score = transcription.to_score()
    page = render_report(transcription, score=score)
    assert '<section class="panel" id="score"' in page and "Engraved by Verovio" in page
    data = json.loads(re.search(r'id="drumnmf-score">(.*?)</script>', page, re.S).group(1))
    assert len(data["bars"]) == len(score.bars)
    starts = [b["start"] for b in data["bars"]]
    assert starts == sorted(starts) and starts[0] == pytest.approx(score.bars[0].start, abs=1e-3)
    # every note head id in the time map exists in the SVG, at a time of a hit
    hits = sorted(t for times in transcription.onsets.values() for t in times)
    for element, time in data["notes"].items():
        assert f'id="{element}"' in page
        assert min(abs(time - h) for h in hits) < 0.05


def test_report_without_score_or_verovio(transcription, monkeypatch):
    assert 'id="score"' not in render_report(transcription)
    monkeypatch.setattr(score_view, "score_available", lambda: False)
    page = render_report(transcription, score=transcription.to_score())
    assert 'id="score"' not in page and "drumnmf-score" not in page


@pytest.mark.browser
def test_cursor_follows_playback_and_notes_play(browser, transcription, tmp_path):  # noqa: F811
    path = tmp_path / "song.html"
    write_report(transcription, path, score=transcription.to_score())
    page = Page(browser, path)
    try:
        bars = page.js("window.drumnmfScore.bars()")
        assert len(bars) >= 4
        target = bars[2]
        page.js(f"{R}.playFrom({(target['start'] + target['end']) / 2}); {R}.pause()")
        page.page.wait_for_function("window.drumnmfScore.current() === 2", timeout=5000)
        assert page.js(f"document.getElementById('{target['id']}').classList.contains('current')")
        notes = page.js("window.drumnmfScore.noteTimes()")
        element, time = sorted(notes.items(), key=lambda kv: kv[1])[len(notes) // 2]
        page.page.locator(f"[id='{element}']").first.dispatch_event("click")
        page.js(f"{R}.pause()")
        assert abs(page.js(f"{R}.currentTime()") - time) < 0.3
        assert not page.errors, page.errors
    finally:
        page.close()
