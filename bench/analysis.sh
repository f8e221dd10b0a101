#!/usr/bin/env bash
# Effect analysis benchmark: the full analysis (tables and tests, Mantel–
# Haenszel with Breslow–Day/Tarone, ITT/CACE, logistic regression and its
# nested model, T-learner + Qini) on N simulated outcomes (default 1,000,000)
# in Rust, against the same computations in pandas + statsmodels on the same
# rows, measured in the same run, RUNS times alternating (default 3).
# Prints each side's timings and check lines, then a side-by-side summary.
# Usage: bench/analysis.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
RUNS=${2:-3}
VENV=${ITAKU_BENCH_VENV:-/tmp/itaku-effect-fixtures-venv}
PINS="numpy==2.4.6 scipy==1.17.1 statsmodels==0.15.0 pandas==3.1.1"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q $PINS
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/targets/analysis-release}
cargo build --release -q -p itaku-analysis --example effect_bench
RUST="$CARGO_TARGET_DIR/release/examples/effect_bench"
PY="$VENV/bin/python crates/analysis/tests/reference/bench_statsmodels.py"
OUT=$(mktemp -d)
for r in $(seq 1 "$RUNS"); do
  "$RUST" "$N" >"$OUT/rust.$r"
  $PY "$N" >"$OUT/py.$r"
done
echo "== last run, Rust =="; cat "$OUT/rust.$RUNS"
echo "== last run, pandas + statsmodels =="; cat "$OUT/py.$RUNS"
echo "== check lines that differ (Rust < > pandas+statsmodels; none means same numbers) =="
diff <(grep '^check' "$OUT/rust.$RUNS") <(grep '^check' "$OUT/py.$RUNS") || true
echo "== totals =="
printf '%-4s %12s %22s %8s\n' run Rust pandas+statsmodels ratio
for r in $(seq 1 "$RUNS"); do
  a=$(awk '/^total/ {print $2}' "$OUT/rust.$r")
  b=$(awk '/^total/ {print $2}' "$OUT/py.$r")
  printf '%-4s %10.3f s %20.3f s %7.1f×\n' "$r" "$a" "$b" "$(echo "$b / $a" | bc -l)"
done
rm -rf "$OUT"
