#!/usr/bin/env bash
# Import benchmark (issue 4): N generated target rows in CP932, imported end
# to end by itaku (parse, normalise, validate, encrypt, store, audit),
# against the anchor measured in the same run on the same rows:
#   SQLite:      sqlite3 .import of the rows as UTF-8 into a plain table (WAL)
#   PostgreSQL:  psql \copy of the same UTF-8 rows into a plain table
# Usage: bench/import.sh [ROWS]   (default 1000000; BACKENDS="sqlite" for one)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
BACKENDS=${BACKENDS:-sqlite postgres}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-release}
cargo build --release -q -p itaku-cli
BIN="$CARGO_TARGET_DIR/release/itaku"
W=$(mktemp -d /tmp/itaku-bench.XXXXXX)
trap 'rm -rf "$W"; source scripts/pg-cluster.sh stop >/dev/null 2>&1 || true' EXIT
command -v sqlite3 >/dev/null || { apt-get install -y -qq sqlite3 >/dev/null; }

"$BIN" demo generate --people "$ROWS" --format cp932-csv --out "$W/targets.csv" 2>/dev/null
"$BIN" demo generate --people "$ROWS" --format utf8-csv --out "$W/targets-utf8.csv" 2>/dev/null
tail -c +4 "$W/targets-utf8.csv" > "$W/plain.csv"   # drop the BOM for the anchors
COLS="atena,voucher,kigo,bango,kana,kanji,birth,sex,postal,address,building,phone,joined,lost,prev,count5,bmi,sbp,hba1c"
SQL_COLS=$(echo "$COLS" | sed 's/,/ TEXT, /g')" TEXT"

secs() { python3 -c "import sys; print(f'{float(sys.argv[1]):.2f}')" "$1"; }
timed() { # prints "seconds peak_rss_mb" for a command
  /usr/bin/time -f "%e %M" -o "$W/time" "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  read -r s kb < "$W/time"; echo "$s $((kb / 1024))"
}

echo "rows: $ROWS ($(du -h "$W/targets.csv" | cut -f1) CP932)"
# --- SQLite ---
if [[ " $BACKENDS " == *" sqlite "* ]]; then
read -r anchor _ < <(timed sqlite3 "$W/plain.db" "PRAGMA journal_mode=WAL;" "CREATE TABLE t($SQL_COLS);" ".mode csv" ".import --skip 1 $W/plain.csv t")
"$BIN" --data "$W/ward" demo --no-serve --people 0 >/dev/null
read -r took rss < <(timed "$BIN" --data "$W/ward" import targets --profile shinjuku-kokuho-targets --input "$W/targets.csv" --as hokenshi)
ratio=$(python3 -c "print(f'{$took/$anchor:.2f}')")
echo "SQLite      anchor sqlite3 .import: $(secs "$anchor") s | itaku import: $(secs "$took") s (${ratio}x, target <= 1.25x) | peak RSS ${rss} MB (target <= 256 MB)"

fi
# --- PostgreSQL ---
if [[ " $BACKENDS " == *" postgres "* ]]; then
source scripts/pg-cluster.sh start >/dev/null
ADMIN=$ITAKU_TEST_POSTGRES_URL
PSQL=$(ls /usr/lib/postgresql/*/bin/psql | tail -n 1)
"$PSQL" -q "$ADMIN" -c "CREATE DATABASE plain" -c "CREATE DATABASE ward"
PLAIN=${ADMIN%/postgres}/plain
WARD=${ADMIN%/postgres}/ward
"$PSQL" -q "$PLAIN" -c "CREATE TABLE t($SQL_COLS)"
read -r anchor _ < <(timed "$PSQL" -q "$PLAIN" -c "\\copy t FROM '$W/plain.csv' WITH (FORMAT csv, HEADER true)")
"$BIN" --data "$W/pg" --database-url "$WARD" demo --no-serve --people 0 >/dev/null
read -r took rss < <(timed "$BIN" --data "$W/pg" --database-url "$WARD" import targets --profile shinjuku-kokuho-targets --input "$W/targets.csv" --as hokenshi)
ratio=$(python3 -c "print(f'{$took/$anchor:.2f}')")
echo "PostgreSQL  anchor psql \\copy:       $(secs "$anchor") s | itaku import: $(secs "$took") s (${ratio}x, target <= 1.25x) | peak RSS ${rss} MB (target <= 256 MB)"
fi
