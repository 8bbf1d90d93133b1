#!/usr/bin/env bash
# Peak resident memory (GNU time's "Maximum resident set size") of
# `detrigger score` over 10,000 prompts, for the model scorer (1 and 2
# threads) and the keyword scorer, plus each with empty input (start-up and
# load only). The input cycles benches/data/prompts.txt and is written to
# target/bench/prompts-10k.txt. Prints a Markdown table of medians.
#
#   scripts/measure_rss.sh            # 3 runs of each
#   RUNS=5 scripts/measure_rss.sh
#
# Installs Debian's `time` package if /usr/bin/time is missing (needs root).
# Honours CARGO_TARGET_DIR and CARGO_BUILD_JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
bin=$target_dir/release/detrigger
runs=${RUNS:-3}
prompts=10000

if ! /usr/bin/time -v true >/dev/null 2>&1; then
    echo "measure_rss: installing GNU time (Debian package 'time')" >&2
    apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
cargo build --release --bin detrigger

mkdir -p target/bench
input=target/bench/prompts-10k.txt
awk -v n="$prompts" 'NF { lines[count++] = $0 } END { for (i = 0; i < n; i++) print lines[i % count] }' \
    benches/data/prompts.txt > "$input"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# measure LABEL INPUT ARGS... -> "LABEL|median kB|median wall s|median CPU s"
measure() {
    local label=$1 source=$2
    shift 2
    local rss=() wall=() cpu=()
    for _ in $(seq "$runs"); do
        /usr/bin/time -v -o "$log" "$bin" score "$@" < "$source" > /dev/null
        rss+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")")
        # h:mm:ss or m:ss.ss
        wall+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {
            n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$log")")
        cpu+=("$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { print s }' "$log")")
    done
    printf '%s|%s|%s|%s\n' "$label" "$(median "${rss[@]}")" "$(median "${wall[@]}")" "$(median "${cpu[@]}")"
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "Peak RSS of \`detrigger score\`, median of $runs runs; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| scorer | input | peak RSS (MiB) | peak RSS (MB) | wall (s) | CPU (s) |"
echo "|---|---|---:|---:|---:|---:|"
{
    measure "model, 1 thread|$prompts prompts" "$input" --scorer model --threads 1
    measure "model, 2 threads|$prompts prompts" "$input" --scorer model --threads 2
    measure "model, 1 thread|empty (load only)" /dev/null --scorer model --threads 1
    measure "keyword|$prompts prompts" "$input" --scorer keyword
    measure "keyword|empty (load only)" /dev/null --scorer keyword
} | awk -F'|' '{ printf "| %s | %s | %.1f | %.1f | %.2f | %.2f |\n", $1, $2, $3 / 1024, $3 * 1024 / 1e6, $4, $5 }'
