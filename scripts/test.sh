#!/usr/bin/env bash
# Install drumnmf with its test dependencies into ./.venv and run the checks and the test suite.
# On Debian as root it also installs Chromium for the report's browser tests and MuseScore 3 for
# the MusicXML tests (both skipped without them, except with CI=true for MuseScore).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
    echo "== installing chromium (browser tests)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v mscore3 >/dev/null 2>&1; then
    echo "== installing musescore3 (MusicXML tests)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musescore3 >/dev/null
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
