#!/usr/bin/env bash
# Mutation testing of drumnmf's core modules with mutmut (3.x).
#
#   scripts/mutation.sh                 # every core module, smallest first
#   scripts/mutation.sh kit onsets      # some of them
#   JOBS=1 NICE=15 scripts/mutation.sh export
#
# Each module is mutated on its own, in a copy of the working tree under $MUTATION_DIR
# (default /tmp/drumnmf-mutation/MODULE; the tree itself is never touched), against its own
# test files only (MODULES below). mutmut then runs, for each mutant, only the tests that
# call the mutated function. Per module it writes MODULE.json (mutmut's counts) and
# MODULE.survivors.txt (every mutant not killed, with its diff) to $MUTATION_OUT (default
# $MUTATION_DIR/results), and prints one table row per module: killed / total.
# Surviving mutants judged equivalent are listed, with the reason, in docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# module: "source files to mutate (globs) | test files"
declare -A MODULES=(
    [spectrogram]="src/drumnmf/spectrogram.py | tests/test_spectrogram.py"
    [features]="src/drumnmf/features.py | tests/test_features.py"
    [export]="src/drumnmf/io/export.py | tests/io/test_export.py"
    [onsets]="src/drumnmf/onsets.py | tests/test_onsets.py tests/test_timing.py"
    [kit]="src/drumnmf/kit.py | tests/test_kit.py tests/test_default_kit.py"
    [factorization]="src/drumnmf/factorization/*.py | tests/test_factorization.py"
    [pipeline]="src/drumnmf/pipeline.py | tests/test_pipeline.py tests/test_timing.py"
    [metrics]="src/drumnmf/evaluation/metrics.py src/drumnmf/evaluation/pairing.py | tests/evaluation/test_metrics.py tests/evaluation/test_pairing.py tests/cli/test_cli_evaluate.py"
)
ORDER=(spectrogram features export onsets kit factorization pipeline metrics)

JOBS=${JOBS:-2}
NICE=${NICE:-10}
WORK=${MUTATION_DIR:-/tmp/drumnmf-mutation}
OUT=${MUTATION_OUT:-$WORK/results}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

if [ ! -x "$PYTHON" ]; then
    echo "no $PYTHON: run scripts/test.sh first (it makes .venv)" >&2
    exit 2
fi
if ! "$PYTHON" -c "import mutmut" 2>/dev/null; then
    echo "== installing drumnmf[mutation] into .venv"
    "$PYTHON" -m pip install -q -e '.[mutation]'
fi

selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${ORDER[@]}")
for module in "${selected[@]}"; do
    if [ -z "${MODULES[$module]+x}" ]; then
        echo "unknown module '$module'; choose from: ${ORDER[*]}" >&2
        exit 2
    fi
done

toml_list() {  # words -> TOML list of strings
    local out="" word
    for word in "$@"; do out+="${out:+, }\"$word\""; done
    echo "[$out]"
}

mkdir -p "$OUT"
printf '%-14s %7s %7s %9s %8s %9s %7s\n' module mutants killed survived "no tests" timeout "killed%"
for module in "${selected[@]}"; do
    spec=${MODULES[$module]}
    read -r -a sources <<<"${spec%%|*}"
    read -r -a candidates <<<"${spec##*|}"
    tests=()
    for t in "${candidates[@]}"; do [ -e "$t" ] && tests+=("$t"); done
    copy="$WORK/$module"
    rm -rf "$copy"
    mkdir -p "$copy"
    # the working tree as it is (tracked and new files, not ignored ones)
    git ls-files -z --cached --others --exclude-standard \
        | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$copy"
    cat >>"$copy/pyproject.toml" <<EOF

[tool.mutmut]
source_paths = ["src"]
only_mutate = $(toml_list "${sources[@]}")
pytest_add_cli_args_test_selection = $(toml_list "${tests[@]}")
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]
use_git_change_detection = false
EOF
    (
        cd "$copy"
        nice -n "$NICE" "$PYTHON" -m mutmut run --max-children "$JOBS" >mutmut.log 2>&1 || true
        "$PYTHON" -m mutmut export-cicd-stats >/dev/null 2>&1 || true
        cp mutants/mutmut-cicd-stats.json "$OUT/$module.json" 2>/dev/null || true
        : >"$OUT/$module.survivors.txt"
        "$PYTHON" -m mutmut results 2>/dev/null \
            | awk -F': ' '$2 != "killed" && $2 != "timeout" {gsub(/^ +/, "", $1); print $1}' \
            | while read -r name; do
                "$PYTHON" -m mutmut show "$name" >>"$OUT/$module.survivors.txt" 2>&1 || true
                echo >>"$OUT/$module.survivors.txt"
            done
    )
    if [ -s "$OUT/$module.json" ]; then
        "$PYTHON" - "$module" "$OUT/$module.json" <<'EOF'
import json, sys
module, path = sys.argv[1], sys.argv[2]
s = json.load(open(path))
total = s["total"]
caught = s["killed"] + s["timeout"]
rate = 100.0 * caught / total if total else 0.0
print(f"{module:<14} {total:>7} {s['killed']:>7} {s['survived']:>9} {s['no_tests']:>8} "
      f"{s['timeout']:>9} {rate:>6.1f}%")
EOF
    else
        echo "$module: mutmut failed, see $copy/mutmut.log" >&2
    fi
done
echo "details: $OUT/MODULE.survivors.txt (mutants not killed, with diffs)"
