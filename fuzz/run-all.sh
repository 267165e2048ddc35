#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30), one after another,
# starting from the committed seeds (fuzz/corpus/TARGET) and a working copy
# of them (fuzz/work/TARGET, not committed, where new inputs accumulate).
# Needs nightly and cargo-fuzz (`cargo install cargo-fuzz`).
# Prints one summary line per target: executions, exec/s, new corpus size.
# Exit status: non-zero when any target found a crash (kept in fuzz/artifacts/TARGET).
set -u
seconds="${1:-30}"
cd "$(dirname "$0")/.."
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^browser-cors-fuzz$')
cargo +nightly fuzz build >/dev/null || exit 2
status=0
mkdir -p fuzz/logs
for t in $targets; do
    mkdir -p "fuzz/work/$t"
    log="fuzz/logs/$t.log"
    if ! cargo +nightly fuzz run "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1; then
        status=1
        echo "$t: FINDING, see $log and fuzz/artifacts/$t"
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(find "fuzz/work/$t" -type f | wc -l)
    echo "$t: ${execs:-?} execs, ${rate:-?} exec/s, ${seconds}s, working corpus $corpus"
done
exit $status
