#!/usr/bin/env bash
# Install drumnmf with its test dependencies into ./.venv and run the checks and the test suite.
#
# On Debian as root it first installs the Debian packages the tests use (apt-get update only
# when one is missing): Hydrogen's drum kits (rendering), fluidsynth with the FluidR3 GM
# SoundFont (SoundFont kits), Chromium (the report's browser tests) and MuseScore 3 (the
# MusicXML tests). Elsewhere those tests skip with the reason; with CI=true they fail instead
# (tests/dependencies.py: require).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
    hydrogen-drumkits hydrogen-data       # tests/evaluation: real Hydrogen kits
    fluidsynth fluid-soundfont-gm         # tests/evaluation: SoundFont kits
    chromium fonts-liberation             # tests/display/test_report_browser.py
    musescore3                            # the MusicXML tests
    libportaudio2                         # drumnmf[live]: sounddevice (drumnmf listen)
)

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    missing=()
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing Debian packages: ${missing[*]}"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
elif [ "${CI:-}" = true ]; then
    echo "== not root on Debian: install ${APT_PACKAGES[*]} yourself" >&2
fi

echo "== installing drumnmf[dev] into .venv"
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'

echo "== ruff"
.venv/bin/ruff check src tests benchmarks scripts
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest "$@"
