#!/usr/bin/env bash
# The field app's weight and time to interactive on a throttled link (400 kbit/s, 400 ms RTT):
# starts `tongchou serve --demo` on a fresh data directory, then bench/field_weight.py drives
# Chromium through a byte-counting proxy: first visit, login to the task list, repeat visit.
#   bench/field_weight.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-5}"
command -v chromedriver >/dev/null || { echo "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"; exit 1; }
# TONGCHOU_BIN=path skips the release build and measures that binary instead.
if [ -n "${TONGCHOU_BIN:-}" ]; then
  BIN="$(realpath "$TONGCHOU_BIN")"
else
  cargo build --release -q -p tongchou
  BIN="$(realpath "${CARGO_TARGET_DIR:-target}/release/tongchou")"
fi
echo "binary: $BIN"
DATA="$(mktemp -d /var/tmp/tongchou-weight-XXXXXX)"
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r), $(chromium --version 2>/dev/null)"
PORT=18184
"$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" --demo 2>"$DATA/serve.log" &
PID=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
# A grid worker of 白塔村 (the demo's rural village), whose households are all due a visit.
GRID=$(curl -sf -c "$DATA/c" -H 'Content-Type: application/json' -d '{"username":"admin","password":"Demo@2026"}' \
  "http://127.0.0.1:$PORT/api/v1/auth/login" >/dev/null && curl -sf -b "$DATA/c" \
  "http://127.0.0.1:$PORT/api/v1/grids?region=320722101200" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["code"])')
python3 bench/field_weight.py "http://127.0.0.1:$PORT" "gw_$GRID" "Demo@2026" "$ROUNDS"
