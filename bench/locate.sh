#!/usr/bin/env bash
# Point-in-polygon lookup over HTTP: which grid holds a point (`GET /api/v1/locate`), on the demo
# with its generated boundaries (one county, its townships and villages, 49 grids), against a
# plain lookup of one region by code (`GET /api/v1/regions/{code}`) in the same run.
#   bench/locate.sh [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000}"
# TONGCHOU_BIN=path skips the release build and measures that binary instead.
if [ -n "${TONGCHOU_BIN:-}" ]; then
  BIN="$(realpath "$TONGCHOU_BIN")"
else
  cargo build --release -q -p tongchou
  BIN="$(realpath "${CARGO_TARGET_DIR:-target}/release/tongchou")"
fi
echo "binary: $BIN"
DATA="$(mktemp -d /var/tmp/tongchou-locate-XXXXXX)"
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
PORT=18185
"$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" --demo 2>"$DATA/serve.log" &
PID=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
python3 bench/locate.py "$PORT" "$N" "$DATA/serve.log"
