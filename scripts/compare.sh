#!/usr/bin/env bash
# Rust CLI vs Python vs keyword baseline on the same prompts and model, from
# a fresh checkout: creates target/bench-venv (pip, PyPI) with the pinned
# scripts/requirements-bench.txt, builds the release CLI, and runs
# scripts/compare_python.py with any arguments given here, e.g.
#
#   scripts/compare.sh                                  # benches/data/prompts.txt, 5 runs
#   scripts/compare.sh --prompts data/dev/x.jsonl --repeat 9 --markdown target/bench/compare.md
#
# Honours CARGO_TARGET_DIR (where the CLI is built) and CARGO_BUILD_JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv=$root/target/bench-venv
target_dir=${CARGO_TARGET_DIR:-$root/target}

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
    -r scripts/requirements-bench.txt

cargo build --release --bin detrigger
exec "$venv/bin/python" scripts/compare_python.py --detrigger "$target_dir/release/detrigger" "$@"
