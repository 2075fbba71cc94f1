#!/usr/bin/env bash
# Runs every tend-gatt fuzz target for a bounded time (scripts/fuzz says how).
#
#   crates/gatt/fuzz/run.sh [SECONDS_PER_TARGET]   (default 5)
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then sed -n '2,/^if /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; fi
exec "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/fuzz" "${1:-5}" crates/gatt/fuzz
