#!/usr/bin/env bash
# Checks that include/detrigger.h is what cbindgen generates from src/ffi.
#
#   bash scripts/check_header.sh           # fail (exit 1) and show the diff if stale
#   bash scripts/check_header.sh --update  # rewrite include/detrigger.h
#
# cbindgen's output changes between versions, so the version is pinned here
# and installed (from crates.io, into $CBINDGEN_ROOT) when missing or
# different. Bump it deliberately, together with the regenerated header.
set -euo pipefail

CBINDGEN_VERSION=0.29.4
CBINDGEN_ROOT=${CBINDGEN_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/target/tools}
cd "$(dirname "$0")/.."

cbindgen="$CBINDGEN_ROOT/bin/cbindgen"
if [[ ! -x $cbindgen ]] || [[ $("$cbindgen" --version) != "cbindgen $CBINDGEN_VERSION" ]]; then
    echo "check_header: installing cbindgen $CBINDGEN_VERSION into $CBINDGEN_ROOT" >&2
    cargo install cbindgen --version "=$CBINDGEN_VERSION" --locked --root "$CBINDGEN_ROOT" >&2
fi

generated=$(mktemp --suffix=.h)
trap 'rm -f "$generated"' EXIT
# cbindgen only parses source; it needs no build, so this is quick.
"$cbindgen" --quiet --config cbindgen.toml --crate detrigger --output "$generated" .

if [[ ${1:-} == --update ]]; then
    cp "$generated" include/detrigger.h
    echo "check_header: wrote include/detrigger.h"
elif ! diff -u include/detrigger.h "$generated"; then
    echo "check_header: include/detrigger.h is stale; run: bash scripts/check_header.sh --update" >&2
    exit 1
else
    echo "check_header: include/detrigger.h is up to date (cbindgen $CBINDGEN_VERSION)"
fi
