#!/usr/bin/env bash
# web and cli reach storage only through the service layer: neither may
# depend on itaku-store, name it in their sources, or get it re-exported.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import json, subprocess, sys, pathlib
meta = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--no-deps", "--offline"]))
bad = []
for p in meta["packages"]:
    if p["name"] in ("itaku-web", "itaku-cli", "itaku-testkit"):
        for d in p["dependencies"]:
            if d["name"] == "itaku-store":
                bad.append(f'{p["name"]} depends on itaku-store ({d["kind"] or "normal"})')
for crate in ("web", "cli", "testkit"):
    for f in pathlib.Path("crates", crate).rglob("*.rs"):
        if "itaku_store" in f.read_text(encoding="utf-8"):
            bad.append(f"{f} names itaku_store")
for f in pathlib.Path("crates/service/src").rglob("*.rs"):
    for line in f.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if s.startswith("pub use itaku_store") and "testing" not in s:
            bad.append(f"{f} re-exports the store: {s}")
if bad:
    print("Layer check failed: storage must be reached only through itaku-service.", file=sys.stderr)
    for b in bad:
        print("  - " + b, file=sys.stderr)
    sys.exit(1)
print("Layer check: web, cli and testkit reach storage only through itaku-service.")
PY
