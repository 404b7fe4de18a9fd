"""Make docs/editor.png: the report's editor on the built-in example, in headless Chromium.

Transcribes the example, writes its report, raises the hi-hat threshold with its slider,
adds a kick by clicking the kick lane in edit mode, selects a snare hit and photographs the
timeline and the editor panel.

    .venv/bin/python scripts/editor_screenshot.py [--out docs/editor.png]

Needs Chromium (``/usr/bin/chromium`` or ``DRUMNMF_CHROMIUM``) and ``drumnmf[browser]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/editor.png"))
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from drumnmf.display.report import write_report
    from drumnmf.example import example_path
    from drumnmf.pipeline import transcribe

    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "example.html"
        write_report(transcribe(example_path()), page_path, note_map="roland-td17")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("DRUMNMF_CHROMIUM", "/usr/bin/chromium"), args=ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(page_path.as_uri())
            page.wait_for_function("window.drumnmfReport && window.drumnmfReport.editor")
            r, e = "window.drumnmfReport", "window.drumnmfReport.editor"
            drums = page.evaluate(f"{r}.drums()")
            slider = page.locator(f"#ed-offset-{drums.index('hihat')}")
            slider.focus()
            for _ in range(6):
                page.keyboard.press("ArrowRight")
            page.locator("#ed-mode").check()
            page.evaluate(f"window.scrollTo(0, 0); {r}.setView(2, 7)")
            page.evaluate(f"{e}.add('kick', 3.5)")
            page.evaluate(f"{r}.redraw()")
            snare = page.evaluate(f"{r}.marks('snare')")[1]
            page.mouse.click(snare["x"], snare["y"])
            page.mouse.move(snare["x"] + 200, snare["y"] + 300)
            page.wait_for_timeout(300)
            top = page.evaluate("document.getElementById('player').getBoundingClientRect().top")
            box = page.evaluate(
                "(() => { const b = document.getElementById('editor').getBoundingClientRect();"
                " return {bottom: b.bottom, width: document.documentElement.clientWidth}; })()"
            )
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(args.out),
                clip={
                    "x": 0,
                    "y": top - 8,
                    "width": box["width"],
                    "height": box["bottom"] - top + 16,
                },
            )
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
