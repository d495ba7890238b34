#!/usr/bin/env bash
# Registry lookups with N persons (default 5,000,000) on SQLite: seeds the demo plus N persons
# spread over every village of 连云港市, serves it, and from a second process times lookups by ID
# number and searches by a two-character name fragment (first page) over HTTP, one at a time.
# Prints p50/p95/p99 and the server's resident memory.
#   bench/persons_5m.sh [N] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000000}"
REQ="${2:-2000}"
cargo build --release -q -p tongchou
BIN="$(realpath "${CARGO_TARGET_DIR:-target}/release/tongchou")"
DATA="${BENCH_DATA:-/var/tmp/tongchou-bench-$N}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
if [ ! -f "$DATA/sample.txt" ]; then
  rm -rf "$DATA"
  /usr/bin/time -f "seed: %e s wall, max RSS %M KiB" "$BIN" bench seed --data-dir "$DATA" --persons "$N"
fi
echo "database: $(du -sh "$DATA" | cut -f1)"
PORT=18181
"$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" 2>"$DATA/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
"$BIN" bench lookup --url "http://127.0.0.1:$PORT" --sample "$DATA/sample.txt" --requests "$REQ"
grep -E 'VmRSS|VmHWM' "/proc/$PID/status" | sed 's/^/server /'
