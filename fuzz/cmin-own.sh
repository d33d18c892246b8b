#!/usr/bin/env bash
# Minimizes every fuzz target's corpus over the edges of webhook-kit's own
# code (the webhook-kit and webhook-kit-fuzz packages) instead of every
# edge in the binary.
#
#   fuzz/cmin-own.sh                every target
#   fuzz/cmin-own.sh parse custom   only the targets named
#
# Why only the crate's own edges: `cargo fuzz` instruments every crate, so a
# plain `cargo fuzz cmin` also keeps an input for each new edge it reaches
# inside a dependency (serde_json, the signature crates, base64, time, …).
# Those edges belong to code this project neither writes nor fuzzes; the
# corpus is there to reach every edge of ours, in as few inputs as it can.
# Here the merge runs on a second build of the targets, in its own target
# directory (target/cmin, git-ignored with the rest of target/), where only
# the two packages above carry SanitizerCoverage; the build `cargo fuzz run`
# uses is not touched. Generic code of a dependency that is instantiated in
# webhook-kit (serde_json's parser over our types, for one) is compiled into
# webhook-kit and so still counts.
#
# Seeds and regressions are never minimized away: they are replayed with the
# corpus on every run, so the merge starts from them and keeps only the
# corpus inputs that reach edges they do not. For each target the script
# prints the own-code `cov` (libFuzzer's edge count, on the build above) of
# the seeds, regressions and corpus, before and after; a target whose `cov`
# would fall keeps its old corpus, and the script exits with status 1.
set -euo pipefail
shopt -s nullglob

# Called by cargo as RUSTC_WRAPPER (`cmin-own.sh <rustc> <args>…`): compile
# webhook-kit and webhook-kit-fuzz as cargo-fuzz asked, every other package
# without the sanitizer-coverage pass and options (the rest of the flags,
# `--cfg fuzzing` and debug assertions among them, stay).
if [[ -n "${CMIN_OWN_WRAPPER:-}" ]]; then
    rustc=$1
    shift
    case "${CARGO_PKG_NAME:-}" in
        webhook-kit | webhook-kit-fuzz) exec "$rustc" "$@" ;;
    esac
    args=()
    for arg in "$@"; do
        case "$arg" in
            -Cpasses=sancov-module | -Cllvm-args=-sanitizer-coverage-*) ;;
            *) args+=("$arg") ;;
        esac
    done
    exec "$rustc" "${args[@]}"
fi

cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
targets=(funnel fourvenues falu clickfunnels standard headers parse v1a presets custom senders)
[[ $# -gt 0 ]] && targets=("$@")

CMIN_OWN_WRAPPER=1 RUSTC_WRAPPER="$PWD/cmin-own.sh" \
    cargo fuzz build -s none --target-dir target/cmin
bin=target/cmin/x86_64-unknown-linux-gnu/release

# The own-code `cov` libFuzzer reports after replaying the directories given.
own_cov() {
    "$bin/$1" -runs=0 "${@:2}" 2>&1 | grep -o 'INITED cov: [0-9]*' | grep -o '[0-9]*$'
}

status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    kept=("seeds/$t")
    [[ -d "regressions/$t" ]] && kept+=("regressions/$t")
    before=$(own_cov "$t" "corpus/$t" "${kept[@]}")
    old=$(find "corpus/$t" -type f | wc -l)

    work=$(mktemp -d)
    mkdir "$work/new"
    # Seeds and regressions go in first, so that their edges count as
    # covered already; they are taken out again after the merge.
    for dir in "${kept[@]}"; do
        for f in "$dir"/*; do
            cp "$f" "$work/new/kept-${dir%%/*}-$(basename "$f")"
        done
    done
    "$bin/$t" -merge=1 -set_cover_merge=1 -use_counters=0 \
        "$work/new" "corpus/$t" >"$work/merge.log" 2>&1 ||
        { cat "$work/merge.log" >&2; exit 1; }
    rm -f "$work"/new/kept-*
    after=$(own_cov "$t" "$work/new" "${kept[@]}")
    new=$(find "$work/new" -type f | wc -l)
    if ((after < before)); then
        # An edge that not every execution reaches can make this happen;
        # the corpus is left as it was, and a second try usually agrees.
        printf '%-13s kept as it was: own-code cov %s -> %s\n' "$t" "$before" "$after" >&2
        status=1
    else
        rm -r "corpus/$t"
        mv "$work/new" "corpus/$t"
        printf '%-13s %5s -> %5s inputs, own-code cov %s -> %s\n' \
            "$t" "$old" "$new" "$before" "$after"
    fi
    rm -r "$work"
done
exit "$status"
