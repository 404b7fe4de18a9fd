"""How fast the report's editor opens and re-picks, in headless Chromium.

Run from the repository root::

    .venv/bin/python benchmarks/editor.py              # 1, 5 and 10 minutes
    .venv/bin/python benchmarks/editor.py --minutes 3  # one length

Each page is the report of a synthetic transcription (a rock beat, three drums, no audio,
44.1 kHz / hop 512: 86 frames per second) written by ``write_report``. Columns: the page's
size; the time from opening the file to the editor being ready (its activations inflated,
medians and candidate peaks computed); and the best of 5 slider moves (``setOffset``:
every drum re-picked, cross-talk gate, edits re-applied), with the ratio to the first row.
Times depend on the machine; the ratios within one run are what compares.

Needs Chromium (``/usr/bin/chromium`` or ``DRUMNMF_CHROMIUM``) and ``drumnmf[browser]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, action="append", help="page length(s)")
    args = parser.parse_args()
    minutes = args.minutes or [1.0, 5.0, 10.0]

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "display"))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from test_report import synthetic_transcription

    from drumnmf.display.report import write_report

    chromium = os.environ.get("DRUMNMF_CHROMIUM", "/usr/bin/chromium")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        for length in minutes:
            t = synthetic_transcription(
                60.0 * length, tempo=150.0, sample_rate=44100, n_fft=2048, hop_length=512
            )
            path = Path(tmp) / f"{length:g}.html"
            write_report(t, path, max_columns=4000)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function(
                "window.drumnmfReport && window.drumnmfReport.editor"
                " && window.drumnmfReport.editor.ready",
                timeout=120000,
            )
            ready = time.perf_counter() - start
            moves = [
                page.evaluate(
                    "(v) => { const t = performance.now();"
                    " window.drumnmfReport.editor.setOffset('hihat', v);"
                    " return performance.now() - t; }",
                    0.05 + 0.01 * (k + 1),
                )
                for k in range(5)
            ]
            page.close()
            rows.append(
                (length, t.activations.shape[1], path.stat().st_size / 1e6, ready, min(moves))
            )
        browser.close()
    head = ("minutes", "frames", "page MB", "ready s", "re-pick ms", "x first")
    print(" ".join(f"{h:>{max(len(h), 7)}}" for h in head))
    for length, frames, mb, ready, move in rows:
        print(
            f"{length:7g} {frames:7d} {mb:8.2f} {ready:8.2f} {move:11.1f} {move / rows[0][4]:8.2f}"
        )


if __name__ == "__main__":
    main()
