#!/usr/bin/env bash
# Install the Debian packages that the development corpus and the kit/example builders use:
# Hydrogen drum kits (rendering), fluidsynth + FluidR3 GM SoundFont, sonic-pi samples.
# Not needed to install or use drumnmf. Run as root (or it prints the command and fails).
set -euo pipefail
packages=(hydrogen-drumkits hydrogen-data fluidsynth fluid-soundfont-gm sonic-pi-samples)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "corpus dependencies already installed: ${packages[*]}"
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "installing: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }
