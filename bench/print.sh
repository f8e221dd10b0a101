#!/usr/bin/env bash
# Postcard rendering benchmark: N synthetic postcards (default 50000),
# rendered in batches on all cores, against an anchor measured in the same
# run (the same page count as one plain text line per page, same fonts,
# batches and threads). Prints time, pages, bytes and peak RSS of each.
# Usage: bench/print.sh [N] [extra args, e.g. --batch 1000 --threads 2 --out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50000}
shift || true
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/targets/print-release}
cargo build --release -q -p itaku-print --example bench_postcards
"$CARGO_TARGET_DIR/release/examples/bench_postcards" "$N" "$@"
