#!/usr/bin/env bash
# Runs every fuzz target from corpus/<target> plus the committed seeds and
# regressions, and prints the executions each reached. Logs go to
# runs/<target>.log (git-ignored).
#
#   fuzz/run-all.sh [SECONDS]          each target for SECONDS (default 120)
#   RUNS=5000000 fuzz/run-all.sh       each target to RUNS executions instead
#   JOBS=1 fuzz/run-all.sh             one target at a time (default 2 at once)
#   fuzz/run-all.sh 60 presets custom  only the targets named
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-120}
[[ $# -gt 0 ]] && shift
runs=${RUNS:-}
jobs=${JOBS:-2}
export RUSTC_BOOTSTRAP=1
targets=(funnel fourvenues falu clickfunnels standard headers parse v1a presets custom senders)
[[ $# -gt 0 ]] && targets=("$@")
if [[ -n "$runs" ]]; then
    limit=(-runs="$runs")
else
    limit=(-max_total_time="$seconds")
fi
cargo fuzz build
mkdir -p runs
run() {
    local t=$1
    mkdir -p "corpus/$t" "seeds/$t"
    local dirs=("corpus/$t" "seeds/$t")
    [[ -d "regressions/$t" ]] && dirs+=("regressions/$t")
    cargo fuzz run "$t" "${dirs[@]}" -- "${limit[@]}" -print_final_stats=1 \
        >"runs/$t.log" 2>&1 && status=ok || status="FAILED (see runs/$t.log)"
    printf '%-13s %s executions in %s s, %s\n' "$t" \
        "$(grep -o 'number_of_executed_units: [0-9]*' "runs/$t.log" | grep -o '[0-9]*$' || echo '?')" \
        "$(grep -o 'Done [0-9]* runs in [0-9]*' "runs/$t.log" | grep -o '[0-9]*$' || echo '?')" "$status"
}
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
    for ((j = i; j < i + jobs && j < ${#targets[@]}; j++)); do
        run "${targets[j]}" &
    done
    wait
done
