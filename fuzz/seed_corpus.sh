#!/usr/bin/env bash
# Seeds each fuzz target's corpus directory (fuzz/corpus/TARGET/, not committed) from
# the repository's own inputs: the built-in library under scenarios/, the malformed
# cases under tests/malformed/, and the JSON forms of the built-ins under fuzz/seeds/json/.
# Safe to run again: it only adds files. Run from anywhere; see docs/ROBUSTNESS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

seed() {
    local target=$1
    shift
    mkdir -p "fuzz/corpus/$target"
    cp "$@" "fuzz/corpus/$target/"
    echo "fuzz/corpus/$target: $(ls "fuzz/corpus/$target" | wc -l) files"
}

builtins=(scenarios/*.yaml scenarios/topologies/*.yaml scenarios/policies/*.yaml)
seed yaml_document "${builtins[@]}" tests/malformed/*.yaml
seed json_document fuzz/seeds/json/*.json tests/malformed/*.json
seed scenario_compiler scenarios/*.yaml tests/malformed/scenario_*.yaml
