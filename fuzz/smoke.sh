#!/usr/bin/env bash
# Fuzz smoke test: builds every fuzz target once, then runs each for SECONDS
# (default 30, at most 60) starting from its seed corpus in fuzz/seeds/.
#
#   bash fuzz/smoke.sh [SECONDS]
#
# Exits non-zero if any target crashes, printing the crashing inputs under
# fuzz/artifacts/<target>/. Reproduce one with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
# and keep it forever by copying the minimised input into
# tests/fuzz_regressions/<target>/ (see the README's Fuzzing section).
#
# Toolchain: with a nightly toolchain installed the targets are built with
# AddressSanitizer (cargo-fuzz's default), which also catches the C API's
# leaks and out-of-bounds writes. Sanitizers need nightly (-Zsanitizer), so
# on stable alone the targets are built with `-s none`: panics, assertion
# failures and aborts are still caught, memory errors mostly are not.
#
# Environment: CARGO_BUILD_JOBS limits build parallelism; FUZZ_TARGETS
# (space-separated) runs a subset.
set -euo pipefail

seconds="${1:-30}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "usage: $0 [SECONDS]  (whole seconds per target, 1 to 60)" >&2
    exit 2
fi
if [ "$seconds" -gt 60 ]; then
    echo "smoke.sh: capping $seconds s to 60 s per target (run cargo fuzz directly for longer)" >&2
    seconds=60
fi

cd "$(dirname "${BASH_SOURCE[0]}")"
read -r -a targets <<<"${FUZZ_TARGETS:-keyword keyword_list classifier manifest ffi}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "smoke.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
    sanitizer=address
else
    # -Zsanitizer is nightly-only: without nightly, fuzz uninstrumented.
    toolchain=()
    sanitizer=none
    echo "smoke.sh: no nightly toolchain; fuzzing without sanitizers (-s none)" >&2
fi
# Release build with debug assertions: overflow checks catch arithmetic bugs.
flags=(--release --debug-assertions --sanitizer "$sanitizer")

start=$SECONDS
# One cargo invocation builds all targets; `fuzz run` below then finds them built.
cargo "${toolchain[@]}" fuzz build "${flags[@]}"
echo "smoke.sh: built in $((SECONDS - start)) s"

failed=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    before=$(ls "artifacts/$target")
    echo "smoke.sh: fuzzing $target for $seconds s"
    # corpus/<target> (git-ignored) collects new inputs across runs; seeds/ is read-only.
    # -rss_limit_mb: ONNX Runtime under ASan needs more than the 2 GB default.
    if ! cargo "${toolchain[@]}" fuzz run "${flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1; then
        failed+=("$target")
        echo "smoke.sh: $target FAILED; crashing inputs:" >&2
        comm -13 <(echo "$before") <(ls "artifacts/$target") | sed "s|^|  fuzz/artifacts/$target/|" >&2
    fi
done

echo "smoke.sh: ${#targets[@]} targets, $seconds s each, $((SECONDS - start)) s in all"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "smoke.sh: failed: ${failed[*]}" >&2
    exit 1
fi
