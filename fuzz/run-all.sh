#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 120), two at a time, from
# corpus/<target> plus the committed seeds and regressions, and prints the
# executions each reached. Logs go to runs/<target>.log (git-ignored).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-120}
export RUSTC_BOOTSTRAP=1
targets=(funnel fourvenues falu clickfunnels standard headers parse v1a)
cargo fuzz build
mkdir -p runs
run() {
    local t=$1
    mkdir -p "corpus/$t" "seeds/$t"
    local dirs=("corpus/$t" "seeds/$t")
    [[ -d "regressions/$t" ]] && dirs+=("regressions/$t")
    cargo fuzz run "$t" "${dirs[@]}" -- -max_total_time="$seconds" -print_final_stats=1 \
        >"runs/$t.log" 2>&1 && status=ok || status="FAILED (see runs/$t.log)"
    printf '%-13s %s executions, %s\n' "$t" \
        "$(grep -o 'number_of_executed_units: [0-9]*' "runs/$t.log" | grep -o '[0-9]*$' || echo '?')" "$status"
}
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" &
    if ((i + 1 < ${#targets[@]})); then run "${targets[i + 1]}" & fi
    wait
done
