#!/usr/bin/env bash
# Case intake over HTTP on SQLite, and its limit. Starts `tongchou serve --demo` on a fresh data
# directory and, from a second process on loopback, files cases through POST /api/v1/cases
# (routing, number, first event and search terms; acknowledged only after the commit is durable)
# for SECONDS over CONNECTIONS keep-alive connections. Then, in the same run, measures the limit:
# single-row durable inserts (WAL, synchronous=FULL, one transaction each) of a row the size of a
# stored case row (read off the database with dbstat), and prints the ratio.
#   bench/cases_intake.sh [SECONDS] [CONNECTIONS]
#   TONGCHOU_BENCH_BIN=… TONGCHOU_BENCH_DIR=… bench/cases_intake.sh …
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"
CONNS="${2:-64}"
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command (apt-get install sqlite3)"; exit 1; }
# TONGCHOU_BENCH_BIN: a binary to measure instead of building this tree (e.g. an older release);
# TONGCHOU_BENCH_DIR: where the data directory goes (e.g. a tmpfs, to measure CPU without fsync).
if [ -n "${TONGCHOU_BENCH_BIN:-}" ]; then
  BIN="$(realpath "$TONGCHOU_BENCH_BIN")"
else
  cargo build --release -q -p tongchou
  BIN="$(realpath "${CARGO_TARGET_DIR:-target}/release/tongchou")"
fi
DATA="$(mktemp -d "${TONGCHOU_BENCH_DIR:-/var/tmp}/tongchou-intake-XXXXXX")"
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
PORT=18183
"$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" --demo --sweep-seconds 0 2>"$DATA/serve.log" &
PID=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
"$BIN" bench intake --url "http://127.0.0.1:$PORT" --seconds "$SECS" --connections "$CONNS" | tee "$DATA/intake.txt"
kill $PID; wait $PID 2>/dev/null || true
DB="$DATA/tongchou.db"
ROW=$(sqlite3 "$DB" "SELECT sum(pgsize) / (SELECT count(*) FROM cases) FROM dbstat WHERE name = 'cases'")
echo "stored case row: $ROW bytes (cases table pages / rows)"
"$BIN" bench raw-insert --file "$DATA/raw.db" --seconds 20 --row-bytes "$ROW" | tee "$DATA/raw.txt"
RATE=$(grep -o '= [0-9]* cases/s' "$DATA/intake.txt" | grep -o '[0-9]*')
RAW=$(grep -o '= [0-9]* rows/s' "$DATA/raw.txt" | grep -o '[0-9]*')
echo "ratio: intake $RATE cases/s / raw $RAW rows/s = $(awk "BEGIN{printf \"%.2f\", $RATE/$RAW}")"
