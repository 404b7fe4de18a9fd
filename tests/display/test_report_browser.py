"""The HTML report in headless Chromium: loads cleanly, shows every hit, plays from a click.

Needs Debian's ``chromium`` (``/usr/bin/chromium``, or the path in ``DRUMNMF_CHROMIUM``) and
the ``playwright`` Python package (``pip install 'drumnmf[browser]'``; Playwright's own
browser download is not used). Without them every test here is skipped with the reason, or
fails when ``DRUMNMF_REQUIRE_BROWSER=1`` (set it in CI so that they cannot be skipped).
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from test_report import synthetic_transcription

from drumnmf.display.report import write_report

from dependencies import require
from synth import SR, groove, place, write_hits, write_wav

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("DRUMNMF_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
VIEWPORT = {"width": 1280, "height": 900}
R = "window.drumnmfReport"


def _unavailable(reason: str) -> None:
    """Skip, or fail where the browser tests must run (DRUMNMF_REQUIRE_BROWSER=1, e.g. CI)."""
    if os.environ.get("DRUMNMF_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required but {reason}")
    require(False, reason)  # fails in CI


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _unavailable(
            f"no Chromium at {CHROMIUM}: apt-get install chromium (or set DRUMNMF_CHROMIUM)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install 'drumnmf[browser]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page opened on a report, with the console errors it printed."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport=VIEWPORT)
        self.errors: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(f"console.{m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.goto(path.as_uri())
        self.page.wait_for_function(f"{R} && {R}.ready", timeout=15000)

    def js(self, expression: str):
        return self.page.evaluate(expression)

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    """A real transcription of a synthetic 6-second beat, its report with audio and reference."""
    from drumnmf.kit import calibrate
    from drumnmf.pipeline import TranscribeConfig, transcribe

    folder = tmp_path_factory.mktemp("report-browser")
    kit = calibrate(write_hits(folder))
    events = groove(6.0)
    audio = write_wav(folder / "song.wav", place(events, 6.0), SR)
    result = transcribe(audio, kit=kit, config=TranscribeConfig(harmonic_rank=4))
    assert all(n > 0 for n in result.n_onsets.values())
    path = folder / "song.html"
    write_report(result, path, reference=events)
    return result, path


@pytest.fixture
def page(browser, song):
    p = Page(browser, song[1])
    yield p
    p.close()


def test_loads_without_console_errors(page, song):
    page.page.wait_for_timeout(300)  # let the audio and image decode
    assert page.errors == []
    assert page.js(f"{R}.hasAudio") is True
    assert page.js("document.getElementById('audio').error") is None
    assert page.js(f"{R}.drums()") == list(song[0].drums)


def test_every_hit_has_a_mark(page, song):
    result = song[0]
    page.js(f"{R}.setView(0, {result.duration})")
    for drum, n in result.n_onsets.items():
        assert page.js(f"{R}.hitCount('{drum}')") == n
        assert page.js(f"{R}.markCount('{drum}')") == n
        assert page.js(f"{R}.markCount('{drum}', 'activation')") == n
        marks = page.js(f"{R}.marks('{drum}')")
        np.testing.assert_allclose([m["time"] for m in marks], result.onsets[drum], atol=1e-3)
    # The hit list (built when opened) has one row per hit, with data-drum / data-time.
    page.page.click("#hit-list summary")
    page.page.locator("#hit-rows tr").first.wait_for()
    for drum, n in result.n_onsets.items():
        assert page.page.locator(f"#hit-rows tr[data-drum='{drum}']").count() == n


def test_zooming_shows_only_the_hits_in_view(page, song):
    result = song[0]
    page.js(f"{R}.setView(1.0, 3.0)")
    for drum in result.drums:
        times = result.onsets[drum]
        expected = int(np.sum((times >= 1.0) & (times <= 3.0)))
        assert page.js(f"{R}.markCount('{drum}')") == expected


def test_clicking_a_hit_plays_from_it(page, song):
    result = song[0]
    page.js(f"{R}.setView(0, {result.duration})")
    mark = page.js(f"{R}.marks('snare')")[1]
    page.page.mouse.click(mark["x"], mark["y"])
    page.page.wait_for_function(f"!{R}.paused() && {R}.currentTime() > {mark['time']}")
    now = page.js(f"{R}.currentTime()")
    assert mark["time"] <= now < mark["time"] + 1.0
    assert page.js("document.getElementById('audio').paused") is False
    assert page.js(f"{R}.selected()") == {"drum": "snare", "time": mark["time"]}
    panel = page.page.locator("#hit-panel")
    assert panel.get_attribute("data-drum") == "snare"
    assert float(panel.get_attribute("data-time")) == pytest.approx(mark["time"], abs=1e-3)
    assert "strength" in panel.inner_text()
    page.js(f"{R}.pause()")
    assert page.js(f"{R}.paused()") is True
    assert page.errors == []


def test_clicking_the_timeline_plays_from_there(page, song):
    page.js(f"{R}.setView(0, 4)")
    box = page.page.locator("#timeline-overlay").bounding_box()
    # Between two hits, over the spectrogram: plays from the time under the pointer.
    gutter, width = 104, box["width"] - 104 - 8
    page.page.mouse.click(box["x"] + gutter + width * 0.55, box["y"] + 60)
    page.page.wait_for_function(f"!{R}.paused()")
    assert page.js(f"{R}.currentTime()") == pytest.approx(0.55 * 4, abs=0.5)
    page.js(f"{R}.pause()")


def test_hovering_a_hit_shows_a_tooltip(page, song):
    page.js(f"{R}.setView(0, {song[0].duration})")
    mark = page.js(f"{R}.marks('kick')")[0]
    page.page.mouse.move(mark["x"], mark["y"])
    tooltip = page.page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    assert "kick" in text and f"{mark['time']:.3f} s" in text and "strength" in text


def test_zoom_controls(page, song):
    duration = song[0].duration
    view = lambda: page.js(f"{R}.view()")  # noqa: E731
    page.page.click("#zoom-fit")
    assert view()["start"] == 0 and view()["end"] == pytest.approx(duration)
    page.page.click("#zoom-in")
    page.page.wait_for_timeout(50)
    assert view()["end"] - view()["start"] == pytest.approx(duration / 2)
    # Typed range.
    page.page.fill("#view-start", "1.5")
    page.page.fill("#view-end", "2.5")
    page.page.click("#view-form button[type=submit]")
    page.page.wait_for_timeout(50)
    assert view() == {"start": pytest.approx(1.5), "end": pytest.approx(2.5)}
    # Wheel zooms out around the pointer.
    box = page.page.locator("#timeline-overlay").bounding_box()
    page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 100)
    page.page.mouse.wheel(0, 300)
    page.page.wait_for_timeout(100)
    assert view()["end"] - view()["start"] > 1.5
    # Shift-drag selects a range to zoom to.
    page.page.click("#zoom-fit")
    x0, x1 = box["x"] + 104 + 100, box["x"] + 104 + 300
    page.page.keyboard.down("Shift")
    page.page.mouse.move(x0, box["y"] + 100)
    page.page.mouse.down()
    page.page.mouse.move(x1, box["y"] + 100, steps=5)
    page.page.mouse.up()
    page.page.keyboard.up("Shift")
    page.page.wait_for_timeout(50)
    span = view()["end"] - view()["start"]
    assert span == pytest.approx(200 / (box["width"] - 112) * duration, rel=0.05)
    assert page.errors == []


def test_click_track_schedules_clicks(page, song):
    page.page.select_option("#speed", "0.5")
    assert page.js("document.getElementById('audio').playbackRate") == 0.5
    page.js(f"{R}.clickTrack(true)")
    page.js(f"{R}.playFrom(0.2)")
    page.page.wait_for_function(f"{R}.clicksScheduled() >= 4", timeout=5000)
    page.js(f"{R}.pause()")
    assert page.errors == []


def test_screenshot(page, song, tmp_path):
    page.js(f"{R}.setView(0, 3)")
    page.page.wait_for_timeout(300)
    path = tmp_path / "report.png"
    page.page.screenshot(path=str(path))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (VIEWPORT["width"], VIEWPORT["height"])
    assert len(data) > 50_000  # a spectrogram and curves, not a blank page
    out = os.environ.get("DRUMNMF_SCREENSHOT")
    if out:  # keep it to look at
        shutil.copy(path, out)


def test_ten_minute_song_stays_responsive(browser, tmp_path):
    t = synthetic_transcription(600.0, tempo=150.0, sample_rate=44100, n_fft=512, hop_length=512)
    path = tmp_path / "long.html"
    write_report(t, path)
    p = Page(browser, path)
    try:
        p.js(f"{R}.setView(0, 600)")
        for drum, n in t.n_onsets.items():
            assert p.js(f"{R}.markCount('{drum}')") == n
        # Drawing the whole song takes a few ms; allow a slow, shared CI machine.
        assert min(p.js(f"{R}.redraw()") for _ in range(3)) < 250
        p.js(f"{R}.setView(300, 310)")
        assert min(p.js(f"{R}.redraw()") for _ in range(3)) < 50
        # Without audio the playhead runs on a virtual clock.
        assert p.js(f"{R}.hasAudio") is False
        p.js(f"{R}.playFrom(305)")
        p.page.wait_for_function(f"{R}.currentTime() > 305.1")
        assert p.errors == []
    finally:
        p.close()


def _overlap(a, b, margin=2.0):
    return not (
        a["right"] + margin <= b["left"]
        or b["right"] + margin <= a["left"]
        or a["bottom"] + margin <= b["top"]
        or b["bottom"] + margin <= a["top"]
    )


def test_labels_stay_in_the_gutter_and_apart(page, song):
    page.js(f"{R}.setView(0, 3)")
    labels = page.js(f"{R}.labels()")
    gutter = page.js(f"{R}.gutter")
    texts = [label["text"] for label in labels]
    assert "hits" in texts
    for drum in song[0].drums:
        assert texts.count(drum) == 2  # activation lane and hit grid
    for label in labels:  # nothing drawn over the timeline, where the playhead runs
        assert label["right"] <= gutter, label
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not _overlap(a, b), (a, b)
    heading = labels[texts.index("hits")]
    first_row = [x for x in labels if x["text"] == song[0].drums[0]][-1]
    assert heading["bottom"] + 4 <= first_row["top"]


def test_hits_of_drums_absent_from_the_reference_are_unmatched(browser, tmp_path):
    t = synthetic_transcription(4.0)
    kick = t.onsets["kick"]
    path = tmp_path / "partial.html"
    write_report(t, path, reference={"kick": kick[1:]})
    p = Page(browser, path)
    try:
        p.js(f"{R}.setView(0, {t.duration})")
        kick_marks = p.js(f"{R}.marks('kick')")
        assert [m["matched"] for m in kick_marks] == [False] + [True] * (kick.size - 1)
        for drum in ("snare", "hihat"):
            marks = p.js(f"{R}.marks('{drum}')")
            assert len(marks) == t.n_onsets[drum]
            assert all(m["matched"] is False for m in marks)
        assert p.errors == []
    finally:
        p.close()
    plain = tmp_path / "plain.html"
    write_report(t, plain)
    p = Page(browser, plain)
    try:
        assert all(m["matched"] is None for m in p.js(f"{R}.marks('kick')"))
    finally:
        p.close()
