#!/usr/bin/env bash
# Builds the C API (with the test hooks), compiles each C test against
# include/detrigger.h and runs it twice: with AddressSanitizer + UBSan, and
# without sanitizers under valgrind. Then builds and runs examples/c/score.c.
#
#   bash tests/c/run.sh
#
# Environment: CARGO_TARGET_DIR (default target/), DETRIGGER_MODEL_DIR
# (default models/detrigger-intent), CARGO_BUILD_JOBS (default 1),
# SKIP_VALGRIND=1 to run the sanitizer pass only.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
target=$(realpath -m "${CARGO_TARGET_DIR:-$repo/target}")
model_dir=${DETRIGGER_MODEL_DIR:-$repo/models/detrigger-intent}
nan_dir=$repo/tests/data/nan-bundle
out=$target/c-tests
mkdir -p "$out"

timings=()
step() { # step NAME COMMAND...: runs a command and records its wall time
    local name=$1 start
    shift
    echo "== $name"
    start=$EPOCHREALTIME
    "$@"
    timings+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" -v n="$name" 'BEGIN { printf "%7.1fs  %s", b - a, n }')")
}

# The tools, installed from Debian's packages when missing (CI runs as root).
for tool in gcc g++ valgrind; do
    if ! command -v "$tool" >/dev/null; then
        [[ $tool == valgrind && -n ${SKIP_VALGRIND:-} ]] && continue
        if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
            apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null
        else
            echo "tests/c/run.sh needs $tool" >&2
            exit 1
        fi
    fi
done

step "cargo build (ffi-test-hooks)" cargo build --lib --features ffi-test-hooks -j"${CARGO_BUILD_JOBS:-1}"
libdir=$target/debug
[[ -f $libdir/libdetrigger.so ]] || { echo "no $libdir/libdetrigger.so" >&2; exit 1; }

# A file that exists but is not a library: see test_runtime_unavailable.c.
junk=$out/not-a-library.so
echo "this is not a shared library" >"$junk"

cflags=(-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g -Iinclude -Itests/c -DDETRIGGER_TEST_HOOKS)
link=(-L"$libdir" -ldetrigger -Wl,-rpath,"$libdir" -lpthread -lm)

# The header must also compile as C++ (cbindgen's cpp_compat guards).
step "header compiles as C++" g++ -std=c++11 -fsyntax-only -Wall -Werror -x c++ include/detrigger.h

# run_test NAME ARGS...: the same program under both tools.
run_test() {
    local name=$1
    shift
    local env=()
    [[ $name == test_runtime_unavailable ]] && env=(ORT_DYLIB_PATH="$junk")

    gcc "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer "tests/c/$name.c" "${link[@]}" \
        -o "$out/$name-asan"
    # Any ASan, UBSan or LeakSanitizer report fails the run; none is suppressed.
    step "$name (ASan+UBSan)" env "${env[@]}" \
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$out/$name-asan" "$@"

    if [[ -z ${SKIP_VALGRIND:-} ]]; then
        gcc "${cflags[@]}" -O1 "tests/c/$name.c" "${link[@]}" -o "$out/$name"
        # Two suppressions, for code that is not ours: see tests/c/valgrind.supp.
        step "$name (valgrind)" env "${env[@]}" valgrind --quiet --error-exitcode=1 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect,possible --show-leak-kinds=definite,indirect,possible \
            --suppressions="$repo/tests/c/valgrind.supp" "$out/$name" "$@"
    fi
}

run_test test_api "$model_dir" "$nan_dir" "$repo"
run_test test_threads "$model_dir"
run_test test_runtime_unavailable "$nan_dir"

# The example, built the way its first comment line says (with the target
# directory spelled out).
step "example builds" gcc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/score.c -L"$libdir" -ldetrigger \
    -Wl,-rpath,"$libdir" -o "$out/score"
step "example runs" "$out/score" "$model_dir" "How do I kill a zombie process?"

echo
echo "C API tests passed. Timings:"
printf '%s\n' "${timings[@]}"
