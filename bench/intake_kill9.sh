#!/usr/bin/env bash
# No acknowledged case is lost to kill -9: runs the intake driver against `tongchou serve --demo`
# for SECONDS, kills the server with SIGKILL after KILL_AT seconds, then opens the database and
# checks that every case id the driver got a 201 for is stored.
#   bench/intake_kill9.sh [SECONDS] [KILL_AT]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-20}"
KILL_AT="${2:-8}"
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command (apt-get install sqlite3)"; exit 1; }
cargo build --release -q -p tongchou
BIN="$(realpath "${CARGO_TARGET_DIR:-target}/release/tongchou")"
DATA="$(mktemp -d /var/tmp/tongchou-kill9-XXXXXX)"
trap 'kill -9 $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
PORT=18184
"$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" --demo --sweep-seconds 0 2>"$DATA/serve.log" &
PID=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
"$BIN" bench intake --url "http://127.0.0.1:$PORT" --seconds "$SECS" --connections 64 --ids "$DATA/acked.txt" &
DRIVER=$!
sleep "$KILL_AT"
kill -9 $PID
echo "server killed with SIGKILL at ${KILL_AT}s"
wait $DRIVER
sort -u "$DATA/acked.txt" > "$DATA/acked.sorted"
sqlite3 "$DATA/tongchou.db" "SELECT id FROM cases" | sort -u > "$DATA/stored.sorted"
ACKED=$(wc -l < "$DATA/acked.sorted")
STORED=$(wc -l < "$DATA/stored.sorted")
MISSING=$(comm -23 "$DATA/acked.sorted" "$DATA/stored.sorted" | wc -l)
echo "acknowledged: $ACKED, stored: $STORED, acknowledged but missing: $MISSING"
[ "$MISSING" -eq 0 ] && [ "$ACKED" -gt 0 ] && echo "PASS: no acknowledged case lost" || { echo "FAIL"; exit 1; }
