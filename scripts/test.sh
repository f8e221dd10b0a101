#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, the layer check, clippy,
# and every test on SQLite and on a throwaway PostgreSQL cluster, browser
# tests in headless Chromium included.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh

# Reuse a build directory outside the checkout when there is one.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  for d in /work/target "$HOME/.cache/itaku-target"; do
    if [ -d "$d" ]; then export CARGO_TARGET_DIR="$d"; break; fi
  done
fi
echo "Build directory: ${CARGO_TARGET_DIR:-target}"

# shellcheck source=scripts/pg-cluster.sh
source scripts/pg-cluster.sh start
trap 'source scripts/pg-cluster.sh stop' EXIT
export CI="${CI:-1}"   # the PostgreSQL half may not be skipped here

cargo fmt --all -- --check
scripts/check-layers.sh
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked --no-fail-fast 2>&1 | tee /tmp/itaku-test.log
python3 - <<'PY'
import re
text = open("/tmp/itaku-test.log", encoding="utf-8", errors="replace").read()
passed = sum(int(m) for m in re.findall(r"test result: \w+\. (\d+) passed", text))
failed = sum(int(m) for m in re.findall(r"(\d+) failed;", text))
print(f"{passed} passed, {failed} failed")
PY
