"""Make docs/score.png: the score of the built-in example, as drumnmf transcribes it.

Transcribes ``src/drumnmf/data/example.flac`` with the default kit (``drumnmf transcribe
--score``), writes the MusicXML and engraves it with MuseScore 3 (``mscore3``, Debian
``musescore3``), trimmed to the music.

    python scripts/score_image.py [--out docs/score.png]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import drumnmf
from drumnmf.example import example_path
from drumnmf.io.musicxml import write_musicxml

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "score.png")
    args = parser.parse_args()
    exe = shutil.which("mscore3") or shutil.which("musescore3")
    if exe is None:
        print("needs MuseScore 3: apt-get install musescore3", file=sys.stderr)
        return 1
    result = drumnmf.transcribe(example_path())
    score = result.to_score(title="drumnmf example (transcribed)")
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "example.musicxml"
        write_musicxml(xml, score)
        png = Path(tmp) / "example.png"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        subprocess.run(
            [exe, "-T", "20", "-r", "110", "-o", str(png), str(xml)],
            check=True,
            env=env,
            capture_output=True,
        )
        pages = sorted(Path(tmp).glob("example*.png"))
        shutil.copyfile(pages[0], args.out)
    print(
        f"{args.out}: {score.tempo:.0f} BPM, {score.time_signature}, {len(score.bars)} bars "
        f"({len(pages)} page(s); the first is kept)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
