#!/usr/bin/env bash
# Runs every tend-import fuzz target for a bounded time, seeded from corpus/<target>/, and prints the
# executions per target. Works on the stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its
# -Z flags, and `-s none` skips AddressSanitizer (safe Rust only; debug assertions and overflow
# checks stay on). New inputs go to a scratch directory, so the committed seeds never change.
#
#   crates/import/fuzz/run.sh [SECONDS_PER_TARGET]   (default 5; 10 targets)
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then sed -n '2,/^if /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; fi
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
seconds="${1:-5}"
target_dir="${FUZZ_TARGET_DIR:-$HOME/.cache/tend/fuzz-target}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none --target-dir "$target_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
total=0
for target in $(cargo fuzz list); do
    mkdir -p "$work/$target" "$work/artifacts/$target"
    log="$work/$target.log"
    if ! cargo fuzz run -s none --target-dir "$target_dir" "$target" "$work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -artifact_prefix="$work/artifacts/$target/" >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "fuzz: $target FAILED (crash input kept in fuzz/artifacts/$target/)" >&2
        mkdir -p "artifacts/$target" && cp -r "$work/artifacts/$target/." "artifacts/$target/"
        exit 1
    fi
    runs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")"
    total=$((total + ${runs:-0}))
    printf 'fuzz: %-18s %12s executions, no crash\n' "$target" "${runs:-?}"
done
echo "fuzz: $total executions over all targets, no crash"
