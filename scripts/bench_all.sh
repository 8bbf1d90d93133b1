#!/usr/bin/env bash
# Every measurement in benches/README.md, in one go, into target/bench/:
#
#   machine.txt      lscpu, core count, load average before and after
#   criterion.md     `cargo bench` medians (scripts/criterion_table.py); raw log in criterion.log
#   compare.md       scripts/compare.sh (Rust CLI vs Python vs keyword)
#   rss.md           scripts/measure_rss.sh (peak RSS on 10,000 prompts)
#   perf.txt         where the CLI's model path spends its time (needs `perf`; skipped without it)
#
#   scripts/bench_all.sh                  # about 15 minutes on 2 idle cores
#   STAGES="compare rss" scripts/bench_all.sh
#
# Run it on an otherwise idle machine: it warns when the load average is
# above 1.2, and the numbers are only comparable to others taken idle.
# Honours CARGO_TARGET_DIR and CARGO_BUILD_JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
out=target/bench
mkdir -p "$out"
stages=${STAGES:-"criterion compare rss perf"}

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN { exit !(l > 1.2) }'; then
    echo "bench_all: load average is $load; numbers taken now will be slower than on an idle machine" >&2
fi
{
    lscpu | head -20
    echo
    echo "cores: $(nproc)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"

# Build everything first, so no build overlaps a measurement.
cargo build --release --bin detrigger
[[ " $stages " == *" criterion "* ]] && cargo bench --no-run

for stage in $stages; do
    echo "bench_all: $stage ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    case $stage in
        criterion)
            cargo bench > "$out/criterion.log" 2>&1
            python3 scripts/criterion_table.py > "$out/criterion.md"
            ;;
        compare) scripts/compare.sh --markdown "$out/compare.md" > /dev/null ;;
        rss) scripts/measure_rss.sh > "$out/rss.md" ;;
        perf)
            if ! command -v perf > /dev/null; then
                echo "bench_all: no perf; skipping the profile" >&2
                continue
            fi
            [ -f "$out/prompts-10k.txt" ] || awk 'NF { l[n++] = $0 } END { for (i = 0; i < 10000; i++) print l[i % n] }' \
                benches/data/prompts.txt > "$out/prompts-10k.txt"
            perf record -q -F 999 -g -o "$out/perf.data" "$CARGO_TARGET_DIR/release/detrigger" score --scorer model \
                --threads 1 < "$out/prompts-10k.txt" > /dev/null
            {
                echo "Share of samples by shared object:"
                perf report -i "$out/perf.data" --no-children --sort dso --stdio -g none 2> /dev/null | grep -v '^#' | grep -v '^$'
                echo
                echo "Top symbols:"
                perf report -i "$out/perf.data" --no-children --sort dso,sym --stdio -g none 2> /dev/null \
                    | grep -v '^#' | grep -v '^$' | head -40
            } > "$out/perf.txt" || true # head closes the pipe early
            ;;
        *) echo "bench_all: unknown stage $stage" >&2; exit 2 ;;
    esac
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
echo "bench_all: results in $out/" >&2
