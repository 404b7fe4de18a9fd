"""The report's editor in headless Chromium, against what the command line writes.

The page ports the default picker to JavaScript; these tests check that it picks the CLI's
hits at equal settings and, after a slider moves, the hits of ``drumnmf transcribe
--threshold-offset``; and that after hand edits the downloaded CSV, MIDI and JSON equal the
files ``drumnmf transcribe --threshold-offset ... --edits DOWNLOAD.json --note-map ...``
writes. Chromium and playwright are found as in ``test_report_browser.py`` (skipped without
them, failing with ``DRUMNMF_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from test_report_browser import Page, browser  # noqa: F401  (fixture)

from drumnmf.cli import main
from drumnmf.example import example_path

pytestmark = pytest.mark.browser
E = "window.drumnmfReport.editor"


# The page re-picks with the paper's picker, without families or silence gates.
PAPER_PICKER = (
    "--picker", "paper", "--no-families", "--rise-ratio", "0", "--floor-db", "0",
    "--leak-margin", "0",
)  # fmt: skip


def drumnmf(*args: str) -> None:
    """The command, run in this process (``tests/cli`` runs it as a program)."""
    assert main([str(a) for a in args]) == 0


def csv_frames(path: Path, frame_seconds: float) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    with path.open() as f:
        for row in csv.DictReader(f):
            out.setdefault(row["drum"], []).append(round(float(row["time"]) / frame_seconds))
    return out


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The built-in example transcribed by the CLI (default settings: 5 drums, cross-talk gate)."""
    folder = tmp_path_factory.mktemp("editor")
    drumnmf(
        "transcribe", str(example_path()), *PAPER_PICKER, "--out-dir", str(folder / "cli"),
        "--report", "-q",
    )  # fmt: skip
    return folder


def open_editor(browser, path: Path) -> Page:  # noqa: F811
    page = Page(browser, path)
    page.page.wait_for_function(f"{E} && {E}.ready", timeout=15000)
    return page


def test_equal_settings_pick_the_cli_hits(browser, example):  # noqa: F811
    page = open_editor(browser, example / "cli" / "example.html")
    try:
        frame_seconds = page.js("window.drumnmfReport._internals.dt")
        cli = csv_frames(example / "cli" / "example.csv", frame_seconds)
        picked = page.js(f"{E}.repick()")
        assert {d: f for d, f in picked.items() if f} == cli
        assert page.js(f"{E}.frames()") == picked
        assert page.js(f"{E}.csv()") == (example / "cli" / "example.csv").read_text()
        assert bytes(page.js(f"{E}.midi('kit')")) == (example / "cli" / "example.mid").read_bytes()
        assert page.errors == []
    finally:
        page.close()


def test_slider_edits_and_downloads_match_the_cli(browser, example, tmp_path):  # noqa: F811
    page = open_editor(browser, example / "cli" / "example.html")
    p = page.page
    try:
        frame_seconds = page.js("window.drumnmfReport._internals.dt")
        before = page.js(f"{E}.frames()")
        # Move the hi-hat slider with the keyboard: 12 steps of 0.005 up.
        drums = page.js("window.drumnmfReport.drums()")
        hihat = drums.index("hihat")
        slider = p.locator(f"#ed-offset-{hihat}")
        slider.focus()
        for _ in range(12):
            p.keyboard.press("ArrowRight")
        value = slider.input_value()
        assert float(value) == pytest.approx(0.11)
        after = page.js(f"{E}.frames()")
        assert len(after["hihat"]) < len(before["hihat"])  # a higher threshold drops hits
        assert after["kick"] == before["kick"]

        # The CLI with the equivalent option picks the same hits.
        drumnmf(
            "transcribe", str(example_path()), *PAPER_PICKER, "--out-dir", str(tmp_path / "moved"),
            "--threshold-offset", f"hihat={value}", "--formats", "csv", "-q",
        )  # fmt: skip
        cli = csv_frames(tmp_path / "moved" / "example.csv", frame_seconds)
        assert {d: f for d, f in after.items() if f} == cli

        # Edit by clicking: add a kick in an empty stretch, delete a snare, reassign a hi-hat.
        p.locator("#ed-mode").check()
        kick_times = [m["time"] for m in page.js("window.drumnmfReport.marks('kick')")]
        page.js("window.scrollTo(0, 0); window.drumnmfReport.setView(0, 4)")
        page.js("window.drumnmfReport.redraw()")
        snare = page.js("window.drumnmfReport.marks('snare')")[0]
        p.mouse.click(snare["x"], snare["y"])
        p.keyboard.press("Delete")
        page.js("window.drumnmfReport.redraw()")
        hat = page.js("window.drumnmfReport.marks('hihat')")[1]
        p.mouse.click(hat["x"], hat["y"])
        p.locator("#ed-reassign").select_option(label="crash")
        page.js("window.drumnmfReport.redraw()")
        kick_row = page.js("window.drumnmfReport.marks('kick')")[0]
        gap = next(
            t
            for t in (0.1 + 0.25 * k for k in range(16))
            if all(abs(t - k) > 0.2 for k in kick_times)
        )
        x = page.js(
            f"(() => {{ const r = document.getElementById('timeline-overlay')"
            f".getBoundingClientRect(); const g = window.drumnmfReport.gutter;"
            f" const v = window.drumnmfReport.view();"
            f" return r.left + g + ({gap} - v.start) / (v.end - v.start) * (r.width - g - 8); }})()"
        )
        p.mouse.click(x, kick_row["y"])
        # One more add, then undo it.
        p.mouse.click(x + 30, kick_row["y"])
        n_edits = len(page.js(f"{E}.edits()"))
        p.locator("#ed-undo").click()
        edits = page.js(f"{E}.edits()")
        assert len(edits) == n_edits - 1 == 3
        assert [e["edit"] for e in edits] == ["delete", "reassign", "add"]
        edited = page.js(f"{E}.frames()")
        assert len(edited["kick"]) == len(after["kick"]) + 1
        assert len(edited["snare"]) == len(after["snare"]) - 1
        assert len(edited["crash"]) == len(after["crash"]) + 1

        # Downloads, with the Roland note map for the MIDI file.
        p.locator("#ed-note-map").select_option("roland-td17")
        files = {}
        for button, name in (("#ed-csv", "csv"), ("#ed-midi", "mid"), ("#ed-json", "json")):
            with p.expect_download() as info:
                p.locator(button).click()
            files[name] = tmp_path / info.value.suggested_filename
            info.value.save_as(files[name])
        command = page.js(f"{E}.command()")
        assert f"--threshold-offset hihat={value}" in command and "--edits" in command
        assert page.errors == []
    finally:
        page.close()

    drumnmf(
        "transcribe", str(example_path()), *PAPER_PICKER, "--out-dir", str(tmp_path / "edited"),
        "--threshold-offset", f"hihat={value}", "--edits", str(files["json"]),
        "--note-map", "roland-td17", "--report", "-q",
    )  # fmt: skip
    out = tmp_path / "edited"
    assert files["csv"].read_bytes() == (out / "example.csv").read_bytes()
    assert files["mid"].read_bytes() == (out / "example.mid").read_bytes()
    page_doc = json.loads(files["json"].read_text())
    cli_doc = json.loads((out / "example.json").read_text())
    for key in ("onsets", "counts", "edits", "source", "duration", "kit"):
        assert page_doc[key] == cli_doc[key], key
    assert page_doc["config"] == cli_doc["config"]

    # The report of the corrected transcription starts from the corrections, and re-picking
    # (a slider set to its own value) applies them again to the same hits.
    again = open_editor(browser, out / "example.html")
    try:
        assert again.js(f"{E}.edits()") == page_doc["edits"]
        assert again.js(f"{E}.csv()") == (out / "example.csv").read_text()
        before = again.js(f"{E}.frames()")
        again.js(f"{E}.setOffset('hihat', {value})")
        assert again.js(f"{E}.frames()") == before
        assert again.js(f"{E}.csv()") == (out / "example.csv").read_text()
    finally:
        again.close()


def test_midi_download_carries_the_tempo_map(browser, tmp_path):  # noqa: F811
    beats = 0.03 + np.cumsum(60.0 / np.linspace(118, 126, 30))
    (tmp_path / "beats.txt").write_text("\n".join(f"{b:.4f}" for b in beats))
    drumnmf(
        "transcribe", str(example_path()), *PAPER_PICKER, "--out-dir", str(tmp_path),
        "--report", "-q",
        "--beats", str(tmp_path / "beats.txt"), "--meter", "6/8",
        "--note-map", "alesis-nitro",
    )  # fmt: skip
    page = open_editor(browser, tmp_path / "example.html")
    try:
        assert page.js("document.getElementById('ed-note-map').value") == "alesis-nitro"
        midi = bytes(page.js(f"{E}.midi('alesis-nitro')"))
        assert midi == (tmp_path / "example.mid").read_bytes()
        assert b"\xff\x58\x04\x06\x03" in midi  # 6/8 time signature
    finally:
        page.close()


def test_band_share_gate_is_followed(browser, example, tmp_path):  # noqa: F811
    gate = ["--min-band-share", "0.3"]
    drumnmf(
        "transcribe", str(example_path()), *PAPER_PICKER, "--out-dir", str(tmp_path / "gate"),
        "--report",
        "-q", *gate,
    )  # fmt: skip
    page = open_editor(browser, tmp_path / "gate" / "example.html")
    try:
        fs = page.js("window.drumnmfReport._internals.dt")
        gated = csv_frames(tmp_path / "gate" / "example.csv", fs)
        plain = csv_frames(example / "cli" / "example.csv", fs)
        assert gated != plain  # the gate dropped hits, so the port is exercised
        assert {d: f for d, f in page.js(f"{E}.repick()").items() if f} == gated
        page.js(f"{E}.setOffset('snare', 0.04)")
        moved = page.js(f"{E}.frames()")
    finally:
        page.close()
    drumnmf(
        "transcribe", str(example_path()), *PAPER_PICKER, "--out-dir", str(tmp_path / "moved"),
        "-q", *gate,
        "--threshold-offset", "snare=0.04", "--formats", "csv",
    )  # fmt: skip
    assert {d: f for d, f in moved.items() if f} == csv_frames(
        tmp_path / "moved" / "example.csv", fs
    )


def test_prelisten_plays_the_selected_hit_with_clicks(browser, example):  # noqa: F811
    page = open_editor(browser, example / "cli" / "example.html")
    p = page.page
    try:
        p.locator("#ed-mode").check()
        page.js("window.scrollTo(0, 0); window.drumnmfReport.setView(2, 6)")
        page.js("window.drumnmfReport.redraw()")
        snare = page.js("window.drumnmfReport.marks('snare')")[0]
        p.mouse.click(snare["x"], snare["y"])
        assert page.js("window.drumnmfReport.paused()") is True  # editing does not play
        assert page.js("window.drumnmfReport.selected()")["drum"] == "snare"
        p.locator("#ed-prelisten").click()
        p.wait_for_timeout(400)
        assert page.js("document.getElementById('click-track').checked") is True
        assert page.js("window.drumnmfReport.paused()") is False
        start = page.js("window.drumnmfReport.currentTime()")
        assert snare["time"] - 1.0 <= start <= snare["time"]
        assert page.js("window.drumnmfReport.clicksScheduled()") > 0
    finally:
        page.close()


def test_strengths_are_formatted_as_python_formats_them(browser, example):  # noqa: F811
    rng = np.random.default_rng(0)
    values = [
        *rng.random(300).astype(np.float32).astype(float),  # float32 activations
        *(rng.random(100) * 10.0 ** rng.integers(-9, 9, 100)),
        *(np.arange(1, 200, 2) / 64),  # exact ties at the 7th digit: half to even
        1.015625,
        2.5e-05,
        0.000123456789,
        123456.5,
        999999.5,
        9.999995,
        1e21,
        5e-324,
    ]
    page = open_editor(browser, example / "cli" / "example.html")
    try:
        got = page.js(f"{json.dumps([float(v) for v in values])}.map((x) => {E}.formatG(x, 6))")
    finally:
        page.close()
    assert got == [f"{v:.6g}" for v in values]
