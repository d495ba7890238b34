#!/usr/bin/env bash
# Case reads with N cases (default 10,000,000) on SQLite: seeds the demo plus N cases over every
# village of 连云港市 across two years (85 % closed, the rest open in every state, each with its
# lifecycle events and search terms), serves it, and from a second process times the dispatcher
# queue (first page, filtered by township and state) and a case's detail with its events over
# HTTP, one request at a time. Prints p50/p95/p99 and the server's resident memory.
#   bench/cases_10m.sh [N] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000000}"
REQ="${2:-2000}"
cargo build --release -q -p tongchou
BIN="$(realpath "${CARGO_TARGET_DIR:-target}/release/tongchou")"
DATA="${BENCH_DATA:-/var/tmp/tongchou-bench-cases-$N}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
if [ ! -f "$DATA/seeded" ]; then
  rm -rf "$DATA"
  /usr/bin/time -f "seed: %e s wall, max RSS %M KiB" "$BIN" bench seed-cases --data-dir "$DATA" --cases "$N"
  touch "$DATA/seeded"
fi
echo "database: $(du -sh "$DATA" | cut -f1)"
PORT=18182
"$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" --sweep-seconds 0 2>"$DATA/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
"$BIN" bench cases-query --url "http://127.0.0.1:$PORT" --requests "$REQ"
grep -E 'VmRSS|VmHWM' "/proc/$PID/status" | sed 's/^/server /'
